#!/usr/bin/env node
// A LangGraph.js agent whose memory survives a restart: its checkpoints go to Lakebase Postgres.
//
//   pnpm build && node packages/lakebase/examples/resumable_agent.mjs
//
// On the local stack (the default): a real PostgreSQL with pgvector and TLS (scripts/
// postgres-server.mjs, data kept in $TMPDIR/lakechain-lakebase-example across runs) behind the
// local workspace's emulated Lakebase instance, credentials and a scripted chat model. Press
// Ctrl-C while it researches, run it again: the thread resumes from its last checkpoint instead
// of starting over. `--reset` starts a new thread.
//
// On a real workspace: set DATABRICKS_HOST (+ credentials), LAKEBASE_INSTANCE and
// LAKEBASE_CHAT_ENDPOINT (a chat model that can call tools).
import { randomUUID } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ChatDatabricks } from '@lakechain/databricks-llm';
import { LakebaseCheckpointSaver } from '@lakechain/lakebase';
import { tool } from '@langchain/core/tools';
import { MessagesAnnotation, START, StateGraph } from '@langchain/langgraph';
import { ToolNode, toolsCondition } from '@langchain/langgraph/prebuilt';
import { z } from 'zod';

const reset = process.argv.includes('--reset');
const threadId = process.env.LAKEBASE_EXAMPLE_THREAD ?? 'trip-planning';
// Test hook: the research step at which to hang (the test kills the process there).
const hangAtStep = Number(process.env.LAKEBASE_EXAMPLE_HANG_AT_STEP ?? 0);
const stepDelayMs = Number(process.env.LAKEBASE_EXAMPLE_STEP_DELAY_MS ?? 1500);

/**
 * A stand-in for a tool-calling model: research three steps, then answer with the findings.
 * Reply ids get a random part: the local workspace numbers replies from 1 in each process, and
 * LangGraph's message reducer would take a reply of this run for one of the last (same id).
 */
function standInModel(scriptedChat) {
  const script = scriptedChat((messages) => {
    const question = String(messages.find((m) => m.role === 'user')?.content ?? '');
    const findings = messages.filter((m) => m.role === 'tool').map((m) => m.content);
    if (findings.length < 3) {
      const step = findings.length + 1;
      return {
        toolCalls: [
          { id: `research-${step}`, name: 'research', arguments: { topic: question, step } },
        ],
      };
    }
    return `Here is the plan for "${question}": ${findings.join('; ')}.`;
  });
  return async (request) => {
    const reply = await script(request);
    if (reply && typeof reply === 'object' && typeof reply.id === 'string')
      reply.id += `-${randomUUID()}`;
    return reply;
  };
}

/** Where the workspace and the database are: given by a test, a real workspace, or started here. */
async function connect() {
  if (process.env.LAKEBASE_EXAMPLE_STACK) {
    const stack = JSON.parse(process.env.LAKEBASE_EXAMPLE_STACK);
    return { ...stack, endpoint: 'agent-chat', stop: async () => {} };
  }
  if (process.env.DATABRICKS_HOST) {
    return {
      instanceName: process.env.LAKEBASE_INSTANCE ?? 'agent-memory',
      endpoint: process.env.LAKEBASE_CHAT_ENDPOINT ?? 'databricks-claude-sonnet-4',
      stop: async () => {},
    };
  }
  const { startPostgresServer } = await import('../scripts/postgres-server.mjs');
  const { scriptedChat, startLocalWorkspace } = await import('@lakechain/local-workspace');
  const postgres = await startPostgresServer({
    dataDir: process.env.LAKEBASE_EXAMPLE_DATA ?? join(tmpdir(), 'lakechain-lakebase-example'),
  });
  const ws = await startLocalWorkspace({
    catalog: { samples: false },
    lakebase: { instances: [{ name: 'agent-memory' }], postgres: postgres.lakebase },
    serving: {
      endpoints: [
        {
          name: 'agent-chat',
          task: 'llm/v1/chat',
          handler: standInModel(scriptedChat),
        },
      ],
    },
  });
  console.log(
    `local stack: PostgreSQL ${postgres.postgresVersion} + pgvector ${postgres.pgvectorVersion} ` +
      `(TLS) on 127.0.0.1:${postgres.port}, workspace ${ws.host}`,
  );
  return {
    instanceName: 'agent-memory',
    endpoint: 'agent-chat',
    workspace: { host: ws.host, token: ws.token, caCert: ws.caCert, env: {} },
    postgres: { port: postgres.port, caCert: postgres.caCert },
    stop: async () => {
      await ws.stop();
      await postgres.stop();
    },
  };
}

const stack = await connect();
let checkpointer;
let stopping = false;
const stop = async (code) => {
  if (stopping) return;
  stopping = true;
  await checkpointer?.end();
  await stack.stop();
  process.exit(code);
};
process.on('SIGINT', () => {
  console.log('\ninterrupted: run me again to resume');
  stop(130);
});

// The checkpointer: a pg Pool on the instance, with credentials minted and rotated by the workspace.
checkpointer = new LakebaseCheckpointSaver({
  instanceName: stack.instanceName ?? 'agent-memory',
  workspace: stack.workspace,
  port: stack.postgres?.port,
  tls: stack.postgres ? { ca: stack.postgres.caCert } : undefined,
  schema: 'agent_memory',
});
await checkpointer.setup();

const research = tool(
  async ({ topic, step }) => {
    console.log(`  research step ${step} on "${topic}"...`);
    if (step === hangAtStep) await new Promise(() => {}); // the test kills us here
    await new Promise((resolve) => setTimeout(resolve, stepDelayMs));
    return `finding ${step} on ${topic}`;
  },
  {
    name: 'research',
    description: 'Looks one step further into a topic.',
    schema: z.object({ topic: z.string(), step: z.number().int() }),
  },
);
const model = new ChatDatabricks({ endpoint: stack.endpoint, ...stack.workspace }).bindTools([
  research,
]);
const graph = new StateGraph(MessagesAnnotation)
  .addNode('agent', async (state) => ({ messages: [await model.invoke(state.messages)] }))
  .addNode('tools', new ToolNode([research]))
  .addEdge(START, 'agent')
  .addConditionalEdges('agent', toolsCondition)
  .addEdge('tools', 'agent')
  .compile({ checkpointer });

const config = { configurable: { thread_id: threadId } };
if (reset) await checkpointer.deleteThread(threadId);
const saved = await graph.getState(config);
let result;
if (saved.next.length > 0) {
  console.log(
    `thread "${threadId}": resuming from its checkpoint (${saved.values.messages.length} messages, next: ${saved.next.join(', ')})`,
  );
  result = await graph.invoke(null, config);
} else if (saved.values.messages?.length) {
  console.log(`thread "${threadId}" already finished (run with --reset to start over)`);
  result = saved.values;
} else {
  console.log(
    `thread "${threadId}": new run (press Ctrl-C during the research, then run me again)`,
  );
  result = await graph.invoke(
    { messages: [{ role: 'user', content: 'a weekend in Lisbon' }] },
    config,
  );
}
console.log(`answer: ${result.messages.at(-1).content}`);
await stop(0);
