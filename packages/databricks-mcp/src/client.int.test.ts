/**
 * The package against @lakechain/local-workspace's managed MCP servers (the official MCP SDK
 * server over Streamable HTTP): the official MCP TypeScript client and `@langchain/mcp-adapters`'
 * `MultiServerMCPClient` list and call the tools of the SQL, Genie and Vector Search servers; a
 * LangChain v1 agent (`createAgent` + `ChatDatabricks` on a scripted endpoint) uses tools of two
 * MCP servers and the Genie tool; OAuth tokens expire during a long conversation; unknown spaces,
 * refused credentials, a rate-limit storm and a workspace that is down become typed errors or
 * tool answers the model can read.
 */
import { rootCertificates } from 'node:tls';
import { DatabricksConfigError, resolveConfig } from '@lakechain/core';
import { ChatDatabricks } from '@lakechain/databricks-llm';
import { GenieAgent } from '@lakechain/genie';
import {
  type LocalWorkspace,
  scriptedChat,
  scriptedEmbeddings,
  scriptedGenieChat,
  startLocalWorkspace,
} from '@lakechain/local-workspace';
import { HumanMessage, type ToolMessage } from '@langchain/core/messages';
import { MultiServerMCPClient } from '@langchain/mcp-adapters';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { createAgent } from 'langchain';
import { Agent, type Dispatcher, getGlobalDispatcher, setGlobalDispatcher } from 'undici';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { DatabricksMultiServerMCPClient } from './client.js';
import { createCoreFetch } from './core_fetch.js';
import { MCPServerError } from './errors.js';
import { buildMCPServerConfig, DatabricksMCPServer } from './servers.js';

let ws: LocalWorkspace;
let auth: { host: string; token: string; caCert: string; env: Record<string, string> };
/** When set, each call of the agent's model moves the (faked) clock a minute on. */
let jumpClock = false;

/** What the agent's model does next, from the conversation so far (deterministic tool calls). */
const agentScript = scriptedChat((messages) => {
  const toolResults = messages.filter((message) => message.role === 'tool');
  const text = (index: number) => String(toolResults[index]?.content ?? '');
  switch (toolResults.length) {
    case 0:
      return {
        toolCalls: [
          {
            name: 'execute_sql_read_only',
            arguments: { query: 'SELECT COUNT(*) AS n FROM main.shop.orders' },
          },
        ],
      };
    case 1:
      return {
        toolCalls: [{ name: 'main__shop__docs_index', arguments: { query: 'refund policy' } }],
      };
    case 2:
      return { toolCalls: [{ name: 'Sales', arguments: { question: 'Total amount by region?' } }] };
    case 3: {
      const conversation = /conversation_id: (\w+)/.exec(text(2))?.[1] ?? '';
      return {
        toolCalls: [
          { name: 'Sales', arguments: { question: 'Only EU?', conversation_id: conversation } },
        ],
      };
    }
    default: {
      const count = /"data_array":\[\["(\d+)"\]\]/.exec(text(0))?.[1];
      return `There are ${count} orders. Docs: ${text(1).includes('refund') ? 'found' : 'none'}. Genie: ${text(3).split('\n')[0]}`;
    }
  }
});

beforeAll(async () => {
  ws = await startLocalWorkspace({
    catalog: { samples: false },
    oauth: { tokenLifetimeSeconds: 41 },
    serving: {
      endpoints: [
        {
          name: 'databricks-genie',
          task: 'llm/v1/chat',
          handler: scriptedGenieChat({
            sql: (question, context) =>
              /EU/.test(question) && context.history.length > 0
                ? "SELECT region, SUM(amount) AS total FROM main.shop.orders WHERE region = 'EU' GROUP BY region"
                : 'SELECT region, SUM(amount) AS total FROM main.shop.orders GROUP BY region ORDER BY region',
            summary: (_question, result) =>
              `Totals: ${result.rows.map((row) => `${row.region} ${row.total}`).join(', ')}.`,
          }),
        },
        {
          name: 'embed',
          task: 'llm/v1/embeddings',
          handler: scriptedEmbeddings({ dimensions: 8 }),
        },
        {
          name: 'agent',
          task: 'llm/v1/chat',
          handler: (request) => {
            if (jumpClock) vi.setSystemTime(Date.now() + 60_000);
            return agentScript(request);
          },
        },
      ],
    },
    genie: {
      rateLimit: false,
      spaces: [
        {
          id: 'sales',
          title: 'Sales',
          description: 'Orders by region.',
          tables: ['main.shop.orders'],
        },
      ],
    },
    vectorSearch: { endpoints: [{ name: 'vs' }] },
  });
  const session = await ws.engine.openSession({});
  for (const statement of [
    'CREATE SCHEMA main.shop',
    'CREATE TABLE main.shop.orders (id BIGINT, region STRING, amount DECIMAL(10,2))',
    "INSERT INTO main.shop.orders VALUES (1, 'EU', 10.00), (2, 'US', 20.00), (3, 'EU', 5.50)",
    'CREATE TABLE main.shop.docs (id BIGINT, title STRING, text STRING)',
    `INSERT INTO main.shop.docs VALUES (1, 'Refunds', 'refund policy: 30 days'),
      (2, 'Shipping', 'we ship worldwide')`,
  ])
    await (await session.execute(statement, {}, new AbortController().signal)).close();
  await session.close();
  const response = await fetch(`${ws.host}/api/2.0/vector-search/indexes`, {
    method: 'POST',
    headers: { authorization: `Bearer ${ws.token}`, 'content-type': 'application/json' },
    body: JSON.stringify({
      name: 'main.shop.docs_index',
      endpoint_name: 'vs',
      primary_key: 'id',
      index_type: 'DELTA_SYNC',
      delta_sync_index_spec: {
        source_table: 'main.shop.docs',
        pipeline_type: 'TRIGGERED',
        embedding_source_columns: [{ name: 'text', embedding_model_endpoint_name: 'embed' }],
      },
    }),
    dispatcher: new Agent({ connect: { ca: ws.caCert } }),
  } as unknown as RequestInit);
  expect(response.status).toBe(200);
  await ws.vectorSearch.waitForSync('main.shop.docs_index');
  auth = { host: ws.host, token: ws.token, caCert: ws.caCert, env: {} };
}, 120_000);

