/**
 * `resolveConfig`: where the workspace is and how to authenticate to it.
 *
 * Each attribute is taken from the first source that has it: explicit options, then the
 * environment, then a profile of the config file, then the Databricks runtime (cluster driver).
 * The profile file is read as the Databricks SDKs do: skipped when no profile is named and a host
 * or a credential is already set; a named profile that is missing is an error; a missing default
 * file is fine.
 */
import { readFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { isAbsolute, join, resolve as resolvePath } from 'node:path';
import { type AuthInputs, createCredentialsProvider, selectAuthType } from '../auth/select.js';
import { DatabricksConfigError } from '../errors.js';
import { createHttpTransport } from '../http/transport.js';
import type { HttpTransport } from '../http/types.js';
import type { AuthType } from '../types.js';
import { ATTRIBUTES, type AttributeName, type ResolvedAttributes } from './attributes.js';
import { ResolvedDatabricksConfig } from './databricks_config.js';
import { normalizeHost } from './host.js';
import { type DatabricksConfigOptions, parseAuthType, parseConfigOptions } from './options.js';
import { DEFAULT_PROFILE, type ProfileFile, readProfileFile } from './profile_file.js';

/**
 * Seams for tests: a fake transport and a clock. Not options, because production code has no
 * reason to replace them.
 * @internal
 */
export interface ResolveConfigInternals {
  transport?: HttpTransport;
  now?: () => number;
}

export async function resolveConfig(
  options?: DatabricksConfigOptions,
  internals: ResolveConfigInternals = {},
): Promise<ResolvedDatabricksConfig> {
  const parsed = parseConfigOptions(options);
  const env = parsed.env ?? process.env;
  const home = parsed.homeDir ?? homedir();
  const attributes: ResolvedAttributes = { values: {}, sources: {} };
  const set = (name: AttributeName, value: string | undefined, source: string) => {
    if (attributes.values[name] !== undefined) return;
    if (value === undefined || value.trim() === '') return;
    attributes.values[name] = value.trim();
    attributes.sources[name] = source;
  };

  // 1. Explicit options.
  const optionValues = parsed as Record<string, unknown>;
  for (const spec of ATTRIBUTES) {
    if (!spec.option) continue;
    const value = optionValues[spec.option];
    if (typeof value === 'string') set(spec.name, value, `option \`${spec.option}\``);
  }
  // 2. Environment.
  for (const spec of ATTRIBUTES) set(spec.name, env[spec.env], spec.env);

  // 3. Profile in the config file.
  const profileName = nonEmpty(parsed.profile) ?? nonEmpty(env.DATABRICKS_CONFIG_PROFILE);
  const profileSource = parsed.profile ? 'option `profile`' : 'DATABRICKS_CONFIG_PROFILE';
  const explicitFile = nonEmpty(parsed.configFile) ?? nonEmpty(env.DATABRICKS_CONFIG_FILE);
  const fileSource = parsed.configFile ? 'option `configFile`' : 'DATABRICKS_CONFIG_FILE';
  const configPath = expandHome(explicitFile ?? '~/.databrickscfg', home);
  const displayPath = toDisplayPath(configPath, home);
  const alreadyConfigured =
    parsed.tokenProvider !== undefined ||
    ATTRIBUTES.some((spec) => spec.skipsProfile && attributes.values[spec.name] !== undefined);

  let profileRead: string | undefined;
  let fileRead: string | undefined;
  if (profileName || !alreadyConfigured) {
    const file = await readProfileFile(configPath, displayPath);
    if (!file) {
      if (profileName) {
        throw new DatabricksConfigError(
          `Profile [${profileName}] was requested (${profileSource}) but the config file ` +
            `${displayPath} does not exist. Create it (\`databricks configure\`) or set ` +
            'DATABRICKS_CONFIG_FILE to the right file.',
          { option: 'profile', file: configPath },
        );
      }
      if (explicitFile) {
        throw new DatabricksConfigError(
          `The config file ${displayPath} (${fileSource}) does not exist.`,
          { option: parsed.configFile ? 'configFile' : 'DATABRICKS_CONFIG_FILE', file: configPath },
        );
      }
    } else {
      const section = pickProfile(file, profileName, profileSource);
      if (section) {
        const name = profileName ?? DEFAULT_PROFILE;
        profileRead = name;
        fileRead = configPath;
        for (const spec of ATTRIBUTES) {
          set(
            spec.name,
            section[spec.profileKey],
            `\`${spec.profileKey}\` in profile [${name}] of ${displayPath}`,
          );
        }
      }
    }
  }

  // 4. Databricks runtime (a cluster driver).
  const isRuntime = nonEmpty(env.DATABRICKS_RUNTIME_VERSION) !== undefined;
  if (isRuntime) set('clusterId', env.DB_CLUSTER_ID, 'DB_CLUSTER_ID');

  const profileHint = `profile [${profileName ?? DEFAULT_PROFILE}] in ${displayPath}`;
  const rawHost = attributes.values.host;
  if (!rawHost) {
    throw new DatabricksConfigError(
      `No Databricks host. Pass \`host\`, set DATABRICKS_HOST, or add \`host\` to ${profileHint}.`,
      { option: 'host' },
    );
  }
  const host = normalizeHost(rawHost, attributes.sources.host ?? 'host');

  let authType: AuthType | undefined = parsed.authType;
  if (!authType && attributes.values.authType) {
    authType = parseAuthType(attributes.values.authType, attributes.sources.authType ?? 'authType');
  }

  const caCert = parsed.caCert ?? (await readCaCert(attributes, home));

  const inputs: AuthInputs = {
    host,
    values: attributes.values,
    sources: attributes.sources,
    authType,
    tokenProvider: parsed.tokenProvider,
    profile: profileRead,
    profileHint,
    isRuntime,
    env,
  };
  const selection = await selectAuthType(inputs);
  const transport = internals.transport ?? createHttpTransport({ fetch: parsed.fetch, caCert });
  // Token endpoints are called through this transport: the config owns the one it made (and its
  // pool with `caCert`); one passed in by a test stays the test's.
  const release = internals.transport ? undefined : async () => transport.close?.();
  const provider = createCredentialsProvider(selection, inputs, {
    transport,
    now: internals.now,
    oauthScopes: parsed.oauthScopes,
    oauthClientId: parsed.oauthClientId,
    oauthRedirectPort: parsed.oauthRedirectPort,
    tokenCacheFile: expandHome(parsed.tokenCacheFile ?? '~/.lakechain/token-cache.json', home),
    openUrl: parsed.openUrl,
    azureLoginEndpoint: parsed.azureLoginEndpoint,
  });

  return new ResolvedDatabricksConfig(
    {
      host,
      authType: selection.authType,
      warehouseId: attributes.values.warehouseId,
      clusterId: attributes.values.clusterId,
      caCert,
      profile: profileRead,
      configFile: fileRead,
      fetch: parsed.fetch,
    },
    provider,
    release,
  );
}

function pickProfile(
  file: ProfileFile,
  profileName: string | undefined,
  profileSource: string,
): Readonly<Record<string, string>> | undefined {
  const name = profileName ?? DEFAULT_PROFILE;
  const section = file.profiles.get(name);
  if (section) return section;
  // No profile named and no [DEFAULT]: the file simply has nothing for us.
  if (!profileName) return undefined;
  const available = [...file.profiles.keys()];
  throw new DatabricksConfigError(
    `Profile [${name}] (${profileSource}) not found in ${file.displayPath}. ` +
      (available.length > 0
        ? `Available profiles: ${available.join(', ')}.`
        : 'The file has no profiles.'),
    { option: 'profile', file: file.path },
  );
}

async function readCaCert(
  attributes: ResolvedAttributes,
  home: string,
): Promise<string | undefined> {
  const path = attributes.values.caCertFile;
  if (!path) return undefined;
  const source = attributes.sources.caCertFile ?? 'DATABRICKS_CA_CERT_FILE';
  const absolute = expandHome(path, home);
  let pem: string;
  try {
    pem = await readFile(absolute, 'utf8');
  } catch (cause) {
    const code = (cause as NodeJS.ErrnoException | undefined)?.code ?? 'unknown error';
    throw new DatabricksConfigError(
      `Cannot read the CA certificate file ${absolute} (from ${source}): ${code}.`,
      { option: source, file: absolute, cause },
    );
  }
  if (!pem.includes('-----BEGIN CERTIFICATE-----')) {
    throw new DatabricksConfigError(
      `The CA certificate file ${absolute} (from ${source}) contains no PEM certificate.`,
      { option: source, file: absolute },
    );
  }
  return pem;
}

function nonEmpty(value: string | undefined): string | undefined {
  const trimmed = value?.trim();
  return trimmed ? trimmed : undefined;
}

function expandHome(path: string, home: string): string {
  if (path === '~') return home;
  if (path.startsWith('~/') || path.startsWith('~\\')) return join(home, path.slice(2));
  return isAbsolute(path) ? path : resolvePath(path);
}

function toDisplayPath(path: string, home: string): string {
  const prefix = home.endsWith('/') ? home : `${home}/`;
  return path.startsWith(prefix) ? `~/${path.slice(prefix.length)}` : path;
}
