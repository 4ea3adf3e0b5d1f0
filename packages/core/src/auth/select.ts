/**
 * Picks the auth type (forced, or detected in the order pat → oauth-m2m → azure-client-secret →
 * databricks-cli → runtime, with a custom `tokenProvider` taking precedence as the most explicit
 * choice) and builds its CredentialsProvider.
 */

import type { AttributeName } from '../config/attributes.js';
import { isAzureHost } from '../config/host.js';
import { DatabricksConfigError } from '../errors.js';
import type { HttpTransport } from '../http/types.js';
import type { AuthType, CredentialsProvider, TokenProviderFunction } from '../types.js';
import { createAzureClientSecretProvider } from './azure_client_secret.js';
import { createCustomProvider } from './custom.js';
import { createDatabricksCliProvider, findDatabricksCli, isExecutable } from './databricks_cli.js';
import { createExternalBrowserProvider } from './external_browser.js';
import { createOAuthM2MProvider, DEFAULT_M2M_SCOPES } from './oauth_m2m.js';
import { PatCredentialsProvider } from './provider.js';
import { RuntimeCredentialsProvider } from './runtime.js';

export interface AuthInputs {
  /** Normalised host. */
  host: string;
  values: Partial<Record<AttributeName, string>>;
  sources: Partial<Record<AttributeName, string>>;
  /** Forced auth type, already validated. */
  authType?: AuthType;
  tokenProvider?: TokenProviderFunction;
  /** Profile that was actually read, if any (passed to the CLI as `--profile`). */
  profile?: string;
  /** Where a missing value could be added, for messages ("profile [dev] in ~/.databrickscfg"). */
  profileHint: string;
  isRuntime: boolean;
  env: Record<string, string | undefined>;
}

export interface AuthDependencies {
  transport: HttpTransport;
  now?: () => number;
  oauthScopes?: readonly string[];
  oauthClientId?: string;
  oauthRedirectPort?: number;
  tokenCacheFile: string;
  openUrl?: (url: string) => Promise<void>;
  azureLoginEndpoint?: string;
}

export interface AuthSelection {
  authType: AuthType;
  /** For `databricks-cli`: the binary to run. */
  cliPath?: string;
}

const HOW_TO_SET: Partial<Record<AttributeName, string>> = {
  token: '`token` / DATABRICKS_TOKEN / profile key `token`',
  clientId: '`clientId` / DATABRICKS_CLIENT_ID / profile key `client_id`',
  clientSecret: '`clientSecret` / DATABRICKS_CLIENT_SECRET / profile key `client_secret`',
  azureTenantId: '`azureTenantId` / ARM_TENANT_ID / profile key `azure_tenant_id`',
  azureClientId: '`azureClientId` / ARM_CLIENT_ID / profile key `azure_client_id`',
  azureClientSecret: '`azureClientSecret` / ARM_CLIENT_SECRET / profile key `azure_client_secret`',
};

function requireAll(inputs: AuthInputs, names: AttributeName[], why: string): void {
  const missing = names.filter((name) => !inputs.values[name]);
  if (missing.length === 0) return;
  throw new DatabricksConfigError(
    `${why} needs ${missing.map((name) => HOW_TO_SET[name] ?? name).join(' and ')}. ` +
      `Set ${missing.length > 1 ? 'them' : 'it'} (for example in ${inputs.profileHint}), ` +
      'or choose another auth type.',
    { option: missing[0] },
  );
}

function forcedLabel(inputs: AuthInputs, authType: AuthType): string {
  const source = inputs.sources.authType ?? 'option `authType`';
  return `authType '${authType}' (from ${source})`;
}

