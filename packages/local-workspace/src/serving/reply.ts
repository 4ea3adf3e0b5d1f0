import { setTimeout as sleep } from 'node:timers/promises';
import {
  type HttpReply,
  replyMarker,
  type ServingRequest,
  type StreamReply,
  streamMarker,
} from './types.js';

/**
 * An explicit HTTP answer from a serving or driver-proxy handler: a status, headers and a JSON
 * `body` (or a raw `text`). Use it to script exact errors:
 * `reply({ status: 400, body: { error_code: 'BAD_REQUEST', message: 'no' } })`.
 */
export function reply(options: {
  status?: number;
  headers?: Record<string, string>;
  body?: unknown;
  text?: string;
}): HttpReply {
  return {
    [replyMarker]: true,
    status: options.status ?? 200,
    headers: options.headers ?? {},
    body: options.body,
    text: options.text,
  };
}

/**
 * A streamed answer: each chunk becomes `data: <json>\n\n` (strings are written as they are, so a
 * test can send malformed events), then `data: [DONE]\n\n` unless `done` is false.
 */
export function streamReply(
  chunks: AsyncIterable<unknown>,
  options: { headers?: Record<string, string>; done?: boolean } = {},
): StreamReply {
  return {
    [streamMarker]: true,
    chunks,
    headers: options.headers ?? {},
    done: options.done ?? true,
  };
}

export function isReply(value: unknown): value is HttpReply {
  return typeof value === 'object' && value !== null && replyMarker in value;
}

export function isStreamReply(value: unknown): value is StreamReply {
  return typeof value === 'object' && value !== null && streamMarker in value;
}

export function isAsyncIterable(value: unknown): value is AsyncIterable<unknown> {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as { [Symbol.asyncIterator]?: unknown })[Symbol.asyncIterator] === 'function'
  );
}

/**
 * Thrown by handlers (and by the built-in validation) to answer with a Databricks error body
 * `{"error_code": ..., "message": ...}` and the given status.
 */
export class ServingError extends Error {
  readonly status: number;
  readonly errorCode: string;
  readonly headers: Record<string, string>;

  constructor(
    status: number,
    errorCode: string,
    message: string,
    options: { headers?: Record<string, string> } = {},
  ) {
    super(message);
    this.name = 'ServingError';
    this.status = status;
    this.errorCode = errorCode;
    this.headers = options.headers ?? {};
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
