/**
 * `external-browser` (OAuth U2M): authorization code with PKCE (S256) against the workspace's
 * authorization server, a one-shot loopback redirect listener, then refresh-token grants. Tokens
 * are cached on disk (see token_cache_file.ts) so the browser opens only when there is no usable
 * refresh token.
 */
import { spawn } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { DatabricksAuthError } from '../errors.js';
import type { HttpTransport } from '../http/types.js';
import { CachedTokenSource, type FetchTokenOptions, type Token } from './cached_token_source.js';
import { TokenSourceCredentialsProvider } from './provider.js';
import { readCachedToken, tokenCacheKey, writeCachedToken } from './token_cache_file.js';
import {
  discoverOidcEndpoints,
  type OidcEndpoints,
  requestToken,
  type TokenErrorContext,
} from './token_endpoint.js';

export const DEFAULT_U2M_SCOPES: readonly string[] = ['all-apis', 'offline_access'];
export const DEFAULT_U2M_CLIENT_ID = 'databricks-cli';
export const DEFAULT_REDIRECT_PORT = 8020;

export interface ExternalBrowserProviderOptions {
  host: string;
  transport: HttpTransport;
  tokenCacheFile: string;
  clientId?: string;
  scopes?: readonly string[];
  redirectPort?: number;
  openUrl?: (url: string) => Promise<void>;
  /** How long to wait for the browser to come back. Default 5 minutes. */
  loginTimeoutMs?: number;
  now?: () => number;
  refreshSkewMs?: number;
}

/** Prints the URL (the browser may not open, e.g. over SSH) and tries the platform opener. */
export async function defaultOpenUrl(url: string): Promise<void> {
  process.stderr.write(`Open this URL in a browser to log in to Databricks:\n  ${url}\n`);
  const [command, args] =
    process.platform === 'darwin'
      ? ['open', [url]]
      : process.platform === 'win32'
        ? // Not `cmd /c start`: cmd would interpret the `&` between query parameters.
          ['rundll32', ['url.dll,FileProtocolHandler', url]]
        : ['xdg-open', [url]];
  try {
    const child = spawn(command, args as string[], { stdio: 'ignore', detached: true });
    // A missing opener is not an error: the URL is already printed.
    child.on('error', () => {});
    child.unref();
  } catch {
    // Same as above.
  }
}

const PAGE_DONE =
  '<!doctype html><title>Databricks login</title><p>Login complete. You can close this tab.</p>';
const PAGE_FAILED =
  '<!doctype html><title>Databricks login</title><p>Login failed. Return to the terminal.</p>';

