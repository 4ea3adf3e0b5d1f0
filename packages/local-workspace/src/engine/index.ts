/**
 * The DuckDB-backed SQL engine of the local warehouse (see sql_engine.ts for the contract and
 * dialect/DIALECT.md for the Spark SQL translation).
 */

import { DuckDbEngine } from './duckdb/duckdb_engine.js';
import type { SqlEngine, SqlEngineOptions } from './sql_engine.js';

export async function createDuckDbEngine(options: SqlEngineOptions = {}): Promise<SqlEngine> {
  return DuckDbEngine.create(options);
}

export { databricksType } from './databricks_types.js';
export { javaToStrftime } from './dialect/date_format.js';
export { tokenize } from './dialect/lexer.js';
export { type TranslateContext, type Translation, translate } from './dialect/translate.js';
export { DuckDbEngine } from './duckdb/duckdb_engine.js';
export { DuckDbSession } from './duckdb/duckdb_session.js';
export { databricksTypeFromString } from './duckdb/duckdb_type_strings.js';
export { toEngineValue } from './duckdb/engine_values.js';
export { MaterializedResult } from './duckdb/result.js';
export { CANCELED_ERROR_CLASS, classifyError } from './errors.js';
