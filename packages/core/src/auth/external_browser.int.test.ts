import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { resolveConfig } from '../config/resolve.js';
import { DatabricksAuthError } from '../errors.js';
import { createHttpTransport } from '../http/transport.js';
import { createExternalBrowserProvider } from './external_browser.js';
import { type LoopbackOAuthServer, startLoopbackOAuthServer } from './loopback_oauth_server.js';

let server: LoopbackOAuthServer;
let dir: string;
beforeEach(async () => {
  server = await startLoopbackOAuthServer();
  dir = await mkdtemp(join(tmpdir(), 'lakechain-u2m-'));
});
afterEach(async () => {
  await server.close();
  await rm(dir, { recursive: true, force: true });
});

/** Plays the browser: follows the authorize redirect back to the loopback listener. */
function browser(opened: string[]) {
  return async (url: string) => {
    opened.push(url);
    const response = await fetch(url, { redirect: 'follow' });
    await response.text();
    if (!response.ok) throw new Error(`browser got HTTP ${response.status}`);
  };
}

describe('external-browser (U2M) end to end', () => {
  it('logs in with PKCE, caches tokens with mode 0600, then refreshes without a browser', async () => {
    const cacheFile = join(dir, 'nested', 'token-cache.json');
    const opened: string[] = [];
    const options = {
      host: server.url,
      authType: 'external-browser' as const,
      oauthRedirectPort: 0,
      tokenCacheFile: cacheFile,
      openUrl: browser(opened),
      env: {},
      homeDir: dir,
    };
    let clock = Date.now();
    const config = await resolveConfig(options, { now: () => clock });
    expect(await config.getAuthHeaders()).toEqual({ Authorization: 'Bearer access-1' });

    expect(opened).toHaveLength(1);
    const authorize = new URL(opened[0] ?? '');
    expect(authorize.searchParams.get('client_id')).toBe('databricks-cli');
    expect(authorize.searchParams.get('scope')).toBe('all-apis offline_access');
    expect(authorize.searchParams.get('code_challenge_method')).toBe('S256');
    expect(authorize.searchParams.get('redirect_uri')).toMatch(/^http:\/\/localhost:\d+$/);
    const exchange = server.tokenForms[0];
    expect(exchange?.get('grant_type')).toBe('authorization_code');
    expect(exchange?.get('code_verifier')).toMatch(/^[\w-]{43}$/);

    expect((await stat(cacheFile)).mode & 0o777).toBe(0o600);
    const cached = JSON.parse(await readFile(cacheFile, 'utf8'));
    const key = `${server.url}|databricks-cli`;
    expect(cached.tokens[key]).toMatchObject({
      access_token: 'access-1',
      refresh_token: 'refresh-1',
    });

    // Near expiry: the refresh token is used, no browser.
    clock += 3_600_000 - 30_000;
    expect(await config.getAuthHeaders()).toEqual({ Authorization: 'Bearer access-2' });
    expect(opened).toHaveLength(1);
    expect(server.tokenForms[1]?.get('grant_type')).toBe('refresh_token');
    expect(server.tokenForms[1]?.get('refresh_token')).toBe('refresh-1');

    // A new process reuses the cache file: no browser, no token request.
    const again = await resolveConfig(options);
    expect(await again.getAuthHeaders()).toEqual({ Authorization: 'Bearer access-2' });
    expect(opened).toHaveLength(1);
    expect(server.counts.token).toBe(2);
  });

  it('falls back to a browser login when the cached refresh token is rejected', async () => {
    const cacheFile = join(dir, 'cache.json');
    await writeFile(
      cacheFile,
      JSON.stringify({
        version: 1,
        tokens: {
          [`${server.url}|databricks-cli`]: {
            access_token: 'stale',
            refresh_token: 'revoked',
            expires_at: new Date(Date.now() - 1000).toISOString(),
          },
        },
      }),
    );
    const opened: string[] = [];
    const provider = createExternalBrowserProvider({
      host: server.url,
      transport: createHttpTransport(),
      tokenCacheFile: cacheFile,
      redirectPort: 0,
      openUrl: browser(opened),
    });
    expect(await provider.getAuthHeaders()).toEqual({ Authorization: 'Bearer access-1' });
    expect(opened).toHaveLength(1);
    expect(server.tokenForms.map((form) => form.get('grant_type'))).toEqual([
      'refresh_token',
      'authorization_code',
    ]);
  });

  it('rejects a redirect with the wrong state', async () => {
    const provider = createExternalBrowserProvider({
      host: server.url,
      transport: createHttpTransport(),
      tokenCacheFile: join(dir, 'c.json'),
      redirectPort: 0,
      openUrl: async (url) => {
        const redirect = new URL(new URL(url).searchParams.get('redirect_uri') ?? '');
        redirect.searchParams.set('code', 'forged');
        redirect.searchParams.set('state', 'not-the-state');
        await fetch(redirect).then((response) => response.text());
      },
    });
    const error = await provider.getAuthHeaders().catch((caught: unknown) => caught);
    expect(DatabricksAuthError.isInstance(error)).toBe(true);
    expect((error as DatabricksAuthError).errorCode).toBe('STATE_MISMATCH');
    expect(server.counts.token).toBe(0);
  });

  it('reports a failing browser opener at once', async () => {
    const provider = createExternalBrowserProvider({
      host: server.url,
      transport: createHttpTransport(),
      tokenCacheFile: join(dir, 'c.json'),
      redirectPort: 0,
      openUrl: async () => {
        throw new Error('no display');
      },
    });
    await expect(provider.getAuthHeaders()).rejects.toThrow(
      /Could not open the browser for login: no display/,
    );
  });
});
