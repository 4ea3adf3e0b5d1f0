// Unity Catalog functions as agent tools, offline: functions created on a workspace on localhost,
// the tools of their schema listed and run, then an agent (LangChain v1 `createAgent` with
// ChatDatabricks) that calls them. The agent's model is a scripted serving endpoint of the local
// workspace; on a real workspace, point ChatDatabricks at a model such as
// `databricks-claude-sonnet-4`. Run after `pnpm build`:
//   node packages/databricks-sql/examples/uc_function_tools.mjs

import { ChatDatabricks } from '@lakechain/databricks-llm';
import {
  createSqlFunction,
  DatabricksSqlDatabase,
  UCFunctionToolkit,
} from '@lakechain/databricks-sql';
import { scriptedChat, startLocalWorkspace } from '@lakechain/local-workspace';
import { createAgent } from 'langchain';

// The model's part, scripted: call the table function, then the scalar one on the largest order
// it found, then answer from the two results.
const model = scriptedChat((messages) => {
  const results = messages.filter((m) => m.role === 'tool').map((m) => JSON.parse(m.content));
  if (results.length === 0)
    return { toolCalls: [{ name: 'main__shop__orders_in', arguments: { region: 'EU' } }] };
  const [id, amount] = results[0].value.split('\n')[1].split(',');
  if (results.length === 1)
    return { toolCalls: [{ name: 'main__shop__add_tax', arguments: { amount } }] };
  return `The largest EU order is #${id}: ${amount} before tax, ${results[1].value} with tax.`;
});

const ws = await startLocalWorkspace({
  catalog: { samples: false },
  serving: { endpoints: [{ name: 'agent', task: 'llm/v1/chat', handler: model }] },
});
const workspace = {
  host: ws.host,
  token: ws.token,
  warehouseId: ws.warehouseId,
  caCert: ws.caCert,
};
try {
  // Setup, as an administrator would do it once: a table and two functions.
  const admin = await DatabricksSqlDatabase.fromDatabricks({ ...workspace, readOnly: false });
  for (const statement of [
    'CREATE SCHEMA IF NOT EXISTS main.shop',
    'CREATE OR REPLACE TABLE main.shop.orders (id BIGINT, region STRING, amount DECIMAL(10,2))',
    "INSERT INTO main.shop.orders VALUES (1, 'EU', 10.00), (2, 'US', 20.00), (3, 'EU', 55.50)",
  ])
    await admin.query(statement);
  await createSqlFunction(admin, {
    name: 'main.shop.add_tax',
    comment: 'The amount with tax',
    parameters: [
      { name: 'amount', type: 'DECIMAL(10,2)', comment: 'Net amount' },
      { name: 'rate', type: 'DOUBLE', default: 0.2, comment: 'Tax rate (0.2 is 20%)' },
    ],
    returns: 'DECIMAL(12,2)',
    body: 'amount * (1 + rate)',
  });
  await createSqlFunction(admin, {
    name: 'main.shop.orders_in',
    comment: 'Orders of a region, largest first',
    parameters: [{ name: 'region', type: 'STRING', comment: 'EU or US' }],
    returns: {
      columns: [
        { name: 'id', type: 'BIGINT' },
        { name: 'amount', type: 'DECIMAL(10,2)' },
      ],
    },
    body: 'SELECT id, amount FROM main.shop.orders o WHERE o.region = orders_in.region ORDER BY amount DESC',
  });
  await admin.close();

  // The tools of a schema, run on a (read-only) database.
  const db = await DatabricksSqlDatabase.fromDatabricks({ ...workspace, transport: 'rest' });
  const toolkit = await UCFunctionToolkit.create({ database: db, catalog: 'main', schema: 'shop' });
  for (const tool of toolkit.getTools()) console.log(`${tool.name}: ${tool.description}\n`);
  console.log(await toolkit.getTool('main.shop.add_tax').invoke({ amount: 10 }));
  // {"format":"SCALAR","value":"12.00"}
  console.log(await toolkit.getTool('main.shop.orders_in').invoke({ region: 'EU' }));
  // {"format":"CSV","value":"id,amount\n3,55.50\n1,10.00\n","truncated":false}

  // An agent that uses them.
  const chat = new ChatDatabricks({
    model: 'agent',
    host: ws.host,
    token: ws.token,
    caCert: ws.caCert,
  });
  const agent = createAgent({ model: chat, tools: toolkit.getTools() });
  const { messages } = await agent.invoke({
    messages: [{ role: 'user', content: 'What does the largest EU order cost with tax?' }],
  });
  console.log(messages.at(-1).content);
  // The largest EU order is #3: 55.50 before tax, 66.60 with tax.
  await db.close();
} finally {
  await ws.stop();
}
