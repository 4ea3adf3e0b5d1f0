import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inspect } from 'node:util';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DatabricksConfigError } from '../errors.js';
import type { HttpTransport } from '../http/types.js';
import { resolveConfig } from './resolve.js';

const SECRET_TOKEN = 'dapiSECRET0123456789abcdef';
const SECRET_CLIENT = 'doseSECRETclient9876543210';

let home: string;
beforeEach(async () => {
  home = await mkdtemp(join(tmpdir(), 'lakechain-resolve-'));
});
afterEach(async () => {
  await rm(home, { recursive: true, force: true });
});

async function writeCfg(text: string, name = '.databrickscfg'): Promise<string> {
  const path = join(home, name);
  await writeFile(path, text);
  return path;
}

/** Fails the test if any HTTP is attempted: resolution itself must be offline. */
const noHttp: HttpTransport = {
  request: async () => {
    throw new Error('unexpected HTTP request');
  },
};

async function errorOf(promise: Promise<unknown>): Promise<DatabricksConfigError> {
  const error = await promise.then(
    () => undefined,
    (caught: unknown) => caught,
  );
  expect(DatabricksConfigError.isInstance(error)).toBe(true);
  return error as DatabricksConfigError;
}

describe('resolveConfig precedence', () => {
  it('explicit options win over the environment, which wins over the profile', async () => {
    await writeCfg(
      '[DEFAULT]\nhost = https://file.cloud.databricks.com\ntoken = filetoken\nwarehouse_id = wh-file\ncluster_id = c-file\n',
    );
    const config = await resolveConfig(
      {
        warehouseId: 'wh-option',
        profile: 'DEFAULT',
        homeDir: home,
        env: {
          DATABRICKS_HOST: 'env.cloud.databricks.com',
          DATABRICKS_WAREHOUSE_ID: 'wh-env',
        },
      },
      { transport: noHttp },
    );
    expect(config.host).toBe('https://env.cloud.databricks.com');
    expect(config.warehouseId).toBe('wh-option');
    expect(config.clusterId).toBe('c-file');
    expect(config.profile).toBe('DEFAULT');
    expect(config.configFile).toBe(join(home, '.databrickscfg'));
    expect(config.authType).toBe('pat');
    expect(await config.getAuthHeaders()).toEqual({ Authorization: 'Bearer filetoken' });
  });

  it('an explicit token wins over DATABRICKS_TOKEN', async () => {
    const config = await resolveConfig(
      {
        host: 'x.cloud.databricks.com',
        token: 'explicit',
        homeDir: home,
        env: { DATABRICKS_TOKEN: 'from-env', DATABRICKS_HOST: 'other.cloud.databricks.com' },
      },
      { transport: noHttp },
    );
    expect(config.host).toBe('https://x.cloud.databricks.com');
    expect(await config.getAuthHeaders()).toEqual({ Authorization: 'Bearer explicit' });
  });

  it('reads the profile named by DATABRICKS_CONFIG_PROFILE from DATABRICKS_CONFIG_FILE', async () => {
    const path = await writeCfg(
      '[DEFAULT]\nhost = https://default.example.com\ntoken = d\n[dev]\nhost = dev.cloud.databricks.com\ntoken = devtoken\n',
      'custom.cfg',
    );
    const config = await resolveConfig(
      { homeDir: home, env: { DATABRICKS_CONFIG_FILE: path, DATABRICKS_CONFIG_PROFILE: 'dev' } },
      { transport: noHttp },
    );
    expect(config.host).toBe('https://dev.cloud.databricks.com');
    expect(config.profile).toBe('dev');
    expect(config.configFile).toBe(path);
    expect(await config.getAuthHeaders()).toEqual({ Authorization: 'Bearer devtoken' });
  });

  it('an environment token overrides the profile token when the profile is named', async () => {
    await writeCfg('[dev]\nhost = dev.cloud.databricks.com\ntoken = devtoken\n');
    const config = await resolveConfig(
      { profile: 'dev', homeDir: home, env: { DATABRICKS_TOKEN: 'envtoken' } },
      { transport: noHttp },
    );
    expect(await config.getAuthHeaders()).toEqual({ Authorization: 'Bearer envtoken' });
  });

  it('skips the file when no profile is named and host or a credential is already set', async () => {
    await writeCfg(
      '[DEFAULT]\nhost = https://file.example.com\ntoken = filetoken\nwarehouse_id = wh\n',
    );
    const config = await resolveConfig(
      {
        homeDir: home,
        env: { DATABRICKS_HOST: 'env.cloud.databricks.com', DATABRICKS_TOKEN: 'e' },
      },
      { transport: noHttp },
    );
    expect(config.warehouseId).toBeUndefined();
    expect(config.profile).toBeUndefined();
    expect(config.configFile).toBeUndefined();
    // Only the token set: still skipped (no host anywhere then).
    const error = await errorOf(
      resolveConfig({ homeDir: home, token: 'x', env: {} }, { transport: noHttp }),
    );
    expect(error.message).toContain('No Databricks host');
  });

  it('reads [DEFAULT] when nothing is set, and tolerates a missing default file', async () => {
    await writeCfg('[DEFAULT]\nhost = https://file.cloud.databricks.com\ntoken = t\n');
    const config = await resolveConfig({ homeDir: home, env: {} }, { transport: noHttp });
    expect(config.host).toBe('https://file.cloud.databricks.com');
    expect(config.profile).toBe('DEFAULT');
    const empty = await mkdtemp(join(tmpdir(), 'lakechain-empty-'));
    try {
      const error = await errorOf(resolveConfig({ homeDir: empty, env: {} }));
      expect(error.message).toBe(
        'No Databricks host. Pass `host`, set DATABRICKS_HOST, or add `host` to profile [DEFAULT] in ~/.databrickscfg.',
      );
    } finally {
      await rm(empty, { recursive: true, force: true });
    }
  });

  it('names the requested profile and file when the host is missing', async () => {
    await writeCfg('[dev]\ntoken = t\n');
    const error = await errorOf(resolveConfig({ profile: 'dev', homeDir: home, env: {} }));
    expect(error.message).toBe(
      'No Databricks host. Pass `host`, set DATABRICKS_HOST, or add `host` to profile [dev] in ~/.databrickscfg.',
    );
    expect(error.option).toBe('host');
  });

  it('uses the Databricks runtime last: cluster id from DB_CLUSTER_ID, runtime auth', async () => {
    const env = {
      DATABRICKS_RUNTIME_VERSION: '15.4',
      DATABRICKS_HOST: 'adb-1.2.azuredatabricks.net',
      DB_CLUSTER_ID: '0101-abc',
    };
    const config = await resolveConfig({ homeDir: home, env }, { transport: noHttp });
    expect(config.authType).toBe('runtime');
    expect(config.clusterId).toBe('0101-abc');
    await expect(config.getAuthHeaders()).rejects.toThrow(
      /Set DATABRICKS_TOKEN in the cluster environment/,
    );
    // A DATABRICKS_CLUSTER_ID from the environment wins over the runtime's.
    const overridden = await resolveConfig(
      { homeDir: home, env: { ...env, DATABRICKS_CLUSTER_ID: 'env-cluster' } },
      { transport: noHttp },
    );
    expect(overridden.clusterId).toBe('env-cluster');
    const forced = await resolveConfig(
      { homeDir: home, authType: 'runtime', env: { ...env, DATABRICKS_TOKEN: 'rt' } },
      { transport: noHttp },
    );
    expect(await forced.getAuthHeaders()).toEqual({ Authorization: 'Bearer rt' });
  });

  it('reads the CA bundle from DATABRICKS_CA_CERT_FILE', async () => {
    const pem = '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n';
    const path = join(home, 'ca.pem');
    await writeFile(path, pem);
    const config = await resolveConfig(
      {
        homeDir: home,
        host: 'x.cloud.databricks.com',
        token: 't',
        env: { DATABRICKS_CA_CERT_FILE: path },
      },
      { transport: noHttp },
    );
    expect(config.caCert).toBe(pem);
    expect(config.toJSON().hasCaCert).toBe(true);
    const error = await errorOf(
      resolveConfig({
        homeDir: home,
        host: 'x.cloud.databricks.com',
        token: 't',
        env: { DATABRICKS_CA_CERT_FILE: join(home, 'missing.pem') },
      }),
    );
    expect(error.message).toContain('DATABRICKS_CA_CERT_FILE');
  });
});

