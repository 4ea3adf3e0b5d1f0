/**
 * What the pool needs from the Databricks workspace, all through core's `DatabricksClient`: where
 * to connect (a provisioned instance, `GET /api/2.0/database/instances/{name}`, or an
 * autoscaling endpoint, `GET /api/2.0/postgres/{endpoint}`, found from its project and branch if
 * need be), the identity that becomes the Postgres user (`GET /api/2.0/preview/scim/v2/Me`), and
 * short-lived credentials (`POST /api/2.0/database/credentials` or
 * `POST /api/2.0/postgres/credentials`) cached in core's single-flight token cache.
 */
import { randomUUID } from 'node:crypto';
import {
  CachedTokenSource,
  DatabricksApiError,
  DatabricksConfigError,
  type DatabricksConfigOptions,
  WorkspaceConnection,
  type WorkspaceHttpClient,
} from '@lakechain/core';
import { LakebaseError, LakebaseInstanceNotFoundError, LakebasePermissionError } from './errors.js';
import { USER_AGENT } from './version.js';

/** Where the pool connects, as the workspace describes it now. */
export interface LakebaseTargetInfo {
  /** The instance name, or the endpoint's full name (`projects/p/branches/b/endpoints/e`). */
  name: string;
  /** Read-write host (`read_write_dns`, or the endpoint's `status.hosts.host`). */
  host?: string;
  /** `AVAILABLE`, `STOPPED`... for an instance; `ACTIVE`, `IDLE`, `INIT`, `DEGRADED` for an endpoint. */
  state: string;
  /** Whether it takes connections (an idle autoscaling endpoint wakes up on connection). */
  available: boolean;
}

interface InstanceResponse {
  name?: string;
  state?: string;
  read_write_dns?: string;
}

interface EndpointResponse {
  name?: string;
  spec?: { endpoint_type?: string };
  status?: { current_state?: string; hosts?: { host?: string } };
}

export interface LakebaseWorkspaceOptions {
  /**
   * A provisioned Lakebase instance. Give this, or `autoscalingEndpoint`, or `project` and
   * `branch` (Lakebase autoscaling).
   */
  instanceName?: string;
  /** An autoscaling endpoint: `projects/<project>/branches/<branch>/endpoints/<endpoint>`. */
  autoscalingEndpoint?: string;
  /** An autoscaling project id: with `branch`, connects to the branch's read-write endpoint. */
  project?: string;
  /** The branch id, or its full name `projects/<project>/branches/<branch>`. */
  branch?: string;
  /** How to reach the workspace: core's options (host, token, OAuth, profile, `caCert`...). */
  workspace?: DatabricksConfigOptions;
  /** Or a client you already have (its auth is used as is; `close()` leaves it open). */
  client?: WorkspaceHttpClient;
  /** The Postgres user. Default: the workspace identity's `userName` (SCIM `Me`). */
  user?: string;
  /**
   * Reuse a credential for at most this long, and never past half its lifetime. Default
   * 15 minutes (as Python's databricks-langchain): a one-hour token is replaced with 45 minutes
   * left, so a connection opened at any moment gets a password with a long life ahead.
   */
  credentialReuseMs?: number;
  /** Clock, injectable for tests. */
  now?: () => number;
}

export const DEFAULT_CREDENTIAL_REUSE_MS = 15 * 60_000;

interface CredentialResponse {
  token?: unknown;
  /** Provisioned instances. */
  expiration_time?: unknown;
  /** Autoscaling endpoints. */
  expire_time?: unknown;
}

const ENDPOINT_NAME = /^projects\/[^/]+\/branches\/[^/]+\/endpoints\/[^/]+$/;

