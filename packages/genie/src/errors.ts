/**
 * Typed errors of @lakechain/genie. HTTP failures come from @lakechain/core's transport (which
 * already parsed Databricks' `{"error_code", "message"}` and retried what can be retried); this
 * module names them after what went wrong with the space, conversation or message, and says what
 * to do. Each class carries a `Symbol.for` marker so `isInstance()` works across package copies.
 */
import {
  DatabricksApiError,
  DatabricksAuthError,
  DatabricksConnectionError,
  DatabricksServiceError,
  hasErrorMarker,
  isAbortError,
  type ServiceErrorFields,
  serviceErrorFieldsOf,
} from '@lakechain/core';

/** Why a Genie call failed. */
export type GenieErrorReason =
  /** The space does not exist or the caller cannot see it. */
  | 'space_not_found'
  /** The conversation or message does not exist in the space. */
  | 'conversation_not_found'
  /** The caller may not use the space (CAN RUN on the space, CAN USE on its warehouse). */
  | 'permission_denied'
  /** The workspace kept answering 429 for longer than the call's time budget. */
  | 'rate_limited'
  /** Genie answered the message with `FAILED` (see `errorType`). */
  | 'message_failed'
  /** The message was cancelled. */
  | 'message_cancelled'
  /** The SQL result expired; run the query again with `executeQuery()`. */
  | 'query_result_expired'
  /** The message did not reach a final state within `timeoutMs`. */
  | 'timeout'
  /** The request was refused as invalid. */
  | 'bad_request'
  /** Any other HTTP error, a connection failure or a credential failure. */
  | 'request_failed'
  /** A 2xx answer whose body is not what the API documents. */
  | 'malformed_response';

/**
 * `statusCode`, `requestId`, `retryable` and `retryAfterMs` (the wait a 429 asked for) as core
 * keeps them; `errorCode` is Databricks' `error_code` (HTTP errors) or the message's
 * `error.type` (failed messages).
 */
export interface GenieErrorOptions extends ServiceErrorFields {
  reason: GenieErrorReason;
  spaceId: string;
  conversationId?: string;
  messageId?: string;
}

const genieMarker = 'lakechain.error.genie';
const genieSymbol = Symbol.for(genieMarker);

/** A Genie call failed. `reason` says why; the message says what to do. */
export class GenieError extends DatabricksServiceError {
  protected readonly [genieSymbol] = true;
  readonly reason: GenieErrorReason;
  readonly spaceId: string;
  /** The conversation to continue or poll again, when one was started. */
  readonly conversationId?: string;
  readonly messageId?: string;

  constructor(message: string, options: GenieErrorOptions) {
    super(message, options);
    this.name = 'GenieError';
    this.reason = options.reason;
    this.spaceId = options.spaceId;
    this.conversationId = options.conversationId;
    this.messageId = options.messageId;
  }

  static override isInstance(error: unknown): error is GenieError {
    return hasErrorMarker(error, genieMarker);
  }

  override toJSON(): Record<string, unknown> {
    return {
      ...super.toJSON(),
      reason: this.reason,
      spaceId: this.spaceId,
      conversationId: this.conversationId,
      messageId: this.messageId,
    };
  }
}

const genieSpaceNotFoundErrorMarker = 'lakechain.error.genie.space_not_found';
const genieSpaceNotFoundErrorSymbol = Symbol.for(genieSpaceNotFoundErrorMarker);

/** The space does not exist, or the caller cannot see it. */
export class GenieSpaceNotFoundError extends GenieError {
  protected readonly [genieSpaceNotFoundErrorSymbol] = true;

  constructor(message: string, options: GenieErrorOptions) {
    super(message, options);
    this.name = 'GenieSpaceNotFoundError';
  }

  static override isInstance(error: unknown): error is GenieSpaceNotFoundError {
    return hasErrorMarker(error, genieSpaceNotFoundErrorMarker);
  }
}

const genieRateLimitErrorMarker = 'lakechain.error.genie.rate_limited';
const genieRateLimitErrorSymbol = Symbol.for(genieRateLimitErrorMarker);

/** The workspace's question rate limit held longer than the call's time budget. */
export class GenieRateLimitError extends GenieError {
  protected readonly [genieRateLimitErrorSymbol] = true;

  constructor(message: string, options: GenieErrorOptions) {
    super(message, options);
    this.name = 'GenieRateLimitError';
  }

  static override isInstance(error: unknown): error is GenieRateLimitError {
    return hasErrorMarker(error, genieRateLimitErrorMarker);
  }
}

const genieMessageErrorMarker = 'lakechain.error.genie.message';
const genieMessageErrorSymbol = Symbol.for(genieMessageErrorMarker);

