/**
 * Faults injected through the local workspace: for each, what the user sees (a typed error or a
 * transparent recovery) and server-side counts proving nothing accepted was lost or replayed.
 */
import {
  DatabricksApiError,
  DatabricksAuthError,
  DatabricksClient,
  DatabricksConnectionError,
  resolveConfig,
} from '@lakechain/core';
import { ChatDatabricks, DatabricksServingError } from '@lakechain/databricks-llm';
import { DatabricksSqlDatabase, DatabricksSqlError } from '@lakechain/databricks-sql';
import type { LocalWorkspace } from '@lakechain/local-workspace';
import { startLocalWorkspace } from '@lakechain/local-workspace';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { CHAT, sleep, startForwarder, startWorkspace } from './helpers.js';

let ws: LocalWorkspace;

beforeAll(async () => {
  ws = await startWorkspace();
});
afterAll(async () => {
  await ws?.stop();
});
beforeEach(() => {
  ws.faults.setRules([]);
  ws.faults.resetCounts();
  ws.serving.clearRequests();
});

const count = (route: string) => ws.faults.counts()[route] ?? 0;
const received = (endpoint = CHAT) => ws.serving.requestsFor(endpoint).length;

async function patClient(retry = { initialDelayMs: 20, maxDelayMs: 3_000 }) {
  const config = await resolveConfig({
    host: ws.host,
    token: ws.token,
    caCert: ws.caCert,
    env: {},
  });
  return new DatabricksClient({ config, retry });
}

function chat(extra: Record<string, unknown> = {}) {
  return new ChatDatabricks({
    endpoint: CHAT,
    host: ws.host,
    token: ws.token,
    caCert: ws.caCert,
    env: {},
    ...extra,
  } as ConstructorParameters<typeof ChatDatabricks>[0]);
}

const invocation = (content = 'hello') => ({
  method: 'POST' as const,
  path: `/serving-endpoints/${CHAT}/invocations`,
  body: { messages: [{ role: 'user', content }] },
});

describe('429 storms with Retry-After', () => {
  it('DatabricksClient waits Retry-After and succeeds; the server saw each attempt once', async () => {
    const client = await patClient();
    ws.faults.setRules([
      { route: 'serving-endpoints', rate429: 1, retryAfterSeconds: 1, times: 2 },
    ]);
    const started = Date.now();
    const out = await client.request<{ endpoints: unknown[] }>({
      method: 'GET',
      path: '/api/2.0/serving-endpoints',
    });
    expect(out.endpoints.length).toBeGreaterThan(0);
    expect(Date.now() - started).toBeGreaterThanOrEqual(1_900); // 2 x Retry-After: 1
    expect(count('serving-endpoints')).toBe(3);
  });

  it('DatabricksClient: a POST refused with 429 is retried (not processed) and processed once', async () => {
    const client = await patClient();
    ws.faults.setRules([
      { route: 'serving-invocations', rate429: 1, retryAfterSeconds: 1, times: 2 },
    ]);
    const out = await client.request<{ choices: unknown[] }>(invocation());
    expect(out.choices).toHaveLength(1);
    expect(count('serving-invocations')).toBe(3);
    expect(received()).toBe(1);
  });

  it('DatabricksClient: an endless storm ends in a typed DatabricksApiError (429, retryable)', async () => {
    const client = await patClient({ initialDelayMs: 10, maxDelayMs: 50 });
    ws.faults.setRules([{ route: 'serving-endpoints', rate429: 1, retryAfterSeconds: 0 }]);
    const error = await client
      .request({
        method: 'GET',
        path: '/api/2.0/serving-endpoints',
        retry: { maxAttempts: 3, initialDelayMs: 10, maxDelayMs: 50 },
      })
      .catch((e: unknown) => e);
    expect(DatabricksApiError.isInstance(error)).toBe(true);
    expect(error).toMatchObject({
      statusCode: 429,
      errorCode: 'REQUEST_LIMIT_EXCEEDED',
      retryable: true,
    });
    expect(count('serving-endpoints')).toBe(3);
  });

  it('ChatDatabricks: 30 concurrent invocations through a 50% 429 storm all answer, each processed exactly once', async () => {
    const llm = chat({ maxRetries: 8 });
    ws.faults.setRules([{ route: 'serving-invocations', rate429: 0.5, retryAfterSeconds: 0 }]);
    const prompts = Array.from({ length: 30 }, (_, i) => `question ${i}`);
    const answers = await Promise.all(prompts.map((p) => llm.invoke(p)));
    answers.forEach((answer, i) => {
      expect(answer.content).toContain(`question ${i}`);
    });
    expect(count('serving-invocations')).toBeGreaterThan(30); // the storm really happened
    const bodies = ws.serving.requestsFor(CHAT).map((r) => JSON.stringify(r.body));
    expect(bodies).toHaveLength(30); // nothing replayed after being processed
    expect(new Set(bodies).size).toBe(30);
  });

  it('ChatDatabricks: Retry-After is honoured between attempts', async () => {
    const llm = chat({ maxRetries: 3 });
    ws.faults.setRules([
      { route: 'serving-invocations', rate429: 1, retryAfterSeconds: 1, times: 1 },
    ]);
    const started = Date.now();
    const answer = await llm.invoke('wait for me');
    expect(answer.content).toContain('wait for me');
    expect(Date.now() - started).toBeGreaterThanOrEqual(950);
    expect(received()).toBe(1);
  });

  it('ChatDatabricks: an endless storm raises DatabricksServingError (MODEL_RATE_LIMIT)', async () => {
    const llm = chat({ maxRetries: 1 });
    ws.faults.setRules([{ route: 'serving-invocations', rate429: 1, retryAfterSeconds: 0 }]);
    const error = await llm.invoke('x').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DatabricksServingError);
    expect(error).toMatchObject({
      statusCode: 429,
      lc_error_code: 'MODEL_RATE_LIMIT',
      endpoint: CHAT,
    });
    expect(received()).toBe(0);
  });
});

