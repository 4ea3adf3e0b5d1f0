/**
 * An agent with Unity Catalog function tools, offline: LangChain v1's `createAgent` with
 * `ChatDatabricks` on a scripted serving endpoint of @lakechain/local-workspace. The script reads
 * the tools the model was offered and the tool results it got back (nothing is hard-coded): it
 * calls the table function, then the scalar function with the largest amount it found, and answers
 * from both results. Run over both SQL transports.
 */
import { ChatDatabricks } from '@lakechain/databricks-llm';
import { type LocalWorkspace, scriptedChat, startLocalWorkspace } from '@lakechain/local-workspace';
import { HumanMessage } from '@langchain/core/messages';
import { createAgent } from 'langchain';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DatabricksSqlDatabase } from '../sql_database.js';
import { createSqlFunction } from './create_function.js';
import { UCFunctionToolkit } from './toolkit.js';

let ws: LocalWorkspace;
/** The tools (name → JSON schema) of each model request. */
const offered: Array<Record<string, unknown>> = [];

const agentScript = scriptedChat((messages, body) => {
  const tools = (body.tools ?? []) as Array<{
    function: { name: string; parameters: unknown };
  }>;
  offered.push(
    Object.fromEntries(tools.map((tool) => [tool.function.name, tool.function.parameters])),
  );
  const results = messages
    .filter((message) => message.role === 'tool')
    .map((message) => JSON.parse(String(message.content)) as { value: string });
  switch (results.length) {
    case 0:
      return { toolCalls: [{ name: 'main__tools__orders_in', arguments: { region: 'EU' } }] };
    case 1: {
      // The first data row of the CSV is the largest order (the function sorts them).
      const [id, amount] = results[0]!.value.split('\n')[1]!.split(',');
      return {
        toolCalls: [
          { name: 'main__tools__add_tax', arguments: { amount: amount!, order: Number(id) } },
        ],
      };
    }
    default: {
      const rows = results[0]!.value.trim().split('\n').length - 1;
      const [id] = results[0]!.value.split('\n')[1]!.split(',');
      return `EU has ${rows} orders; the largest, order ${id}, costs ${results[1]!.value} with tax.`;
    }
  }
});

beforeAll(async () => {
  ws = await startLocalWorkspace({
    catalog: { samples: false },
    serving: { endpoints: [{ name: 'agent', task: 'llm/v1/chat', handler: agentScript }] },
  });
  const session = await ws.engine.openSession({});
  for (const statement of [
    'CREATE SCHEMA main.tools',
    'CREATE TABLE main.tools.orders (id BIGINT, region STRING, amount DECIMAL(10,2))',
    "INSERT INTO main.tools.orders VALUES (1, 'EU', 10.00), (2, 'US', 20.00), (3, 'EU', 5.50), (4, 'EU', 7.25)",
  ])
    await (await session.execute(statement, {}, new AbortController().signal)).close();
  await session.close();
  const admin = await DatabricksSqlDatabase.fromDatabricks({
    host: ws.host,
    token: ws.token,
    warehouseId: ws.warehouseId,
    caCert: ws.caCert,
    readOnly: false,
  });
  try {
    await createSqlFunction(admin, {
      name: 'main.tools.add_tax',
      comment: 'The amount with tax',
      parameters: [
        { name: 'amount', type: 'DECIMAL(10,2)', comment: 'Net amount' },
        { name: 'rate', type: 'DOUBLE', default: 0.2 },
        { name: 'order', type: 'BIGINT', default: null, comment: 'The order, for the audit log' },
      ],
      returns: 'DECIMAL(12,2)',
      body: 'amount * (1 + rate)',
    });
    await createSqlFunction(admin, {
      name: 'main.tools.orders_in',
      comment: 'Orders of a region, largest first',
      parameters: [{ name: 'region', type: 'STRING', comment: 'EU or US' }],
      returns: {
        columns: [
          { name: 'id', type: 'BIGINT' },
          { name: 'amount', type: 'DECIMAL(10,2)' },
        ],
      },
      body: 'SELECT id, amount FROM main.tools.orders o WHERE o.region = orders_in.region ORDER BY amount DESC',
    });
  } finally {
    await admin.close();
  }
}, 60_000);

afterAll(async () => {
  await ws?.stop();
});

describe.each(['thrift', 'rest'] as const)('%s transport', (transport) => {
  it('an agent calls a table function tool and a scalar function tool and answers from them', async () => {
    offered.length = 0;
    const db = await DatabricksSqlDatabase.fromDatabricks({
      host: ws.host,
      token: ws.token,
      warehouseId: ws.warehouseId,
      caCert: ws.caCert,
      catalog: 'main',
      schema: 'tools',
      transport,
    });
    const model = new ChatDatabricks({
      model: 'agent',
      host: ws.host,
      token: ws.token,
      caCert: ws.caCert,
    });
    try {
      const toolkit = await UCFunctionToolkit.create({
        database: db,
        functionNames: ['main.tools.*'],
      });
      const agent = createAgent({ model, tools: toolkit.getTools() });
      const result = await agent.invoke({
        messages: [new HumanMessage('What does the largest EU order cost with tax?')],
      });
      const answer = String(result.messages.at(-1)?.content);
      expect(answer).toBe('EU has 3 orders; the largest, order 1, costs 12.00 with tax.');
      // The model was offered both tools with schemas from the functions' parameters.
      expect(offered[0]?.main__tools__add_tax).toMatchObject({
        type: 'object',
        required: ['amount'],
        properties: { amount: { description: expect.stringContaining('Net amount') } },
      });
      expect(offered[0]?.main__tools__orders_in).toMatchObject({ required: ['region'] });
      const toolMessages = result.messages.filter((message) => message.getType() === 'tool');
      expect(toolMessages.map((message) => JSON.parse(String(message.content)).format)).toEqual([
        'CSV',
        'SCALAR',
      ]);
    } finally {
      await db.close();
      await model.close?.();
    }
  });
});
