/**
 * The one HTTPS listener of the local workspace. Thrift POSTs at the warehouse path
 * (`/sql/1.0/warehouses/<id>`) and the cluster path (`/sql/protocolv1/o/<org>/<clusterId>`) go to
 * the TCLIService processor, behind bearer auth and fault injection; everything else goes to the
 * REST handler.
 */

import type { IncomingMessage, ServerResponse } from 'node:http';
import { createServer, type Server } from 'node:https';
import type { AddressInfo, Socket } from 'node:net';
import thrift from 'thrift';
import type { FaultInjector, RestHandler, TokenRegistry } from './types.js';
import { TCLIService } from './warehouse/thrift_types.js';

export interface WorkspaceServerOptions {
  tls: { key: string; cert: string };
  host: string;
  port: number;
  warehouseId: string;
  clusterId: string;
  tokens: TokenRegistry;
  faults: FaultInjector;
  /** The TCLIService handler (promise-style methods). */
  thriftHandler: object;
  rest: RestHandler;
}

export interface WorkspaceServer {
  readonly server: Server;
  readonly port: number;
  close(): Promise<void>;
}

/** Which Thrift endpoint a path names, if any. */
export function thriftEndpoint(
  path: string,
  ids: { warehouseId: string; clusterId: string },
): 'warehouse' | 'cluster' | undefined {
  const warehouse = /^\/sql\/1\.0\/(?:warehouses|endpoints)\/([^/]+)\/?$/.exec(path);
  if (warehouse) return warehouse[1] === ids.warehouseId ? 'warehouse' : undefined;
  const cluster = /^\/?sql\/protocolv1\/o\/[^/]+\/([^/]+)\/?$/.exec(path);
  if (cluster) return cluster[1] === ids.clusterId ? 'cluster' : undefined;
  return undefined;
}

function isThriftLike(path: string): boolean {
  return path.startsWith('/sql/1.0/') || /^\/?sql\/protocolv1\//.test(path);
}

function sendJson(
  response: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
) {
  const text = JSON.stringify(body);
  response.writeHead(status, {
    'content-type': 'application/json',
    'content-length': Buffer.byteLength(text),
    ...headers,
  });
  response.end(text);
}

function readBody(request: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => resolve(Buffer.concat(chunks)));
    request.on('error', reject);
  });
}

export async function startWorkspaceServer(
  options: WorkspaceServerOptions,
): Promise<WorkspaceServer> {
  const processor = new TCLIService.Processor(options.thriftHandler);
  const sockets = new Set<Socket>();

  const serveThrift = async (request: IncomingMessage, response: ServerResponse, path: string) => {
    if (request.method !== 'POST') {
      sendJson(response, 405, {
        error_code: 'BAD_REQUEST',
        message: 'Thrift endpoints accept POST only.',
      });
      return;
    }
    // Like the Databricks front end: faults (throttling, outages) before authentication.
    const fault = await options.faults.before('thrift', path);
    if (fault.kind === 'reset') {
      request.socket.destroy();
      return;
    }
    if (fault.kind === 'status') {
      await readBody(request).catch(() => undefined);
      const headers: Record<string, string> = {};
      if (fault.retryAfterSeconds !== undefined)
        headers['retry-after'] = String(fault.retryAfterSeconds);
      const body =
        fault.status === 429
          ? {
              error_code: 'REQUEST_LIMIT_EXCEEDED',
              message: 'Too many requests. Please retry later.',
            }
          : {
              error_code: 'TEMPORARILY_UNAVAILABLE',
              message: 'The service is temporarily unavailable.',
            };
      sendJson(response, fault.status, body, headers);
      return;
    }
    const auth = options.tokens.verify(request.headers.authorization);
    if (auth !== 'valid') {
      await readBody(request).catch(() => undefined);
      if (auth === 'expired') {
        sendJson(response, 403, { error_code: '403', message: 'Invalid access token.' });
      } else {
        const missing = !request.headers.authorization;
        sendJson(
          response,
          401,
          {
            error_code: '401',
            message: missing
              ? 'Credential was not sent or was of an unsupported type for this API.'
              : 'Invalid access token.',
          },
          { 'www-authenticate': 'Bearer' },
        );
      }
      return;
    }
    const body = await readBody(request);
    thrift.TBufferedTransport.receiver((transport) => {
      const input = new thrift.TBinaryProtocol(transport);
      const output = new thrift.TBinaryProtocol(
        new thrift.TBufferedTransport(undefined, (buffer?: Buffer) => {
          if (response.headersSent) return;
          const payload = buffer ?? Buffer.alloc(0);
          response.writeHead(200, {
            'content-type': 'application/x-thrift',
            'content-length': payload.length,
          });
          response.end(payload);
        }),
      );
      try {
        processor.process(input, output);
      } catch (error) {
        if (!response.headersSent) {
          sendJson(response, 500, {
            error_code: 'INTERNAL_ERROR',
            message: String((error as Error)?.message ?? error),
          });
        }
      }
    }, 0)(body);
  };

  const server = createServer(
    { key: options.tls.key, cert: options.tls.cert, keepAliveTimeout: 30_000 },
    (request, response) => {
      const url = new URL(request.url ?? '/', 'https://localhost');
      const path = url.pathname;
      const handle = async () => {
        const endpoint = thriftEndpoint(path, options);
        if (endpoint) {
          await serveThrift(request, response, path);
          return;
        }
        if (isThriftLike(path)) {
          sendJson(response, 404, {
            error_code: 'RESOURCE_DOES_NOT_EXIST',
            message: `No SQL warehouse or cluster at ${path}.`,
          });
          return;
        }
        const handled = await options.rest(request, response, { route: 'rest', path });
        if (!handled && !response.headersSent) {
          sendJson(response, 404, {
            error_code: 'ENDPOINT_NOT_FOUND',
            message: `No API found for '${request.method} ${path}'`,
          });
        }
      };
      handle().catch((error: unknown) => {
        if (!response.headersSent) {
          sendJson(response, 500, {
            error_code: 'INTERNAL_ERROR',
            message: String((error as Error)?.message ?? error),
          });
        } else {
          response.destroy();
        }
      });
    },
  );
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
