/**
 * Terminal rendering: highlighted SQL, result tables, numbers. Colour only when the stream is a
 * terminal (picocolors honours NO_COLOR / FORCE_COLOR).
 */

import type { QueryColumn } from '@lakechain/databricks-sql';
import Table from 'cli-table3';
import pc from 'picocolors';
import { highlight } from 'sql-highlight';

/** SQL with ANSI colours (keywords, functions, strings, numbers), or as is without colour. */
export function highlightSql(sql: string, color = pc.isColorSupported): string {
  return color ? highlight(sql) : sql;
}

function cell(value: unknown, maxWidth: number): string {
  let text: string;
  if (value === null || value === undefined) text = 'NULL';
  else if (value instanceof Date) text = value.toISOString().replace('T00:00:00.000Z', '');
  else if (Buffer.isBuffer(value)) text = value.toString('hex');
  else if (typeof value === 'object')
    text = JSON.stringify(value, (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : v));
  else if (typeof value === 'number' && !Number.isInteger(value))
    text = String(Math.round(value * 1e4) / 1e4);
  else text = String(value);
  return text.length > maxWidth ? `${text.slice(0, maxWidth - 1)}…` : text;
}

const NUMERIC = /^(TINYINT|SMALLINT|INT|INTEGER|BIGINT|FLOAT|DOUBLE|DECIMAL|REAL|NUMERIC)/i;

/** Rows as an aligned table (numbers right-aligned); at most `limit` rows, with a note on the rest. */
export function renderTable(
  columns: QueryColumn[],
  rows: Array<Record<string, unknown>>,
  options: { limit?: number; truncated?: boolean; color?: boolean } = {},
): string {
  const limit = options.limit ?? 20;
  const color = options.color ?? pc.isColorSupported;
  if (columns.length === 0) return '(no columns)';
  const table = new Table({
    head: columns.map((column) => column.name),
    style: { head: color ? ['cyan'] : [], border: color ? ['grey'] : [] },
    colAligns: columns.map((column) => (NUMERIC.test(column.type) ? 'right' : 'left')),
  });
  for (const row of rows.slice(0, limit)) {
    table.push(columns.map((column) => cell(row[column.name], 40)));
  }
  const lines = [rows.length === 0 ? '(no rows)' : table.toString()];
  if (rows.length > limit || options.truncated) {
    const note =
      `${options.truncated ? 'More than' : ''} ${rows.length} rows${rows.length > limit ? `, first ${limit} shown` : ''}`.trim();
    lines.push(color ? pc.dim(note) : note);
  }
  return lines.join('\n');
}

export function formatMs(ms: number): string {
  return ms >= 1000 ? `${(ms / 1000).toFixed(1)} s` : `${Math.round(ms)} ms`;
}
