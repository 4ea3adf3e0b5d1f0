/**
 * The workspace OAuth server: OIDC discovery, the token endpoint (`client_credentials` for the
 * service principal, `authorization_code` with PKCE and `refresh_token` for U2M clients) and an
 * authorize endpoint that approves at once and redirects back (a local-development convenience:
 * there is no login page).
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { sendJson } from '../../platform/http.js';
import type { TokenRegistry } from '../../platform/tokens.js';

export const SUPPORTED_SCOPES = ['all-apis', 'sql', 'offline_access', 'openid', 'email', 'profile'];

export interface OAuthServerOptions {
  host: () => string;
  tokens: TokenRegistry;
  /** The confidential client (service principal) accepted by `client_credentials`. */
  clientId: string;
  clientSecret: string;
  tokenLifetimeSeconds: number;
  /** Public clients allowed to use the authorize flow without a secret. */
  publicClientIds?: string[];
  /**
   * More confidential clients accepted by `client_credentials`, by client id (service principals
   * the workspace creates while running, such as each Databricks App's). Read at each request.
   */
  servicePrincipals?: ReadonlyMap<string, string>;
  now?: () => number;
}

export interface OAuthServer {
  discovery(request: IncomingMessage, response: ServerResponse): Promise<void>;
  /** The token endpoint; `body` is the form-encoded request body. */
  token(request: IncomingMessage, response: ServerResponse, body: Buffer): Promise<void>;
  authorize(request: IncomingMessage, response: ServerResponse): Promise<void>;
}

interface PendingCode {
  clientId: string;
  redirectUri: string;
  challenge: string;
  scope: string;
  expiresAt: number;
}

const CODE_LIFETIME_MS = 5 * 60 * 1000;

function sameSecret(a: string, b: string): boolean {
  const left = Buffer.from(a);
  const right = Buffer.from(b);
  return left.length === right.length && timingSafeEqual(left, right);
}

function oauthError(
  response: ServerResponse,
  status: number,
  error: string,
  description: string,
  headers: Record<string, string> = {},
) {
  sendJson(
    response,
    status,
    { error, error_description: description },
    { 'cache-control': 'no-store', ...headers },
  );
}

function basicCredentials(header: string | undefined): { id: string; secret: string } | undefined {
  const match = /^Basic\s+(\S+)$/i.exec(header?.trim() ?? '');
  if (!match?.[1]) return undefined;
  const decoded = Buffer.from(match[1], 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon < 0) return undefined;
  try {
    return {
      id: decodeURIComponent(decoded.slice(0, colon).replace(/\+/g, ' ')),
      secret: decodeURIComponent(decoded.slice(colon + 1).replace(/\+/g, ' ')),
    };
  } catch {
    return { id: decoded.slice(0, colon), secret: decoded.slice(colon + 1) };
  }
}

function s256(verifier: string): string {
  return createHash('sha256').update(verifier).digest('base64url');
}

