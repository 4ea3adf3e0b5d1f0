// Public API of @lakechain/databricks-sql: an explicit list, nothing re-exported wholesale.
export { createDatabricksSqlQueryChain, type DatabricksSqlQueryChainFields } from './chains.js';
export type {
  ExecuteOptions,
  QueryColumn,
  QueryParams,
  SqlClientLike,
  SqlOperationLike,
  SqlSessionLike,
  StatementResult,
} from './connection.js';
export {
  DatabricksSqlError,
  type DatabricksSqlErrorKind,
  type DatabricksSqlErrorOptions,
  parseDatabricksMessage,
  SqlGuardError,
  toDatabricksSqlError,
} from './errors.js';
export {
  BUILTIN_SAFE_FUNCTIONS,
  FUNCTION_CATEGORIES,
  type FunctionCategory,
  type FunctionCategoryInfo,
  type FunctionsMode,
  type GuardOptions,
} from './function_policy.js';
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
// The SQL Statement Execution API client (the `'rest'` transport; also `./rest` for edge runtimes).
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
// Unity Catalog functions as LangChain tools, and helpers to create them.
export {
  createPythonFunction,
  createSqlFunction,
  type FunctionColumnSpec,
  type FunctionParameterSpec,
  type PythonFunctionSpec,
  pythonFunctionStatement,
  type SqlFunctionSpec,
  sqlFunctionStatement,
} from './uc_functions/create_function.js';
export {
  UCFunctionError,
  type UCFunctionErrorOptions,
  type UCFunctionErrorReason,
} from './uc_functions/errors.js';
export type { UCFunctionDefinition, UCFunctionParameter } from './uc_functions/function_call.js';
export { createPythonExecTool, PYTHON_EXEC_FUNCTION_INFO } from './uc_functions/python_exec.js';
export {
  UCFunctionTool,
  type UCFunctionToolLoadOptions,
  type UCFunctionToolOptions,
} from './uc_functions/tool.js';
export { MAX_TOOL_NAME_LENGTH, toolNameOf } from './uc_functions/tool_name.js';
export { UCFunctionToolkit, type UCFunctionToolkitOptions } from './uc_functions/toolkit.js';
export {
  parseTypeText,
  typeFromJson,
  type UCPrimitiveName,
  type UCStructField,
  type UCType,
} from './uc_functions/uc_types.js';
export type {
  FunctionInfo,
  FunctionParameterInfo,
  ListFunctionsResponse,
} from './uc_functions/wire.js';
export { type JsonValue, toJsonValue } from './values.js';
export { VERSION } from './version.js';