describe('resolveConfig profile errors', () => {
  it('lists available profiles for an unknown one', async () => {
    await writeCfg('[DEFAULT]\nhost = a\n[dev]\nhost = b\n[prod]\nhost = c\n');
    const error = await errorOf(resolveConfig({ profile: 'staging', homeDir: home, env: {} }));
    expect(error.message).toBe(
      'Profile [staging] (option `profile`) not found in ~/.databrickscfg. Available profiles: DEFAULT, dev, prod.',
    );
  });

  it('fails when a named profile is requested and the file is missing', async () => {
    const error = await errorOf(
      resolveConfig({ homeDir: home, env: { DATABRICKS_CONFIG_PROFILE: 'dev' } }),
    );
    expect(error.message).toMatch(
      /Profile \[dev\] was requested \(DATABRICKS_CONFIG_PROFILE\) but the config file ~\/\.databrickscfg does not exist/,
    );
  });

  it('fails when an explicitly configured file is missing', async () => {
    const error = await errorOf(
      resolveConfig({ homeDir: home, configFile: join(home, 'nope.cfg'), env: {} }),
    );
    expect(error.message).toContain('nope.cfg (option `configFile`) does not exist');
  });

  it('reports a malformed file with its line number', async () => {
    await writeCfg('[DEFAULT]\nhost = https://x.cloud.databricks.com\n\n# ok\n\n[dev]\noops\n');
    const error = await errorOf(resolveConfig({ homeDir: home, env: {} }));
    expect(error.message).toBe('~/.databrickscfg line 7: expected `key = value` or `[section]`.');
    expect(error.line).toBe(7);
  });

  it('reports a config path that is a directory', async () => {
    await mkdir(join(home, 'cfgdir'));
    const error = await errorOf(
      resolveConfig({ homeDir: home, env: { DATABRICKS_CONFIG_FILE: join(home, 'cfgdir') } }),
    );
    expect(error.message).toContain('~/cfgdir');
    expect(error.file).toBe(join(home, 'cfgdir'));
  });

  it('rejects an unknown auth_type in a profile, listing the valid ones', async () => {
    await writeCfg('[DEFAULT]\nhost = x.cloud.databricks.com\nauth_type = azure-cli\n');
    const error = await errorOf(resolveConfig({ homeDir: home, env: {} }));
    expect(error.message).toContain('unknown auth type "azure-cli"');
    expect(error.message).toContain(
      'pat, oauth-m2m, azure-client-secret, databricks-cli, external-browser, runtime, custom',
    );
  });
});

