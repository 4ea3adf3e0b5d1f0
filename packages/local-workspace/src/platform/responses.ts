/**
 * Results a route handler returns, and how the listener sends them: `reply(...)` (an explicit
 * status, headers and JSON or text body), `streamReply(...)` or a bare async iterable (Server-Sent
 * Events, `data: <json>` per chunk, then `data: [DONE]`), or any JSON value.
 */
import { once } from 'node:events';
import type { ServerResponse } from 'node:http';
import { ApiError } from './errors.js';
import { sendError, sendJson, sendText } from './http.js';

export const replyMarker: unique symbol = Symbol.for('lakechain.local-workspace.reply');
export const streamMarker: unique symbol = Symbol.for('lakechain.local-workspace.stream');

/** A handler result with an explicit status and headers; build it with `reply(...)`. */
export interface HttpReply {
  readonly [replyMarker]: true;
  status: number;
  headers: Record<string, string>;
  /** JSON-serialised, unless `text` is given. */
  body?: unknown;
  /** Sent verbatim (content type `text/plain` unless a header says otherwise). */
  text?: string;
}

/** A streamed result: each chunk becomes one SSE event `data: <json>`. */
export interface StreamReply {
  readonly [streamMarker]: true;
  chunks: AsyncIterable<unknown>;
  headers: Record<string, string>;
  /** Send the final `data: [DONE]` (default true). */
  done: boolean;
}

/**
 * An explicit HTTP answer: a status, headers and a JSON `body` (or a raw `text`). Use it to script
 * exact errors: `reply({ status: 400, body: { error_code: 'BAD_REQUEST', message: 'no' } })`.
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

/** Pause between the last event of a cut stream and the socket being destroyed. */
const CUT_GRACE_MS = 100;

function formatEvent(chunk: unknown): string {
  const data = typeof chunk === 'string' ? chunk : JSON.stringify(chunk);
  return `data: ${data}\n\n`;
}

async function write(response: ServerResponse, text: string): Promise<void> {
  if (response.destroyed) return;
  if (!response.write(text)) {
    await Promise.race([once(response, 'drain'), once(response, 'close')]);
  }
}

/**
 * Writes chunks as SSE events and returns the status sent. The first chunk is awaited before the
 * headers go out, so a handler whose stream fails at once with an `ApiError` (a scripted 429,
 * say) still answers with that status and a JSON error body. With `cut`, writes the first half of
 * the chunks and then destroys the socket: the client sees a stream that ends without `[DONE]` and
 * without a clean end of the HTTP body (the chunks are gathered first, to know where half is).
 */
async function writeStream(
  response: ServerResponse,
  chunks: AsyncIterable<unknown>,
  options: { headers: Record<string, string>; done: boolean; cut: boolean; signal: AbortSignal },
): Promise<number> {
  const iterator = chunks[Symbol.asyncIterator]();
  let next: IteratorResult<unknown>;
  try {
    next = await iterator.next();
  } catch (error) {
    if (options.signal.aborted || response.destroyed) return 499;
    if (error instanceof ApiError) {
      sendError(response, error.status, error.errorCode, error.message, error.headers);
      return error.status;
    }
    throw error;
  }
  response.writeHead(200, {
    'content-type': 'text/event-stream; charset=utf-8',
    'cache-control': 'no-cache',
    connection: 'keep-alive',
    'x-accel-buffering': 'no',
    ...options.headers,
  });
  response.flushHeaders();
  try {
    if (options.cut) {
      const all: unknown[] = [];
      while (!next.done && !options.signal.aborted) {
        all.push(next.value);
        next = await iterator.next();
      }
      const keep = all.length >= 2 ? Math.floor(all.length / 2) : 0;
      const text = all.slice(0, keep).map(formatEvent).join('') || ': stream cut\n\n';
      // Destroy a moment after the flush: a client whose body reader lags would otherwise get
      // the error before the events that did arrive (a WHATWG stream drops its queue on error).
      response.write(text, () => {
        setTimeout(() => response.socket?.destroy(), CUT_GRACE_MS).unref();
      });
      return 200;
    }
    while (!next.done) {
      if (options.signal.aborted || response.destroyed) {
        await iterator.return?.();
        return 200;
      }
      await write(response, formatEvent(next.value));
      next = await iterator.next();
    }
    if (options.done) await write(response, 'data: [DONE]\n\n');
    response.end();
  } catch (error) {
    if (options.signal.aborted || response.destroyed) return 200;
    if (error instanceof ApiError) {
      // An error in the middle of a stream arrives as one more event, then the stream ends.
      await write(response, formatEvent({ error_code: error.errorCode, message: error.message }));
      response.end();
      return 200;
    }
    response.socket?.destroy();
  }
  return 200;
}

/**
 * Sends a handler's result: a reply, a stream, or a JSON value. Nothing is sent when the handler
 * already answered. Returns the status sent and whether it was a stream.
 */
export async function sendResult(
  response: ServerResponse,
  result: unknown,
  options: { signal: AbortSignal; cutStream: () => boolean },
): Promise<{ status: number; streamed: boolean }> {
  if (response.headersSent || response.writableEnded)
    return { status: response.statusCode, streamed: false };
  if (isReply(result)) {
    if (result.text !== undefined) sendText(response, result.status, result.text, result.headers);
    else sendJson(response, result.status, result.body, result.headers);
    return { status: result.status, streamed: false };
  }
  if (isStreamReply(result) || isAsyncIterable(result)) {
    const stream = isStreamReply(result)
      ? result
      : { chunks: result as AsyncIterable<unknown>, headers: {}, done: true };
    const status = await writeStream(response, stream.chunks, {
      headers: stream.headers,
      done: stream.done,
      cut: options.cutStream(),
      signal: options.signal,
    });
    return { status, streamed: status === 200 };
  }
  sendJson(response, 200, result === undefined ? {} : result);
  return { status: 200, streamed: false };
}

/** The status a failed handler answers with (499: the client went away first). */
export function failureStatus(
  error: unknown,
  response: ServerResponse,
  signal: AbortSignal,
): number {
  if (signal.aborted || response.destroyed) return 499;
  return error instanceof ApiError ? error.status : 500;
}

/** Answers a handler's error: an `ApiError` as Databricks' error body, anything else as a 500. */
export function sendHandlerError(
  response: ServerResponse,
  error: unknown,
  signal: AbortSignal,
): number {
  if (signal.aborted || response.destroyed) return 499;
  if (response.headersSent) {
    response.destroy();
    return response.statusCode;
  }
  if (error instanceof ApiError) {
    sendError(response, error.status, error.errorCode, error.message, error.headers);
    return error.status;
  }
  const message = error instanceof Error ? error.message : String(error);
  sendError(response, 500, 'INTERNAL_ERROR', message);
  return 500;
}
