/**
 * Turns what the serving layer throws into errors LangChain understands, and decides what the
 * models' caller may retry. There is exactly one retry layer in this package: the caller of each
 * model (`DatabricksCaller`, an AsyncCaller waiting with core's backoff). Core's HTTP client is
 * always called with `retry: false`; it marks each error `retryable` from the request's replay
 * class (a model invocation replays safely), and the caller reads that flag.
 */
import {
  DatabricksApiError,
  DatabricksAuthError,
  DatabricksConnectionError,
  DatabricksServiceError,
  hasErrorMarker,
  LakechainError,
  type ServiceErrorFields,
  serviceErrorFieldsOf,
} from '@lakechain/core';
import type { LangChainErrorCodes } from '@langchain/core/errors';
import { addLangChainErrorFields, getRetryable, stampRetryable } from '@langchain/core/errors';

/** Why a serving call failed. */
export type ServingErrorKind =
  /** The endpoint answered with an HTTP error status. */
  | 'http'
  /** The endpoint answered 2xx with a body that is not the JSON (or SSE) we expect. */
  | 'malformed_response'
  /** A stream ended (or broke) before `[DONE]` or a finish reason. */
  | 'stream_incomplete'
  /** The endpoint sent an error object inside an otherwise successful stream. */
  | 'stream_error'
  /** A Responses API answer (2xx) with `status: "failed"` or an `error` object. */
  | 'response_failed'
  /** The model was used after `close()`. */
  | 'closed';

const servingMarker = 'lakechain.error.serving';
const servingSymbol = Symbol.for(servingMarker);

/** Longest Retry-After we honour; beyond it waiting is worse than failing. */
const MAX_RETRY_AFTER_MS = 60_000;

/**
 * An error from a Databricks serving endpoint (or cluster driver proxy app). Keeps the HTTP
 * status (`status` and `statusCode`, since LangChain and other tooling look for either), the
 * Databricks `error_code` (`errorCode` and `error_code`), the endpoint, and LangChain's
 * `lc_error_code` when one applies.
 */
export class DatabricksServingError extends DatabricksServiceError {
  readonly [servingSymbol] = true;
  readonly kind: ServingErrorKind;
  /** Endpoint name, or `driver-proxy {clusterId}:{port}`. */
  readonly endpoint: string;
  /** The HTTP status again, under the name LangChain's retry logic reads. */
  readonly status?: number;
  /** Databricks' `error_code` again, under its wire name. */
  readonly error_code?: string;
  /**
   * For a stream that broke after its first token (kind `stream_incomplete`): the text received
   * so far, which the caller has already been handed chunk by chunk. Not replayed: a second
   * invocation would answer differently. Left out of `toJSON()`, like any model output.
   */
  readonly partialText?: string;
  lc_error_code?: LangChainErrorCodes;

  constructor(
    message: string,
    options: ServiceErrorFields & {
      kind: ServingErrorKind;
      endpoint: string;
      partialText?: string;
    },
  ) {
    super(message, options);
    this.name = 'DatabricksServingError';
    if (options.partialText !== undefined) this.partialText = options.partialText;
    this.kind = options.kind;
    this.endpoint = options.endpoint;
    this.status = options.statusCode;
    this.error_code = options.errorCode;
  }

  static override isInstance(error: unknown): error is DatabricksServingError {
    return hasErrorMarker(error, servingMarker);
  }

  override toJSON(): Record<string, unknown> {
    return {
      ...super.toJSON(),
      kind: this.kind,
      endpoint: this.endpoint,
      lc_error_code: this.lc_error_code,
    };
  }
}

const contentMarker = 'lakechain.error.content_block';
const contentSymbol = Symbol.for(contentMarker);

/**
 * A message content block that Databricks chat endpoints cannot take in the form given (a video,
 * an audio file by URL, a provider-specific block, ...). Raised before anything is sent, so a
 * turn is never sent with parts silently missing. Names the block type and what to send instead.
 */
