/**
 * What the Apps service holds: apps, their deployments and processes, the runtime every
 * operation shares, and how an app and a deployment appear in the Apps API's answers.
 */
import type { ChildProcess } from 'node:child_process';
import { ApiError } from '../../platform/errors.js';
import type { ServiceContext } from '../../platform/service.js';
import type { LocalWorkspaceFiles } from '../workspace_files/service.js';
import type { AppState, AppsOptions, ComputeState, DeploymentState } from './types.js';

const MAX_LOG_LINES = 400;

export interface Deployment {
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

export interface AppRecord {
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

/** What deployments, the proxy and the routes share. */
export interface AppsRuntime {
  readonly context: ServiceContext;
  readonly options: AppsOptions | undefined;
  readonly apps: Map<string, AppRecord>;
  /** The uploaded source, read at each deployment. */
  readonly files: LocalWorkspaceFiles;
  /** The temporary folder deployments are unpacked in, removed on stop. */
  readonly root: string;
  /** The workspace's CA certificate as a file, for `NODE_EXTRA_CA_CERTS`. */
  readonly caFile: string;
  /** Whether the workspace is stopping: deployments stop waiting and crashes are expected. */
  isStopping(): boolean;
}

/** Timestamps as the Apps API writes them. */
export const timestamp = () => new Date().toISOString();

export const appUrl = (runtime: AppsRuntime, app: AppRecord) =>
  `${runtime.context.host()}/__apps/${app.name}`;

/** Keeps the last lines an app's processes printed (blank lines dropped). */
export function logLines(app: AppRecord, text: string): void {
  for (const line of text.split('\n')) if (line.trim() !== '') app.logs.push(line);
  if (app.logs.length > MAX_LOG_LINES) app.logs.splice(0, app.logs.length - MAX_LOG_LINES);
}

export function getApp(runtime: AppsRuntime, name: string | undefined): AppRecord {
  const app = name ? runtime.apps.get(name) : undefined;
  if (!app)
    throw new ApiError(
      404,
      'RESOURCE_DOES_NOT_EXIST',
      `App with name ${name ?? ''} does not exist.`,
    );
  return app;
}

/** A deployment as the Apps API answers it. */
export function describeDeployment(deployment: Deployment) {
  return {
    deployment_id: deployment.id,
    source_code_path: deployment.sourceCodePath,
    mode: deployment.mode,
    ...(deployment.command ? { command: deployment.command } : {}),
    ...(deployment.envVars ? { env_vars: deployment.envVars } : {}),
    deployment_artifacts: { source_code_path: `/Workspace/Users/${deployment.id}/src` },
    status: { state: deployment.state, message: deployment.message },
    create_time: deployment.createTime,
    update_time: deployment.updateTime,
  };
}

/** An app as the Apps API answers it. */
export function describeApp(runtime: AppsRuntime, app: AppRecord) {
  const active = app.activeDeploymentId ? app.deployments.get(app.activeDeploymentId) : undefined;
  const pending = app.pendingDeploymentId
    ? app.deployments.get(app.pendingDeploymentId)
    : undefined;
  return {
    name: app.name,
    id: app.id,
    description: app.description,
    url: appUrl(runtime, app),
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
}
