import { setTimeout as sleep } from 'node:timers/promises';
import { ApiError } from '../../platform/errors.js';
import type { ServingRequest } from './types.js';

export {
  isAsyncIterable,
  isReply,
  isStreamReply,
  reply,
  streamReply,
} from '../../platform/responses.js';

/**
 * Thrown by handlers (and by the built-in validation) to answer with a Databricks error body
 * `{"error_code": ..., "message": ...}` and the given status.
 */
export class ServingError extends ApiError {
  constructor(
    status: number,
    errorCode: string,
    message: string,
    options: { headers?: Record<string, string> } = {},
  ) {
    super(status, errorCode, message, options);
    this.name = 'ServingError';
  }
}

export function badRequest(message: string): ServingError {
  return new ServingError(400, 'BAD_REQUEST', message);
}

/**
 * Resolves after `ms`, or rejects (AbortError) as soon as the client goes away: scripted handlers
 * use it for slow streams that stop when the caller disconnects.
 */
export function delay(ms: number, signal?: AbortSignal): Promise<void> {
  return sleep(ms, undefined, { signal });
}

/** Shorthand used by the scripted helpers. */
export type RequestOf = ServingRequest;
