/**
 * `DatabricksMultiServerMCPClient` against the official MCP SDK server on loopback, stateless (no
 * session, as Databricks' managed servers) and stateful (a session id): the standalone `GET`
 * stream is opened only for a session, as the Python MCP SDK does, and a tool's `outputSchema` is
 * still enforced although the validator is built on first use.
 */
import { randomUUID } from 'node:crypto';
import { createServer, type Server as HttpServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Server } from '@modelcontextprotocol/sdk/server/index.js';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import { CallToolRequestSchema, ListToolsRequestSchema } from '@modelcontextprotocol/sdk/types.js';
import { afterEach, describe, expect, it } from 'vitest';
import { DatabricksMultiServerMCPClient } from './client.js';
import { MCPServer } from './servers.js';

/** One `total` tool with an output schema; `n < 0` answers content that breaks it. */
function protocolServer(): Server {
  const server = new Server(
    { name: 'loopback', version: '1.0.0' },
    { capabilities: { tools: {} } },
  );
  server.setRequestHandler(ListToolsRequestSchema, async () => ({
    tools: [
      {
        name: 'total',
        description: 'Echoes n as { total: n }.',
        inputSchema: { type: 'object', properties: { n: { type: 'number' } }, required: ['n'] },
        outputSchema: {
          type: 'object',
          properties: { total: { type: 'number' } },
          required: ['total'],
        },
      },
    ],
  }));
  server.setRequestHandler(CallToolRequestSchema, async (call) => {
    const n = Number(call.params.arguments?.n);
    const structuredContent = n < 0 ? { total: 'negative' } : { total: n };
    return {
      content: [{ type: 'text', text: JSON.stringify(structuredContent) }],
      structuredContent,
    };
  });
  return server;
}

interface Loopback {
  url: string;
  /** `METHOD` or `METHOD session` per HTTP request received, in order. */
  requests: string[];
  close(): Promise<void>;
}

async function readBody(request: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  const text = Buffer.concat(chunks).toString('utf8');
  return text ? JSON.parse(text) : undefined;
}

/** The SDK's Streamable HTTP server: a fresh one per request (stateless) or one per session. */
async function startLoopback(mode: 'stateless' | 'stateful'): Promise<Loopback> {
  const requests: string[] = [];
  const sessions = new Map<string, StreamableHTTPServerTransport>();
  const http: HttpServer = createServer(async (request, response) => {
    const sessionHeader = request.headers['mcp-session-id'];
    const session = typeof sessionHeader === 'string' ? sessionHeader : undefined;
    requests.push(session ? `${request.method} session` : String(request.method));
    const body = request.method === 'POST' ? await readBody(request) : undefined;
    let transport = session ? sessions.get(session) : undefined;
    if (!transport) {
      transport = new StreamableHTTPServerTransport({
        sessionIdGenerator: mode === 'stateful' ? randomUUID : undefined,
        enableJsonResponse: true,
        ...(mode === 'stateful'
          ? { onsessioninitialized: (id: string) => void sessions.set(id, transport!) }
          : {}),
      });
      await protocolServer().connect(transport);
      if (mode === 'stateless') response.on('close', () => void transport?.close());
    }
    await transport.handleRequest(request, response, body);
  });
  await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
  const { port } = http.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/mcp`,
    requests,
    close: async () => {
      for (const transport of sessions.values()) await transport.close();
      http.closeAllConnections();
      await new Promise<void>((resolve) => http.close(() => resolve()));
    },
  };
}

let loopback: Loopback | undefined;
afterEach(async () => {
  await loopback?.close();
  loopback = undefined;
});

describe('the standalone server-to-client stream', () => {
  it('is not opened on a server without sessions: three requests load the tools', async () => {
    loopback = await startLoopback('stateless');
    const client = new DatabricksMultiServerMCPClient([
      new MCPServer({ name: 'loopback', url: loopback.url }),
    ]);
    try {
      const tools = await client.getTools();
      expect(tools.map((tool) => tool.name)).toEqual(['total']);
      // initialize, notifications/initialized, tools/list; no GET.
      expect(loopback.requests).toEqual(['POST', 'POST', 'POST']);
      expect(JSON.stringify(await tools[0]?.invoke({ n: 2 }))).toContain('{\\"total\\":2}');
    } finally {
      await client.close();
    }
  });

  it('is opened on a server that gives a session (it may send messages of its own there)', async () => {
    loopback = await startLoopback('stateful');
    const client = new DatabricksMultiServerMCPClient([
      new MCPServer({ name: 'loopback', url: loopback.url }),
    ]);
    try {
      await client.getTools();
      // The SDK opens the stream without waiting for it: ask the server until it has seen it.
      await expect.poll(() => loopback?.requests.includes('GET session')).toBe(true);
      expect(loopback.requests.filter((request) => request === 'GET')).toEqual([]);
    } finally {
      await client.close();
    }
  });
});

describe("a tool's output schema", () => {
  it('is enforced with the validator built on first use', async () => {
    loopback = await startLoopback('stateless');
    const client = new DatabricksMultiServerMCPClient([
      new MCPServer({ name: 'loopback', url: loopback.url }),
    ]);
    try {
      const [tool] = await client.getTools();
      expect(JSON.stringify(await tool?.invoke({ n: 3 }))).toContain('{\\"total\\":3}');
      // The server breaks its own schema: the SDK's check fails the call, the model reads why.
      const answer = String(await tool?.invoke({ n: -1 }));
      expect(answer).toContain('Error from MCP server "loopback", tool total');
      expect(answer).toMatch(/output schema/i);
    } finally {
      await client.close();
    }
  });
});
