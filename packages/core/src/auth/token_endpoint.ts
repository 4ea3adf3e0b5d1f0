/**
 * OIDC discovery and token-endpoint calls, through the shared HttpTransport (the one retry and
 * error-parsing layer). Failures become DatabricksAuthError naming the auth type and what to
 * check; response bodies are summarised and redacted, never dumped.
 */

import { isLoopbackHostname } from '../config/host.js';
import { DatabricksApiError, DatabricksAuthError, DatabricksConnectionError } from '../errors.js';
import type { ReplayClass } from '../http/replay.js';
import type { HttpTransport } from '../http/types.js';
import { redactSecrets, redactUrl, summarizeBody } from '../redact.js';
import type { AuthType } from '../types.js';
import type { Token } from './cached_token_source.js';

export interface OidcEndpoints {
  authorizationEndpoint?: string;
  tokenEndpoint: string;
}

/** Context for error messages: who failed, what to check, which strings must never appear. */
export interface TokenErrorContext {
  authType: AuthType;
  /** Sentence(s) telling the user what to check when the credentials are refused. */
  advice: string;
  secrets: ReadonlyArray<string | undefined>;
}

/**
 * Workspace OIDC discovery: `GET {host}/oidc/.well-known/oauth-authorization-server`.
 * The token endpoint receives the client secret, so it must be https (or loopback for tests).
 */
export async function discoverOidcEndpoints(
  transport: HttpTransport,
  host: string,
  context: TokenErrorContext,
  signal?: AbortSignal,
): Promise<OidcEndpoints> {
  const url = `${host}/oidc/.well-known/oauth-authorization-server`;
  let data: unknown;
  try {
    const response = await transport.request<unknown>({ method: 'GET', url, signal });
    data = response.data;
  } catch (error) {
    throw toAuthError(error, context, `OIDC discovery at ${url}`, (status) =>
      status === 404
        ? ' The workspace does not publish OAuth endpoints: check the host, or use a personal access token.'
        : '',
    );
  }
  const record = asRecord(data);
  const tokenEndpoint = record?.token_endpoint;
  const authorizationEndpoint = record?.authorization_endpoint;
  if (typeof tokenEndpoint !== 'string' || tokenEndpoint === '') {
    throw new DatabricksAuthError(
      `OIDC discovery at ${url} returned ${
        record ? 'no `token_endpoint`' : summarizeBody(data, context.secrets)
      } instead of OAuth metadata. Check that the host is a Databricks workspace URL.`,
      { authType: context.authType, errorCode: 'INVALID_DISCOVERY' },
    );
  }
  assertSafeEndpoint(tokenEndpoint, 'token_endpoint', context.authType);
  if (typeof authorizationEndpoint === 'string') {
    assertSafeEndpoint(authorizationEndpoint, 'authorization_endpoint', context.authType);
  }
  return {
    tokenEndpoint,
    authorizationEndpoint:
      typeof authorizationEndpoint === 'string' ? authorizationEndpoint : undefined,
  };
}

function assertSafeEndpoint(endpoint: string, field: string, authType: AuthType): void {
  let url: URL;
  try {
    url = new URL(endpoint);
  } catch {
    throw new DatabricksAuthError(`OIDC discovery returned an invalid ${field}.`, {
      authType,
      errorCode: 'INVALID_DISCOVERY',
    });
  }
  if (url.protocol === 'https:') return;
  if (url.protocol === 'http:' && isLoopbackHostname(url.hostname)) return;
  throw new DatabricksAuthError(
    `OIDC discovery returned a non-https ${field} (${redactUrl(endpoint)}); refusing to send credentials to it.`,
    { authType, errorCode: 'INVALID_DISCOVERY' },
  );
}

export interface TokenRequest {
  url: string;
  form: URLSearchParams;
  headers?: Record<string, string>;
  signal?: AbortSignal;
  /**
   * An authorization code is single-use: replaying its exchange after a reset connection would
   * fail with invalid_grant and hide the real error. Client-credentials and refresh grants are
   * safe to replay.
   */
  replay: ReplayClass;
}