afterAll(async () => {
  await ws?.stop();
});

afterEach(() => {
  vi.useRealTimers();
  ws.genie.setRateLimit(false);
});

const textOf = (result: Record<string, unknown>) =>
  (result.content as { type: string; text: string }[]).map((part) => part.text).join('');

describe('the official MCP TypeScript client', () => {
  it('lists and calls the tools of the SQL, Genie and Vector Search servers', async () => {
    const config = await resolveConfig(auth);
    const core = createCoreFetch(config);
    const connect = async (path: string) => {
      const client = new Client({ name: 'conformance', version: '1' });
      await client.connect(
        new StreamableHTTPClientTransport(new URL(`${ws.host}${path}`), { fetch: core.fetch }),
      );
      return client;
    };
    try {
      const sql = await connect('/api/2.0/mcp/sql');
      expect((await sql.listTools()).tools.map((tool) => tool.name)).toEqual([
        'execute_sql',
        'execute_sql_read_only',
        'poll_sql_result',
      ]);
      const result = JSON.parse(
        textOf(
          await sql.callTool({
            name: 'execute_sql_read_only',
            arguments: { query: 'SELECT region FROM main.shop.orders ORDER BY id' },
          }),
        ),
      );
      expect(result).toMatchObject({
        status: { state: 'SUCCEEDED' },
        result: { data_array: [['EU'], ['US'], ['EU']] },
      });
      const polled = JSON.parse(
        textOf(
          await sql.callTool({
            name: 'poll_sql_result',
            arguments: { statement_id: result.statement_id },
          }),
        ),
      );
      expect(polled.statement_id).toBe(result.statement_id);
      const write = await sql.callTool({
        name: 'execute_sql',
        arguments: { query: 'DROP TABLE main.shop.orders' },
      });
      expect(write.isError).toBe(true);
      expect(textOf(write)).toContain('Writes are disabled');
      await sql.close();

      const genie = await connect('/api/2.0/mcp/genie/sales');
      const tools = (await genie.listTools()).tools;
      expect(tools.map((tool) => tool.name)).toEqual(['query_space_sales', 'poll_response_sales']);
      expect(tools[0]?.inputSchema.required).toEqual(['query']);
      const answer = JSON.parse(
        textOf(
          await genie.callTool({ name: 'query_space_sales', arguments: { query: 'Totals?' } }),
        ),
      );
      expect(answer).toMatchObject({
        status: 'COMPLETED',
        content: 'Totals: EU 15.50, US 20.00.',
        result: {
          data_array: [
            ['EU', '15.50'],
            ['US', '20.00'],
          ],
        },
      });
      const followUp = JSON.parse(
        textOf(
          await genie.callTool({
            name: 'query_space_sales',
            arguments: { query: 'Only EU?', conversation_id: answer.conversation_id },
          }),
        ),
      );
      expect(followUp).toMatchObject({
        conversation_id: answer.conversation_id,
        result: { data_array: [['EU', '15.50']] },
      });
      await genie.close();

      const vector = await connect('/api/2.0/mcp/vector-search/main/shop');
      expect((await vector.listTools()).tools.map((tool) => tool.name)).toEqual([
        'main__shop__docs_index',
      ]);
      const rows = JSON.parse(
        textOf(
          await vector.callTool({
            name: 'main__shop__docs_index',
            arguments: { query: 'refund policy: 30 days' },
            _meta: { num_results: 1, include_score: true },
          }),
        ),
      );
      expect(rows).toHaveLength(1);
      expect(rows[0]).toMatchObject({ id: 1, title: 'Refunds' });
      expect(typeof rows[0].score).toBe('number');
      expect(ws.mcp.calls().at(-1)).toMatchObject({
        server: 'vector-search',
        meta: { num_results: 1 },
      });
      await vector.close();

      const missing = await connect('/api/2.0/mcp/genie/no-such-space');
      await expect(missing.listTools()).rejects.toThrow(
        'BAD_REQUEST: Genie space no-such-space not found',
      );
      await missing.close();
    } finally {
      await core.close();
    }
  });
});

