// Runs offline: a LangChain v1 agent (createAgent + ChatDatabricks) with the tools of two
// Databricks-managed MCP servers (SQL and a Genie space) served by @lakechain/local-workspace.
// The model is a scripted endpoint that calls the tools in a fixed order; point `model` at a
// real chat endpoint (or `llamaChat`) and drop the local workspace to use a real one.
// pnpm build && node packages/databricks-mcp/examples/agent.mjs

import { ChatDatabricks } from '@lakechain/databricks-llm';
import { DatabricksMCPServer, DatabricksMultiServerMCPClient } from '@lakechain/databricks-mcp';
import { scriptedChat, scriptedGenieChat, startLocalWorkspace } from '@lakechain/local-workspace';
import { createAgent } from 'langchain';

const ws = await startLocalWorkspace({
  catalog: { samples: false },
  serving: {
    endpoints: [
      {
        name: 'databricks-genie',
        task: 'llm/v1/chat',
        handler: scriptedGenieChat({
          sql: () =>
            'SELECT region, SUM(amount) AS revenue FROM main.shop.orders GROUP BY region ORDER BY region',
        }),
      },
      {
        // The agent's model: one tool per turn, then an answer built from the tool results.
        name: 'agent',
        task: 'llm/v1/chat',
        handler: scriptedChat((messages) => {
          const results = messages.filter((message) => message.role === 'tool');
          if (results.length === 0)
            return {
              toolCalls: [
                {
                  name: 'execute_sql_read_only',
                  arguments: { query: 'SELECT COUNT(*) AS orders FROM main.shop.orders' },
                },
              ],
            };
          if (results.length === 1)
            return {
              toolCalls: [
                { name: 'query_space_sales', arguments: { query: 'Revenue by region?' } },
              ],
            };
          const orders = JSON.parse(results[0].content).result.data_array[0][0];
          const genie = JSON.parse(results[1].content);
          return `${orders} orders; revenue by region: ${genie.result.data_array.map(([region, revenue]) => `${region} ${revenue}`).join(', ')}.`;
        }),
      },
    ],
  },
  genie: { spaces: [{ id: 'sales', title: 'Sales', tables: ['main.shop.orders'] }] },
});
const auth = { host: ws.host, token: ws.token, caCert: ws.caCert };
const mcp = new DatabricksMultiServerMCPClient([
  DatabricksMCPServer.fromSql(auth),
  DatabricksMCPServer.fromGenieSpace('sales', auth),
]);
try {
  const session = await ws.engine.openSession({});
  for (const statement of [
    'CREATE SCHEMA main.shop',
    'CREATE TABLE main.shop.orders (id BIGINT, region STRING, amount DECIMAL(10,2))',
    "INSERT INTO main.shop.orders VALUES (1, 'EU', 120.50), (2, 'US', 80.00), (3, 'EU', 9.95)",
  ])
    await (await session.execute(statement, {}, new AbortController().signal)).close();
  await session.close();

  const tools = await mcp.getTools();
  console.log('tools:', tools.map((tool) => tool.name).join(', '));
  const agent = createAgent({ model: new ChatDatabricks({ model: 'agent', ...auth }), tools });
  const result = await agent.invoke({
    messages: [{ role: 'user', content: 'How is the shop doing?' }],
  });
  for (const message of result.messages)
    console.log(`${message.getType()}: ${String(message.content).slice(0, 160)}`);
} finally {
  await mcp.close();
  await ws.stop();
}
