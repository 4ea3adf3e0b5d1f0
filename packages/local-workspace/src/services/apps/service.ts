/**
 * Databricks Apps: the Apps API (`/api/2.0/apps`, start, stop, deployments) and the apps
 * themselves, each a process on loopback reached through the workspace's listener behind its
 * OAuth.
 *
 * - Creating an app makes its service principal (a client id and secret the workspace's OAuth
 *   token endpoint accepts) and starts its compute (`ACTIVE`).
 * - A deployment copies the uploaded source (Workspace API) to a folder of its own, installs,
 *   builds and starts it with the environment Databricks gives apps (`deployment.ts`).
 * - An app's URL is `{workspace host}/__apps/{name}`, behind the workspace's OAuth (`proxy.ts`).
 * - Stopping the workspace stops every app process.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ApiError } from '../../platform/errors.js';
import { defineService, type RouteRequest } from '../../platform/service.js';
import type { LocalOAuth } from '../oauth/service.js';
import type { LocalWorkspaceFiles } from '../workspace_files/service.js';
import { runDeployment } from './deployment.js';
import { stopProcess } from './processes.js';
import { proxyToApp } from './proxy.js';
import {
  type AppRecord,
  type AppsRuntime,
  type Deployment,
  describeApp,
  describeDeployment,
  getApp,
  timestamp,
} from './records.js';
import type { AppsOptions, LocalApps } from './types.js';

const NAME = /^[a-z0-9][a-z0-9-]{0,28}[a-z0-9]$/;

function bodyOf(request: RouteRequest): Record<string, unknown> {
  const body = request.body ?? {};
  if (typeof body !== 'object' || Array.isArray(body))
    throw new ApiError(400, 'MALFORMED_REQUEST', 'The request body must be a JSON object.');
  return body as Record<string, unknown>;
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
    const runtime: AppsRuntime = {
      context,
      options,
      apps,
      files,
      root,
      caFile,
      isStopping: () => stopping,
    };
    const describe = (app: AppRecord) => describeApp(runtime, app);

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
            createTime: timestamp(),
            updateTime: timestamp(),
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
        appsRoute('GET', '/api/2.0/apps/:name', (request) =>
          describe(getApp(runtime, request.params.name)),
        ),
        appsRoute('PATCH', '/api/2.0/apps/:name', (request) => {
          const app = getApp(runtime, request.params.name);
          const body = bodyOf(request);
          if (typeof body.description === 'string') app.description = body.description;
          if (Array.isArray(body.resources)) app.resources = body.resources;
          if (Array.isArray(body.user_api_scopes))
            app.userApiScopes = body.user_api_scopes.map(String);
          app.updateTime = timestamp();
          return describe(app);
        }),
        appsRoute('DELETE', '/api/2.0/apps/:name', async (request) => {
          const app = getApp(runtime, request.params.name);
          apps.delete(app.name);
          await stopProcess(app.process);
          oauth.removeServicePrincipal(app.servicePrincipal.clientId);
          return describe(app);
        }),
        appsRoute('POST', '/api/2.0/apps/:name/start', (request) => {
          const app = getApp(runtime, request.params.name);
          app.compute = { state: 'ACTIVE', message: 'App compute is active.' };
          const active = app.activeDeploymentId
            ? app.deployments.get(app.activeDeploymentId)
            : undefined;
          if (active && !app.process) {
            app.status = { state: 'DEPLOYING', message: 'App is starting' };
            active.done = runDeployment(runtime, app, active);
          }
          return describe(app);
        }),
        appsRoute('POST', '/api/2.0/apps/:name/stop', async (request) => {
          const app = getApp(runtime, request.params.name);
          const child = app.process;
          app.process = undefined;
          app.port = undefined;
          await stopProcess(child);
          app.compute = { state: 'STOPPED', message: 'App compute is stopped.' };
          app.status = { state: 'UNAVAILABLE', message: 'App is stopped' };
          return describe(app);
        }),
        appsRoute('GET', '/api/2.0/apps/:name/deployments', (request) => ({
          app_deployments: [...getApp(runtime, request.params.name).deployments.values()]
            .reverse()
            .map(describeDeployment),
        })),
        appsRoute('POST', '/api/2.0/apps/:name/deployments', (request) => {
          const app = getApp(runtime, request.params.name);
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
            createTime: timestamp(),
            updateTime: timestamp(),
            done: Promise.resolve(),
          };
          app.deployments.set(deployment.id, deployment);
          app.pendingDeploymentId = deployment.id;
          if (!app.process) app.status = { state: 'DEPLOYING', message: 'App is being deployed' };
          deployment.done = runDeployment(runtime, app, deployment).catch((error: unknown) => {
            deployment.state = 'FAILED';
            deployment.message = String((error as Error)?.message ?? error);
            app.pendingDeploymentId = undefined;
          });
          return describeDeployment(deployment);
        }),
        appsRoute('GET', '/api/2.0/apps/:name/deployments/:id', (request) => {
          const deployment = getApp(runtime, request.params.name).deployments.get(
            request.params.id ?? '',
          );
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
          handle: (request: RouteRequest) => proxyToApp(runtime, request),
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
