/**
 * An app's URL, `{workspace host}/__apps/{name}`: Databricks serves apps on hosts of their own
 * (`https://{name}-{workspace id}.{region}.databricksapps.com`); here a path prefix of the one
 * listener stands for that host and is stripped before the request reaches the app's process.
 * Requests need an OAuth token of the workspace (a personal access token is refused with 401,
 * as apps refuse them); the app gets `x-forwarded-*` headers, not the token.
 */
import { randomUUID } from 'node:crypto';
import { request as httpRequest } from 'node:http';
import { ApiError } from '../../platform/errors.js';
import type { RouteRequest } from '../../platform/service.js';
import type { AppsRuntime } from './records.js';

/** The app's URL prefix: authenticate, then forward to its process. */
export async function proxyToApp(runtime: AppsRuntime, request: RouteRequest): Promise<void> {
  const { context, apps } = runtime;
  const name = request.params['1'] ?? '';
  const rest = request.params['2'] || '/';
  const header = request.incoming.headers.authorization;
  const verdict = context.tokens.verify(header);
  const token = /^Bearer\s+(\S+)$/i.exec(header ?? '')?.[1] ?? '';
  // OAuth access tokens of this workspace are `dlw-oauth-…` (platform/tokens.ts); anything
  // else that verifies is a personal access token, which apps do not take.
  if (verdict !== 'valid' || !token.startsWith('dlw-oauth-'))
    throw new ApiError(
      401,
      'UNAUTHENTICATED',
      verdict === 'valid'
        ? 'Databricks Apps accept OAuth tokens only: use an OAuth access token (M2M or a user login), not a personal access token.'
        : 'Credential was not sent or was not valid: send an OAuth bearer token of the workspace.',
      { headers: { 'www-authenticate': 'Bearer' } },
    );
  const app = apps.get(name);
  if (!app)
    throw new ApiError(404, 'RESOURCE_DOES_NOT_EXIST', `App with name ${name} does not exist.`);
  if (app.status.state !== 'RUNNING' || app.port === undefined)
    throw new ApiError(
      503,
      'TEMPORARILY_UNAVAILABLE',
      `App Not Available: ${app.name} is ${app.status.state}.`,
    );
  const headers: Record<string, string> = {};
  for (const [key, value] of Object.entries(request.incoming.headers)) {
    if (value === undefined) continue;
    if (
      ['authorization', 'host', 'connection', 'keep-alive', 'transfer-encoding', 'cookie'].includes(
        key,
      )
    )
      continue;
    headers[key] = Array.isArray(value) ? value.join(', ') : value;
  }
  headers['x-forwarded-host'] = new URL(context.host()).host;
  headers['x-forwarded-proto'] = 'https';
  headers['x-forwarded-for'] = request.incoming.socket.remoteAddress ?? '127.0.0.1';
  headers['x-real-ip'] = headers['x-forwarded-for'];
  headers['x-request-id'] = String(request.response.getHeader('x-request-id') ?? randomUUID());
  headers['content-length'] = String(request.rawBody.length);
  const response = request.response;
  await new Promise<void>((resolve) => {
    const upstream = httpRequest(
      {
        host: '127.0.0.1',
        port: app.port,
        method: request.method,
        path: `${rest}${request.url.search}`,
        headers,
      },
      (answer) => {
        const out: Record<string, string | string[]> = {};
        for (const [key, value] of Object.entries(answer.headers))
          if (
            value !== undefined &&
            !['connection', 'keep-alive', 'transfer-encoding'].includes(key)
          )
            out[key] = value;
        response.writeHead(answer.statusCode ?? 502, out);
        response.flushHeaders();
        answer.pipe(response);
        answer.once('end', resolve);
        answer.once('error', () => {
          response.destroy();
          resolve();
        });
      },
    );
    upstream.once('error', (error) => {
      if (!response.headersSent) {
        response.writeHead(502, { 'content-type': 'application/json' });
        response.end(
          JSON.stringify({
            error_code: 'BAD_GATEWAY',
            message: `The app did not answer: ${error.message}`,
          }),
        );
      } else response.destroy();
      resolve();
    });
    request.signal.addEventListener('abort', () => upstream.destroy(), { once: true });
    upstream.end(request.rawBody);
  });
}
