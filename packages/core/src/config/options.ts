/**
 * `resolveConfig` options and their zod schema. The schema exists so that a wrong option fails
 * at construction with a message naming it, instead of as a confusing 401 three calls later.
 */
import { z } from 'zod';
import { DatabricksConfigError } from '../errors.js';
import type { AuthType, DatabricksConfig, FetchFunction, TokenProviderFunction } from '../types.js';

export const AUTH_TYPES = [
  'pat',
  'oauth-m2m',
  'azure-client-secret',
  'databricks-cli',
  'external-browser',
  'runtime',
  'custom',
] as const satisfies readonly AuthType[];

export interface DatabricksConfigOptions {
  /** Workspace URL or host name. Env `DATABRICKS_HOST`, profile key `host`. */
  host?: string;
  /** Personal access token. Env `DATABRICKS_TOKEN`, profile key `token`. */
  token?: string;
  /** OAuth M2M service principal client id. Env `DATABRICKS_CLIENT_ID`, profile `client_id`. */
  clientId?: string;
  /** OAuth M2M secret. Env `DATABRICKS_CLIENT_SECRET`, profile `client_secret`. */
  clientSecret?: string;
  /** Force one auth type. Env `DATABRICKS_AUTH_TYPE`, profile `auth_type`. */
  authType?: AuthType;
  /** Profile (section) of the config file. Env `DATABRICKS_CONFIG_PROFILE`. */
  profile?: string;
  /** Config file path. Env `DATABRICKS_CONFIG_FILE`, default `~/.databrickscfg`. */
  configFile?: string;
  /** SQL warehouse id. Env `DATABRICKS_WAREHOUSE_ID`, profile `warehouse_id`. */
  warehouseId?: string;
  /** Cluster id. Env `DATABRICKS_CLUSTER_ID` (or `DB_CLUSTER_ID` on a cluster), profile `cluster_id`. */
  clusterId?: string;
  /**
   * PEM bundle trusted in addition to the system roots. As a file path instead: env
   * `DATABRICKS_CA_CERT_FILE` or profile key `ca_cert_file`.
   */
  caCert?: string;
  /** Entra tenant. Env `ARM_TENANT_ID`, profile `azure_tenant_id`. */
  azureTenantId?: string;
  /** Entra application id. Env `ARM_CLIENT_ID`, profile `azure_client_id`. */
  azureClientId?: string;
  /** Entra client secret. Env `ARM_CLIENT_SECRET`, profile `azure_client_secret`. */
  azureClientSecret?: string;
  /** Azure resource id of the workspace. Env `DATABRICKS_AZURE_RESOURCE_ID`, profile `azure_workspace_resource_id`. */
  azureWorkspaceResourceId?: string;
  /** Entra authority host, default `https://login.microsoftonline.com` (tests point it at loopback). */
  azureLoginEndpoint?: string;
  /** Path of the `databricks` CLI. Env `DATABRICKS_CLI_PATH`, profile `databricks_cli_path`. */
  databricksCliPath?: string;
  /** Custom token source (`authType: 'custom'`). */
  tokenProvider?: TokenProviderFunction;
  /** `fetch` used for every request to the workspace and its token endpoints. */
  fetch?: FetchFunction;
  /** OAuth scopes. Default `['all-apis']` for M2M, `['all-apis', 'offline_access']` for U2M. */
  oauthScopes?: string[];
  /** OAuth client id for `external-browser`. Default `databricks-cli`. */
  oauthClientId?: string;
  /** Loopback port of the `external-browser` redirect. Default 8020. */
  oauthRedirectPort?: number;
  /** Token cache of `external-browser`. Default `~/.lakechain/token-cache.json`. */
  tokenCacheFile?: string;
  /** Opens the login URL for `external-browser`. Default: print it and try the OS opener. */
  openUrl?: (url: string) => Promise<void>;
  /** Environment to read instead of `process.env` (tests). */
  env?: Record<string, string | undefined>;
  /** Home directory instead of `os.homedir()` (tests). */
  homeDir?: string;
}

const text = (what = 'a string') => z.string({ error: `expected ${what}` });
const nonEmpty = (what = 'a non-empty string') =>
  z
    .string({ error: `expected ${what}` })
    .trim()
    .min(1, { error: `expected ${what}` });
const fn = () =>
  z.custom<(...args: never[]) => unknown>((value) => typeof value === 'function', {
    error: 'expected a function',
  });

/**
 * Unknown keys are ignored rather than rejected: integration packages pass their own option
 * objects straight through, and a strict schema would break them for every added field.
 */
const optionsSchema = z.object({
  host: text().optional(),
  token: text().optional(),
  clientId: text().optional(),
  clientSecret: text().optional(),
  authType: z.enum(AUTH_TYPES, { error: `expected one of ${AUTH_TYPES.join(', ')}` }).optional(),
  profile: nonEmpty().optional(),
  configFile: nonEmpty().optional(),
  warehouseId: text().optional(),
  clusterId: text().optional(),
  caCert: text('a PEM string').optional(),
  azureTenantId: text().optional(),
  azureClientId: text().optional(),
  azureClientSecret: text().optional(),
  azureWorkspaceResourceId: text().optional(),
  azureLoginEndpoint: text('a URL').url({ error: 'expected a URL' }).optional(),
  databricksCliPath: nonEmpty().optional(),
  tokenProvider: fn().optional(),
  fetch: fn().optional(),
  oauthScopes: z
    .array(nonEmpty(), { error: 'expected an array of strings' })
    .min(1, { error: 'expected at least one scope' })
    .optional(),
  oauthClientId: nonEmpty().optional(),
  oauthRedirectPort: z
    .number({ error: 'expected a port number' })
    .int({ error: 'expected an integer port' })
    .min(0, { error: 'expected a port between 0 and 65535' })
    .max(65535, { error: 'expected a port between 0 and 65535' })
    .optional(),
  tokenCacheFile: nonEmpty().optional(),
  openUrl: fn().optional(),
  env: z
    .record(z.string(), z.union([z.string(), z.undefined()]), {
      error: 'expected an object of strings',
    })
    .optional(),
  homeDir: nonEmpty().optional(),
});