/** POSTs a token request and parses `{access_token, token_type, expires_in, refresh_token}`. */
export async function requestToken(
  transport: HttpTransport,
  request: TokenRequest,
  context: TokenErrorContext,
  now: () => number = Date.now,
): Promise<Token> {
  let data: unknown;
  try {
    const response = await transport.request<unknown>({
      method: 'POST',
      url: request.url,
      body: request.form,
      headers: { Accept: 'application/json', ...request.headers },
      signal: request.signal,
      replay: request.replay,
    });
    data = response.data;
  } catch (error) {
    throw toAuthError(error, context, `Token request to ${redactUrl(request.url)}`);
  }
  const record = asRecord(data);
  const accessToken = record?.access_token;
  if (typeof accessToken !== 'string' || accessToken === '') {
    const what = record
      ? 'a JSON body without `access_token`'
      : summarizeBody(data, context.secrets);
    throw new DatabricksAuthError(
      `${describeAuthType(context.authType)}: the token endpoint ${redactUrl(request.url)} answered with ${what}. ` +
        'A proxy or login page may be in the way; check the workspace host.',
      { authType: context.authType, errorCode: 'INVALID_TOKEN_RESPONSE' },
    );
  }
  const expiresIn = Number(record?.expires_in);
  const tokenType = record?.token_type;
  const refreshToken = record?.refresh_token;
  return {
    accessToken,
    tokenType: typeof tokenType === 'string' ? tokenType : 'Bearer',
    expiresAt:
      Number.isFinite(expiresIn) && expiresIn > 0 ? new Date(now() + expiresIn * 1000) : undefined,
    refreshToken: typeof refreshToken === 'string' && refreshToken ? refreshToken : undefined,
  };
}

/**
 * Converts a transport error into a DatabricksAuthError with `cause`. OAuth errors
 * (`{"error":"invalid_client","error_description":"..."}`) keep their code and description; other
 * bodies are summarised.
 */
export function toAuthError(
  error: unknown,
  context: TokenErrorContext,
  what: string,
  extraAdvice: (status: number) => string = () => '',
): unknown {
  const label = describeAuthType(context.authType);
  if (DatabricksAuthError.isInstance(error)) return error;
  if (DatabricksApiError.isInstance(error)) {
    const details = asRecord(error.details);
    const oauthCode = typeof details?.error === 'string' ? details.error : undefined;
    const description =
      typeof details?.error_description === 'string' ? details.error_description : undefined;
    const errorCode = oauthCode ?? error.errorCode;
    const status = error.statusCode;
    // Only text from the server is redacted: the advice is ours, and a test secret such as
    // "secret" must not turn the advice into "[REDACTED]".
    const problem = oauthCode
      ? `failed with HTTP ${status}: ${redactSecrets(
          `${oauthCode}${description ? ` (${description})` : ''}`,
          context.secrets,
        )}.`
      : // Not an OAuth error body (an HTML page, a proxy): the transport already summarised it.
        `failed: ${redactSecrets(error.message, context.secrets)}`;
    const refused = status === 400 || status === 401 || status === 403;
    const advice = refused ? ` ${context.advice}` : '';
    return new DatabricksAuthError(`${label}: ${what} ${problem}${advice}${extraAdvice(status)}`, {
      authType: context.authType,
      statusCode: status,
      errorCode,
      retryable: error.retryable,
      cause: error,
    });
  }
  if (DatabricksConnectionError.isInstance(error)) {
    return new DatabricksAuthError(
      redactSecrets(`${label}: ${what} failed: ${error.message}`, context.secrets),
      {
        authType: context.authType,
        errorCode: error.code,
        retryable: error.retryable,
        cause: error,
      },
    );
  }
  // Aborts and programming errors pass through untouched.
  return error;
}

export function describeAuthType(authType: AuthType): string {
  switch (authType) {
    case 'oauth-m2m':
      return 'OAuth M2M authentication';
    case 'azure-client-secret':
      return 'Azure client secret authentication';
    case 'external-browser':
      return 'Browser (U2M) authentication';
    case 'databricks-cli':
      return 'Databricks CLI authentication';
    default:
      return `${authType} authentication`;
  }
}

export function asRecord(value: unknown): Record<string, unknown> | undefined {
  return value !== null && typeof value === 'object' && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : undefined;
}