describe('503s', () => {
  it('DatabricksClient retries 503 on GET and POST; each POST processed exactly once', async () => {
    const client = await patClient();
    ws.faults.setRules([
      { route: 'serving-invocations', rate503: 1, retryAfterSeconds: 0, times: 3 },
    ]);
    await client.request(invocation('a'));
    expect(count('serving-invocations')).toBe(4);
    expect(received()).toBe(1);
  });

  it('ChatDatabricks recovers from transient 503s; a permanent 503 is a typed, retryable error', async () => {
    const llm = chat({ maxRetries: 4 });
    ws.faults.setRules([
      { route: 'serving-invocations', rate503: 1, retryAfterSeconds: 0, times: 2 },
    ]);
    expect((await llm.invoke('ping')).content).toContain('ping');
    expect(received()).toBe(1);
    ws.faults.setRules([{ route: 'serving-invocations', rate503: 1, retryAfterSeconds: 0 }]);
    const error = await chat({ maxRetries: 0 })
      .invoke('x')
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DatabricksServingError);
    expect(error).toMatchObject({ statusCode: 503, retryable: true });
  });
});

describe('connection resets', () => {
  it('an idempotent GET is retried transparently', async () => {
    const client = await patClient();
    ws.faults.setRules([{ route: 'serving-endpoints', resetRate: 1, times: 2 }]);
    const out = await client.request<{ endpoints: unknown[] }>({
      method: 'GET',
      path: '/api/2.0/serving-endpoints',
    });
    expect(out.endpoints.length).toBeGreaterThan(0);
    expect(count('serving-endpoints')).toBe(3);
  });

  it('a POST is not replayed: DatabricksConnectionError, the server saw exactly one request', async () => {
    const client = await patClient();
    ws.faults.setRules([{ route: 'serving-invocations', resetRate: 1, times: 1 }]);
    const error = await client.request(invocation()).catch((e: unknown) => e);
    expect(DatabricksConnectionError.isInstance(error)).toBe(true);
    expect(count('serving-invocations')).toBe(1);
    expect(received()).toBe(0);
  });

  it("a POST marked replay: 'safe' is retried", async () => {
    const client = await patClient();
    ws.faults.setRules([{ route: 'serving-invocations', resetRate: 1, times: 1 }]);
    await client.request({ ...invocation(), replay: 'safe' });
    expect(count('serving-invocations')).toBe(2);
    expect(received()).toBe(1);
  });

  it('ChatDatabricks replays an invocation whose connection was reset (a model invocation is safe to replay)', async () => {
    const llm = chat({ maxRetries: 2 });
    ws.faults.setRules([{ route: 'serving-invocations', resetRate: 1, times: 2 }]);
    expect((await llm.invoke('reset twice')).content).toContain('reset twice');
    expect(count('serving-invocations')).toBe(3);
    expect(received()).toBe(1);
  });

  it('DatabricksSqlDatabase replays a read whose connection was reset, never a write', async () => {
    const auth = { host: ws.host, token: ws.token, caCert: ws.caCert, env: {} };
    const db = await DatabricksSqlDatabase.fromDatabricks({
      ...auth,
      httpPath: ws.httpPath,
      catalog: 'main',
      schema: 'default',
      readOnly: false,
    } as never);
    try {
      await db.run('CREATE TABLE IF NOT EXISTS main.default.reset_probe (x INT)');
      ws.faults.resetCounts();
      ws.faults.setRules([{ route: 'thrift', resetRate: 1, times: 1 }]);
      expect(await db.run('SELECT 7 AS x')).toBe('[{"x":7}]');
      expect(count('thrift')).toBe(2);

      ws.faults.resetCounts();
      ws.faults.setRules([{ route: 'thrift', resetRate: 1, times: 1 }]);
      const error = await db
        .run('INSERT INTO main.default.reset_probe VALUES (1)')
        .catch((e: unknown) => e);
      expect(DatabricksSqlError.isInstance(error)).toBe(true);
      expect(error).toMatchObject({ kind: 'connection', retryable: false });
      expect(count('thrift')).toBe(1);
    } finally {
      await db.close();
    }
  });
});

