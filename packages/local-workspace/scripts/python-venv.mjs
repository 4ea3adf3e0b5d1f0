#!/usr/bin/env node
// Creates (once) packages/local-workspace/.venv with the Python clients of the conformance tests:
// databricks-sql-connector (Thrift), databricks-sdk (the Statement Execution API) and pyarrow
// (reads the ARROW_STREAM chunks). Idempotent: a venv that already has the pinned versions is
// reused. Prints the path of the venv's python on its last stdout line.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const CONNECTOR_VERSION = '4.0.5';
/** Every pinned package of the venv (the SDK and pyarrow as in bench/requirements.lock.txt). */
export const PINNED = {
  'databricks-sql-connector': CONNECTOR_VERSION,
  'databricks-sdk': '0.156.0',
  pyarrow: '25.0.1',
};
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

const wanted = () => Object.entries(PINNED).map(([name, version]) => `${name}==${version}`);

/** `name==version` of each pinned package as installed (`name==` when missing). */
function installedVersions() {
  if (!existsSync(python)) return [];
  const names = JSON.stringify(Object.keys(PINNED));
  const probe = spawnSync(
    python,
    [
      '-c',
      `import importlib.metadata as m\nfor n in ${names}:\n  try: print(n + "==" + m.version(n))\n  except Exception: print(n + "==")`,
    ],
    { encoding: 'utf8' },
  );
  return probe.status === 0 ? probe.stdout.trim().split('\n') : [];
}

export function ensurePythonVenv() {
  if (installedVersions().join(' ') === wanted().join(' ')) {
    log(`reusing ${venv} (${wanted().join(', ')})`);
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
  run(python, ['-m', 'pip', 'install', '--quiet', ...wanted()]);
  const found = installedVersions().join(' ');
  if (found !== wanted().join(' ')) {
    throw new Error(`${wanted().join(', ')} did not install into ${venv} (found ${found}).`);
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
