// Runs offline: a local workspace with a Genie space over a table, answering through a scripted
// NL-to-SQL endpoint (swap in `llamaChat` from @lakechain/local-workspace for a real local model).
// Asks a question and a follow-up in the same conversation, then uses GenieAgent as a Runnable
// and as a tool.
// pnpm build && node packages/genie/examples/quickstart.mjs
import { GenieAgent, GenieClient } from '@lakechain/genie';
import { scriptedGenieChat, startLocalWorkspace } from '@lakechain/local-workspace';
import { HumanMessage } from '@langchain/core/messages';

const ws = await startLocalWorkspace({
  catalog: { samples: false },
  serving: {
    endpoints: [
      {
        // The chat endpoint the space writes its SQL with.
        name: 'databricks-genie',
        task: 'llm/v1/chat',
        handler: scriptedGenieChat({
          sql: (_question, { history }) =>
            history.length === 0
              ? {
                  sql: 'SELECT SUM(amount) AS revenue FROM main.shop.orders',
                  description: 'Total revenue.',
                }
              : 'SELECT region, SUM(amount) AS revenue FROM main.shop.orders GROUP BY region ORDER BY region',
          summary: (_question, { rows }) =>
            rows.map((row) => Object.values(row).join(': ')).join('; '),
        }),
      },
    ],
  },
  genie: {
    spaces: [
      {
        id: 'sales',
        title: 'Sales',
        description: 'Orders of the shop by region.',
        tables: ['main.shop.orders'],
        sampleQuestions: ['Revenue by region?'],
      },
    ],
  },
});
const auth = { host: ws.host, token: ws.token, caCert: ws.caCert };
try {
  const session = await ws.engine.openSession({});
  for (const statement of [
    'CREATE SCHEMA main.shop',
    'CREATE TABLE main.shop.orders (id BIGINT, region STRING, amount DECIMAL(10,2))',
    "INSERT INTO main.shop.orders VALUES (1, 'EU', 120.50), (2, 'US', 80.00), (3, 'EU', 9.95)",
  ])
    await (await session.execute(statement, {}, new AbortController().signal)).close();
  await session.close();

  const genie = new GenieClient({ ...auth, pollInitialDelayMs: 50 });
  const first = await genie.ask('sales', 'What is our revenue?');
  console.log('SQL:', first.sql);
  console.log('rows:', first.rows, 'answer:', first.text);
  const next = await genie.ask('sales', 'And by region?', { conversationId: first.conversationId });
  console.log('follow-up in the same conversation:', next.conversationId === first.conversationId);
  console.log('rows:', next.rows, 'suggested:', next.suggestedQuestions);
  await genie.close();

  const agent = new GenieAgent({
    ...auth,
    spaceId: 'sales',
    name: 'Sales',
    pollInitialDelayMs: 50,
  });
  const out = await agent.invoke({ messages: [new HumanMessage('What is our revenue?')] });
  console.log(`GenieAgent: ${out.messages.at(-1).content}`);
  const tool = await agent.toTool().withSpaceDescription();
  console.log(`tool ${tool.name}: ${tool.description}`);
  console.log(
    await tool.invoke({ question: 'And by region?', conversation_id: out.conversationId }),
  );
  await agent.close();
} finally {
  await ws.stop();
}