/** What the options point at, checked: exactly one way of naming it. */
function targetName(options: LakebaseWorkspaceOptions): string {
  const { instanceName, autoscalingEndpoint, project, branch } = options;
  const given = [instanceName, autoscalingEndpoint, project ?? branch].filter(
    (value) => value !== undefined,
  );
  if (given.length !== 1) {
    throw new DatabricksConfigError(
      'Lakebase: give exactly one of `instanceName` (a provisioned instance), `autoscalingEndpoint` ' +
        '(projects/<p>/branches/<b>/endpoints/<e>), or `project` and `branch` (autoscaling).',
      { option: 'instanceName' },
    );
  }
  if (instanceName !== undefined) return instanceName;
  if (autoscalingEndpoint !== undefined) {
    if (!ENDPOINT_NAME.test(autoscalingEndpoint)) {
      throw new DatabricksConfigError(
        `Lakebase: \`autoscalingEndpoint\` must look like projects/<project>/branches/<branch>/endpoints/<endpoint>, not "${autoscalingEndpoint}".`,
        { option: 'autoscalingEndpoint' },
      );
    }
    return autoscalingEndpoint;
  }
  if (branch?.startsWith('projects/')) return branch;
  if (!project || !branch) {
    throw new DatabricksConfigError(
      'Lakebase: autoscaling needs both `project` and `branch` (or `branch` as projects/<p>/branches/<b>).',
      { option: project ? 'branch' : 'project' },
    );
  }
  return `projects/${project}/branches/${branch}`;
}

/** One instance (or autoscaling endpoint) of one workspace, seen by one identity. */
export class LakebaseWorkspace {
  /** The instance name, or the autoscaling endpoint's (or branch's) full name. */
  readonly instanceName: string;
  readonly #options: LakebaseWorkspaceOptions;
  readonly #tokens: CachedTokenSource;
  readonly #now: () => number;
  readonly #connection: WorkspaceConnection;
  #user?: Promise<string>;
  #endpointName?: Promise<string>;
  #minted = 0;

