/**
 * Adapter from a resolved DatabricksConfig to `@databricks/sql`'s `authType: 'custom'`. The driver
 * calls `authenticate()` before every Thrift request, so SQL and REST share one token cache and
 * one refresh schedule. `@databricks/sql` is not imported: core must not depend on it, and the
 * driver only needs the structural shapes below.
 */
import { Buffer } from 'node:buffer';
import { DatabricksConfigError } from './errors.js';
import type { DatabricksConfig } from './types.js';

/** Structural twin of `@databricks/sql`'s `IAuthentication`. */
export interface SqlDriverAuthProvider {
  authenticate(): Promise<Record<string, string>>;
}

/** The subset of `@databricks/sql` `ConnectionOptions` that core can fill in. */
export interface SqlConnectionOptions {
  /** Host name only, no scheme or port (the driver builds `https://host:port/path`). */
  host: string;
  port: number;
  path: string;
  authType: 'custom';
  provider: SqlDriverAuthProvider;
  customCaCert?: Buffer;
}

export function createSqlDriverAuthProvider(config: DatabricksConfig): SqlDriverAuthProvider {
  return {
    authenticate: () => config.getAuthHeaders(),
  };
}

export function toSqlConnectionOptions(
  config: DatabricksConfig,
  options: { httpPath?: string } = {},
): SqlConnectionOptions {
  const url = new URL(config.host);
  const port = url.port ? Number(url.port) : url.protocol === 'http:' ? 80 : 443;
  const result: SqlConnectionOptions = {
    host: url.hostname,
    port,
    path: sqlPath(config, options.httpPath),
    authType: 'custom',
    provider: createSqlDriverAuthProvider(config),
  };
  if (config.caCert) result.customCaCert = Buffer.from(config.caCert, 'utf8');
  return result;
}

function sqlPath(config: DatabricksConfig, httpPath: string | undefined): string {
  const explicit = httpPath?.trim();
  if (explicit) return explicit.startsWith('/') ? explicit : `/${explicit}`;
  const { warehouseId, clusterId } = config;
  if (warehouseId && clusterId) {
    throw new DatabricksConfigError(
      'Both a SQL warehouse and a cluster are configured, so the SQL endpoint is ambiguous: ' +
        'unset one of `warehouseId` / `clusterId` (DATABRICKS_WAREHOUSE_ID / DATABRICKS_CLUSTER_ID), ' +
        'or pass `httpPath`.',
      { option: 'warehouseId' },
    );
  }
  if (warehouseId) return `/sql/1.0/warehouses/${encodeURIComponent(warehouseId)}`;
  // Workspace id 0 is accepted by every workspace (the Python LangChain integration uses it too).
  if (clusterId) return `/sql/protocolv1/o/0/${encodeURIComponent(clusterId)}`;
  throw new DatabricksConfigError(
    'Need a SQL warehouse or cluster: pass `warehouseId`, set DATABRICKS_WAREHOUSE_ID, or add ' +
      '`warehouse_id` to your profile (or `clusterId` / DATABRICKS_CLUSTER_ID / `cluster_id` for ' +
      'an all-purpose cluster), or pass `httpPath`.',
    { option: 'warehouseId' },
  );
}
