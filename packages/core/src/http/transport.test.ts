import { describe, expect, it, vi } from 'vitest';
import { DatabricksApiError, DatabricksConnectionError } from '../errors.js';
import type { FetchFunction } from '../types.js';
import { abortableSleep, computeBackoffMs, DEFAULT_RETRY, parseRetryAfter } from './backoff.js';
import { buildUrl, buildUserAgent, createHttpTransport } from './transport.js';

function jsonResponse(status: number, body: unknown, headers: Record<string, string> = {}) {
  return new Response(JSON.stringify(body), {
    status,
    headers: { 'content-type': 'application/json', ...headers },
  });
}

/** A fetch that replays `responses` in order (functions may throw to simulate network errors). */
function scriptedFetch(responses: Array<Response | (() => Response)>) {
  const calls: Array<{ url: string; init: RequestInit }> = [];
  const fetch = vi.fn(async (url: string | URL | Request, init?: RequestInit) => {
    calls.push({ url: String(url), init: init ?? {} });
    const next = responses.shift();
    if (!next) throw new Error('unexpected extra request');
    return typeof next === 'function' ? next() : next;
  });
  return { fetch: fetch as unknown as FetchFunction, calls };
}

function fetchFailed(code: string): () => Response {
  return () => {
    throw new TypeError('fetch failed', { cause: Object.assign(new Error(code), { code }) });
  };
}

/** Deterministic clock + sleep: sleeping advances the clock and records the delay. */
function fakeTime(randomValue = 0.5) {
  let clock = 1_000_000;
  const sleeps: number[] = [];
  return {
    sleeps,
    internals: {
      random: () => randomValue,
      now: () => clock,
      sleep: async (ms: number) => {
        sleeps.push(ms);
        clock += ms;
      },
    },
  };
}

describe('backoff math', () => {
  const retry = { ...DEFAULT_RETRY, initialDelayMs: 100, maxDelayMs: 1_000 };

  it('doubles the ceiling each retry and applies full jitter', () => {
    expect(computeBackoffMs(0, retry, () => 0.5)).toBe(50);
    expect(computeBackoffMs(1, retry, () => 0.5)).toBe(100);
    expect(computeBackoffMs(2, retry, () => 0.5)).toBe(200);
    expect(computeBackoffMs(3, retry, () => 0.999)).toBe(799);
    expect(computeBackoffMs(0, retry, () => 0)).toBe(0);
  });

  it('caps the ceiling at maxDelayMs', () => {
    expect(computeBackoffMs(10, retry, () => 0.5)).toBe(500);
    expect(computeBackoffMs(50, retry, () => 0.999)).toBe(999);
  });

  it('waits the jittered delays between attempts', async () => {
    const time = fakeTime(0.5);
    const { fetch } = scriptedFetch([
      jsonResponse(503, {}),
      jsonResponse(503, {}),
      jsonResponse(503, {}),
      jsonResponse(200, { ok: true }),
    ]);
    const transport = createHttpTransport(
      { fetch, retry: { initialDelayMs: 100, maxDelayMs: 1_000 } },
      time.internals,
    );
    const response = await transport.request({ method: 'POST', url: 'https://h/api' });
    expect(response.data).toEqual({ ok: true });
    expect(response.attempts).toBe(4);
    expect(time.sleeps).toEqual([50, 100, 200]);
  });

  it('stops at maxAttempts with the last error', async () => {
    const time = fakeTime();
    const { fetch, calls } = scriptedFetch([
      jsonResponse(429, { error_code: 'REQUEST_LIMIT_EXCEEDED', message: 'slow down' }),
      jsonResponse(429, { error_code: 'REQUEST_LIMIT_EXCEEDED', message: 'slow down' }),
    ]);
    const transport = createHttpTransport({ fetch, retry: { maxAttempts: 2 } }, time.internals);
    const error = await transport.request({ method: 'GET', url: 'https://h/api' }).catch((e) => e);
    expect(DatabricksApiError.isInstance(error)).toBe(true);
    expect(error.message).toContain('Rate limited after 2 attempts');
    expect(calls).toHaveLength(2);
  });

  it('never starts a wait that would exceed the total budget', async () => {
    const time = fakeTime();
    const { fetch, calls } = scriptedFetch([
      jsonResponse(503, {}, { 'retry-after': '10' }),
      jsonResponse(200, {}),
    ]);
    const transport = createHttpTransport(
      { fetch, retry: { totalTimeoutMs: 5_000, maxDelayMs: 60_000 } },
      time.internals,
    );
    const error = await transport.request({ method: 'GET', url: 'https://h/' }).catch((e) => e);
    expect(error.statusCode).toBe(503);
    expect(time.sleeps).toEqual([]);
    expect(calls).toHaveLength(1);
  });

  it('honours Retry-After, capped by maxDelayMs', async () => {
    const time = fakeTime();
    const { fetch } = scriptedFetch([
      jsonResponse(429, {}, { 'retry-after': '2' }),
      jsonResponse(429, {}, { 'retry-after': '120' }),
      jsonResponse(200, {}),
    ]);
    const transport = createHttpTransport({ fetch, retry: { maxDelayMs: 5_000 } }, time.internals);
    await transport.request({ method: 'GET', url: 'https://h/' });
    expect(time.sleeps).toEqual([2_000, 5_000]);
  });

  it('starts no retry once the transport is closed, and refuses new requests', async () => {
    const { fetch, calls } = scriptedFetch([jsonResponse(503, {}), jsonResponse(200, {})]);
    const transport = createHttpTransport(
      { fetch },
      {
        random: () => 0.5,
        now: () => 0,
        // The transport is closed while the request waits for its retry.
        sleep: async () => {
          await transport.close?.();
        },
      },
    );
    await expect(transport.request({ method: 'GET', url: 'https://h/' })).rejects.toMatchObject({
      statusCode: 503,
    });
    expect(calls).toHaveLength(1);
    const refused = await transport.request({ method: 'GET', url: 'https://h/' }).catch((e) => e);
    expect(DatabricksConnectionError.isInstance(refused)).toBe(true);
    expect(refused).toMatchObject({ code: 'CLIENT_CLOSED', retryable: false });
    expect(calls).toHaveLength(1);
  });

  it('does not retry when retry is false', async () => {
    const { fetch, calls } = scriptedFetch([jsonResponse(503, {})]);
    const transport = createHttpTransport({ fetch }, fakeTime().internals);
    await expect(
      transport.request({ method: 'GET', url: 'https://h/', retry: false }),
    ).rejects.toMatchObject({ statusCode: 503 });
    expect(calls).toHaveLength(1);
  });
});