export function createExternalBrowserProvider(
  options: ExternalBrowserProviderOptions,
): TokenSourceCredentialsProvider {
  const { host, transport, tokenCacheFile } = options;
  const clientId = options.clientId ?? DEFAULT_U2M_CLIENT_ID;
  const scopes = options.scopes ?? DEFAULT_U2M_SCOPES;
  const redirectPort = options.redirectPort ?? DEFAULT_REDIRECT_PORT;
  const openUrl = options.openUrl ?? defaultOpenUrl;
  const loginTimeoutMs = options.loginTimeoutMs ?? 5 * 60_000;
  const now = options.now ?? Date.now;
  const refreshSkewMs = options.refreshSkewMs ?? 40_000;
  const cacheKey = tokenCacheKey(host, clientId);
  const context: TokenErrorContext = {
    authType: 'external-browser',
    advice: `Log in again; check that the OAuth app \`${clientId}\` is enabled for ${host}.`,
    secrets: [],
  };
  let endpoints: Promise<OidcEndpoints> | undefined;
  let triedDiskCache = false;

  const getEndpoints = (): Promise<OidcEndpoints> => {
    endpoints ??= discoverOidcEndpoints(transport, host, context).catch((error: unknown) => {
      endpoints = undefined;
      throw error;
    });
    return endpoints;
  };

  const refresh = async (refreshToken: string): Promise<Token> => {
    const { tokenEndpoint } = await getEndpoints();
    const token = await requestToken(
      transport,
      {
        url: tokenEndpoint,
        form: new URLSearchParams({
          grant_type: 'refresh_token',
          refresh_token: refreshToken,
          client_id: clientId,
        }),
        replay: 'safe',
      },
      { ...context, secrets: [refreshToken] },
      now,
    );
    // Servers that do not rotate refresh tokens omit it from the answer.
    return { ...token, refreshToken: token.refreshToken ?? refreshToken };
  };

  const login = async (): Promise<Token> => {
    const { authorizationEndpoint, tokenEndpoint } = await getEndpoints();
    if (!authorizationEndpoint) {
      throw new DatabricksAuthError(
        `OIDC discovery for ${host} returned no \`authorization_endpoint\`; browser login is not available.`,
        { authType: 'external-browser', errorCode: 'INVALID_DISCOVERY' },
      );
    }
    const verifier = randomBytes(32).toString('base64url');
    const challenge = createHash('sha256').update(verifier).digest('base64url');
    const state = randomBytes(16).toString('base64url');
    const callback = await listenForCallback(redirectPort, state, loginTimeoutMs);
    try {
      const redirectUri = `http://localhost:${callback.port}`;
      const authorizeUrl = new URL(authorizationEndpoint);
      authorizeUrl.searchParams.set('response_type', 'code');
      authorizeUrl.searchParams.set('client_id', clientId);
      authorizeUrl.searchParams.set('redirect_uri', redirectUri);
      authorizeUrl.searchParams.set('scope', scopes.join(' '));
      authorizeUrl.searchParams.set('state', state);
      authorizeUrl.searchParams.set('code_challenge', challenge);
      authorizeUrl.searchParams.set('code_challenge_method', 'S256');
      const opened = openUrl(authorizeUrl.toString());
      // A failing opener ends the login at once instead of after the timeout.
      const code = await Promise.race([
        callback.code,
        opened.then(
          () => new Promise<never>(() => {}),
          (cause: unknown) => {
            throw new DatabricksAuthError(
              `Could not open the browser for login: ${cause instanceof Error ? cause.message : String(cause)}`,
              { authType: 'external-browser', cause },
            );
          },
        ),
      ]);
      return await requestToken(
        transport,
        {
          url: tokenEndpoint,
          form: new URLSearchParams({
            grant_type: 'authorization_code',
            code,
            redirect_uri: redirectUri,
            client_id: clientId,
            code_verifier: verifier,
          }),
          replay: 'unsafe',
        },
        { ...context, secrets: [code, verifier] },
        now,
      );
    } finally {
      await callback.close();
    }
  };

  const fetchToken = async ({ previous }: FetchTokenOptions): Promise<Token> => {
    let known = previous;
    if (!known && !triedDiskCache) {
      triedDiskCache = true;
      known = await readCachedToken(tokenCacheFile, cacheKey);
      if (known?.expiresAt && known.expiresAt.getTime() - refreshSkewMs > now()) return known;
    }
    let token: Token | undefined;
    if (known?.refreshToken) {
      try {
        token = await refresh(known.refreshToken);
      } catch (error) {
        // A revoked or expired refresh token means a new login; anything else is a real failure.
        const status = DatabricksAuthError.isInstance(error) ? error.statusCode : undefined;
        if (status !== 400 && status !== 401) throw error;
      }
    }
    token ??= await login();
    await writeCachedToken(tokenCacheFile, cacheKey, token);
    return token;
  };

  const source = new CachedTokenSource(fetchToken, { now, refreshSkewMs });
  return new TokenSourceCredentialsProvider('external-browser', source);
}

interface PendingCallback {
  port: number;
  code: Promise<string>;
  close(): Promise<void>;
}

/**
 * Listens on 127.0.0.1 (and, best effort, ::1 on the same port, because browsers may resolve the
 * registered `http://localhost:<port>` redirect to either) for one redirect to `/`.
 */
