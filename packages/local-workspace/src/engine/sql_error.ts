/**
 * The engine's one error type, in a module of its own: the dialect layer, the function catalog and
 * the DuckDB session all throw it, and none of them should have to import the seam (`sql_engine.ts`,
 * which re-exports it) to do so.
 */

/** An error as Databricks SQL reports it: `[ERROR_CLASS] message SQLSTATE: xxxxx`. */
export class SqlError extends Error {
  constructor(
    /** e.g. `TABLE_OR_VIEW_NOT_FOUND`, `PARSE_SYNTAX_ERROR`, `UNBOUND_SQL_PARAMETER`. */
    readonly errorClass: string,
    /** Five-character SQLSTATE, e.g. `42P01`. */
    readonly sqlState: string,
    detail: string,
  ) {
    super(`[${errorClass}] ${detail} SQLSTATE: ${sqlState}`);
    this.name = 'SqlError';
  }
}
