/**
 * The text LangChain puts in front of the model for each table: `CREATE TABLE` DDL with
 * Databricks types and comments, then a `/* N rows from <table> table: ... *\/` block, and the
 * single batched query that fetches those sample rows for every table at once.
 */
import { toSampleCell, truncateString } from './values.js';

export interface ColumnInfo {
  name: string;
  /** Full Databricks type: `BIGINT`, `DECIMAL(15,2)`, `ARRAY<STRING>`, ... */
  type: string;
  nullable: boolean;
  comment?: string;
}

export interface TableInfo {
  catalog: string;
  schema: string;
  name: string;
  columns: ColumnInfo[];
  comment?: string;
  /** `MANAGED`, `EXTERNAL`, `VIEW`, ... when known. */
  tableType?: string;
  /** Primary key columns, in key order, when the catalog declares one. */
  primaryKey?: string[];
  /** Foreign keys whose referenced table is known. */
  foreignKeys?: Array<{ columns: string[]; refTable: string; refColumns: string[] }>;
}

/** Sample rows of one table, each value already rendered as text. */
export interface TableSample {
  columns: string[];
  rows: string[][];
}

/** Quotes an identifier with backticks (doubling any backtick inside). */
export function quoteIdentifier(name: string): string {
  return `\`${name.replace(/`/g, '``')}\``;
}

/** `` `catalog`.`schema`.`table` `` */
export function qualifiedName(table: Pick<TableInfo, 'catalog' | 'schema' | 'name'>): string {
  return [table.catalog, table.schema, table.name].map(quoteIdentifier).join('.');
}

/** A Databricks SQL string literal (single quotes; backslash and quote escaped). */
export function stringLiteral(value: string): string {
  return `'${value.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
}

/** Comments can be long; keep the DDL readable. */
const MAX_COMMENT_LENGTH = 500;

/** `CREATE TABLE` DDL with Databricks types, NOT NULL and comments. */
export function formatCreateTable(table: TableInfo): string {
  const lines = table.columns.map((c) => {
    let line = `  ${quoteIdentifier(c.name)} ${c.type}`;
    if (!c.nullable) line += ' NOT NULL';
    if (c.comment)
      line += ` COMMENT ${stringLiteral(truncateString(c.comment, MAX_COMMENT_LENGTH))}`;
    return line;
  });
  const ids = (names: string[]) => names.map(quoteIdentifier).join(', ');
  if (table.primaryKey?.length) lines.push(`  PRIMARY KEY (${ids(table.primaryKey)})`);
  for (const fk of table.foreignKeys ?? []) {
    lines.push(
      `  FOREIGN KEY (${ids(fk.columns)}) REFERENCES ${fk.refTable} (${ids(fk.refColumns)})`,
    );
  }
  const kind = table.tableType && /VIEW/i.test(table.tableType) ? 'VIEW' : 'TABLE';
  let ddl = `CREATE ${kind} ${qualifiedName(table)} (\n${lines.join(',\n')}\n)`;
  if (table.comment)
    ddl += `\nCOMMENT ${stringLiteral(truncateString(table.comment, MAX_COMMENT_LENGTH))}`;
  return ddl;
}

/** The `/* N rows from t table: ... *\/` block (tab-separated, like LangChain Python). */
export function formatSampleBlock(table: TableInfo, sample: TableSample): string {
  const header = sample.columns.join('\t');
  const body = sample.rows.map((r) => r.join('\t'));
  return `/*\n${sample.rows.length} rows from ${table.name} table:\n${[header, ...body].join('\n')}\n*/`;
}

export interface TableInfoTextOptions {
  customDescription?: string;
  sample?: TableSample;
}

/** One table's full block: optional description, DDL, optional sample rows. */
export function formatTableInfo(table: TableInfo, options: TableInfoTextOptions = {}): string {
  const parts: string[] = [];
  if (options.customDescription) parts.push(options.customDescription.trim());
  parts.push(formatCreateTable(table));
  if (options.sample) parts.push(formatSampleBlock(table, options.sample));
  return parts.join('\n\n');
}

/** At most this many columns per table appear in sample rows (the DDL always lists all). */
export const MAX_SAMPLE_COLUMNS = 100;
const TAG = '__lc_t';
const cellAlias = (i: number) => `__lc_${i}`;

function sampleExpression(column: ColumnInfo, maxStringLength: number): string {
  const id = quoteIdentifier(column.name);
  const asText = /^BINARY/i.test(column.type) ? `hex(${id})` : `CAST(${id} AS STRING)`;
  // Cut long values on the warehouse already: one extra character tells us it was cut.
  return maxStringLength > 0 ? `substr(${asText}, 1, ${Math.floor(maxStringLength) + 1})` : asText;
}

/**
 * One statement returning up to `limit` rows of every table, each value cast to STRING and
 * tagged with the table's index: a UNION ALL of `SELECT ... LIMIT <literal>` subqueries, padded
 * with NULLs to the same width. `limit` is an integer literal, never a bound parameter (Databricks
 * rejects `LIMIT :param` in some versions; LangChain Python's bug #11068).
 */
export function buildSampleQuery(
  tables: TableInfo[],
  limit: number,
  maxStringLength: number,
): string | undefined {
  const n = Math.floor(limit);
  if (!Number.isSafeInteger(n) || n <= 0 || tables.length === 0) return undefined;
  const width = Math.max(1, ...tables.map((t) => Math.min(t.columns.length, MAX_SAMPLE_COLUMNS)));
  const parts = tables.map((table, index) => {
    const cells: string[] = [`${index} AS ${TAG}`];
    for (let i = 0; i < width; i++) {
      const column = i < MAX_SAMPLE_COLUMNS ? table.columns[i] : undefined;
      const expr = column ? sampleExpression(column, maxStringLength) : 'CAST(NULL AS STRING)';
      cells.push(`${expr} AS ${cellAlias(i)}`);
    }
    return `SELECT * FROM (SELECT ${cells.join(', ')} FROM ${qualifiedName(table)} LIMIT ${n}) AS __lc_s${index}`;
  });
  return parts.join('\nUNION ALL\n');
}

/** Splits the batched result back into per-table samples (by the tag column). */
export function splitSampleRows(
  tables: TableInfo[],
  rows: Array<Record<string, unknown>>,
  maxStringLength: number,
): Map<string, TableSample> {
  const out = new Map<string, TableSample>();
  for (const table of tables) {
    out.set(table.name, {
      columns: table.columns.slice(0, MAX_SAMPLE_COLUMNS).map((c) => c.name),
      rows: [],
    });
  }
  for (const row of rows) {
    const index = Number(row[TAG]);
    const table = tables[index];
    if (!table) continue;
    const sample = out.get(table.name)!;
    sample.rows.push(
      sample.columns.map((_, i) => toSampleCell(row[cellAlias(i)], maxStringLength)),
    );
  }
  return out;
}

/** The sample query for one table (the fallback when the batched query fails). */
export function buildSingleSampleQuery(
  table: TableInfo,
  limit: number,
  maxStringLength: number,
): string | undefined {
  return buildSampleQuery([table], limit, maxStringLength);
}