describe('Retry-After parsing', () => {
  const now = Date.parse('2026-01-01T00:00:00Z');
  it.each([
    ['3', 3_000],
    ['0', 0],
    ['1.5', 1_500],
    ['Thu, 01 Jan 2026 00:00:10 GMT', 10_000],
    ['Wed, 31 Dec 2025 23:59:00 GMT', 0],
    ['soon', undefined],
    ['', undefined],
    [null, undefined],
  ])('%s → %s', (value, expected) => {
    expect(parseRetryAfter(value, now)).toBe(expected);
  });
});

describe('retry classification', () => {
  it.each([
    ['GET', 502, 2],
    ['GET', 504, 2],
    ['POST', 502, 1],
    ['POST', 504, 1],
    ['POST', 429, 2],
    ['POST', 503, 2],
    ['PATCH', 503, 2],
    ['PUT', 502, 2],
    ['GET', 500, 2],
    ['POST', 500, 1],
    ['GET', 501, 1],
    ['POST', 408, 2],
    ['GET', 400, 1],
  ] as const)('%s with HTTP %i → %i attempts', async (method, status, attempts) => {
    const { fetch, calls } = scriptedFetch([jsonResponse(status, {}), jsonResponse(200, {})]);
    const transport = createHttpTransport({ fetch }, fakeTime().internals);
    await transport.request({ method, url: 'https://h/' }).catch(() => undefined);
    expect(calls).toHaveLength(attempts);
  });

  it.each([
    ['safe', 500, 2],
    ['safe', 502, 2],
    ['unsafe', 502, 1],
    ['unsafe', 503, 2],
  ] as const)("a POST with replay: '%s' and HTTP %i → %i attempts", async (replay, status, n) => {
    const { fetch, calls } = scriptedFetch([jsonResponse(status, {}), jsonResponse(200, {})]);
    const transport = createHttpTransport({ fetch }, fakeTime().internals);
    await transport.request({ method: 'POST', url: 'https://h/', replay }).catch(() => undefined);
    expect(calls).toHaveLength(n);
  });

  it("a failed POST's error says whether a replay was allowed (retryable), for callers that retry in their own layer", async () => {
    const statuses = [500, 502];
    for (const replay of ['safe', 'unsafe'] as const) {
      for (const status of statuses) {
        const { fetch } = scriptedFetch([jsonResponse(status, {})]);
        const transport = createHttpTransport({ fetch }, fakeTime().internals);
        const error = await transport
          .request({ method: 'POST', url: 'https://h/', replay, retry: false })
          .catch((e: unknown) => e);
        expect(error).toMatchObject({ statusCode: status, retryable: replay === 'safe' });
      }
    }
    const { fetch } = scriptedFetch([fetchFailed('ECONNRESET')]);
    const transport = createHttpTransport({ fetch }, fakeTime().internals);
    const reset = await transport
      .request({ method: 'POST', url: 'https://h/', replay: 'safe', retry: false })
      .catch((e: unknown) => e);
    expect(reset).toMatchObject({ code: 'ECONNRESET', retryable: true });
  });

  it.each([
    ['GET', 'ECONNRESET', undefined, 2],
    ['POST', 'ECONNRESET', undefined, 1],
    ['POST', 'ECONNRESET', true, 2],
    ['GET', 'EPIPE', false, 1],
    ['POST', 'ECONNREFUSED', undefined, 2],
    ['POST', 'UND_ERR_SOCKET', undefined, 1],
    ['DELETE', 'UND_ERR_SOCKET', undefined, 2],
    ['GET', 'ENOTFOUND', undefined, 1],
  ] as const)(
    '%s with %s (deprecated idempotent=%s) → %i attempts',
    async (method, code, idempotent, n) => {
      const { fetch, calls } = scriptedFetch([fetchFailed(code), jsonResponse(200, {})]);
      const transport = createHttpTransport({ fetch }, fakeTime().internals);
      const result = await transport
        .request({ method, url: 'https://h/x', idempotent })
        .catch((e: unknown) => e);
      expect(calls).toHaveLength(n);
      if (n === 1) {
        expect(DatabricksConnectionError.isInstance(result)).toBe(true);
        expect((result as DatabricksConnectionError).code).toBe(code);
      }
    },
  );

  it('treats "other side closed" without a code as a socket error', async () => {
    const { fetch } = scriptedFetch([
      () => {
        throw new TypeError('fetch failed', { cause: new Error('other side closed') });
      },
    ]);
    const transport = createHttpTransport({ fetch }, fakeTime().internals);
    const error = await transport.request({ method: 'POST', url: 'https://h/x' }).catch((e) => e);
    expect(error.code).toBe('UND_ERR_SOCKET');
    expect(error.message).toContain("pass `replay: 'safe'` if it is");
  });

  it.each([
    ['POST', 'ECONNRESET', 'safe', 2],
    ['POST', 'UND_ERR_SOCKET', 'safe', 2],
    ['POST', 'ECONNRESET', 'unsafe', 1],
    ['GET', 'ECONNRESET', 'unsafe', 1],
    ['POST', 'ECONNREFUSED', 'unsafe', 2],
  ] as const)("%s with %s and replay: '%s' → %i attempts", async (method, code, replay, n) => {
    const { fetch, calls } = scriptedFetch([fetchFailed(code), jsonResponse(200, {})]);
    const transport = createHttpTransport({ fetch }, fakeTime().internals);
    await transport.request({ method, url: 'https://h/x', replay }).catch(() => undefined);
    expect(calls).toHaveLength(n);
  });
});

