// Types of scripts/postgres-server.mjs, for the TypeScript tests, examples and benchmarks.
import type pg from 'pg';

export declare const POSTGRES_VERSION: string;
export declare const PGVECTOR_VERSION: string;
export declare const PGVECTOR_WHEEL: { name: string; version: string };
export declare const DEFAULT_DATABASE: string;

export interface PostgresServer {
  host: string;
  port: number;
  database: string;
  /** PEM of the server certificate's CA (the certificate itself). */
  caCert: string;
  /** Superuser pool on `databricks_postgres` over the Unix socket. */
  admin: pg.Pool;
  adminConnection: { host: string; port: number; user: string; database: string };
  /** Where PostgreSQL checks passwords: the local workspace's Lakebase service listens there. */
  radius: { port: number; secret: string };
  /** The `lakebase.postgres` option of `startLocalWorkspace()` for this server. */
  lakebase: {
    host: string;
    port: number;
    admin: pg.Pool;
    radius: { port: number; secret: string };
    database: string;
  };
  postgresVersion: string;
  pgvectorVersion?: string;
  dataDir: string;
  log(): string;
  pid(): number | undefined;
  running(): boolean;
  /** Stops the server (fast shutdown, or the given signal), keeping its data for `restart()`. */
  shutdown(signal?: NodeJS.Signals): Promise<void>;
  restart(): Promise<void>;
  stop(): Promise<void>;
}

export declare function ensurePostgresInstalled(options?: { pgvector?: boolean }): Promise<string>;

export declare function startPostgresServer(options?: {
  port?: number;
  pgvector?: boolean;
  /** Keep the cluster in this directory across starts (created on the first). */
  dataDir?: string;
  timeoutMs?: number;
}): Promise<PostgresServer>;

export declare class PostgresServerSetupError extends Error {
  readonly fix?: string;
}
