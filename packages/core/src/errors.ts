/**
 * Typed errors shared by every @lakechain package.
 *
 * `instanceof` breaks when two copies of a package are installed (or across realms), so each class
 * carries a `Symbol.for(...)` marker and a static `isInstance()` that checks the marker instead.
 * Messages never contain tokens, client secrets or Authorization headers: callers pass only
 * redacted material, and `toJSON()` exposes nothing beyond the public fields.
 */

const BASE_MARKER = 'lakechain.error';
const baseSymbol = Symbol.for(BASE_MARKER);

/**
 * Whether `value` carries the `Symbol.for(marker)` brand of an error class: what every
 * `isInstance()` of the @lakechain packages checks (their markers are `lakechain.error.*`).
 */
export function hasErrorMarker(value: unknown, marker: string): boolean {
  return (
    value != null &&
    typeof value === 'object' &&
    Symbol.for(marker) in value &&
    (value as Record<symbol, unknown>)[Symbol.for(marker)] === true
  );
}

export class LakechainError extends Error {
  protected readonly [baseSymbol] = true;

  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'LakechainError';
  }

  /** True for any error thrown by a @lakechain package, whichever copy of the package made it. */
  static isInstance(error: unknown): error is LakechainError {
    return hasErrorMarker(error, BASE_MARKER);
  }

  toJSON(): Record<string, unknown> {
    return { name: this.name, message: this.message };
  }
}

const configMarker = 'lakechain.error.config';
const configSymbol = Symbol.for(configMarker);

/**
 * Configuration is missing, contradictory or malformed. The message says what is missing and
 * every way to provide it (option, environment variable, profile key).
 */
export class DatabricksConfigError extends LakechainError {
  protected readonly [configSymbol] = true;
  /** The option (or environment variable / profile key) at fault, when there is one. */
  readonly option?: string;
  /** The config file at fault, when the problem is in a file. */
  readonly file?: string;
  /** 1-based line in `file`, when known. */
  readonly line?: number;

  constructor(
    message: string,
    options: { option?: string; file?: string; line?: number; cause?: unknown } = {},
  ) {
    super(message, { cause: options.cause });
    this.name = 'DatabricksConfigError';
    this.option = options.option;
    this.file = options.file;
    this.line = options.line;
  }

  static override isInstance(error: unknown): error is DatabricksConfigError {
    return hasErrorMarker(error, configMarker);
  }

  override toJSON(): Record<string, unknown> {
    return { ...super.toJSON(), option: this.option, file: this.file, line: this.line };
  }
}

const authMarker = 'lakechain.error.auth';
const authSymbol = Symbol.for(authMarker);

/**
 * Credentials could not be obtained: a token endpoint refused them, the Databricks CLI failed, the
 * browser login was abandoned. Says which auth type failed and what to check.
 */
export class DatabricksAuthError extends LakechainError {
  protected readonly [authSymbol] = true;
  readonly authType: string;
  /** HTTP status from the identity provider, when the failure came from one. */
  readonly statusCode?: number;
  /** OAuth `error` code (e.g. `invalid_client`) or Databricks `error_code`, when given. */
  readonly errorCode?: string;
  readonly retryable: boolean;

  constructor(
    message: string,
    options: {
      authType: string;
      statusCode?: number;
      errorCode?: string;
      retryable?: boolean;
      cause?: unknown;
    },
  ) {
    super(message, { cause: options.cause });
    this.name = 'DatabricksAuthError';
    this.authType = options.authType;
    this.statusCode = options.statusCode;
    this.errorCode = options.errorCode;
    this.retryable = options.retryable ?? false;
  }

  static override isInstance(error: unknown): error is DatabricksAuthError {
    return hasErrorMarker(error, authMarker);
  }

  override toJSON(): Record<string, unknown> {
    return {
      ...super.toJSON(),
      authType: this.authType,
      statusCode: this.statusCode,
      errorCode: this.errorCode,
      retryable: this.retryable,
    };
  }
}

const apiMarker = 'lakechain.error.api';
const apiSymbol = Symbol.for(apiMarker);

/**
 * A Databricks REST API answered with an error. Carries the HTTP status, the Databricks
 * `error_code` (e.g. `RESOURCE_DOES_NOT_EXIST`), its message, the request id and whether retrying
 * can help. Non-JSON bodies (HTML pages from proxies) are summarised, never dumped whole.
 */
export class DatabricksApiError extends LakechainError {
  protected readonly [apiSymbol] = true;
  readonly statusCode: number;
  readonly errorCode?: string;
  /** The `x-request-id` (or `x-databricks-request-id`) response header, for support tickets. */
  readonly requestId?: string;
  readonly retryable: boolean;
  /** Method and path of the request (no query string, no host credentials). */
  readonly method?: string;
  readonly path?: string;
  /** Parsed JSON error body when the server sent one (never contains request credentials). */
  readonly details?: unknown;
  /**
   * The wait the server asked for with `Retry-After`, in ms, when it sent one. Callers that
   * retry in their own layer (LangChain's AsyncCaller) honour it from here.
   */
  readonly retryAfterMs?: number;

  constructor(
    message: string,
    options: {
      statusCode: number;
      errorCode?: string;
      requestId?: string;
      retryable?: boolean;
      method?: string;
      path?: string;
      details?: unknown;
      retryAfterMs?: number;
      cause?: unknown;
    },
  ) {
    super(message, { cause: options.cause });
    this.name = 'DatabricksApiError';
    this.retryAfterMs = options.retryAfterMs;
    this.statusCode = options.statusCode;
    this.errorCode = options.errorCode;
    this.requestId = options.requestId;
    this.retryable = options.retryable ?? isRetryableStatus(options.statusCode);
    this.method = options.method;
    this.path = options.path;
    this.details = options.details;
  }

