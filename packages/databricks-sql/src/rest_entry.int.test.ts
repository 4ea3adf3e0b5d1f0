/**
 * The edge entry, `@lakechain/databricks-sql/rest` (the built `dist/rest.js`):
 * 1. its import graph, bundled as an edge bundler does (esbuild, platform `browser`, conditions
 *    `worker` + `browser`): no Node built-in can be resolved there, so the bundle only builds if
 *    none is imported, and neither `@databricks/sql` nor undici may be in it;
 * 2. that bundle run in Deno (a runtime that is not Node, from the `deno` npm package), with no
 *    permission but the network to the local workspace: introspection, sample rows, typed values,
 *    the row cap, Arrow chunks from presigned links, the guard and cancellation, compared with
 *    what the Node entry answers over Thrift.
 */
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { type LocalWorkspace, startLocalWorkspace } from '@lakechain/local-workspace';
import { build } from 'esbuild';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DatabricksSqlDatabase } from './sql_database.js';

const run = promisify(execFile);
const packageDir = join(import.meta.dirname, '..');
const restEntry = join(packageDir, 'dist', 'rest.js');
const deno = join(packageDir, 'node_modules', '.bin', 'deno');

/** The npm package that brought each bundled file (`@scope/name` or `name`), else its path. */
function packageOf(input: string): string {
  const parts = input.split('node_modules/');
  if (parts.length === 1) return input;
  const rest = parts.at(-1)!.split('/');
  return rest[0]!.startsWith('@') ? `${rest[0]}/${rest[1]}` : rest[0]!;
}

describe('@lakechain/databricks-sql/rest outside Node', () => {
  let ws: LocalWorkspace;
  let directory: string;
  let bundle: string;
  let packages: Set<string>;
  let inputs: string[];

  beforeAll(async () => {
    if (!existsSync(restEntry)) {
      throw new Error(
        `${restEntry} is missing: run \`pnpm build\` in packages/databricks-sql first.`,
      );
    }
    directory = mkdtempSync(join(tmpdir(), 'lakechain-edge-'));
    bundle = join(directory, 'probe.mjs');
    const result = await build({
      entryPoints: [join(import.meta.dirname, 'testing', 'edge_probe.js')],
      bundle: true,
      format: 'esm',
      platform: 'browser',
      conditions: ['worker', 'browser'],
      // LangChain's `SqlDatabase.fromOptionsParams` imports TypeORM lazily; never called here.
      external: ['typeorm'],
      outfile: bundle,
      metafile: true,
      logLevel: 'silent',
    });
    inputs = Object.keys(result.metafile.inputs);
    packages = new Set(inputs.map(packageOf));
    ws = await startLocalWorkspace();
    writeFileSync(join(directory, 'ca.pem'), ws.caCert);
  }, 120_000);

  afterAll(async () => {
    await ws?.stop();
    if (directory) rmSync(directory, { recursive: true, force: true });
  });

  it('bundles for a browser-like platform without Node built-ins, the Thrift driver or undici', () => {
    // Core's edge entry (a workspace link, so a path), never its Node entry.
    expect(inputs.some((input) => input.endsWith('core/dist/edge.js'))).toBe(true);
    expect(inputs.some((input) => input.endsWith('core/dist/index.js'))).toBe(false);
    expect(inputs.some((input) => input === 'dist/rest.js')).toBe(true);
    expect(packages).toContain('apache-arrow');
    for (const forbidden of ['@databricks/sql', 'undici', 'thrift', 'node-fetch']) {
      expect(packages).not.toContain(forbidden);
    }
  });

  it('runs in Deno with network access to the workspace only, and answers as Node does', async () => {
    if (!existsSync(deno)) {
      throw new Error(
        'The deno binary is missing (devDependency `deno` of @lakechain/databricks-sql): run `pnpm install`.',
      );
    }
    const { stdout } = await run(
      deno,
      [
        'run',
        '--no-prompt',
        `--allow-net=127.0.0.1:${ws.port}`,
        '--cert',
        join(directory, 'ca.pem'),
        bundle,
        ws.host,
        ws.token,
        ws.warehouseId,
      ],
      {
        timeout: 120_000,
        env: { PATH: process.env.PATH ?? '', DENO_DIR: join(directory, 'deno'), NO_COLOR: '1' },
      },
    );
    const edge = JSON.parse(stdout.trim().split('\n').pop() ?? '{}');
    expect(edge.runtime).toMatch(/^deno 2\./);

    // The same questions through the Node entry, over Thrift.
    const node = await DatabricksSqlDatabase.fromDatabricks({
      host: ws.host,
      token: ws.token,
      warehouseId: ws.warehouseId,
      caCert: ws.caCert,
      catalog: 'samples',
      schema: 'tpch',
      env: {},
    });
    try {
      expect(edge.tables).toEqual(node.getUsableTableNames());
      expect(edge.tableInfo).toBe(await node.getTableInfo(['nation', 'region']));
      expect(edge.typed).toBe(
        await node.run(
          "SELECT CAST(9007199254740993 AS BIGINT) AS big, CAST('12345678901234567890.1234567890' AS DECIMAL(38,10)) AS dec, " +
            "DATE'2024-02-29' AS d, TIMESTAMP'2024-02-29 13:14:15' AS ts, unhex('01FF') AS bin, array(1, 2) AS arr, " +
            "map('k', 1) AS m, named_struct('x', 1, 'y', 'z') AS s, CAST(NULL AS STRING) AS n",
        ),
      );
      expect(edge.capped).toBe(await node.run('SELECT * FROM range(1000000)'));
    } finally {
      await node.close();
    }
    expect(edge.largeRows).toBe(30_000);
    expect(edge.largeLast).toBe('59998');
    expect(edge.guard).toBe('SqlGuardError');
    expect(edge.cancelled).toBe('canceled');
    // Its link downloads carried no workspace token.
    const downloads = ws.statementExecution.linkRequests;
    expect(downloads.length).toBeGreaterThan(0);
    expect(downloads.every((d) => !d.authorization && d.status === 200)).toBe(true);
  });
});
