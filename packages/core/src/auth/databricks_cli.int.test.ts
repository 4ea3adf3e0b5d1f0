import { chmod, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resolveConfig } from '../config/resolve.js';
import { DatabricksAuthError } from '../errors.js';

const HOST = 'https://dbc-1.cloud.databricks.com';
let dir: string;

async function fakeCli(name: string, script: string): Promise<string> {
  const path = join(dir, name);
  await writeFile(path, `#!/bin/sh\n${script}\n`);
  await chmod(path, 0o755);
  return path;
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'lakechain-cli-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe.skipIf(process.platform === 'win32')('databricks-cli auth', () => {
  it('runs `databricks auth token --host` and uses the JSON token', async () => {
    const argsFile = join(dir, 'args.txt');
    const cli = await fakeCli(
      'databricks-ok',
      `echo "$@" > '${argsFile}'\necho '{"access_token":"cli-token","token_type":"Bearer","expiry":"2999-01-01T00:00:00.123456789Z"}'`,
    );
    const config = await resolveConfig({
      host: HOST,
      databricksCliPath: cli,
      env: {},
      homeDir: dir,
    });
    expect(config.authType).toBe('databricks-cli');
    expect(await config.getAuthHeaders()).toEqual({ Authorization: 'Bearer cli-token' });
    const { readFile } = await import('node:fs/promises');
    expect((await readFile(argsFile, 'utf8')).trim()).toBe(`auth token --host ${HOST}`);
  });

  it('is detected from PATH and passes --profile when a profile was read', async () => {
    const bin = join(dir, 'bin');
    const { mkdir } = await import('node:fs/promises');
    await mkdir(bin);
    await writeFile(
      join(bin, 'databricks'),
      `#!/bin/sh\nif [ "$3" = "--profile" ] && [ "$4" = "dev" ]; then echo '{"access_token":"profile-token","expiry":"2999-01-01T00:00:00Z"}'; else exit 3; fi\n`,
    );
    await chmod(join(bin, 'databricks'), 0o755);
    await writeFile(join(dir, '.databrickscfg'), '[dev]\nhost = dbc-1.cloud.databricks.com\n');
    const config = await resolveConfig({ profile: 'dev', env: { PATH: bin }, homeDir: dir });
    expect(config.authType).toBe('databricks-cli');
    expect(await config.getAuthHeaders()).toEqual({ Authorization: 'Bearer profile-token' });
  });

  it('a missing CLI gives a clear error when forced', async () => {
    const config = await resolveConfig({
      host: HOST,
      authType: 'databricks-cli',
      databricksCliPath: join(dir, 'does-not-exist'),
      env: {},
      homeDir: dir,
    });
    const error = await config.getAuthHeaders().catch((caught: unknown) => caught);
    expect(DatabricksAuthError.isInstance(error)).toBe(true);
    expect((error as Error).message).toContain(
      'install the Databricks CLI or set DATABRICKS_CLI_PATH',
    );
    // Not forced and not on PATH: not chosen at all.
    await expect(resolveConfig({ host: HOST, env: { PATH: dir }, homeDir: dir })).rejects.toThrow(
      /No Databricks credentials found/,
    );
  });

  it('reports a failing CLI with its stderr (redacted) and the login command', async () => {
    const cli = await fakeCli(
      'databricks-fail',
      `echo 'Error: cache: token expired for dapi0123456789abcdef0123 refresh failed' >&2\nexit 1`,
    );
    const config = await resolveConfig({
      host: HOST,
      databricksCliPath: cli,
      env: {},
      homeDir: dir,
    });
    const error = await config.getAuthHeaders().catch((caught: unknown) => caught);
    expect(DatabricksAuthError.isInstance(error)).toBe(true);
    const message = (error as Error).message;
    expect(message).toContain('token expired');
    expect(message).toContain(`databricks auth login --host ${HOST}`);
    expect(message).not.toContain('dapi0123456789abcdef0123');
  });

  it('reports output that is not a token', async () => {
    const cli = await fakeCli('databricks-old', `echo 'Usage: databricks [OPTIONS] COMMAND'`);
    const config = await resolveConfig({
      host: HOST,
      databricksCliPath: cli,
      env: {},
      homeDir: dir,
    });
    await expect(config.getAuthHeaders()).rejects.toThrow(
      /instead of a token\. Upgrade the Databricks CLI/,
    );
  });
});