describe('request encoding', () => {
  it('repeats array query values and skips undefined/null', () => {
    const url = buildUrl('https://h/api?x=1', { a: [1, 'b'], b: undefined, c: null, d: false });
    expect(url.search).toBe('?x=1&a=1&a=b&d=false');
  });

  it('sends JSON, form and raw bodies with the right headers and a User-Agent', async () => {
    const { fetch, calls } = scriptedFetch([
      jsonResponse(200, {}),
      jsonResponse(200, {}),
      jsonResponse(200, {}),
    ]);
    const transport = createHttpTransport({ fetch, userAgent: 'pkg/1.0' });
    await transport.request({ method: 'POST', url: 'https://h/a', body: { k: [1] } });
    await transport.request({
      method: 'POST',
      url: 'https://h/b',
      body: new URLSearchParams({ grant_type: 'client_credentials' }),
    });
    await transport.request({
      method: 'PUT',
      url: 'https://h/c',
      body: 'raw',
      headers: { 'Content-Type': 'text/plain' },
    });
    const headers = calls.map((call) => new Headers(call.init.headers));
    expect(calls[0]?.init.body).toBe('{"k":[1]}');
    expect(headers[0]?.get('content-type')).toBe('application/json');
    expect(headers[0]?.get('accept')).toBe('application/json');
    expect(calls[1]?.init.body).toBe('grant_type=client_credentials');
    expect(headers[1]?.get('content-type')).toBe('application/x-www-form-urlencoded');
    expect(headers[2]?.get('content-type')).toBe('text/plain');
    expect(headers[0]?.get('user-agent')).toMatch(
      /^lakechain\/\S+ pkg\/1\.0 node\/\d+\.\d+\.\d+ os\/\w+$/,
    );
  });

  it('builds the user agent without products', () => {
    expect(buildUserAgent()).toMatch(/^lakechain\/\S+ node\/\S+ os\/\S+$/);
  });
});

