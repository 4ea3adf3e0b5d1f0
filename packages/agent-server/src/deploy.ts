/**
 * Deploying an agent to Databricks Apps, as the Databricks CLI does: upload the app's source
 * folder to the workspace (Workspace API: `mkdirs`, then `workspace-files/import-file` with the raw
 * bytes of each file), create the app if it does not exist (Apps API, waiting for its compute),
 * then create a `SNAPSHOT` deployment of the uploaded folder and wait for it. Host and credentials
 * come from `@lakechain/core` (options, `DATABRICKS_*`, `~/.databrickscfg`); every request goes
 * through its client.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative, sep } from 'node:path';
import {
  abortableSleep,
  DatabricksApiError,
  DatabricksClient,
  type DatabricksConfig,
  type DatabricksConfigOptions,
  resolveConfig,
} from '@lakechain/core';
import { AgentServerError } from './errors.js';
import { VERSION } from './version.js';

type Json = Record<string, unknown>;

export interface DeployOptions extends DatabricksConfigOptions {
  /** The app's name: 2 to 30 lowercase letters, digits and hyphens. */
  name: string;
  /** The folder to upload (with `app.yaml` and `package.json`). */
  sourceDir: string;
  /** Where the source goes in the workspace. Default `/Workspace/Users/<you>/apps/<name>`. */
  workspacePath?: string;
  description?: string;
  /** App resources (serving endpoints, an MLflow experiment, ...) set when the app is created or updated. */
  resources?: Json[];
  /** Names of files and folders never uploaded. Default `node_modules`, `.git`, `.lakechain`, `.venv`. */
  exclude?: string[];
  /** A resolved config to use (and leave open) instead of resolving one. */
  config?: DatabricksConfig;
  /** Progress messages. */
  onProgress?: (message: string) => void;
  /** How long to wait for the compute and the deployment. Default 20 minutes. */
  timeoutMs?: number;
  signal?: AbortSignal;
}

export interface DeployResult {
  /** The app as `GET /api/2.0/apps/{name}` answers it after the deployment. */
  app: Json;
  deployment: Json;
  /** The app's URL. */
  url: string;
  workspacePath: string;
  uploadedFiles: string[];
}

const DEFAULT_EXCLUDE = ['node_modules', '.git', '.lakechain', '.venv', '.DS_Store'];

/** The files of a folder, recursively, as `/`-separated relative paths. */
export function listSourceFiles(directory: string, exclude: string[] = DEFAULT_EXCLUDE): string[] {
  const out: string[] = [];
  const walk = (folder: string) => {
    for (const entry of readdirSync(folder, { withFileTypes: true })) {
      if (exclude.includes(entry.name)) continue;
      const path = join(folder, entry.name);
      if (entry.isDirectory()) walk(path);
      else if (entry.isFile() || (entry.isSymbolicLink() && statSync(path).isFile()))
        out.push(relative(directory, path).split(sep).join('/'));
    }
  };
  walk(directory);
  return out.sort();
}

function encodeWorkspacePath(path: string): string {
  return path
    .replace(/^\/+/, '')
    .split('/')
    .map((segment) => encodeURIComponent(segment))
    .join('/');
}

/** Polls `read` until `done` says so, doubling from 500 ms to 5 s (a poll, not a retry). */
async function poll<T>(
  read: () => Promise<T>,
  done: (value: T) => boolean,
  what: string,
  options: { timeoutMs: number; signal?: AbortSignal },
): Promise<T> {
  const deadline = Date.now() + options.timeoutMs;
  for (let delay = 500; ; delay = Math.min(delay * 2, 5_000)) {
    const value = await read();
    if (done(value)) return value;
    if (Date.now() + delay > deadline)
      throw new AgentServerError(`Timed out waiting for ${what}.`, { kind: 'deploy' });
    await abortableSleep(delay, options.signal);
  }
}