export class DatabricksContentBlockError extends LakechainError {
  readonly [contentSymbol] = true;
  /** The block's `type` (`video`, `audio`, `document`, ...). */
  readonly blockType: string;
  /** Index of the message in the conversation. */
  readonly messageIndex?: number;

  constructor(message: string, options: { blockType: string; messageIndex?: number }) {
    super(message);
    this.name = 'DatabricksContentBlockError';
    this.blockType = options.blockType;
    this.messageIndex = options.messageIndex;
  }

  static override isInstance(error: unknown): error is DatabricksContentBlockError {
    return hasErrorMarker(error, contentMarker);
  }

  override toJSON(): Record<string, unknown> {
    return { ...super.toJSON(), blockType: this.blockType, messageIndex: this.messageIndex };
  }
}

function lcCodeFor(status: number | undefined, errorCode: string | undefined, message: string) {
  if (status === 401 || status === 403 || errorCode === 'PERMISSION_DENIED') {
    return 'MODEL_AUTHENTICATION' as const;
  }
  if (
    status === 404 ||
    errorCode === 'RESOURCE_DOES_NOT_EXIST' ||
    errorCode === 'ENDPOINT_NOT_FOUND'
  ) {
    return 'MODEL_NOT_FOUND' as const;
  }
  if (status === 429 || errorCode === 'REQUEST_LIMIT_EXCEEDED') return 'MODEL_RATE_LIMIT' as const;
  if (
    status === 400 &&
    /context length|too many tokens|prompt is too long|maximum context/i.test(message)
  ) {
    return 'CONTEXT_OVERFLOW' as const;
  }
  return undefined;
}

/** Wraps whatever a serving call threw; abort errors and already-wrapped errors pass through. */
export function wrapServingError(error: unknown, endpoint: string): unknown {
  if (DatabricksServingError.isInstance(error)) return error;
  if (isAbortError(error)) return error;
  if (DatabricksApiError.isInstance(error) && error.statusCode >= 200 && error.statusCode < 300) {
    // Core reports a 2xx body it could not parse (e.g. invalid JSON) as an API error.
    return malformedResponse(endpoint, stripPrefix(error.message), error);
  }
  if (DatabricksApiError.isInstance(error)) {
    const message = `Databricks endpoint ${endpoint} returned HTTP ${error.statusCode}${
      error.errorCode ? ` ${error.errorCode}` : ''
    }: ${stripPrefix(error.message)}`;
    const fields = serviceErrorFieldsOf(error);
    const wrapped = new DatabricksServingError(message, {
      ...fields,
      kind: 'http',
      endpoint,
      // Core parsed the endpoint's Retry-After; AsyncCaller's failed-attempt handler waits it out.
      retryAfterMs:
        fields.retryAfterMs === undefined
          ? undefined
          : Math.min(fields.retryAfterMs, MAX_RETRY_AFTER_MS),
    });
    return finish(wrapped, lcCodeFor(error.statusCode, error.errorCode, error.message));
  }
  if (DatabricksAuthError.isInstance(error)) {
    // Credentials could not be obtained (token endpoint refused them, CLI failed...).
    const wrapped = new DatabricksServingError(
      `Could not authenticate to call Databricks endpoint ${endpoint}: ${error.message}`,
      { ...serviceErrorFieldsOf(error), kind: 'http', endpoint },
    );
    return finish(wrapped, 'MODEL_AUTHENTICATION');
  }
  if (DatabricksConnectionError.isInstance(error)) {
    const wrapped = new DatabricksServingError(
      `Could not reach Databricks endpoint ${endpoint}: ${error.message}`,
      { ...serviceErrorFieldsOf(error), kind: 'http', endpoint },
    );
    return finish(wrapped, undefined);
  }
  return error;
}

function finish(error: DatabricksServingError, code: LangChainErrorCodes | undefined) {
  if (code) {
    addLangChainErrorFields(error, code);
    error.lc_error_code = code;
  }
  stampRetryable(error, error.retryable);
  return error;
}

