/**
 * The export queue's retry waits, on fake timers: core's jittered backoff, bounded by its cap,
 * with the server's Retry-After as a floor. The server is a scripted fetch answering in MLflow's
 * REST error format; nothing waits in real time.
 */
import type { FetchFunction } from '@lakechain/core';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { TraceExporter } from './exporter.js';
import type { FinishedTrace } from './spans.js';
import { MlflowTracer } from './tracer.js';

/** A finished trace, made by the tracer's own (synchronous) callbacks. */
function finishedTrace(): FinishedTrace {
  let captured: FinishedTrace | undefined;
  const sink = {
    enqueue: (trace: FinishedTrace) => (captured = trace),
  } as unknown as TraceExporter;
  const tracer = new MlflowTracer({ exporter: sink });
  tracer.handleChainStart({ lc: 1, type: 'not_implemented', id: ['Chain'] }, { q: 'hi' }, 'run-1');
  tracer.handleChainEnd({ answer: 'hello' }, 'run-1');
  if (!captured) throw new Error('the tracer finished no trace');
  return captured;
}

/** StartTraceV3 always refused with `status` (MLflow's error body), counting the attempts. */
function refusingServer(status: number, headers: Record<string, string> = {}) {
  const attempts: number[] = [];
  const fetch = (async () => {
    attempts.push(Date.now());
    return new Response(
      JSON.stringify({ error_code: 'TEMPORARILY_UNAVAILABLE', message: 'try again later' }),
      { status, headers: { 'content-type': 'application/json', ...headers } },
    );
  }) as unknown as FetchFunction;
  return { fetch, attempts };
}

function exporterFor(fetch: FetchFunction, warnings: string[] = []) {
  return new TraceExporter({
    trackingUri: 'http://127.0.0.1:5000',
    experimentId: '1',
    spanTransport: 'artifact',
    fetch,
    flushIntervalMs: 0,
    retryWindowMs: 3_600_000,
    flushOnExit: false,
    warn: (message) => warnings.push(message),
  });
}

describe('TraceExporter retry waits (fake timers)', () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
    vi.restoreAllMocks();
  });

  it('waits a jittered delay below the doubling ceiling: 1 s, 2 s, 4 s ... times the random draw', async () => {
    vi.spyOn(Math, 'random').mockReturnValue(0.25);
    const server = refusingServer(503);
    const exporter = exporterFor(server.fetch);
    exporter.enqueue(finishedTrace());
    await vi.advanceTimersByTimeAsync(0);
    expect(server.attempts).toHaveLength(1);

    // Without jitter the waits would be 1000, 2000, 4000 ms.
    for (const [expectedWait, attemptsAfter] of [
      [250, 2],
      [500, 3],
      [1_000, 4],
    ] as const) {
      await vi.advanceTimersByTimeAsync(expectedWait - 1);
      expect(server.attempts).toHaveLength(attemptsAfter - 1);
      await vi.advanceTimersByTimeAsync(1);
      expect(server.attempts).toHaveLength(attemptsAfter);
    }
    expect(exporter.stats).toMatchObject({ exported: 0, dropped: 0, queued: 1 });
    await exporter.close();
  });

  it('never waits longer than the 15 s cap, however many attempts failed', async () => {
    vi.spyOn(Math, 'random').mockReturnValue(0.999_999);
    const server = refusingServer(503);
    const exporter = exporterFor(server.fetch);
    exporter.enqueue(finishedTrace());
    await vi.advanceTimersByTimeAsync(0);
    await vi.advanceTimersByTimeAsync(120_000);
    const gaps = server.attempts.slice(1).map((at, index) => at - (server.attempts[index] ?? 0));
    // The ceiling doubles until it reaches the cap: 999, 1999, 3999, 7999, then 14999 ms.
    expect(gaps.slice(0, 5)).toEqual([999, 1_999, 3_999, 7_999, 14_999]);
    expect(gaps.length).toBeGreaterThan(8);
    expect(new Set(gaps.slice(4))).toEqual(new Set([14_999]));
    await exporter.close();
  });

  it("takes the server's Retry-After as a floor: nobody waits on a background export", async () => {
    vi.spyOn(Math, 'random').mockReturnValue(0.5);
    const server = refusingServer(429, { 'retry-after': '20' });
    const exporter = exporterFor(server.fetch);
    exporter.enqueue(finishedTrace());
    await vi.advanceTimersByTimeAsync(0);
    await vi.advanceTimersByTimeAsync(19_999);
    expect(server.attempts).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(1);
    expect(server.attempts).toHaveLength(2);
    await exporter.close();
  });

  it('close() tries once more at once, then drops what the server still refuses, with one warning', async () => {
    vi.spyOn(Math, 'random').mockReturnValue(0.5);
    const server = refusingServer(503);
    const warnings: string[] = [];
    const exporter = exporterFor(server.fetch, warnings);
    exporter.enqueue(finishedTrace());
    await vi.advanceTimersByTimeAsync(0);
    expect(server.attempts).toHaveLength(1);
    await exporter.close();
    expect(server.attempts).toHaveLength(2);
    expect(exporter.stats).toEqual({ exported: 0, dropped: 1, queued: 0 });
    expect(warnings).toHaveLength(1);
    expect(vi.getTimerCount()).toBe(0);
    exporter.enqueue(finishedTrace());
    expect(exporter.stats.dropped).toBe(2);
    expect(server.attempts).toHaveLength(2);
  });
});
