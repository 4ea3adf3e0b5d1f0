/**
 * The one listener of the local workspace (HTTPS; plain HTTP only for tests of single services).
 * It serves the routes of every service and does, once for all of them and in this order:
 * route matching (404 `ENDPOINT_NOT_FOUND` otherwise), a request id, fault injection (before
 * authentication, like Databricks' front end), the body size limit (a declared length is refused
 * before authentication), bearer authentication, reading and parsing the body, calling the
 * handler, sending its result and answering its errors in Databricks' shape.
 */
import { randomUUID } from 'node:crypto';
import {
  createServer as createHttpServer,
  type IncomingMessage,
  type Server,
  type ServerResponse,
} from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo, Socket } from 'node:net';
import { authenticate } from './auth.js';
import type { FaultInjector } from './faults.js';
import {
  BodyTooLargeError,
  DEFAULT_MAX_BODY_BYTES,
  disconnectSignal,
  readBody,
  sendError,
  visibleHeaders,
} from './http.js';
import { sendHandlerError, sendResult } from './responses.js';
import type { RouteTable } from './routes.js';
import type { Route, RouteRequest } from './service.js';
import type { TokenRegistry } from './tokens.js';

export interface ListenerOptions {
  /** Key and certificate; without them the listener speaks plain HTTP (tests only). */
  tls?: { key: string; cert: string };
  host: string;
  port: number;
  routes: RouteTable;
  tokens: TokenRegistry;
  faults: FaultInjector;
  /** Status for an expired OAuth token (default 403, as Databricks answers). */
  expiredTokenStatus?: 401 | 403;
}

export interface Listener {
  readonly server: Server;
  readonly port: number;
  /** Stops listening and destroys open connections (keep-alive ones included). */
  close(): Promise<void>;
}

function faultReply(
  response: ServerResponse,
  decision: { status: 429 | 503; retryAfterSeconds?: number },
): void {
  const headers: Record<string, string> = {};
  if (decision.retryAfterSeconds !== undefined)
    headers['retry-after'] = String(decision.retryAfterSeconds);
  if (decision.status === 429)
    sendError(
      response,
      429,
      'REQUEST_LIMIT_EXCEEDED',
      'The request rate limit was exceeded. Retry after the time given in Retry-After.',
      headers,
    );
  else
    sendError(
      response,
      503,
      'TEMPORARILY_UNAVAILABLE',
      'The service is temporarily unavailable. Please retry.',
      headers,
    );
}

/** Reads and parses the body as the route asks; `undefined` when an error answer was sent. */
async function readRouteBody(
  request: IncomingMessage,
  response: ServerResponse,
  route: Route,
  limit: number,
): Promise<{ body: unknown; raw: Buffer } | undefined> {
  const kind = route.body ?? 'json';
  if (kind === 'none') {
    request.resume();
    return { body: undefined, raw: Buffer.alloc(0) };
  }
  let raw: Buffer;
  try {
    raw = await readBody(request, limit);
  } catch (error) {
    if (error instanceof BodyTooLargeError)
      sendError(response, 413, 'REQUEST_ENTITY_TOO_LARGE', error.message, { connection: 'close' });
    else request.socket.destroy();
    return undefined;
  }
  if (kind === 'raw') return { body: raw, raw };
  const text = raw.toString('utf8');
  if (text.trim() === '') return { body: undefined, raw };
  try {
    return { body: JSON.parse(text), raw };
  } catch (error) {
    sendError(
      response,
      400,
      'MALFORMED_REQUEST',
      `Invalid JSON given in the body of the request - ${(error as Error).message}`,
    );
    return undefined;
  }
}

export async function startListener(options: ListenerOptions): Promise<Listener> {
  const sockets = new Set<Socket>();
  const statuses = { expired: options.expiredTokenStatus ?? 403 } as const;

  const handle = async (request: IncomingMessage, response: ServerResponse) => {
    const method = request.method ?? 'GET';
    const url = new URL(request.url ?? '/', 'https://localhost');
    const path = url.pathname;
    const matched = options.routes.match(method, path);
    if (!matched) {
      request.resume();
      sendError(response, 404, 'ENDPOINT_NOT_FOUND', `No API found for '${method} ${path}'`);
      return;
    }
    const { route, params } = matched;
    // Databricks tags every answer with a request id; clients quote it in their errors.
    response.setHeader('x-request-id', randomUUID());

    const decision = await options.faults.before(route.name, path);
    if (decision.kind === 'reset') {
      request.socket.destroy();
      return;
    }
    if (decision.kind === 'status') {
      request.resume();
      faultReply(response, decision);
      return;
    }

    const limit = route.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES;
    const declared = Number(request.headers['content-length']);
    if (Number.isFinite(declared) && declared > limit) {
      // Refused before authentication and before reading: nobody makes us buffer it.
      request.resume();
      sendError(
        response,
        413,
        'REQUEST_ENTITY_TOO_LARGE',
        `Request body larger than ${limit} bytes`,
        { connection: 'close' },
      );
      return;
    }
    if ((route.auth ?? 'bearer') === 'bearer') {
      const ok = authenticate(request, response, options.tokens, {
        ...statuses,
        invalid: route.invalidTokenStatus ?? 403,
      });
      if (!ok) {
        request.resume();
        return;
      }
    }

    const body = await readRouteBody(request, response, route, limit);
    if (!body) return;
    const signal = disconnectSignal(response);
    const cutStream = () => options.faults.shouldCutStream(route.name, path);
    const routeRequest: RouteRequest = {
      method,
      path,
      url,
      query: url.searchParams,
      params,
      headers: visibleHeaders(request),
      body: body.body,
      rawBody: body.raw,
      signal,
      routeName: route.name,
      incoming: request,
      response,
      send: (result) => sendResult(response, result, { signal, cutStream }),
    };
    try {
      const result = await route.handle(routeRequest);
      await sendResult(response, result, { signal, cutStream });
    } catch (error) {
      sendHandlerError(response, error, signal);
    }
  };

  const onRequest = (request: IncomingMessage, response: ServerResponse) => {
    handle(request, response).catch((error: unknown) => {
      if (!response.headersSent) {
        sendError(response, 500, 'INTERNAL_ERROR', String((error as Error)?.message ?? error));
      } else {
        response.destroy();
      }
    });
  };
  const server = options.tls
    ? createHttpsServer(
        { key: options.tls.key, cert: options.tls.cert, keepAliveTimeout: 30_000 },
        onRequest,
      )
    : createHttpServer({ keepAliveTimeout: 30_000 }, onRequest);
  server.on('connection', (socket: Socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  server.on('tlsClientError', () => undefined);

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, () => {
      server.off('error', reject);
      resolve();
    });
  });

  return {
    server,
    port: (server.address() as AddressInfo).port,
    async close() {
      const closing = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeAllConnections();
      for (const socket of sockets) socket.destroy();
      await closing;
    },
  };
}