/** Uploads `sourceDir` and deploys it as the app `name`; resolves when the app runs. */
export async function deployApp(options: DeployOptions): Promise<DeployResult> {
  const progress = options.onProgress ?? (() => undefined);
  if (!/^[a-z0-9][a-z0-9-]{0,28}[a-z0-9]$/.test(options.name))
    throw new AgentServerError(
      `Invalid app name "${options.name}": use 2 to 30 lowercase letters, digits and hyphens.`,
      { kind: 'deploy' },
    );
  const {
    name,
    sourceDir,
    workspacePath: requestedPath,
    description,
    resources,
    exclude,
    config: givenConfig,
    onProgress: _onProgress,
    timeoutMs: _timeoutMs,
    signal,
    ...configOptions
  } = options;
  const config = givenConfig ?? (await resolveConfig(configOptions));
  const client = new DatabricksClient({ config, userAgent: `@lakechain/agent-server/${VERSION}` });
  const timeoutMs = options.timeoutMs ?? 20 * 60_000;
  try {
    const files = listSourceFiles(sourceDir, exclude ?? DEFAULT_EXCLUDE);
    if (
      !files.includes('app.yaml') &&
      !files.includes('app.yml') &&
      !files.includes('package.json')
    )
      throw new AgentServerError(
        `${sourceDir} has neither app.yaml nor package.json: run "lakechain-agent init" there first.`,
        { kind: 'deploy' },
      );
    let workspacePath = requestedPath;
    if (!workspacePath) {
      const me = await client.request<{ userName?: string }>({
        method: 'GET',
        path: '/api/2.0/preview/scim/v2/Me',
        signal,
      });
      workspacePath = `/Workspace/Users/${me.userName ?? 'me'}/apps/${name}`;
    }
    progress(`Uploading ${files.length} files to ${workspacePath}`);
    const folders = new Set<string>([workspacePath]);
    for (const file of files) {
      const parts = file.split('/');
      for (let index = 1; index < parts.length; index++)
        folders.add(`${workspacePath}/${parts.slice(0, index).join('/')}`);
    }
    for (const folder of [...folders].sort())
      await client.request({
        method: 'POST',
        path: '/api/2.0/workspace/mkdirs',
        body: { path: folder },
        signal,
      });
    for (const file of files) {
      await client.request({
        method: 'POST',
        path: `/api/2.0/workspace-files/import-file/${encodeWorkspacePath(`${workspacePath}/${file}`)}`,
        query: { overwrite: true },
        body: new Uint8Array(readFileSync(join(sourceDir, file))),
        headers: { 'Content-Type': 'application/octet-stream' },
        // Writing the same bytes twice is harmless: safe to replay.
        idempotent: true,
        signal,
      });
    }

    const appPath = `/api/2.0/apps/${encodeURIComponent(name)}`;
    let app: Json;
    try {
      app = await client.request<Json>({ method: 'GET', path: appPath, signal });
      if (description !== undefined || resources !== undefined)
        app = await client.request<Json>({
          method: 'PATCH',
          path: appPath,
          body: {
            name,
            ...(description !== undefined ? { description } : {}),
            ...(resources ? { resources } : {}),
          },
          signal,
        });
    } catch (error) {
      if (!(DatabricksApiError.isInstance(error) && error.statusCode === 404)) throw error;
      progress(`Creating the app ${name}`);
      app = await client.request<Json>({
        method: 'POST',
        path: '/api/2.0/apps',
        body: {
          name,
          ...(description ? { description } : {}),
          ...(resources ? { resources } : {}),
        },
        signal,
      });
    }
    const computeState = (value: Json) => (value.compute_status as Json | undefined)?.state;
    if (computeState(app) === 'STOPPED') {
      progress(`Starting the app's compute`);
      app = await client.request<Json>({ method: 'POST', path: `${appPath}/start`, signal });
    }
    app = await poll(
      () => client.request<Json>({ method: 'GET', path: appPath, signal }),
      (value) => {
        const state = computeState(value);
        if (state === 'ERROR')
          throw new AgentServerError(
            `The compute of app ${name} failed: ${String((value.compute_status as Json).message ?? '')}`,
            { kind: 'deploy' },
          );
        return state === 'ACTIVE';
      },
      `the compute of app ${name} to be ACTIVE`,
      { timeoutMs, signal },
    );

    progress(`Deploying ${workspacePath}`);
    const created = await client.request<Json>({
      method: 'POST',
      path: `${appPath}/deployments`,
      body: { source_code_path: workspacePath, mode: 'SNAPSHOT' },
      signal,
    });
    const deploymentId = String(created.deployment_id);
    const deployment = await poll(
      () =>
        client.request<Json>({
          method: 'GET',
          path: `${appPath}/deployments/${encodeURIComponent(deploymentId)}`,
          signal,
        }),
      (value) => (value.status as Json | undefined)?.state !== 'IN_PROGRESS',
      `deployment ${deploymentId} of app ${name}`,
      { timeoutMs, signal },
    );
    const status = deployment.status as Json;
    if (status.state !== 'SUCCEEDED')
      throw new AgentServerError(
        `Deployment ${deploymentId} of app ${name} ended ${String(status.state)}: ${String(status.message ?? '')}`,
        { kind: 'deploy' },
      );
    app = await client.request<Json>({ method: 'GET', path: appPath, signal });
    const url = String(app.url ?? '');
    progress(`App ${name} is running at ${url}`);
    return { app, deployment, url, workspacePath, uploadedFiles: files };
  } finally {
    await client.close();
    if (!givenConfig) await config.close?.();
  }
}
