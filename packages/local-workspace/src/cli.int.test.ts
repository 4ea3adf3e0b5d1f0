/**
 * The CLI as a newcomer uses it: start it, read what it printed, point the unmodified driver at
 * the workspace using only that, run a query, stop it with Ctrl+C.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { call } from './services/mlflow/testing_http.js';
import { newClient } from './services/warehouse/testing/driver.js';

const cli = join(import.meta.dirname, '..', 'dist', 'cli.js');

function waitForOutput(child: ChildProcess, marker: string, timeoutMs: number): Promise<string> {
  return new Promise((resolve, reject) => {
    let output = '';
    let errors = '';
    const timer = setTimeout(
      () => reject(new Error(`CLI printed no "${marker}" in time:\n${output}\n${errors}`)),
      timeoutMs,
    );
    child.stderr?.on('data', (chunk: Buffer) => {
      errors += chunk.toString();
    });
    child.stdout?.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      if (output.includes(marker)) {
        clearTimeout(timer);
        resolve(output);
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`CLI exited early with ${code}:\n${output}\n${errors}`));
    });
  });
}

describe('lakechain-local CLI', () => {
  let child: ChildProcess | undefined;

  afterAll(() => {
    if (child && child.exitCode === null) child.kill('SIGKILL');
  });

  it('starts, prints what a client needs, serves the driver and stops on SIGINT', {
    timeout: 180_000,
  }, async () => {
    expect(existsSync(cli), `${cli} is missing: build the package first (pnpm build)`).toBe(true);
    child = spawn(process.execPath, [cli, 'start', '--port', '0'], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const output = await waitForOutput(child, 'Press Ctrl+C', 120_000);

    // Not a terminal: the secrets stay out of the output, in an owner-only env file it names.
    const envFile = /^source (\S+)$/m.exec(output)?.[1] ?? '';
    expect(envFile).not.toBe('');
    expect(statSync(envFile).mode & 0o777).toBe(0o600);
    const env = Object.fromEntries(
      [...readFileSync(envFile, 'utf8').matchAll(/^export (\w+)=(.*)$/gm)].map((match) => [
        match[1],
        match[2]?.replace(/^'|'$/g, ''),
      ]),
    );
    expect(output).not.toContain(env.DATABRICKS_TOKEN);
    expect(output).toMatch(/token: +\(hidden: in /);
    expect(Object.keys(env)).toEqual(
      expect.arrayContaining([
        'DATABRICKS_HOST',
        'DATABRICKS_TOKEN',
        'DATABRICKS_WAREHOUSE_ID',
        'DATABRICKS_HTTP_PATH',
        'NODE_EXTRA_CA_CERTS',
        'MLFLOW_TRACKING_URI',
      ]),
    );
    expect(env.MLFLOW_TRACKING_URI).toBe('databricks');
    expect(output).toContain(`warehouse id:  ${env.DATABRICKS_WAREHOUSE_ID}`);
    const host = new URL(env.DATABRICKS_HOST ?? '');
    const caFile = env.NODE_EXTRA_CA_CERTS ?? '';

    const client = newClient();
    await client.connect({
      host: host.hostname,
      port: Number(host.port),
      path: env.DATABRICKS_HTTP_PATH ?? '',
      token: env.DATABRICKS_TOKEN ?? '',
      customCaCert: readFileSync(caFile),
      telemetryEnabled: false,
    } as never);
    const session = await client.openSession();
    const operation = await session.executeStatement('SELECT 1 AS one');
    expect(await operation.fetchAll()).toEqual([{ one: 1 }]);
    await client.close();

    const exited = new Promise<number | null>((resolve) =>
      child?.once('exit', (code) => resolve(code)),
    );
    child.kill('SIGINT');
    expect(await exited).toBe(0);
    expect(existsSync(caFile)).toBe(false);
  });

  it('prints the credentials when asked, even to a pipe', { timeout: 180_000 }, async () => {
    child = spawn(process.execPath, [cli, 'start', '--no-samples', '--print-credentials'], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const output = await waitForOutput(child, 'Press Ctrl+C', 120_000);
    const token = /^export DATABRICKS_TOKEN=(\S+)$/m.exec(output)?.[1];
    expect(token).toMatch(/^dapi[0-9a-f]{32}$/);
    expect(output).toContain(`token:         ${token}`);
    const exited = new Promise<number | null>((resolve) =>
      child?.once('exit', (code) => resolve(code)),
    );
    child.kill('SIGINT');
    expect(await exited).toBe(0);
  });

  it('refuses a non-loopback address unless --allow-remote is given', async () => {
    const refused = spawn(process.execPath, [cli, 'start', '--host', '0.0.0.0'], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let errors = '';
    refused.stderr?.on('data', (chunk: Buffer) => {
      errors += chunk.toString();
    });
    const code = await new Promise<number | null>((resolve) =>
      refused.once('exit', (exitCode) => resolve(exitCode)),
    );
    expect(code).toBe(2);
    expect(errors).toMatch(/not a loopback address.*--allow-remote/);
  });

  it('refuses --embeddings with a model that does not embed', async () => {
    const refused = spawn(process.execPath, [cli, 'start', '--embeddings', 'smollm2-135m'], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let errors = '';
    refused.stderr?.on('data', (chunk: Buffer) => {
      errors += chunk.toString();
    });
    const code = await new Promise<number | null>((resolve) =>
      refused.once('exit', (exitCode) => resolve(exitCode)),
    );
    expect(code).toBe(1);
    expect(errors).toMatch(
      /--embeddings smollm2-135m: not an embedding model of the catalog \(minilm-l6\)/,
    );
  });

  // The real model: LAKECHAIN_SKIP_REAL_MODEL=1 skips it outside CI (see minilm.int.test.ts).
  it.skipIf(process.env.LAKECHAIN_SKIP_REAL_MODEL === '1' && !process.env.CI)(
    'serves all-MiniLM-L6-v2 as an embeddings endpoint with --embeddings minilm-l6',
    { timeout: 300_000 },
    async () => {
      child = spawn(
        process.execPath,
        [cli, 'start', '--no-samples', '--print-credentials', '--embeddings', 'minilm-l6'],
        { stdio: ['ignore', 'pipe', 'pipe'] },
      );
      const output = await waitForOutput(child, 'Press Ctrl+C', 280_000);
      expect(output).toMatch(
        /embeddings: +endpoint minilm-l6 \(all-MiniLM-L6-v2\.F32\.gguf, 384 dimensions\)/,
      );
      const value = (name: string) =>
        new RegExp(`^export ${name}=(\\S+)$`, 'm').exec(output)?.[1]?.replace(/^'|'$/g, '') ?? '';
      const response = await call(
        // Only `host` and `caCert` of a workspace are used to reach it.
        {
          host: value('DATABRICKS_HOST'),
          caCert: readFileSync(value('NODE_EXTRA_CA_CERTS'), 'utf8'),
        } as never,
        '/serving-endpoints/minilm-l6/invocations',
        {
          method: 'POST',
          headers: {
            authorization: `Bearer ${value('DATABRICKS_TOKEN')}`,
            'content-type': 'application/json',
          },
          body: JSON.stringify({ input: ['Delta Lake', 'Unity Catalog'] }),
        },
      );
      expect(response.status).toBe(200);
      const json = response.json as { data: Array<{ embedding: number[] }> };
      expect(json.data.map((item) => item.embedding.length)).toEqual([384, 384]);
      const exited = new Promise<number | null>((resolve) =>
        child?.once('exit', (code) => resolve(code)),
      );
      child.kill('SIGINT');
      expect(await exited).toBe(0);
    },
  );
});
