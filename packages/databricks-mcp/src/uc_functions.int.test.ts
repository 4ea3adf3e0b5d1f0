/**
 * `DatabricksMCPServer.fromUCFunctions` against @lakechain/local-workspace's managed Unity Catalog
 * functions server (`/api/2.0/mcp/functions/{catalog}/{schema}[/{function}]`), functions made
 * with SQL on its engine: a schema's tools and one function's tool listed with their schemas, a
 * scalar and a table function called through `DatabricksMultiServerMCPClient`, a failing function
 * and an unknown schema reported as such.
 */
import { type LocalWorkspace, startLocalWorkspace } from '@lakechain/local-workspace';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DatabricksMultiServerMCPClient } from './client.js';
import { MCPServerError } from './errors.js';
import { DatabricksMCPServer } from './servers.js';

let ws: LocalWorkspace;
let auth: { host: string; token: string; caCert: string; env: Record<string, string> };

beforeAll(async () => {
  ws = await startLocalWorkspace({ catalog: { samples: false } });
  const session = await ws.engine.openSession({});
  for (const statement of [
    'CREATE SCHEMA main.tools',
    'CREATE TABLE main.tools.orders (id BIGINT, region STRING, amount DECIMAL(10,2))',
    "INSERT INTO main.tools.orders VALUES (1, 'EU', 10.00), (2, 'US', 20.00), (3, 'EU', 5.50)",
    `CREATE FUNCTION main.tools.add_tax(amount DECIMAL(10,2) COMMENT 'Net amount', rate DOUBLE DEFAULT 0.2)
       RETURNS DECIMAL(12,2) COMMENT 'The amount with tax' RETURN amount * (1 + rate)`,
    `CREATE FUNCTION main.tools.orders_in(region STRING COMMENT 'EU or US')
       RETURNS TABLE(id BIGINT, amount DECIMAL(10,2)) COMMENT 'Orders of a region'
       RETURN SELECT id, amount FROM main.tools.orders o WHERE o.region = orders_in.region ORDER BY id`,
    'CREATE FUNCTION main.tools.ratio(a INT, b INT) RETURNS DOUBLE RETURN a / b',
  ])
    await (await session.execute(statement, {}, new AbortController().signal)).close();
  await session.close();
  auth = { host: ws.host, token: ws.token, caCert: ws.caCert, env: {} };
}, 60_000);

afterAll(async () => {
  await ws?.stop();
});

describe('DatabricksMCPServer.fromUCFunctions', () => {
  it("lists a schema's functions and one function as tools, and calls them", async () => {
    const client = new DatabricksMultiServerMCPClient([
      DatabricksMCPServer.fromUCFunctions('main', 'tools', undefined, auth),
      DatabricksMCPServer.fromUCFunctions('main', 'tools', 'add_tax', {
        ...auth,
        name: 'tax-only',
      }),
    ]);
    try {
      const servers = await client.initializeConnections();
      expect(servers['uc-functions-main-tools']?.map((tool) => tool.name)).toEqual([
        'main__tools__add_tax',
        'main__tools__orders_in',
        'main__tools__ratio',
      ]);
      const [tax] = servers['tax-only'] ?? [];
      expect(tax?.name).toBe('main__tools__add_tax');
      expect(tax?.description).toBe('The amount with tax');
      expect(tax?.schema).toMatchObject({ required: ['amount'] });

      expect(JSON.parse(String(await tax?.invoke({ amount: 10 })))).toEqual({
        format: 'SCALAR',
        value: '12.00',
      });
      const tools = servers['uc-functions-main-tools'] ?? [];
      const ordersIn = tools.find((tool) => tool.name === 'main__tools__orders_in');
      expect(JSON.parse(String(await ordersIn?.invoke({ region: 'EU' })))).toEqual({
        format: 'CSV',
        value: 'id,amount\n1,10.00\n3,5.50\n',
        truncated: false,
      });
      // A function that fails is an answer the model can read, not an exception.
      const ratio = tools.find((tool) => tool.name === 'main__tools__ratio');
      expect(String(await ratio?.invoke({ a: 1, b: 0 }))).toMatch(/DIVIDE_BY_ZERO/);
      expect(ws.mcp.calls().at(-1)).toMatchObject({ server: 'functions' });
    } finally {
      await client.close();
    }
  });

  it('reports a schema that does not exist as a typed error', async () => {
    const client = new DatabricksMultiServerMCPClient([
      DatabricksMCPServer.fromUCFunctions('main', 'nowhere', undefined, auth),
    ]);
    try {
      const error = await client.getTools().catch((caught: unknown) => caught);
      expect(MCPServerError.isInstance(error)).toBe(true);
      expect(String((error as Error).message)).toContain('Schema main.nowhere not found');
    } finally {
      await client.close();
    }
  });
});
