/**
 * `resolveEdgeConfig`: the workspace and its credentials from explicit options (and an
 * environment record, when the runtime has one), for runtimes that only have `fetch`: Vercel Edge,
 * Cloudflare Workers, Deno Deploy, Bun without Node compatibility. There is no file system and
 * no process to spawn there, so the profile file, the Databricks CLI, the browser login and the
 * cluster runtime are not sources; the rest (precedence options > environment, the auth order
 * custom → pat → oauth-m2m → azure-client-secret, validation and messages) follows
 * `resolveConfig`. Nothing reachable from this file imports a Node built-in.
 */
import { createAzureClientSecretProvider } from '../auth/azure_client_secret.js';
import { createCustomProvider } from '../auth/custom.js';
import { createOAuthM2MProvider, DEFAULT_M2M_SCOPES } from '../auth/oauth_m2m.js';
import { PatCredentialsProvider } from '../auth/provider.js';
import { DatabricksConfigError } from '../errors.js';
import { createHttpTransport } from '../http/transport.js';
import type { AuthType, CredentialsProvider } from '../types.js';
import { ATTRIBUTES, type AttributeName } from './attributes.js';
import { ResolvedDatabricksConfig } from './databricks_config.js';
import { normalizeHost } from './host.js';
import { type DatabricksConfigOptions, parseAuthType, parseConfigOptions } from './options.js';

/** The auth types that need nothing but `fetch`. */
export const EDGE_AUTH_TYPES = [
  'pat',
  'oauth-m2m',
  'azure-client-secret',
  'custom',
] as const satisfies readonly AuthType[];

/** Options that only make sense where files can be read or processes started. */
const NODE_ONLY_OPTIONS = ['profile', 'configFile', 'databricksCliPath', 'tokenCacheFile'] as const;

function runtimeEnvironment(): Record<string, string | undefined> {
  // `process.env` exists on Vercel Edge, Deno and Bun; Cloudflare Workers pass bindings instead.
  const candidate = (globalThis as { process?: { env?: Record<string, string | undefined> } })
    .process?.env;
  return candidate && typeof candidate === 'object' ? candidate : {};
}

/**
 * Resolves a workspace config without Node: `host` and credentials from options, then from
 * `env` (default: `process.env` when the runtime has one).
 *
 * @example
 * ```ts
 * import { DatabricksClient, resolveEdgeConfig } from '@lakechain/core/edge';
 *
 * const config = await resolveEdgeConfig({ host: env.DATABRICKS_HOST, token: env.DATABRICKS_TOKEN });
 * const client = new DatabricksClient({ config });
 * ```
 */
