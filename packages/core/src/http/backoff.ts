/**
 * The backoff of every retry loop in lakechain: core's transport, and the few loops that
 * legitimately live outside it (mlflow-tracking's background export queue, databricks-sql's
 * statement retries; see "Retries" in docs/ARCHITECTURE.md). One delay formula with jitter, one
 * `Retry-After` parser and one cancellable sleep, so no package grows its own copy.
 */
import type { RetryOptions } from './types.js';

export const DEFAULT_RETRY: Required<RetryOptions> = {
  maxAttempts: 5,
  initialDelayMs: 500,
  maxDelayMs: 30_000,
  totalTimeoutMs: 120_000,
};

/** Waits `ms` or rejects with the abort reason as soon as `signal` aborts. */
export function abortableSleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) {
      reject(signal.reason);
      return;
    }
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal?.reason);
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

/**
 * Parses `Retry-After` (delta-seconds or an HTTP date) into milliseconds from `now`. Returns
 * `undefined` when absent or unparsable; a date in the past means "now" (0).
 */
export function parseRetryAfter(value: string | null | undefined, now: number): number | undefined {
  if (value == null) return undefined;
  const trimmed = value.trim();
  if (trimmed === '') return undefined;
  if (/^\d+(\.\d+)?$/.test(trimmed)) return Math.round(Number(trimmed) * 1000);
  const date = Date.parse(trimmed);
  if (Number.isNaN(date)) return undefined;
  return Math.max(0, date - now);
}

/**
 * Full-jitter exponential backoff: a uniform draw in [0, min(maxDelayMs, initialDelayMs * 2^retry)).
 * `retry` is 0 for the wait before the second attempt. Jitter spreads the retries of many clients
 * that failed together (a restarting server, a throttled workspace) instead of sending them back
 * in lockstep. Delays missing from `retryOptions` are core's defaults (500 ms, capped at 30 s).
 */
export function computeBackoffMs(
  retry: number,
  retryOptions: Pick<RetryOptions, 'initialDelayMs' | 'maxDelayMs'> = {},
  random: () => number = Math.random,
): number {
  const initialDelayMs = retryOptions.initialDelayMs ?? DEFAULT_RETRY.initialDelayMs;
  const maxDelayMs = retryOptions.maxDelayMs ?? DEFAULT_RETRY.maxDelayMs;
  const ceiling = Math.min(maxDelayMs, initialDelayMs * 2 ** Math.max(0, retry));
  return Math.floor(random() * ceiling);
}

/**
 * The wait before retry number `retry` (0-based) of a call that someone is waiting for: the
 * server's `Retry-After` when it sent one, capped at `maxDelayMs` so a caller never waits longer
 * than the policy allows, otherwise `computeBackoffMs`.
 */
export function retryDelayMs(
  retry: number,
  retryAfterMs: number | undefined,
  retryOptions: Pick<RetryOptions, 'initialDelayMs' | 'maxDelayMs'> = {},
  random: () => number = Math.random,
): number {
  if (retryAfterMs === undefined) return computeBackoffMs(retry, retryOptions, random);
  return Math.min(Math.max(0, retryAfterMs), retryOptions.maxDelayMs ?? DEFAULT_RETRY.maxDelayMs);
}

/** What a retry loop's caller says about one failure: stop (`false`), or retry after a wait. */
export type RetryDecision = false | { retryAfterMs?: number };

export interface RetryLoopOptions extends RetryOptions {
  /**
   * Called with every failure. Return `false` (or throw, which stops the loop with what was
   * thrown) to give up; return `{ retryAfterMs }` to retry after core's backoff, or after the
   * server's `Retry-After` when it sent one.
   */
  shouldRetry(error: unknown, retry: number): RetryDecision | Promise<RetryDecision>;
  /** Aborting stops the loop, during an attempt or a wait, with the signal's reason. */
  signal?: AbortSignal;
  /** Test seams (fake clock and random source); production code leaves them out. */
  random?: () => number;
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
  now?: () => number;
}

/**
 * Runs `attempt` until it succeeds, `shouldRetry` gives up, `maxAttempts` attempts have been
 * made, or the next wait would end past `totalTimeoutMs` from the start (the deadline: a retry
 * is never started that could not begin inside it). Waits are `retryDelayMs`: full jitter, or
 * the server's `Retry-After` capped at `maxDelayMs`. The last failure is what the caller sees.
 * For the retry loops outside the transport: databricks-llm's model caller and databricks-sql's
 * statement retry.
 */
export async function retryWithBackoff<T>(
  attempt: (attemptNumber: number) => Promise<T>,
  options: RetryLoopOptions,
): Promise<T> {
  const maxAttempts = Math.max(1, options.maxAttempts ?? DEFAULT_RETRY.maxAttempts);
  const totalTimeoutMs = options.totalTimeoutMs ?? DEFAULT_RETRY.totalTimeoutMs;
  const now = options.now ?? Date.now;
  const sleep = options.sleep ?? abortableSleep;
  const { signal } = options;
  const startedAt = now();
  for (let retry = 0; ; retry++) {
    signal?.throwIfAborted();
    try {
      return await attempt(retry + 1);
    } catch (error) {
      if (signal?.aborted) throw error;
      // Asked on the last failure too: a caller may throw a clearer error in its place.
      const decision = await options.shouldRetry(error, retry);
      if (decision === false || retry + 1 >= maxAttempts) throw error;
      const wait = retryDelayMs(retry, decision.retryAfterMs, options, options.random);
      if (now() - startedAt + wait > totalTimeoutMs) throw error;
      await sleep(wait, signal);
    }
  }
}
