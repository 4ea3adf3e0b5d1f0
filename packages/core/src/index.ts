// Public API of @lakechain/core: an explicit list, nothing re-exported wholesale.
export {
  DatabricksApiError,
  DatabricksAuthError,
  DatabricksConfigError,
  DatabricksConnectionError,
  isRetryableStatus,
  LakechainError,
} from './errors.js';
export type {
  HttpMethod,
  HttpRequest,
  HttpResponse,
  HttpTransport,
  HttpTransportOptions,
  QueryValue,
  RetryOptions,
} from './http/types.js';
export type {
  AuthType,
  CredentialsProvider,
  DatabricksConfig,
  FetchFunction,
  GetAuthHeadersOptions,
  TokenProviderFunction,
} from './types.js';
export { VERSION } from './version.js';
