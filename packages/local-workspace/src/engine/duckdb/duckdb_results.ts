/**
 * A DuckDB result as the `EngineResult` Databricks would answer for the same statement: DML
 * answers `num_affected_rows` (and `num_inserted_rows`), DDL answers no columns (after the column
 * and table comments a CREATE TABLE carried are applied), and queries stream with Spark's column
 * names and the comments of the columns they pass through.
 */
import { type DuckDBConnection, type DuckDBResult, StatementType } from '@duckdb/node-api';
import { columnMetadata, simpleColumn } from '../databricks_types.js';
import type { DdlComments } from '../dialect/create_table.js';
import { identQuote, sqlQuote } from '../dialect/sql_quoting.js';
import { classifyError, type ErrorContext } from '../errors.js';
import type { EngineResult } from '../sql_engine.js';
import {
  resultComments,
  type SourceColumns,
  type TableColumnComment,
} from '../statements/column_comments.js';
import { MaterializedResult, StreamingResult } from './result.js';

export interface DuckDbResultSource {
  result: DuckDBResult;
  /** The connection the statement ran on (DDL comments are applied on it). */
  connection: DuckDBConnection;
  /** Marks the connection idle; called once, when the result no longer needs it. */
  release: () => void;
  /** Interrupts the running query. */
  interrupt: () => void;
  signal: AbortSignal;
  /** Error context with the statement as the user wrote it. */
  errorContext: ErrorContext;
  /** COMMENT clauses a CREATE TABLE carried (see create_table.ts). */
  ddlComments: DdlComments | undefined;
  /** The single source table of a query and its columns' comments, when recognised. */
  source: SourceColumns | undefined;
  tableColumns: TableColumnComment[] | undefined;
}

/** DuckDB's names for some expressions → Spark's. */
function sparkColumnName(name: string): string {
  if (name === 'count_star()') return 'count(1)';
  const lit = /^'((?:[^']|'')*)'$/.exec(name);
  if (lit) return (lit[1] as string).replace(/''/g, "'");
  return name;
}

const DML_STATEMENTS = new Set<StatementType>([
  StatementType.INSERT,
  StatementType.UPDATE,
  StatementType.DELETE,
  StatementType.MERGE_INTO,
]);

/** Statements whose result is rows (everything else is answered with no columns). */
const ROW_STATEMENTS = new Set<StatementType>([
  StatementType.SELECT,
  StatementType.EXPLAIN,
  StatementType.CALL,
  StatementType.PRAGMA,
  StatementType.RELATION,
]);

/** `num_affected_rows` (and `num_inserted_rows` for INSERT), like Databricks. */
async function dmlResult(source: DuckDbResultSource): Promise<EngineResult> {
  const { result, release } = source;
  const st = result.statementType;
  let count = 0;
  try {
    const chunk = await result.fetchChunk();
    const v = chunk && chunk.rowCount > 0 ? chunk.getRows()[0]?.[0] : 0;
    count = Number(v ?? 0);
  } catch (e) {
    release();
    throw classifyError(e, source.errorContext);
  }
  release();
  const cols = [simpleColumn('num_affected_rows', 'BIGINT')];
  const row: bigint[] = [BigInt(count)];
  if (st === StatementType.INSERT) {
    cols.push(simpleColumn('num_inserted_rows', 'BIGINT'));
    row.push(BigInt(count));
  }
  return new MaterializedResult(cols, [row], count);
}

/** DDL and the like: drained, then an empty result without columns. */
async function emptyResult(source: DuckDbResultSource): Promise<EngineResult> {
  const { result, release, connection } = source;
  try {
    while (await result.fetchChunk().then((c) => c && c.rowCount > 0)) {
      /* drain */
    }
    const ddl = source.ddlComments;
    if (ddl && result.statementType === StatementType.CREATE) {
      if (ddl.tableComment !== undefined) {
        await connection.run(`COMMENT ON TABLE ${ddl.table} IS ${sqlQuote(ddl.tableComment)}`);
      }
      for (const [col, comment] of ddl.columns) {
        await connection.run(
          `COMMENT ON COLUMN ${ddl.table}.${identQuote(col)} IS ${sqlQuote(comment)}`,
        );
      }
    }
  } catch (e) {
    release();
    throw classifyError(e, source.errorContext);
  }
  release();
  return new MaterializedResult([], []);
}

/** Rows, streamed chunk by chunk; the connection is released when the result is done. */
function streamedResult(source: DuckDbResultSource): EngineResult {
  const { result, tableColumns } = source;
  const types = result.columnTypes();
  const names = result.deduplicatedColumnNames?.() ?? result.columnNames();
  const columns = types.map((t, i) => columnMetadata(sparkColumnName(names[i] as string), t));
  if (source.source && tableColumns?.some((c) => c.comment)) {
    resultComments(
      source.source,
      tableColumns,
      columns.map((c) => c.name),
    ).forEach((comment, i) => {
      const column = columns[i];
      if (column && comment) column.comment = comment;
    });
  }
  return new StreamingResult({
    result,
    columns,
    types,
    signal: source.signal,
    errorContext: source.errorContext,
    onDone: source.release,
    interrupt: source.interrupt,
  });
}

/** The `EngineResult` of a statement DuckDB has started. */
export function engineResultOf(source: DuckDbResultSource): Promise<EngineResult> {
  const st = source.result.statementType;
  if (DML_STATEMENTS.has(st)) return dmlResult(source);
  if (!ROW_STATEMENTS.has(st)) return emptyResult(source);
  return Promise.resolve(streamedResult(source));
}
