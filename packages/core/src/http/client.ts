/**
 * `DatabricksClient`: the workspace host and auth headers on top of the one HTTP transport. All
 * retry, timeout and error-parsing behaviour lives in `transport.ts`; this class only resolves
 * paths against the host and wires `config.getAuthHeaders` into every attempt.
 */
import { DatabricksConfigError } from '../errors.js';
import type { DatabricksConfig, FetchFunction } from '../types.js';
import type { ReplayClass } from './replay.js';
import { parseSseStream, type SseEvent } from './sse.js';
import { buildUserAgent, createHttpTransport, type HttpTransportInternals } from './transport.js';
import type { HttpMethod, HttpResponse, HttpTransport, QueryValue, RetryOptions } from './types.js';

export interface DatabricksClientOptions {
  config: DatabricksConfig;
  /** Overrides `config.fetch`. When a fetch is injected it owns TLS, so `config.caCert` is unused. */
  fetch?: FetchFunction;
  /** Extra `User-Agent` products, e.g. `@lakechain/databricks-llm/0.1.0`. */
  userAgent?: string;
  retry?: RetryOptions;
  /** Default per-attempt timeout in ms. */
  timeoutMs?: number;
}

export interface DatabricksRequest {
  method: HttpMethod;
  /** Workspace-relative path such as `/api/2.0/clusters/list` (or an absolute URL on the host). */
  path: string;
  query?: Record<string, QueryValue | QueryValue[]>;
  body?: unknown;
  headers?: Record<string, string>;
  signal?: AbortSignal;
  timeoutMs?: number;
  /** Whether executing the request twice is harmless (see `HttpRequest.replay`). */
  replay?: ReplayClass;
  /** @deprecated Use `replay`. */
  idempotent?: boolean;
  retry?: RetryOptions | false;
}

const inspectSymbol = Symbol.for('nodejs.util.inspect.custom');

/**
 * Talks to one Databricks workspace.
 *
 * @example
 * ```ts
 * const client = new DatabricksClient({ config });
 * const { clusters } = await client.request<{ clusters: unknown[] }>({
 *   method: 'GET',
 *   path: '/api/2.1/clusters/list',
 * });
 * ```
 */
export class DatabricksClient {
  readonly host: string;
  readonly userAgent: string;
  // ES private fields: invisible to `util.inspect`, `JSON.stringify` and `Object.keys`, so the
  // config (which can mint tokens) never ends up in logs.
  readonly #config: DatabricksConfig;
  readonly #transport: HttpTransport;
  readonly #origin: string;

  constructor(options: DatabricksClientOptions, internals?: HttpTransportInternals) {
    const { config } = options;
    this.#config = config;
    this.host = config.host.replace(/\/+$/, '');
    this.#origin = new URL(this.host).origin;
    this.userAgent = buildUserAgent(options.userAgent);
    this.#transport = createHttpTransport(
      {
        fetch: options.fetch ?? config.fetch,
        caCert: config.caCert,
        userAgent: options.userAgent,
        retry: options.retry,
        timeoutMs: options.timeoutMs,
      },
      internals,
    );
  }

  /** Sends a request and returns the parsed JSON body (or text, or `undefined` when empty). */
  async request<T = unknown>(request: DatabricksRequest): Promise<T> {
    const response = await this.requestRaw<T>(request);
    return response.data;
  }

  /** Like `request`, with status, headers, request id and attempt count. */
  requestRaw<T = unknown>(request: DatabricksRequest): Promise<HttpResponse<T>> {
    return this.#send<T>(request, false);
  }

  /** Returns as soon as headers arrive, body unread (for downloads and streaming endpoints). */
  async stream(request: DatabricksRequest): Promise<Response> {
    const response = await this.#send<undefined>(request, true);
    return response.raw;
  }

  /**
   * Streams server-sent events. `[DONE]` data is yielded like any other event. Aborting
   * `request.signal` ends the iteration with the abort reason and cancels the body.
   */
  async *streamEvents(request: DatabricksRequest): AsyncGenerator<SseEvent, void, undefined> {
    const response = await this.stream({
      ...request,
      headers: { Accept: 'text/event-stream', ...request.headers },
    });
    if (!response.body) return;
    yield* parseSseStream(response.body, request.signal);
  }

  /**
   * Releases the connection pool created for `caCert`, if any, once requests in flight finish;
   * later requests fail with a `DatabricksConnectionError` (code `CLIENT_CLOSED`). Idempotent.
   * The config is not closed: it may serve other clients (see `DatabricksConfig.close`).
   */
  async close(): Promise<void> {
    await this.#transport.close?.();
  }

  /** `await using client = new DatabricksClient(...)` closes it at the end of the scope. */
  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }

  toJSON(): { host: string; userAgent: string } {
    return { host: this.host, userAgent: this.userAgent };
  }

  [inspectSymbol](): string {
    return `DatabricksClient { host: '${this.host}', userAgent: '${this.userAgent}' }`;
  }

  #send<T>(request: DatabricksRequest, stream: boolean): Promise<HttpResponse<T>> {
    const url = this.#resolve(request.path);
    const config = this.#config;
    return this.#transport.request<T>({
      method: request.method,
      url,
      query: request.query,
      body: request.body,
      headers: request.headers,
      signal: request.signal,
      timeoutMs: request.timeoutMs,
      replay: request.replay,
      idempotent: request.idempotent,
      retry: request.retry,
      stream,
      getAuthHeaders: (authOptions) => config.getAuthHeaders(authOptions),
    });
  }

  #resolve(path: string): string {
    if (/^[a-z][a-z\d+.-]*:/i.test(path)) {
      // Credentials are attached to every request, so never follow a path to another origin.
      let target: URL;
      try {
        target = new URL(path);
      } catch {
        throw new DatabricksConfigError(`Invalid request URL "${path}".`, { option: 'path' });
      }
      if (target.origin !== this.#origin) {
        throw new DatabricksConfigError(
          `Refusing to send a workspace request to ${target.origin}: DatabricksClient only talks ` +
            `to ${this.#origin}. Pass a path such as "/api/2.0/...".`,
          { option: 'path' },
        );
      }
      return target.toString();
    }
    return `${this.host}${path.startsWith('/') ? '' : '/'}${path}`;
  }
}
