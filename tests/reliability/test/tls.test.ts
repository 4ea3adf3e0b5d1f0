/**
 * TLS: certificate verification is on by default. The local workspace serves HTTPS with its own
 * self-signed CA: every client refuses it unless that CA is configured (`caCert`).
 */
import { DBSQLClient } from '@databricks/sql';
import {
  DatabricksClient,
  DatabricksConnectionError,
  LakechainError,
  resolveConfig,
  toSqlConnectionOptions,
} from '@lakechain/core';
import { ChatDatabricks } from '@lakechain/databricks-llm';
import { DatabricksSqlDatabase } from '@lakechain/databricks-sql';
import type { LocalWorkspace } from '@lakechain/local-workspace';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CHAT, startWorkspace } from './helpers.js';

let ws: LocalWorkspace;
let other: LocalWorkspace;

beforeAll(async () => {
  // The suite must not pass because the environment disabled verification or trusts the CA.
  expect(process.env.NODE_TLS_REJECT_UNAUTHORIZED).toBeUndefined();
  // (NODE_EXTRA_CA_CERTS may name the system bundle; the workspace CA is generated at start.)
  [ws, other] = await Promise.all([startWorkspace(), startWorkspace()]);
});
afterAll(async () => {
  await Promise.all([ws?.stop(), other?.stop()]);
});

const tlsMessage = /certificate|self[- ]signed|SELF_SIGNED|UNABLE_TO_VERIFY|TLS/i;

describe('core DatabricksClient', () => {
  const get = async (caCert?: string) => {
    const config = await resolveConfig({ host: ws.host, token: ws.token, caCert, env: {} });
    return new DatabricksClient({ config, retry: { maxAttempts: 1 } }).request<{
      endpoints: unknown[];
    }>({
      method: 'GET',
      path: '/api/2.0/serving-endpoints',
    });
  };

  it('refuses the self-signed workspace without its CA, with a typed connection error', async () => {
    const error = await get().catch((e: unknown) => e);
    expect(DatabricksConnectionError.isInstance(error)).toBe(true);
    expect(
      String((error as Error).message) + String((error as DatabricksConnectionError).code),
    ).toMatch(tlsMessage);
    expect(ws.faults.counts()['serving-endpoints'] ?? 0).toBe(0); // no request got through
  });

  it('refuses it with the wrong CA (another workspace’s)', async () => {
    const error = await get(other.caCert).catch((e: unknown) => e);
    expect(DatabricksConnectionError.isInstance(error)).toBe(true);
  });

  it('accepts it with caCert', async () => {
    expect((await get(ws.caCert)).endpoints.length).toBeGreaterThan(0);
  });

  it('the OAuth token endpoint is verified too (M2M without the CA fails)', async () => {
    const config = await resolveConfig({
      host: ws.host,
      clientId: ws.oauth.clientId,
      clientSecret: ws.oauth.clientSecret,
      env: {},
    });
    const error = await new DatabricksClient({ config, retry: { maxAttempts: 1 } })
      .request({ method: 'GET', path: '/api/2.0/serving-endpoints' })
      .catch((e: unknown) => e);
    expect(LakechainError.isInstance?.(error) ?? error instanceof Error).toBeTruthy();
    expect(String((error as Error).message) + String((error as { cause?: unknown }).cause)).toMatch(
      tlsMessage,
    );
    expect(ws.faults.counts()['oauth-token'] ?? 0).toBe(0);
  });
});

describe('the @databricks/sql driver through core’s options', () => {
  const open = async (caCert?: string) => {
    const config = await resolveConfig({
      host: ws.host,
      token: ws.token,
      warehouseId: ws.warehouseId,
      caCert,
      env: {},
    });
    const client = new DBSQLClient({ logger: { log() {} } } as never);
    try {
      await client.connect({ ...toSqlConnectionOptions(config), telemetryEnabled: false } as never);
      const session = await client.openSession();
      const op = await session.executeStatement('SELECT 1 AS x');
      const rows = await op.fetchAll();
      await op.close();
      await session.close();
      return rows;
    } finally {
      await client.close();
    }
  };

  it('refuses the self-signed warehouse without its CA', async () => {
    await expect(open()).rejects.toThrow(tlsMessage);
  });

  it('accepts it with caCert', async () => {
    expect(await open(ws.caCert)).toEqual([{ x: 1 }]);
  });

  it('DatabricksSqlDatabase refuses without caCert and works with it', async () => {
    const options = {
      host: ws.host,
      token: ws.token,
      httpPath: ws.httpPath,
      catalog: 'main',
      schema: 'default',
      env: {},
    };
    await expect(DatabricksSqlDatabase.fromDatabricks(options as never)).rejects.toThrow(
      tlsMessage,
    );
    const db = await DatabricksSqlDatabase.fromDatabricks({
      ...options,
      caCert: ws.caCert,
    } as never);
    expect(await db.run('SELECT 1 AS x')).toBe('[{"x":1}]');
    await db.close();
  });
});

describe('ChatDatabricks', () => {
  it('refuses without caCert, works with it', async () => {
    const base = { endpoint: CHAT, host: ws.host, token: ws.token, maxRetries: 0, env: {} };
    await expect(new ChatDatabricks(base as never).invoke('hi')).rejects.toThrow(tlsMessage);
    const answer = await new ChatDatabricks({ ...base, caCert: ws.caCert } as never).invoke('hi');
    expect(answer.content).toContain('hi');
  });
});
