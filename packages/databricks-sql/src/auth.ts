/**
 * Driver connect options from lakechain config: `@lakechain/core` resolves the workspace and
 * credentials (options, environment, profile), and the driver authenticates every Thrift call
 * through `authType: 'custom'` with core's provider, so OAuth tokens refresh transparently.
 */
import type { ConnectionOptions } from '@databricks/sql/dist/contracts/IDBSQLClient';
import { resolveConfig, toSqlConnectionOptions } from '@lakechain/core';
import { coreOptionsOf, type DatabricksSqlDatabaseOptions, httpPathFor } from './options.js';

// Moved to options.ts (the REST transport needs it without the driver); kept importable here.
export { coreOptionsOf };

/** Driver options, and how to release what core opened to produce their tokens. */
export type ResolvedConnectOptions = ConnectionOptions & {
  /** Closes core's config (the connection pool its token requests use with `caCert`). */
  release(): Promise<void>;
};

/** Resolves host, path and auth for `DBSQLClient.connect`. */
export async function resolveConnectOptions(
  options: DatabricksSqlDatabaseOptions,
): Promise<ResolvedConnectOptions> {
  const config = await resolveConfig(coreOptionsOf(options));
  const base = toSqlConnectionOptions(config, { httpPath: httpPathFor(options) });
  return {
    ...base,
    // BIGINT as bigint and DECIMAL as exact strings (Arrow results): no silent precision loss.
    preserveBigNumericPrecision: true,
    telemetryEnabled: false,
    userAgentEntry: 'lakechain-databricks-sql',
    release: async () => config.close?.(),
  } as ResolvedConnectOptions;
}
