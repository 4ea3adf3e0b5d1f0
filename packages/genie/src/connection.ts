/**
 * The one door to the network for this package: host and credentials come from @lakechain/core's
 * unified auth chain and every request goes through core's `DatabricksClient`, so retries (429 and
 * 503 with `Retry-After`, resets on reads), timeouts and error parsing live in core's transport.
 */
import type {
  DatabricksConfig,
  DatabricksConfigOptions,
  HttpMethod,
  QueryValue,
  RetryOptions,
} from '@lakechain/core';
import { DatabricksClient, DatabricksConfigError, resolveConfig } from '@lakechain/core';
import { z } from 'zod';
import { USER_AGENT } from './version.js';

/** A request as core's `DatabricksClient.request` takes it (the subset used here). */
export interface GenieClientRequest {
  method: HttpMethod;
  path: string;
  query?: Record<string, QueryValue | QueryValue[]>;
  body?: unknown;
  signal?: AbortSignal;
  timeoutMs?: number;
  retry?: RetryOptions | false;
}

/**
 * What this package needs from an HTTP client: core's `DatabricksClient` satisfies it, so one
 * client (one connection pool, one token cache) can be shared with other lakechain packages.
 */
export interface GenieHttpClient {
  readonly host?: string;
  request<T>(request: GenieClientRequest): Promise<T>;
}

/**
 * Workspace and auth options, resolved by @lakechain/core (options, then `DATABRICKS_*`
 * environment variables, then `~/.databrickscfg` profiles, then the Databricks runtime).
 */
export interface GenieAuthOptions
  extends Pick<
    DatabricksConfigOptions,
    | 'host'
    | 'token'
    | 'clientId'
    | 'clientSecret'
    | 'authType'
    | 'profile'
    | 'configFile'
    | 'caCert'
    | 'fetch'
    | 'tokenProvider'
    | 'env'
  > {
  /** An already-resolved workspace config (shared with other lakechain clients). */
  config?: DatabricksConfig;
  /** A ready client (e.g. a `DatabricksClient` shared with other packages). Wins over the rest. */
  client?: GenieHttpClient;
  /** Per-attempt HTTP timeout in ms (core's default: 60 s). */
  requestTimeoutMs?: number;
  /**
   * Core's retry policy for reads (polls, results), or `false` for none. Questions always wait
   * out 429s within the call's time budget.
   */
  retry?: RetryOptions | false;
}

const AUTH_KEYS = [
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
] as const;

const isFunction = (value: unknown) => typeof value === 'function';

/** Zod shape of the auth options, shared by every class's option validation. */
export const authOptionsShape = {
  host: z.string().min(1).optional(),
  token: z.string().min(1).optional(),
  clientId: z.string().min(1).optional(),
  clientSecret: z.string().min(1).optional(),
  authType: z.string().optional(),
  profile: z.string().min(1).optional(),
  configFile: z.string().min(1).optional(),
  caCert: z.string().optional(),
  fetch: z.custom<typeof fetch>(isFunction, 'must be a fetch function').optional(),
  tokenProvider: z.custom<() => unknown>(isFunction, 'must be a function').optional(),
  env: z.record(z.string(), z.union([z.string(), z.undefined()])).optional(),
  config: z
    .custom<DatabricksConfig>(
      (value) => typeof (value as DatabricksConfig | undefined)?.getAuthHeaders === 'function',
      'must be a resolved DatabricksConfig',
    )
    .optional(),
  client: z
    .custom<GenieHttpClient>(
      (value) => typeof (value as GenieHttpClient | undefined)?.request === 'function',
      'must have a request() method',
    )
    .optional(),
  requestTimeoutMs: z.number().int().positive().optional(),
  retry: z.union([z.literal(false), z.record(z.string(), z.number())]).optional(),
};

/** Constructor-time validation: the error names the option at fault. */
export function validateOptions<T>(className: string, schema: z.ZodType<T>, input: unknown): T {
  const result = schema.safeParse(input ?? {});
  if (result.success) return result.data;
  const issue = result.error.issues[0];
  const option = issue?.path.map(String).join('.') || undefined;
  const message = option
    ? `${className}: invalid option "${option}": ${issue?.message}`
    : `${className}: ${issue?.message ?? 'invalid options'}`;
  throw new DatabricksConfigError(message, { option });
}

/**
 * Resolves config and client once, lazily. Concurrent first calls share one resolution; a failed
 * one is not cached. `host()` is the workspace URL once resolved (for the rate-limit queue key).
 */
export class GenieConnection {
  readonly #auth: GenieAuthOptions;
  #client?: Promise<GenieHttpClient>;
  #owned?: DatabricksClient;

  constructor(auth: GenieAuthOptions) {
    const picked: Record<string, unknown> = {};
    for (const key of [...AUTH_KEYS, 'config', 'client', 'requestTimeoutMs', 'retry'] as const)
      if (auth[key] !== undefined) picked[key] = auth[key];
    this.#auth = picked as GenieAuthOptions;
  }

  client(): Promise<GenieHttpClient> {
    if (this.#auth.client) return Promise.resolve(this.#auth.client);
    if (!this.#client) {
      const { client: _client, config, requestTimeoutMs, retry, ...options } = this.#auth;
      const pending = (config ? Promise.resolve(config) : resolveConfig(options)).then(
        (resolved) => {
          this.#owned = new DatabricksClient({
            config: resolved,
            fetch: this.#auth.fetch ?? resolved.fetch,
            userAgent: USER_AGENT,
            timeoutMs: requestTimeoutMs,
            ...(retry ? { retry } : {}),
          });
          return this.#owned as GenieHttpClient;
        },
      );
      pending.catch(() => {
        this.#client = undefined;
      });
      this.#client = pending;
    }
    return this.#client;
  }

  /** Sends one request through the (lazily created) client. */
  async request<T>(request: GenieClientRequest): Promise<T> {
    const client = await this.client();
    return client.request<T>({
      timeoutMs: this.#auth.requestTimeoutMs,
      ...request,
      // `retry: false` is the caller's choice for every request, questions included.
      ...(this.#auth.retry === false ? { retry: false } : {}),
    });
  }

  /** Closes the client this connection created (not one passed in). */
  async close(): Promise<void> {
    const owned = this.#owned;
    this.#owned = undefined;
    this.#client = undefined;
    await owned?.close();
  }
}
