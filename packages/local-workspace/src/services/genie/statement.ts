/**
 * Runs a query on the workspace's SQL engine and shapes its result as the Statement Execution API
 * does with `format: JSON_ARRAY` (what Genie's `query-result` endpoints return inside
 * `statement_response`): a manifest with the schema (`type_name` / `type_text`), and
 * `data_array` rows in which every non-null value is a string.
 */
import type { ColumnMetadata, EngineValue, SqlEngine } from '../../engine/sql_engine.js';

export interface StatementColumnJson {
  name: string;
  position: number;
  type_name: string;
  type_text: string;
  type_precision?: number;
  type_scale?: number;
}

export interface StatementResultJson {
  statement_id: string;
  status: { state: 'SUCCEEDED' | 'FAILED'; error?: { error_code: string; message: string } };
  manifest?: {
    format: 'JSON_ARRAY';
    schema: { column_count: number; columns: StatementColumnJson[] };
    total_chunk_count: number;
    chunks: { chunk_index: number; row_offset: number; row_count: number }[];
    total_row_count: number;
    truncated: boolean;
  };
  result?: {
    chunk_index: number;
    row_offset: number;
    row_count: number;
    data_array: (string | null)[][];
  };
}

/** Databricks type → the Statement Execution API's `type_name`. */
const TYPE_NAMES: Record<string, string> = {
  BIGINT: 'LONG',
  LONG: 'LONG',
  INT: 'INT',
  INTEGER: 'INT',
  SMALLINT: 'SHORT',
  SHORT: 'SHORT',
  TINYINT: 'BYTE',
  BYTE: 'BYTE',
  DOUBLE: 'DOUBLE',
  FLOAT: 'FLOAT',
  REAL: 'FLOAT',
  DECIMAL: 'DECIMAL',
  STRING: 'STRING',
  VARCHAR: 'STRING',
  CHAR: 'CHAR',
  BOOLEAN: 'BOOLEAN',
  DATE: 'DATE',
  TIMESTAMP: 'TIMESTAMP',
  TIMESTAMP_NTZ: 'TIMESTAMP',
  BINARY: 'BINARY',
  ARRAY: 'ARRAY',
  MAP: 'MAP',
  STRUCT: 'STRUCT',
  INTERVAL: 'INTERVAL',
  VOID: 'NULL',
};

export function statementColumns(columns: readonly ColumnMetadata[]): StatementColumnJson[] {
  return columns.map((column, position) => ({
    name: column.name,
    position,
    type_name: TYPE_NAMES[column.baseType.toUpperCase()] ?? 'STRING',
    type_text: column.type,
    ...(column.precision !== undefined ? { type_precision: column.precision } : {}),
    ...(column.scale !== undefined ? { type_scale: column.scale } : {}),
  }));
}

/** JSON text of a nested value (bigint leaves as exact numbers, bytes as base64). */
function nestedJson(value: EngineValue): string {
  if (value === null) return 'null';
  if (typeof value === 'bigint') return value.toString();
  if (value instanceof Uint8Array) return JSON.stringify(Buffer.from(value).toString('base64'));
  if (Array.isArray(value)) return `[${value.map(nestedJson).join(',')}]`;
  if (typeof value === 'object')
    return `{${Object.entries(value)
      .map(([key, inner]) => `${JSON.stringify(key)}:${nestedJson(inner)}`)
      .join(',')}}`;
  return JSON.stringify(value);
}

/** One cell as `JSON_ARRAY` sends it: a string, or null. */
export function cellText(value: EngineValue): string | null {
  if (value === null) return null;
  if (typeof value === 'string') return value;
  if (typeof value === 'boolean' || typeof value === 'number' || typeof value === 'bigint')
    return String(value);
  if (value instanceof Uint8Array) return Buffer.from(value).toString('base64');
  return nestedJson(value);
}

/**
 * Runs `sql` in a fresh engine session and keeps at most `maxRows` rows. Engine errors are
 * thrown (the caller decides what a failure means); the session is always closed.
 */
export async function runStatement(
  engine: SqlEngine,
  sql: string,
  options: { statementId: string; maxRows: number; signal: AbortSignal },
): Promise<StatementResultJson> {
  const session = await engine.openSession({});
  try {
    const result = await session.execute(sql, {}, options.signal);
    try {
      const rows: (string | null)[][] = [];
      let truncated = false;
      while (rows.length <= options.maxRows) {
        const page = await result.fetch(Math.min(10_000, options.maxRows + 1 - rows.length));
        if (page.length === 0) break;
        for (const values of page) rows.push(values.map(cellText));
      }
      if (rows.length > options.maxRows) {
        truncated = true;
        rows.length = options.maxRows;
      }
      const columns = statementColumns(result.columns);
      return {
        statement_id: options.statementId,
        status: { state: 'SUCCEEDED' },
        manifest: {
          format: 'JSON_ARRAY',
          schema: { column_count: columns.length, columns },
          total_chunk_count: 1,
          chunks: [{ chunk_index: 0, row_offset: 0, row_count: rows.length }],
          total_row_count: rows.length,
          truncated,
        },
        result: { chunk_index: 0, row_offset: 0, row_count: rows.length, data_array: rows },
      };
    } finally {
      await result.close();
    }
  } finally {
    await session.close();
  }
}
