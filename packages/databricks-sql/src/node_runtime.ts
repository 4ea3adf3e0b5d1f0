/**
 * What `DatabricksSqlDatabase` needs from Node: the Thrift transport (`@databricks/sql`) and
 * `@lakechain/core`'s full config resolution (profiles, the CLI, browser login). The edge entry is
 * built with `edge_runtime.ts` in place of this module (see tsup.config.ts), so nothing here
 * reaches `@lakechain/databricks-sql/rest`.
 */
import { resolveConfig } from '@lakechain/core';
import { resolveConnectOptions } from './auth.js';
import { SqlConnection } from './connection.js';
import type { ResolvedSqlOptions } from './options.js';
import type { ResolvedTarget, StatementConnection } from './statement_connection.js';

/** The transport of `DatabricksSqlDatabase` when the options name none. */
export const DEFAULT_TRANSPORT: 'thrift' | 'rest' = 'thrift';

/** Resolves the workspace for the REST transport: options, environment, profile, runtime. */
export const resolveWorkspaceConfig = resolveConfig;

/** One driver client and session (see `connection.ts`). */
export function createThriftConnection(
  settings: ResolvedSqlOptions,
  onResolved: ResolvedTarget,
): StatementConnection {
  const options = settings.connection;
  return new SqlConnection({
    connectOptions: async () => {
      const resolved = await resolveConnectOptions(options);
      onResolved({ host: resolved.host, httpPath: resolved.path });
      return resolved;
    },
    client: options.client,
    session: options.session,
    catalog: settings.catalog,
    schema: settings.schema,
    sessionConfiguration: options.sessionConfiguration,
    statementRetries: options.statementRetries,
  });
}
