/**
 * A deployment (`mode: SNAPSHOT`), in the background: copy the files under `source_code_path`
 * from the workspace tree to a folder of its own, read `app.yaml`, get the dependencies (a
 * linked `node_modules`, see `nodeModules`, or `npm install`, then `npm run build` when defined,
 * as Databricks does for Node apps), and start `command` (or `npm run start`) with the
 * environment Databricks gives apps: `DATABRICKS_APP_NAME`, `DATABRICKS_APP_PORT`,
 * `DATABRICKS_HOST`, `DATABRICKS_WORKSPACE_ID`, `DATABRICKS_CLIENT_ID`,
 * `DATABRICKS_CLIENT_SECRET` (the app's service principal), plus `NODE_EXTRA_CA_CERTS` for the
 * workspace's own CA. It succeeds once the process listens on its port (the previous process
 * is then stopped) and the app is `RUNNING`; a process that exits first fails the deployment
 * with the end of its output.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { type AppYaml, readAppYaml, resourceValue } from './app_yaml.js';
import { canConnect, freePort, runToEnd, stopProcess } from './processes.js';
import {
  type AppRecord,
  type AppsRuntime,
  appUrl,
  type Deployment,
  logLines,
  timestamp,
} from './records.js';

/** Unpacks, installs, starts and waits: the background half of a deployment. */
export async function runDeployment(
  runtime: AppsRuntime,
  app: AppRecord,
  deployment: Deployment,
): Promise<void> {
  const { context, options, files, root, caFile } = runtime;
  const fail = (message: string) => {
    deployment.state = 'FAILED';
    deployment.message = message;
    deployment.updateTime = timestamp();
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
    DATABRICKS_APP_URL: appUrl(runtime, app),
    DATABRICKS_HOST: context.host(),
    DATABRICKS_WORKSPACE_ID: context.ids.workspaceId,
    DATABRICKS_CLIENT_ID: app.servicePrincipal.clientId,
    DATABRICKS_CLIENT_SECRET: app.servicePrincipal.secret,
    ...(options?.caCert ? { NODE_EXTRA_CA_CERTS: caFile } : {}),
    ...options?.env,
  };
  for (const entry of manifest.env) {
    const value =
      entry.value ?? (entry.valueFrom ? resourceValue(app.resources, entry.valueFrom) : undefined);
    if (value !== undefined) environment[entry.name] = value;
    else
      logLines(
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
          (line) => logLines(app, line),
        );
      const scripts =
        (JSON.parse(readFileSync(packageFile, 'utf8')) as { scripts?: Record<string, string> })
          .scripts ?? {};
      if (scripts.build)
        await runToEnd('npm', ['run', 'build'], directory, environment, (line) =>
          logLines(app, line),
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
    return fail('No command: add "command" to app.yaml, or a package.json with a "start" script.');
  const child = spawn(program, args, {
    cwd: directory,
    env: environment,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout?.on('data', (data: Buffer) => logLines(app, data.toString()));
  child.stderr?.on('data', (data: Buffer) => logLines(app, data.toString()));
  let exited: string | undefined;
  child.once('error', (error) => {
    exited = `could not start ${program}: ${error.message}`;
  });
  child.once('exit', (code, signal) => {
    exited ??= `exited with ${signal ?? `code ${code}`}`;
    if (app.process === child && !runtime.isStopping()) {
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
    if (Date.now() > deadline || runtime.isStopping()) {
      await stopProcess(child);
      return fail(`App did not listen on DATABRICKS_APP_PORT (${port}) within the startup time.`);
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  const previous = app.process;
  app.process = child;
  app.port = port;
  await stopProcess(previous);
  deployment.state = 'SUCCEEDED';
  deployment.message = 'App started successfully';
  deployment.updateTime = timestamp();
  app.activeDeploymentId = deployment.id;
  if (app.pendingDeploymentId === deployment.id) app.pendingDeploymentId = undefined;
  app.status = { state: 'RUNNING', message: 'App has status: App is running' };
  app.updateTime = timestamp();
}
