#!/usr/bin/env node
// Virtualenvs with Databricks' own Python clients, the second, independent clients of the
// conformance tests. Each requirement set has its own venv:
//
//   node scripts/python-venv.mjs                 .venv                 databricks-sql-connector 4.0.5,
//                                                                      databricks-sdk (Statement Execution),
//                                                                      pyarrow (ARROW_STREAM chunks)
//   node scripts/python-venv.mjs vector-search   .venv-vector-search   databricks-vectorsearch 0.68
//   node scripts/python-venv.mjs langchain       .venv-langchain       databricks-langchain 0.22.0,
//                                                                      databricks-mcp 0.9.2
//   node scripts/python-venv.mjs --lock <set>    re-resolve a set's lock file (maintainers only)
//
// Every set installs from a lock file (scripts/python-requirements/<set>.lock.txt) that pins every
// package, with `--no-deps`: pip never resolves, so it cannot backtrack, and the same versions
// install everywhere. Two caches, outside the clone because CI starts from a fresh clone on the
// same machine, make every install after the first cheap:
//
//   ~/.cache/lakechain/python/wheels/                 each wheel a lock names, downloaded once
//   ~/.cache/lakechain/python/venvs/<set>-<digest>/   the installed venv; the digest covers the
//                                                     lock's text and the Python interpreter
//
// and <package>/<directory> is a symlink to the venv in use. LAKECHAIN_PYTHON_CACHE moves the
// cache; PYTHON names the interpreter (default python3, 3.10 or newer). Idempotent. Prints the path
// of the venv's python on its last stdout line.
import { execFileSync, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import {
  existsSync,
  lstatSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  readlinkSync,
  renameSync,
  rmSync,
  statSync,
  symlinkSync,
  unlinkSync,
  utimesSync,
  writeFileSync,
} from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const CONNECTOR_VERSION = '4.0.5';
/** 0.68 is the last full `databricks-vectorsearch`; later versions are shims over `databricks-ai-search`. */
export const VECTORSEARCH_VERSION = '0.68';
/** Python's `DatabricksVectorSearch`, `VectorSearchRetrieverTool`, `DatabricksMultiServerMCPClient`. */
export const DATABRICKS_LANGCHAIN_VERSION = '0.22.0';
/** Python's `DatabricksMCPClient`. */
export const DATABRICKS_MCP_VERSION = '0.9.2';

const packageDir = dirname(dirname(fileURLToPath(import.meta.url)));
const repositoryDir = dirname(dirname(packageDir));
const locksDir = join(packageDir, 'scripts', 'python-requirements');

/**
 * Requirement sets: the project-local directory, the package whose version proves the install,
 * the top-level pins the lock is resolved from, and constraints for that resolution.
 */
export const REQUIREMENT_SETS = {
  sql: {
    directory: '.venv',
    probe: 'databricks-sql-connector',
    version: CONNECTOR_VERSION,
    // The SDK and pyarrow as in bench/requirements.lock.txt.
    requirements: [
      `databricks-sql-connector==${CONNECTOR_VERSION}`,
      'databricks-sdk==0.156.0',
      'pyarrow==25.0.1',
    ],
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
  langchain: {
    directory: '.venv-langchain',
    probe: 'databricks-langchain',
    version: DATABRICKS_LANGCHAIN_VERSION,
    requirements: [
      `databricks-langchain==${DATABRICKS_LANGCHAIN_VERSION}`,
      `databricks-mcp==${DATABRICKS_MCP_VERSION}`,
    ],
    // The bench's lock is known to install here (mlflow 3.17.2; 3.18's mlflow-tracing is not on
    // every registry mirror), so the same versions serve the benchmark and this test.
    constraints: 'bench/requirements.lock.txt',
  },
};

export function cacheDirectory() {
  return process.env.LAKECHAIN_PYTHON_CACHE ?? join(homedir(), '.cache', 'lakechain', 'python');
}

export function lockFile(set) {
  return join(locksDir, `${set}.lock.txt`);
}

function log(message) {
  process.stderr.write(`[python-venv] ${message}\n`);
}

function seconds(since) {
  return `${((performance.now() - since) / 1000).toFixed(1)} s`;
}

function run(command, args) {
  log(`$ ${command} ${args.join(' ')}`);
  execFileSync(command, args, { stdio: ['ignore', 'inherit', 'inherit'] });
}

function requireSet(set) {
  const spec = REQUIREMENT_SETS[set];
  if (!spec)
    throw new Error(
      `Unknown requirement set ${set}: use one of ${Object.keys(REQUIREMENT_SETS).join(', ')}.`,
    );
  return spec;
}

/** The interpreter venvs are made from: its command, version and real path. */
function basePython() {
  const command = process.env.PYTHON ?? 'python3';
  const probe = spawnSync(
    command,
    [
      '-c',
      'import os, sys; print(sys.version_info[0], sys.version_info[1]); print(sys.version.split()[0]); print(os.path.realpath(sys.executable))',
    ],
    { encoding: 'utf8' },
  );
  if (probe.error || probe.status !== 0)
    throw new Error(
      `${command} was not found. Install Python 3.10+ with the venv module (e.g. \`apt-get install python3 python3-venv\`) or set PYTHON, then re-run \`node packages/local-workspace/scripts/python-venv.mjs\`.`,
    );
  const [majorMinor = '', version = '', executable = ''] = probe.stdout.trim().split('\n');
  const [major, minor] = majorMinor.split(' ').map(Number);
  if (major !== 3 || minor < 10)
    throw new Error(`${command} is Python ${version}; the Databricks clients need 3.10 or newer.`);
  return { command, version, executable };
}

function installedVersion(python, probe) {
  if (!existsSync(python)) return undefined;
  const result = spawnSync(
    python,
    ['-c', `import importlib.metadata as m; print(m.version("${probe}"))`],
    { encoding: 'utf8' },
  );
  return result.status === 0 ? result.stdout.trim() : undefined;
}

const STAMP = '.lakechain-venv';

function stampOf(venv) {
  try {
    return readFileSync(join(venv, STAMP), 'utf8').trim();
  } catch {
    return undefined;
  }
}

/** Makes <package>/<directory> point at the cached venv (replacing an older real venv there). */
function linkProjectDirectory(directory, venv) {
  const link = join(packageDir, directory);
  let existing;
  try {
    existing = lstatSync(link);
  } catch {
    existing = undefined;
  }
  if (existing?.isSymbolicLink()) {
    if (readlinkSync(link) === venv) return link;
    unlinkSync(link);
  } else if (existing) {
    // A venv an earlier version of this script made in place: replaced by the cached one.
    rmSync(link, { recursive: true, force: true });
  }
  symlinkSync(venv, link, 'junction');
  return link;
}

/** A week: venvs of a set's earlier locks unused that long are deleted when a new one is made. */
const STALE_MS = 7 * 24 * 3600 * 1000;

/** Deletes venvs of the same set made from other locks and not used for a week (they are large). */
function pruneOlderVenvs(set, current) {
  const directory = dirname(current);
  for (const name of readdirSync(directory)) {
    const path = join(directory, name);
    if (path === current || !name.startsWith(`${set}-`) || name.includes('.partial-')) continue;
    try {
      if (Date.now() - statSync(join(path, STAMP)).mtimeMs > STALE_MS) {
        rmSync(path, { recursive: true, force: true });
        log(`deleted ${path} (an earlier lock, unused for a week)`);
      }
    } catch {
      // No stamp: an interrupted build of another process, or not ours; left alone.
    }
  }
}

/** Installs the lock's wheels into `venv`, downloading into the wheel cache what it lacks. */
function installLock(python, lock, wheels) {
  const install = [
    '-m',
    'pip',
    'install',
    '--disable-pip-version-check',
    '--quiet',
    '--no-deps',
    '--no-compile',
    '--only-binary=:all:',
    '--no-index',
    '--find-links',
    wheels,
    '-r',
    lock,
  ];
  const offline = spawnSync(python, install, { stdio: ['ignore', 'ignore', 'pipe'] });
  if (offline.status === 0) return { downloaded: false };
  const started = performance.now();
  log(`fetching the wheels of ${lock} into ${wheels}`);
  // `pip wheel` downloads the wheels and builds one for a package published only as source
  // (thrift 0.20), so installs never build anything.
  run(python, [
    '-m',
    'pip',
    'wheel',
    '--disable-pip-version-check',
    '--quiet',
    '--no-deps',
    '--wheel-dir',
    wheels,
    '-r',
    lock,
  ]);
  const downloadTime = seconds(started);
  run(python, install);
  return { downloaded: true, downloadTime };
}

export function ensurePythonVenv(set = 'sql') {
  const spec = requireSet(set);
  const lock = lockFile(set);
  if (!existsSync(lock))
    throw new Error(
      `${lock} is missing: run \`node packages/local-workspace/scripts/python-venv.mjs --lock ${set}\`.`,
    );
  const base = basePython();
  const digest = createHash('sha256')
    .update(readFileSync(lock))
    .update(`\n${base.version}\n${base.executable}\n`)
    .digest('hex')
    .slice(0, 16);
  const cache = cacheDirectory();
  const venv = join(cache, 'venvs', `${set}-${digest}`);
  const python = join(venv, 'bin', 'python');
  if (stampOf(venv) === digest && installedVersion(python, spec.probe) === spec.version) {
    // Marks it used (whatever the file system's atime policy), so pruning leaves it alone.
    const now = new Date();
    utimesSync(join(venv, STAMP), now, now);
    const link = linkProjectDirectory(spec.directory, venv);
    log(`reusing ${venv} (${spec.probe} ${spec.version})`);
    return join(link, 'bin', 'python');
  }
  const started = performance.now();
  const wheels = join(cache, 'wheels');
  mkdirSync(wheels, { recursive: true });
  mkdirSync(dirname(venv), { recursive: true });
  // Built beside its final place and renamed when complete: an interrupted install never looks
  // ready, and two processes building the same set do not write into one directory.
  const partial = `${venv}.partial-${process.pid}`;
  rmSync(partial, { recursive: true, force: true });
  log(`creating ${venv} with Python ${base.version} from ${lock}`);
  run(base.command, ['-m', 'venv', partial]);
  const partialPython = join(partial, 'bin', 'python');
  const { downloaded, downloadTime } = installLock(partialPython, lock, wheels);
  const version = installedVersion(partialPython, spec.probe);
  if (version !== spec.version) {
    rmSync(partial, { recursive: true, force: true });
    throw new Error(
      `${spec.probe} ${spec.version} did not install from ${lock} (found ${version}).`,
    );
  }
  writeFileSync(join(partial, STAMP), `${digest}\n`);
  try {
    rmSync(venv, { recursive: true, force: true });
    renameSync(partial, venv);
  } catch (error) {
    // Another process finished the same venv first: use it.
    rmSync(partial, { recursive: true, force: true });
    if (stampOf(venv) !== digest) throw error;
  }
  pruneOlderVenvs(set, venv);
  const link = linkProjectDirectory(spec.directory, venv);
  log(
    `ready: ${link} -> ${venv} in ${seconds(started)}${downloaded ? ` (wheels downloaded in ${downloadTime})` : ' (wheels from the cache)'}`,
  );
  return join(link, 'bin', 'python');
}

/** Resolves a set's top-level pins (with its constraints) once and writes every version to its lock. */
export function writeLock(set) {
  const spec = requireSet(set);
  const base = basePython();
  const scratch = mkdtempSync(join(tmpdir(), 'lakechain-lock-'));
  try {
    run(base.command, ['-m', 'venv', join(scratch, 'venv')]);
    const report = join(scratch, 'report.json');
    const args = [
      '-m',
      'pip',
      'install',
      '--disable-pip-version-check',
      '--quiet',
      '--dry-run',
      '--ignore-installed',
      '--report',
      report,
      ...spec.requirements,
    ];
    if (spec.constraints) args.push('--constraint', join(repositoryDir, spec.constraints));
    run(join(scratch, 'venv', 'bin', 'python'), args);
    const installed = JSON.parse(readFileSync(report, 'utf8')).install.map((item) => [
      item.metadata.name,
      item.metadata.version,
    ]);
    const canonical = (name) => name.toLowerCase().replace(/[-_.]+/g, '-');
    const lines = installed
      .filter(([name]) => canonical(name) !== 'setuptools' && canonical(name) !== 'pip')
      .map(([name, version]) => `${canonical(name)}==${version}`)
      .sort();
    mkdirSync(locksDir, { recursive: true });
    writeFileSync(
      lockFile(set),
      [
        `# Requirement set "${set}" of scripts/python-venv.mjs: every package, installed with --no-deps.`,
        `# Resolved from ${spec.requirements.join(' ')}${spec.constraints ? ` with the constraints of ${spec.constraints}` : ''}`,
        `# by \`node packages/local-workspace/scripts/python-venv.mjs --lock ${set}\` (Python ${base.version}).`,
        ...lines,
        '',
      ].join('\n'),
    );
    log(`wrote ${lockFile(set)} (${lines.length} packages)`);
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  try {
    if (process.argv[2] === '--lock') writeLock(process.argv[3] ?? 'sql');
    else process.stdout.write(`${ensurePythonVenv(process.argv[2] ?? 'sql')}\n`);
  } catch (error) {
    process.stderr.write(
      `[python-venv] ${error instanceof Error ? error.message : String(error)}\n`,
    );
    process.exit(1);
  }
}
