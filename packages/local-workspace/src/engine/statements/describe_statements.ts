/**
 * `DESCRIBE TABLE [EXTENDED]`, `DESCRIBE CATALOG`, `DESCRIBE SCHEMA` and `DESCRIBE QUERY`, in
 * Databricks' shapes (`col_name`/`data_type`/`comment`, `info_name`/`info_value`), and the table
 * name resolution SHOW COLUMNS shares.
 */
import { simpleColumn } from '../databricks_types.js';
import { sqlQuote } from '../dialect/sql_quoting.js';
import { databricksTypeFromString } from '../duckdb/duckdb_type_strings.js';
import { MaterializedResult } from '../duckdb/result.js';
import { catalogNotFound, parseError, SqlError, tableNotFound } from '../errors.js';
import type { SessionContext } from '../session_context.js';
import type { EngineResult, EngineValue, StatementParameters } from '../sql_engine.js';
import { type StatementCursor, schemaRef } from './statement_parsing.js';

const S = (name: string) => simpleColumn(name, 'STRING');

export interface ResolvedTable {
  catalog: string;
  internal: string;
  schema: string;
  table: string;
  kind: 'MANAGED' | 'VIEW';
  comment: string | null;
}

/** Resolve a 1-3 part table name, or throw TABLE_OR_VIEW_NOT_FOUND. */
export async function resolveTable(s: SessionContext, parts: string[]): Promise<ResolvedTable> {
  const lower = parts.map((p) => p.toLowerCase());
  let catalog = s.currentCatalog;
  let schema = s.currentSchema;
  let table: string;
  if (lower.length === 3) [catalog, schema, table] = lower as [string, string, string];
  else if (lower.length === 2) [schema, table] = lower as [string, string];
  else table = lower[0] as string;
  const internal = s.catalogs.internalName(catalog);
  if (!internal) throw tableNotFound(parts.join('.'));
  const rows = await s.query(
    `SELECT 'MANAGED', comment FROM duckdb_tables() WHERE database_name = ${sqlQuote(internal)} AND schema_name = ${sqlQuote(schema)} AND table_name = ${sqlQuote(table)}
     UNION ALL SELECT 'VIEW', comment FROM duckdb_views() WHERE database_name = ${sqlQuote(internal)} AND schema_name = ${sqlQuote(schema)} AND view_name = ${sqlQuote(table)} AND NOT internal`,
  );
  const r = rows[0];
  if (!r && lower.length === 1) {
    // a temporary view of this session
    const temp = await s.query(
      `SELECT 'VIEW', comment FROM duckdb_views() WHERE temporary AND view_name = ${sqlQuote(table)}
       UNION ALL SELECT 'MANAGED', comment FROM duckdb_tables() WHERE temporary AND table_name = ${sqlQuote(table)}`,
    );
    const tr = temp[0];
    if (tr) {
      const kind = tr[0] as 'MANAGED' | 'VIEW';
      return {
        catalog: '',
        internal: 'temp',
        schema: 'main',
        table,
        kind,
        comment: (tr[1] as string | null) ?? null,
      };
    }
  }
  if (!r) throw tableNotFound(parts.join('.'));
  return {
    catalog,
    internal,
    schema,
    table,
    kind: r[0] as 'MANAGED' | 'VIEW',
    comment: (r[1] as string | null) ?? null,
  };
}

