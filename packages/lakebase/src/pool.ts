/**
 * `LakebasePool`: a `pg` Pool for a Lakebase instance. The host comes from the instance
 * (`read_write_dns`), the user from the workspace identity, and the password, a short-lived
 * OAuth token, from the credentials API through core's single-flight cache, handed to `pg` as
 * an async password function so every NEW connection logs in with a valid credential while
 * open connections carry on (Lakebase checks the token only at login). A login refused because
 * the credential stopped working (revoked, expired early) is retried once with a fresh one.
 */
import pg from 'pg';
import { lakebaseTypes } from './bytea_array.js';
import {
  isAuthenticationFailure,
  LakebaseConnectionError,
  LakebaseError,
  LakebaseInstanceNotAvailableError,
  toLakebaseError,
} from './errors.js';
import { StatementPreparer } from './prepared.js';
import { LakebaseWorkspace, type LakebaseWorkspaceOptions } from './workspace.js';

/** The Lakebase default database. */
export const DEFAULT_DATABASE = 'databricks_postgres';
export const DEFAULT_PORT = 5432;

export interface LakebaseTlsOptions {
  /** PEM CA certificate(s) to trust instead of the system roots (a private CA, a local server). */
  ca?: string | Buffer | Array<string | Buffer>;
  /**
   * Verify the server certificate (default true). `false` gives libpq's `sslmode=require`
   * exactly: encrypted, not verified. TLS itself cannot be turned off: Lakebase requires it.
   */
  rejectUnauthorized?: boolean;
}

/** `pg.Pool` settings other than where and as whom to connect (those come from Lakebase). */
export type LakebasePoolSettings = Omit<
  pg.PoolConfig,
  'host' | 'port' | 'user' | 'password' | 'database' | 'ssl' | 'connectionString' | 'Client'
>;

export interface LakebasePoolOptions extends LakebaseWorkspaceOptions {
  /** Database on the instance. Default `databricks_postgres`. */
  database?: string;
  /** Port. Default 5432 (Lakebase's). */
  port?: number;
  tls?: LakebaseTlsOptions;
  /**
   * Pool settings (`max`, `min`, `idleTimeoutMillis`, `maxLifetimeSeconds`...). Defaults as
   * Python's databricks-langchain: at most 10 connections, 30 s to connect.
   */
  poolSettings?: LakebasePoolSettings;
  /**
   * Prepare the statements the pool runs again and again (the checkpointer's and the store's),
   * as psycopg does: parsed and planned once per connection. Default true.
   */
  prepareStatements?: boolean;
}

/** Where the pool connects, once resolved (no credential). */
export interface LakebaseConnectionInfo {
  instanceName: string;
  host: string;
  port: number;
  database: string;
  user: string;
}

type ConnectCallback = (
  error: Error | undefined,
  client: pg.PoolClient | undefined,
  done: (release?: unknown) => void,
) => void;

const inspectSymbol = Symbol.for('nodejs.util.inspect.custom');

export class LakebasePool extends pg.Pool {
  readonly instanceName: string;
  readonly #workspace: LakebaseWorkspace;
  #resolved?: Promise<LakebaseConnectionInfo>;
  #info?: LakebaseConnectionInfo;
  #closed = false;

  constructor(options: LakebasePoolOptions) {
    const workspace = new LakebaseWorkspace(options);
    super({
      max: 10,
      connectionTimeoutMillis: 30_000,
      // pg's type parsers with a faster one for bytea[] (every checkpoint read returns one).
      types: lakebaseTypes,
      ...options.poolSettings,
      database: options.database ?? DEFAULT_DATABASE,
      port: options.port ?? DEFAULT_PORT,
      ssl: {
        rejectUnauthorized: options.tls?.rejectUnauthorized ?? true,
        ...(options.tls?.ca !== undefined ? { ca: options.tls.ca } : {}),
      },
      // Called by pg for every new connection: the cached credential, refreshed ahead of expiry.
      password: () => workspace.password(),
    });
    this.instanceName = workspace.instanceName;
    this.#workspace = workspace;
    // A connection dropped by the server (restart, failover) must not crash the process: an
    // idle one is discarded by the pool (its 'error'), and one checked out between two
    // statements fails its next query instead (a 'error' on the client with no listener would
    // be an uncaught exception). The next checkout opens a new connection.
    this.on('error', () => {});
    const preparer = options.prepareStatements === false ? undefined : new StatementPreparer();
    this.on('connect', (client: pg.PoolClient) => {
      client.on('error', () => {});
      preparer?.attach(client);
    });
  }

  /** The workspace side: instance, identity, credentials. */
  get workspace(): LakebaseWorkspace {
    return this.#workspace;
  }

