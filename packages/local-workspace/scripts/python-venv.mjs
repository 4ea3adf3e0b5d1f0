#!/usr/bin/env node
// Creates (once) a project-local virtualenv with Databricks' own Python clients, the second,
// independent clients of the conformance tests. Each requirement set has its own venv:
//   node scripts/python-venv.mjs                 .venv                 databricks-sql-connector
//   node scripts/python-venv.mjs vector-search   .venv-vector-search   databricks-vectorsearch 0.68
//   node scripts/python-venv.mjs mcp             .venv-mcp             databricks-mcp 0.9.2 and
//                                                                      databricks-langchain 0.22.0
// Idempotent: a venv that already has the pinned version is reused. Prints the path of the venv's
// python on its last stdout line.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const CONNECTOR_VERSION = '4.0.5';
/** 0.68 is the last full `databricks-vectorsearch`; later versions are shims over `databricks-ai-search`. */
export const VECTORSEARCH_VERSION = '0.68';
/** The MCP clients of Python's `databricks-langchain` 0.22.0, as pinned by the benchmarks. */
export const DATABRICKS_MCP_VERSION = '0.9.2';
export const DATABRICKS_LANGCHAIN_VERSION = '0.22.0';

/** Requirement sets: the venv directory, the package whose version proves the install, pins. */
export const REQUIREMENT_SETS = {
  sql: {
    directory: '.venv',
    probe: 'databricks-sql-connector',
    version: CONNECTOR_VERSION,
    requirements: [`databricks-sql-connector==${CONNECTOR_VERSION}`],
  },
  'vector-search': {
    directory: '.venv-vector-search',
    probe: 'databricks-vectorsearch',
    version: VECTORSEARCH_VERSION,
    requirements: [
      `databricks-vectorsearch==${VECTORSEARCH_VERSION}`,
      'databricks-sdk==0.167.0',
      'mlflow-skinny==3.17.2',
    ],
  },
  mcp: {
    directory: '.venv-mcp',
    probe: 'databricks-langchain',
    version: DATABRICKS_LANGCHAIN_VERSION,
    requirements: [
      `databricks-mcp==${DATABRICKS_MCP_VERSION}`,
      `databricks-langchain==${DATABRICKS_LANGCHAIN_VERSION}`,
    ],
    // The rest is pinned by the benchmarks' pip freeze, so both resolve the same versions.
    constraints: 'bench/requirements.lock.txt',
  },
};

const packageDir = dirname(dirname(fileURLToPath(import.meta.url)));
const repositoryDir = dirname(dirname(packageDir));
let venv = join(packageDir, '.venv');
let python = join(venv, 'bin', 'python');
let current = REQUIREMENT_SETS.sql;

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
    ['-c', `import importlib.metadata as m; print(m.version("${current.probe}"))`],
    { encoding: 'utf8' },
  );
  return probe.status === 0 ? probe.stdout.trim() : undefined;
}

export function ensurePythonVenv(set = 'sql') {
  current = REQUIREMENT_SETS[set];
  if (!current)
    throw new Error(
      `Unknown requirement set ${set}: use one of ${Object.keys(REQUIREMENT_SETS).join(', ')}.`,
    );
  venv = join(packageDir, current.directory);
  python = join(venv, 'bin', 'python');
  if (installedVersion() === current.version) {
    log(`reusing ${venv} (${current.probe} ${current.version})`);
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
  const constraints = current.constraints ? ['-c', join(repositoryDir, current.constraints)] : [];
  run(python, ['-m', 'pip', 'install', '--quiet', ...current.requirements, ...constraints]);
  const version = installedVersion();
  if (version !== current.version) {
    throw new Error(
      `${current.probe} ${current.version} did not install into ${venv} (found ${version}).`,
    );
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
