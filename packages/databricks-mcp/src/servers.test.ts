import { type DatabricksConfig, WorkspaceConnectionClosedError } from '@lakechain/core';
import { describe, expect, it, vi } from 'vitest';
import { DatabricksMultiServerMCPClient } from './client.js';
import { DatabricksMCPServer } from './servers.js';

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
