/**
 * `databricks-cli`: asks the Databricks CLI for a token (`databricks auth token`). The CLI owns
 * the login (`databricks auth login`), its token cache and refresh; we only cache its answer until
 * shortly before the expiry it reports.
 */
import { execFile } from 'node:child_process';
import { constants } from 'node:fs';
import { access } from 'node:fs/promises';
import { delimiter, join } from 'node:path';
import { DatabricksAuthError } from '../errors.js';
import { redactSecrets, summarizeBody } from '../redact.js';
import { CachedTokenSource, type Token } from './cached_token_source.js';
import { TokenSourceCredentialsProvider } from './provider.js';
import { asRecord } from './token_endpoint.js';

export interface DatabricksCliProviderOptions {
  host: string;
  /** When set, `--profile` is passed instead of `--host` (the CLI then picks its own host). */
  profile?: string;
  /** Absolute path or bare name of the CLI binary. */
  cliPath: string;
  /** Environment for the child process. */
  env?: Record<string, string | undefined>;
  timeoutMs?: number;
  now?: () => number;
  refreshSkewMs?: number;
}

const CLI_NAMES = process.platform === 'win32' ? ['databricks.exe', 'databricks'] : ['databricks'];

/** Finds `databricks` on `PATH` (from `env`); undefined when absent. */
export async function findDatabricksCli(
  env: Record<string, string | undefined>,
): Promise<string | undefined> {
  const path = env.PATH ?? env.Path ?? '';
  for (const directory of path.split(delimiter)) {
    if (!directory) continue;
    for (const name of CLI_NAMES) {
      const candidate = join(directory, name);
      if (await isExecutable(candidate)) return candidate;
    }
  }
  return undefined;
}

export async function isExecutable(path: string): Promise<boolean> {
  try {
    await access(path, process.platform === 'win32' ? constants.F_OK : constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

interface ExecResult {
  stdout: string;
  stderr: string;
}

function run(
  file: string,
  args: string[],
  options: { env?: Record<string, string | undefined>; timeoutMs: number; signal?: AbortSignal },
): Promise<ExecResult> {
  return new Promise((resolve, reject) => {
    execFile(
      file,
      args,
      {
        env: options.env as NodeJS.ProcessEnv | undefined,
        timeout: options.timeoutMs,
        signal: options.signal,
        maxBuffer: 1024 * 1024,
        windowsHide: true,
      },
      (error, stdout, stderr) => {
        if (error) {
          reject(Object.assign(error, { stdout: String(stdout), stderr: String(stderr) }));
        } else {
          resolve({ stdout: String(stdout), stderr: String(stderr) });
        }
      },
    );
  });
}

export function createDatabricksCliProvider(
  options: DatabricksCliProviderOptions,
): TokenSourceCredentialsProvider {
  const now = options.now ?? Date.now;
  const timeoutMs = options.timeoutMs ?? 60_000;
  const args = options.profile
    ? ['auth', 'token', '--profile', options.profile]
    : ['auth', 'token', '--host', options.host];
  const loginHint = options.profile
    ? `databricks auth login --profile ${options.profile}`
    : `databricks auth login --host ${options.host}`;

  const fetchToken = async (): Promise<Token> => {
    let result: ExecResult;
    try {
      result = await run(options.cliPath, args, { env: options.env, timeoutMs });
    } catch (cause) {
      const error = cause as NodeJS.ErrnoException & {
        stderr?: string;
        stdout?: string;
        killed?: boolean;
      };
      if (error.code === 'ENOENT' || error.code === 'EACCES') {
        throw new DatabricksAuthError(
          `Databricks CLI not found or not executable at \`${options.cliPath}\`: install the ` +
            'Databricks CLI or set DATABRICKS_CLI_PATH (`databricksCliPath`) to its location.',
          { authType: 'databricks-cli', errorCode: error.code, cause: undefined },
        );
      }
      if (error.killed) {
        throw new DatabricksAuthError(
          `\`databricks ${args.join(' ')}\` did not finish within ${timeoutMs} ms.`,
          { authType: 'databricks-cli', retryable: true },
        );
      }
      // stderr may echo a token on some CLI versions; redact anything token-shaped.
      const detail = redactTokenLike(
        (error.stderr || error.stdout || '').trim().split(/\r?\n/).slice(-3).join(' '),
      );
      throw new DatabricksAuthError(
        `\`databricks ${args.join(' ')}\` failed${detail ? `: ${detail}` : ''}. ` +
          `Log in with \`${loginHint}\` (Databricks CLI v0.200 or newer is required).`,
        { authType: 'databricks-cli' },
      );
    }
    let parsed: unknown;
    try {
      parsed = JSON.parse(result.stdout);
    } catch {
      parsed = undefined;
    }
    const record = asRecord(parsed);
    const accessToken = record?.access_token;
    if (typeof accessToken !== 'string' || accessToken === '') {
      throw new DatabricksAuthError(
        `\`databricks ${args.join(' ')}\` printed ${
          record ? 'JSON without `access_token`' : summarizeBody(redactTokenLike(result.stdout))
        } instead of a token. Upgrade the Databricks CLI (v0.200 or newer is required).`,
        { authType: 'databricks-cli', errorCode: 'INVALID_TOKEN_RESPONSE' },
      );
    }
    const expiry = typeof record?.expiry === 'string' ? Date.parse(record.expiry) : Number.NaN;
    const tokenType = record?.token_type;
    return {
      accessToken,
      tokenType: typeof tokenType === 'string' ? tokenType : 'Bearer',
      // Without a usable expiry, cache for a short while rather than forever.
      expiresAt: new Date(Number.isFinite(expiry) ? expiry : now() + 5 * 60_000),
    };
  };

  const source = new CachedTokenSource(fetchToken, { now, refreshSkewMs: options.refreshSkewMs });
  return new TokenSourceCredentialsProvider('databricks-cli', source);
}

/** Databricks PATs/OAuth tokens and JWTs that a CLI might print in an error. */
function redactTokenLike(text: string): string {
  return redactSecrets(text, [])
    .replace(/\bdapi[0-9a-f]{16,}(-\d+)?\b/gi, '[REDACTED]')
    .replace(/\beyJ[\w-]+\.[\w-]+\.[\w-]*/g, '[REDACTED]');
}
