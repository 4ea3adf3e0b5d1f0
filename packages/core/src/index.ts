// Public API of @lakechain/core: an explicit list, nothing re-exported wholesale.

// Configuration: where the workspace is and how to reach it.
export {
  AUTH_TYPES,
  parseClassOptions,
  workspaceAuthOptionsShape,
} from './config/options.js';
export type { DatabricksConfigOptions, WorkspaceAuthOptions } from './config/options.js';
export { resolveConfig } from './config/resolve.js';
export { EDGE_AUTH_TYPES, resolveEdgeConfig } from './config/resolve_edge.js';
export type { ResolvedDatabricksConfig } from './config/databricks_config.js';
export { isAzureHost, normalizeHost } from './config/host.js';

// Credentials: the shared token cache (single flight, refresh ahead of expiry).
export { CachedTokenSource, DEFAULT_REFRESH_SKEW_MS } from './auth/cached_token_source.js';
export type { CachedTokenSourceOptions, Token } from './auth/cached_token_source.js';

// HTTP: the one transport (retries, timeouts, errors) and the workspace client on top of it.
export { DatabricksClient } from './http/client.js';
export type { DatabricksClientOptions, DatabricksRequest } from './http/client.js';
// How client objects of every package reach their workspace (and release what they opened).
export {
  pickConnectionOptions,
  WORKSPACE_CONNECTION_OPTION_KEYS,
  WorkspaceConnection,
  WorkspaceConnectionClosedError,
} from './http/connection.js';
export type {
  WorkspaceConnectionOptions,
  WorkspaceConnectionSettings,
  WorkspaceHttpClient,
} from './http/connection.js';
export { createHttpTransport } from './http/transport.js';
// Backoff for the retry loops outside the transport (see "Retries" in docs/ARCHITECTURE.md).
export {
  abortableSleep,
  computeBackoffMs,
  parseRetryAfter,
  retryDelayMs,
  retryWithBackoff,
} from './http/backoff.js';
export type { RetryDecision, RetryLoopOptions } from './http/backoff.js';
// What a replay would do: the one rule for every retry loop (see "Retries" in ARCHITECTURE.md).
export {
  classifyNetworkError,
  classifyStatus,
  mayReplay,
  REPLAY_CLASS,
  replayClassOfMethod,
} from './http/replay.js';
export type { FailureClass, ReplayClass } from './http/replay.js';
export { parseSseStream } from './http/sse.js';
export type { SseEvent } from './http/sse.js';
export type {
  HttpMethod,
  HttpRequest,
  HttpResponse,
  HttpTransport,
  HttpTransportOptions,
  QueryValue,
  RetryOptions,
} from './http/types.js';

// The @databricks/sql driver, authenticated by the same token cache as REST.
export { createSqlDriverAuthProvider, toSqlConnectionOptions } from './sql_driver_auth.js';
export type { SqlConnectionOptions, SqlDriverAuthProvider } from './sql_driver_auth.js';

// Errors and redaction.
export {
  DatabricksApiError,
  DatabricksAuthError,
  DatabricksConfigError,
  DatabricksConnectionError,
  DatabricksServiceError,
  hasErrorMarker,
  isAbortError,
  isRetryableStatus,
  LakechainError,
  serviceErrorFieldsOf,
} from './errors.js';
export type { ServiceErrorFields } from './errors.js';
export {
  isSensitiveKey,
  REDACTED,
  redactForInspection,
  redactHeaders,
  redactSecrets,
  redactUrl,
  summarizeBody,
} from './redact.js';

// Shared contracts.
export type {
  AuthType,
  CredentialsProvider,
  DatabricksConfig,
  FetchFunction,
  GetAuthHeadersOptions,
  TokenProviderFunction,
} from './types.js';
export { VERSION } from './version.js';