  /**
   * Looks up the instance and the identity now (the first connection does it otherwise), so
   * a wrong name, a stopped instance or missing permissions fail here with a typed error.
   */
  async resolve(): Promise<LakebaseConnectionInfo> {
    if (!this.#resolved) {
      const pending = this.#lookUp();
      pending.catch(() => {
        this.#resolved = undefined;
      });
      this.#resolved = pending;
    }
    return this.#resolved;
  }

  /** Where the pool connects, once `resolve()` (or the first connection) has run. */
  get connectionInfo(): LakebaseConnectionInfo | undefined {
    return this.#info;
  }

  override connect(): Promise<pg.PoolClient>;
  override connect(callback: ConnectCallback): void;
  override connect(callback?: ConnectCallback): Promise<pg.PoolClient> | undefined {
    const pending = this.#connect();
    if (!callback) return pending;
    pending.then(
      (client) =>
        callback(undefined, client, (release?: unknown) => client.release(release as Error)),
      (error: Error) => callback(error, undefined, () => {}),
    );
    return undefined;
  }

  /** Closes every connection and the workspace client this pool created. Idempotent. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await Promise.all([super.end(), this.#workspace.close()]);
  }

  override end(): Promise<void>;
  override end(callback: () => void): void;
  override end(callback?: () => void): Promise<void> | undefined {
    const pending = this.close();
    if (!callback) return pending;
    pending.then(callback, callback);
    return undefined;
  }

  toJSON(): Record<string, unknown> {
    return { instanceName: this.instanceName, ...this.#info };
  }

  [inspectSymbol](): string {
    return `LakebasePool ${JSON.stringify(this.toJSON())}`;
  }

  async #lookUp(): Promise<LakebaseConnectionInfo> {
    const [target, user] = await Promise.all([this.#workspace.describe(), this.#workspace.user()]);
    if (!target.available) {
      throw new LakebaseInstanceNotAvailableError(this.instanceName, target.state);
    }
    if (!target.host) {
      throw new LakebaseError(
        `Lakebase "${this.instanceName}" has no read-write host to connect to.`,
        {
          instanceName: this.instanceName,
        },
      );
    }
    // New clients copy the pool's options: set where and as whom before the first one.
    const options = this.options as pg.PoolConfig;
    options.host = target.host;
    options.user = user;
    this.#info = {
      instanceName: this.instanceName,
      host: target.host,
      port: options.port ?? DEFAULT_PORT,
      database: options.database ?? DEFAULT_DATABASE,
      user,
    };
    return this.#info;
  }

  async #connect(): Promise<pg.PoolClient> {
    if (this.#closed) {
      throw new LakebaseError(`The pool of Lakebase "${this.instanceName}" is closed.`, {
        instanceName: this.instanceName,
      });
    }
    await this.resolve();
    if (this.idleCount === 0 && this.totalCount < (this.options.max ?? 10)) {
      // A new connection is coming: mint (or refresh) its credential while TCP and TLS are set
      // up, not after, when pg asks for the password; to a remote workspace that hides a round
      // trip. Once the workspace calls that resolved the instance have handed their HTTP
      // connection back (setImmediate), so the request reuses it instead of opening another.
      // A failure is the connection's to report (pg asks again and gets the error); the
      // single-flight cache makes pg's request wait for this one rather than mint twice.
      setImmediate(() => {
        if (!this.#closed) this.#workspace.password().catch(() => {});
      });
    }
    try {
      return await super.connect();
    } catch (error) {
      if (!isAuthenticationFailure(error)) throw await this.#explain(error);
      // The cached credential stopped working before the cache expected: mint one and retry once.
      this.#workspace.invalidatePassword();
      try {
        return await super.connect();
      } catch (second) {
        throw await this.#explain(second);
      }
    }
  }

  /** Says why a connection failed: the instance stopped, or the typed error for what pg said. */
  async #explain(error: unknown): Promise<unknown> {
    const typed = toLakebaseError(error, { ...this.#info, instanceName: this.instanceName });
    if (LakebaseConnectionError.isInstance(typed)) {
      const target = await this.#workspace.describe().catch(() => undefined);
      if (target && !target.available) {
        return new LakebaseInstanceNotAvailableError(this.instanceName, target.state, {
          cause: error,
        });
      }
    }
    return typed;
  }
}

/**
 * A `pg` Pool for a Lakebase instance, with the instance and the identity already looked up
 * (a wrong name, a stopped instance or a missing permission fail here).
 *
 * @example
 * ```ts
 * const pool = await lakebasePool({ instanceName: 'agent-memory' }); // workspace from env/profile
 * const { rows } = await pool.query('SELECT current_user');
 * await pool.close();
 * ```
 */
export async function lakebasePool(options: LakebasePoolOptions): Promise<LakebasePool> {
  const pool = new LakebasePool(options);
  try {
    await pool.resolve();
  } catch (error) {
    await pool.close();
    throw error;
  }
  return pool;
}
