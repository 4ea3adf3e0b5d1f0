import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resolveConfig } from './config/resolve.js';
import { DatabricksConfigError } from './errors.js';
import { createSqlDriverAuthProvider, toSqlConnectionOptions } from './sql_driver_auth.js';

let home: string;
beforeAll(async () => {
  home = await mkdtemp(join(tmpdir(), 'lakechain-sql-'));
});
afterAll(async () => {
  await rm(home, { recursive: true, force: true });
});

const base = () => ({ homeDir: home, token: 'tok-1234', env: {} });

describe('SQL driver adapter', () => {
  it('builds warehouse connection options with a custom auth provider', async () => {
    const config = await resolveConfig({
      ...base(),
      host: 'x.cloud.databricks.com',
      warehouseId: 'abc123',
    });
    const options = toSqlConnectionOptions(config);
    expect(options).toMatchObject({
      host: 'x.cloud.databricks.com',
      port: 443,
      path: '/sql/1.0/warehouses/abc123',
      authType: 'custom',
    });
    expect(options.customCaCert).toBeUndefined();
    expect(await options.provider.authenticate()).toEqual({ Authorization: 'Bearer tok-1234' });
  });

  it('uses the cluster path, a port, an explicit httpPath and the CA bundle', async () => {
    const pem = '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n';
    const config = await resolveConfig({
      ...base(),
      host: 'https://127.0.0.1:8443',
      clusterId: '0101-xyz',
      caCert: pem,
    });
    const options = toSqlConnectionOptions(config);
    expect(options.host).toBe('127.0.0.1');
    expect(options.port).toBe(8443);
    expect(options.path).toBe('/sql/protocolv1/o/0/0101-xyz');
    expect(options.customCaCert?.toString('utf8')).toBe(pem);
    expect(toSqlConnectionOptions(config, { httpPath: 'sql/1.0/warehouses/w' }).path).toBe(
      '/sql/1.0/warehouses/w',
    );
  });

  it('shares the token cache with REST (one token fetch for both)', async () => {
    let calls = 0;
    const config = await resolveConfig({
      homeDir: home,
      env: {},
      host: 'x.cloud.databricks.com',
      tokenProvider: async () => {
        calls += 1;
        return { token: `t${calls}`, expiresAt: new Date(Date.now() + 3_600_000) };
      },
    });
    const provider = createSqlDriverAuthProvider(config);
    expect(await provider.authenticate()).toEqual({ Authorization: 'Bearer t1' });
    expect(await config.getAuthHeaders()).toEqual({ Authorization: 'Bearer t1' });
    expect(calls).toBe(1);
  });

  it('needs exactly one of warehouse and cluster', async () => {
    const none = await resolveConfig({ ...base(), host: 'x.cloud.databricks.com' });
    expect(() => toSqlConnectionOptions(none)).toThrow(
      /^Need a SQL warehouse or cluster: pass `warehouseId`, set DATABRICKS_WAREHOUSE_ID/,
    );
    const both = await resolveConfig({
      ...base(),
      host: 'x.cloud.databricks.com',
      warehouseId: 'w',
      clusterId: 'c',
    });
    expect(() => toSqlConnectionOptions(both)).toThrow(DatabricksConfigError);
    expect(() => toSqlConnectionOptions(both)).toThrow(/ambiguous/);
  });
});