describe('resolveConfig option validation', () => {
  it.each([
    [{ warehouseId: 42 }, 'Invalid option `warehouseId`: expected a string'],
    [{ host: false }, 'Invalid option `host`: expected a string'],
    [
      { authType: 'oauth' },
      'Invalid option `authType`: expected one of pat, oauth-m2m, azure-client-secret, databricks-cli, external-browser, runtime, custom',
    ],
    [
      { oauthRedirectPort: 70000 },
      'Invalid option `oauthRedirectPort`: expected a port between 0 and 65535',
    ],
    [{ tokenProvider: 'nope' }, 'Invalid option `tokenProvider`: expected a function'],
    [{ oauthScopes: [] }, 'Invalid option `oauthScopes`: expected at least one scope'],
    [{ profile: '  ' }, 'Invalid option `profile`: expected a non-empty string'],
  ])('%j fails fast', async (options, message) => {
    const error = await errorOf(resolveConfig({ homeDir: home, env: {}, ...options } as never));
    expect(error.message).toBe(message);
  });

  it('never echoes a mistyped secret value', async () => {
    const error = await errorOf(
      resolveConfig({ homeDir: home, env: {}, token: [SECRET_TOKEN] } as never),
    );
    expect(error.message).not.toContain(SECRET_TOKEN);
    expect(error.option).toBe('token');
  });
});