  constructor(options: LakebaseWorkspaceOptions) {
    this.instanceName = targetName(options);
    this.#options = options;
    this.#connection = new WorkspaceConnection(
      { ...options.workspace, ...(options.client ? { client: options.client } : {}) },
      { userAgent: USER_AGENT, owner: 'Lakebase pool' },
    );
    this.#now = options.now ?? Date.now;
    this.#tokens = new CachedTokenSource(() => this.#mint(), {
      // Expiry reported to the cache already includes the margin (see #mint).
      refreshSkewMs: 0,
      now: this.#now,
    });
  }

  /** How many credentials were minted (for tests and diagnostics). */
  get credentialsMinted(): number {
    return this.#minted;
  }

  client(): Promise<WorkspaceHttpClient> {
    return this.#connection.client();
  }

  /** Where the pool connects, as the workspace describes it now. */
  async describe(): Promise<LakebaseTargetInfo> {
    const client = await this.client();
    if (this.#options.instanceName !== undefined) {
      const instance = await this.#call(() =>
        client.request<InstanceResponse>({
          method: 'GET',
          path: `/api/2.0/database/instances/${encodeURIComponent(this.instanceName)}`,
        }),
      );
      const state = instance?.state ?? 'UNKNOWN';
      return {
        name: this.instanceName,
        host: instance?.read_write_dns,
        state,
        available: state === 'AVAILABLE',
      };
    }
    const name = await this.#endpoint();
    const endpoint = await this.#call(() =>
      client.request<EndpointResponse>({ method: 'GET', path: `/api/2.0/postgres/${name}` }),
    );
    const state = endpoint?.status?.current_state ?? 'UNKNOWN';
    return {
      name,
      host: endpoint?.status?.hosts?.host,
      state,
      available: state === 'ACTIVE' || state === 'IDLE',
    };
  }

  /** The Postgres user: the given one, or the workspace identity's `userName`. */
  user(): Promise<string> {
    if (this.#options.user) return Promise.resolve(this.#options.user);
    if (!this.#user) {
      const pending = this.client().then(async (client) => {
        const me = await client.request<{ userName?: unknown }>({
          method: 'GET',
          path: '/api/2.0/preview/scim/v2/Me',
        });
        if (typeof me?.userName !== 'string' || me.userName === '') {
          throw new LakebaseError(
            'The workspace identity has no userName (SCIM Me), so the Postgres user is unknown. Pass `user`.',
            { instanceName: this.instanceName },
          );
        }
        return me.userName;
      });
      pending.catch(() => {
        this.#user = undefined;
      });
      this.#user = pending;
    }
    return this.#user;
  }

  /** A credential (the Postgres password) with a long enough life ahead; single flight. */
  async password(options: { forceRefresh?: boolean } = {}): Promise<string> {
    const token = await this.#tokens.getToken({ forceRefresh: options.forceRefresh });
    return token.accessToken;
  }

  /** Forgets the cached credential (after PostgreSQL refused it). */
  invalidatePassword(): void {
    this.#tokens.invalidate();
  }

  /** Releases the client and config this object created (not a `client` passed in). */
  async close(): Promise<void> {
    await this.#connection.close();
  }

  toJSON(): Record<string, unknown> {
    return { instanceName: this.instanceName };
  }

  async #mint() {
    const client = await this.client();
    const autoscaling = this.#options.instanceName === undefined;
    const body = autoscaling
      ? { endpoint: await this.#endpoint() }
      : { instance_names: [this.instanceName], request_id: randomUUID() };
    const response = await this.#call(() =>
      client.request<CredentialResponse>({
        method: 'POST',
        path: autoscaling ? '/api/2.0/postgres/credentials' : '/api/2.0/database/credentials',
        body,
        // Minting twice is harmless: retries are safe.
        idempotent: true,
      }),
    );
    const expiry = autoscaling ? response?.expire_time : response?.expiration_time;
    const expiresAt = typeof expiry === 'string' ? Date.parse(expiry) : Number.NaN;
    if (typeof response?.token !== 'string' || response.token === '' || Number.isNaN(expiresAt)) {
      throw new LakebaseError(
        `The workspace answered the database credentials request without a token and ${autoscaling ? 'expire_time' : 'expiration_time'}.`,
        { instanceName: this.instanceName },
      );
    }
    this.#minted += 1;
    const now = this.#now();
    const lifetime = Math.max(0, expiresAt - now);
    const reuse = Math.min(
      this.#options.credentialReuseMs ?? DEFAULT_CREDENTIAL_REUSE_MS,
      lifetime / 2,
    );
    return { accessToken: response.token, expiresAt: new Date(now + reuse) };
  }

  /** The autoscaling endpoint's full name: given, or the branch's read-write endpoint. */
  #endpoint(): Promise<string> {
    const { autoscalingEndpoint } = this.#options;
    if (autoscalingEndpoint !== undefined) return Promise.resolve(autoscalingEndpoint);
    if (!this.#endpointName) {
      const branch = this.instanceName;
      const pending = this.client().then(async (client) => {
        const { endpoints } = await this.#call(() =>
          client.request<{ endpoints?: EndpointResponse[] }>({
            method: 'GET',
            path: `/api/2.0/postgres/${branch}/endpoints`,
          }),
        );
        const readWrite = (endpoints ?? []).find(
          (endpoint) =>
            endpoint.spec?.endpoint_type === 'ENDPOINT_TYPE_READ_WRITE' && endpoint.name,
        );
        if (!readWrite?.name) {
          throw new LakebaseInstanceNotFoundError(branch, {
            kind: 'read-write endpoint of branch',
          });
        }
        return readWrite.name;
      });
      pending.catch(() => {
        this.#endpointName = undefined;
      });
      this.#endpointName = pending;
    }
    return this.#endpointName;
  }

  async #call<T>(request: () => Promise<T>): Promise<T> {
    try {
      return await request();
    } catch (error) {
      throw this.#apiError(error);
    }
  }

  #apiError(error: unknown): unknown {
    if (!DatabricksApiError.isInstance(error)) return error;
    if (error.statusCode === 404 || error.errorCode === 'RESOURCE_DOES_NOT_EXIST') {
      const kind = this.#options.instanceName !== undefined ? 'instance' : 'endpoint or branch';
      return new LakebaseInstanceNotFoundError(this.instanceName, { kind, cause: error });
    }
    if (error.statusCode === 403 || error.errorCode === 'PERMISSION_DENIED') {
      return new LakebasePermissionError(
        `The workspace refused access to Lakebase "${this.instanceName}" (${error.errorCode ?? error.statusCode}: ${error.message}). ` +
          'Ask for CAN_USE (or CAN_MANAGE) on it for this identity.',
        { instanceName: this.instanceName, cause: error },
      );
    }
    return error;
  }
}
