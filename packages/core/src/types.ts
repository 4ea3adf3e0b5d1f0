/**
 * Contracts shared by config resolution (`config/`), credential providers (`auth/`) and the HTTP
 * layer (`http/`). Kept in one small file so each of those folders depends on this one and not
 * on each other's internals.
 */

/** How requests are authenticated. Names follow the Databricks SDKs and CLI. */
export type AuthType =
  | 'pat'
  | 'oauth-m2m'
  | 'azure-client-secret'
  | 'databricks-cli'
  | 'external-browser'
  | 'runtime'
  | 'custom';

/** The `fetch` signature every lakechain client accepts, so tests and runtimes can inject one. */
export type FetchFunction = typeof globalThis.fetch;

/** A function that returns a fresh bearer token (for `authType: 'custom'`). */
export type TokenProviderFunction = (options: {
  signal?: AbortSignal;
}) => Promise<string | { token: string; expiresAt?: Date }>;

export interface GetAuthHeadersOptions {
  signal?: AbortSignal;
  /**
   * Drop any cached token and fetch a new one. The HTTP layer sets this once after a 401/403
   * that looks like an expired token (Databricks answers expired OAuth tokens with 403).
   */
  forceRefresh?: boolean;
}

/**
 * Turns resolved configuration into request headers. Implementations cache tokens, refresh ahead
 * of expiry, and share one in-flight refresh between concurrent callers.
 */
export interface CredentialsProvider {
  readonly authType: AuthType;
  getAuthHeaders(options?: GetAuthHeadersOptions): Promise<Record<string, string>>;
}

/** A resolved workspace: where it is and how to authenticate to it. Safe to log or serialise. */
export interface DatabricksConfig {
  /** Normalised workspace URL: `https://host[:port]`, no path, no trailing slash. */
  readonly host: string;
  readonly authType: AuthType;
  readonly warehouseId?: string;
  readonly clusterId?: string;
  /** PEM bundle trusted in addition to the system roots (workspaces behind a private CA). */
  readonly caCert?: string;
  /** The profile that was read, if any (e.g. `DEFAULT`). */
  readonly profile?: string;
  /** The config file that was read, if any. */
  readonly configFile?: string;
  /** The `fetch` used for every request to this workspace (token endpoints included). */
  readonly fetch?: FetchFunction;
  /** Authorization headers for the next request; cached and refreshed transparently. */
  getAuthHeaders(options?: GetAuthHeadersOptions): Promise<Record<string, string>>;
  /** A redacted, JSON-safe view: never contains tokens or secrets. */
  toJSON(): Record<string, unknown>;
  /**
   * Releases what the config opened for token requests (a connection pool with `caCert`).
   * Present on configs from `resolveConfig`; whoever resolved the config closes it.
   */
  close?(): Promise<void>;
}
