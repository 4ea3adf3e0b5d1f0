/**
 * The local managed MCP servers through the official MCP TypeScript client: bearer auth,
 * argument and tool-name errors in Databricks' `BAD_REQUEST: ...` form, SQL statements polled
 * while running and writes only when allowed, Genie answers polled with `poll_response_*`,
 * Vector Search `_meta` settings and its refusal of self-managed indexes, and SSE answers.
 */
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { Agent } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type LocalWorkspace, startLocalWorkspace } from '../../workspace.js';
import { scriptedGenieChat } from '../genie/nl_to_sql.js';
import { scriptedEmbeddings } from '../serving/scripted.js';
import type { VectorSearchStore } from '../vector_search/state.js';

let ws: LocalWorkspace;

async function connect(workspace: LocalWorkspace, path: string, token = workspace.token) {
  const dispatcher = new Agent({ connect: { ca: workspace.caCert } });
  const client = new Client({ name: 'test', version: '1' });
  await client.connect(
    new StreamableHTTPClientTransport(new URL(`${workspace.host}${path}`), {
      requestInit: { headers: { authorization: `Bearer ${token}` } },
      fetch: (url, init) => fetch(url, { ...init, dispatcher } as unknown as RequestInit),
    }),
  );
  return client;
}

function json(result: Record<string, unknown>) {
  return JSON.parse((result.content as { text: string }[])[0]?.text ?? 'null');
}

beforeAll(async () => {
  ws = await startLocalWorkspace({
    catalog: { samples: false },
    serving: {
      endpoints: [
        {
          name: 'databricks-genie',
          task: 'llm/v1/chat',
          handler: scriptedGenieChat({ sql: () => 'SELECT COUNT(*) AS n FROM main.default.docs' }),
        },
        {
          name: 'embed',
          task: 'llm/v1/embeddings',
          handler: scriptedEmbeddings({ dimensions: 4 }),
        },
      ],
    },
    genie: {
      stepDelayMs: 200,
      spaces: [{ id: 'docs', title: 'Docs', tables: ['main.default.docs'] }],
    },
    vectorSearch: { endpoints: [{ name: 'vs' }] },
    mcp: { sqlWrites: true, sqlWaitMs: 0, genieWaitMs: 20 },
  });
  const session = await ws.engine.openSession({});
  for (const statement of [
    'CREATE TABLE main.default.docs (id BIGINT, year INT, text STRING)',
    "INSERT INTO main.default.docs VALUES (1, 2023, 'alpha'), (2, 2024, 'beta'), (3, 2024, 'gamma')",
  ])
    await (await session.execute(statement, {}, new AbortController().signal)).close();
  await session.close();
  const store = ws.service<VectorSearchStore>('vectorSearch');
  await store.createIndex({
    name: 'main.default.docs_index',
    endpoint_name: 'vs',
    primary_key: 'id',
    index_type: 'DELTA_SYNC',
    delta_sync_index_spec: {
      source_table: 'main.default.docs',
      pipeline_type: 'TRIGGERED',
      embedding_source_columns: [{ name: 'text', embedding_model_endpoint_name: 'embed' }],
    },
  });
  await store.createIndex({
    name: 'main.default.vectors',
    endpoint_name: 'vs',
    primary_key: 'id',
    index_type: 'DIRECT_ACCESS',
    direct_access_index_spec: {
      embedding_vector_columns: [{ name: 'v', embedding_dimension: 2 }],
      schema_json: JSON.stringify({ id: 'long', v: 'array<float>' }),
    },
  });
  await ws.vectorSearch.waitForSync('main.default.docs_index');
}, 120_000);

afterAll(async () => {
  await ws?.stop();
});

