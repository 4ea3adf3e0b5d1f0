/**
 * The one place this package talks HTTP: host and auth come from @lakechain/core (so OAuth tokens
 * refresh transparently mid-session), requests go through core's `DatabricksClient` with
 * `retry: false` (retries belong to the models' caller, `caller.ts`), endpoint metadata is
 * fetched once per endpoint and cached. Invocations are sent with core's replay class of a model
 * invocation (`'safe'`), so the errors core returns say `retryable` for resets and 5xx too.
 */
import type { DatabricksConfig, ReplayClass, WorkspaceAuthOptions } from '@lakechain/core';
import {
  DatabricksClient,
  DatabricksConfigError,
  mayReplay,
  REPLAY_CLASS,
  resolveConfig,
  workspaceAuthOptionsShape,
} from '@lakechain/core';
import { z } from 'zod';
import {
  closedError,
  DatabricksServingError,
  incompleteStream,
  malformedResponse,
  wrapServingError,
} from './errors.js';
import { readServingEvents, type StreamEvent } from './streaming.js';
import { USER_AGENT } from './version.js';

/** A request as core's `DatabricksClient` takes it (the subset used here). */
export interface ServingClientRequest {
  method: 'GET' | 'POST';
  path: string;
  body?: unknown;
  headers?: Record<string, string>;
  signal?: AbortSignal;
  timeoutMs?: number;
  /** Whether sending the request twice is harmless: core's `REPLAY_CLASS`. */
  replay?: ReplayClass;
  retry?: false;
}

/**
 * What this package needs from an HTTP client: core's `DatabricksClient` satisfies it. Tests and
 * advanced users may pass their own (`client` option), e.g. one shared by several models.
 */
export interface ServingHttpClient {
  request<T>(request: ServingClientRequest): Promise<T>;
  /** Resolves when response headers arrive (errors already turned into typed errors). */
  stream(request: ServingClientRequest): Promise<Response>;
}

/**
 * Workspace and auth options, resolved by @lakechain/core's unified auth chain (options, then
 * `DATABRICKS_*` environment variables, then `~/.databrickscfg` profiles, then the runtime).
 */
export interface DatabricksAuthOptions extends WorkspaceAuthOptions {
  /** A ready client (e.g. a `DatabricksClient` shared by several models). Wins over the rest. */
  client?: ServingHttpClient;
  /** Per-attempt HTTP timeout in ms for invocations (default 120 s; streams: until headers). */
  timeoutMs?: number;
  /** LangChain's standard name for `timeoutMs` (milliseconds per attempt). */
  timeout?: number;
}

/**
 * Generation can be slow: like MLflow's deployment client (MLFLOW_DEPLOYMENT_PREDICT_TIMEOUT),
 * allow 120 s per attempt for a JSON answer. For streams core applies it to the headers only.
 */
export const DEFAULT_INVOCATION_TIMEOUT_MS = 120_000;

/** Zod shape shared by every model's options validation. */
export const authOptionsShape = {
  ...workspaceAuthOptionsShape,
  client: z
    .custom<ServingHttpClient>(
      (v) =>
        typeof v === 'object' &&
        v !== null &&
        typeof (v as ServingHttpClient).request === 'function' &&
        typeof (v as ServingHttpClient).stream === 'function',
      'must have request() and stream()',
    )
    .optional(),
  timeoutMs: z.number().int().positive().optional(),
  timeout: z.number().int().positive().optional(),
};

/** The keys of `DatabricksAuthOptions` that go to core's `resolveConfig`. */
const CONFIG_KEYS = [
  'host',
  'token',
  'clientId',
  'clientSecret',
  'authType',
  'profile',
  'configFile',
  'caCert',
  'fetch',
  'tokenProvider',
  'env',
  'clusterId',
] as const;

/**
 * Picks the auth/workspace options out of a model's constructor fields (`timeout` becomes
 * `timeoutMs`; the models have already checked that the two agree).
 */
export function pickAuthOptions(fields: object): DatabricksAuthOptions & { clusterId?: string } {
  const record = fields as Record<string, unknown>;
  const picked: Record<string, unknown> = {};
  for (const key of [...CONFIG_KEYS, 'config', 'client', 'timeoutMs']) {
    if (record[key] !== undefined) picked[key] = record[key];
  }
  if (picked.timeoutMs === undefined && record.timeout !== undefined) {
    picked.timeoutMs = record.timeout;
  }
  return picked as DatabricksAuthOptions & { clusterId?: string };
}

/** A Databricks App and the client that reaches it. */
export interface AppTarget {
  name: string;
  /** The app's URL (its own host on Databricks), without a trailing slash. */
  url: string;
  client: ServingHttpClient;
}

