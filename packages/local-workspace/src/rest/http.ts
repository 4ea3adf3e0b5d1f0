import type { IncomingMessage, ServerResponse } from 'node:http';

/** Request bodies above this size answer 413 (serving payloads are small; this is a guard). */
export const MAX_BODY_BYTES = 32 * 1024 * 1024;

export class BodyTooLargeError extends Error {}

export async function readBody(request: IncomingMessage, limit = MAX_BODY_BYTES): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of request) {
    const buffer = typeof chunk === 'string' ? Buffer.from(chunk) : (chunk as Buffer);
    size += buffer.length;
    if (size > limit) throw new BodyTooLargeError(`Request body larger than ${limit} bytes`);
    chunks.push(buffer);
  }
  return Buffer.concat(chunks);
}

export function sendJson(
  response: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  if (response.headersSent || response.destroyed) return;
  const text = body === undefined ? '' : JSON.stringify(body);
  response.writeHead(status, {
    'content-type': 'application/json',
    'content-length': Buffer.byteLength(text),
    ...headers,
  });
  response.end(text);
}

export function sendText(
  response: ServerResponse,
  status: number,
  text: string,
  headers: Record<string, string> = {},
): void {
  if (response.headersSent || response.destroyed) return;
  response.writeHead(status, {
    'content-type': 'text/plain; charset=utf-8',
    'content-length': Buffer.byteLength(text),
    ...headers,
  });
  response.end(text);
}

/** Databricks REST error body: `{"error_code": "...", "message": "..."}`. */
export function sendError(
  response: ServerResponse,
  status: number,
  errorCode: string,
  message: string,
  headers: Record<string, string> = {},
): void {
  sendJson(response, status, { error_code: errorCode, message }, headers);
}

/** Request headers in lower case, `authorization` (and cookies) left out. */
export function visibleHeaders(request: IncomingMessage): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const [key, value] of Object.entries(request.headers)) {
    if (key === 'authorization' || key === 'cookie' || value === undefined) continue;
    headers[key] = Array.isArray(value) ? value.join(', ') : value;
  }
  return headers;
}

/** An AbortSignal that fires when the client goes away before the response is complete. */
export function disconnectSignal(response: ServerResponse): AbortSignal {
  const controller = new AbortController();
  response.once('close', () => {
    if (!response.writableFinished)
      controller.abort(new Error('The client closed the connection before the response ended'));
  });
  return controller.signal;
}

/**
 * Reads a JSON request body. An empty body is `undefined`; a body over the limit answers 413 and
 * unparsable JSON 400 `MALFORMED_REQUEST` (Databricks' wording), and `ok: false` tells the caller
 * the response was already sent.
 */
export async function readJsonBody(
  request: IncomingMessage,
  response: ServerResponse,
): Promise<{ ok: true; body: unknown } | { ok: false }> {
  let raw: Buffer;
  try {
    raw = await readBody(request);
  } catch (error) {
    if (error instanceof BodyTooLargeError)
      sendError(response, 413, 'REQUEST_ENTITY_TOO_LARGE', error.message);
    else request.socket.destroy();
    return { ok: false };
  }
  const text = raw.toString('utf8');
  if (text.trim() === '') return { ok: true, body: undefined };
  try {
    return { ok: true, body: JSON.parse(text) };
  } catch (error) {
    sendError(
      response,
      400,
      'MALFORMED_REQUEST',
      `Invalid JSON given in the body of the request - ${(error as Error).message}`,
    );
    return { ok: false };
  }
}
