/**
 * Tracking URI and experiment resolution, following MLflow's own clients:
 * option, then `MLFLOW_TRACKING_URI`; `databricks` / `databricks://<profile>` selects a workspace
 * whose host and credentials come from @lakechain/core, anything `http(s)://` is an OSS server.
 * The environment is injectable so tests never touch `process.env`.
 */

import { MlflowConfigError } from './errors.js';

export type Env = Readonly<Record<string, string | undefined>>;

export interface TrackingTarget {
  readonly kind: 'oss' | 'databricks';
  /** OSS: the server base URL without a trailing slash. Databricks: unset (core resolves the host). */
  readonly baseUrl?: string;
  /** Databricks: the `~/.databrickscfg` profile named in `databricks://<profile>`. */
  readonly profile?: string;
  /** OSS credentials. Kept off `toString`/JSON so they cannot leak into logs. */
  readonly auth?: OssAuth;
}

export type OssAuth =
  | { readonly type: 'basic'; readonly username: string; readonly password: string }
  | { readonly type: 'bearer'; readonly token: string };

export interface ExperimentSelector {
  readonly experimentId?: string;
  readonly experimentName?: string;
}

export interface TrackingOptions {
  /** `http(s)://host:port`, `databricks` or `databricks://<profile>`. Default `MLFLOW_TRACKING_URI`. */
  trackingUri?: string;
  /** Default `MLFLOW_EXPERIMENT_ID`. Wins over a name. */
  experimentId?: string;
  /** Created if missing. Default `MLFLOW_EXPERIMENT_NAME`. On Databricks an absolute workspace path. */
  experimentName?: string;
  /** Environment to read instead of `process.env` (tests, multi-tenant servers). */
  env?: Env;
}

export function defaultEnv(): Env {
  // Guarded so the module also loads where `process` does not exist (edge runtimes).
  return typeof process === 'undefined' ? {} : process.env;
}

function nonEmpty(value: string | undefined): string | undefined {
  const trimmed = value?.trim();
  return trimmed ? trimmed : undefined;
}

export function resolveTrackingTarget(options: TrackingOptions = {}): TrackingTarget {
  const env = options.env ?? defaultEnv();
  const uri = nonEmpty(options.trackingUri) ?? nonEmpty(env.MLFLOW_TRACKING_URI);
  if (uri === undefined) {
    throw new MlflowConfigError(
      'MLflow tracking URI is missing. Pass the "trackingUri" option or set MLFLOW_TRACKING_URI ' +
        '(e.g. http://127.0.0.1:5000, or "databricks" to use the workspace from DATABRICKS_HOST / ~/.databrickscfg).',
    );
  }
  if (uri === 'databricks') return { kind: 'databricks' };
  if (uri.startsWith('databricks://')) {
    const profile = uri.slice('databricks://'.length).replace(/\/+$/, '');
    // MLflow also allows `databricks://<profile>:<prefix>` for secret scopes; only profiles are supported.
    if (!profile || profile.includes(':')) {
      throw new MlflowConfigError(
        `Unsupported Databricks tracking URI "${uri}". Use "databricks" or "databricks://<profile>".`,
      );
    }
    return { kind: 'databricks', profile };
  }
  let parsed: URL;
  try {
    parsed = new URL(uri);
  } catch {
    throw new MlflowConfigError(
      `Unsupported MLflow tracking URI "${redactUrl(uri)}": expected http(s)://..., "databricks" or "databricks://<profile>".`,
    );
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') {
    // file:// and sqlite:// need the Python store implementations; point people at a server instead.
    throw new MlflowConfigError(
      `Unsupported MLflow tracking URI scheme "${parsed.protocol}". Run "mlflow server" and use its http(s):// URL, ` +
        'or use "databricks".',
    );
  }
  let auth = ossAuthFromEnv(env);
  if (parsed.username || parsed.password) {
    // Credentials embedded in the URL are honoured but stripped from the URL we keep around.
    auth = {
      type: 'basic',
      username: decodeURIComponent(parsed.username),
      password: decodeURIComponent(parsed.password),
    };
    parsed.username = '';
    parsed.password = '';
  }
  const baseUrl = parsed.toString().replace(/\/+$/, '');
  return auth ? { kind: 'oss', baseUrl, auth } : { kind: 'oss', baseUrl };
}

/** Basic auth wins over a bearer token, as in MLflow's Python and TS clients. */
export function ossAuthFromEnv(env: Env): OssAuth | undefined {
  const username = nonEmpty(env.MLFLOW_TRACKING_USERNAME);
  const password = env.MLFLOW_TRACKING_PASSWORD;
  if (username !== undefined && password !== undefined)
    return { type: 'basic', username, password };
  const token = nonEmpty(env.MLFLOW_TRACKING_TOKEN);
  if (token !== undefined) return { type: 'bearer', token };
  return undefined;
}

export function ossAuthHeaders(auth: OssAuth | undefined): Record<string, string> {
  if (auth === undefined) return {};
  if (auth.type === 'bearer') return { Authorization: `Bearer ${auth.token}` };
  const encoded = Buffer.from(`${auth.username}:${auth.password}`, 'utf8').toString('base64');
  return { Authorization: `Basic ${encoded}` };
}

/** The secret strings of a target, for scrubbing anything we write or print. */
export function secretsOf(auth: OssAuth | undefined): string[] {
  if (auth === undefined) return [];
  if (auth.type === 'bearer') return [auth.token];
  return [
    auth.password,
    Buffer.from(`${auth.username}:${auth.password}`, 'utf8').toString('base64'),
  ];
}

export function resolveExperimentSelector(options: TrackingOptions = {}): ExperimentSelector {
  const env = options.env ?? defaultEnv();
  const experimentId = nonEmpty(options.experimentId) ?? nonEmpty(env.MLFLOW_EXPERIMENT_ID);
  if (experimentId !== undefined) return { experimentId };
  const experimentName = nonEmpty(options.experimentName) ?? nonEmpty(env.MLFLOW_EXPERIMENT_NAME);
  return experimentName !== undefined ? { experimentName } : {};
}

export function redactUrl(url: string): string {
  return url.replace(/\/\/[^/@]*@/, '//***@');
}
