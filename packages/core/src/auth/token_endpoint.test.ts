import { inspect } from 'node:util';
import { describe, expect, it } from 'vitest';
import { DatabricksAuthError } from '../errors.js';
import { createAzureClientSecretProvider } from './azure_client_secret.js';
import { createCustomProvider } from './custom.js';
import { createFakeTransport } from './fake_transport.js';
import { createOAuthM2MProvider } from './oauth_m2m.js';

const HOST = 'https://dbc-1.cloud.databricks.com';
const SECRET = 'doseTOPSECRETvalue123456';

const discovery = {
  authorization_endpoint: `${HOST}/oidc/v1/authorize`,
  token_endpoint: `${HOST}/oidc/v1/token`,
};

async function authErrorOf(promise: Promise<unknown>): Promise<DatabricksAuthError> {
  const error = await promise.then(
    () => undefined,
    (caught: unknown) => caught,
  );
  expect(DatabricksAuthError.isInstance(error)).toBe(true);
  return error as DatabricksAuthError;
}

describe('OAuth M2M provider (fake transport)', () => {
  it('discovers the token endpoint and sends client credentials with Basic auth', async () => {
    const transport = createFakeTransport((request) =>
      request.url.endsWith('/oauth-authorization-server')
        ? { body: discovery }
        : { body: { access_token: 'at-1', token_type: 'Bearer', expires_in: 3600 } },
    );
    const provider = createOAuthM2MProvider({
      host: HOST,
      clientId: 'cid',
      clientSecret: SECRET,
      transport,
    });
    expect(await provider.getAuthHeaders()).toEqual({ Authorization: 'Bearer at-1' });
    const [first, second] = transport.requests;
    expect(first?.url).toBe(`${HOST}/oidc/.well-known/oauth-authorization-server`);
    expect(second?.method).toBe('POST');
    expect(second?.url).toBe(discovery.token_endpoint);
    expect(second?.headers?.Authorization).toBe(
      `Basic ${Buffer.from(`cid:${SECRET}`).toString('base64')}`,
    );
    expect(String(second?.body)).toBe('grant_type=client_credentials&scope=all-apis');
    expect(inspect(provider, { depth: 10 })).not.toContain(SECRET);
    expect(JSON.stringify(provider)).not.toContain(SECRET);
  });

  it('maps invalid_client to a DatabricksAuthError that says what to check', async () => {
    const transport = createFakeTransport((request) =>
      request.url.endsWith('/oauth-authorization-server')
        ? { body: discovery }
        : {
            status: 401,
            body: {
              error: 'invalid_client',
              error_description: `Client authentication failed for ${SECRET}`,
            },
          },
    );
    const provider = createOAuthM2MProvider({
      host: HOST,
      clientId: 'cid',
      clientSecret: SECRET,
      transport,
    });
    const error = await authErrorOf(provider.getAuthHeaders());
    expect(error.authType).toBe('oauth-m2m');
    expect(error.statusCode).toBe(401);
    expect(error.errorCode).toBe('invalid_client');
    expect(error.message).toContain(
      'HTTP 401: invalid_client (Client authentication failed for [REDACTED])',
    );
    expect(error.message).toContain('DATABRICKS_CLIENT_ID / DATABRICKS_CLIENT_SECRET');
    expect(error.message).toContain('service principal');
    expect(error.message).not.toContain(SECRET);
    expect(String(error)).not.toContain(SECRET);
    expect(JSON.stringify(error)).not.toContain(SECRET);
    expect(error.cause).toBeDefined();
  });

  it('summarises a 200 HTML page instead of dumping it', async () => {
    const page = `<html><head><title>Sign in</title></head><body>${'x'.repeat(5000)}</body></html>`;
    const transport = createFakeTransport((request) =>
      request.url.endsWith('/oauth-authorization-server')
        ? { body: discovery }
        : { body: page, contentType: 'text/html' },
    );
    const provider = createOAuthM2MProvider({
      host: HOST,
      clientId: 'cid',
      clientSecret: SECRET,
      transport,
    });
    const error = await authErrorOf(provider.getAuthHeaders());
    expect(error.message).toContain('an HTML page titled "Sign in"');
    expect(error.message.length).toBeLessThan(400);
  });

  it('refuses a discovered token endpoint over plain http to a remote host', async () => {
    const transport = createFakeTransport(() => ({
      body: { token_endpoint: 'http://evil.example.com/token' },
    }));
    const provider = createOAuthM2MProvider({
      host: HOST,
      clientId: 'cid',
      clientSecret: SECRET,
      transport,
    });
    const error = await authErrorOf(provider.getAuthHeaders());
    expect(error.message).toContain('refusing to send credentials');
    expect(transport.requests).toHaveLength(1);
  });

  it('retries discovery after a failure instead of caching it', async () => {
    let discoveries = 0;
    const transport = createFakeTransport((request) => {
      if (request.url.endsWith('/oauth-authorization-server')) {
        discoveries += 1;
        return discoveries === 1
          ? { status: 404, body: { error_code: 'NOT_FOUND', message: 'no' } }
          : { body: discovery };
      }
      return { body: { access_token: 'ok', expires_in: 3600 } };
    });
    const provider = createOAuthM2MProvider({
      host: HOST,
      clientId: 'cid',
      clientSecret: SECRET,
      transport,
    });
    const error = await authErrorOf(provider.getAuthHeaders());
    expect(error.message).toContain('does not publish OAuth endpoints');
    expect(await provider.getAuthHeaders()).toEqual({ Authorization: 'Bearer ok' });
  });
});