/**
 * The workspace and auth options every lakechain client class takes (host, credentials, profile,
 * CA, `fetch`, `env`, and an already-resolved `config`), as a zod shape with core's own checks and
 * messages. Packages that validate their constructor options with zod spread it into their
 * object schema and add what is theirs (a `client`, timeouts), instead of restating these fields.
 */
export const workspaceAuthOptionsShape = {
  host: optionsSchema.shape.host,
  token: optionsSchema.shape.token,
  clientId: optionsSchema.shape.clientId,
  clientSecret: optionsSchema.shape.clientSecret,
  authType: optionsSchema.shape.authType,
  profile: optionsSchema.shape.profile,
  configFile: optionsSchema.shape.configFile,
  caCert: optionsSchema.shape.caCert,
  fetch: z
    .custom<FetchFunction>((value) => typeof value === 'function', {
      error: 'expected a fetch function',
    })
    .optional(),
  tokenProvider: z
    .custom<TokenProviderFunction>((value) => typeof value === 'function', {
      error: 'expected a function',
    })
    .optional(),
  env: optionsSchema.shape.env,
  config: z
    .custom<DatabricksConfig>(
      (value) => typeof (value as DatabricksConfig | undefined)?.getAuthHeaders === 'function',
      { error: 'expected a resolved DatabricksConfig (from resolveConfig)' },
    )
    .optional(),
};

/**
 * The workspace and auth options of a lakechain client class, resolved by `resolveConfig`
 * (options, then `DATABRICKS_*` environment variables, then `~/.databrickscfg` profiles, then the
 * Databricks runtime), or an already-resolved `config` shared with other clients.
 */
export interface WorkspaceAuthOptions
  extends Pick<
    DatabricksConfigOptions,
    | 'host'
    | 'token'
    | 'clientId'
    | 'clientSecret'
    | 'authType'
    | 'profile'
    | 'configFile'
    | 'caCert'
    | 'fetch'
    | 'tokenProvider'
    | 'env'
  > {
  /** An already-resolved workspace config (shared with other lakechain clients). */
  config?: DatabricksConfig;
}

/**
 * Constructor-time validation of a client class's options against its zod schema: the first
 * problem becomes a `DatabricksConfigError` that names the class and the option (never its
 * value). For a strict schema, `unknownOptionHint` says what to pass instead of an unknown key.
 */
export function parseClassOptions<T>(
  className: string,
  schema: z.ZodType<T>,
  input: unknown,
  unknownOptionHint?: (key: string) => string,
): T {
  const result = schema.safeParse(input ?? {});
  if (result.success) return result.data;
  const issue = result.error.issues[0];
  if (issue?.code === 'unrecognized_keys') {
    const [key = ''] = issue.keys;
    const more = issue.keys.length > 1 ? ` (and ${issue.keys.slice(1).join(', ')})` : '';
    const hint = unknownOptionHint?.(key) ?? `see the ${className} options`;
    throw new DatabricksConfigError(`${className}: unknown option "${key}"${more}: ${hint}.`, {
      option: key,
    });
  }
  const option = issue?.path.map(String).join('.') || undefined;
  const message = option
    ? `${className}: invalid option "${option}": ${issue?.message}`
    : `${className}: ${issue?.message ?? 'invalid options'}`;
  throw new DatabricksConfigError(message, { option });
}

/** Validates options; the first problem becomes a DatabricksConfigError naming the option. */
export function parseConfigOptions(options: unknown): DatabricksConfigOptions {
  if (options === undefined || options === null) return {};
  if (typeof options !== 'object' || Array.isArray(options)) {
    throw new DatabricksConfigError('Invalid options: expected an object.');
  }
  const result = optionsSchema.safeParse(options);
  if (!result.success) {
    const issue = result.error.issues[0];
    const name = issue?.path.map(String).join('.') || 'options';
    // Only the schema's own message: zod never echoes the value, so a mistyped token stays out.
    throw new DatabricksConfigError(`Invalid option \`${name}\`: ${issue?.message ?? 'invalid'}`, {
      option: issue?.path[0] === undefined ? undefined : String(issue.path[0]),
    });
  }
  return result.data as DatabricksConfigOptions;
}

/** Validates an auth type read from the environment or a profile. */
export function parseAuthType(value: string, source: string): AuthType {
  const normalised = value.trim().toLowerCase();
  if ((AUTH_TYPES as readonly string[]).includes(normalised)) return normalised as AuthType;
  throw new DatabricksConfigError(
    `Invalid ${source}: unknown auth type "${value}". Valid auth types: ${AUTH_TYPES.join(', ')}.`,
    { option: source },
  );
}
