/**
 * Driving vitest's fake timers while real I/O (a loopback server) is in flight: each step lets
 * the event loop poll for I/O once (`setImmediate` stays real: only `setTimeout` and
 * `clearTimeout` are faked), then moves the fake clock by `stepMs`. Backoff waits of seconds pass
 * in milliseconds of real time, and a request in flight sees only a few steps of fake time, far
 * below any per-attempt timeout the tests set.
 */
import { vi } from 'vitest';

export function useFakeTimeouts(): void {
  vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
}

/** Steps fake time until `promise` settles; resolves to its outcome (value or error). */
export async function settleWithFakeTime<T>(
  promise: Promise<T>,
  stepMs = 250,
): Promise<{ value?: T; error?: unknown }> {
  let outcome: { value?: T; error?: unknown } | undefined;
  promise.then(
    (value) => {
      outcome = { value };
    },
    (error: unknown) => {
      outcome = { error };
    },
  );
  while (!outcome) {
    await new Promise((resolve) => setImmediate(resolve));
    await vi.advanceTimersByTimeAsync(stepMs);
  }
  return outcome;
}

/** Steps fake time until `condition()` holds (e.g. the server saw a request). */
export async function stepUntil(condition: () => boolean, stepMs = 0): Promise<void> {
  while (!condition()) {
    await new Promise((resolve) => setImmediate(resolve));
    if (stepMs > 0) await vi.advanceTimersByTimeAsync(stepMs);
  }
}