describe('DatabricksMCPServer with @langchain/mcp-adapters', () => {
  let previous: Dispatcher;
  beforeAll(() => {
    // The adapters' transports use the global fetch: trust the workspace's CA there (as
    // NODE_EXTRA_CA_CERTS would for a workspace behind a private CA).
    previous = getGlobalDispatcher();
    setGlobalDispatcher(new Agent({ connect: { ca: [...rootCertificates, ws.caCert] } }));
  });
  afterAll(() => {
    setGlobalDispatcher(previous);
  });

  it('yields connections MultiServerMCPClient uses, authenticated by core per request, across token expiry', async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    const oauth = {
      host: ws.host,
      clientId: ws.oauth.clientId,
      clientSecret: ws.oauth.clientSecret,
      caCert: ws.caCert,
      env: {},
    };
    const mcpServers = await buildMCPServerConfig([
      DatabricksMCPServer.fromSql(oauth),
      DatabricksMCPServer.fromGenieSpace('sales', oauth),
    ]);
    expect(mcpServers['databricks-sql']).toMatchObject({
      transport: 'http',
      url: `${ws.host}/api/2.0/mcp/sql`,
    });
    const client = new MultiServerMCPClient({ mcpServers });
    try {
      const tools = await client.getTools();
      expect(tools.map((tool) => tool.name)).toEqual([
        'execute_sql',
        'execute_sql_read_only',
        'poll_sql_result',
        'query_space_sales',
        'poll_response_sales',
      ]);
      const sql = tools.find((tool) => tool.name === 'execute_sql_read_only');
      const issued = ws.tokens.issuedCount;
      expect(await sql?.invoke({ query: 'SELECT 1 AS one' })).toContain('"data_array":[["1"]]');
      // Past the 41 s token's refresh point and past its expiry: core fetches a new one.
      vi.setSystemTime(Date.now() + 45_000);
      expect(await sql?.invoke({ query: 'SELECT 2 AS two' })).toContain('"data_array":[["2"]]');
      expect(ws.tokens.issuedCount).toBeGreaterThan(issued);
    } finally {
      await client.close();
    }
  });
});