describe('responses', () => {
  it('parses JSON, returns text otherwise, undefined for an empty JSON body', async () => {
    const { fetch } = scriptedFetch([
      jsonResponse(200, { a: 1 }, { 'x-databricks-request-id': 'rid' }),
      new Response('hello', { headers: { 'content-type': 'text/plain' } }),
      new Response(null, { status: 204, headers: { 'content-type': 'application/json' } }),
    ]);
    const transport = createHttpTransport({ fetch });
    const first = await transport.request({ method: 'GET', url: 'https://h/a' });
    expect(first).toMatchObject({ data: { a: 1 }, requestId: 'rid', attempts: 1, status: 200 });
    expect((await transport.request({ method: 'GET', url: 'https://h/b' })).data).toBe('hello');
    expect((await transport.request({ method: 'GET', url: 'https://h/c' })).data).toBeUndefined();
  });

  it('reports malformed JSON on a 2xx as INVALID_RESPONSE naming the path', async () => {
    const { fetch } = scriptedFetch([
      new Response('{"access_token":"secret-tok', {
        headers: { 'content-type': 'application/json' },
      }),
    ]);
    const transport = createHttpTransport({ fetch });
    const error = await transport
      .request({ method: 'POST', url: 'https://h/oidc/v1/token?x=1' })
      .catch((e) => e);
    expect(DatabricksApiError.isInstance(error)).toBe(true);
    expect(error.errorCode).toBe('INVALID_RESPONSE');
    expect(error.message).toContain('invalid JSON from POST /oidc/v1/token');
    expect(error.message).not.toContain('secret-tok');
  });

  it('returns after headers with the body unread when stream is set', async () => {
    const { fetch } = scriptedFetch([new Response('data: x\n\n', { status: 200 })]);
    const transport = createHttpTransport({ fetch });
    const response = await transport.request({ method: 'POST', url: 'https://h/s', stream: true });
    expect(response.data).toBeUndefined();
    expect(response.raw.bodyUsed).toBe(false);
    expect(await response.raw.text()).toBe('data: x\n\n');
  });

  it('still turns a streamed error status into a typed error', async () => {
    const { fetch } = scriptedFetch([jsonResponse(400, { error_code: 'BAD', message: 'nope' })]);
    const transport = createHttpTransport({ fetch });
    await expect(
      transport.request({ method: 'POST', url: 'https://h/s', stream: true }),
    ).rejects.toMatchObject({ statusCode: 400, errorCode: 'BAD' });
  });
});