function stripPrefix(message: string): string {
  return message.length > 2000 ? `${message.slice(0, 2000)}…` : message;
}

export function isAbortError(error: unknown): boolean {
  return (
    typeof error === 'object' &&
    error !== null &&
    'name' in error &&
    (error.name === 'AbortError' ||
      error.name === 'ModelAbortError' ||
      error.name === 'TimeoutError') &&
    !DatabricksServingError.isInstance(error)
  );
}

/** A 2xx answer whose body we cannot use; names the endpoint and says what was wrong. */
export function malformedResponse(
  endpoint: string,
  what: string,
  cause?: unknown,
): DatabricksServingError {
  return finish(
    new DatabricksServingError(`Malformed response from Databricks endpoint ${endpoint}: ${what}`, {
      kind: 'malformed_response',
      endpoint,
      retryable: false,
      cause,
    }),
    undefined,
  );
}

/** A model used after `close()`: its connection pool is gone, so nothing is sent. */
export function closedError(owner: string, endpoint = ''): DatabricksServingError {
  return finish(
    new DatabricksServingError(
      `${owner} was closed (close() released its HTTP connections): create a new instance to make more calls`,
      { kind: 'closed', endpoint, retryable: false },
    ),
    undefined,
  );
}

/** A Responses API answer that says it failed (`status: "failed"`, an `error` event). */
export function responseFailed(
  endpoint: string,
  message: string,
  code: string | undefined,
): DatabricksServingError {
  return finish(
    new DatabricksServingError(
      `Databricks endpoint ${endpoint} answered with an error: ${message}`,
      {
        kind: 'response_failed',
        endpoint,
        errorCode: code,
        retryable: false,
      },
    ),
    undefined,
  );
}

/**
 * No silent truncation: a stream that stops early is an error. Before any output it may be
 * replayed (`retryable`); after, it carries what was received (`partialText`) and is not.
 */
export function incompleteStream(
  endpoint: string,
  cause?: unknown,
  details: { retryable?: boolean; partialText?: string } = {},
): DatabricksServingError {
  const { retryable = false, partialText } = details;
  let when = '';
  if (partialText !== undefined) {
    when =
      ` after ${partialText.length} characters of output had been received; they are in the` +
      " error's partialText (not retried: a new invocation would answer differently)";
  } else if (retryable) {
    when = ' before any output (safe to replay: nothing had been received)';
  }
  return finish(
    new DatabricksServingError(
      `The stream from endpoint ${endpoint} ended before completion (no [DONE] or finish_reason)${when}`,
      { kind: 'stream_incomplete', endpoint, retryable, partialText, cause },
    ),
    undefined,
  );
}

const NO_RETRY_STATUS = new Set([400, 401, 402, 403, 404, 405, 406, 407, 409, 413, 422]);

/**
 * AsyncCaller `onFailedAttempt` for every model of this package. Throwing stops retrying;
 * returning lets p-retry wait (its backoff, or `retryAfterMs` when longer) and try again.
 * LangChain's default handler refuses to retry a 429 without a Retry-After hint and treats
 * unknown errors as retryable; here Databricks' own `retryable` flag decides.
 */
export function databricksFailedAttemptHandler(error: unknown): void {
  if (typeof error !== 'object' || error === null) return;
  if (isAbortError(error)) throw error;
  if (DatabricksServingError.isInstance(error)) {
    if (!error.retryable) throw error;
    return;
  }
  if (getRetryable(error) === false) throw error;
  const status =
    (error as { status?: unknown }).status ?? (error as { statusCode?: unknown }).statusCode;
  if (typeof status === 'number' && NO_RETRY_STATUS.has(status)) throw error;
  if (LakechainError.isInstance(error)) {
    const retryable = (error as { retryable?: unknown }).retryable;
    if (retryable !== true) throw error;
    return;
  }
  // Plain programming errors (TypeError from our own code, validation) are not transient.
  if (error instanceof TypeError || error instanceof SyntaxError || error instanceof RangeError) {
    throw error;
  }
}
