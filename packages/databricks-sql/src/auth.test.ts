import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DatabricksConfigError } from '@lakechain/core';
import { describe, expect, it } from 'vitest';
import { coreOptionsOf, resolveConnectOptions } from './auth.js';

// A hermetic environment: no real env vars, no ~/.databrickscfg.
const homeDir = mkdtempSync(join(tmpdir(), 'lakechain-sql-home-'));
const hermetic = (env: Record<string, string> = {}) => ({ env, homeDir });

describe('resolveConnectOptions (through @lakechain/core)', () => {
  it('builds driver options with custom auth, path and CA', async () => {
    const options = await resolveConnectOptions({
      host: 'https://adb-1.cloud.databricks.com:8443',
      token: 'dapi-x',
      warehouseId: 'w1',
      caCert: 'PEM',
      catalog: 'ignored-by-core',
      ...hermetic(),
    });
    expect(options).toMatchObject({
      host: 'adb-1.cloud.databricks.com',
      port: 8443,
      path: '/sql/1.0/warehouses/w1',
      authType: 'custom',
      preserveBigNumericPrecision: true,
      telemetryEnabled: false,
    });
    expect(String((options as { customCaCert?: Buffer }).customCaCert)).toBe('PEM');
    const provider = (options as unknown as { provider: { authenticate(): Promise<unknown> } })
      .provider;
    expect(await provider.authenticate()).toMatchObject({ Authorization: 'Bearer dapi-x' });
  });

  it('reads the environment; httpPath and clusterId give the path', async () => {
    const env = {
      DATABRICKS_HOST: 'env-host.example.com',
      DATABRICKS_TOKEN: 't',
      DATABRICKS_WAREHOUSE_ID: 'w9',
    };
    expect(await resolveConnectOptions(hermetic(env))).toMatchObject({
      host: 'env-host.example.com',
      port: 443,
      path: '/sql/1.0/warehouses/w9',
    });
    expect(await resolveConnectOptions({ httpPath: 'sql/custom', ...hermetic(env) })).toMatchObject(
      { path: '/sql/custom' },
    );
    expect(
      await resolveConnectOptions({
        host: 'h.example.com',
        token: 't',
        clusterId: 'c1',
        ...hermetic(),
      }),
    ).toMatchObject({ path: '/sql/protocolv1/o/0/c1' });
  });

  it('release() closes the config core resolved: its token requests are refused afterwards', async () => {
    const requests: string[] = [];
    const options = await resolveConnectOptions({
      host: 'https://adb-1.cloud.databricks.com',
      clientId: 'sp-id',
      clientSecret: 'sp-secret',
      warehouseId: 'w1',
      fetch: async (url: string | URL | Request) => {
        requests.push(String(url));
        throw new Error('no network in this test');
      },
      ...hermetic(),
    });
    await options.release();
    // The driver's `authType: 'custom'` provider: core's token cache behind it.
    const { provider } = options as unknown as { provider: { authenticate(): Promise<unknown> } };
    const error = await provider.authenticate().catch((e: unknown) => e);
    expect((error as Error).message).toContain('was closed');
    expect(requests).toEqual([]);
  });

  it('fails with a config error when nothing is configured', async () => {
    await expect(resolveConnectOptions(hermetic())).rejects.toSatisfy((e: unknown) =>
      DatabricksConfigError.isInstance(e),
    );
  });

  it('passes auth options to core and keeps SQL options', () => {
    expect(
      coreOptionsOf({
        host: 'h',
        token: 't',
        clientId: 'c',
        catalog: 'x',
        maxRows: 5,
        warehouseId: 'w',
        readOnly: false,
      }),
    ).toEqual({ host: 'h', token: 't', clientId: 'c', warehouseId: 'w' });
  });
});