/** Genie answered with `FAILED`, `CANCELLED` or `QUERY_RESULT_EXPIRED`; `errorCode` is the message's `error.type`. */
export class GenieMessageError extends GenieError {
  protected readonly [genieMessageErrorSymbol] = true;

  constructor(message: string, options: GenieErrorOptions) {
    super(message, options);
    this.name = 'GenieMessageError';
  }

  static override isInstance(error: unknown): error is GenieMessageError {
    return hasErrorMarker(error, genieMessageErrorMarker);
  }
}

const genieTimeoutErrorMarker = 'lakechain.error.genie.timeout';
const genieTimeoutErrorSymbol = Symbol.for(genieTimeoutErrorMarker);

/** The message was still running when the time budget ran out; `waitForMessage()` on its ids resumes. */
export class GenieTimeoutError extends GenieError {
  protected readonly [genieTimeoutErrorSymbol] = true;

  constructor(message: string, options: GenieErrorOptions) {
    super(message, options);
    this.name = 'GenieTimeoutError';
  }

  static override isInstance(error: unknown): error is GenieTimeoutError {
    return hasErrorMarker(error, genieTimeoutErrorMarker);
  }
}

const NEXT_STEP: Partial<Record<GenieErrorReason, string>> = {
  space_not_found:
    'Check the space id (the last part of the Genie space URL) and that you have CAN RUN on it.',
  conversation_not_found:
    'The conversation or message is not in this space; start a new conversation.',
  permission_denied:
    'Ask for CAN RUN on the Genie space and CAN USE on its SQL warehouse, and SELECT on its tables.',
  rate_limited:
    'Genie allows few questions per minute per workspace: ask fewer questions at once, or raise `timeoutMs` so they wait their turn.',
  bad_request: 'Check the question and ids sent.',
};

function reasonOf(error: DatabricksApiError, hasConversation: boolean): GenieErrorReason {
  const code = error.errorCode ?? '';
  if (
    error.statusCode === 429 ||
    code === 'REQUEST_LIMIT_EXCEEDED' ||
    code === 'RESOURCE_EXHAUSTED'
  )
    return 'rate_limited';
  if (error.statusCode === 404 || code === 'RESOURCE_DOES_NOT_EXIST' || code === 'NOT_FOUND')
    return hasConversation && !/space/i.test(error.message)
      ? 'conversation_not_found'
      : 'space_not_found';
  if (error.statusCode === 403 || code === 'PERMISSION_DENIED') return 'permission_denied';
  if (error.statusCode === 400 || code === 'INVALID_PARAMETER_VALUE' || code === 'BAD_REQUEST')
    return 'bad_request';
  return 'request_failed';
}

/**
 * Turns what core threw into a `GenieError` (or subclass) that names the space, conversation and
 * message. Abort errors and our own errors pass through unchanged.
 */
export function toGenieError(
  error: unknown,
  context: { spaceId: string; conversationId?: string; messageId?: string; action: string },
): unknown {
  if (GenieError.isInstance(error) || isAbortError(error)) return error;
  const where = `Genie space ${context.spaceId}${context.conversationId ? `, conversation ${context.conversationId}` : ''}`;
  if (DatabricksApiError.isInstance(error)) {
    const reason = reasonOf(error, context.conversationId !== undefined);
    const next = NEXT_STEP[reason];
    const detail = `${context.action} failed for ${where}: HTTP ${error.statusCode}${error.errorCode ? ` ${error.errorCode}` : ''}: ${truncate(error.message)}`;
    const ErrorClass =
      reason === 'space_not_found'
        ? GenieSpaceNotFoundError
        : reason === 'rate_limited'
          ? GenieRateLimitError
          : GenieError;
    return new ErrorClass(next ? `${detail} ${next}` : detail, {
      ...serviceErrorFieldsOf(error),
      reason,
      spaceId: context.spaceId,
      conversationId: context.conversationId,
      messageId: context.messageId,
    });
  }
  if (DatabricksAuthError.isInstance(error) || DatabricksConnectionError.isInstance(error)) {
    return new GenieError(`${context.action} failed for ${where}: ${error.message}`, {
      ...serviceErrorFieldsOf(error),
      reason: 'request_failed',
      spaceId: context.spaceId,
      conversationId: context.conversationId,
      messageId: context.messageId,
    });
  }
  return error;
}

export function malformedResponse(
  context: { spaceId: string; conversationId?: string; messageId?: string },
  what: string,
): GenieError {
  return new GenieError(`Malformed Genie response for space ${context.spaceId}: ${what}`, {
    reason: 'malformed_response',
    ...context,
  });
}

function truncate(message: string): string {
  return message.length > 2000 ? `${message.slice(0, 2000)}…` : message;
}