describe('auth refresh', () => {
  it('asks for headers on every attempt and force-refreshes once after a 401', async () => {
    const { fetch, calls } = scriptedFetch([
      jsonResponse(503, {}),
      jsonResponse(401, { error_code: 'UNAUTHENTICATED', message: 'bad token' }),
      jsonResponse(200, { ok: 1 }),
    ]);
    const getAuthHeaders = vi.fn(async (options?: { forceRefresh?: boolean }) => ({
      Authorization: `Bearer ${options?.forceRefresh ? 'fresh' : 'stale'}-${getAuthHeaders.mock.calls.length}`,
    }));
    const transport = createHttpTransport({ fetch }, fakeTime().internals);
    const response = await transport.request({ method: 'POST', url: 'https://h/', getAuthHeaders });
    expect(response.attempts).toBe(3);
    expect(getAuthHeaders).toHaveBeenCalledTimes(3);
    expect(getAuthHeaders.mock.calls[2]?.[0]).toMatchObject({ forceRefresh: true });
    expect(calls.map((call) => new Headers(call.init.headers).get('authorization'))).toEqual([
      'Bearer stale-1',
      'Bearer stale-2',
      'Bearer fresh-3',
    ]);
  });

  it('refreshes only once, and only for a token-shaped 403', async () => {
    const { fetch, calls } = scriptedFetch([
      jsonResponse(403, { error_code: 'PERMISSION_DENIED', message: 'Invalid access token.' }),
      jsonResponse(403, { error_code: 'PERMISSION_DENIED', message: 'Invalid access token.' }),
    ]);
    const getAuthHeaders = vi.fn(async () => ({ Authorization: 'Bearer t' }));
    const transport = createHttpTransport({ fetch }, fakeTime().internals);
    const error = await transport
      .request({ method: 'GET', url: 'https://h/', getAuthHeaders })
      .catch((e) => e);
    expect(error.statusCode).toBe(403);
    expect(calls).toHaveLength(2);

    const plain = scriptedFetch([
      jsonResponse(403, { error_code: 'PERMISSION_DENIED', message: 'User lacks CAN_USE on x' }),
    ]);
    const other = createHttpTransport({ fetch: plain.fetch }, fakeTime().internals);
    await other
      .request({ method: 'GET', url: 'https://h/', getAuthHeaders })
      .catch(() => undefined);
    expect(plain.calls).toHaveLength(1);
  });
});

describe('cancellation', () => {
  it('rejects with the abort reason during a backoff sleep and does not retry', async () => {
    const { fetch, calls } = scriptedFetch([jsonResponse(503, {}), jsonResponse(200, {})]);
    const controller = new AbortController();
    // Abort once the transport waits before its retry (no wall-clock sleep in the test).
    let waiting!: () => void;
    const waitStarted = new Promise<void>((resolve) => {
      waiting = resolve;
    });
    const transport = createHttpTransport(
      { fetch, retry: { initialDelayMs: 60_000 } },
      {
        random: () => 0.99,
        sleep: (ms, signal) => {
          waiting();
          return abortableSleep(ms, signal);
        },
      },
    );
    const pending = transport.request({
      method: 'GET',
      url: 'https://h/',
      signal: controller.signal,
    });
    await waitStarted;
    controller.abort();
    const error = await pending.catch((e) => e);
    expect(error).toBeInstanceOf(DOMException);
    expect(error.name).toBe('AbortError');
    expect(calls).toHaveLength(1);
  });

  it('does not even start when already aborted', async () => {
    const { fetch, calls } = scriptedFetch([]);
    const transport = createHttpTransport({ fetch });
    const reason = new Error('stop');
    await expect(
      transport.request({ method: 'GET', url: 'https://h/', signal: AbortSignal.abort(reason) }),
    ).rejects.toBe(reason);
    expect(calls).toHaveLength(0);
  });
});

describe('secret redaction in error messages', () => {
  it('redacts a bearer token and form secrets echoed by the server', async () => {
    const { fetch } = scriptedFetch([
      jsonResponse(401, {
        error_code: 'UNAUTHENTICATED',
        message: 'Invalid token dapi-0123456789abcdef',
      }),
      jsonResponse(400, {
        error: 'invalid_client',
        error_description: 'secret s3cr3t-client-value rejected for basic pass-word-123',
      }),
    ]);
    const transport = createHttpTransport({ fetch });
    const first = await transport
      .request({
        method: 'GET',
        url: 'https://h/api',
        headers: { Authorization: 'Bearer dapi-0123456789abcdef' },
      })
      .catch((e) => e);
    expect(first.message).toContain('Invalid token [REDACTED]');
    const second = await transport
      .request({
        method: 'POST',
        url: 'https://h/oidc/v1/token',
        headers: { Authorization: `Basic ${btoa('client-id:pass-word-123')}` },
        body: new URLSearchParams({ grant_type: 'x', client_secret: 's3cr3t-client-value' }),
      })
      .catch((e) => e);
    expect(second.message).not.toContain('s3cr3t-client-value');
    expect(second.message).not.toContain('pass-word-123');
    expect(second.message).toContain('[invalid_client]');
  });
});