async function listenForCallback(
  port: number,
  state: string,
  timeoutMs: number,
): Promise<PendingCallback> {
  let settle: { resolve(code: string): void; reject(error: unknown): void } | undefined;
  const code = new Promise<string>((resolve, reject) => {
    settle = { resolve, reject };
  });
  // Avoid an unhandled rejection when the login fails before anyone awaits `code`.
  code.catch(() => {});
  let done = false;
  const finish = (error: unknown, value?: string) => {
    if (done) return;
    done = true;
    if (error) settle?.reject(error);
    else settle?.resolve(value ?? '');
  };

  const handler = (request: IncomingMessage, response: ServerResponse) => {
    const url = new URL(request.url ?? '/', 'http://localhost');
    if (url.pathname !== '/') {
      response.writeHead(404).end();
      return;
    }
    const params = url.searchParams;
    const reply = (status: number, body: string) =>
      response
        .writeHead(status, { 'Content-Type': 'text/html; charset=utf-8', Connection: 'close' })
        .end(body);
    if (params.get('state') !== state) {
      reply(400, PAGE_FAILED);
      finish(
        new DatabricksAuthError(
          'Browser login failed: the redirect carried the wrong `state` (a stale tab or a forged ' +
            'request). Start the login again.',
          { authType: 'external-browser', errorCode: 'STATE_MISMATCH' },
        ),
      );
      return;
    }
    const error = params.get('error');
    if (error) {
      reply(400, PAGE_FAILED);
      const description = params.get('error_description');
      finish(
        new DatabricksAuthError(
          `Browser login failed: ${error}${description ? ` (${description.slice(0, 300)})` : ''}.`,
          { authType: 'external-browser', errorCode: error },
        ),
      );
      return;
    }
    const received = params.get('code');
    if (!received) {
      reply(400, PAGE_FAILED);
      finish(
        new DatabricksAuthError('Browser login failed: the redirect carried no `code`.', {
          authType: 'external-browser',
        }),
      );
      return;
    }
    reply(200, PAGE_DONE);
    finish(undefined, received);
  };

  const servers: Server[] = [];
  const primary = createServer(handler);
  await new Promise<void>((resolve, reject) => {
    primary.once('error', (cause: NodeJS.ErrnoException) => {
      reject(
        new DatabricksAuthError(
          cause.code === 'EADDRINUSE'
            ? `Port ${port} on 127.0.0.1 is in use, so the browser login cannot receive its redirect. ` +
                'Free it or set `oauthRedirectPort` (the OAuth app must allow that redirect URL).'
            : `Could not listen on 127.0.0.1:${port} for the browser login: ${cause.message}`,
          { authType: 'external-browser', errorCode: cause.code, cause },
        ),
      );
    });
    primary.listen(port, '127.0.0.1', () => resolve());
  });
  servers.push(primary);
  const address = primary.address();
  const actualPort = typeof address === 'object' && address ? address.port : port;
  const secondary = createServer(handler);
  await new Promise<void>((resolve) => {
    secondary.once('error', () => resolve());
    secondary.listen(actualPort, '::1', () => {
      servers.push(secondary);
      resolve();
    });
  });

  const timer = setTimeout(() => {
    finish(
      new DatabricksAuthError(
        `Browser login timed out after ${Math.round(timeoutMs / 1000)} s without a redirect to http://localhost:${actualPort}.`,
        { authType: 'external-browser', errorCode: 'LOGIN_TIMEOUT', retryable: true },
      ),
    );
  }, timeoutMs);
  timer.unref();

  return {
    port: actualPort,
    code,
    async close() {
      clearTimeout(timer);
      finish(
        new DatabricksAuthError('Browser login was cancelled.', { authType: 'external-browser' }),
      );
      await Promise.all(
        servers.map(
          (server) =>
            new Promise<void>((resolve) => {
              server.close(() => resolve());
              server.closeAllConnections();
            }),
        ),
      );
    },
  };
}