describe('outages', () => {
  it('a model call and a query wait out a 1-second outage of serving and of the warehouse', async () => {
    const llm = chat();
    const db = await DatabricksSqlDatabase.fromDatabricks({
      host: ws.host,
      token: ws.token,
      caCert: ws.caCert,
      env: {},
      httpPath: ws.httpPath,
      catalog: 'main',
      schema: 'default',
    } as never);
    try {
      ws.faults.resetCounts();
      ws.faults.setRules([
        { route: 'serving-invocations', rate503: 1, window: { durationMs: 1_000 } },
        { route: 'thrift', rate503: 1, window: { durationMs: 1_000 } },
      ]);
      const [answer, rows] = await Promise.all([
        llm.invoke('after the outage'),
        db.run('SELECT 1 AS up'),
      ]);
      expect(answer.content).toContain('after the outage');
      expect(rows).toBe('[{"up":1}]');
      // Both were refused at least once, and each was processed once.
      expect(count('serving-invocations')).toBeGreaterThan(1);
      expect(count('thrift')).toBeGreaterThan(1);
      expect(received()).toBe(1);
    } finally {
      await db.close();
      await llm.close();
    }
  });
});

describe('SSE streams cut halfway', () => {
  it('ChatDatabricks.stream raises with the text received so far; no silent truncation, no replay', async () => {
    const llm = chat({ maxRetries: 3 });
    ws.faults.setRules([{ route: 'serving-invocations', cutStreamRate: 1, times: 1 }]);
    const chunks: string[] = [];
    const consume = async () => {
      for await (const chunk of await llm.stream('tell me a long story please')) {
        chunks.push(String(chunk.content));
      }
    };
    const error = await consume().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DatabricksServingError);
    expect(error).toMatchObject({ kind: 'stream_incomplete', retryable: false });
    const partial = (error as DatabricksServingError).partialText ?? '';
    expect(partial).toBe(chunks.join(''));
    expect(count('serving-invocations')).toBe(1); // after the first token, nothing is replayed
    const full = String((await llm.invoke('tell me a long story please')).content);
    expect(partial.length).toBeGreaterThan(0);
    expect(full.startsWith(partial)).toBe(true);
    expect(partial).not.toBe(full); // what arrived was partial, and it raised
  });

  it('ChatDatabricks.invoke with streaming: true raises rather than returning half an answer', async () => {
    const llm = chat({ maxRetries: 0, streaming: true });
    ws.faults.setRules([{ route: 'serving-invocations', cutStreamRate: 1, times: 1 }]);
    await expect(llm.invoke('tell me a long story please')).rejects.toThrow();
  });
});

