/**
 * Typed errors of @lakechain/vector-search. HTTP failures come from @lakechain/core's transport
 * (which already parsed Databricks' `{"error_code", "message"}` and retried what can be retried);
 * this module only names them after what went wrong with the index or endpoint, and says what to
 * do. Each class carries a `Symbol.for` marker so `isInstance()` works across package copies.
 */
import {
  DatabricksApiError,
  DatabricksAuthError,
  DatabricksConnectionError,
  DatabricksServiceError,
  hasErrorMarker,
  isAbortError,
  LakechainError,
  type ServiceErrorFields,
  serviceErrorFieldsOf,
} from '@lakechain/core';

/** Why a Vector Search call failed. */
export type VectorSearchErrorReason =
  /** The index (or the endpoint named with it) does not exist. */
  | 'index_not_found'
  /** The index exists but cannot serve queries yet (initial sync, provisioning, offline). */
  | 'index_not_ready'
  /** The Vector Search endpoint is provisioning or offline. */
  | 'endpoint_not_ready'
  /** The caller may not read or write the index. */
  | 'permission_denied'
  /** Too many requests (after core's retries gave up). */
  | 'rate_limited'
  /** The request was refused as invalid (bad filter, wrong column, bad vector...). */
  | 'bad_request'
  /** Any other HTTP error, a connection failure or a credential failure. */
  | 'request_failed'
  /** A 2xx answer whose body is not what the API documents. */
  | 'malformed_response';

/** `statusCode`, `errorCode` (e.g. `RESOURCE_DOES_NOT_EXIST`), `requestId`... as core keeps them. */
export interface VectorSearchErrorOptions extends ServiceErrorFields {
  reason: VectorSearchErrorReason;
  resource: string;
}

const vectorSearchMarker = 'lakechain.error.vector_search';
const vectorSearchSymbol = Symbol.for(vectorSearchMarker);

/** A Vector Search call failed. `reason` says why; the message says what to do. */
export class VectorSearchError extends DatabricksServiceError {
  protected readonly [vectorSearchSymbol] = true;
  readonly reason: VectorSearchErrorReason;
  /** The index (`catalog.schema.name`) or endpoint the call was about. */
  readonly resource: string;

  constructor(message: string, options: VectorSearchErrorOptions) {
    super(message, options);
    this.name = 'VectorSearchError';
    this.reason = options.reason;
    this.resource = options.resource;
  }

  static override isInstance(error: unknown): error is VectorSearchError {
    return hasErrorMarker(error, vectorSearchMarker);
  }

  override toJSON(): Record<string, unknown> {
    return { ...super.toJSON(), reason: this.reason, resource: this.resource };
  }
}

const indexNotFoundErrorMarker = 'lakechain.error.vector_search.index_not_found';
const indexNotFoundErrorSymbol = Symbol.for(indexNotFoundErrorMarker);

/** The index does not exist (or is not visible to the caller). */
export class IndexNotFoundError extends VectorSearchError {
  protected readonly [indexNotFoundErrorSymbol] = true;

  constructor(message: string, options: VectorSearchErrorOptions) {
    super(message, options);
    this.name = 'IndexNotFoundError';
  }

  static override isInstance(error: unknown): error is IndexNotFoundError {
    return hasErrorMarker(error, indexNotFoundErrorMarker);
  }
}

const indexNotReadyErrorMarker = 'lakechain.error.vector_search.index_not_ready';
const indexNotReadyErrorSymbol = Symbol.for(indexNotReadyErrorMarker);

/** The index is still syncing or provisioning, or is offline. */
export class IndexNotReadyError extends VectorSearchError {
  protected readonly [indexNotReadyErrorSymbol] = true;

  constructor(message: string, options: VectorSearchErrorOptions) {
    super(message, options);
    this.name = 'IndexNotReadyError';
  }

  static override isInstance(error: unknown): error is IndexNotReadyError {
    return hasErrorMarker(error, indexNotReadyErrorMarker);
  }
}

const endpointNotReadyErrorMarker = 'lakechain.error.vector_search.endpoint_not_ready';
const endpointNotReadyErrorSymbol = Symbol.for(endpointNotReadyErrorMarker);

/** The Vector Search endpoint is provisioning or offline. */
export class EndpointNotReadyError extends VectorSearchError {
  protected readonly [endpointNotReadyErrorSymbol] = true;

  constructor(message: string, options: VectorSearchErrorOptions) {
    super(message, options);
    this.name = 'EndpointNotReadyError';
  }

