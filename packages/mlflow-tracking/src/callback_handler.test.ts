/**
 * The handler's send timer, on fake timers: it exists only while something is unsent, and after
 * failed sends it backs off with core's jittered backoff. The server is a scripted fetch in
 * MLflow's REST format; nothing waits in real time.
 */
import type { FetchFunction } from '@lakechain/core';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { MlflowCallbackHandler } from './callback_handler.js';

/** Refuses every request with 503 until `recover()`; then answers like an MLflow server. */
function flakyServer() {
  const requests: { at: number; path: string }[] = [];
  let healthy = false;
  const json = (status: number, body: unknown) =>
    new Response(JSON.stringify(body), {
      status,
      headers: { 'content-type': 'application/json' },
    });
  const fetch = (async (url: string | URL | Request) => {
    const path = new URL(String(url)).pathname;
    requests.push({ at: Date.now(), path });
    if (!healthy) return json(503, { error_code: 'TEMPORARILY_UNAVAILABLE', message: 'down' });
    if (path.endsWith('/runs/create')) {
      return json(200, {
        run: {
          info: {
            run_id: 'r1',
            experiment_id: '1',
            status: 'RUNNING',
            artifact_uri: 'mlflow-artifacts:/1/r1/artifacts',
          },
          data: {},
        },
      });
    }
    return json(200, {});
  }) as unknown as FetchFunction;
  return {
    fetch,
    requests,
    recover: () => {
      healthy = true;
    },
  };
}

function handlerFor(fetch: FetchFunction) {
  return new MlflowCallbackHandler({
    trackingUri: 'http://127.0.0.1:5000',
    experimentId: '1',
    env: {},
    fetch,
    // One attempt per request: what is measured here is the handler's own timer.
    retry: { maxAttempts: 1 },
    flushIntervalMs: 1_000,
    warn: () => {},
  });
}

const chainStart = (handler: MlflowCallbackHandler, runId: string) =>
  handler.handleChainStart({ lc: 1, type: 'not_implemented', id: ['Chain'] }, { q: 1 }, runId);

describe('MlflowCallbackHandler send timer (fake timers)', () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
    vi.restoreAllMocks();
  });

  it('holds a timer only while something is unsent', async () => {
    const server = flakyServer();
    server.recover();
    const handler = handlerFor(server.fetch);
    expect(vi.getTimerCount()).toBe(0);
    chainStart(handler, 'a');
    expect(vi.getTimerCount()).toBe(1);
    await vi.advanceTimersByTimeAsync(1_000);
    expect(server.requests.map((request) => request.path)).toContain(
      '/api/2.0/mlflow/runs/log-batch',
    );
    expect(handler.hasPendingWork()).toBe(false);
    expect(vi.getTimerCount()).toBe(0);
    await handler.close();
  });

  it('backs off with jitter after failed sends, and resets once a send succeeds', async () => {
    vi.spyOn(Math, 'random').mockReturnValue(0.5);
    const server = flakyServer();
    const handler = handlerFor(server.fetch);
    chainStart(handler, 'a');
    await vi.advanceTimersByTimeAsync(1_000);
    expect(server.requests).toHaveLength(1);

    // Interval + a jittered draw below interval * 2^(failures - 1): 1000 + 500, then 1000 + 1000.
    for (const [wait, total] of [
      [1_500, 2],
      [2_000, 3],
      [3_000, 4],
    ] as const) {
      await vi.advanceTimersByTimeAsync(wait - 1);
      expect(server.requests).toHaveLength(total - 1);
      await vi.advanceTimersByTimeAsync(1);
      expect(server.requests).toHaveLength(total);
    }
    expect(handler.hasPendingWork()).toBe(true);

    server.recover();
    await vi.advanceTimersByTimeAsync(5_000);
    expect(handler.hasPendingWork()).toBe(false);
    const sent = server.requests.length;
    // After a success, new data goes out one plain interval later.
    chainStart(handler, 'b');
    await vi.advanceTimersByTimeAsync(999);
    expect(server.requests).toHaveLength(sent);
    await vi.advanceTimersByTimeAsync(1);
    expect(server.requests.length).toBeGreaterThan(sent);
    await handler.close();
  });

  it('never waits more than a minute beyond the interval', async () => {
    vi.spyOn(Math, 'random').mockReturnValue(0.999_999);
    const server = flakyServer();
    const handler = handlerFor(server.fetch);
    chainStart(handler, 'a');
    await vi.advanceTimersByTimeAsync(10 * 61_000);
    const gaps = server.requests.slice(1).map((request, index) => {
      return request.at - (server.requests[index]?.at ?? 0);
    });
    expect(gaps.length).toBeGreaterThan(8);
    expect(Math.max(...gaps)).toBe(1_000 + 59_999);
    await handler.close();
  });
});
