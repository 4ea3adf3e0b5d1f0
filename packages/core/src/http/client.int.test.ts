/** `DatabricksClient` against real loopback servers: token refresh and SSE over real sockets. */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { DatabricksApiError } from '../errors.js';
import type { DatabricksConfig, GetAuthHeadersOptions } from '../types.js';
import { DatabricksClient } from './client.js';

const servers: Server[] = [];

async function startServer(
  handler: (req: IncomingMessage, res: ServerResponse, index: number) => void,
): Promise<{ host: string; requests: IncomingMessage[]; closed: Array<Promise<void>> }> {
  const requests: IncomingMessage[] = [];
  const closed: Array<Promise<void>> = [];
  const server = createServer((req, res) => {
    const index = requests.push(req) - 1;
    closed[index] = new Promise((resolve) => req.socket.once('close', () => resolve()));
    req.resume();
    req.on('end', () => handler(req, res, index));
  });
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { host: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, requests, closed };
}

afterEach(async () => {
  await Promise.all(
    servers.splice(0).map(
      (server) =>
        new Promise<void>((resolve) => {
          server.closeAllConnections();
          server.close(() => resolve());
        }),
    ),
  );
});

/** A config whose token rotates only when forced, counting every call. */
function rotatingConfig(host: string) {
  const calls: GetAuthHeadersOptions[] = [];
  let generation = 1;
  const config: DatabricksConfig = {
    host,
    authType: 'custom',
    async getAuthHeaders(options = {}) {
      calls.push(options);
      if (options.forceRefresh) generation += 1;
      return { Authorization: `Bearer token-${generation}` };
    },
    toJSON: () => ({ host, authType: 'custom' }),
  };
  return { config, calls };
}

describe('DatabricksClient over loopback', () => {
  it('force-refreshes the token once after a 401 and succeeds with the new one', async () => {
    const server = await startServer((req, res) => {
      if (req.headers.authorization === 'Bearer token-2') {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end('{"me":"sp"}');
      } else {
        res.writeHead(401, { 'content-type': 'application/json' });
        res.end('{"error_code":"UNAUTHENTICATED","message":"Token expired"}');
      }
    });
    const { config, calls } = rotatingConfig(server.host);
    const client = new DatabricksClient({ config });
    const response = await client.requestRaw({
      method: 'POST',
      path: '/api/2.0/preview/scim/v2/Me',
    });
    expect(response.data).toEqual({ me: 'sp' });
    expect(response.attempts).toBe(2);
    expect(calls).toHaveLength(2);
    expect(calls[1]?.forceRefresh).toBe(true);
    expect(server.requests.map((req) => req.headers.authorization)).toEqual([
      'Bearer token-1',
      'Bearer token-2',
    ]);
  });

  it('gives up after one refresh when the new token is rejected too', async () => {
    const server = await startServer((_req, res) => {
      res.writeHead(401, { 'content-type': 'application/json' });
      res.end('{"error_code":"UNAUTHENTICATED","message":"nope"}');
    });
    const { config, calls } = rotatingConfig(server.host);
    const error = await new DatabricksClient({ config })
      .request({ method: 'GET', path: '/api' })
      .catch((e: unknown) => e);
    expect(DatabricksApiError.isInstance(error)).toBe(true);
    expect((error as Error).message).toContain('Check the token or credentials');
    expect((error as Error).message).not.toContain('token-');
    expect(calls).toHaveLength(2);
    expect(server.requests).toHaveLength(2);
  });

  it('streams SSE events split across TCP chunks', async () => {
    const chunks = [
      'data: {"choices":[{"delta":{"content":"Hel',
      'lo"}}]}\n',
      '\nevent: usage\ndata: {"tokens":3}\nid: 7\n\n: keep-alive comment\n\ndata: line1\nda',
      'ta: line2\n\n',
      'data: [DONE]\n\n',
    ];
    const server = await startServer(async (_req, res) => {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.flushHeaders();
      for (const chunk of chunks) {
        res.write(chunk);
        // Separate writes with pauses so they arrive as separate TCP segments.
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
      res.end();
    });
    const { config } = rotatingConfig(server.host);
    const client = new DatabricksClient({ config });
    const events = [];
    for await (const event of client.streamEvents({
      method: 'POST',
      path: '/serving-endpoints/chat/invocations',
      body: { stream: true },
    })) {
      events.push(event);
    }
    expect(events).toEqual([
      { data: '{"choices":[{"delta":{"content":"Hello"}}]}' },
      { event: 'usage', data: '{"tokens":3}', id: '7' },
      { data: 'line1\nline2' },
      { data: '[DONE]' },
    ]);
    expect(server.requests[0]?.headers.accept).toBe('text/event-stream');
  });

  it('tolerates a stream cut mid-event, dropping only the unterminated event', async () => {
    const server = await startServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.end('data: a\n\ndata: {"trunc');
    });
    const { config } = rotatingConfig(server.host);
    const events = [];
    for await (const event of new DatabricksClient({ config }).streamEvents({
      method: 'GET',
      path: '/s',
    })) {
      events.push(event.data);
    }
    expect(events).toEqual(['a']);
  });

  it('stops on abort, rejecting with AbortError and closing the connection', async () => {
    const server = await startServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.write('data: first\n\n');
      // ...then never finishes.
    });
    const { config } = rotatingConfig(server.host);
    const controller = new AbortController();
    const received: string[] = [];
    const error = await (async () => {
      for await (const event of new DatabricksClient({ config }).streamEvents({
        method: 'POST',
        path: '/s',
        signal: controller.signal,
      })) {
        received.push(event.data);
        controller.abort();
      }
    })().catch((e: unknown) => e);
    expect(received).toEqual(['first']);
    expect((error as DOMException).name).toBe('AbortError');
    await server.closed[0];
  });

  it('cancels the body when the consumer breaks out early', async () => {
    const server = await startServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.write('data: 1\n\ndata: 2\n\n');
    });
    const { config } = rotatingConfig(server.host);
    for await (const event of new DatabricksClient({ config }).streamEvents({
      method: 'GET',
      path: '/s',
    })) {
      expect(event.data).toBe('1');
      break;
    }
    await server.closed[0];
  });
});
