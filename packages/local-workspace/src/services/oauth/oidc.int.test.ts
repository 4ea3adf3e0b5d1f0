import { createHash, randomBytes } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import {
  json,
  startRestServer,
  TEST_CLIENT,
  TEST_PAT,
  type TestRestServer,
} from '../../platform/testing_server.js';
import { createTokenRegistry } from '../../platform/tokens.js';

let server: TestRestServer;
afterEach(async () => {
  await server?.close();
});

const form = (values: Record<string, string>) => new URLSearchParams(values).toString();
const basic = (id: string, secret: string) =>
  `Basic ${Buffer.from(`${id}:${secret}`).toString('base64')}`;

async function token(
  base: string,
  body: Record<string, string>,
  headers: Record<string, string> = {},
) {
  return fetch(`${base}/oidc/v1/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers },
    body: form(body),
  });
}

describe('OIDC discovery', () => {
  it('needs no token and points at the workspace endpoints', async () => {
    server = await startRestServer();
    const response = await fetch(`${server.base}/oidc/.well-known/oauth-authorization-server`);
    expect(response.status).toBe(200);
    expect(await json(response)).toMatchObject({
      issuer: `${server.base}/oidc`,
      authorization_endpoint: `${server.base}/oidc/v1/authorize`,
      token_endpoint: `${server.base}/oidc/v1/token`,
      grant_types_supported: expect.arrayContaining(['client_credentials']),
      response_types_supported: ['code'],
      scopes_supported: expect.arrayContaining(['all-apis', 'offline_access']),
      code_challenge_methods_supported: ['S256'],
      token_endpoint_auth_methods_supported: expect.arrayContaining([
        'client_secret_basic',
        'client_secret_post',
      ]),
    });
  });
});

describe('client_credentials', () => {
  it('issues a token with HTTP Basic client auth, usable as a bearer token', async () => {
    server = await startRestServer();
    const response = await token(
      server.base,
      { grant_type: 'client_credentials', scope: 'all-apis' },
      { authorization: basic(TEST_CLIENT.clientId, TEST_CLIENT.clientSecret) },
    );
    expect(response.status).toBe(200);
    expect(response.headers.get('cache-control')).toBe('no-store');
    const body = await json(response);
    expect(body).toEqual({
      access_token: expect.any(String),
      token_type: 'Bearer',
      expires_in: 3600,
      scope: 'all-apis',
    });
    expect(server.tokens.issuedCount).toBe(1);
    const list = await fetch(`${server.base}/api/2.0/serving-endpoints`, {
      headers: { authorization: `Bearer ${body.access_token}` },
    });
    expect(list.status).toBe(200);
  });

  it('accepts client_id and client_secret form fields, defaulting the scope', async () => {
    server = await startRestServer();
    const response = await token(server.base, {
      grant_type: 'client_credentials',
      client_id: TEST_CLIENT.clientId,
      client_secret: TEST_CLIENT.clientSecret,
    });
    expect(response.status).toBe(200);
    expect((await json(response)).scope).toBe('all-apis');
  });

  it('refuses a bad client with 401 invalid_client and a bad grant with 400', async () => {
    server = await startRestServer();
    const wrongSecret = await token(
      server.base,
      { grant_type: 'client_credentials' },
      { authorization: basic(TEST_CLIENT.clientId, 'nope') },
    );
    expect(wrongSecret.status).toBe(401);
    expect(await json(wrongSecret)).toEqual({
      error: 'invalid_client',
      error_description: 'Client authentication failed',
    });
    const noClient = await token(server.base, { grant_type: 'client_credentials' });
    expect(noClient.status).toBe(401);
    const badGrant = await token(
      server.base,
      { grant_type: 'password', username: 'u', password: 'p' },
      { authorization: basic(TEST_CLIENT.clientId, TEST_CLIENT.clientSecret) },
    );
    expect(badGrant.status).toBe(400);
    expect((await json(badGrant)).error).toBe('unsupported_grant_type');
    const badScope = await token(
      server.base,
      { grant_type: 'client_credentials', scope: 'everything' },
      { authorization: basic(TEST_CLIENT.clientId, TEST_CLIENT.clientSecret) },
    );
    expect(badScope.status).toBe(400);
    expect((await json(badScope)).error).toBe('invalid_scope');
    expect(server.tokens.issuedCount).toBe(0);
  });

  it('tokens expire with the injected clock', async () => {
    let clock = 5_000_000;
    const tokens = createTokenRegistry({ personalAccessTokens: [TEST_PAT], now: () => clock });
    server = await startRestServer({
      tokens,
      oauth: { ...TEST_CLIENT, tokenLifetimeSeconds: 120 },
    });
    const body = await json(
      await token(
        server.base,
        { grant_type: 'client_credentials' },
        { authorization: basic(TEST_CLIENT.clientId, TEST_CLIENT.clientSecret) },
      ),
    );
    expect(body.expires_in).toBe(120);
    const auth = { authorization: `Bearer ${body.access_token}` };
    clock += 119_000;
    expect(
      (await fetch(`${server.base}/api/2.0/serving-endpoints`, { headers: auth })).status,
    ).toBe(200);
    clock += 2_000;
    const expired = await fetch(`${server.base}/api/2.0/serving-endpoints`, { headers: auth });
    expect(expired.status).toBe(403);
    expect(await json(expired)).toEqual({ error_code: '403', message: 'Invalid access token.' });
  });
});

describe('U2M authorization code with PKCE', () => {
  it('redirects with a code, exchanges it with the verifier, and refreshes', async () => {
    server = await startRestServer();
    const verifier = randomBytes(32).toString('base64url');
    const challenge = createHash('sha256').update(verifier).digest('base64url');
    const redirectUri = 'http://localhost:8020';
    const authorize = new URL(`${server.base}/oidc/v1/authorize`);
    for (const [key, value] of Object.entries({
      response_type: 'code',
      client_id: 'databricks-cli',
      redirect_uri: redirectUri,
      scope: 'all-apis offline_access',
      state: 'st-1',
      code_challenge: challenge,
      code_challenge_method: 'S256',
    }))
      authorize.searchParams.set(key, value);
    const redirect = await fetch(authorize, { redirect: 'manual' });
    expect(redirect.status).toBe(302);
    const location = new URL(redirect.headers.get('location')!);
    expect(location.origin).toBe(redirectUri);
    expect(location.searchParams.get('state')).toBe('st-1');
    const code = location.searchParams.get('code')!;

    const wrongVerifier = await token(server.base, {
      grant_type: 'authorization_code',
      client_id: 'databricks-cli',
      code,
      redirect_uri: redirectUri,
      code_verifier: 'wrong',
    });
    expect(wrongVerifier.status).toBe(400);
    expect((await json(wrongVerifier)).error).toBe('invalid_grant');

    // A code is single-use, even after a failed attempt: authorize again.
    const again = new URL(
      (await fetch(authorize, { redirect: 'manual' })).headers.get('location')!,
    );
    const exchanged = await token(server.base, {
      grant_type: 'authorization_code',
      client_id: 'databricks-cli',
      code: again.searchParams.get('code')!,
      redirect_uri: redirectUri,
      code_verifier: verifier,
    });
    expect(exchanged.status).toBe(200);
    const tokens = await json(exchanged);
    expect(tokens).toMatchObject({ token_type: 'Bearer', scope: 'all-apis offline_access' });
    expect(tokens.refresh_token).toEqual(expect.any(String));

    const refreshed = await token(server.base, {
      grant_type: 'refresh_token',
      client_id: 'databricks-cli',
      refresh_token: tokens.refresh_token,
    });
    expect(refreshed.status).toBe(200);
    const next = await json(refreshed);
    expect(next.access_token).not.toBe(tokens.access_token);
    const reused = await token(server.base, {
      grant_type: 'refresh_token',
      client_id: 'databricks-cli',
      refresh_token: tokens.refresh_token,
    });
    expect(reused.status).toBe(400);
  });

  it('refuses authorize requests without PKCE or from unknown clients', async () => {
    server = await startRestServer();
    const noPkce = await fetch(
      `${server.base}/oidc/v1/authorize?response_type=code&client_id=databricks-cli&redirect_uri=http://localhost:8020&state=s`,
      { redirect: 'manual' },
    );
    expect(noPkce.status).toBe(302);
    const location = new URL(noPkce.headers.get('location')!);
    expect(location.searchParams.get('error')).toBe('invalid_request');
    expect(location.searchParams.get('state')).toBe('s');
    const unknown = await fetch(
      `${server.base}/oidc/v1/authorize?response_type=code&client_id=someone&redirect_uri=http://localhost:8020`,
      { redirect: 'manual' },
    );
    expect(unknown.status).toBe(400);
  });
});
