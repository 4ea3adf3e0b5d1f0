/**
 * Databricks Apps: the Apps API (`/api/2.0/apps`, start, stop, deployments) and the apps
 * themselves, each a process on loopback reached through the workspace's listener behind its
 * OAuth.
 *
 * - Creating an app makes its service principal (a client id and secret the workspace's OAuth
 *   token endpoint accepts) and starts its compute (`ACTIVE`).
 * - A deployment (`mode: SNAPSHOT`) copies the files under `source_code_path` from the workspace
 *   tree (uploaded with the Workspace API) to a folder of its own, reads `app.yaml` (`command`,
 *   `env`), gets the dependencies (a linked `node_modules`, see `nodeModules`, or `npm install`,
 *   then `npm run build` when defined, as Databricks does for Node apps), and starts `command` (or
 *   `npm run start`) with the environment Databricks gives apps: `DATABRICKS_APP_NAME`,
 *   `DATABRICKS_APP_PORT`, `DATABRICKS_HOST`, `DATABRICKS_WORKSPACE_ID`, `DATABRICKS_CLIENT_ID`,
 *   `DATABRICKS_CLIENT_SECRET` (the app's service principal), plus `NODE_EXTRA_CA_CERTS` for the
 *   workspace's own CA. It succeeds once the process listens on its port, and the app is
 *   `RUNNING`; a process that exits first fails the deployment with the end of its output.
 * - An app's URL is `{workspace host}/__apps/{name}`: Databricks serves apps on hosts of their own
 *   (`https://{name}-{workspace id}.{region}.databricksapps.com`); here a path prefix of the one
 *   listener stands for that host and is stripped before the request reaches the app. Requests
 *   need an OAuth token of the workspace (a personal access token is refused with 401, as apps
 *   refuse them); the app gets `x-forwarded-*` headers, not the token.
 * - Stopping the workspace stops every app process.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { request as httpRequest } from 'node:http';
import { connect, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { ApiError } from '../../platform/errors.js';
import { defineService, type RouteRequest } from '../../platform/service.js';
import type { LocalOAuth } from '../oauth/service.js';
import type { LocalWorkspaceFiles } from '../workspace_files/service.js';

export interface AppsOptions {
  /**
   * A `node_modules` folder linked into each deployment instead of running `npm install`
   * (offline use and tests: the folder must hold what the app imports).
   */
  nodeModules?: string;
  /** How long a deployment may take until the app listens. Default 120 s. */
  startupTimeoutMs?: number;
  /** More environment for every app process (after Databricks' own variables). */
  env?: Record<string, string>;
  /** The workspace's CA certificate (PEM), given to apps as `NODE_EXTRA_CA_CERTS`. Set by the workspace. */
  caCert?: string;
}

export type AppState = 'DEPLOYING' | 'RUNNING' | 'CRASHED' | 'UNAVAILABLE';
export type ComputeState = 'STARTING' | 'ACTIVE' | 'STOPPING' | 'STOPPED' | 'ERROR';
export type DeploymentState = 'IN_PROGRESS' | 'SUCCEEDED' | 'FAILED' | 'CANCELLED';

interface Deployment {
  id: string;
  sourceCodePath: string;
  mode: string;
  command?: string[];
  envVars?: { name: string; value: string }[];
  state: DeploymentState;
  message: string;
  createTime: string;
  updateTime: string;
  directory?: string;
  done: Promise<void>;
}

interface AppRecord {
  name: string;
  id: string;
  description: string;
  createTime: string;
  updateTime: string;
  resources: unknown[];
  userApiScopes: string[];
  servicePrincipal: { clientId: string; secret: string; id: number; name: string };
  compute: { state: ComputeState; message: string };
  status: { state: AppState; message: string };
  deployments: Map<string, Deployment>;
  activeDeploymentId?: string;
  pendingDeploymentId?: string;
  process?: ChildProcess;
  port?: number;
  logs: string[];
}

