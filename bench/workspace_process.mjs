// The bench's local workspace in its own process (bench/workspace.mjs) and its control server,
// for every script that measures against it (bench/run.mjs, packages/*/bench/*.mjs).
import { spawn } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const benchDir = dirname(fileURLToPath(import.meta.url));

/** The 1M-row table of the query and Statement Execution cases (section 2 of BENCHMARKS.md). */
export const BIG_TABLE_SQL = [
  'CREATE SCHEMA IF NOT EXISTS main.bench_rows',
  "CREATE TABLE main.bench_rows.big AS SELECT id, concat('name_', cast(id AS STRING)) AS name, cast(id * 1.5 AS DOUBLE) AS amount, id % 7 AS bucket, DATE'2024-01-01' + cast(id % 365 AS INT) AS day FROM range(1000000)",
];

/**
 * Starts bench/workspace.mjs (its CA written to `caFile`) and resolves with the connection info
 * it prints (`host`, `token`, `warehouseId`, `caFile`, `control`...) and calls to its control
 * server. `env` is added to this process's environment (e.g. `LAKECHAIN_BENCH_SAMPLES`).
 */
export async function startBenchWorkspace(caFile, env = {}) {
  const child = spawn(process.execPath, [join(benchDir, 'workspace.mjs'), caFile], {
    stdio: ['pipe', 'pipe', 'inherit'],
    env: { ...process.env, ...env },
  });
  const info = await new Promise((resolve, reject) => {
    let buf = '';
    child.stdout.on('data', (d) => {
      buf += d;
      const line = buf.split('\n').find((l) => l.startsWith('{'));
      if (line) resolve(JSON.parse(line));
    });
    child.on('exit', (code) => reject(new Error(`workspace exited with ${code}`)));
  });
  const call = async (path, body) => {
    const res = await fetch(`${info.control}${path}`, {
      method: body === undefined ? 'GET' : 'POST',
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const json = await res.json();
    if (json.error) throw new Error(`${path}: ${json.error}`);
    return json;
  };
  return {
    ...info,
    child,
    sql: (sql) => call('/sql', { sql }),
    vectorSetup: () => call('/vector-setup', {}),
    setRules: (rules) => call('/rules', rules),
    counts: () => call('/counts'),
    stop: () =>
      new Promise((resolve) => {
        child.once('exit', resolve);
        child.kill('SIGTERM');
      }),
  };
}