/** Decides the auth type; throws DatabricksConfigError when it cannot, saying what to set. */
export async function selectAuthType(inputs: AuthInputs): Promise<AuthSelection> {
  const { values } = inputs;
  const forced = inputs.authType;
  if (forced) {
    const label = forcedLabel(inputs, forced);
    switch (forced) {
      case 'pat':
        requireAll(inputs, ['token'], label);
        break;
      case 'oauth-m2m':
        requireAll(inputs, ['clientId', 'clientSecret'], label);
        break;
      case 'azure-client-secret':
        requireAll(inputs, ['azureTenantId', 'azureClientId', 'azureClientSecret'], label);
        break;
      case 'custom':
        if (!inputs.tokenProvider) {
          throw new DatabricksConfigError(`${label} needs a \`tokenProvider\` function option.`, {
            option: 'tokenProvider',
          });
        }
        break;
      case 'runtime':
        if (!inputs.isRuntime) {
          throw new DatabricksConfigError(
            `${label} only works on a Databricks cluster, and DATABRICKS_RUNTIME_VERSION is not ` +
              'set. Use `pat`, `oauth-m2m` or `databricks-cli` outside Databricks.',
            { option: 'authType' },
          );
        }
        break;
      case 'databricks-cli':
        return { authType: forced, cliPath: await locateCli(inputs, true) };
      case 'external-browser':
        break;
    }
    return { authType: forced };
  }

  // More than one credential family without a choice is ambiguous (the Databricks SDKs refuse it
  // too). OAuth and Azure secrets together are not: the host decides which one applies.
  const families: string[] = [];
  if (inputs.tokenProvider) families.push('custom (`tokenProvider`)');
  if (values.token) families.push(`pat (token from ${inputs.sources.token})`);
  const hasOauth = Boolean(values.clientSecret);
  const hasAzure = Boolean(values.azureClientSecret);
  const azureWins = hasAzure && (!hasOauth || isAzureHost(inputs.host));
  if (hasOauth && !azureWins) {
    families.push(`oauth (client secret from ${inputs.sources.clientSecret})`);
  }
  if (azureWins) {
    families.push(`azure (client secret from ${inputs.sources.azureClientSecret})`);
  }
  if (families.length > 1) {
    const names = families.map((family) => family.split(' ')[0]);
    throw new DatabricksConfigError(
      `More than one authorization method configured: ${names.join(' and ')} ` +
        `(${families.join('; ')}). Set \`authType\` (or DATABRICKS_AUTH_TYPE) to pick one, ` +
        'or remove the credentials you do not want to use.',
      { option: 'authType' },
    );
  }
  if (inputs.tokenProvider) return { authType: 'custom' };
  if (values.token) return { authType: 'pat' };
  if (hasOauth && !azureWins) {
    requireAll(inputs, ['clientId'], 'OAuth M2M (a client secret is set)');
    return { authType: 'oauth-m2m' };
  }
  if (azureWins) {
    requireAll(
      inputs,
      ['azureTenantId', 'azureClientId'],
      'Azure client secret authentication (ARM_CLIENT_SECRET is set)',
    );
    return { authType: 'azure-client-secret' };
  }
  const cliPath = await locateCli(inputs, false);
  if (cliPath) return { authType: 'databricks-cli', cliPath };
  if (inputs.isRuntime) return { authType: 'runtime' };

  const partial =
    values.clientId && !values.clientSecret
      ? ` (DATABRICKS_CLIENT_ID / \`clientId\` is set, but its client secret is missing)`
      : '';
  throw new DatabricksConfigError(
    `No Databricks credentials found for ${inputs.host}${partial}. Configure one of: ` +
      'a personal access token (`token` or DATABRICKS_TOKEN); ' +
      'OAuth M2M (`clientId` + `clientSecret`, or DATABRICKS_CLIENT_ID + DATABRICKS_CLIENT_SECRET); ' +
      'Azure (ARM_TENANT_ID + ARM_CLIENT_ID + ARM_CLIENT_SECRET); ' +
      'the Databricks CLI (`databricks auth login`, with the CLI on PATH or DATABRICKS_CLI_PATH); ' +
      `or \`authType: 'external-browser'\`. Credentials can also go in ${inputs.profileHint}.`,
    { option: 'authType' },
  );
}

async function locateCli(inputs: AuthInputs, forced: boolean): Promise<string | undefined> {
  const configured = inputs.values.databricksCliPath;
  if (configured) {
    // When forced, a wrong path is reported by the provider on first use, with install advice.
    if (forced || (await isExecutable(configured))) return configured;
    return undefined;
  }
  const found = await findDatabricksCli(inputs.env);
  if (found) return found;
  return forced ? 'databricks' : undefined;
}

/** Builds the provider for a selected auth type. */
export function createCredentialsProvider(
  selection: AuthSelection,
  inputs: AuthInputs,
  dependencies: AuthDependencies,
): CredentialsProvider {
  const { values, host } = inputs;
  const { transport, now } = dependencies;
  switch (selection.authType) {
    case 'pat':
      return new PatCredentialsProvider(values.token ?? '');
    case 'oauth-m2m':
      return createOAuthM2MProvider({
        host,
        clientId: values.clientId ?? '',
        clientSecret: values.clientSecret ?? '',
        transport,
        scopes: dependencies.oauthScopes ?? DEFAULT_M2M_SCOPES,
        now,
      });
    case 'azure-client-secret':
      return createAzureClientSecretProvider({
        host,
        tenantId: values.azureTenantId ?? '',
        clientId: values.azureClientId ?? '',
        clientSecret: values.azureClientSecret ?? '',
        workspaceResourceId: values.azureWorkspaceResourceId,
        loginEndpoint: dependencies.azureLoginEndpoint,
        transport,
        now,
      });
    case 'databricks-cli':
      return createDatabricksCliProvider({
        host,
        profile: inputs.profile,
        cliPath: selection.cliPath ?? 'databricks',
        env: inputs.env,
        now,
      });
    case 'external-browser':
      return createExternalBrowserProvider({
        host,
        transport,
        tokenCacheFile: dependencies.tokenCacheFile,
        clientId: dependencies.oauthClientId,
        scopes: dependencies.oauthScopes,
        redirectPort: dependencies.oauthRedirectPort,
        openUrl: dependencies.openUrl,
        now,
      });
    case 'runtime':
      return new RuntimeCredentialsProvider(inputs.env);
    case 'custom':
      if (!inputs.tokenProvider) {
        throw new DatabricksConfigError('authType `custom` needs a `tokenProvider` option.', {
          option: 'tokenProvider',
        });
      }
      return createCustomProvider(inputs.tokenProvider, { now });
  }
}