describe('an agent with MCP tools from two servers and the Genie tool', () => {
  it('answers offline, keeping the Genie conversation for the follow-up, across token expiry', async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    const oauth = {
      host: ws.host,
      clientId: ws.oauth.clientId,
      clientSecret: ws.oauth.clientSecret,
      caCert: ws.caCert,
      env: {},
    };
    const mcp = new DatabricksMultiServerMCPClient([
      DatabricksMCPServer.fromSql(oauth),
      DatabricksMCPServer.fromVectorSearch('main', 'shop', 'docs_index', oauth),
    ]);
    const genie = new GenieAgent({
      ...oauth,
      spaceId: 'sales',
      name: 'Sales',
      pollInitialDelayMs: 10,
      pollMaxDelayMs: 50,
    });
    const model = new ChatDatabricks({ model: 'agent', ...oauth });
    try {
      const tools = [...(await mcp.getTools()), genie.toTool()];
      const agent = createAgent({ model, tools });
      const issued = ws.tokens.issuedCount;
      // The clock jumps a minute at every model call: each turn's tokens have expired.
      jumpClock = true;
      let result: Awaited<ReturnType<typeof agent.invoke>>;
      try {
        result = await agent.invoke({ messages: [new HumanMessage('How are sales?')] });
      } finally {
        jumpClock = false;
      }
      const last = result.messages.at(-1);
      expect(last?.content).toBe('There are 3 orders. Docs: found. Genie: Totals: EU 15.50.');
      const toolMessages = result.messages.filter(
        (message) => message.getType() === 'tool',
      ) as ToolMessage[];
      expect(toolMessages.map((message) => message.name)).toEqual([
        'execute_sql_read_only',
        'main__shop__docs_index',
        'Sales',
        'Sales',
      ]);
      const conversations = ws.genie
        .messages('sales')
        .slice(-2)
        .map((message) => message.conversationId);
      expect(conversations[0]).toBe(conversations[1]);
      expect(ws.tokens.issuedCount).toBeGreaterThan(issued + 1);
    } finally {
      await mcp.close();
      await genie.close();
    }
  });

  it('gives the model the errors of a tool (SQL error, refused write, rate limit) as its answer', async () => {
    const mcp = new DatabricksMultiServerMCPClient([
      DatabricksMCPServer.fromSql(auth),
      DatabricksMCPServer.fromGenieSpace('sales', auth),
    ]);
    try {
      const tools = await mcp.getTools();
      const sql = tools.find((tool) => tool.name === 'execute_sql');
      expect(await sql?.invoke({ query: 'DELETE FROM main.shop.orders' })).toContain(
        'Error from MCP server "databricks-sql", tool execute_sql: ',
      );
      const failed = JSON.parse(
        String(await sql?.invoke({ query: 'SELECT nope FROM main.shop.orders' })),
      );
      expect(failed.status).toMatchObject({
        state: 'FAILED',
        error: { error_code: expect.stringMatching(/^UNRESOLVED_COLUMN/) },
      });

      ws.genie.setRateLimit({ questionsPerMinute: 1, windowMs: 60_000 });
      const ask = tools.find((tool) => tool.name === 'query_space_sales');
      await ask?.invoke({ query: 'First?' });
      const storm = await Promise.all([1, 2, 3].map((n) => ask?.invoke({ query: `Again ${n}?` })));
      for (const answer of storm)
        expect(answer).toMatch(/REQUEST_LIMIT_EXCEEDED: .*retry after \d+ seconds/);
    } finally {
      await mcp.close();
    }
  });

  it('names an unknown space, refused credentials and a workspace that is down', async () => {
    const unknown = new DatabricksMultiServerMCPClient([
      DatabricksMCPServer.fromGenieSpace('nope', auth),
    ]);
    const error = await unknown.getTools().catch((caught: unknown) => caught);
    expect(MCPServerError.isInstance(error)).toBe(true);
    expect(error).toMatchObject({ reason: 'bad_request', serverName: 'genie-space-nope' });
    expect((error as Error).message).toContain('BAD_REQUEST: Genie space nope not found');

    const tolerant = new DatabricksMultiServerMCPClient(
      [DatabricksMCPServer.fromGenieSpace('nope', auth), DatabricksMCPServer.fromSql(auth)],
      { onConnectionError: 'ignore' },
    );
    expect((await tolerant.getTools()).map((tool) => tool.name)).toContain('execute_sql');
    expect(Object.keys(tolerant.failures())).toEqual(['genie-space-nope']);
    await tolerant.close();

    const refused = await new DatabricksMultiServerMCPClient([
      DatabricksMCPServer.fromSql({ ...auth, token: 'dapi-not-a-token' }),
    ])
      .getTools()
      .catch((caught: unknown) => caught);
    expect(refused).toMatchObject({ reason: 'unauthorized', statusCode: 403 });

    const down = await startLocalWorkspace({ catalog: { samples: false } });
    const { host, token, caCert } = down;
    await down.stop();
    const unreachable = await new DatabricksMultiServerMCPClient([
      DatabricksMCPServer.fromSql({ host, token, caCert, env: {} }),
    ])
      .getTools()
      .catch((caught: unknown) => caught);
    expect(unreachable).toMatchObject({ reason: 'connection_failed' });
  }, 60_000);

  it('refuses to send workspace credentials where they do not belong', async () => {
    await expect(
      DatabricksMCPServer.fromUrl('https://example.com/mcp', auth).url(),
    ).rejects.toSatisfy(
      (error: unknown) =>
        DatabricksConfigError.isInstance(error) && error.message.includes('trustOrigin'),
    );
    await expect(
      DatabricksMCPServer.fromUrl('https://my-app-123.aws.databricksapps.com/mcp', auth).url(),
    ).rejects.toThrow('Databricks Apps accept only OAuth tokens');
  });
});

describe('loading the tools of a managed server', () => {
  it('costs three requests through core: initialize, notifications/initialized, tools/list', async () => {
    const requests = () => ws.faults.counts()['mcp-sql'] ?? 0;
    const methods = () => ({
      ...ws.service<{ requestCounts(): Record<string, number> }>('mcp').requestCounts(),
    });
    const before = { requests: requests(), methods: methods() };
    const client = new DatabricksMultiServerMCPClient([DatabricksMCPServer.fromSql(auth)]);
    try {
      expect((await client.getTools()).length).toBe(3);
      // No stream GET: the managed server gives no session, so nothing could reach it.
      expect(requests() - before.requests).toBe(3);
      const after = methods();
      for (const method of ['initialize', 'notifications/initialized', 'tools/list'])
        expect((after[method] ?? 0) - (before.methods[method] ?? 0)).toBe(1);
    } finally {
      await client.close();
    }
  });
});
