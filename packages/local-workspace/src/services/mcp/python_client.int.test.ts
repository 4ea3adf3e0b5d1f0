/**
 * Conformance: Databricks' own Python MCP clients, unchanged, against the local managed MCP
 * servers: `databricks-mcp`'s `DatabricksMCPClient` and `databricks-langchain`'s
 * `DatabricksMultiServerMCPClient` (0.22.0, over `langchain-mcp-adapters`) list and call the tools
 * of the SQL, Genie, Vector Search and Unity Catalog functions servers. `node scripts/python-venv.mjs langchain` creates
 * packages/local-workspace/.venv-langchain once. Under CI a missing Python or venv fails with that
 * command; elsewhere the test says why it skips.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type LocalWorkspace, startLocalWorkspace } from '../../workspace.js';
import { scriptedGenieChat } from '../genie/nl_to_sql.js';
import { scriptedEmbeddings } from '../serving/scripted.js';

const run = promisify(execFile);
const packageDir = join(import.meta.dirname, '..', '..', '..');
const script = join(import.meta.dirname, 'testing', 'python_mcp_clients.py');
const SETUP = 'node packages/local-workspace/scripts/python-venv.mjs langchain';

describe('Python databricks-mcp 0.9.2 and databricks-langchain 0.22.0', () => {
  let ws: LocalWorkspace;
  let python = '';
  let directory = '';
  let unavailable = '';

  beforeAll(async () => {
    try {
      const setup = await run(
        'node',
        [join(packageDir, 'scripts', 'python-venv.mjs'), 'langchain'],
        {
          timeout: 900_000,
        },
      );
      python = setup.stdout.trim().split('\n').pop() ?? '';
    } catch (error) {
      unavailable = `the Python MCP clients could not be installed (${(error as Error).message.split('\n')[0]}); run \`${SETUP}\``;
      if (process.env.CI) throw new Error(unavailable);
      return;
    }
    ws = await startLocalWorkspace({
      catalog: { samples: false },
      serving: {
        endpoints: [
          {
            name: 'databricks-genie',
            task: 'llm/v1/chat',
            handler: scriptedGenieChat({
              sql: () =>
                'SELECT region, SUM(amount) AS total FROM main.shop.orders GROUP BY region ORDER BY region',
            }),
          },
          {
            name: 'embed',
            task: 'llm/v1/embeddings',
            handler: scriptedEmbeddings({ dimensions: 8 }),
          },
        ],
      },
      genie: { spaces: [{ id: 'sales', title: 'Sales', tables: ['main.shop.orders'] }] },
      vectorSearch: { endpoints: [{ name: 'vs' }] },
    });
    const session = await ws.engine.openSession({});
    for (const statement of [
      'CREATE SCHEMA main.shop',
      'CREATE TABLE main.shop.orders (id BIGINT, region STRING, amount DECIMAL(10,2))',
      "INSERT INTO main.shop.orders VALUES (1, 'EU', 10.00), (2, 'US', 20.00), (3, 'EU', 5.50)",
      'CREATE TABLE main.shop.docs (id BIGINT, title STRING, text STRING)',
      "INSERT INTO main.shop.docs VALUES (1, 'Refunds', 'refund policy: 30 days'), (2, 'Shipping', 'we ship worldwide')",
      `CREATE FUNCTION main.shop.region_total(region STRING COMMENT 'EU or US')
       RETURNS DECIMAL(20,2) COMMENT 'Total amount of a region'
       RETURN (SELECT sum(amount) FROM main.shop.orders o WHERE o.region = region_total.region)`,
      `CREATE FUNCTION main.shop.orders_of(region STRING) RETURNS TABLE (id BIGINT, amount DECIMAL(10,2))
       RETURN SELECT id, amount FROM main.shop.orders o WHERE o.region = orders_of.region ORDER BY id`,
      "CREATE FUNCTION main.shop.greet(name STRING) RETURNS STRING LANGUAGE PYTHON AS $$ return f'Hello, {name}' $$",
    ])
      await (await session.execute(statement, {}, new AbortController().signal)).close();
    await session.close();
    await ws.service<{ createIndex(body: unknown): Promise<unknown> }>('vectorSearch').createIndex({
      name: 'main.shop.docs_index',
      endpoint_name: 'vs',
      primary_key: 'id',
      index_type: 'DELTA_SYNC',
      delta_sync_index_spec: {
        source_table: 'main.shop.docs',
        pipeline_type: 'TRIGGERED',
        embedding_source_columns: [{ name: 'text', embedding_model_endpoint_name: 'embed' }],
      },
    });
    await ws.vectorSearch.waitForSync('main.shop.docs_index');
    directory = mkdtempSync(join(tmpdir(), 'lakechain-py-mcp-'));
    writeFileSync(join(directory, 'ca.pem'), ws.caCert);
  }, 960_000);

  afterAll(async () => {
    await ws?.stop();
    if (directory) rmSync(directory, { recursive: true, force: true });
  });

  it('list and call the tools of the SQL, Genie, Vector Search and functions servers unchanged', {
    timeout: 240_000,
  }, async (context) => {
    if (unavailable) {
      console.warn(`skipping: ${unavailable}`);
      context.skip();
    }
    const ca = join(directory, 'ca.pem');
    const { stdout } = await run(python, [script, ws.host, ws.token], {
      timeout: 180_000,
      env: {
        ...process.env,
        SSL_CERT_FILE: ca,
        REQUESTS_CA_BUNDLE: ca,
        DATABRICKS_HOST: '',
        DATABRICKS_TOKEN: '',
        DATABRICKS_CONFIG_PROFILE: '',
      },
    });
    const out = JSON.parse(stdout.trim().split('\n').pop() ?? '{}');
    expect(out.sql_tools).toEqual(['execute_sql', 'execute_sql_read_only', 'poll_sql_result']);
    expect(out.sql_result).toMatchObject({
      status: { state: 'SUCCEEDED' },
      result: { data_array: [['EU'], ['US'], ['EU']] },
    });
    expect(out.genie_tools).toEqual(['query_space_sales', 'poll_response_sales']);
    expect(out.genie_required).toEqual(['query']);
    expect(out.genie_answer).toMatchObject({
      status: 'COMPLETED',
      query:
        'SELECT region, SUM(amount) AS total FROM main.shop.orders GROUP BY region ORDER BY region',
      result: {
        data_array: [
          ['EU', '15.50'],
          ['US', '20.00'],
        ],
      },
    });
    expect(out.genie_resources).toEqual(['DatabricksGenieSpace']);
    expect(out.vector_tools).toEqual(['main__shop__docs_index']);
    expect(out.vector_rows).toHaveLength(2);
    expect(out.vector_rows[0]).toMatchObject({ id: 1, title: 'Refunds' });
    expect(out.vector_resources).toEqual(['DatabricksVectorSearchIndex']);
    expect(out.unknown_space).toContain('BAD_REQUEST: Genie space nope not found');
    expect(out.function_tools).toEqual([
      'main__shop__greet',
      'main__shop__orders_of',
      'main__shop__region_total',
    ]);
    expect(out.function_schema).toEqual({
      type: 'object',
      properties: { region: { type: 'string', description: 'EU or US' } },
      required: ['region'],
    });
    expect(out.function_result).toEqual({ format: 'SCALAR', value: '15.50' });
    expect(out.function_table).toEqual({
      format: 'CSV',
      value: 'id,amount\n2,20.00\n',
      truncated: false,
    });
    expect(out.function_python).toEqual({ format: 'SCALAR', value: 'Hello, Ada' });
    expect(out.function_resources.map((resource: unknown[]) => resource[0])).toEqual([
      'DatabricksFunction',
      'DatabricksFunction',
      'DatabricksFunction',
    ]);
    // databricks-mcp maps each tool name back to its function (`__` → `.`).
    expect(JSON.stringify(out.function_resources)).toContain('main.shop.region_total');
    expect(out.python_exec).toEqual({ format: 'SCALAR', value: '42\n' });
    expect(out.unknown_function).toContain('BAD_REQUEST: Function main.shop.nope not found');
    expect(out.langchain_tools).toEqual([
      'execute_sql',
      'execute_sql_read_only',
      'main__shop__greet',
      'main__shop__orders_of',
      'main__shop__region_total',
      'poll_response_sales',
      'poll_sql_result',
      'query_space_sales',
    ]);
    expect(out.langchain_function).toContain('20.00');
    expect(out.langchain_result).toContain('"data_array":[["3"]]');
    expect(out.langchain_refused).toContain('Writes are disabled');
  });
});
