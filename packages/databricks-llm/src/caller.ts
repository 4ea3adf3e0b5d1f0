/**
 * The retry layer of this package's models: LangChain's `AsyncCaller` (its concurrency queue,
 * `maxRetries`, `onFailedAttempt`, per-call `signal`), waiting with core's backoff and bounded by
 * a deadline. LangChain's own caller waits with p-retry's backoff (1 s doubling, no cap, no
 * overall deadline); a model's calls are the one kind of Databricks request retried outside
 * core's transport, so they get the same waits as every other retry loop in lakechain (see
 * "Retries" in docs/ARCHITECTURE.md). What may be retried is decided by `onFailedAttempt`
 * (`databricksFailedAttemptHandler` by default), which reads the `retryable` flag core's
 * transport set from the request's replay class.
 */
import { retryWithBackoff } from '@lakechain/core';
import {
  AsyncCaller,
  type AsyncCallerCallOptions,
  type AsyncCallerParams,
} from '@langchain/core/utils/async_caller';
import { databricksFailedAttemptHandler } from './errors.js';

/**
 * Retries a model call makes when `maxRetries` is not given: with full jitter from 500 ms (capped
 * at 30 s), ten retries ride out an outage of ten seconds or more (fewer would often give up
 * early: six fail about one call in six that starts as a 10-second outage begins), and the
 * deadline ends them long before they add up.
 */
export const DEFAULT_MODEL_MAX_RETRIES = 10;

/**
 * Retries are started only inside this budget from the first attempt (a retry that could not
 * begin before it is not started; an attempt in flight keeps its own per-attempt timeout).
 */
export const MODEL_RETRY_DEADLINE_MS = 120_000;

/** Core's backoff for model calls: full jitter from 500 ms, each wait at most 30 s. */
const MODEL_BACKOFF = { initialDelayMs: 500, maxDelayMs: 30_000 };

/** Test seams for the waits (fake clock and random source). @internal */
export interface CallerInternals {
  random?: () => number;
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
  now?: () => number;
}

function retryAfterOf(error: unknown): number | undefined {
  const value = (error as { retryAfterMs?: unknown } | null)?.retryAfterMs;
  return typeof value === 'number' && value >= 0 ? value : undefined;
}

/**
 * An `AsyncCaller` whose retries wait with core's backoff (full jitter, the server's
 * `Retry-After` when it sent one, capped at 30 s) and stop at `maxRetries` (default
 * `DEFAULT_MODEL_MAX_RETRIES`) or at the deadline (`MODEL_RETRY_DEADLINE_MS`), whichever comes
 * first. Each attempt takes a slot of LangChain's concurrency queue (`maxConcurrency`) and gives
 * it back while waiting. `onFailedAttempt` is called with every failure, as LangChain does:
 * throwing stops the retries with what it threw.
 */
export class DatabricksCaller extends AsyncCaller {
  readonly #decide: (error: unknown) => unknown;
  readonly #retries: number;
  readonly #internals: CallerInternals;

  constructor(params: AsyncCallerParams = {}, internals: CallerInternals = {}) {
    // The base class runs each attempt once (its queue, its error normalisation); this class
    // decides about retries.
    super({ maxConcurrency: params.maxConcurrency, maxRetries: 0, onFailedAttempt: () => {} });
    this.#decide = params.onFailedAttempt ?? databricksFailedAttemptHandler;
    this.#retries = params.maxRetries ?? DEFAULT_MODEL_MAX_RETRIES;
    this.maxRetries = this.#retries;
    this.#internals = internals;
  }

  // biome-ignore lint/suspicious/noExplicitAny: the base class's signature
  override call<A extends any[], T extends (...args: A) => Promise<any>>(
    callable: T,
    ...args: Parameters<T>
  ): Promise<Awaited<ReturnType<T>>> {
    return this.callWithOptions({}, callable, ...args);
  }

  // biome-ignore lint/suspicious/noExplicitAny: the base class's signature
  override callWithOptions<A extends any[], T extends (...args: A) => Promise<any>>(
    options: AsyncCallerCallOptions,
    callable: T,
    ...args: Parameters<T>
  ): Promise<Awaited<ReturnType<T>>> {
    const retries = options.maxRetries ?? this.#retries;
    const once = () =>
      super.callWithOptions({ signal: options.signal, maxRetries: 0 }, callable, ...args);
    return retryWithBackoff(once, {
      ...MODEL_BACKOFF,
      ...this.#internals,
      maxAttempts: retries + 1,
      totalTimeoutMs: MODEL_RETRY_DEADLINE_MS,
      signal: options.signal,
      shouldRetry: async (error) => {
        await this.#decide(error);
        return { retryAfterMs: retryAfterOf(error) };
      },
    });
  }
}
