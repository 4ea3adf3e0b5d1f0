/**
 * PostgreSQL goes down in the middle of an agent run (its own server, so the shared one is left
 * alone): the run fails with a typed error that says what happened, what was committed is still
 * there when the server is back, and the thread resumes from it.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LakebaseCheckpointSaver } from './checkpoint.js';
import { LakebaseConnectionError } from './errors.js';
import { createResearchAgent, RESEARCH_STEPS, researchAgentChat } from './testing/agent.js';
import {
  type LocalStack,
  postgresSkipReason,
  sharedPostgres,
  startLocalStack,
} from './testing/local_stack.js';
import { type PostgresServer, startPostgresServer } from './testing/postgres.js';

if (!sharedPostgres) console.warn(`lakebase outage tests skipped: ${postgresSkipReason}`);

describe.skipIf(!sharedPostgres)('PostgreSQL down mid-run', () => {
  let server: PostgresServer;
  let stack: LocalStack;

  beforeAll(async () => {
    server = await startPostgresServer();
    stack = await startLocalStack({
      postgres: server,
      servingEndpoints: [{ name: 'agent-chat', task: 'llm/v1/chat', handler: researchAgentChat() }],
    });
  });
  afterAll(async () => {
    await stack?.stop();
    await server?.stop();
  });

  it('fails the run with a clear error, keeps what was committed, and resumes', async () => {
    const saver = new LakebaseCheckpointSaver({ ...stack.poolOptions(), schema: 'outage' });
    await saver.setup();
    const checkpointIds = async (threadId: string) =>
      (
        await stack.admin.query(
          'SELECT checkpoint_id FROM outage.checkpoints WHERE thread_id = $1 ORDER BY checkpoint_id',
          [threadId],
        )
      ).rows.map((row: { checkpoint_id: string }) => row.checkpoint_id);
    let committedBefore: string[] = [];
    let downAtStep = 0; // set once the first thread has finished
    const graph = createResearchAgent({
      checkpointer: saver,
      workspace: { host: stack.ws.host, token: stack.ws.token, caCert: stack.ws.caCert },
      onStep: async (_topic, step) => {
        if (step === downAtStep) {
          downAtStep = 0;
          committedBefore = await checkpointIds('interrupted');
          await server.shutdown(); // fast shutdown: every session is terminated
        }
      },
    });
    const finished = { configurable: { thread_id: 'finished-before' } };
    // Checkpoints written before each next step (LangGraph's default writes them while the next
    // step runs), so the test knows which ones were committed when the server went down.
    const interrupted = { configurable: { thread_id: 'interrupted' }, durability: 'sync' as const };
    await graph.invoke({ messages: [{ role: 'user', content: 'finished before' }] }, finished);
    downAtStep = 2;

    const error = await graph
      .invoke({ messages: [{ role: 'user', content: 'interrupted' }] }, interrupted)
      .catch((caught: unknown) => caught);
    expect(LakebaseConnectionError.isInstance(error)).toBe(true);
    const message = (error as Error).message;
    expect(message).toContain('Lakebase instance "agent-memory"');
    expect(message).toMatch(/unreachable or went away/);
    expect(message).toContain('what was committed before is kept');
    expect((error as LakebaseConnectionError).retryable).toBe(true);

    // Still down: a new request fails the same way, without hanging.
    const again = await saver.getTuple(finished).catch((caught: unknown) => caught);
    expect(LakebaseConnectionError.isInstance(again)).toBe(true);

    await server.restart();
    // The thread that finished before the outage is intact.
    const before = await graph.getState(finished);
    expect(before.values.messages).toHaveLength(2 + 2 * RESEARCH_STEPS);
    // Every checkpoint of the interrupted thread committed before the outage is still there, and
    // the thread finishes from the last one.
    // The input, the question, the first call, the first finding, the second call.
    expect(committedBefore).toHaveLength(5);
    const after = await checkpointIds('interrupted');
    expect(after).toEqual(expect.arrayContaining(committedBefore));
    const kept = await graph.getState(interrupted);
    expect(kept.values.messages).toHaveLength(4);
    expect(kept.next).toEqual(['tools']);
    const resumed = await graph.invoke(null, interrupted);
    expect(resumed.messages).toHaveLength(2 + 2 * RESEARCH_STEPS);
    expect(String(resumed.messages.at(-1)?.content)).toBe(
      `Answer about interrupted: ${[1, 2, 3].map((step) => `finding ${step} on interrupted`).join(' | ')}`,
    );
    await saver.end();
  });
});
