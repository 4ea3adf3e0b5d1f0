/**
 * `--mlflow-local`: starts an `mlflow server` (SQLite store, artifact proxy) on a free loopback
 * port for the length of the run, from the `mlflow` command already installed (`LAKECHAIN_MLFLOW`
 * or the PATH). The demo runs from its built output alone, so it does not install MLflow itself.
 */
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export class MlflowLocalError extends Error {
  override name = 'MlflowLocalError';
  constructor(
    message: string,
    readonly fix: string,
  ) {
    super(message);
  }
}

export interface LocalMlflowServer {
  url: string;
  stop(): Promise<void>;
}

const INSTALL_FIX =
  "install it (pipx install 'mlflow==3.17.2', or pip install 'mlflow==3.17.2' in a virtualenv) or point LAKECHAIN_MLFLOW at the mlflow executable; or start any MLflow server and set MLFLOW_TRACKING_URI instead of --mlflow-local";

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

/** Starts the server; resolves once `GET /health` answers. */
export async function startLocalMlflow(
  options: { env?: NodeJS.ProcessEnv; timeoutMs?: number } = {},
): Promise<LocalMlflowServer> {
  const env = options.env ?? process.env;
  const mlflow = env.LAKECHAIN_MLFLOW?.trim() || 'mlflow';
  const probe = spawnSync(mlflow, ['--version'], { encoding: 'utf8', env });
  if (probe.status !== 0)
    throw new MlflowLocalError(
      `--mlflow-local needs the mlflow command; "${mlflow}" was not found.`,
      INSTALL_FIX,
    );
  const directory = mkdtempSync(join(tmpdir(), 'lakechain-demo-mlflow-'));
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const child = spawn(
    mlflow,
    [
      'server',
      '--backend-store-uri',
      `sqlite:///${join(directory, 'mlflow.db')}`,
      '--artifacts-destination',
      join(directory, 'artifacts'),
      '--host',
      '127.0.0.1',
      '--port',
      String(port),
      '--workers',
      '1',
    ],
    { detached: true, stdio: ['ignore', 'pipe', 'pipe'], env: { ...env, PYTHONUNBUFFERED: '1' } },
  );
  let log = '';
  const keep = (chunk: Buffer) => {
    log = (log + chunk.toString()).slice(-4000);
  };
  child.stdout.on('data', keep);
  child.stderr.on('data', keep);
  let exited = false;
  child.on('exit', () => {
    exited = true;
  });
  const stop = async () => {
    if (!exited && child.pid) {
      const done = new Promise((resolve) => child.once('exit', resolve));
      try {
        // The server forks workers: stop the whole process group.
        process.kill(-child.pid, 'SIGTERM');
      } catch {
        // already gone
      }
      await done;
    }
    rmSync(directory, { recursive: true, force: true });
  };
  const deadline = Date.now() + (options.timeoutMs ?? 90_000);
  while (Date.now() < deadline) {
    if (exited) {
      await stop();
      throw new MlflowLocalError(
        `mlflow server exited while starting:\n${log.trim()}`,
        INSTALL_FIX,
      );
    }
    try {
      if ((await fetch(`${url}/health`)).ok) return { url, stop };
    } catch {
      // not listening yet
    }
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
  await stop();
  throw new MlflowLocalError(`mlflow server was not ready in time:\n${log.trim()}`, INSTALL_FIX);
}