export async function resolveEdgeConfig(
  options?: DatabricksConfigOptions,
): Promise<ResolvedDatabricksConfig> {
  const parsed = parseConfigOptions(options);
  for (const name of NODE_ONLY_OPTIONS) {
    if (parsed[name] !== undefined) {
      throw new DatabricksConfigError(
        `Option \`${name}\` needs a file system or a process, which this runtime does not have. ` +
          'Pass `host` and credentials (`token`, or `clientId` + `clientSecret`, or a ' +
          '`tokenProvider`) explicitly, or use `resolveConfig` from `@lakechain/core` on Node.',
        { option: name },
      );
    }
  }
  const env = parsed.env ?? runtimeEnvironment();
  const values: Partial<Record<AttributeName, string>> = {};
  const sources: Partial<Record<AttributeName, string>> = {};
  const optionValues = parsed as Record<string, unknown>;
  for (const spec of ATTRIBUTES) {
    const fromOption = spec.option ? optionValues[spec.option] : undefined;
    if (typeof fromOption === 'string' && fromOption.trim() !== '') {
      values[spec.name] = fromOption.trim();
      sources[spec.name] = `option \`${spec.option}\``;
      continue;
    }
    const fromEnv = env[spec.env];
    if (typeof fromEnv === 'string' && fromEnv.trim() !== '') {
      values[spec.name] = fromEnv.trim();
      sources[spec.name] = spec.env;
    }
  }

  if (!values.host) {
    throw new DatabricksConfigError(
      'No Databricks host. Pass `host` or set DATABRICKS_HOST in the environment.',
      { option: 'host' },
    );
  }
  const host = normalizeHost(values.host, sources.host ?? 'host');

  let authType: AuthType | undefined = parsed.authType;
  if (!authType && values.authType) {
    authType = parseAuthType(values.authType, sources.authType ?? 'authType');
  }
  authType ??= detectAuthType(values, parsed.tokenProvider !== undefined, host);
  if (!(EDGE_AUTH_TYPES as readonly string[]).includes(authType)) {
    throw new DatabricksConfigError(
      `authType '${authType}' needs Node (it reads files or starts a process). In this runtime use ` +
        `one of ${EDGE_AUTH_TYPES.join(', ')}.`,
      { option: 'authType' },
    );
  }

  const transport = createHttpTransport({ fetch: parsed.fetch, caCert: parsed.caCert });
  const require = (names: AttributeName[], why: string) => {
    const missing = names.filter((name) => !values[name]);
    if (missing.length > 0) {
      throw new DatabricksConfigError(
        `${why} needs ${missing.map((name) => `\`${name}\``).join(' and ')}; pass ` +
          `${missing.length > 1 ? 'them' : 'it'} as options or set the environment variables.`,
        { option: missing[0] },
      );
    }
  };
  let provider: CredentialsProvider;
  switch (authType) {
    case 'pat':
      require(['token'], 'Personal access token authentication');
      provider = new PatCredentialsProvider(values.token ?? '');
      break;
    case 'oauth-m2m':
      require(['clientId', 'clientSecret'], 'OAuth M2M authentication');
      provider = createOAuthM2MProvider({
        host,
        clientId: values.clientId ?? '',
        clientSecret: values.clientSecret ?? '',
        transport,
        scopes: parsed.oauthScopes ?? DEFAULT_M2M_SCOPES,
      });
      break;
    case 'azure-client-secret':
      require([
        'azureTenantId',
        'azureClientId',
        'azureClientSecret',
      ], 'Azure client secret authentication');
      provider = createAzureClientSecretProvider({
        host,
        tenantId: values.azureTenantId ?? '',
        clientId: values.azureClientId ?? '',
        clientSecret: values.azureClientSecret ?? '',
        workspaceResourceId: values.azureWorkspaceResourceId,
        loginEndpoint: parsed.azureLoginEndpoint,
        transport,
      });
      break;
    default:
      if (!parsed.tokenProvider) {
        throw new DatabricksConfigError('authType `custom` needs a `tokenProvider` option.', {
          option: 'tokenProvider',
        });
      }
      provider = createCustomProvider(parsed.tokenProvider);
  }

  return new ResolvedDatabricksConfig(
    {
      host,
      authType,
      warehouseId: values.warehouseId,
      clusterId: values.clusterId,
      caCert: parsed.caCert,
      fetch: parsed.fetch,
    },
    provider,
  );
}

function detectAuthType(
  values: Partial<Record<AttributeName, string>>,
  hasTokenProvider: boolean,
  host: string,
): AuthType {
  if (hasTokenProvider) return 'custom';
  if (values.token) return 'pat';
  if (values.clientId && values.clientSecret) return 'oauth-m2m';
  if (values.azureClientSecret) return 'azure-client-secret';
  throw new DatabricksConfigError(
    `No Databricks credentials found for ${host}. Pass \`token\` (or set DATABRICKS_TOKEN), ` +
      '`clientId` + `clientSecret` (DATABRICKS_CLIENT_ID + DATABRICKS_CLIENT_SECRET), the Azure ' +
      'service principal (ARM_TENANT_ID + ARM_CLIENT_ID + ARM_CLIENT_SECRET), or a `tokenProvider`.',
    { option: 'authType' },
  );
}
