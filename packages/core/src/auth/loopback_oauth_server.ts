/**
 * A minimal OIDC authorization server on 127.0.0.1 for integration tests: discovery, token
 * endpoint (client credentials, authorization code with PKCE, refresh token), an authorize
 * endpoint that redirects straight back, and an Entra-style tenant token endpoint. Counts every
 * request. Test-only; not exported from the package.
 */
import { createHash } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface LoopbackOAuthServer {
  url: string;
  counts: { discovery: number; token: number; authorize: number; azure: number };
  tokenForms: URLSearchParams[];
  /** Replace to script failures; return true when it handled the response. */
  tokenOverride?: (response: ServerResponse, form: URLSearchParams) => boolean;
  /** Lifetime of issued access tokens, seconds. */
  expiresIn: number;
  /** Delay before answering token requests, ms (widens the window for concurrent callers). */
  tokenDelayMs: number;
  close(): Promise<void>;
}

export async function startLoopbackOAuthServer(
  options: { clientId?: string; clientSecret?: string } = {},
): Promise<LoopbackOAuthServer> {
  const challenges = new Map<
    string,
    { challenge: string; redirectUri: string; clientId: string }
  >();
  let issued = 0;
  let codes = 0;
  const state: LoopbackOAuthServer = {
    url: '',
    counts: { discovery: 0, token: 0, authorize: 0, azure: 0 },
    tokenForms: [],
    expiresIn: 3600,
    tokenDelayMs: 0,
    close: async () => {},
  };

  const json = (response: ServerResponse, status: number, body: unknown) => {
    response.writeHead(status, { 'Content-Type': 'application/json' }).end(JSON.stringify(body));
  };
  const readBody = async (request: IncomingMessage): Promise<string> => {
    const chunks: Buffer[] = [];
    for await (const chunk of request) chunks.push(chunk as Buffer);
    return Buffer.concat(chunks).toString('utf8');
  };
  const issue = (response: ServerResponse, withRefresh: boolean) => {
    issued += 1;
    json(response, 200, {
      access_token: `access-${issued}`,
      token_type: 'Bearer',
      expires_in: state.expiresIn,
      ...(withRefresh ? { refresh_token: `refresh-${issued}` } : {}),
    });
  };

  const server = createServer(async (request, response) => {
    const url = new URL(request.url ?? '/', state.url);
    if (
      request.method === 'GET' &&
      url.pathname === '/oidc/.well-known/oauth-authorization-server'
    ) {
      state.counts.discovery += 1;
      json(response, 200, {
        authorization_endpoint: `${state.url}/oidc/v1/authorize`,
        token_endpoint: `${state.url}/oidc/v1/token`,
      });
      return;
    }
    if (request.method === 'GET' && url.pathname === '/oidc/v1/authorize') {
      state.counts.authorize += 1;
      const params = url.searchParams;
      const redirectUri = params.get('redirect_uri') ?? '';
      if (
        params.get('response_type') !== 'code' ||
        params.get('code_challenge_method') !== 'S256' ||
        !params.get('code_challenge') ||
        !redirectUri
      ) {
        json(response, 400, { error: 'invalid_request' });
        return;
      }
      codes += 1;
      const code = `code-${codes}`;
      challenges.set(code, {
        challenge: params.get('code_challenge') ?? '',
        redirectUri,
        clientId: params.get('client_id') ?? '',
      });
      const target = new URL(redirectUri);
      target.searchParams.set('code', code);
      target.searchParams.set('state', params.get('state') ?? '');
      response.writeHead(302, { Location: target.toString() }).end();
      return;
    }
    const isAzure = /^\/[^/]+\/oauth2\/v2\.0\/token$/.test(url.pathname);
    if (request.method === 'POST' && (url.pathname === '/oidc/v1/token' || isAzure)) {
      const form = new URLSearchParams(await readBody(request));
      if (isAzure) state.counts.azure += 1;
      else state.counts.token += 1;
      state.tokenForms.push(form);
      if (state.tokenDelayMs > 0)
        await new Promise((resolve) => setTimeout(resolve, state.tokenDelayMs));
      if (state.tokenOverride?.(response, form)) return;
      const grant = form.get('grant_type');
      if (grant === 'client_credentials') {
        const expected = `Basic ${Buffer.from(`${options.clientId ?? 'cid'}:${options.clientSecret ?? 'secret'}`).toString('base64')}`;
        const azureOk =
          isAzure &&
          form.get('client_id') === (options.clientId ?? 'cid') &&
          form.get('client_secret') === (options.clientSecret ?? 'secret');
        if (!azureOk && request.headers.authorization !== expected) {
          json(response, 401, {
            error: 'invalid_client',
            error_description: 'Client authentication failed',
          });
          return;
        }
        issue(response, false);
        return;
      }
      if (grant === 'authorization_code') {
        const entry = challenges.get(form.get('code') ?? '');
        challenges.delete(form.get('code') ?? '');
        const verifier = form.get('code_verifier') ?? '';
        const computed = createHash('sha256').update(verifier).digest('base64url');
        if (
          !entry ||
          entry.challenge !== computed ||
          entry.redirectUri !== form.get('redirect_uri')
        ) {
          json(response, 400, {
            error: 'invalid_grant',
            error_description: 'PKCE or code mismatch',
          });
          return;
        }
        issue(response, true);
        return;
      }
      if (grant === 'refresh_token' && form.get('refresh_token')?.startsWith('refresh-')) {
        issue(response, true);
        return;
      }
      json(response, 400, { error: 'invalid_grant' });
      return;
    }
    response.writeHead(404).end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  state.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  state.close = () =>
    new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    });
  return state;
}
