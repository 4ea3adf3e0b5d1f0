#!/usr/bin/env node
// Creates (once) a project-local virtualenv with Databricks' own Python clients: the second,
// independent clients of the conformance tests. Each requirement set has its own venv, because
// their pins conflict (databricks-vectorsearch 0.68 wants a newer databricks-sdk than the one
// the bench pins):
//   node scripts/python-venv.mjs                 .venv                 databricks-sql-connector (Thrift),
//                                                                      databricks-sdk (Statement Execution),
//                                                                      pyarrow (ARROW_STREAM chunks)
//   node scripts/python-venv.mjs vector-search   .venv-vector-search   databricks-vectorsearch 0.68
//   node scripts/python-venv.mjs mcp             .venv-mcp             databricks-mcp 0.9.2 and
//                                                                      databricks-langchain 0.22.0
// Idempotent: a venv that already has every pinned version is reused (pip's cache makes a
// re-creation quick). Prints the path of the venv's python on its last stdout line.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const CONNECTOR_VERSION = '4.0.5';
/** 0.68 is the last full `databricks-vectorsearch`; later versions are shims over `databricks-ai-search`. */
export const VECTORSEARCH_VERSION = '0.68';
export const DATABRICKS_MCP_VERSION = '0.9.2';
export const DATABRICKS_LANGCHAIN_VERSION = '0.22.0';

/**
 * Requirement sets: the venv directory, every pinned package (`name: version`), and optionally a
 * constraints file (repository-relative) that pins their dependencies too, so that pip resolves
 * without backtracking and the same versions as the benchmarks.
 */
export const REQUIREMENT_SETS = {
  sql: {
    directory: '.venv',
    // The SDK and pyarrow as in bench/requirements.lock.txt.
    pins: {
      'databricks-sql-connector': CONNECTOR_VERSION,
      'databricks-sdk': '0.156.0',
      pyarrow: '25.0.1',
    },
  },
  'vector-search': {
    directory: '.venv-vector-search',
    pins: {
      'databricks-vectorsearch': VECTORSEARCH_VERSION,
      'databricks-sdk': '0.167.0',
      'mlflow-skinny': '3.17.2',
    },
  },
  mcp: {
    directory: '.venv-mcp',
    pins: {
      'databricks-mcp': DATABRICKS_MCP_VERSION,
      'databricks-langchain': DATABRICKS_LANGCHAIN_VERSION,
    },
    constraints: 'bench/requirements.lock.txt',
  },
};

const packageDir = dirname(dirname(fileURLToPath(import.meta.url)));
const repositoryDir = dirname(dirname(packageDir));

function log(message) {
  process.stderr.write(`[python-venv] ${message}\n`);
}

function run(command, args) {
  log(`$ ${command} ${args.join(' ')}`);
  execFileSync(command, args, { stdio: ['ignore', 'inherit', 'inherit'] });
}

/** `name==version` of each pin. */
const wanted = (set) => Object.entries(set.pins).map(([name, version]) => `${name}==${version}`);

/** `name==version` of each pinned package as installed in `python`'s venv (`name==` when missing). */
function installedVersions(python, set) {
  if (!existsSync(python)) return [];
  const names = JSON.stringify(Object.keys(set.pins));
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

export function ensurePythonVenv(name = 'sql') {
  const set = REQUIREMENT_SETS[name];
  if (!set)
    throw new Error(
      `Unknown requirement set ${name}: use one of ${Object.keys(REQUIREMENT_SETS).join(', ')}.`,
    );
  const venv = join(packageDir, set.directory);
  const python = join(venv, 'bin', 'python');
  const pins = wanted(set);
  if (installedVersions(python, set).join(' ') === pins.join(' ')) {
    log(`reusing ${venv} (${pins.join(', ')})`);
    return python;
  }
  const system = spawnSync('python3', ['--version'], { encoding: 'utf8' });
  if (system.error || system.status !== 0) {
    throw new Error(
      'python3 was not found on PATH. Install Python 3.9+ (with the venv module: e.g. `apt-get install python3-venv`) ' +
        `to run the Python client conformance tests, then re-run \`node scripts/python-venv.mjs ${name}\`.`,
    );
  }
  log(`using ${system.stdout.trim() || system.stderr.trim()}`);
  if (!existsSync(python)) run('python3', ['-m', 'venv', venv]);
  const constraints = set.constraints ? ['-c', join(repositoryDir, set.constraints)] : [];
  run(python, ['-m', 'pip', 'install', '--quiet', ...constraints, ...pins]);
  const found = installedVersions(python, set).join(' ');
  if (found !== pins.join(' ')) {
    throw new Error(`${pins.join(', ')} did not install into ${venv} (found ${found}).`);
  }
  log(`ready: ${venv}`);
  return python;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  try {
    process.stdout.write(`${ensurePythonVenv(process.argv[2] ?? 'sql')}\n`);
  } catch (error) {
    process.stderr.write(
      `[python-venv] ${error instanceof Error ? error.message : String(error)}\n`,
    );
    process.exit(1);
  }
}
