/**
 * The DuckDB-backed SQL engine of the local warehouse (see sql_engine.ts for the contract and
 * DIALECT.md for the Spark SQL translation).
 */

import { DuckDbEngine } from './duckdb_engine.js';
import type { SqlEngine, SqlEngineOptions } from './sql_engine.js';

export async function createDuckDbEngine(options: SqlEngineOptions = {}): Promise<SqlEngine> {
  return DuckDbEngine.create(options);
}

export { databricksType } from './databricks_types.js';
export { javaToStrftime } from './date_format.js';
export { DuckDbEngine } from './duckdb_engine.js';
export { DuckDbSession } from './duckdb_session.js';
export { databricksTypeFromString } from './duckdb_type_strings.js';
export { toEngineValue } from './engine_values.js';
export { CANCELED_ERROR_CLASS, classifyError } from './errors.js';
export { tokenize } from './lexer.js';
export { MaterializedResult } from './result.js';
export { type TranslateContext, type Translation, translate } from './translate.js';