/** `ws.apps`: the apps and what their processes print. */
export interface LocalApps {
  /** App names. */
  names(): string[];
  /** The app as `GET /api/2.0/apps/{name}` answers. */
  describe(name: string): Record<string, unknown> | undefined;
  /** The last lines the app's processes printed (stdout and stderr). */
  logs(name: string): string[];
  /** The app's service principal (its client id and secret), as Databricks injects them. */
  servicePrincipal(name: string): { clientId: string; clientSecret: string } | undefined;
  /** Waits until the app's latest deployment has finished (succeeded or failed). */
  settled(name: string): Promise<void>;
}

const NAME = /^[a-z0-9][a-z0-9-]{0,28}[a-z0-9]$/;
const MAX_LOG_LINES = 400;

const appNotFound = (name: string) =>
  new ApiError(404, 'RESOURCE_DOES_NOT_EXIST', `App with name ${name} does not exist.`);

function bodyOf(request: RouteRequest): Record<string, unknown> {
  const body = request.body ?? {};
  if (typeof body !== 'object' || Array.isArray(body))
    throw new ApiError(400, 'MALFORMED_REQUEST', 'The request body must be a JSON object.');
  return body as Record<string, unknown>;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

function canConnect(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

/** Runs a setup command (npm install, npm run build) to its end; its output goes to the logs. */
function runToEnd(
  command: string,
  args: string[],
  cwd: string,
  env: NodeJS.ProcessEnv,
  log: (line: string) => void,
): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
    child.stdout?.on('data', (data: Buffer) => log(data.toString()));
    child.stderr?.on('data', (data: Buffer) => log(data.toString()));
    child.once('error', reject);
    child.once('exit', (code) =>
      code === 0
        ? resolve()
        : reject(new Error(`${command} ${args.join(' ')} exited with code ${code}`)),
    );
  });
}

/** Stops a process: SIGTERM, then SIGKILL if it is still there after `graceMs`. */
function stopProcess(child: ChildProcess | undefined, graceMs = 5_000): Promise<void> {
  if (!child || child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
    child.once('exit', () => {
      clearTimeout(timer);
      resolve();
    });
    child.kill('SIGTERM');
  });
}

interface AppYaml {
  command?: string[];
  env: { name: string; value?: string; valueFrom?: string }[];
}

function readAppYaml(directory: string): AppYaml {
  for (const file of ['app.yaml', 'app.yml']) {
    const path = join(directory, file);
    if (!existsSync(path)) continue;
    let parsed: unknown;
    try {
      parsed = parseYaml(readFileSync(path, 'utf8'));
    } catch (error) {
      throw new Error(`${file} is not valid YAML: ${(error as Error).message}`);
    }
    const record = (parsed ?? {}) as Record<string, unknown>;
    let command: string[] | undefined;
    if (Array.isArray(record.command)) command = record.command.map(String);
    else if (typeof record.command === 'string')
      throw new Error(
        `${file}: "command" must be a list of arguments (it runs without a shell), e.g. ["npm", "run", "start"].`,
      );
    const env = Array.isArray(record.env)
      ? record.env
          .filter(
            (entry): entry is Record<string, unknown> =>
              typeof entry === 'object' && entry !== null,
          )
          .map((entry) => ({
            name: String(entry.name),
            ...(entry.value !== undefined ? { value: String(entry.value) } : {}),
            ...(entry.valueFrom !== undefined ? { valueFrom: String(entry.valueFrom) } : {}),
          }))
      : [];
    return { ...(command ? { command } : {}), env };
  }
  return { env: [] };
}

/** What an app resource gives an `env` entry's `valueFrom`: the resource's id or name. */
function resourceValue(resources: unknown[], name: string): string | undefined {
  for (const raw of resources) {
    const resource = (raw ?? {}) as Record<string, Record<string, unknown> | string>;
    if (resource.name !== name) continue;
    for (const value of Object.values(resource)) {
      if (typeof value !== 'object' || value === null) continue;
      const id =
        value.experiment_id ?? value.id ?? value.name ?? value.space_id ?? value.instance_name;
      if (typeof id === 'string') return id;
    }
  }
  return undefined;
}

