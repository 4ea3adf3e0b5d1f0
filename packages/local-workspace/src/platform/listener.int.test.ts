/**
 * What the listener does for every service (shown on the serving routes): authentication,
 * unknown routes, fault injection.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { endpoints } from '../services/serving/testing_endpoints.js';
import { createFaultInjector } from './faults.js';
import {
  json,
  jsonEvents,
  readSse,
  startRestServer,
  TEST_PAT,
  type TestRestServer,
} from './testing_server.js';
import { createTokenRegistry } from './tokens.js';

let server: TestRestServer;
afterEach(async () => {
  await server?.close();
});

describe('routing', () => {
  it('answers 404 ENDPOINT_NOT_FOUND for a path no service serves', async () => {
    server = await startRestServer();
    const response = await server.call('/api/2.0/clusters/list');
    expect(response.status).toBe(404);
    expect((await json(response)).error_code).toBe('ENDPOINT_NOT_FOUND');
  });
});

describe('authentication', () => {
  it('answers 401 without a bearer token and 403 for an unknown one', async () => {
    server = await startRestServer({ servingEndpoints: endpoints });
    const none = await fetch(`${server.base}/api/2.0/serving-endpoints`);
    expect(none.status).toBe(401);
    expect(await json(none)).toEqual({
      error_code: '401',
      message: 'Credential was not sent or was of an unsupported type for this API.',
    });
    const wrong = await server.call('/api/2.0/serving-endpoints', {
      headers: { authorization: 'Bearer dapi-wrong' },
    });
    expect(wrong.status).toBe(403);
    expect(await json(wrong)).toEqual({ error_code: '403', message: 'Invalid access token.' });
    expect(server.rest.serving.requests()).toHaveLength(0);
  });

  it('rejects an expired OAuth token with 403 (or 401 when configured)', async () => {
    let clock = 1_000_000;
    const tokens = createTokenRegistry({ personalAccessTokens: [TEST_PAT], now: () => clock });
    server = await startRestServer({ servingEndpoints: endpoints, tokens });
    const { token } = tokens.issue('sp', 60);
    const auth = { authorization: `Bearer ${token}` };
    expect((await server.call('/api/2.0/serving-endpoints', { headers: auth })).status).toBe(200);
    clock += 61_000;
    const expired = await server.call('/api/2.0/serving-endpoints', { headers: auth });
    expect(expired.status).toBe(403);
    expect((await json(expired)).message).toBe('Invalid access token.');
    await server.close();

    server = await startRestServer({ tokens, expiredTokenStatus: 401 });
    expect((await server.call('/api/2.0/serving-endpoints', { headers: auth })).status).toBe(401);
  });

  it('can reject tokens that expire within a skew, like Azure Databricks', async () => {
    let clock = 0;
    const tokens = createTokenRegistry({
      personalAccessTokens: [],
      now: () => clock,
      expirySkewSeconds: 30,
    });
    server = await startRestServer({ tokens });
    const { token } = tokens.issue('sp', 60);
    const auth = { authorization: `Bearer ${token}` };
    clock = 29_000;
    expect((await server.call('/api/2.0/serving-endpoints', { headers: auth })).status).toBe(200);
    clock = 31_000;
    expect((await server.call('/api/2.0/serving-endpoints', { headers: auth })).status).toBe(403);
  });
});

describe('faults', () => {
  const chatRequest = { messages: [{ role: 'user', content: 'Hi' }] };

  it('answers 429 with Retry-After, then recovers after `times`', async () => {
    const faults = createFaultInjector({
      rules: [{ route: 'serving-invocations', rate429: 1, retryAfterSeconds: 3, times: 2 }],
    });
    server = await startRestServer({ servingEndpoints: endpoints, faults });
    for (let i = 0; i < 2; i++) {
      const limited = await server.post('/serving-endpoints/chat/invocations', chatRequest);
      expect(limited.status).toBe(429);
      expect(limited.headers.get('retry-after')).toBe('3');
      expect((await json(limited)).error_code).toBe('REQUEST_LIMIT_EXCEEDED');
    }
    expect((await server.post('/serving-endpoints/chat/invocations', chatRequest)).status).toBe(
      200,
    );
    expect(faults.counts()['serving-invocations']).toBe(3);
    // The listing route is another route: untouched.
    expect((await server.call('/api/2.0/serving-endpoints')).status).toBe(200);
  });

  it('answers 503 TEMPORARILY_UNAVAILABLE, also on the token endpoint', async () => {
    const faults = createFaultInjector({ rules: [{ route: 'oauth-token', rate503: 1 }] });
    server = await startRestServer({ faults });
    const response = await fetch(`${server.base}/oidc/v1/token`, {
      method: 'POST',
      body: 'grant_type=client_credentials',
    });
    expect(response.status).toBe(503);
    expect((await json(response)).error_code).toBe('TEMPORARILY_UNAVAILABLE');
  });

  it('resets the connection', async () => {
    const faults = createFaultInjector({ rules: [{ route: '/serving-endpoints/', resetRate: 1 }] });
    server = await startRestServer({ servingEndpoints: endpoints, faults });
    await expect(server.post('/serving-endpoints/chat/invocations', chatRequest)).rejects.toThrow();
  });

  it('cuts a stream halfway: the client sees an incomplete stream', async () => {
    const faults = createFaultInjector();
    server = await startRestServer({ servingEndpoints: endpoints, faults });
    const request = { ...chatRequest, stream: true };
    const full = jsonEvents(
      await readSse(await server.post('/serving-endpoints/weather/invocations', request)),
    );
    faults.setRules([{ route: 'serving-invocations', cutStreamRate: 1, times: 1 }]);
    const cut = await server.post('/serving-endpoints/weather/invocations', request);
    expect(cut.status).toBe(200);
    const events: string[] = [];
    await expect(
      (async () => {
        const { createParser } = await import('eventsource-parser');
        const parser = createParser({ onEvent: (event) => events.push(event.data) });
        const reader = cut.body!.getReader();
        const decoder = new TextDecoder();
        for (;;) {
          const { done, value } = await reader.read();
          if (done) break;
          parser.feed(decoder.decode(value, { stream: true }));
        }
      })(),
    ).rejects.toThrow();
    expect(events).not.toContain('[DONE]');
    expect(full.length).toBeGreaterThan(0);
    expect(events.length).toBeGreaterThan(0);
    expect(events.length).toBeLessThan(full.length);
    // times: 1, so the next stream is whole again.
    const again = await readSse(
      await server.post('/serving-endpoints/weather/invocations', request),
    );
    expect(again.at(-1)).toBe('[DONE]');
  });

  it('adds latency', async () => {
    const faults = createFaultInjector({ rules: [{ route: 'serving-endpoints', latencyMs: 120 }] });
    server = await startRestServer({ servingEndpoints: endpoints, faults });
    const started = performance.now();
    expect((await server.call('/api/2.0/serving-endpoints')).status).toBe(200);
    expect(performance.now() - started).toBeGreaterThanOrEqual(100);
  });
});
