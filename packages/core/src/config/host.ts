/**
 * Workspace host normalisation. Accepts what people paste (`adb-1.2.azuredatabricks.net`,
 * `https://x.cloud.databricks.com/?o=123#notebook/1`) and produces `https://host[:port]`.
 *
 * The scheme is removed by parsing, never by character stripping: Python's
 * `host.lstrip("https://")` strips a *set* of characters and turns `sandbox.cloud...` into
 * `andbox.cloud...` (python-anchors B3).
 */
import { DatabricksConfigError } from '../errors.js';

const SCHEME = /^[a-z][a-z0-9+.-]*:\/\//i;

/** 127.0.0.0/8, ::1 and `localhost`: the only hosts allowed over plain http (local test servers). */
export function isLoopbackHostname(hostname: string): boolean {
  const bare = hostname.toLowerCase().replace(/^\[|\]$/g, '');
  if (bare === 'localhost' || bare === '::1') return true;
  return /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(bare);
}

const AZURE_SUFFIXES = ['.azuredatabricks.net', '.databricks.azure.cn', '.databricks.azure.us'];

/** True for Azure Databricks workspaces (public, China and US Gov clouds). */
export function isAzureHost(host: string): boolean {
  let hostname: string;
  try {
    hostname = new URL(SCHEME.test(host) ? host : `https://${host}`).hostname;
  } catch {
    return false;
  }
  return AZURE_SUFFIXES.some((suffix) => hostname.endsWith(suffix));
}

/**
 * Normalises a workspace host to `https://host[:port]`: scheme added when missing, path, query,
 * fragment and trailing slash dropped, host name lowercased, port kept. `http://` is refused
 * except for loopback hosts. `source` names where the value came from, for the error message.
 */
export function normalizeHost(input: string, source = 'host'): string {
  const trimmed = typeof input === 'string' ? input.trim() : '';
  if (trimmed === '') {
    throw new DatabricksConfigError(`Invalid ${describe(source)}: the host is empty.`, {
      option: source,
    });
  }
  const withScheme = SCHEME.test(trimmed) ? trimmed : `https://${trimmed}`;
  let url: URL;
  try {
    url = new URL(withScheme);
  } catch (cause) {
    throw new DatabricksConfigError(
      `Invalid ${describe(source)} "${trimmed}": not a host name or URL. ` +
        'Expected something like `https://adb-123.4.azuredatabricks.net` or `dbc-1234.cloud.databricks.com`.',
      { option: source, cause },
    );
  }
  if (url.username || url.password) {
    // Credentials in the URL would be silently dropped and could end up in logs.
    throw new DatabricksConfigError(
      `Invalid ${describe(source)}: the URL contains a user name or password. ` +
        'Remove it and pass credentials with `token` / `clientId` + `clientSecret` instead.',
      { option: source },
    );
  }
  if (url.hostname === '') {
    throw new DatabricksConfigError(`Invalid ${describe(source)} "${trimmed}": no host name.`, {
      option: source,
    });
  }
  if (url.protocol === 'http:') {
    if (!isLoopbackHostname(url.hostname)) {
      throw new DatabricksConfigError(
        `Invalid ${describe(source)} "${url.host}": plain http:// is only allowed for loopback ` +
          'hosts (localhost, 127.0.0.1, ::1). Use https:// for Databricks workspaces.',
        { option: source },
      );
    }
  } else if (url.protocol !== 'https:') {
    throw new DatabricksConfigError(
      `Invalid ${describe(source)}: unsupported scheme "${url.protocol}". Use https://.`,
      { option: source },
    );
  }
  // `URL` already lowercases the host name and drops default ports (443 for https, 80 for http).
  return `${url.protocol}//${url.host}`;
}

function describe(source: string): string {
  // Environment variable names and descriptive labels ("`host` in profile [dev] of ...") are
  // shown as they are; bare option names get backticks.
  return /^[A-Z_]+$/.test(source) || /\s/.test(source) ? source : `option \`${source}\``;
}
