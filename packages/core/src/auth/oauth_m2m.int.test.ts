import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { inspect } from 'node:util';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { resolveConfig } from '../config/resolve.js';
import { DatabricksAuthError } from '../errors.js';
import { createHttpTransport } from '../http/transport.js';
import { createAzureClientSecretProvider } from './azure_client_secret.js';
import { type LoopbackOAuthServer, startLoopbackOAuthServer } from './loopback_oauth_server.js';
import { createOAuthM2MProvider } from './oauth_m2m.js';

const CLIENT_SECRET = 'doseLOOPBACKsecret0123456789';

let server: LoopbackOAuthServer;
beforeEach(async () => {
  server = await startLoopbackOAuthServer({ clientId: 'sp-id', clientSecret: CLIENT_SECRET });
});
afterEach(async () => {
  await server.close();
});

async function m2mConfig(now?: () => number) {
  return resolveConfig(
    {
      host: server.url,
      clientId: 'sp-id',
      clientSecret: CLIENT_SECRET,
      env: {},
      homeDir: '/nonexistent',
    },
    { now },
  );
}

describe('OAuth M2M against a loopback authorization server', () => {
  it('discovers the endpoints and issues a bearer token', async () => {
    const config = await m2mConfig();
    expect(config.authType).toBe('oauth-m2m');
    expect(await config.getAuthHeaders()).toEqual({ Authorization: 'Bearer access-1' });
    expect(server.counts).toMatchObject({ discovery: 1, token: 1 });
    expect(server.tokenForms[0]?.get('scope')).toBe('all-apis');
    expect(server.tokenForms[0]?.get('grant_type')).toBe('client_credentials');
  });

  it('close() releases the transport token requests go through: a later refresh is refused', async () => {
    const config = await m2mConfig();
    expect(await config.getAuthHeaders()).toEqual({ Authorization: 'Bearer access-1' });
    await config.close?.();
    await config.close?.(); // idempotent
    const error = await config.getAuthHeaders({ forceRefresh: true }).catch((e: unknown) => e);
    expect(DatabricksAuthError.isInstance(error)).toBe(true);
    expect((error as Error).message).toContain('was closed');
    expect(server.counts.token).toBe(1);
  });

  it('100 concurrent callers on a cold cache make exactly one token request', async () => {
    server.tokenDelayMs = 100;
    const config = await m2mConfig();
    const headers = await Promise.all(Array.from({ length: 100 }, () => config.getAuthHeaders()));
    expect(server.counts.token).toBe(1);
    expect(server.counts.discovery).toBe(1);
    expect(new Set(headers.map((header) => header.Authorization))).toEqual(
      new Set(['Bearer access-1']),
    );
  });

  it('refreshes an expiring token before it expires, using the injected clock', async () => {
    let clock = Date.now();
    server.expiresIn = 120;
    const config = await m2mConfig(() => clock);
    expect(await config.getAuthHeaders()).toEqual({ Authorization: 'Bearer access-1' });
    clock += 79_000; // 41 s left: reused
    expect(await config.getAuthHeaders()).toEqual({ Authorization: 'Bearer access-1' });
    clock += 2_000; // 39 s left: refreshed although still valid
    expect(await config.getAuthHeaders()).toEqual({ Authorization: 'Bearer access-2' });
    expect(server.counts.token).toBe(2);
    expect(await config.getAuthHeaders({ forceRefresh: true })).toEqual({
      Authorization: 'Bearer access-3',
    });
  });

  it('a 400 invalid_client becomes a DatabricksAuthError saying what to check', async () => {
    server.tokenOverride = (response) => {
      response.writeHead(400, { 'Content-Type': 'application/json' }).end(
        JSON.stringify({
          error: 'invalid_client',
          error_description: 'Client secret is invalid',
        }),
      );
      return true;
    };
    const config = await m2mConfig();
    const error = await config.getAuthHeaders().catch((caught: unknown) => caught);
    expect(DatabricksAuthError.isInstance(error)).toBe(true);
    const authError = error as DatabricksAuthError;
    expect(authError.authType).toBe('oauth-m2m');
    expect(authError.statusCode).toBe(400);
    expect(authError.errorCode).toBe('invalid_client');
    expect(authError.message).toContain('Client secret is invalid');
    expect(authError.message).toContain('service principal');
    expect(authError.cause).toBeDefined();
    for (const view of [
      authError.message,
      String(authError),
      JSON.stringify(authError),
      inspect(config, { depth: 10 }),
    ]) {
      expect(view).not.toContain(CLIENT_SECRET);
    }
    // The next call tries again (failures are not cached).
    server.tokenOverride = undefined;
    expect(await config.getAuthHeaders()).toEqual({ Authorization: 'Bearer access-1' });
  });

  it('wrong credentials against the real check give 401 invalid_client', async () => {
    const config = await resolveConfig({
      host: server.url,
      clientId: 'sp-id',
      clientSecret: 'wrong-secret-value',
      env: {},
      homeDir: '/nonexistent',
    });
    await expect(config.getAuthHeaders()).rejects.toMatchObject({
      statusCode: 401,
      errorCode: 'invalid_client',
      authType: 'oauth-m2m',
    });
  });

  it('an HTML error page gives a short, clear error', async () => {
    server.tokenOverride = (response) => {
      response
        .writeHead(500, { 'Content-Type': 'text/html' })
        .end(
          `<html><head><title>502 Bad Gateway</title></head><body>${'<p>nginx</p>'.repeat(2000)}</body></html>`,
        );
      return true;
    };
    const config = await m2mConfig();
    const error = await config.getAuthHeaders().catch((caught: unknown) => caught);
    expect(DatabricksAuthError.isInstance(error)).toBe(true);
    const authError = error as DatabricksAuthError;
    expect(authError.statusCode).toBe(500);
    expect(authError.message).toContain('HTTP 500');
    expect(authError.message).not.toContain('<p>nginx</p><p>nginx</p>');
    expect(authError.message.length).toBeLessThan(600);
  });

  it('a 200 HTML page (proxy login) is reported as such', async () => {
    server.tokenOverride = (response) => {
      response
        .writeHead(200, { 'Content-Type': 'text/html' })
        .end('<!doctype html><title>SSO</title><p>login</p>');
      return true;
    };
    const config = await m2mConfig();
    await expect(config.getAuthHeaders()).rejects.toThrow(/an HTML page titled "SSO"/);
  });
});

