/**
 * Options and inspectable state of the local Databricks Apps service (`ws.apps`).
 */

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
