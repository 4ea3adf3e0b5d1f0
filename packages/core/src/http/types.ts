/**
 * The HTTP contracts of core. There is exactly one retry/timeout/error-parsing layer in lakechain:
 * `HttpTransport` (implemented in `http/transport.ts`). `DatabricksClient` adds the workspace host
 * and auth headers on top of it; the OAuth token providers in `auth/` call the transport directly
 * (they produce the auth headers, so they cannot go through the client).
 */
import type { FetchFunction, GetAuthHeadersOptions } from '../types.js';
import type { ReplayClass } from './replay.js';

export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE' | 'HEAD';

export type QueryValue = string | number | boolean | undefined | null;

export interface RetryOptions {
  /** Total attempts including the first. Default 5. */
  maxAttempts?: number;
  /** First backoff delay in ms (doubled each attempt, with full jitter). Default 500. */
  initialDelayMs?: number;
  /** Cap on a single backoff delay (and on an honoured `Retry-After`). Default 30 000. */
  maxDelayMs?: number;
  /** Budget for all attempts and waits together. Default 120 000. */
  totalTimeoutMs?: number;
}

export interface HttpRequest {
  method: HttpMethod;
  /** Absolute URL. */
  url: string;
  query?: Record<string, QueryValue | QueryValue[]>;
  headers?: Record<string, string>;
  /**
   * Request body. Plain objects/arrays are sent as JSON (`Content-Type: application/json`);
   * `URLSearchParams` as a form; `string`/`Uint8Array` as is.
   */
  body?: unknown;
  signal?: AbortSignal;
  /** Per-attempt timeout in ms (connect + headers + body). Default 60 000. */
  timeoutMs?: number;
  /**
   * Whether executing the request twice is harmless (see `REPLAY_CLASS`): decides whether it is
   * retried after a failure that may have reached the server (a reset or timed-out connection,
   * HTTP 500, 502, 504). Defaults to `'safe'` for GET, HEAD, PUT and DELETE and `'unsafe'` for
   * POST and PATCH. Failures proving the request was not processed (a refused connection, 429,
   * 503, 408) are retried regardless. The thrown error's `retryable` says the same.
   */
  replay?: ReplayClass;
  /** @deprecated Use `replay`: `true` is `replay: 'safe'`, `false` is `replay: 'unsafe'`. */
  idempotent?: boolean;
  /** Override or disable (`false`) retries for this request. */
  retry?: RetryOptions | false;
  /**
   * Return the response as soon as headers arrive, with the body unread (for SSE and large
   * downloads). Error statuses are still turned into typed errors.
   */
  stream?: boolean;
  /**
   * Auth headers, asked for before EVERY attempt (so a token refreshed meanwhile is used on
   * retries) and merged over `headers`. After a 401, or a 403 saying the token is expired or
   * invalid, it is called once with `forceRefresh: true` and the request is replayed immediately
   * (not counted as a retry). `DatabricksClient` passes `config.getAuthHeaders` here.
   */
  getAuthHeaders?: (options: GetAuthHeadersOptions) => Promise<Record<string, string>>;
}

export interface HttpResponse<T = unknown> {
  status: number;
  headers: Headers;
  /** Parsed JSON (or text when the body is not JSON); `undefined` when `stream` was set. */
  data: T;
  /** The raw response; its body is unread only when `stream` was set. */
  raw: Response;
  /** The `x-request-id` / `x-databricks-request-id` header, when present. */
  requestId?: string;
  /** How many attempts were made (1 = no retry). */
  attempts: number;
}

export interface HttpTransportOptions {
  fetch?: FetchFunction;
  /** PEM bundle added to the trusted roots for every request. */
  caCert?: string;
  /** Extra `User-Agent` products, e.g. `@lakechain/databricks-llm/0.1.0`. */
  userAgent?: string;
  retry?: RetryOptions;
  timeoutMs?: number;
}

/** Sends one logical request, with retries, timeouts, cancellation and Databricks error parsing. */
export interface HttpTransport {
  request<T = unknown>(request: HttpRequest): Promise<HttpResponse<T>>;
  /**
   * Releases the transport's own connection pool (an undici `Agent`, made only for `caCert`)
   * once requests in flight have finished, and refuses new requests. Idempotent. Always present
   * on transports made by `createHttpTransport`.
   */
  close?(): Promise<void>;
}
