/**
 * What the pool needs from the Databricks workspace, all through core's `DatabricksClient`: the
 * instance (`GET /api/2.0/database/instances/{name}`), the identity that becomes the Postgres
 * user (`GET /api/2.0/preview/scim/v2/Me`), and short-lived credentials
 * (`POST /api/2.0/database/credentials`) cached in core's single-flight token cache.
 */
import { randomUUID } from 'node:crypto';
import {
  CachedTokenSource,
  DatabricksApiError,
  DatabricksClient,
  type DatabricksConfigOptions,
  resolveConfig,
} from '@lakechain/core';
import { LakebaseError, LakebaseInstanceNotFoundError, LakebasePermissionError } from './errors.js';
import { USER_AGENT } from './version.js';

/** The fields of a Lakebase database instance this package reads. */
export interface LakebaseInstanceInfo {
  name: string;
  state: string;
  read_write_dns?: string;
  pg_version?: string;
  uid?: string;
}

export interface LakebaseWorkspaceOptions {
  instanceName: string;
  /** How to reach the workspace: core's options (host, token, OAuth, profile, `caCert`...). */
  workspace?: DatabricksConfigOptions;
  /** Or a client you already have (its auth is used as is; `close()` leaves it open). */
  client?: DatabricksClient;
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
  expiration_time?: unknown;
}

/** One instance of one workspace, seen by one identity. */
export class LakebaseWorkspace {
  readonly instanceName: string;
  readonly #options: LakebaseWorkspaceOptions;
  readonly #tokens: CachedTokenSource;
  readonly #now: () => number;
  #client?: Promise<DatabricksClient>;
  #ownsClient = false;
  #user?: Promise<string>;
  #minted = 0;

  constructor(options: LakebaseWorkspaceOptions) {
    this.instanceName = options.instanceName;
    this.#options = options;
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

  client(): Promise<DatabricksClient> {
    if (this.#options.client) return Promise.resolve(this.#options.client);
    if (!this.#client) {
      const pending = resolveConfig(this.#options.workspace ?? {}).then((config) => {
        this.#ownsClient = true;
        return new DatabricksClient({ config, userAgent: USER_AGENT });
      });
      // A failed resolution (no host...) is not cached: the next call tries again.
      pending.catch(() => {
        this.#client = undefined;
      });
      this.#client = pending;
    }
    return this.#client;
  }

  /** The instance as the workspace describes it now. */
  async instance(signal?: AbortSignal): Promise<LakebaseInstanceInfo> {
    const client = await this.client();
    try {
      return await client.request<LakebaseInstanceInfo>({
        method: 'GET',
        path: `/api/2.0/database/instances/${encodeURIComponent(this.instanceName)}`,
        signal,
      });
    } catch (error) {
      throw this.#apiError(error);
    }
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

  async close(): Promise<void> {
    if (this.#ownsClient && this.#client) {
      const client = await this.#client.catch(() => undefined);
      await client?.close();
    }
  }

  toJSON(): Record<string, unknown> {
    return { instanceName: this.instanceName };
  }

  async #mint() {
    const client = await this.client();
    let response: CredentialResponse;
    try {
      response = await client.request<CredentialResponse>({
        method: 'POST',
        path: '/api/2.0/database/credentials',
        body: { instance_names: [this.instanceName], request_id: randomUUID() },
        // Minting twice is harmless: retries are safe.
        idempotent: true,
      });
    } catch (error) {
      throw this.#apiError(error);
    }
    const expiresAt =
      typeof response?.expiration_time === 'string'
        ? Date.parse(response.expiration_time)
        : Number.NaN;
    if (typeof response?.token !== 'string' || response.token === '' || Number.isNaN(expiresAt)) {
      throw new LakebaseError(
        'The workspace answered the database credentials request without a token and expiration_time.',
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

  #apiError(error: unknown): unknown {
    if (!DatabricksApiError.isInstance(error)) return error;
    if (error.statusCode === 404 || error.errorCode === 'RESOURCE_DOES_NOT_EXIST') {
      return new LakebaseInstanceNotFoundError(this.instanceName, { cause: error });
    }
    if (error.statusCode === 403 || error.errorCode === 'PERMISSION_DENIED') {
      return new LakebasePermissionError(
        `The workspace refused access to Lakebase instance "${this.instanceName}" (${error.errorCode ?? error.statusCode}: ${error.message}). ` +
          'Ask for CAN_USE (or CAN_MANAGE) on the instance for this identity.',
        { instanceName: this.instanceName, cause: error },
      );
    }
    return error;
  }
}
