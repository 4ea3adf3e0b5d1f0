/**
 * `LakebaseCheckpointSaver` under a LangGraph.js tool-calling agent (ChatDatabricks on the local
 * workspace's scripted chat endpoint), against the real PostgreSQL: a run killed with its
 * process resumes from its checkpoint in a new process; 20 concurrent threads keep to
 * themselves; credentials that keep expiring during runs fail no query.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LakebaseCheckpointSaver } from './checkpoint.js';
import { createResearchAgent, RESEARCH_STEPS, researchAgentChat } from './testing/agent.js';
import {
  type LocalStack,
  postgresSkipReason,
  sharedPostgres,
  startLocalStack,
} from './testing/local_stack.js';

if (!sharedPostgres) console.warn(`lakebase checkpoint tests skipped: ${postgresSkipReason}`);

const example = join(import.meta.dirname, '..', 'examples', 'resumable_agent.mjs');
const built = join(import.meta.dirname, '..', 'dist', 'index.js');

interface MessageLike {
  content: unknown;
  getType?: () => string;
  _getType?: () => string;
}
const text = (message: MessageLike) => String(message.content);

describe.skipIf(!sharedPostgres)('LakebaseCheckpointSaver with a LangGraph.js agent', () => {
  let clock = Date.parse('2026-03-01T09:00:00Z');
  let stack: LocalStack;

  beforeAll(async () => {
    stack = await startLocalStack({
      lakebase: { now: () => clock },
      servingEndpoints: [{ name: 'agent-chat', task: 'llm/v1/chat', handler: researchAgentChat() }],
    });
  });
  afterAll(async () => {
    await stack?.stop();
  });

  const workspace = () => ({ host: stack.ws.host, token: stack.ws.token, caCert: stack.ws.caCert });
  const saverFor = (schema: string, extra: Parameters<LocalStack['poolOptions']>[1] = {}) =>
    new LakebaseCheckpointSaver({
      ...stack.poolOptions('agent-memory', { now: () => clock, ...extra }),
      schema,
    });

  it('resumes a thread from its checkpoint after its process is killed', async () => {
    if (!existsSync(built))
      throw new Error(`${built} is missing: run \`pnpm build\` in packages/lakebase first.`);
    const threadId = 'killed-mid-run';
    const saver = saverFor('agent_memory'); // the example's schema
    await saver.setup();
    const env = {
      ...process.env,
      LAKEBASE_EXAMPLE_STACK: JSON.stringify({
        instanceName: 'agent-memory',
        workspace: { ...workspace(), env: {} },
        postgres: { port: stack.postgres.port, caCert: stack.postgres.caCert },
      }),
      LAKEBASE_EXAMPLE_THREAD: threadId,
      LAKEBASE_EXAMPLE_STEP_DELAY_MS: '0',
    };
    const chatCallsBefore = stack.ws.serving.requestsFor('agent-chat').length;
    const config = { configurable: { thread_id: threadId, checkpoint_ns: '' } };
    const messagesSaved = async () =>
      ((await saver.getTuple(config))?.checkpoint.channel_values.messages as unknown[] | undefined)
        ?.length ?? 0;

    // First process: hangs inside research step 2; killed once the step's checkpoint is stored.
    const first = run(env, { LAKEBASE_EXAMPLE_HANG_AT_STEP: '2' });
    await first.waitFor(/research step 2/);
    for (let attempt = 0; (await messagesSaved()) < 4 && attempt < 800; attempt++) {
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
    expect(await messagesSaved()).toBe(4); // question, call 1, finding 1, call 2
    first.child.kill('SIGKILL');
    await first.exited;
    expect(first.output()).toContain('research step 1');

    // Second process: picks the thread up where the checkpoint left it.
    const second = run(env, {});
    const code = await second.exited;
    const output = second.output();
    expect(code, output).toBe(0);
    expect(output).toContain('resuming from its checkpoint (4 messages, next: tools)');
    expect(output).not.toContain('research step 1');
    expect(output).toContain('research step 2');
    expect(output).toContain('research step 3');
    expect(output).toMatch(
      /answer: Answer about a weekend in Lisbon: finding 1 .* \| finding 2 .* \| finding 3/,
    );
    // Two model calls before the kill, two after: nothing was redone from the start.
    expect(stack.ws.serving.requestsFor('agent-chat').length - chatCallsBefore).toBe(4);
    const final = (await saver.getTuple(config))?.checkpoint.channel_values
      .messages as MessageLike[];
    expect(final).toHaveLength(2 + 2 * RESEARCH_STEPS);
    await saver.end();
  });

  it('keeps 20 concurrent threads apart', async () => {
    const saver = saverFor('concurrent');
    await saver.setup();
    const graph = createResearchAgent({ checkpointer: saver, workspace: workspace() });
    const topics = Array.from({ length: 20 }, (_, index) => `topic-${index}`);
    const results = await Promise.all(
      topics.map((topic) =>
        graph.invoke(
          { messages: [{ role: 'user', content: topic }] },
          { configurable: { thread_id: `thread-${topic}` } },
        ),
      ),
    );
    for (const [index, topic] of topics.entries()) {
      const messages = results[index]?.messages as MessageLike[];
      expect(messages).toHaveLength(2 + 2 * RESEARCH_STEPS);
      expect(text(messages[0] as MessageLike)).toBe(topic);
      expect(text(messages.at(-1) as MessageLike)).toBe(
        `Answer about ${topic}: ${[1, 2, 3].map((step) => `finding ${step} on ${topic}`).join(' | ')}`,
      );
      // What the database holds for the thread mentions no other thread's topic.
      const stored = await saver.getTuple({
        configurable: { thread_id: `thread-${topic}`, checkpoint_ns: '' },
      });
      const storedText = JSON.stringify(stored?.checkpoint.channel_values);
      for (const other of topics) {
        if (other !== topic) expect(storedText).not.toMatch(new RegExp(`${other}\\b`));
      }
    }
    const threads = await stack.admin.query(
      'SELECT count(DISTINCT thread_id)::int AS n FROM concurrent.checkpoints',
    );
    expect(threads.rows[0].n).toBe(20);
    await saver.end();
  });

  it('fails no query while credentials keep expiring during runs', async () => {
    stack.ws.lakebase.setCredentialLifetime(60);
    // Each connection serves two checkouts, so logins happen all through the runs.
    const saver = saverFor('rotation', { poolSettings: { maxUses: 2 } });
    await saver.setup();
    const graph = createResearchAgent({
      checkpointer: saver,
      workspace: workspace(),
      // Every research step moves the clock 25 s: a credential lasts about two steps.
      onStep: () => {
        clock += 25_000;
      },
    });
    const loginsBefore = stack.ws.lakebase.logins.length;
    const startedAt = clock;
    const mintedBefore = saver.lakebasePool.workspace.credentialsMinted;
    const runs = await Promise.allSettled(
      Array.from({ length: 20 }, (_, index) =>
        graph.invoke(
          { messages: [{ role: 'user', content: `rotation-${index}` }] },
          { configurable: { thread_id: `rotation-${index}` } },
        ),
      ),
    );
    expect(runs.filter((result) => result.status === 'rejected')).toEqual([]);
    const logins = stack.ws.lakebase.logins.slice(loginsBefore);
    expect(logins.length).toBeGreaterThan(20);
    // Twenty threads move one clock, so a password can expire between its checkout and its login
    // (refused, then retried with a fresh one); no login is refused for any other reason.
    expect(new Set(logins.filter((login) => !login.accepted).map((login) => login.reason))).toEqual(
      new Set(logins.some((login) => !login.accepted) ? ['expired'] : []),
    );
    // 60 steps of 25 s: 25 minutes of one-minute credentials, replaced as logins needed them.
    expect(clock - startedAt).toBe(60 * 25_000);
    expect(saver.lakebasePool.workspace.credentialsMinted - mintedBefore).toBeGreaterThanOrEqual(3);
    stack.ws.lakebase.setCredentialLifetime(3600);
    await saver.end();
  });
});

/** Runs the example as a child process, collecting its output. */
function run(env: NodeJS.ProcessEnv, extra: Record<string, string>) {
  const child: ChildProcess = spawn(process.execPath, [example], {
    env: { ...env, ...extra },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const waiters: Array<{ pattern: RegExp; resolve: () => void }> = [];
  const collect = (chunk: Buffer) => {
    output += chunk.toString();
    for (const waiter of waiters.splice(0)) {
      if (waiter.pattern.test(output)) waiter.resolve();
      else waiters.push(waiter);
    }
  };
  child.stdout?.on('data', collect);
  child.stderr?.on('data', collect);
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return {
    child,
    exited,
    output: () => output,
    waitFor: (pattern: RegExp) =>
      new Promise<void>((resolve, reject) => {
        if (pattern.test(output)) return resolve();
        waiters.push({ pattern, resolve });
        exited.then(() => reject(new Error(`exited before ${pattern}:\n${output}`)));
      }),
  };
}
