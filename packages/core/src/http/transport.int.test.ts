/**
 * The transport against real loopback servers: real sockets, real resets, real timers.
 * Timing assertions only check lower bounds (a wait happened), never speed.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { DatabricksApiError, DatabricksConnectionError } from '../errors.js';
import { createHttpTransport } from './transport.js';

type Handler = (req: IncomingMessage, res: ServerResponse, index: number) => void;

interface Loopback {
  url: string;
  /** Requests received so far. */
  requests: Array<{
    method?: string;
    url?: string;
    body: string;
    headers: IncomingMessage['headers'];
  }>;
  /** Resolves when a socket opened by a request closes (the nth request, 0-based). */
  socketClosed: (index: number) => Promise<void>;
  close: () => Promise<void>;
}

const servers: Server[] = [];

async function listen(server: Server, handler: Handler, protocol = 'http'): Promise<Loopback> {
  const requests: Loopback['requests'] = [];
  const closed: Array<Promise<void>> = [];
  server.on('request', (req: IncomingMessage, res: ServerResponse) => {
    const index = requests.length;
    const entry = { method: req.method, url: req.url, body: '', headers: req.headers };
    requests.push(entry);
    closed[index] = new Promise((resolve) => req.socket.once('close', () => resolve()));
    req.setEncoding('utf8');
    req.on('data', (chunk: string) => {
      entry.body += chunk;
    });
    req.on('end', () => handler(req, res, index));
  });
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `${protocol}://127.0.0.1:${port}`,
    requests,
    socketClosed: (index) => closed[index] ?? Promise.reject(new Error(`no request ${index}`)),
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

function startServer(handler: Handler): Promise<Loopback> {
  return listen(createServer(), handler);
}

function sendJson(res: ServerResponse, status: number, body: unknown, headers = {}) {
  res.writeHead(status, { 'content-type': 'application/json', ...headers });
  res.end(JSON.stringify(body));
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

const fastRetry = { initialDelayMs: 20, maxDelayMs: 100 };

describe('retries against a loopback server', () => {
  it('honours Retry-After: 1 on a 429, then succeeds', async () => {
    const server = await startServer((_req, res, index) => {
      if (index === 0)
        sendJson(res, 429, { error_code: 'REQUEST_LIMIT_EXCEEDED' }, { 'retry-after': '1' });
      else sendJson(res, 200, { ok: true });
    });
    const transport = createHttpTransport();
    const startedAt = performance.now();
    const response = await transport.request({ method: 'GET', url: `${server.url}/api/2.0/x` });
    const elapsed = performance.now() - startedAt;
    expect(response.data).toEqual({ ok: true });
    expect(response.attempts).toBe(2);
    expect(server.requests).toHaveLength(2);
    // The jittered backoff for the first retry would be at most 500 ms: only Retry-After explains this.
    expect(elapsed).toBeGreaterThanOrEqual(900);
  });

  it('hands the server-requested wait to callers that retry in their own layer', async () => {
    const server = await startServer((_req, res) =>
      sendJson(res, 429, { error_code: 'REQUEST_LIMIT_EXCEEDED' }, { 'retry-after': '7' }),
    );
    const error = await createHttpTransport()
      .request({
        method: 'POST',
        url: `${server.url}/serving-endpoints/x/invocations`,
        retry: false,
      })
      .catch((caught: unknown) => caught);
    expect(DatabricksApiError.isInstance(error)).toBe(true);
    expect((error as DatabricksApiError).retryAfterMs).toBe(7000);
    expect(server.requests).toHaveLength(1);
  });

  it('retries a POST after 503 and replays the same body', async () => {
    const server = await startServer((_req, res, index) => {
      if (index === 0)
        sendJson(res, 503, { error_code: 'TEMPORARILY_UNAVAILABLE', message: 'busy' });
      else sendJson(res, 200, { created: 1 });
    });
    const transport = createHttpTransport({ retry: fastRetry });
    const response = await transport.request({
      method: 'POST',
      url: `${server.url}/api/2.0/jobs/create`,
      body: { name: 'job' },
    });
    expect(response).toMatchObject({ data: { created: 1 }, attempts: 2 });
    expect(server.requests.map((request) => request.body)).toEqual([
      '{"name":"job"}',
      '{"name":"job"}',
    ]);
  });

  it.each([
    ['destroyed socket', (res: ServerResponse) => res.socket?.destroy()],
    ['TCP reset', (res: ServerResponse) => res.socket?.resetAndDestroy()],
  ])('retries a GET after a %s and succeeds on the second attempt', async (_name, drop) => {
    const server = await startServer((_req, res, index) => {
      if (index === 0) drop(res);
      else sendJson(res, 200, { ok: true });
    });
    const transport = createHttpTransport({ retry: fastRetry });
    const response = await transport.request({ method: 'GET', url: `${server.url}/api/x` });
    expect(response.attempts).toBe(2);
    expect(server.requests).toHaveLength(2);
  });

  it.each([
    ['destroyed socket', (res: ServerResponse) => res.socket?.destroy()],
    ['TCP reset', (res: ServerResponse) => res.socket?.resetAndDestroy()],
  ])('does NOT retry a POST after a %s', async (_name, drop) => {
    const server = await startServer((_req, res) => drop(res));
    const transport = createHttpTransport({ retry: fastRetry });
    const error = await transport
      .request({ method: 'POST', url: `${server.url}/serving-endpoints/x/invocations`, body: {} })
      .catch((e: unknown) => e);
    expect(DatabricksConnectionError.isInstance(error)).toBe(true);
    expect((error as DatabricksConnectionError).retryable).toBe(false);
    expect((error as Error).message).toContain('replaying it is not known to be safe');
    // Give a (wrong) retry the time to arrive before counting.
    await new Promise((resolve) => setTimeout(resolve, 150));
    expect(server.requests).toHaveLength(1);
  });

  it('retries a POST when the connection is refused (never reached the server)', async () => {
    const server = await startServer(() => undefined);
    const url = server.url;
    await server.close();
    const transport = createHttpTransport({ retry: { ...fastRetry, maxAttempts: 3 } });
    const error = await transport
      .request({ method: 'POST', url: `${url}/api`, body: {} })
      .catch((e: unknown) => e);
    expect(error).toMatchObject({ name: 'DatabricksConnectionError', code: 'ECONNREFUSED' });
  });
});

describe('cancellation and timeouts', () => {
  it('rejects promptly with an AbortError and the server sees the socket close', async () => {
    const server = await startServer(() => {
      /* hang until the client gives up */
    });
    const transport = createHttpTransport();
    const controller = new AbortController();
    const pending = transport.request({
      method: 'GET',
      url: `${server.url}/hang`,
      signal: controller.signal,
    });
    while (server.requests.length === 0) await new Promise((resolve) => setTimeout(resolve, 10));
    controller.abort();
    // "Promptly": the server never answers and the transport's timeout is 60 s, far past this
    // test's timeout, so only the abort can end the request.
    const error = await pending.catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DOMException);
    expect((error as DOMException).name).toBe('AbortError');
    await server.socketClosed(0);
    expect(server.requests).toHaveLength(1);
  });

  it('times out each attempt and retries an idempotent request', async () => {
    const server = await startServer(() => undefined);
    const transport = createHttpTransport({ retry: { ...fastRetry, maxAttempts: 2 } });
    const error = await transport
      .request({ method: 'GET', url: `${server.url}/slow`, timeoutMs: 200 })
      .catch((e: unknown) => e);
    expect(DatabricksConnectionError.isInstance(error)).toBe(true);
    expect(error).toMatchObject({ timedOut: true });
    expect((error as Error).message).toContain('timed out after 200 ms');
    expect(server.requests).toHaveLength(2);
    await server.socketClosed(0);
  });

  it("a timeoutMs above the retry budget is the first attempt's timeout, not cut to the budget", async () => {
    const server = await startServer((_req, res) => {
      setTimeout(() => sendJson(res, 200, { ok: true }), 300);
    });
    const transport = createHttpTransport({ retry: { ...fastRetry, totalTimeoutMs: 100 } });
    const response = await transport.request<{ ok: boolean }>({
      method: 'POST',
      url: `${server.url}/slow`,
      timeoutMs: 5_000,
      body: {},
    });
    expect(response.data).toEqual({ ok: true });
  });

  it('does not retry a timed-out POST', async () => {
    const server = await startServer(() => undefined);
    const transport = createHttpTransport({ retry: fastRetry });
    const error = await transport
      .request({ method: 'POST', url: `${server.url}/slow`, timeoutMs: 150, body: {} })
      .catch((e: unknown) => e);
    expect(error).toMatchObject({ timedOut: true, retryable: false });
    expect(server.requests).toHaveLength(1);
  });

  it('fails with the last error when the total budget cannot fit another wait', async () => {
    const server = await startServer((_req, res) =>
      sendJson(
        res,
        503,
        { error_code: 'TEMPORARILY_UNAVAILABLE', message: 'warming up' },
        {
          'retry-after': '1',
        },
      ),
    );
    const transport = createHttpTransport({ retry: { maxAttempts: 10, totalTimeoutMs: 1_500 } });
    const error = await transport
      .request({ method: 'GET', url: `${server.url}/api` })
      .catch((e: unknown) => e);
    expect(DatabricksApiError.isInstance(error)).toBe(true);
    expect(error).toMatchObject({ statusCode: 503, errorCode: 'TEMPORARILY_UNAVAILABLE' });
    // 0 s: attempt 1; 1 s: attempt 2; a second 1 s wait would end past 1.5 s, so it never starts.
    expect(server.requests).toHaveLength(2);
  });
});

describe('error bodies from a loopback server', () => {
  it('reports a plain-text error body', async () => {
    const server = await startServer((_req, res) => {
      res.writeHead(500, { 'content-type': 'text/plain' });
      res.end('upstream exploded\n');
    });
    // A GET failing with 500 is replayed; one attempt here, to read the first answer.
    const transport = createHttpTransport({ retry: { maxAttempts: 1 } });
    const error = await transport
      .request({
        method: 'GET',
        url: `${server.url}/api/x?secret=1`,
        headers: { Authorization: 'Bearer dapi-SECRET' },
      })
      .catch((e: unknown) => e);
    expect((error as Error).message).toBe('HTTP 500 from GET /api/x: upstream exploded.');
    expect((error as DatabricksApiError).path).toBe('/api/x');
    expect(JSON.stringify(error)).not.toContain('dapi-SECRET');
  });

  it('summarises an HTML 502 page from a proxy', async () => {
    const server = await startServer((_req, res) => {
      res.writeHead(502, { 'content-type': 'text/html' });
      res.end(
        `<html><head><title>502 Bad Gateway</title></head><body>${'x'.repeat(5_000)}</body></html>`,
      );
    });
    const transport = createHttpTransport({ retry: { ...fastRetry, maxAttempts: 2 } });
    const error = await transport
      .request({ method: 'GET', url: `${server.url}/api/2.0/sql/statements` })
      .catch((e: unknown) => e);
    expect((error as Error).message).toMatch(
      /^HTTP 502 from GET \/api\/2\.0\/sql\/statements: received an HTML error page \(probably from a proxy or load balancer\), not a Databricks API response \(page title: "502 Bad Gateway"\)/,
    );
    expect((error as Error).message).not.toContain('xxxx');
    expect(server.requests).toHaveLength(2);
  });

  it('parses a Databricks error with its request id', async () => {
    const server = await startServer((_req, res) =>
      sendJson(
        res,
        400,
        { error_code: 'INVALID_PARAMETER_VALUE', message: 'warehouse_id is required' },
        { 'x-request-id': 'f00-ba4' },
      ),
    );
    const transport = createHttpTransport();
    const error = (await transport
      .request({ method: 'POST', url: `${server.url}/api/2.0/sql/statements`, body: {} })
      .catch((e: unknown) => e)) as DatabricksApiError;
    expect(error).toMatchObject({
      statusCode: 400,
      errorCode: 'INVALID_PARAMETER_VALUE',
      requestId: 'f00-ba4',
      method: 'POST',
      path: '/api/2.0/sql/statements',
      retryable: false,
    });
    expect(error.message).toBe(
      'HTTP 400 from POST /api/2.0/sql/statements [INVALID_PARAMETER_VALUE]: warehouse_id is required. (request id f00-ba4)',
    );
  });
});

describe('caCert against a self-signed HTTPS loopback server', () => {
  let dir: string;
  let cert: string;
  let key: string;

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'lakechain-tls-'));
    execFileSync(
      'openssl',
      [
        'req',
        '-x509',
        '-newkey',
        'rsa:2048',
        '-nodes',
        '-days',
        '1',
        '-subj',
        '/CN=localhost',
        '-addext',
        'subjectAltName=IP:127.0.0.1',
        '-keyout',
        join(dir, 'key.pem'),
        '-out',
        join(dir, 'cert.pem'),
      ],
      { stdio: 'ignore' },
    );
    cert = readFileSync(join(dir, 'cert.pem'), 'utf8');
    key = readFileSync(join(dir, 'key.pem'), 'utf8');
  });

  afterAll(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  async function startHttps(keepAliveTimeout?: number) {
    const server = createHttpsServer({ cert, key });
    if (keepAliveTimeout !== undefined) server.keepAliveTimeout = keepAliveTimeout;
    return listen(server, (_req, res) => sendJson(res, 200, { tls: true }), 'https');
  }

  it('refuses the certificate without caCert, naming the option', async () => {
    const server = await startHttps();
    const transport = createHttpTransport({ retry: fastRetry });
    const error = await transport
      .request({ method: 'GET', url: `${server.url}/api` })
      .catch((e: unknown) => e);
    expect(DatabricksConnectionError.isInstance(error)).toBe(true);
    expect((error as Error).message).toMatch(/certificate/i);
    expect((error as Error).message).toContain('`caCert`');
    expect(error).toMatchObject({ retryable: false });
  });

  it('accepts it with caCert, keeping the system roots', async () => {
    const server = await startHttps();
    const transport = createHttpTransport({ caCert: cert });
    try {
      const first = await transport.request({ method: 'GET', url: `${server.url}/api` });
      const second = await transport.request({ method: 'GET', url: `${server.url}/api` });
      expect(first.data).toEqual({ tls: true });
      expect(second.data).toEqual({ tls: true });
    } finally {
      await transport.close?.();
    }
  });

  it('close() releases the pooled TLS socket once the request in flight is done, then refuses requests', async () => {
    // `Keep-Alive: timeout=300` makes undici keep the idle socket for minutes: only close() ends
    // it within the test's timeout.
    const server = await startHttps(300_000);
    const transport = createHttpTransport({ caCert: cert });
    // The pool is still being created (undici loads lazily) when close() is called.
    const inFlight = transport.request({ method: 'GET', url: `${server.url}/api` });
    const closing = transport.close?.();
    expect((await inFlight).data).toEqual({ tls: true });
    await closing;
    await server.socketClosed(0);
    const error = await transport
      .request({ method: 'GET', url: `${server.url}/api` })
      .catch((e: unknown) => e);
    expect(DatabricksConnectionError.isInstance(error)).toBe(true);
    expect(error).toMatchObject({ code: 'CLIENT_CLOSED', retryable: false });
    expect((error as Error).message).toContain('was closed');
    expect(server.requests).toHaveLength(1);
    await transport.close?.(); // idempotent
  });
});