/**
 * The workspace's credentials for an app's host. Core's client sends a config's credentials to
 * that config's host only; an app is a host of its own that takes the same OAuth token.
 */
function appConfig(config: DatabricksConfig, url: string): DatabricksConfig {
  const host = url.replace(/\/+$/, '');
  return {
    host,
    authType: config.authType,
    caCert: config.caCert,
    fetch: config.fetch,
    getAuthHeaders: (options) => config.getAuthHeaders(options),
    toJSON: () => ({ host, authType: config.authType }),
  };
}

/** Endpoint metadata from `GET /api/2.0/serving-endpoints/{name}` (the fields we use). */
export interface EndpointInfo {
  name: string;
  task?: string;
  endpointType?: string;
}

const endpointInfoSchema = z
  .object({
    name: z.string().optional(),
    task: z.string().nullish(),
    endpoint_type: z.string().nullish(),
  })
  .passthrough();

/**
 * Lazily resolves config and client once, then serves every call of one model instance.
 * Concurrent first calls share one resolution (so a cold OAuth cache costs one token request,
 * which core's credentials provider single-flights).
 *
 * The `DatabricksClient` made here (and, with `caCert`, the undici connection pool it owns) is
 * this connection's to release: `close()` does. A `client` passed in belongs to the caller and
 * is never closed here.
 */
export class ServingConnection {
  readonly #auth: DatabricksAuthOptions & { clusterId?: string };
  /** Who owns this connection, for the error after `close()` (e.g. `ChatDatabricks`). */
  readonly #owner: string;
  #client?: Promise<ServingHttpClient>;
  #config?: Promise<DatabricksConfig | undefined>;
  readonly #endpoints = new Map<string, Promise<EndpointInfo>>();
  /** Clients for Databricks Apps (their own hosts), by app name. */
  readonly #apps = new Map<string, Promise<AppTarget>>();
  #closed?: Promise<void>;

  constructor(auth: DatabricksAuthOptions & { clusterId?: string }, owner = 'This model') {
    this.#auth = pickAuthOptions(auth);
    this.#owner = owner;
  }

  /** True once `close()` has been called. */
  get closed(): boolean {
    return this.#closed !== undefined;
  }

