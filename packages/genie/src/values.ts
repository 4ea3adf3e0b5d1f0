/**
 * Query results as JSON the caller and the model can use without loss. Genie's query results are
 * Statement Execution `JSON_ARRAY` chunks, where every non-null value is a string; each is turned
 * into the JSON type of its column, never into a lossy one: BIGINT beyond 2^53 and DECIMAL stay
 * exact strings (as `@lakechain/databricks-sql` returns them), DATE and TIMESTAMP stay ISO-like
 * text, ARRAY / MAP / STRUCT become arrays and objects.
 */
import type { StatementColumn, StatementResponse } from './types.js';

export type JsonValue =
  | null
  | boolean
  | number
  | string
  | JsonValue[]
  | { [key: string]: JsonValue };

/** A result column: its name and Databricks type. */
export interface GenieColumn {
  name: string;
  /** `LONG`, `DECIMAL`, `STRING`, ... (the manifest's `type_name`). */
  typeName: string;
  /** The SQL type, e.g. `DECIMAL(10,2)` (the manifest's `type_text`). */
  typeText: string;
}

export interface GenieRows {
  columns: GenieColumn[];
  /** Rows as objects keyed by column name, at most `maxRows`. */
  rows: Record<string, JsonValue>[];
  /** Rows in the result (Genie's count, which may exceed the rows sent). */
  rowCount: number;
  /** True when Genie truncated the result or more than `maxRows` rows were returned. */
  truncated: boolean;
}

const INTEGER_TYPES = new Set(['BYTE', 'SHORT', 'INT', 'INTEGER', 'TINYINT', 'SMALLINT']);
const FLOAT_TYPES = new Set(['FLOAT', 'DOUBLE', 'REAL']);
const NESTED_TYPES = new Set(['ARRAY', 'MAP', 'STRUCT']);

function baseType(column: StatementColumn): string {
  const name = (column.type_name ?? column.type_text ?? 'STRING').toUpperCase();
  return name.replace(/[<(].*$/, '').trim();
}

/** Converts one `JSON_ARRAY` cell to the JSON value of its column's type. */
export function cellValue(value: string | null | undefined, column: StatementColumn): JsonValue {
  if (value === null || value === undefined) return null;
  const type = baseType(column);
  if (INTEGER_TYPES.has(type)) {
    const number = Number(value);
    return Number.isSafeInteger(number) ? number : value;
  }
  if (type === 'LONG' || type === 'BIGINT') {
    // Exact when it fits in a double, else the decimal string: never a rounded number.
    const number = Number(value);
    return /^-?\d+$/.test(value) && Number.isSafeInteger(number) ? number : value;
  }
  if (FLOAT_TYPES.has(type)) {
    const number = Number(value);
    return Number.isFinite(number) ? number : value;
  }
  if (type === 'BOOLEAN') return value === 'true' ? true : value === 'false' ? false : value;
  if (NESTED_TYPES.has(type)) {
    try {
      return JSON.parse(value) as JsonValue;
    } catch {
      return value;
    }
  }
  // DECIMAL (exact), DATE, TIMESTAMP, STRING, CHAR, INTERVAL, BINARY: the text as sent.
  return value;
}

/** The columns and at most `maxRows` typed rows of a statement response. */
export function rowsOf(response: StatementResponse | undefined, maxRows: number): GenieRows {
  const manifest = response?.manifest;
  const columns = [...(manifest?.schema?.columns ?? [])].sort(
    (left, right) => (left.position ?? 0) - (right.position ?? 0),
  );
  const data = response?.result?.data_array ?? [];
  const rows = data.slice(0, maxRows).map((values) => {
    const row: Record<string, JsonValue> = {};
    columns.forEach((column, index) => {
      row[column.name] = cellValue(values[index], column);
    });
    return row;
  });
  const rowCount = manifest?.total_row_count ?? response?.result?.row_count ?? data.length;
  return {
    columns: columns.map((column) => ({
      name: column.name,
      typeName: column.type_name ?? baseType(column),
      typeText: column.type_text ?? column.type_name ?? 'STRING',
    })),
    rows,
    rowCount,
    truncated: manifest?.truncated === true || data.length > maxRows || rowCount > data.length,
  };
}

function cellText(value: JsonValue): string {
  if (value === null) return 'NULL';
  const text = typeof value === 'string' ? value : JSON.stringify(value);
  return text.replace(/\|/g, '\\|').replace(/\r?\n/g, ' ');
}

/** A Markdown table of the rows (what the model reads), with a note when rows were left out. */
export function markdownTable(result: GenieRows): string {
  if (result.columns.length === 0) return '';
  if (result.rows.length === 0) return 'The query returned no rows.';
  const names = result.columns.map((column) => column.name);
  const lines = [
    `| ${names.map((name) => cellText(name)).join(' | ')} |`,
    `| ${names.map(() => '---').join(' | ')} |`,
    ...result.rows.map(
      (row) => `| ${names.map((name) => cellText(row[name] ?? null)).join(' | ')} |`,
    ),
  ];
  if (result.truncated)
    lines.push(
      `(${result.rows.length} of ${result.rowCount} rows shown${result.rowCount > result.rows.length ? '' : '; the result was truncated'})`,
    );
  return lines.join('\n');
}
