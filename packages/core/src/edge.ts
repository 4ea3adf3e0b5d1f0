// `@lakechain/core/edge`: the part of core that runs where there is only `fetch` (Vercel Edge,
// Cloudflare Workers, Deno Deploy, Bun). It imports no Node built-in: configuration comes from
// options and an environment record (`resolveEdgeConfig`), not from ~/.databrickscfg, the CLI or a
// browser login. The HTTP layer, errors and redaction are the same modules as the main entry's.

export type { CachedTokenSourceOptions, Token } from './auth/cached_token_source.js';
export { CachedTokenSource, DEFAULT_REFRESH_SKEW_MS } from './auth/cached_token_source.js';
export type { ResolvedDatabricksConfig } from './config/databricks_config.js';
export { isAzureHost, normalizeHost } from './config/host.js';
export type { DatabricksConfigOptions, WorkspaceAuthOptions } from './config/options.js';
export {
  AUTH_TYPES,
  parseClassOptions,
  workspaceAuthOptionsShape,
} from './config/options.js';
export { EDGE_AUTH_TYPES, resolveEdgeConfig } from './config/resolve_edge.js';
export type { ServiceErrorFields } from './errors.js';
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
export type { RetryDecision, RetryLoopOptions } from './http/backoff.js';
export {
  abortableSleep,
  computeBackoffMs,
  parseRetryAfter,
  retryDelayMs,
  retryWithBackoff,
} from './http/backoff.js';
export type { DatabricksClientOptions, DatabricksRequest } from './http/client.js';
export { DatabricksClient } from './http/client.js';
export type { FailureClass, ReplayClass } from './http/replay.js';
export {
  classifyNetworkError,
  classifyStatus,
  mayReplay,
  REPLAY_CLASS,
  replayClassOfMethod,
} from './http/replay.js';
export type { SseEvent } from './http/sse.js';
export { parseSseStream } from './http/sse.js';
export { createHttpTransport } from './http/transport.js';
export type {
  HttpMethod,
  HttpRequest,
  HttpResponse,
  HttpTransport,
  HttpTransportOptions,
  QueryValue,
  RetryOptions,
} from './http/types.js';
export {
  isSensitiveKey,
  REDACTED,
  redactForInspection,
  redactHeaders,
  redactSecrets,
  redactUrl,
  summarizeBody,
} from './redact.js';

export type {
  AuthType,
  CredentialsProvider,
  DatabricksConfig,
  FetchFunction,
  GetAuthHeadersOptions,
  TokenProviderFunction,
} from './types.js';
export { VERSION } from './version.js';
