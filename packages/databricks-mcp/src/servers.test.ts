import { inspect } from 'node:util';
import {
  DatabricksAuthError,
  type DatabricksConfig,
  DatabricksConfigError,
  resolveConfig,
  WorkspaceConnectionClosedError,
} from '@lakechain/core';
import { describe, expect, it, vi } from 'vitest';
import { DatabricksOAuthClientProvider } from './auth_provider.js';
import { DatabricksMultiServerMCPClient } from './client.js';
import { buildMCPServerConfig, DatabricksMCPServer, MCPServer } from './servers.js';

const auth = { host: 'https://adb-1.azuredatabricks.net', token: 'dapi-very-secret', env: {} };

describe('DatabricksMCPServer factories', () => {
  it("build Databricks' managed server paths and names", async () => {
    const servers = [
      DatabricksMCPServer.fromSql(auth),
      DatabricksMCPServer.fromGenieSpace('01ef', auth),
      DatabricksMCPServer.fromVectorSearch('main', 'docs', undefined, auth),
      DatabricksMCPServer.fromVectorSearch('main', 'docs', 'chunks', auth),
      DatabricksMCPServer.fromUCFunctions('system', 'ai', undefined, auth),
      DatabricksMCPServer.fromUCFunctions('main', 'tools', 'lookup', { ...auth, name: 'lookup' }),
    ];
    expect(servers.map((server) => [server.name, server.path])).toEqual([
      ['databricks-sql', '/api/2.0/mcp/sql'],
      ['genie-space-01ef', '/api/2.0/mcp/genie/01ef'],
      ['vector-search-main-docs', '/api/2.0/mcp/vector-search/main/docs'],
      ['vector-search-main-docs-chunks', '/api/2.0/mcp/vector-search/main/docs/chunks'],
      ['uc-functions-system-ai', '/api/2.0/mcp/functions/system/ai'],
      ['lookup', '/api/2.0/mcp/functions/main/tools/lookup'],
    ]);
    const config = await buildMCPServerConfig(servers.slice(0, 2));
    expect(config['genie-space-01ef']).toMatchObject({
      transport: 'http',
      url: 'https://adb-1.azuredatabricks.net/api/2.0/mcp/genie/01ef',
      automaticSSEFallback: false,
    });
    expect(config['genie-space-01ef']?.authProvider).toBeInstanceOf(DatabricksOAuthClientProvider);
    expect(config['genie-space-01ef']?.headers).toBeUndefined();
  });

  it('refuse bad names and ids before any request', () => {
    expect(() => DatabricksMCPServer.fromGenieSpace('a/b', auth)).toThrow(DatabricksConfigError);
    expect(() => DatabricksMCPServer.fromVectorSearch('', 'docs', undefined, auth)).toThrow(
      'catalog',
    );
    expect(() => new DatabricksMCPServer({ name: 'x', ...auth })).toThrow('exactly one of `path`');
    expect(() => new MCPServer({ name: 'x', url: 'ftp://x' })).toThrow('absolute http(s) URL');
    expect(
      () =>
        new DatabricksMultiServerMCPClient([
          DatabricksMCPServer.fromSql(auth),
          DatabricksMCPServer.fromSql(auth),
        ]),
    ).toThrow('Two MCP servers are named "databricks-sql"');
  });

  it('send the workspace token only to the workspace and Databricks Apps', async () => {
    const oauth = { host: auth.host, clientId: 'sp', clientSecret: 'secret', env: {} };
    await expect(
      DatabricksMCPServer.fromUrl('https://agent-1.azure.databricksapps.com/mcp', oauth).url(),
    ).resolves.toBe('https://agent-1.azure.databricksapps.com/mcp');
    await expect(
      DatabricksMCPServer.fromUrl('https://tools.example.com/mcp', {
        ...auth,
        trustOrigin: true,
      }).url(),
    ).resolves.toBe('https://tools.example.com/mcp');
    await expect(
      DatabricksMCPServer.fromUrl('https://tools.example.com/mcp', auth).url(),
    ).rejects.toThrow('trustOrigin');
  });

  it('never show the token', () => {
    const server = DatabricksMCPServer.fromSql(auth);
    expect(JSON.stringify(server)).not.toContain('dapi-very-secret');
    expect(inspect(server, { depth: 5 })).not.toContain('dapi-very-secret');
    expect(inspect(new DatabricksOAuthClientProvider(() => resolveConfig(auth)))).not.toContain(
      'secret',
    );
  });
});

describe('DatabricksOAuthClientProvider', () => {
  it("hands the SDK core's bearer token, never a browser flow", async () => {
    const provider = new DatabricksOAuthClientProvider(await resolveConfig(auth));
    expect(await provider.tokens()).toEqual({
      access_token: 'dapi-very-secret',
      token_type: 'Bearer',
      expires_in: 60,
    });
    expect(provider.clientInformation()).toEqual({ client_id: 'databricks-sdk-client' });
    expect(provider.redirectUrl).toBeUndefined();
    expect(() => provider.redirectToAuthorization()).toThrow(DatabricksAuthError);
    expect(() => provider.discoveryState()).toThrow('next call fetches a new token');
  });
});

const env = {};

describe('DatabricksMCPServer resources', () => {
  it('resolves its config once and releases it on close()', async () => {
    const server = DatabricksMCPServer.fromSql({
      host: 'https://example.cloud.databricks.com',
      token: 'dapi-test',
      env,
    });
    const config = await server.config();
    expect(await server.config()).toBe(config);
    expect(await server.url()).toBe('https://example.cloud.databricks.com/api/2.0/mcp/sql');
    await server.close();
    await server.close(); // idempotent
    await expect(server.config()).rejects.toSatisfy((error: unknown) =>
      WorkspaceConnectionClosedError.isInstance(error),
    );
  });

  it('leaves a config passed in open: it belongs to the caller', async () => {
    const close = vi.fn(async () => {});
    const shared = {
      host: 'https://example.cloud.databricks.com',
      authType: 'pat',
      getAuthHeaders: async () => ({ Authorization: 'Bearer dapi-test' }),
      close,
    } as unknown as DatabricksConfig;
    const server = DatabricksMCPServer.fromSql({ config: shared });
    expect(await server.config()).toBe(shared);
    await server.close();
    expect(close).not.toHaveBeenCalled();
  });

  it('the multi-server client closes its servers', async () => {
    const server = DatabricksMCPServer.fromSql({
      host: 'https://example.cloud.databricks.com',
      token: 'dapi-test',
      env,
    });
    const closeServer = vi.spyOn(server, 'close');
    const client = new DatabricksMultiServerMCPClient([server]);
    await client.close();
    expect(closeServer).toHaveBeenCalledTimes(1);
  });
});