describe('Azure client secret provider (fake transport)', () => {
  it('posts client credentials to the tenant token endpoint for the Azure Databricks scope', async () => {
    const transport = createFakeTransport((request) => ({
      body: {
        // One token per resource: the workspace's, and the Service Management API's.
        access_token: String((request.body as URLSearchParams).get('scope')).startsWith(
          'https://management',
        )
          ? 'arm'
          : 'aad',
        expires_in: 3599,
      },
    }));
    const provider = createAzureClientSecretProvider({
      host: 'https://adb-1.2.azuredatabricks.net',
      tenantId: 'tenant-1',
      clientId: 'app-1',
      clientSecret: SECRET,
      workspaceResourceId:
        '/subscriptions/s/resourceGroups/g/providers/Microsoft.Databricks/workspaces/w',
      transport,
    });
    expect(await provider.getAuthHeaders()).toEqual({
      Authorization: 'Bearer aad',
      'X-Databricks-Azure-SP-Management-Token': 'arm',
      'X-Databricks-Azure-Workspace-Resource-Id':
        '/subscriptions/s/resourceGroups/g/providers/Microsoft.Databricks/workspaces/w',
    });
    expect(transport.requests.map((r) => r.url)).toEqual([
      'https://login.microsoftonline.com/tenant-1/oauth2/v2.0/token',
      'https://login.microsoftonline.com/tenant-1/oauth2/v2.0/token',
    ]);
    expect(transport.requests.map((r) => Object.fromEntries(r.body as URLSearchParams))).toEqual([
      {
        grant_type: 'client_credentials',
        client_id: 'app-1',
        client_secret: SECRET,
        scope: '2ff814a6-3304-4ab8-85cb-cd0e6f879c1d/.default',
      },
      {
        grant_type: 'client_credentials',
        client_id: 'app-1',
        client_secret: SECRET,
        scope: 'https://management.core.windows.net//.default',
      },
    ]);
    // Both are cached: the next call asks for nothing.
    await provider.getAuthHeaders();
    expect(transport.requests).toHaveLength(2);
  });

  it('uses the login endpoint and management resource of the workspace’s Azure cloud', async () => {
    const transport = createFakeTransport(() => ({
      body: { access_token: 't', expires_in: 3599 },
    }));
    const provider = createAzureClientSecretProvider({
      host: 'https://adb-1.2.databricks.azure.cn',
      tenantId: 'tenant-cn',
      clientId: 'app-1',
      clientSecret: SECRET,
      transport,
    });
    await provider.getAuthHeaders();
    expect(transport.requests.map((r) => r.url)).toEqual([
      'https://login.chinacloudapi.cn/tenant-cn/oauth2/v2.0/token',
      'https://login.chinacloudapi.cn/tenant-cn/oauth2/v2.0/token',
    ]);
    expect((transport.requests[1]?.body as URLSearchParams | undefined)?.get('scope')).toBe(
      'https://management.core.chinacloudapi.cn//.default',
    );
  });

  it('explains an Entra invalid_client without leaking the secret', async () => {
    const transport = createFakeTransport(() => ({
      status: 401,
      body: {
        error: 'invalid_client',
        error_description: 'AADSTS7000215: Invalid client secret provided.',
      },
    }));
    const provider = createAzureClientSecretProvider({
      host: 'https://adb-1.2.azuredatabricks.net',
      tenantId: 't',
      clientId: 'c',
      clientSecret: SECRET,
      transport,
    });
    const error = await authErrorOf(provider.getAuthHeaders());
    expect(error.authType).toBe('azure-client-secret');
    expect(error.errorCode).toBe('invalid_client');
    expect(error.message).toContain('AADSTS7000215');
    expect(error.message).toContain('ARM_CLIENT_SECRET');
    expect(error.message).not.toContain(SECRET);
  });
});

describe('custom provider', () => {
  it('caches tokens with an expiry and calls again for bare strings', async () => {
    let calls = 0;
    const bare = createCustomProvider(async () => {
      calls += 1;
      return `s${calls}`;
    });
    expect(await bare.getAuthHeaders()).toEqual({ Authorization: 'Bearer s1' });
    expect(await bare.getAuthHeaders()).toEqual({ Authorization: 'Bearer s2' });
    let expiring = 0;
    const withExpiry = createCustomProvider(async () => {
      expiring += 1;
      return { token: 'e', expiresAt: new Date(Date.now() + 3_600_000) };
    });
    await withExpiry.getAuthHeaders();
    await withExpiry.getAuthHeaders();
    expect(expiring).toBe(1);
  });

  it('wraps a throwing provider in DatabricksAuthError', async () => {
    const provider = createCustomProvider(async () => {
      throw new Error('vault unavailable');
    });
    const error = await authErrorOf(provider.getAuthHeaders());
    expect(error.message).toContain('vault unavailable');
    expect(error.authType).toBe('custom');
  });
});