  static override isInstance(error: unknown): error is EndpointNotReadyError {
    return hasErrorMarker(error, endpointNotReadyErrorMarker);
  }
}

const vectorSearchPermissionErrorMarker = 'lakechain.error.vector_search.permission_denied';
const vectorSearchPermissionErrorSymbol = Symbol.for(vectorSearchPermissionErrorMarker);

/** The caller lacks a privilege on the index or endpoint. */
export class VectorSearchPermissionError extends VectorSearchError {
  protected readonly [vectorSearchPermissionErrorSymbol] = true;

  constructor(message: string, options: VectorSearchErrorOptions) {
    super(message, options);
    this.name = 'VectorSearchPermissionError';
  }

  static override isInstance(error: unknown): error is VectorSearchPermissionError {
    return hasErrorMarker(error, vectorSearchPermissionErrorMarker);
  }
}

const vectorSearchRateLimitErrorMarker = 'lakechain.error.vector_search.rate_limited';
const vectorSearchRateLimitErrorSymbol = Symbol.for(vectorSearchRateLimitErrorMarker);

/** Databricks kept answering 429 after core's retries. */
export class VectorSearchRateLimitError extends VectorSearchError {
  protected readonly [vectorSearchRateLimitErrorSymbol] = true;

  constructor(message: string, options: VectorSearchErrorOptions) {
    super(message, options);
    this.name = 'VectorSearchRateLimitError';
  }

  static override isInstance(error: unknown): error is VectorSearchRateLimitError {
    return hasErrorMarker(error, vectorSearchRateLimitErrorMarker);
  }
}

const validationMarker = 'lakechain.error.vector_search.validation';
const validationSymbol = Symbol.for(validationMarker);

/**
 * Input that cannot work with this index, caught before any request: a filter on a column the
 * index does not have, a query vector of the wrong dimension, an `embeddings` object for an index
 * whose embeddings Databricks computes, a missing text column...
 */
export class VectorSearchValidationError extends LakechainError {
  protected readonly [validationSymbol] = true;
  /** The option or argument at fault (`filter`, `textColumn`, `embeddings`, ...). */
  readonly parameter: string;
  /** The index, when known. */
  readonly indexName?: string;

  constructor(
    message: string,
    options: { parameter: string; indexName?: string; cause?: unknown },
  ) {
    super(message, { cause: options.cause });
    this.name = 'VectorSearchValidationError';
    this.parameter = options.parameter;
    this.indexName = options.indexName;
  }

  static override isInstance(error: unknown): error is VectorSearchValidationError {
    return hasErrorMarker(error, validationMarker);
  }

  override toJSON(): Record<string, unknown> {
    return { ...super.toJSON(), parameter: this.parameter, indexName: this.indexName };
  }
}

const NOT_READY_MESSAGE = /not (yet )?ready|provisioning|not online|offline|initial sync|syncing/i;

/** What to do, per reason; appended to Databricks' own message. */
function advice(reason: VectorSearchErrorReason, resource: string, kind: 'index' | 'endpoint') {
  switch (reason) {
    case 'index_not_found':
      return kind === 'endpoint'
        ? `Check the endpoint name, or create it (POST /api/2.0/vector-search/endpoints).`
        : `Check the full name (catalog.schema.index) and that you have SELECT on it; list indexes with VectorSearchClient.listIndexes().`;
    case 'index_not_ready':
      return `Wait until the index is ready (VectorSearchClient.waitForIndex('${resource}')) and retry.`;
    case 'endpoint_not_ready':
      return `Wait until the endpoint is ONLINE (VectorSearchClient.waitForEndpoint()) and retry.`;
    case 'permission_denied':
      return `Ask for SELECT on the index (queries) or MODIFY (upsert/delete), and CAN_USE on its endpoint.`;
    case 'rate_limited':
      return `Lower the request rate or raise the endpoint's capacity (target_qps).`;
    default:
      return '';
  }
}

function classify(error: DatabricksApiError, kind: 'index' | 'endpoint'): VectorSearchErrorReason {
  const code = error.errorCode ?? '';
  const message = error.message;
  if (error.statusCode === 404 || code === 'RESOURCE_DOES_NOT_EXIST' || code === 'NOT_FOUND')
    return 'index_not_found';
  if (error.statusCode === 403 || code === 'PERMISSION_DENIED') return 'permission_denied';
  if (error.statusCode === 429 || code === 'REQUEST_LIMIT_EXCEEDED') return 'rate_limited';
  if (
    code === 'FAILED_PRECONDITION' ||
    code === 'INVALID_STATE' ||
    code === 'RESOURCE_NOT_READY' ||
    ((error.statusCode === 400 || error.statusCode === 409 || error.statusCode === 503) &&
      NOT_READY_MESSAGE.test(message))
  ) {
    return kind === 'endpoint' || /\bendpoint\b/i.test(message)
      ? 'endpoint_not_ready'
      : 'index_not_ready';
  }
  if (error.statusCode === 400) return 'bad_request';
  return 'request_failed';
}