export const appsService = defineService({
  name: 'apps',
  create(context, options: AppsOptions | undefined) {
    const oauth = context.service<LocalOAuth>('oauth');
    const files = context.service<LocalWorkspaceFiles>('workspaceFiles');
    const apps = new Map<string, AppRecord>();
    const root = mkdtempSync(join(tmpdir(), 'lakechain-apps-'));
    const caFile = join(root, 'workspace-ca.pem');
    if (options?.caCert) writeFileSync(caFile, options.caCert, { mode: 0o600 });
    let nextPrincipalId = 1000;
    let stopping = false;

    const now = () => new Date().toISOString();
    const urlOf = (app: AppRecord) => `${context.host()}/__apps/${app.name}`;
    const log = (app: AppRecord, text: string) => {
      for (const line of text.split('\n')) if (line.trim() !== '') app.logs.push(line);
      if (app.logs.length > MAX_LOG_LINES) app.logs.splice(0, app.logs.length - MAX_LOG_LINES);
    };

    const describeDeployment = (deployment: Deployment) => ({
      deployment_id: deployment.id,
      source_code_path: deployment.sourceCodePath,
      mode: deployment.mode,
      ...(deployment.command ? { command: deployment.command } : {}),
      ...(deployment.envVars ? { env_vars: deployment.envVars } : {}),
      deployment_artifacts: { source_code_path: `/Workspace/Users/${deployment.id}/src` },
      status: { state: deployment.state, message: deployment.message },
      create_time: deployment.createTime,
      update_time: deployment.updateTime,
    });

    const describe = (app: AppRecord) => {
      const active = app.activeDeploymentId
        ? app.deployments.get(app.activeDeploymentId)
        : undefined;
      const pending = app.pendingDeploymentId
        ? app.deployments.get(app.pendingDeploymentId)
        : undefined;
      return {
        name: app.name,
        id: app.id,
        description: app.description,
        url: urlOf(app),
        app_status: { state: app.status.state, message: app.status.message },
        compute_status: { state: app.compute.state, message: app.compute.message },
        ...(active ? { active_deployment: describeDeployment(active) } : {}),
        ...(pending ? { pending_deployment: describeDeployment(pending) } : {}),
        default_source_code_path: `/Workspace/Users/${app.servicePrincipal.clientId}/src/${app.id}`,
        service_principal_client_id: app.servicePrincipal.clientId,
        service_principal_id: app.servicePrincipal.id,
        service_principal_name: app.servicePrincipal.name,
        resources: app.resources,
        user_api_scopes: app.userApiScopes,
        create_time: app.createTime,
        update_time: app.updateTime,
        creator: 'local-user@example.com',
      };
    };

    const getApp = (name: string | undefined): AppRecord => {
      const app = name ? apps.get(name) : undefined;
      if (!app) throw appNotFound(name ?? '');
      return app;
    };

    /** Unpacks, installs, starts and waits: the background half of a deployment. */
    const run = async (app: AppRecord, deployment: Deployment): Promise<void> => {
      const fail = (message: string) => {
        deployment.state = 'FAILED';
        deployment.message = message;
        deployment.updateTime = now();
        if (app.pendingDeploymentId === deployment.id) app.pendingDeploymentId = undefined;
        if (!app.process) app.status = { state: 'CRASHED', message };
      };
      const source = files.filesUnder(deployment.sourceCodePath);
      if (source.length === 0)
        return fail(`No files found at source code path ${deployment.sourceCodePath}.`);
      const directory = join(root, app.name, deployment.id);
      deployment.directory = directory;
      for (const file of source) {
        if (file.relativePath.startsWith('node_modules/')) continue;
        const target = join(directory, file.relativePath);
        mkdirSync(dirname(target), { recursive: true });
        writeFileSync(target, file.content);
      }
      let manifest: AppYaml;
      try {
        manifest = readAppYaml(directory);
      } catch (error) {
        return fail((error as Error).message);
      }
      const port = await freePort();
      const environment: NodeJS.ProcessEnv = {
        // What an app's container has: a PATH and a home, none of this process's credentials.
        PATH: process.env.PATH,
        HOME: process.env.HOME,
        LANG: process.env.LANG ?? 'C.UTF-8',
        ...(process.env.TMPDIR ? { TMPDIR: process.env.TMPDIR } : {}),
        ...(process.env.npm_config_cache ? { npm_config_cache: process.env.npm_config_cache } : {}),
        DATABRICKS_APP_NAME: app.name,
        DATABRICKS_APP_PORT: String(port),
        DATABRICKS_APP_URL: urlOf(app),
        DATABRICKS_HOST: context.host(),
        DATABRICKS_WORKSPACE_ID: context.ids.workspaceId,
        DATABRICKS_CLIENT_ID: app.servicePrincipal.clientId,
        DATABRICKS_CLIENT_SECRET: app.servicePrincipal.secret,
        ...(options?.caCert ? { NODE_EXTRA_CA_CERTS: caFile } : {}),
        ...options?.env,
      };
      for (const entry of manifest.env) {
        const value =
          entry.value ??
          (entry.valueFrom ? resourceValue(app.resources, entry.valueFrom) : undefined);
        if (value !== undefined) environment[entry.name] = value;
        else
          log(
            app,
            `[apps] env ${entry.name}: no resource named "${entry.valueFrom}" on the app, left unset`,
          );
      }
      for (const variable of deployment.envVars ?? []) environment[variable.name] = variable.value;
      const packageFile = join(directory, 'package.json');
      const isNode = existsSync(packageFile);
      try {
        if (isNode) {
          if (options?.nodeModules)
            symlinkSync(options.nodeModules, join(directory, 'node_modules'), 'dir');
          else
            await runToEnd(
              'npm',
              ['install', '--no-audit', '--no-fund'],
              directory,
              environment,
              (line) => log(app, line),
            );
          const scripts =
            (JSON.parse(readFileSync(packageFile, 'utf8')) as { scripts?: Record<string, string> })
              .scripts ?? {};
          if (scripts.build)
            await runToEnd('npm', ['run', 'build'], directory, environment, (line) =>
              log(app, line),
            );
        }
      } catch (error) {
        return fail(
          `Preparing the app failed: ${(error as Error).message}. ${app.logs.slice(-5).join(' | ')}`,
        );
      }
      const command =
        deployment.command ?? manifest.command ?? (isNode ? ['npm', 'run', 'start'] : undefined);
      const [program, ...args] = (command ?? []).map((arg) =>
        arg.replaceAll('$DATABRICKS_APP_PORT', String(port)),
      );
      if (!program)
        return fail(
          'No command: add "command" to app.yaml, or a package.json with a "start" script.',
        );
      const child = spawn(program, args, {
        cwd: directory,
        env: environment,
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      child.stdout?.on('data', (data: Buffer) => log(app, data.toString()));
      child.stderr?.on('data', (data: Buffer) => log(app, data.toString()));
      let exited: string | undefined;
      child.once('error', (error) => {
        exited = `could not start ${program}: ${error.message}`;
      });
      child.once('exit', (code, signal) => {
        exited ??= `exited with ${signal ?? `code ${code}`}`;
        if (app.process === child && !stopping) {
          app.process = undefined;
          app.port = undefined;
          app.status = {
            state: 'CRASHED',
            message: `App ${exited}. ${app.logs.slice(-3).join(' | ')}`,
          };
        }
      });
      const deadline = Date.now() + (options?.startupTimeoutMs ?? 120_000);
      while (!(await canConnect(port))) {
        if (exited !== undefined)
          return fail(
            `App ${exited} before listening on DATABRICKS_APP_PORT. ${app.logs.slice(-8).join(' | ')}`,
          );
        if (Date.now() > deadline || stopping) {
          await stopProcess(child);
          return fail(
            `App did not listen on DATABRICKS_APP_PORT (${port}) within the startup time.`,
          );
        }
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
      const previous = app.process;
      app.process = child;
      app.port = port;
      await stopProcess(previous);
      deployment.state = 'SUCCEEDED';
      deployment.message = 'App started successfully';
      deployment.updateTime = now();
      app.activeDeploymentId = deployment.id;
      if (app.pendingDeploymentId === deployment.id) app.pendingDeploymentId = undefined;
      app.status = { state: 'RUNNING', message: 'App has status: App is running' };
      app.updateTime = now();
    };

    /** The app's URL prefix: authenticate, then forward to its process. */
    const proxy = async (request: RouteRequest): Promise<void> => {
      const name = request.params['1'] ?? '';
      const rest = request.params['2'] || '/';
      const header = request.incoming.headers.authorization;
      const verdict = context.tokens.verify(header);
      const token = /^Bearer\s+(\S+)$/i.exec(header ?? '')?.[1] ?? '';
      // OAuth access tokens of this workspace are `dlw-oauth-…` (platform/tokens.ts); anything
      // else that verifies is a personal access token, which apps do not take.
      if (verdict !== 'valid' || !token.startsWith('dlw-oauth-'))
        throw new ApiError(
          401,
          'UNAUTHENTICATED',
          verdict === 'valid'
            ? 'Databricks Apps accept OAuth tokens only: use an OAuth access token (M2M or a user login), not a personal access token.'
            : 'Credential was not sent or was not valid: send an OAuth bearer token of the workspace.',
          { headers: { 'www-authenticate': 'Bearer' } },
        );
      const app = apps.get(name);
      if (!app)
        throw new ApiError(404, 'RESOURCE_DOES_NOT_EXIST', `App with name ${name} does not exist.`);
      if (app.status.state !== 'RUNNING' || app.port === undefined)
        throw new ApiError(
          503,
          'TEMPORARILY_UNAVAILABLE',
          `App Not Available: ${app.name} is ${app.status.state}.`,
        );
      const headers: Record<string, string> = {};
      for (const [key, value] of Object.entries(request.incoming.headers)) {
        if (value === undefined) continue;
        if (
          [
            'authorization',
            'host',
            'connection',
            'keep-alive',
            'transfer-encoding',
            'cookie',
          ].includes(key)
        )
          continue;
        headers[key] = Array.isArray(value) ? value.join(', ') : value;
      }
      headers['x-forwarded-host'] = new URL(context.host()).host;
      headers['x-forwarded-proto'] = 'https';
      headers['x-forwarded-for'] = request.incoming.socket.remoteAddress ?? '127.0.0.1';
      headers['x-real-ip'] = headers['x-forwarded-for'];
      headers['x-request-id'] = String(request.response.getHeader('x-request-id') ?? randomUUID());
      headers['content-length'] = String(request.rawBody.length);
      const response = request.response;
      await new Promise<void>((resolve) => {
        const upstream = httpRequest(
          {
            host: '127.0.0.1',
            port: app.port,
            method: request.method,
            path: `${rest}${request.url.search}`,
            headers,
          },
          (answer) => {
            const out: Record<string, string | string[]> = {};
            for (const [key, value] of Object.entries(answer.headers))
              if (
                value !== undefined &&
                !['connection', 'keep-alive', 'transfer-encoding'].includes(key)
              )
                out[key] = value;
            response.writeHead(answer.statusCode ?? 502, out);
            response.flushHeaders();
            answer.pipe(response);
            answer.once('end', resolve);
            answer.once('error', () => {
              response.destroy();
              resolve();
            });
          },
        );
        upstream.once('error', (error) => {
          if (!response.headersSent) {
            response.writeHead(502, { 'content-type': 'application/json' });
            response.end(
              JSON.stringify({
                error_code: 'BAD_GATEWAY',
                message: `The app did not answer: ${error.message}`,
              }),
            );
          } else response.destroy();
          resolve();
        });
        request.signal.addEventListener('abort', () => upstream.destroy(), { once: true });
        upstream.end(request.rawBody);
      });
    };

    const state: LocalApps = {
      names: () => [...apps.keys()],
      describe: (name) => {
        const app = apps.get(name);
        return app ? describe(app) : undefined;
      },
      logs: (name) => [...(apps.get(name)?.logs ?? [])],
      servicePrincipal: (name) => {
        const app = apps.get(name);
        return app
          ? { clientId: app.servicePrincipal.clientId, clientSecret: app.servicePrincipal.secret }
          : undefined;
      },
      settled: async (name) => {
        const app = apps.get(name);
        const latest = app ? [...app.deployments.values()].at(-1) : undefined;
        await latest?.done;
      },
    };

    const appsRoute = (
      method: 'GET' | 'POST' | 'PATCH' | 'DELETE',
      path: string,
      handle: (request: RouteRequest) => unknown,
    ) => ({
      method,
      path,
      name: 'apps',
      ...(method === 'GET' || method === 'DELETE' ? { body: 'none' as const } : {}),
      handle,
    });

    return {
      state,
      routes: [
        appsRoute('GET', '/api/2.0/apps', () => ({ apps: [...apps.values()].map(describe) })),
        appsRoute('POST', '/api/2.0/apps', (request) => {
          const body = bodyOf(request);
          const name = body.name;
          if (typeof name !== 'string' || !NAME.test(name))
            throw new ApiError(
              400,
              'INVALID_PARAMETER_VALUE',
              `Invalid app name ${JSON.stringify(name)}: use 2 to 30 lowercase letters, digits and hyphens, starting and ending with a letter or digit.`,
            );
          if (apps.has(name))
            throw new ApiError(
              400,
              'RESOURCE_ALREADY_EXISTS',
              `An app with name ${name} already exists.`,
            );
          const clientId = randomUUID();
          const secret = oauth.addServicePrincipal(
            clientId,
            `dose${randomBytes(16).toString('hex')}`,
          );
          const noCompute = request.query.get('no_compute') === 'true';
          const app: AppRecord = {
            name,
            id: randomUUID(),
            description: typeof body.description === 'string' ? body.description : '',
            createTime: now(),
            updateTime: now(),
            resources: Array.isArray(body.resources) ? body.resources : [],
            userApiScopes: Array.isArray(body.user_api_scopes)
              ? body.user_api_scopes.map(String)
              : [],
            servicePrincipal: { clientId, secret, id: nextPrincipalId++, name: `app-${name}` },
            compute: noCompute
              ? { state: 'STOPPED', message: 'App compute is stopped.' }
              : { state: 'ACTIVE', message: 'App compute is active.' },
            status: {
              state: 'UNAVAILABLE',
              message: 'App has not been deployed yet. Run your app by deploying source code',
            },
            deployments: new Map(),
            logs: [],
          };
          apps.set(name, app);
          return describe(app);
        }),
        appsRoute('GET', '/api/2.0/apps/:name', (request) => describe(getApp(request.params.name))),
        appsRoute('PATCH', '/api/2.0/apps/:name', (request) => {
          const app = getApp(request.params.name);
          const body = bodyOf(request);
          if (typeof body.description === 'string') app.description = body.description;
          if (Array.isArray(body.resources)) app.resources = body.resources;
          if (Array.isArray(body.user_api_scopes))
            app.userApiScopes = body.user_api_scopes.map(String);
          app.updateTime = now();
          return describe(app);
        }),
        appsRoute('DELETE', '/api/2.0/apps/:name', async (request) => {
          const app = getApp(request.params.name);
          apps.delete(app.name);
          await stopProcess(app.process);
          oauth.removeServicePrincipal(app.servicePrincipal.clientId);
          return describe(app);
        }),
        appsRoute('POST', '/api/2.0/apps/:name/start', (request) => {
          const app = getApp(request.params.name);
          app.compute = { state: 'ACTIVE', message: 'App compute is active.' };
          const active = app.activeDeploymentId
            ? app.deployments.get(app.activeDeploymentId)
            : undefined;
          if (active && !app.process) {
            app.status = { state: 'DEPLOYING', message: 'App is starting' };
            active.done = run(app, active);
          }
          return describe(app);
        }),
        appsRoute('POST', '/api/2.0/apps/:name/stop', async (request) => {
          const app = getApp(request.params.name);
          const child = app.process;
          app.process = undefined;
          app.port = undefined;
          await stopProcess(child);
          app.compute = { state: 'STOPPED', message: 'App compute is stopped.' };
          app.status = { state: 'UNAVAILABLE', message: 'App is stopped' };
          return describe(app);
        }),
        appsRoute('GET', '/api/2.0/apps/:name/deployments', (request) => ({
          app_deployments: [...getApp(request.params.name).deployments.values()]
            .reverse()
            .map(describeDeployment),
        })),
        appsRoute('POST', '/api/2.0/apps/:name/deployments', (request) => {
          const app = getApp(request.params.name);
          const body = bodyOf(request);
          if (app.compute.state !== 'ACTIVE')
            throw new ApiError(
              400,
              'INVALID_STATE',
              `Cannot deploy app ${app.name}: its compute is ${app.compute.state}. Start the app first.`,
            );
          const sourceCodePath = body.source_code_path;
          if (typeof sourceCodePath !== 'string' || !sourceCodePath.startsWith('/'))
            throw new ApiError(
              400,
              'INVALID_PARAMETER_VALUE',
              'source_code_path must be an absolute workspace path.',
            );
          if (app.pendingDeploymentId)
            throw new ApiError(
              400,
              'INVALID_STATE',
              `App ${app.name} has a deployment in progress.`,
            );
          const deployment: Deployment = {
            id: randomBytes(16).toString('hex'),
            sourceCodePath,
            mode: typeof body.mode === 'string' ? body.mode : 'SNAPSHOT',
            ...(Array.isArray(body.command) ? { command: body.command.map(String) } : {}),
            ...(Array.isArray(body.env_vars)
              ? {
                  envVars: (body.env_vars as { name: string; value: string }[]).map((entry) => ({
                    name: String(entry.name),
                    value: String(entry.value),
                  })),
                }
              : {}),
            state: 'IN_PROGRESS',
            message: 'Preparing source code for new app deployment.',
            createTime: now(),
            updateTime: now(),
            done: Promise.resolve(),
          };
          app.deployments.set(deployment.id, deployment);
          app.pendingDeploymentId = deployment.id;
          if (!app.process) app.status = { state: 'DEPLOYING', message: 'App is being deployed' };
          deployment.done = run(app, deployment).catch((error: unknown) => {
            deployment.state = 'FAILED';
            deployment.message = String((error as Error)?.message ?? error);
            app.pendingDeploymentId = undefined;
          });
          return describeDeployment(deployment);
        }),
        appsRoute('GET', '/api/2.0/apps/:name/deployments/:id', (request) => {
          const deployment = getApp(request.params.name).deployments.get(request.params.id ?? '');
          if (!deployment)
            throw new ApiError(
              404,
              'RESOURCE_DOES_NOT_EXIST',
              `Deployment ${request.params.id} does not exist.`,
            );
          return describeDeployment(deployment);
        }),
        {
          method: '*' as const,
          path: /^\/__apps\/([a-z0-9-]+)(\/.*)?$/,
          name: 'apps-proxy',
          auth: 'none' as const,
          body: 'raw' as const,
          maxBodyBytes: 32 * 1024 * 1024,
          handle: proxy,
        },
      ],
      async stop() {
        stopping = true;
        await Promise.all(
          [...apps.values()].map(async (app) => {
            await Promise.all(
              [...app.deployments.values()].map((deployment) =>
                deployment.done.catch(() => undefined),
              ),
            );
            await stopProcess(app.process);
            oauth.removeServicePrincipal(app.servicePrincipal.clientId);
          }),
        );
        rmSync(root, { recursive: true, force: true });
      },
    };
  },
});