describe('Azure client secret against a loopback Entra endpoint', () => {
  it('gets a token from {login}/{tenant}/oauth2/v2.0/token via azureLoginEndpoint', async () => {
    const config = await resolveConfig({
      host: 'adb-1.2.azuredatabricks.net',
      azureLoginEndpoint: server.url,
      env: { ARM_TENANT_ID: 'tenant-x', ARM_CLIENT_ID: 'sp-id', ARM_CLIENT_SECRET: CLIENT_SECRET },
      homeDir: '/nonexistent',
    });
    expect(config.authType).toBe('azure-client-secret');
    const headers = await config.getAuthHeaders();
    expect(Object.keys(headers).sort()).toEqual([
      'Authorization',
      'X-Databricks-Azure-SP-Management-Token',
    ]);
    expect(headers.Authorization).toMatch(/^Bearer access-\d$/);
    expect(server.counts.azure).toBe(2);
    expect(server.tokenForms.map((form) => form.get('scope')).sort()).toEqual([
      '2ff814a6-3304-4ab8-85cb-cd0e6f879c1d/.default',
      'https://management.core.windows.net//.default',
    ]);
  });

  it('the provider works with an explicitly injected transport', async () => {
    const provider = createAzureClientSecretProvider({
      host: 'https://adb-1.2.azuredatabricks.net',
      tenantId: 'tenant-y',
      clientId: 'sp-id',
      clientSecret: 'bad',
      loginEndpoint: server.url,
      transport: createHttpTransport({ retry: { maxAttempts: 1 } }),
    });
    await expect(provider.getAuthHeaders()).rejects.toMatchObject({
      statusCode: 401,
      errorCode: 'invalid_client',
    });
  });
});

describe('transport retries for token requests', () => {
  it('a 503 then success is retried by the transport, still one logical token fetch', async () => {
    let hits = 0;
    const flaky = createServer((request, response) => {
      if (request.url?.startsWith('/oidc/.well-known')) {
        response.writeHead(200, { 'Content-Type': 'application/json' }).end(
          JSON.stringify({
            token_endpoint: `http://127.0.0.1:${(flaky.address() as AddressInfo).port}/token`,
          }),
        );
        return;
      }
      hits += 1;
      if (hits === 1) {
        response
          .writeHead(503, { 'Retry-After': '0', 'Content-Type': 'application/json' })
          .end('{}');
        return;
      }
      response
        .writeHead(200, { 'Content-Type': 'application/json' })
        .end(JSON.stringify({ access_token: 'after-retry', expires_in: 60 }));
    });
    await new Promise<void>((resolve) => flaky.listen(0, '127.0.0.1', () => resolve()));
    try {
      const provider = createOAuthM2MProvider({
        host: `http://127.0.0.1:${(flaky.address() as AddressInfo).port}`,
        clientId: 'a',
        clientSecret: 'b',
        transport: createHttpTransport({ retry: { initialDelayMs: 1, maxDelayMs: 5 } }),
      });
      expect(await provider.getAuthHeaders()).toEqual({ Authorization: 'Bearer after-retry' });
      expect(hits).toBe(2);
    } finally {
      await new Promise<void>((resolve) => flaky.close(() => resolve()));
    }
  });
});