export function createOAuthServer(options: OAuthServerOptions): OAuthServer {
  const now = options.now ?? Date.now;
  const publicClients = new Set(options.publicClientIds ?? ['databricks-cli']);
  const codes = new Map<string, PendingCode>();
  const refreshTokens = new Map<string, { clientId: string; scope: string }>();

  const knownClient = (clientId: string) =>
    clientId === options.clientId || publicClients.has(clientId);

  const issueTokens = (response: ServerResponse, clientId: string, scope: string) => {
    const { token, expiresIn } = options.tokens.issue(clientId, options.tokenLifetimeSeconds);
    const body: Record<string, unknown> = {
      access_token: token,
      token_type: 'Bearer',
      expires_in: expiresIn,
      scope,
    };
    if (scope.split(' ').includes('offline_access')) {
      const refresh = `dlw-refresh-${randomBytes(24).toString('base64url')}`;
      refreshTokens.set(refresh, { clientId, scope });
      body.refresh_token = refresh;
    }
    sendJson(response, 200, body, { 'cache-control': 'no-store', pragma: 'no-cache' });
  };

  return {
    async discovery(_request, response) {
      const host = options.host().replace(/\/$/, '');
      sendJson(response, 200, {
        issuer: `${host}/oidc`,
        authorization_endpoint: `${host}/oidc/v1/authorize`,
        token_endpoint: `${host}/oidc/v1/token`,
        jwks_uri: `${host}/oidc/jwks.json`,
        grant_types_supported: ['client_credentials', 'authorization_code', 'refresh_token'],
        response_types_supported: ['code'],
        response_modes_supported: ['query'],
        scopes_supported: SUPPORTED_SCOPES,
        code_challenge_methods_supported: ['S256'],
        token_endpoint_auth_methods_supported: [
          'client_secret_basic',
          'client_secret_post',
          'none',
        ],
        subject_types_supported: ['public'],
      });
    },

    async token(request, response, body) {
      const form = new URLSearchParams(body.toString('utf8'));
      const basic = basicCredentials(request.headers.authorization);
      const clientId = basic?.id ?? form.get('client_id') ?? undefined;
      const clientSecret = basic?.secret ?? form.get('client_secret') ?? undefined;
      const extraSecret =
        clientId !== undefined ? options.servicePrincipals?.get(clientId) : undefined;
      const confidential =
        clientId !== undefined &&
        clientSecret !== undefined &&
        ((sameSecret(clientId, options.clientId) &&
          sameSecret(clientSecret, options.clientSecret)) ||
          (extraSecret !== undefined && sameSecret(clientSecret, extraSecret)));
      const badClient = () =>
        oauthError(
          response,
          401,
          'invalid_client',
          'Client authentication failed',
          basic ? { 'www-authenticate': 'Basic realm="oidc"' } : {},
        );

      const grantType = form.get('grant_type');
      if (!grantType)
        return oauthError(
          response,
          400,
          'invalid_request',
          'Missing required parameter: grant_type',
        );

      const requestedScope = (form.get('scope') ?? '').trim();
      const unknownScope = requestedScope
        .split(/\s+/)
        .filter((scope) => scope && !SUPPORTED_SCOPES.includes(scope));

      if (grantType === 'client_credentials') {
        if (!confidential) return badClient();
        if (unknownScope.length > 0)
          return oauthError(
            response,
            400,
            'invalid_scope',
            `Unknown scope: ${unknownScope.join(' ')}`,
          );
        return issueTokens(response, clientId as string, requestedScope || 'all-apis');
      }

      if (grantType === 'authorization_code') {
        if (!clientId || !knownClient(clientId) || (clientSecret !== undefined && !confidential))
          return badClient();
        const code = form.get('code') ?? '';
        const pending = codes.get(code);
        codes.delete(code);
        if (!pending || pending.expiresAt <= now() || pending.clientId !== clientId)
          return oauthError(
            response,
            400,
            'invalid_grant',
            'Authorization code is invalid or expired',
          );
        if ((form.get('redirect_uri') ?? '') !== pending.redirectUri)
          return oauthError(response, 400, 'invalid_grant', 'redirect_uri does not match');
        const verifier = form.get('code_verifier');
        if (!verifier || !sameSecret(s256(verifier), pending.challenge))
          return oauthError(response, 400, 'invalid_grant', 'PKCE verification failed');
        return issueTokens(response, clientId, pending.scope);
      }

      if (grantType === 'refresh_token') {
        if (!clientId || !knownClient(clientId) || (clientSecret !== undefined && !confidential))
          return badClient();
        const refresh = form.get('refresh_token') ?? '';
        const entry = refreshTokens.get(refresh);
        if (!entry || entry.clientId !== clientId)
          return oauthError(response, 400, 'invalid_grant', 'Refresh token is invalid');
        refreshTokens.delete(refresh); // rotated
        return issueTokens(response, clientId, entry.scope);
      }

      return oauthError(
        response,
        400,
        'unsupported_grant_type',
        `Grant type '${grantType}' is not supported`,
      );
    },

    async authorize(request, response) {
      const url = new URL(request.url ?? '/', 'http://local');
      const params = url.searchParams;
      const clientId = params.get('client_id') ?? '';
      const redirectUri = params.get('redirect_uri') ?? '';
      let target: URL;
      try {
        target = new URL(redirectUri);
        if (target.protocol !== 'http:' && target.protocol !== 'https:') throw new Error();
      } catch {
        return oauthError(response, 400, 'invalid_request', 'Missing or invalid redirect_uri');
      }
      if (!knownClient(clientId))
        return oauthError(response, 400, 'invalid_client', `Unknown client_id '${clientId}'`);
      const redirect = (values: Record<string, string>) => {
        for (const [key, value] of Object.entries(values)) target.searchParams.set(key, value);
        const state = params.get('state');
        if (state !== null) target.searchParams.set('state', state);
        response.writeHead(302, { location: target.toString(), 'cache-control': 'no-store' });
        response.end();
      };
      if (params.get('response_type') !== 'code')
        return redirect({
          error: 'unsupported_response_type',
          error_description: 'Only response_type=code is supported',
        });
      const challenge = params.get('code_challenge');
      if (!challenge || (params.get('code_challenge_method') ?? 'plain') !== 'S256')
        return redirect({
          error: 'invalid_request',
          error_description: 'PKCE with code_challenge_method=S256 is required',
        });
      const scope = (params.get('scope') ?? 'all-apis').trim() || 'all-apis';
      const unknownScope = scope.split(/\s+/).filter((item) => !SUPPORTED_SCOPES.includes(item));
      if (unknownScope.length > 0)
        return redirect({
          error: 'invalid_scope',
          error_description: `Unknown scope: ${unknownScope.join(' ')}`,
        });
      const code = `dlw-code-${randomBytes(18).toString('base64url')}`;
      codes.set(code, {
        clientId,
        redirectUri,
        challenge,
        scope,
        expiresAt: now() + CODE_LIFETIME_MS,
      });
      redirect({ code });
    },
  };
}