describe('the token endpoint', () => {
  const m2m = (extra: Record<string, unknown> = {}) =>
    resolveConfig({
      host: ws.host,
      clientId: ws.oauth.clientId,
      clientSecret: ws.oauth.clientSecret,
      caCert: ws.caCert,
      env: {},
      ...extra,
    });

  it('wrong client secret: a clear DatabricksAuthError', async () => {
    const config = await m2m({ clientSecret: 'not-the-secret' });
    const client = new DatabricksClient({ config });
    const error = await client
      .request({ method: 'GET', path: '/api/2.0/serving-endpoints' })
      .catch((e: unknown) => e);
    expect(DatabricksAuthError.isInstance(error)).toBe(true);
    expect((error as Error).message).toMatch(/invalid_client|Client authentication failed/);
    expect(count('serving-endpoints')).toBe(0); // never sent without a token
  });

  it('a token endpoint that keeps failing (503): DatabricksAuthError, no API call', async () => {
    ws.faults.setRules([{ route: 'oauth-token', rate503: 1, retryAfterSeconds: 0 }]);
    const config = await m2m();
    const client = new DatabricksClient({ config, retry: { maxAttempts: 2, initialDelayMs: 10 } });
    const error = await client
      .request({ method: 'GET', path: '/api/2.0/serving-endpoints' })
      .catch((e: unknown) => e);
    expect(DatabricksAuthError.isInstance(error)).toBe(true);
    expect(error).toMatchObject({ authType: 'oauth-m2m' });
    expect(count('serving-endpoints')).toBe(0);
  });

  it('a token endpoint that resets connections: DatabricksAuthError', async () => {
    ws.faults.setRules([{ route: 'oauth-token', resetRate: 1 }]);
    const config = await m2m();
    const client = new DatabricksClient({ config, retry: { maxAttempts: 2, initialDelayMs: 10 } });
    const error = await client
      .request({ method: 'GET', path: '/api/2.0/serving-endpoints' })
      .catch((e: unknown) => e);
    expect(DatabricksAuthError.isInstance(error)).toBe(true);
  });

  it('a slow token endpoint: 50 concurrent cold requests share one token request', async () => {
    ws.faults.setRules([{ route: 'oauth-token', latencyMs: 800 }]);
    const issuedBefore = ws.tokens.issuedCount;
    const client = new DatabricksClient({ config: await m2m() });
    const results = await Promise.all(
      Array.from({ length: 50 }, () =>
        client.request<{ endpoints: unknown[] }>({
          method: 'GET',
          path: '/api/2.0/serving-endpoints',
        }),
      ),
    );
    expect(results.every((r) => r.endpoints.length > 0)).toBe(true);
    expect(count('oauth-token')).toBe(1);
    expect(ws.tokens.issuedCount - issuedBefore).toBe(1);
  });
});

describe('an OAuth token expiring mid-session', () => {
  let short: LocalWorkspace;
  beforeAll(async () => {
    short = await startWorkspace({ oauth: { tokenLifetimeSeconds: 2 } });
  });
  afterAll(async () => {
    await short?.stop();
  });

  it('REST and SQL calls keep working across expiries; new tokens are issued', async () => {
    const auth = {
      host: short.host,
      clientId: short.oauth.clientId,
      clientSecret: short.oauth.clientSecret,
      caCert: short.caCert,
      env: {},
    };
    const client = new DatabricksClient({ config: await resolveConfig(auth) });
    const llm = new ChatDatabricks({ endpoint: CHAT, ...auth, maxRetries: 0 } as never);
    const db = await DatabricksSqlDatabase.fromDatabricks({
      ...auth,
      httpPath: short.httpPath,
      catalog: 'main',
      schema: 'default',
    } as never);
    const issued = short.tokens.issuedCount;
    // Keep calling until the 2-second tokens have expired at least twice under us (however slow
    // the machine), with a cap so a client that never refreshes fails instead of looping.
    const cap = Date.now() + 120_000;
    let calls = 0;
    while ((calls < 6 || short.tokens.issuedCount - issued < 2) && Date.now() < cap) {
      await client.request({ method: 'GET', path: '/api/2.0/serving-endpoints' });
      expect((await llm.invoke(`call ${calls}`)).content).toContain(`call ${calls}`);
      expect(await db.run(`SELECT ${calls} AS n`)).toBe(`[{"n":${calls}}]`);
      calls++;
      await sleep(400);
    }
    await db.close();
    expect(calls).toBeGreaterThan(5);
    expect(short.tokens.issuedCount - issued).toBeGreaterThanOrEqual(2);
  });
});

describe('a warehouse that drops the session', () => {
  it('DatabricksSqlDatabase reopens a session and retries transparently', async () => {
    // Two warehouses with the same token and id behind one address: switching the forwarder looks
    // like a warehouse restart that forgot every session (a TLS-terminating forwarder, so
    // the client trusts one certificate).
    const common = { samples: false, token: 'dapi-session-drop', warehouseId: 'abcdef0123456789' };
    const first = await startLocalWorkspace(common);
    const second = await startLocalWorkspace(common);
    const forwarder = await startForwarder(first);
    try {
      const db = await DatabricksSqlDatabase.fromDatabricks({
        host: `https://127.0.0.1:${forwarder.port}`,
        token: common.token,
        httpPath: first.httpPath,
        caCert: forwarder.caCert,
        catalog: 'main',
        schema: 'default',
        env: {},
      } as never);
      expect(await db.run('SELECT 1 AS x')).toBe('[{"x":1}]');
      forwarder.switchTo(second);
      // Let the client notice its idle keep-alive sockets were closed: this test is about the
      // session, not a reset mid-request (which a read would survive anyway: it is replayed).
      await sleep(300);
      expect(await db.run('SELECT 2 AS x')).toBe('[{"x":2}]');
      expect(await db.run('SELECT 3 AS x')).toBe('[{"x":3}]');
      expect(second.faults.counts().thrift ?? 0).toBeGreaterThan(0);
      await db.close();
    } finally {
      await forwarder.close();
      await first.stop();
      await second.stop();
    }
  });
});
