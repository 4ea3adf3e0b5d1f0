/**
 * `WorkspaceConnection`: how every @lakechain client object reaches its workspace. It takes the
 * same options everywhere (the `resolveConfig` options, or a shared `config` or `client`), resolves
 * the config and creates the `DatabricksClient` once, lazily, on the first request (concurrent
 * first calls share one resolution; a failed one is not cached), and on `close()` releases what it
 * created itself (the client's connection pool and the config's token-endpoint pool), never what
 * it was given. Integration packages hold one of these instead of writing that logic again.
 */

import type { DatabricksConfigOptions } from '../config/options.js';
import { resolveConfig } from '../config/resolve.js';
import { DatabricksConfigError, hasErrorMarker, LakechainError } from '../errors.js';
import type { DatabricksConfig } from '../types.js';
import { DatabricksClient, type DatabricksRequest } from './client.js';
import type { RetryOptions } from './types.js';

/**
 * What a client object needs of an HTTP client: `DatabricksClient` satisfies it, so one client
 * (one connection pool, one token cache) can be shared by several objects and packages.
 */
export interface WorkspaceHttpClient {
  request<T = unknown>(request: DatabricksRequest): Promise<T>;
}

/** The workspace and auth options every @lakechain client object takes. */
export interface WorkspaceConnectionOptions extends DatabricksConfigOptions {
  /** An already-resolved workspace config, shared with other clients (not closed here). */
  config?: DatabricksConfig;
  /** A ready client (e.g. a `DatabricksClient` shared with other objects); wins over the rest. */
  client?: WorkspaceHttpClient;
  /** Per-attempt HTTP timeout in ms (core's default: 60 s). */
  timeoutMs?: number;
  /** Core's retry policy for this connection's requests, or `false` for one attempt each. */
  retry?: RetryOptions | false;
}

/** Every key of `WorkspaceConnectionOptions`, for classes that pick them out of their fields. */
export const WORKSPACE_CONNECTION_OPTION_KEYS = [
  'host',
  'token',
  'clientId',
  'clientSecret',
  'authType',
  'profile',
  'configFile',
  'warehouseId',
  'clusterId',
  'caCert',
  'azureTenantId',
  'azureClientId',
  'azureClientSecret',
  'azureWorkspaceResourceId',
  'azureLoginEndpoint',
  'databricksCliPath',
  'tokenProvider',
  'fetch',
  'oauthScopes',
  'oauthClientId',
  'oauthRedirectPort',
  'tokenCacheFile',
  'openUrl',
  'env',
  'homeDir',
  'config',
  'client',
  'timeoutMs',
  'retry',
] as const satisfies readonly (keyof WorkspaceConnectionOptions)[];

/** The connection options out of a class's fields (other keys are left out). */
export function pickConnectionOptions(fields: object): WorkspaceConnectionOptions {
  const record = fields as Record<string, unknown>;
  const picked: Record<string, unknown> = {};
  for (const key of WORKSPACE_CONNECTION_OPTION_KEYS) {
    if (record[key] !== undefined) picked[key] = record[key];
  }
  return picked as WorkspaceConnectionOptions;
}

const closedMarker = 'lakechain.error.connection-closed';
const closedSymbol = Symbol.for(closedMarker);

/** A request on a connection after its `close()`. */
export class WorkspaceConnectionClosedError extends LakechainError {
  protected readonly [closedSymbol] = true;

  constructor(owner: string) {
    super(`This ${owner} was closed: create a new one to make more requests.`);
    this.name = 'WorkspaceConnectionClosedError';
  }

  static override isInstance(error: unknown): error is WorkspaceConnectionClosedError {
    return hasErrorMarker(error, closedMarker);
  }
}

export interface WorkspaceConnectionSettings {
  /** `User-Agent` products of the package, e.g. `lakechain-vector-search/0.1.0`. */
  userAgent?: string;
  /** What the connection belongs to, for error messages (e.g. `DatabricksVectorSearch`). */
  owner?: string;
}

export class WorkspaceConnection {
  readonly #options: WorkspaceConnectionOptions;
  readonly #settings: WorkspaceConnectionSettings;
  #config?: Promise<DatabricksConfig | undefined>;
  #client?: Promise<WorkspaceHttpClient>;
  /** What this connection created, and so closes. */
  #ownedConfig?: DatabricksConfig;
  #ownedClient?: DatabricksClient;
  #closing?: Promise<void>;

