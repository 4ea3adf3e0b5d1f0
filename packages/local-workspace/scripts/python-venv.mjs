#!/usr/bin/env node
// Creates (once) packages/local-workspace/.venv with the Python databricks-sql-connector, the
// second, independent client of the conformance tests. Idempotent: a venv that already has the
// pinned version is reused. Prints the path of the venv's python on its last stdout line.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const CONNECTOR_VERSION = '4.0.5';
const packageDir = dirname(dirname(fileURLToPath(import.meta.url)));
const venv = join(packageDir, '.venv');
const python = join(venv, 'bin', 'python');

function log(message) {
  process.stderr.write(`[python-venv] ${message}\n`);
}

function run(command, args) {
  log(`$ ${command} ${args.join(' ')}`);
  execFileSync(command, args, { stdio: ['ignore', 'inherit', 'inherit'] });
}

function installedVersion() {
  if (!existsSync(python)) return undefined;
  const probe = spawnSync(
    python,
    ['-c', 'import importlib.metadata as m; print(m.version("databricks-sql-connector"))'],
    { encoding: 'utf8' },
  );
  return probe.status === 0 ? probe.stdout.trim() : undefined;
}

export function ensurePythonVenv() {
  if (installedVersion() === CONNECTOR_VERSION) {
    log(`reusing ${venv} (databricks-sql-connector ${CONNECTOR_VERSION})`);
    return python;
  }
  const system = spawnSync('python3', ['--version'], { encoding: 'utf8' });
  if (system.error || system.status !== 0) {
    throw new Error(
      'python3 was not found on PATH. Install Python 3.9+ (with the venv module: e.g. `apt-get install python3-venv`) ' +
        'to run the Python client conformance test, then re-run `node scripts/python-venv.mjs`.',
    );
  }
  log(`using ${system.stdout.trim() || system.stderr.trim()}`);
  if (!existsSync(python)) run('python3', ['-m', 'venv', venv]);
  run(python, [
    '-m',
    'pip',
    'install',
    '--quiet',
    `databricks-sql-connector==${CONNECTOR_VERSION}`,
  ]);
  const version = installedVersion();
  if (version !== CONNECTOR_VERSION) {
    throw new Error(
      `databricks-sql-connector ${CONNECTOR_VERSION} did not install into ${venv} (found ${version}).`,
    );
  }
  log(`ready: ${venv}`);
  return python;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  try {
    process.stdout.write(`${ensurePythonVenv()}\n`);
  } catch (error) {
    process.stderr.write(
      `[python-venv] ${error instanceof Error ? error.message : String(error)}\n`,
    );
    process.exit(1);
  }
}
