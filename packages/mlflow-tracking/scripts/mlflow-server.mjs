#!/usr/bin/env node
// Real MLflow tracking server for tests, CI and local development.
//
//   node scripts/mlflow-server.mjs            # install (once) + start, print the URL, wait for Ctrl-C
//   node scripts/mlflow-server.mjs --install  # only create/refresh the cached virtualenv
//
// Programmatic use (vitest globalSetup / beforeAll):
//   import { startMlflowServer } from '../scripts/mlflow-server.mjs';
//   const server = await startMlflowServer(); ... server.url ... await server.stop();
//
// The virtualenv lives in <package>/.venv (git-ignored) and is reused as long as
// it holds the pinned version, so only the first run pays for the pip install.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** Pinned: server-side span rendering has changed between minors (mlflow#19169). */
export const MLFLOW_VERSION = '3.17.2';

const packageDir = resolve(dirname(fileURLToPath(import.meta.url)), '..');
export const VENV_DIR = process.env.LAKECHAIN_MLFLOW_VENV ?? join(packageDir, '.venv');
const venvBin = join(VENV_DIR, 'bin');
const stampFile = join(VENV_DIR, '.lakechain-mlflow-version');

function findPython() {
  for (const candidate of [process.env.PYTHON, 'python3', 'python'].filter(Boolean)) {
    const probe = spawnSync(
      candidate,
      ['-c', 'import sys; print("%d.%d" % sys.version_info[:2])'],
      {
        encoding: 'utf8',
      },
    );
    if (probe.status === 0) {
      const [major, minor] = probe.stdout.trim().split('.').map(Number);
      if (major === 3 && minor >= 10) return candidate;
    }
  }
  throw new Error(
    [
      'mlflow-server: no usable Python found (need python3 >= 3.10 with the venv module).',
      'Install it, e.g.  apt-get install -y python3 python3-venv   or   brew install python@3.11,',
      'or point PYTHON=/path/to/python3 at one. MLflow itself is then installed with pip into',
      `${VENV_DIR} automatically.`,
    ].join('\n'),
  );
}

function run(cmd, args, label) {
  const res = spawnSync(cmd, args, { stdio: 'inherit' });
  if (res.status !== 0) {
    throw new Error(
      `mlflow-server: ${label} failed (exit ${res.status}): ${cmd} ${args.join(' ')}`,
    );
  }
}

/** Idempotent: creates the venv and pip-installs the pinned mlflow unless already present. */
export function ensureMlflowInstalled({ quiet = false } = {}) {
  if (existsSync(stampFile) && readFileSync(stampFile, 'utf8').trim() === MLFLOW_VERSION) {
    return join(venvBin, 'mlflow');
  }
  const python = findPython();
  const started = Date.now();
  if (!existsSync(join(venvBin, 'python'))) run(python, ['-m', 'venv', VENV_DIR], 'python -m venv');
  const pipArgs = ['-m', 'pip', 'install', '--disable-pip-version-check', '--only-binary=:all:'];
  if (quiet) pipArgs.push('--quiet');
  run(join(venvBin, 'python'), [...pipArgs, `mlflow==${MLFLOW_VERSION}`], 'pip install mlflow');
  writeFileSync(stampFile, `${MLFLOW_VERSION}\n`);
  console.error(
    `mlflow-server: installed mlflow ${MLFLOW_VERSION} in ${((Date.now() - started) / 1000).toFixed(0)} s`,
  );
  return join(venvBin, 'mlflow');
}

function freePort() {
  return new Promise((resolvePort, reject) => {
    const srv = createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => resolvePort(port));
    });
  });
}

/**
 * Starts `mlflow server` (SQLite backend + artifact proxy) on a free loopback port.
 * Resolves once `GET /health` answers; the returned `stop()` kills the process group.
 */
export async function startMlflowServer({ port, dataDir, timeoutMs = 90_000, quiet = true } = {}) {
  const mlflow = ensureMlflowInstalled({ quiet });
  const dir = dataDir ?? mkdtempSync(join(tmpdir(), 'lakechain-mlflow-'));
  const ownsDir = dataDir === undefined;
  const chosenPort = port ?? (await freePort());
  const url = `http://127.0.0.1:${chosenPort}`;
  const child = spawn(
    mlflow,
    [
      'server',
      '--backend-store-uri',
      `sqlite:///${join(dir, 'mlflow.db')}`,
      '--artifacts-destination',
      join(dir, 'artifacts'),
      '--host',
      '127.0.0.1',
      '--port',
      String(chosenPort),
      '--workers',
      '1',
    ],
    {
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, MLFLOW_SERVER_ENABLE_JOB_EXECUTION: 'false', PYTHONUNBUFFERED: '1' },
    },
  );
  let log = '';
  const keep = (chunk) => {
    log = (log + chunk.toString()).slice(-20_000);
  };
  child.stdout.on('data', keep);
  child.stderr.on('data', keep);
  let exited = false;
  child.on('exit', () => {
    exited = true;
  });

  const stop = async () => {
    if (!exited) {
      const done = new Promise((r) => child.once('exit', r));
      try {
        process.kill(-child.pid, 'SIGTERM');
      } catch {
        /* already gone */
      }
      const timer = setTimeout(() => {
        try {
          process.kill(-child.pid, 'SIGKILL');
        } catch {
          /* already gone */
        }
      }, 5000);
      await done;
      clearTimeout(timer);
    }
    if (ownsDir) rmSync(dir, { recursive: true, force: true });
  };

  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (exited) throw new Error(`mlflow-server: server exited during startup.\n${log}`);
    try {
      const res = await fetch(`${url}/health`);
      if (res.ok)
        return { url, port: chosenPort, dataDir: dir, pid: child.pid, stop, log: () => log };
    } catch {
      /* not listening yet */
    }
    await new Promise((r) => setTimeout(r, 500));
  }
  await stop();
  throw new Error(`mlflow-server: not ready after ${timeoutMs} ms.\n${log}`);
}

const isMain = process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url);
if (isMain) {
  if (process.argv.includes('--install')) {
    ensureMlflowInstalled();
  } else {
    const portArg = process.argv.find((a) => a.startsWith('--port='));
    const server = await startMlflowServer({
      port: portArg ? Number(portArg.slice(7)) : undefined,
      quiet: false,
    });
    console.log(server.url);
    const shutdown = async () => {
      await server.stop();
      process.exit(0);
    };
    process.on('SIGINT', shutdown);
    process.on('SIGTERM', shutdown);
    setInterval(() => {}, 1 << 30);
  }
}