const CLASS_OF_REASON: Partial<
  Record<
    VectorSearchErrorReason,
    new (
      message: string,
      options: VectorSearchErrorOptions,
    ) => VectorSearchError
  >
> = {
  index_not_found: IndexNotFoundError,
  index_not_ready: IndexNotReadyError,
  endpoint_not_ready: EndpointNotReadyError,
  permission_denied: VectorSearchPermissionError,
  rate_limited: VectorSearchRateLimitError,
};

/**
 * Turns what core threw into a `VectorSearchError` subclass. Abort errors and our own errors pass
 * through unchanged.
 */
export function wrapVectorSearchError(
  error: unknown,
  resource: string,
  kind: 'index' | 'endpoint' = 'index',
): unknown {
  if (VectorSearchError.isInstance(error) || VectorSearchValidationError.isInstance(error))
    return error;
  if (isAbortError(error)) return error;
  if (DatabricksApiError.isInstance(error)) {
    if (error.statusCode >= 200 && error.statusCode < 300)
      return malformedResponse(resource, error.message, error);
    const reason = classify(error, kind);
    const subject =
      kind === 'endpoint'
        ? `Vector Search endpoint ${resource}`
        : `Vector Search index ${resource}`;
    // The server's own message when it sent one (core's message repeats status, path and code).
    const serverMessage = (error.details as { message?: unknown } | undefined)?.message;
    const detail =
      typeof serverMessage === 'string' && serverMessage
        ? `${subject}: ${truncate(serverMessage)} (HTTP ${error.statusCode}${error.errorCode ? ` ${error.errorCode}` : ''}${error.requestId ? `, request id ${error.requestId}` : ''})`
        : `${subject}: HTTP ${error.statusCode}${error.errorCode ? ` ${error.errorCode}` : ''}: ${truncate(error.message)}`;
    const hint = advice(reason, resource, kind);
    const ErrorClass = CLASS_OF_REASON[reason] ?? VectorSearchError;
    return new ErrorClass(hint ? `${detail} ${hint}` : detail, {
      ...serviceErrorFieldsOf(error),
      reason,
      resource,
    });
  }
  if (DatabricksAuthError.isInstance(error) || DatabricksConnectionError.isInstance(error)) {
    return new VectorSearchError(`Vector Search ${kind} ${resource}: ${error.message}`, {
      ...serviceErrorFieldsOf(error),
      reason: 'request_failed',
      resource,
    });
  }
  return error;
}

/** A 2xx answer that does not have the documented shape. */
export function malformedResponse(resource: string, what: string, cause?: unknown) {
  return new VectorSearchError(`Malformed Vector Search response for ${resource}: ${what}`, {
    reason: 'malformed_response',
    resource,
    cause,
  });
}

function truncate(message: string): string {
  return message.length > 2000 ? `${message.slice(0, 2000)}…` : message;
}

const partialFailureMarker = 'lakechain.error.vector_search.partial_failure';
const partialFailureSymbol = Symbol.for(partialFailureMarker);

/**
 * An upsert or delete that Databricks accepted only in part (`PARTIAL_SUCCESS` / `FAILURE`): the
 * rows of `failedPrimaryKeys` were not written; `succeededIds` were.
 */
export class VectorSearchPartialFailureError extends VectorSearchError {
  protected readonly [partialFailureSymbol] = true;
  readonly failedPrimaryKeys: unknown[];
  readonly succeededIds: string[];

  constructor(
    message: string,
    options: VectorSearchErrorOptions & { failedPrimaryKeys: unknown[]; succeededIds: string[] },
  ) {
    super(message, options);
    this.name = 'VectorSearchPartialFailureError';
    this.failedPrimaryKeys = options.failedPrimaryKeys;
    this.succeededIds = options.succeededIds;
  }

  static override isInstance(error: unknown): error is VectorSearchPartialFailureError {
    return hasErrorMarker(error, partialFailureMarker);
  }

  override toJSON(): Record<string, unknown> {
    return {
      ...super.toJSON(),
      failedPrimaryKeys: this.failedPrimaryKeys,
      succeededIds: this.succeededIds,
    };
  }
}
