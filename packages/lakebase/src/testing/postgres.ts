/**
 * Test support (not exported): the PostgreSQL of scripts/postgres-server.mjs. The shared server
 * comes from the global setup (`inject('postgres')`); tests that stop a server or need one
 * without pgvector start their own.
 */
export {
  type PostgresServer,
  startPostgresServer,
} from '../../scripts/postgres-server.mjs';

/** What the global setup shares with the test files (serialisable: no pool). */
export interface PostgresServerInfo {
  host: string;
  port: number;
  database: string;
  caCert: string;
  adminConnection: { host: string; port: number; user: string; database: string };
  radius: { port: number; secret: string };
}
