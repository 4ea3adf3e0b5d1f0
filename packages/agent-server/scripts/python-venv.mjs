#!/usr/bin/env node
// Creates (once) packages/agent-server/.venv with Databricks' Python agent clients, unchanged:
// databricks-openai and databricks-langchain (the peers of the end-to-end test), and MLflow's
// ResponsesAgent server (the anchor of the benchmark). Pins: scripts/python-clients.lock.txt, the
// dependency closure of those clients at the versions of bench/requirements.lock.txt, installed
// with --no-deps so pip never resolves or backtracks. Idempotent: a venv built from the same lock
// is reused. Prints the path of the venv's python on its last stdout line.
import { execFileSync, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const packageDir = dirname(dirname(fileURLToPath(import.meta.url)));
const lock = join(packageDir, 'scripts', 'python-clients.lock.txt');
export const venv = join(packageDir, '.venv');
const python = join(venv, 'bin', 'python');
const stamp = join(venv, '.lock-sha256');

function log(message) {
  process.stderr.write(`[python-venv] ${message}\n`);
}

export function ensurePythonClients() {
  const digest = createHash('sha256').update(readFileSync(lock)).digest('hex');
  if (existsSync(python) && existsSync(stamp) && readFileSync(stamp, 'utf8').trim() === digest) {
    log(`reusing ${venv}`);
    return python;
  }
  const system = spawnSync('python3', ['--version'], { encoding: 'utf8' });
  if (system.error || system.status !== 0)
    throw new Error(
      'python3 was not found on PATH: install Python 3.10+ with venv (e.g. `apt-get install python3-venv`), then run `node packages/agent-server/scripts/python-venv.mjs`.',
    );
  log(
    `creating ${venv} with ${system.stdout.trim()} (pinned, --no-deps; the first time takes minutes)`,
  );
  rmSync(venv, { recursive: true, force: true });
  execFileSync('python3', ['-m', 'venv', venv], { stdio: ['ignore', 'inherit', 'inherit'] });
  execFileSync(
    python,
    ['-m', 'pip', 'install', '--quiet', '--disable-pip-version-check', '--no-deps', '-r', lock],
    { stdio: ['ignore', 'inherit', 'inherit'] },
  );
  const check = spawnSync(
    python,
    ['-c', 'import databricks_openai, databricks_langchain, mlflow'],
    { encoding: 'utf8' },
  );
  if (check.status !== 0)
    throw new Error(`the clients do not import: ${check.stderr.trim().split('\n').pop()}`);
  writeFileSync(stamp, `${digest}\n`);
  log(`ready: ${venv}`);
  return python;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  try {
    process.stdout.write(`${ensurePythonClients()}\n`);
  } catch (error) {
    process.stderr.write(
      `[python-venv] ${error instanceof Error ? error.message : String(error)}\n`,
    );
    process.exit(1);
  }
}
