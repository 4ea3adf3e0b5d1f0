// `@lakechain/databricks-sql/rest`: the package for runtimes that only have `fetch` (Vercel Edge,
// Cloudflare Workers, Deno, Bun). Statements go through the SQL Statement Execution API; nothing
// here imports a Node built-in or the `@databricks/sql` driver (the build swaps `node_runtime.ts`
// for `edge_runtime.ts` and `@lakechain/core` for `@lakechain/core/edge`, see tsup.config.ts).
// `DatabricksSqlDatabase.fromDatabricks()` defaults to `transport: 'rest'` here.
export { createDatabricksSqlQueryChain, type DatabricksSqlQueryChainFields } from './chains.js';
export type { ExecuteOptions, QueryColumn, QueryParams, StatementResult } from './connection.js';
export {
  DatabricksSqlError,
  type DatabricksSqlErrorKind,
  type DatabricksSqlErrorOptions,
  parseDatabricksMessage,
  SqlGuardError,
  toDatabricksSqlError,
} from './errors.js';
export { assertReadOnly, checkReadOnly, type GuardReason, type GuardResult } from './guard.js';
export type { DatabricksSqlDatabaseOptions } from './options.js';
export {
  createDatabricksSqlFewShotPrompt,
  DATABRICKS_SQL_FEW_SHOT_PROMPT,
  DATABRICKS_SQL_PROMPT,
  type DatabricksSqlExample,
  DEFAULT_DATABRICKS_SQL_EXAMPLES,
} from './prompts.js';
export { type DatabricksRow, DatabricksRowStream } from './row_stream.js';
export {
  type DatabricksQueryOptions,
  type DatabricksQueryResult,
  DatabricksSqlDatabase,
  type DatabricksStreamOptions,
  type SerializedDatabricksSqlDatabase,
} from './sql_database.js';
export {
  type ChunkReadOptions,
  type DecodedChunk,
  type ExecuteRequestOptions,
  type RequestOptions,
  StatementExecutionClient,
  type StatementExecutionClientOptions,
} from './statement_execution/client.js';
export type { StatementExecutionSettings } from './statement_execution/settings.js';
export type { DecodedValue } from './statement_execution/values.js';
export type {
  ChunkInfo,
  Disposition,
  ExecuteStatementRequest,
  ExternalLink,
  OnWaitTimeout,
  ResultColumnInfo,
  ResultData,
  ResultFormat,
  ResultManifest,
  ServiceError,
  StatementParameter,
  StatementResponse,
  StatementState,
  StatementStatus,
} from './statement_execution/wire.js';
export type { ColumnInfo, TableInfo } from './table_info.js';
export { type JsonValue, toJsonValue } from './values.js';
export { VERSION } from './version.js';