describe('resolveConfig auth selection', () => {
  const host = 'https://dbc-1.cloud.databricks.com';

  it('detects pat, oauth-m2m, azure-client-secret and custom', async () => {
    const base = { homeDir: home, host };
    const pick = async (env: Record<string, string>, extra = {}) =>
      (await resolveConfig({ ...base, env, ...extra }, { transport: noHttp })).authType;
    expect(await pick({ DATABRICKS_TOKEN: 't' })).toBe('pat');
    expect(await pick({ DATABRICKS_CLIENT_ID: 'id', DATABRICKS_CLIENT_SECRET: 's' })).toBe(
      'oauth-m2m',
    );
    expect(
      await pick(
        { ARM_TENANT_ID: 't', ARM_CLIENT_ID: 'c', ARM_CLIENT_SECRET: 's' },
        { host: 'adb-1.2.azuredatabricks.net' },
      ),
    ).toBe('azure-client-secret');
    // Both OAuth and Azure secrets: the host decides.
    const both = {
      DATABRICKS_CLIENT_ID: 'id',
      DATABRICKS_CLIENT_SECRET: 's',
      ARM_TENANT_ID: 't',
      ARM_CLIENT_ID: 'c',
      ARM_CLIENT_SECRET: 's',
    };
    expect(await pick(both)).toBe('oauth-m2m');
    expect(await pick(both, { host: 'adb-1.2.azuredatabricks.net' })).toBe('azure-client-secret');
    expect(await pick({}, { tokenProvider: async () => 'x' })).toBe('custom');
  });

  it('refuses a token and a client secret together, naming both and their sources', async () => {
    const error = await errorOf(
      resolveConfig({
        homeDir: home,
        host,
        clientSecret: SECRET_CLIENT,
        env: { DATABRICKS_TOKEN: SECRET_TOKEN, DATABRICKS_CLIENT_ID: 'id' },
      }),
    );
    expect(error.message).toContain('More than one authorization method configured: pat and oauth');
    expect(error.message).toContain('DATABRICKS_TOKEN');
    expect(error.message).toContain('option `clientSecret`');
    expect(error.message).toContain('Set `authType`');
    expect(error.message).not.toContain(SECRET_TOKEN);
    expect(error.message).not.toContain(SECRET_CLIENT);
    // Forcing one resolves the conflict.
    const config = await resolveConfig(
      { homeDir: home, host, authType: 'pat', clientSecret: 's', env: { DATABRICKS_TOKEN: 'tok' } },
      { transport: noHttp },
    );
    expect(config.authType).toBe('pat');
  });

  it.each([
    [
      { authType: 'pat' },
      /authType 'pat' \(from option `authType`\) needs `token` \/ DATABRICKS_TOKEN/,
    ],
    [{ authType: 'oauth-m2m', clientId: 'id' }, /needs `clientSecret` \/ DATABRICKS_CLIENT_SECRET/],
    [
      { authType: 'azure-client-secret' },
      /needs `azureTenantId` \/ ARM_TENANT_ID .* and `azureClientId` .* and `azureClientSecret`/,
    ],
    [{ authType: 'custom' }, /needs a `tokenProvider`/],
    [{ authType: 'runtime' }, /only works on a Databricks cluster/],
    [{ clientSecret: 's' }, /OAuth M2M \(a client secret is set\) needs `clientId`/],
  ])('forced or partial auth %j explains what is missing', async (options, message) => {
    const error = await errorOf(
      resolveConfig({ homeDir: home, host, env: {}, ...options } as never),
    );
    expect(error.message).toMatch(message);
  });

  it('names the auth type source when DATABRICKS_AUTH_TYPE forces it', async () => {
    const error = await errorOf(
      resolveConfig({ homeDir: home, host, env: { DATABRICKS_AUTH_TYPE: 'oauth-m2m' } }),
    );
    expect(error.message).toContain("authType 'oauth-m2m' (from DATABRICKS_AUTH_TYPE)");
  });

  it('lists every way to authenticate when nothing is configured', async () => {
    const error = await errorOf(
      resolveConfig({ homeDir: home, host, env: { DATABRICKS_CLIENT_ID: 'id', PATH: '' } }),
    );
    expect(error.message).toContain(
      'No Databricks credentials found for https://dbc-1.cloud.databricks.com',
    );
    expect(error.message).toContain('its client secret is missing');
    for (const hint of [
      'DATABRICKS_TOKEN',
      'DATABRICKS_CLIENT_SECRET',
      'ARM_CLIENT_SECRET',
      'databricks auth login',
      'external-browser',
    ]) {
      expect(error.message).toContain(hint);
    }
  });
});

describe('redaction of the resolved config', () => {
  it('never shows the token or secret in JSON, inspect, String or toString', async () => {
    const pat = await resolveConfig(
      {
        homeDir: home,
        host: 'x.cloud.databricks.com',
        token: SECRET_TOKEN,
        warehouseId: 'wh',
        env: {},
      },
      { transport: noHttp },
    );
    const m2m = await resolveConfig(
      {
        homeDir: home,
        host: 'x.cloud.databricks.com',
        clientId: 'id',
        clientSecret: SECRET_CLIENT,
        env: {},
      },
      { transport: noHttp },
    );
    for (const config of [pat, m2m]) {
      const views = [
        JSON.stringify(config),
        inspect(config, { depth: 10, showHidden: true }),
        String(config),
        `${config}`,
        JSON.stringify(Object.entries(config)),
      ];
      for (const view of views) {
        expect(view).not.toContain(SECRET_TOKEN);
        expect(view).not.toContain(SECRET_CLIENT);
      }
    }
    expect(JSON.parse(JSON.stringify(pat))).toEqual({
      host: 'https://x.cloud.databricks.com',
      authType: 'pat',
      warehouseId: 'wh',
      hasCaCert: false,
    });
    expect(inspect(pat)).toContain("authType: 'pat'");
    // The secret is really there: headers carry it.
    expect(await pat.getAuthHeaders()).toEqual({ Authorization: `Bearer ${SECRET_TOKEN}` });
  });
});
