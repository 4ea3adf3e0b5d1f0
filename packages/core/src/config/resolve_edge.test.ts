import { inspect } from 'node:util';
import { describe, expect, it } from 'vitest';
import { DatabricksConfigError } from '../errors.js';
import { resolveEdgeConfig } from './resolve_edge.js';

const SECRET_TOKEN = 'dapiEDGESECRET0123456789';

async function configError(promise: Promise<unknown>): Promise<DatabricksConfigError> {
  const error = await promise.then(
    () => undefined,
    (caught: unknown) => caught,
  );
  expect(DatabricksConfigError.isInstance(error)).toBe(true);
  return error as DatabricksConfigError;
}

describe('resolveEdgeConfig', () => {
  it('takes host and token from options before the environment', async () => {
    const config = await resolveEdgeConfig({
      host: 'adb-1.azuredatabricks.net',
      token: SECRET_TOKEN,
      env: { DATABRICKS_HOST: 'https://other.example.com', DATABRICKS_TOKEN: 'dapi-env' },
    });
    expect(config.host).toBe('https://adb-1.azuredatabricks.net');
    expect(config.authType).toBe('pat');
    expect(await config.getAuthHeaders()).toEqual({ Authorization: `Bearer ${SECRET_TOKEN}` });
    expect(inspect(config)).not.toContain(SECRET_TOKEN);
    expect(JSON.stringify(config)).not.toContain(SECRET_TOKEN);
  });

  it('reads the environment record, and detects OAuth M2M', async () => {
    const config = await resolveEdgeConfig({
      env: {
        DATABRICKS_HOST: 'https://dbc-1.cloud.databricks.com',
        DATABRICKS_CLIENT_ID: 'sp',
        DATABRICKS_CLIENT_SECRET: 'dose-secret',
        DATABRICKS_WAREHOUSE_ID: 'wh1',
      },
    });
    expect(config.authType).toBe('oauth-m2m');
    expect(config.warehouseId).toBe('wh1');
  });

  it('prefers a custom token provider', async () => {
    const config = await resolveEdgeConfig({
      host: 'https://h.example.com',
      token: 'ignored',
      tokenProvider: async () => 'from-provider',
      env: {},
    });
    expect(config.authType).toBe('custom');
    expect(await config.getAuthHeaders()).toEqual({ Authorization: 'Bearer from-provider' });
  });

  it('refuses what needs files or processes, saying what to do instead', async () => {
    const profile = await configError(resolveEdgeConfig({ profile: 'dev', env: {} }));
    expect(profile.message).toMatch(/`profile` needs a file system/);
    const cli = await configError(
      resolveEdgeConfig({ host: 'https://h.example.com', authType: 'databricks-cli', env: {} }),
    );
    expect(cli.message).toMatch(/needs Node.*pat, oauth-m2m, azure-client-secret, custom/);
  });

  it('says what is missing', async () => {
    expect((await configError(resolveEdgeConfig({ env: {} }))).message).toMatch(
      /No Databricks host/,
    );
    expect(
      (await configError(resolveEdgeConfig({ host: 'https://h.example.com', env: {} }))).message,
    ).toMatch(/No Databricks credentials found for https:\/\/h.example.com/);
    expect(
      (
        await configError(
          resolveEdgeConfig({ host: 'https://h.example.com', authType: 'oauth-m2m', env: {} }),
        )
      ).message,
    ).toMatch(/OAuth M2M authentication needs `clientId` and `clientSecret`/);
  });
});