describe('managed MCP servers', () => {
  it('need a workspace token', async () => {
    await expect(connect(ws, '/api/2.0/mcp/sql', 'dapi-wrong')).rejects.toThrow(/403/);
  });

  it('answer unknown tools and missing arguments with BAD_REQUEST', async () => {
    const sql = await connect(ws, '/api/2.0/mcp/sql');
    await expect(sql.callTool({ name: 'drop_everything', arguments: {} })).rejects.toThrow(
      'BAD_REQUEST: Tool name "drop_everything" is malformed',
    );
    await expect(sql.callTool({ name: 'execute_sql', arguments: {} })).rejects.toThrow(
      'BAD_REQUEST: Missing parameter value for query',
    );
    await expect(
      sql.callTool({
        name: 'execute_sql',
        arguments: { query: 'SELECT 1' },
        _meta: { warehouse_id: 'other' },
      }),
    ).rejects.toThrow('BAD_REQUEST: SQL warehouse other does not exist');
    await sql.close();
  });

  it('SQL: a statement still running is polled; writes run when allowed, not through the read-only tool', async () => {
    const sql = await connect(ws, '/api/2.0/mcp/sql');
    const started = json(
      await sql.callTool({
        name: 'execute_sql',
        arguments: { query: 'SELECT COUNT(*) AS n FROM range(200000)' },
      }),
    );
    expect(['RUNNING', 'SUCCEEDED']).toContain(started.status.state);
    let polled = started;
    while (polled.status.state === 'RUNNING')
      polled = json(
        await sql.callTool({
          name: 'poll_sql_result',
          arguments: { statement_id: started.statement_id },
        }),
      );
    expect(polled.result.data_array).toEqual([['200000']]);
    const created = json(
      await sql.callTool({
        name: 'execute_sql',
        arguments: { query: 'CREATE TABLE main.default.notes (x INT)' },
      }),
    );
    expect(created.status.state === 'SUCCEEDED' || created.status.state === 'RUNNING').toBe(true);
    const refused = await sql.callTool({
      name: 'execute_sql_read_only',
      arguments: { query: 'INSERT INTO main.default.notes VALUES (1)' },
    });
    expect(refused.isError).toBe(true);
    await sql.close();
  });

  it('Genie: an answer not final within genieWaitMs is polled with poll_response', async () => {
    const genie = await connect(ws, '/api/2.0/mcp/genie/docs');
    let answer = json(
      await genie.callTool({ name: 'query_space_docs', arguments: { query: 'How many docs?' } }),
    );
    expect(answer.status).not.toBe('COMPLETED');
    while (!['COMPLETED', 'FAILED'].includes(answer.status))
      answer = json(
        await genie.callTool({
          name: 'poll_response_docs',
          arguments: { conversation_id: answer.conversation_id, message_id: answer.message_id },
        }),
      );
    expect(answer).toMatchObject({
      status: 'COMPLETED',
      query: 'SELECT COUNT(*) AS n FROM main.default.docs',
      result: { data_array: [['3']] },
    });
    await genie.close();
  });

  it('Vector Search: _meta settings apply; only managed-embedding indexes are served', async () => {
    const vector = await connect(ws, '/api/2.0/mcp/vector-search/main/default');
    expect((await vector.listTools()).tools.map((tool) => tool.name)).toEqual([
      'main__default__docs_index',
    ]);
    const rows = json(
      await vector.callTool({
        name: 'main__default__docs_index',
        arguments: { query: 'beta' },
        _meta: {
          num_results: 5,
          filters: '{"year": 2024}',
          columns: 'id,text',
          include_score: 'true',
        },
      }),
    );
    expect(rows.map((row: { id: number }) => row.id).sort()).toEqual([2, 3]);
    expect(Object.keys(rows[0]).sort()).toEqual(['id', 'score', 'text']);
    await vector.close();

    const direct = await connect(ws, '/api/2.0/mcp/vector-search/main/default/vectors');
    await expect(direct.listTools()).rejects.toThrow(
      'BAD_REQUEST: Vector Search index main.default.vectors has self-managed embeddings',
    );
    await direct.close();
    const alias = await connect(ws, '/api/2.0/mcp/ai-search/main/default/docs_index');
    expect((await alias.listTools()).tools).toHaveLength(1);
    await alias.close();
  });

  it('Unity Catalog functions: one tool per function, typed arguments, defaults, errors as results', async () => {
    const session = await ws.engine.openSession({});
    for (const statement of [
      'CREATE SCHEMA main.tools',
      `CREATE FUNCTION main.tools.docs_of(year INT COMMENT 'The year', max_rows INT DEFAULT 10)
       RETURNS TABLE (id BIGINT, text STRING) COMMENT 'Documents of a year'
       RETURN SELECT id, text FROM main.default.docs d WHERE d.year = docs_of.year ORDER BY id LIMIT max_rows`,
      `CREATE FUNCTION main.tools.total(xs ARRAY<INT> COMMENT 'Numbers', scale DECIMAL(4,1))
       RETURNS DECIMAL(12,1) COMMENT 'Count times scale' RETURN size(xs) * scale`,
    ])
      await (await session.execute(statement, {}, new AbortController().signal)).close();
    await session.close();

    const functions = await connect(ws, '/api/2.0/mcp/functions/main/tools');
    const { tools } = await functions.listTools();
    expect(tools.map((tool) => tool.name)).toEqual(['main__tools__docs_of', 'main__tools__total']);
    expect(tools[0]).toMatchObject({
      description: 'Documents of a year',
      inputSchema: {
        type: 'object',
        properties: {
          year: { type: 'integer', description: 'The year' },
          max_rows: { type: 'integer', description: '(Default: 10)' },
        },
        required: ['year'],
      },
    });
    expect(tools[1]?.inputSchema.properties?.xs).toEqual({
      type: 'array',
      items: { type: 'integer' },
      description: 'Numbers',
    });
    expect(
      json(await functions.callTool({ name: 'main__tools__docs_of', arguments: { year: 2024 } })),
    ).toEqual({ format: 'CSV', value: 'id,text\n2,beta\n3,gamma\n', truncated: false });
    expect(
      json(
        await functions.callTool({
          name: 'main__tools__total',
          arguments: { xs: [1, 2, 3], scale: 1.5 },
        }),
      ),
    ).toEqual({ format: 'SCALAR', value: '4.5' });
    await expect(
      functions.callTool({ name: 'main__tools__docs_of', arguments: {} }),
    ).rejects.toThrow('BAD_REQUEST: Missing parameter value for year');
    await expect(functions.callTool({ name: 'main__tools__nope', arguments: {} })).rejects.toThrow(
      'BAD_REQUEST: Tool name "main__tools__nope" is malformed',
    );
    const failed = await functions.callTool({
      name: 'main__tools__total',
      arguments: { xs: [1], scale: 'lots' },
    });
    expect(failed.isError).toBe(true);
    expect((failed.content as { text: string }[])[0]?.text).toContain('CAST_INVALID_INPUT');
    await functions.close();

    const one = await connect(ws, '/api/2.0/mcp/functions/main/tools/total');
    expect((await one.listTools()).tools.map((tool) => tool.name)).toEqual(['main__tools__total']);
    await one.close();
    const missing = await connect(ws, '/api/2.0/mcp/functions/main/tools/nope');
    await expect(missing.listTools()).rejects.toThrow(
      'BAD_REQUEST: Function main.tools.nope not found',
    );
    await missing.close();
  });

  it('answer over SSE when jsonResponse is false', async () => {
    const sse = await startLocalWorkspace({
      catalog: { samples: false },
      mcp: { jsonResponse: false },
    });
    try {
      const sql = await connect(sse, '/api/2.0/mcp/sql');
      expect(
        json(
          await sql.callTool({
            name: 'execute_sql_read_only',
            arguments: { query: 'SELECT 42 AS x' },
          }),
        ).result.data_array,
      ).toEqual([['42']]);
      await sql.close();
      expect(sse.mcp.requestCounts()['tools/call']).toBe(1);
    } finally {
      await sse.stop();
    }
  });
});