  static override isInstance(error: unknown): error is DatabricksApiError {
    return hasErrorMarker(error, apiMarker);
  }

  override toJSON(): Record<string, unknown> {
    return {
      ...super.toJSON(),
      statusCode: this.statusCode,
      errorCode: this.errorCode,
      requestId: this.requestId,
      retryable: this.retryable,
      method: this.method,
      path: this.path,
      retryAfterMs: this.retryAfterMs,
    };
  }
}

const connectionMarker = 'lakechain.error.connection';
const connectionSymbol = Symbol.for(connectionMarker);

/**
 * The request never got an HTTP answer: connection refused or reset, DNS failure, TLS failure
 * (e.g. a workspace behind a private CA with no `caCert` configured), or a timeout.
 */
export class DatabricksConnectionError extends LakechainError {
  protected readonly [connectionSymbol] = true;
  /** Node's error code when there is one (`ECONNRESET`, `ECONNREFUSED`, `ETIMEDOUT`, ...). */
  readonly code?: string;
  readonly retryable: boolean;
  readonly timedOut: boolean;

  constructor(
    message: string,
    options: { code?: string; retryable?: boolean; timedOut?: boolean; cause?: unknown } = {},
  ) {
    super(message, { cause: options.cause });
    this.name = 'DatabricksConnectionError';
    this.code = options.code;
    this.retryable = options.retryable ?? true;
    this.timedOut = options.timedOut ?? false;
  }

  static override isInstance(error: unknown): error is DatabricksConnectionError {
    return hasErrorMarker(error, connectionMarker);
  }

  override toJSON(): Record<string, unknown> {
    return {
      ...super.toJSON(),
      code: this.code,
      retryable: this.retryable,
      timedOut: this.timedOut,
    };
  }
}

const serviceMarker = 'lakechain.error.service';
const serviceSymbol = Symbol.for(serviceMarker);

/** What a failed call to a Databricks service said, as `DatabricksServiceError` keeps it. */
export interface ServiceErrorFields {
  /** The HTTP status, when the service answered. */
  statusCode?: number;
  /** Databricks' `error_code` (e.g. `RESOURCE_DOES_NOT_EXIST`), or the service's own code. */
  errorCode?: string;
  /** The response's request id, for support tickets. */
  requestId?: string;
  /** Whether the same call may succeed if sent again. Default false. */
  retryable?: boolean;
  /** The wait the server asked for with `Retry-After`, in ms, when it sent one. */
  retryAfterMs?: number;
  cause?: unknown;
}

/**
 * The base of the errors a service package (Genie, Vector Search, Model Serving) raises about
 * its own resources: the failed call's status, Databricks `error_code`, request id, whether
 * retrying can help and how long the server asked to wait. Subclasses add what names the
 * resource (a space, an index, an endpoint) and why the call failed.
 */
export class DatabricksServiceError extends LakechainError {
  protected readonly [serviceSymbol] = true;
  readonly statusCode?: number;
  readonly errorCode?: string;
  readonly requestId?: string;
  readonly retryable: boolean;
  retryAfterMs?: number;

  constructor(message: string, options: ServiceErrorFields = {}) {
    super(message, { cause: options.cause });
    this.name = 'DatabricksServiceError';
    this.statusCode = options.statusCode;
    this.errorCode = options.errorCode;
    this.requestId = options.requestId;
    this.retryable = options.retryable ?? false;
    if (options.retryAfterMs !== undefined) this.retryAfterMs = options.retryAfterMs;
  }

  static override isInstance(error: unknown): error is DatabricksServiceError {
    return hasErrorMarker(error, serviceMarker);
  }

  override toJSON(): Record<string, unknown> {
    return {
      ...super.toJSON(),
      statusCode: this.statusCode,
      errorCode: this.errorCode,
      requestId: this.requestId,
      retryable: this.retryable,
      retryAfterMs: this.retryAfterMs,
    };
  }
}

/**
 * The fields of an error core's transport threw (an API answer, a credential failure, a broken
 * connection) that a service error carries over, with that error as its `cause`. Anything else
 * gives only the cause.
 */
export function serviceErrorFieldsOf(error: unknown): ServiceErrorFields {
  if (DatabricksApiError.isInstance(error))
    return {
      statusCode: error.statusCode,
      errorCode: error.errorCode,
      requestId: error.requestId,
      retryable: error.retryable,
      retryAfterMs: error.retryAfterMs,
      cause: error,
    };
  if (DatabricksAuthError.isInstance(error))
    return {
      statusCode: error.statusCode,
      errorCode: error.errorCode,
      retryable: error.retryable,
      cause: error,
    };
  if (DatabricksConnectionError.isInstance(error))
    return { retryable: error.retryable, cause: error };
  return { cause: error };
}

/** Whether `error` is a cancellation (`AbortError`) or an abort signal's timeout (`TimeoutError`). */
export function isAbortError(error: unknown): boolean {
  return (
    typeof error === 'object' &&
    error !== null &&
    'name' in error &&
    (error.name === 'AbortError' || error.name === 'TimeoutError')
  );
}

/** Statuses worth retrying: throttling and the gateway/unavailable family. */
export function isRetryableStatus(statusCode: number): boolean {
  return statusCode === 429 || statusCode === 502 || statusCode === 503 || statusCode === 504;
}