  constructor(options: WorkspaceConnectionOptions, settings: WorkspaceConnectionSettings = {}) {
    this.#options = pickConnectionOptions(options);
    this.#settings = settings;
    if (options.config !== undefined && typeof options.config?.getAuthHeaders !== 'function')
      throw new DatabricksConfigError(
        'Invalid option `config`: expected a resolved DatabricksConfig (from resolveConfig).',
        { option: 'config' },
      );
    if (options.client !== undefined && typeof options.client?.request !== 'function')
      throw new DatabricksConfigError(
        'Invalid option `client`: expected a client with a request() method, e.g. a DatabricksClient.',
        { option: 'client' },
      );
  }

  /** True once `close()` was called. */
  get closed(): boolean {
    return this.#closing !== undefined;
  }

  /** The workspace config: the one given, or resolved from the options (`undefined` with a `client`). */
  config(): Promise<DatabricksConfig | undefined> {
    if (this.#closing) return Promise.reject(this.#closedError());
    if (!this.#config) {
      const { client, config, timeoutMs: _timeout, retry: _retry, ...options } = this.#options;
      let pending: Promise<DatabricksConfig | undefined>;
      if (config) pending = Promise.resolve(config);
      else if (client) pending = Promise.resolve(undefined);
      else {
        pending = resolveConfig(options).then((resolved) => {
          this.#ownedConfig = resolved;
          return resolved;
        });
        // A failed resolution (no host yet, say) is tried again on the next call.
        pending.catch(() => {
          if (this.#config === pending) this.#config = undefined;
        });
      }
      this.#config = pending;
    }
    return this.#config;
  }

  /** The HTTP client: the one given, or a `DatabricksClient` made once for this connection. */
  client(): Promise<WorkspaceHttpClient> {
    if (this.#closing) return Promise.reject(this.#closedError());
    if (this.#options.client) return Promise.resolve(this.#options.client);
    if (!this.#client) {
      const pending = this.config().then((config) => {
        if (!config) throw new Error('unreachable: a connection without a client has a config');
        const { retry } = this.#options;
        this.#ownedClient = new DatabricksClient({
          config,
          fetch: this.#options.fetch ?? config.fetch,
          userAgent: this.#settings.userAgent,
          timeoutMs: this.#options.timeoutMs,
          ...(retry ? { retry } : {}),
        });
        return this.#ownedClient;
      });
      pending.catch(() => {
        if (this.#client === pending) this.#client = undefined;
      });
      this.#client = pending;
    }
    return this.#client;
  }

  /** Sends one request with this connection's defaults (timeout, retry policy). */
  async request<T = unknown>(request: DatabricksRequest): Promise<T> {
    const client = await this.client();
    return client.request<T>({
      ...(this.#options.timeoutMs !== undefined ? { timeoutMs: this.#options.timeoutMs } : {}),
      ...(this.#options.retry === false ? { retry: false } : {}),
      ...request,
    });
  }

  /**
   * Releases what this connection created: its client (the connection pool made for `caCert`)
   * and the config it resolved (the pool of its OAuth token requests). A `config` or `client`
   * passed in belongs to the caller and stays open. Requests in flight finish first; later ones
   * fail with `WorkspaceConnectionClosedError`. Idempotent.
   */
  close(): Promise<void> {
    this.#closing ??= (async () => {
      const pendingClient = this.#client;
      const pendingConfig = this.#config;
      this.#client = undefined;
      this.#config = undefined;
      await pendingClient?.catch(() => undefined);
      await pendingConfig?.catch(() => undefined);
      const client = this.#ownedClient;
      const config = this.#ownedConfig;
      this.#ownedClient = undefined;
      this.#ownedConfig = undefined;
      await client?.close();
      await config?.close?.();
    })();
    return this.#closing;
  }

  /** `await using connection = new WorkspaceConnection(...)` closes it at the end of the scope. */
  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }

  #closedError(): WorkspaceConnectionClosedError {
    return new WorkspaceConnectionClosedError(this.#settings.owner ?? 'connection');
  }
}
