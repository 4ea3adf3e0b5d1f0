/** Options and inspectable state of the emulated Lakebase (database instances and credentials). */

/** Lakebase instance states, as the Databricks API names them. */
export type LakebaseInstanceState =
  | 'STARTING'
  | 'AVAILABLE'
  | 'UPDATING'
  | 'UPGRADING'
  | 'FAILING_OVER'
  | 'STOPPED'
  | 'DELETING';

export type LakebaseCapacity = 'CU_1' | 'CU_2' | 'CU_4' | 'CU_8';

/**
 * A superuser connection to the PostgreSQL behind the instances: anything with `query(sql)`,
 * such as a `pg.Pool` or `pg.Client` (so this package does not depend on `pg`). Used to create
 * the workspace identity's role and grant it the database.
 */
export interface LakebasePostgresAdmin {
  query(sql: string): Promise<unknown>;
}

/** The real PostgreSQL every instance points at (see @lakechain/lakebase's postgres-server.mjs). */
export interface LakebasePostgresOptions {
  /** Host clients connect to: the instances' `read_write_dns`. Default `127.0.0.1`. */
  host?: string;
  /** Its port (instances report only a host name, as Lakebase does; clients pass the port). */
  port: number;
  /** Superuser connection for role management. */
  admin: LakebasePostgresAdmin;
  /**
   * The RADIUS endpoint pg_hba.conf sends logins to (`radius radiusservers=127.0.0.1
   * radiusports=<port> radiussecrets=<secret>`): the service listens there and accepts a
   * password that is an unexpired, unrevoked credential minted for that user.
   */
  radius: { port: number; secret: string };
  /** Database the role is granted (created by the server's setup). Default `databricks_postgres`. */
  database?: string;
}

export interface LakebaseInstanceDefinition {
  name: string;
  /** Default `AVAILABLE`. */
  state?: LakebaseInstanceState;
  capacity?: LakebaseCapacity;
  /**
   * Whether the workspace identity may use the instance. `false`: the credentials API answers
   * 403 PERMISSION_DENIED for it, as for a user without CAN_USE. Default true.
   */
  canUse?: boolean;
}

/** Lakebase autoscaling (`/api/2.0/postgres`): endpoint kinds and states. */
export type LakebaseEndpointType = 'ENDPOINT_TYPE_READ_WRITE' | 'ENDPOINT_TYPE_READ_ONLY';
export type LakebaseEndpointState = 'INIT' | 'ACTIVE' | 'IDLE' | 'DEGRADED';

/** An autoscaling project with its branches and their compute endpoints. */
export interface LakebaseProjectDefinition {
  id: string;
  displayName?: string;
  branches?: Array<{
    id: string;
    endpoints?: Array<{
      id: string;
      /** Default `ENDPOINT_TYPE_READ_WRITE`. */
      type?: LakebaseEndpointType;
      /** Default `ACTIVE`. */
      state?: LakebaseEndpointState;
    }>;
  }>;
}

export interface LakebaseOptions {
  /** The PostgreSQL behind the instances. Without it the instances API works; credentials fail. */
  postgres?: LakebasePostgresOptions;
  /** Instances that exist at start. */
  instances?: LakebaseInstanceDefinition[];
  /**
   * Autoscaling projects (`/api/2.0/postgres/projects/...`): their endpoints point at the same
   * PostgreSQL, and `POST /api/2.0/postgres/credentials` mints tokens for them.
   */
  projects?: LakebaseProjectDefinition[];
  /** Lifetime of minted credentials. Default 3600 s (Lakebase's one hour). */
  credentialLifetimeSeconds?: number;
  /** How long a created or restarted instance stays `STARTING`. Default 0 (available at once). */
  startingSeconds?: number;
  /** Clock for credential expiry and instance start-up, injectable in tests. */
  now?: () => number;
}

/** An instance as the API returns it. */
export interface LakebaseInstance {
  name: string;
  uid: string;
  state: LakebaseInstanceState;
  capacity: LakebaseCapacity;
  pg_version: string;
  read_write_dns: string;
  creator: string;
  creation_time: string;
  node_count: number;
  retention_window_in_days: number;
  stopped: boolean;
  effective_capacity: LakebaseCapacity;
  effective_stopped: boolean;
  effective_node_count: number;
  effective_retention_window_in_days: number;
}

/** One login PostgreSQL asked about, with the verdict (never the password). */
export interface LakebaseLoginRecord {
  userName: string;
  accepted: boolean;
  /**
   * Why it was refused: `unknown`, `expired`, `revoked`, `wrong-user`, `instance-not-available`,
   * `endpoint-not-available`.
   */
  reason?: string;
  at: number;
}

/** `ws.lakebase`: inspect and steer the emulated Lakebase from tests. */
export interface LocalLakebase {
  /** The Postgres role of the workspace identity (the SCIM `Me` userName). */
  readonly roleName: string;
  /** Instances by name (a snapshot of each, as the API would return it). */
  instance(name: string): LakebaseInstance | undefined;
  instanceNames(): string[];
  createInstance(definition: LakebaseInstanceDefinition): LakebaseInstance;
  /** Moves an instance to a state (`STOPPED`, `STARTING`, `AVAILABLE`...) at once. */
  setState(name: string, state: LakebaseInstanceState): void;
  /** Whether the workspace identity may mint credentials for an instance. */
  setCanUse(name: string, canUse: boolean): void;
  /** Moves an autoscaling endpoint (`projects/p/branches/b/endpoints/e`) to a state. */
  setEndpointState(name: string, state: LakebaseEndpointState): void;
  /** Changes the lifetime of credentials minted from now on. */
  setCredentialLifetime(seconds: number): void;
  /**
   * Revokes every credential minted so far (for one instance or autoscaling endpoint, or all):
   * PostgreSQL refuses them at the next login. Returns how many were revoked.
   */
  revokeCredentials(instanceName?: string): number;
  /** Credentials minted so far. */
  readonly credentialsIssued: number;
  /** Logins PostgreSQL asked about, oldest first (the last 1000). */
  readonly logins: readonly LakebaseLoginRecord[];
}