async function describeTable(
  s: SessionContext,
  parts: string[],
  extended: boolean,
  column?: string,
): Promise<EngineResult> {
  const t = await resolveTable(s, parts);
  const cols = await s.query(
    `SELECT column_name, data_type, comment, is_nullable FROM duckdb_columns()
     WHERE database_name = ${sqlQuote(t.internal)} AND schema_name = ${sqlQuote(t.schema)} AND table_name = ${sqlQuote(t.table)}
     ORDER BY column_index`,
  );
  const columns = [S('col_name'), S('data_type'), S('comment')];
  if (column) {
    const c = cols.find((r) => String(r[0]).toLowerCase() === column.toLowerCase());
    if (!c) {
      throw new SqlError(
        'UNRESOLVED_COLUMN.WITH_SUGGESTION',
        '42703',
        `A column, variable, or function parameter with name \`${column}\` cannot be resolved.`,
      );
    }
    return new MaterializedResult(
      [S('info_name'), S('info_value')],
      [
        ['col_name', String(c[0])],
        ['data_type', databricksTypeFromString(String(c[1])).name.toLowerCase()],
        ['comment', (c[2] as string | null) ?? 'NULL'],
      ],
    );
  }
  const rows: EngineValue[][] = cols.map((r) => [
    String(r[0]),
    databricksTypeFromString(String(r[1])).name.toLowerCase(),
    (r[2] as string | null) ?? null,
  ]);
  if (extended) {
    rows.push(['', '', ''], ['# Detailed Table Information', '', '']);
    const info: Array<[string, string]> = [
      ['Catalog', t.catalog],
      ['Database', t.schema],
      ['Table', t.table],
      ['Created Time', 'Mon Jan 01 00:00:00 UTC 2024'],
      ['Last Access', 'UNKNOWN'],
      ['Created By', 'Spark 3.5.0'],
      ['Type', t.kind],
    ];
    if (t.comment) info.push(['Comment', t.comment]);
    if (t.kind === 'MANAGED') {
      info.push(
        ['Location', `file:/local-workspace/${t.catalog}/${t.schema}/${t.table}`],
        ['Provider', 'delta'],
        ['Owner', 'local-user@localhost'],
        ['Is_managed_location', 'true'],
        ['Table Properties', '[delta.minReaderVersion=1,delta.minWriterVersion=2]'],
      );
    } else {
      const v = await s.query(
        `SELECT sql FROM duckdb_views() WHERE database_name = ${sqlQuote(t.internal)} AND schema_name = ${sqlQuote(t.schema)} AND view_name = ${sqlQuote(t.table)}`,
      );
      info.push(['View Text', String(v[0]?.[0] ?? '')], ['Owner', 'local-user@localhost']);
    }
    for (const [k, v] of info) rows.push([k, v, '']);
  }
  return new MaterializedResult(columns, rows);
}

/** `DESCRIBE [TABLE|CATALOG|SCHEMA|DATABASE|QUERY] ...`; the cursor is past DESCRIBE. */
export async function runDescribe(
  s: SessionContext,
  sql: string,
  c: StatementCursor,
  params: StatementParameters,
): Promise<EngineResult> {
  if (c.isKw('CATALOG') && c.peek(1) && c.peek(1)?.text !== '.') {
    c.i++;
    c.kw('EXTENDED');
    const parts = c.name();
    c.expectEnd();
    const cat = (parts?.[0] ?? '').toLowerCase();
    if (!s.catalogs.has(cat)) throw catalogNotFound(cat);
    return new MaterializedResult(
      [S('info_name'), S('info_value')],
      [
        ['Catalog Name', cat],
        ['Comment', ''],
        ['Owner', 'local-user@localhost'],
        ['Catalog Type', 'Regular'],
      ],
    );
  }
  if (c.isKw('SCHEMA', 'DATABASE') && c.peek(1) && c.peek(1)?.text !== '.') {
    c.i++;
    c.kw('EXTENDED');
    const parts = c.name();
    if (!parts) throw parseError(c.peek()?.text ?? 'end of input');
    c.expectEnd();
    const { catalog, schema } = schemaRef(s, parts);
    await s.checkNamespace(catalog, schema);
    return new MaterializedResult(
      [S('info_name'), S('info_value')],
      [
        ['Catalog Name', catalog],
        ['Namespace Name', schema],
        ['Comment', ''],
        ['Owner', 'local-user@localhost'],
      ],
    );
  }
  if (c.isKw('QUERY', 'SELECT', 'WITH', 'VALUES')) {
    c.kw('QUERY');
    const start = c.peek()?.pos ?? sql.length;
    const r = await s.executeTranslated(
      `SELECT * FROM (${sql.slice(start).replace(/;\s*$/, '')}) LIMIT 0`,
      params,
      new AbortController().signal,
    );
    await r.close();
    return new MaterializedResult(
      [S('col_name'), S('data_type'), S('comment')],
      r.columns.map((col) => [col.name, col.type.toLowerCase(), null]),
    );
  }
  c.kw('TABLE');
  const extended = c.kw('EXTENDED', 'FORMATTED');
  const parts = c.name();
  if (!parts) throw parseError(c.peek()?.text ?? 'end of input');
  const colParts = c.done() ? undefined : c.name();
  c.expectEnd();
  return describeTable(s, parts, extended, colParts?.join('.'));
}