  /**
   * Releases the HTTP client made for this connection (its connection pool, which exists when
   * `caCert` is set) and the config it resolved (the pool its OAuth token requests use). Requests
   * already in flight finish first; later calls fail with a `DatabricksServingError` of kind
   * `closed`. Idempotent.
   */
  close(): Promise<void> {
    if (!this.#closed) {
      const pending = this.#client;
      const apps = [...this.#apps.values()];
      // A config resolved here (not one passed in) owns the pool its token requests use.
      const resolvedHere = this.#auth.config || this.#auth.client ? undefined : this.#config;
      this.#client = undefined;
      this.#endpoints.clear();
      this.#apps.clear();
      this.#closed = (async () => {
        const client = await pending?.catch(() => undefined);
        if (client && client !== this.#auth.client) {
          await (client as ServingHttpClient & { close?: () => Promise<void> }).close?.();
        }
        for (const app of apps) {
          const target = await app.catch(() => undefined);
          await (target?.client as { close?: () => Promise<void> } | undefined)?.close?.();
        }
        const config = await resolvedHere?.catch(() => undefined);
        await config?.close?.();
      })();
    }
    return this.#closed;
  }

  /** `await using connection = new ServingConnection(...)` closes it at the end of the scope. */
  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }

  #assertOpen(label: string): void {
    if (this.#closed) throw closedError(this.#owner, label);
  }

  /** The resolved workspace config (undefined when only a `client` was given). */
  config(): Promise<DatabricksConfig | undefined> {
    if (this.#config) return this.#config;
    const { client, config, timeoutMs: _t, ...options } = this.#auth;
    // Core validates its own options; ours (client/config/timeoutMs) are removed above.
    let pending: Promise<DatabricksConfig | undefined>;
    if (config) pending = Promise.resolve(config);
    else if (client) pending = Promise.resolve(undefined);
    else {
      pending = resolveConfig(options);
      // A failed resolution (missing host...) must not be cached forever.
      pending.catch(() => {
        this.#config = undefined;
      });
    }
    this.#config = pending;
    return pending;
  }

  client(): Promise<ServingHttpClient> {
    if (this.#closed) return Promise.reject(closedError(this.#owner));
    if (this.#auth.client) return Promise.resolve(this.#auth.client);
    if (!this.#client) {
      const pending = this.config().then((config) => {
        if (!config) throw new Error('unreachable: no config and no client');
        return new DatabricksClient({
          config,
          fetch: this.#auth.fetch ?? config.fetch,
          userAgent: USER_AGENT,
          timeoutMs: this.#auth.timeoutMs,
        }) as ServingHttpClient;
      });
      pending.catch(() => {
        this.#client = undefined;
      });
      this.#client = pending;
    }
    return this.#client;
  }

  /**
   * POST JSON, answer JSON. Errors come back wrapped (status, error_code, endpoint). `client`
   * sends it elsewhere than the workspace (a Databricks App, see `app()`).
   */
  async postJson(
    label: string,
    path: string,
    body: unknown,
    signal?: AbortSignal,
    client?: ServingHttpClient,
  ): Promise<unknown> {
    this.#assertOpen(label);
    const target = client ?? (await this.client());
    try {
      return await target.request<unknown>({
        method: 'POST',
        path,
        body,
        signal,
        timeoutMs: this.#auth.timeoutMs ?? DEFAULT_INVOCATION_TIMEOUT_MS,
        replay: REPLAY_CLASS.modelInvocation,
        retry: false,
      });
    } catch (error) {
      throw wrapServingError(error, label);
    }
  }

  /** POST JSON, answer an SSE stream (the `Response`, body unread). */
  async postStream(
    label: string,
    path: string,
    body: unknown,
    signal?: AbortSignal,
    client?: ServingHttpClient,
  ): Promise<Response> {
    this.#assertOpen(label);
    const target = client ?? (await this.client());
    try {
      return await target.stream({
        method: 'POST',
        path,
        body,
        signal,
        headers: { Accept: 'text/event-stream' },
        timeoutMs: this.#auth.timeoutMs ?? DEFAULT_INVOCATION_TIMEOUT_MS,
        replay: REPLAY_CLASS.modelInvocation,
        retry: false,
      });
    } catch (error) {
      throw wrapServingError(error, label);
    }
  }

  /**
   * A Databricks App (an agent deployed with Databricks Apps): its URL from
   * `GET /api/2.0/apps/{name}`, and a client for that URL with this workspace's credentials.
   * Apps take OAuth tokens only (a personal access token is refused, as Databricks' own clients
   * refuse it), so the workspace's auth must be OAuth. One client per app, closed by `close()`.
   */
  app(name: string): Promise<AppTarget> {
    if (this.#closed) return Promise.reject(closedError(this.#owner, `apps/${name}`));
    let pending = this.#apps.get(name);
    if (!pending) {
      pending = (async () => {
        const config = await this.config();
        if (!config)
          throw new DatabricksConfigError(
            `Calling the app "${name}" needs the workspace's host and credentials (not only a \`client\`): pass host and OAuth credentials, or a config.`,
            { option: 'client' },
          );
        if (config.authType === 'pat')
          throw new DatabricksConfigError(
            `Databricks Apps accept OAuth tokens only, and this workspace is configured with a personal access token: use OAuth M2M (clientId and clientSecret, or DATABRICKS_CLIENT_ID / DATABRICKS_CLIENT_SECRET) or a user login (authType "databricks-cli" or "external-browser") to call the app "${name}".`,
            { option: 'authType' },
          );
        const workspace = await this.client();
        let raw: unknown;
        try {
          raw = await workspace.request<unknown>({
            method: 'GET',
            path: `/api/2.0/apps/${encodeURIComponent(name)}`,
            timeoutMs: this.#auth.timeoutMs,
            retry: false,
          });
        } catch (error) {
          throw wrapServingError(error, `apps/${name}`);
        }
        const url = (raw as { url?: unknown } | null)?.url;
        if (typeof url !== 'string' || url === '')
          throw malformedResponse(
            `apps/${name}`,
            'the app has no "url" yet: it is not deployed, or its compute is not running',
          );
        const client = new DatabricksClient({
          config: appConfig(config, url),
          fetch: this.#auth.fetch ?? config.fetch,
          userAgent: USER_AGENT,
          timeoutMs: this.#auth.timeoutMs,
        }) as ServingHttpClient;
        return { name, url: url.replace(/\/+$/, ''), client };
      })();
      this.#apps.set(name, pending);
      pending.catch(() => this.#apps.delete(name));
    }
    return pending;
  }

  /**
   * POSTs a streaming invocation and reads it up to its first token, as one step the model's
   * caller may replay: a stream that breaks before any output was received fails with a
   * retryable `stream_incomplete` error (a model invocation replays safely, and the caller has
   * been shown nothing). Then the events are handed out as they come; a break after the first
   * token is not replayed (the caller has part of the answer) and ends the iteration with a
   * `stream_incomplete` error whose `partialText` is the text received so far.
   */
  async startStream(
    label: string,
    path: string,
    body: unknown,
    options: {
      signal?: AbortSignal;
      isFinal?: (data: Record<string, unknown>) => boolean;
      /** Another client than the workspace's (an app's). */
      client?: ServingHttpClient;
    } = {},
  ): Promise<AsyncGenerator<StreamEvent>> {
    const response = await this.postStream(label, path, body, options.signal, options.client);
    const events = readServingEvents(response, label, options);
    const head: StreamEvent[] = [];
    try {
      for (;;) {
        const next = await events.next();
        if (next.done) break;
        head.push(next.value);
        if (carriesOutput(next.value.data)) break;
      }
    } catch (error) {
      if (DatabricksServingError.isInstance(error) && error.kind === 'stream_incomplete') {
        const retryable = mayReplay('interrupted', REPLAY_CLASS.modelInvocation);
        throw incompleteStream(label, error.cause, { retryable });
      }
      throw error;
    }
    return deliverStream(head, events, label);
  }

  invocationsPath(endpoint: string): string {
    return `/serving-endpoints/${encodeURIComponent(endpoint)}/invocations`;
  }

  /**
   * Endpoint metadata, fetched once per endpoint name (failures are not cached). The request is
   * shared by concurrent callers, so no caller's AbortSignal is attached to it.
   */
  describeEndpoint(endpoint: string): Promise<EndpointInfo> {
    if (this.#closed) return Promise.reject(closedError(this.#owner, endpoint));
    let pending = this.#endpoints.get(endpoint);
    if (!pending) {
      pending = (async () => {
        const client = await this.client();
        let raw: unknown;
        try {
          raw = await client.request<unknown>({
            method: 'GET',
            path: `/api/2.0/serving-endpoints/${encodeURIComponent(endpoint)}`,
            timeoutMs: this.#auth.timeoutMs,
            retry: false,
          });
        } catch (error) {
          throw wrapServingError(error, endpoint);
        }
        const parsed = endpointInfoSchema.safeParse(raw);
        if (!parsed.success)
          throw malformedResponse(endpoint, 'endpoint metadata is not an object');
        return {
          name: parsed.data.name ?? endpoint,
          task: parsed.data.task ?? undefined,
          endpointType: parsed.data.endpoint_type ?? undefined,
        };
      })();
      this.#endpoints.set(endpoint, pending);
      pending.catch(() => this.#endpoints.delete(endpoint));
    }
    return pending;
  }
}

/** The text of one streamed event: chat deltas, completions, Responses API text deltas. */
export function streamedText(data: Record<string, unknown>): string {
  if (typeof data.delta === 'string' && String(data.type ?? '').endsWith('output_text.delta')) {
    return data.delta;
  }
  const choice = (Array.isArray(data.choices) ? data.choices[0] : undefined) as
    | Record<string, unknown>
    | undefined;
  if (!choice) return '';
  if (typeof choice.text === 'string') return choice.text;
  const message = (choice.delta ?? choice.message) as { content?: unknown } | undefined;
  const content = message?.content;
  if (typeof content === 'string') return content;
  if (!Array.isArray(content)) return '';
  return content
    .map((part: { type?: unknown; text?: unknown }) =>
      part?.type === 'text' && typeof part.text === 'string' ? part.text : '',
    )
    .join('');
}

/** Whether an event is output a caller would see: text or a tool call, not a bare role. */
function carriesOutput(data: Record<string, unknown>): boolean {
  if (streamedText(data) !== '') return true;
  const choice = (Array.isArray(data.choices) ? data.choices[0] : undefined) as
    | { delta?: { tool_calls?: unknown }; message?: { tool_calls?: unknown } }
    | undefined;
  const calls = choice?.delta?.tool_calls ?? choice?.message?.tool_calls;
  return Array.isArray(calls) && calls.length > 0;
}

/**
 * Hands out the events read ahead, then the rest, keeping the text handed out so that a break
 * can say what was received. Closing early (a `break` in the consumer) releases the body.
 */
async function* deliverStream(
  head: StreamEvent[],
  events: AsyncGenerator<StreamEvent>,
  label: string,
): AsyncGenerator<StreamEvent> {
  let received = '';
  try {
    for (const event of head) {
      received += streamedText(event.data);
      yield event;
    }
    for (;;) {
      let next: IteratorResult<StreamEvent>;
      try {
        next = await events.next();
      } catch (error) {
        if (DatabricksServingError.isInstance(error) && error.kind === 'stream_incomplete') {
          throw incompleteStream(label, error.cause, { partialText: received });
        }
        throw error;
      }
      if (next.done) return;
      received += streamedText(next.value.data);
      yield next.value;
    }
  } finally {
    await events.return(undefined);
  }
}
