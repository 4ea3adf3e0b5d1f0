/**
 * `SHOW CATALOGS`, `SHOW SCHEMAS|DATABASES`, `SHOW TABLES`, `SHOW VIEWS`, `SHOW COLUMNS` and
 * `SHOW CURRENT SCHEMA`, with Spark's column names.
 */
import { simpleColumn } from '../databricks_types.js';
import { sqlQuote } from '../dialect/sql_quoting.js';
import { MaterializedResult } from '../duckdb/result.js';
import { catalogNotFound, parseError } from '../errors.js';
import type { SessionContext } from '../session_context.js';
import type { EngineResult, EngineValue } from '../sql_engine.js';
import { resolveTable } from './describe_statements.js';
import { type StatementCursor, schemaRef } from './statement_parsing.js';

const S = (name: string) => simpleColumn(name, 'STRING');

async function showTables(
  s: SessionContext,
  c: StatementCursor,
  views: boolean,
): Promise<EngineResult> {
  let catalog = s.currentCatalog;
  let schema = s.currentSchema;
  if (c.kw('IN', 'FROM')) {
    const parts = c.name();
    if (!parts) throw parseError(c.peek()?.text ?? 'end of input');
    ({ catalog, schema } = schemaRef(s, parts));
  }
  const pattern = c.likePattern();
  c.expectEnd();
  await s.checkNamespace(catalog, schema);
  const internal = s.catalogs.internalName(catalog) as string;
  const rows = await s.query(
    views
      ? `SELECT view_name, temporary FROM duckdb_views() WHERE ((database_name = ${sqlQuote(internal)} AND schema_name = ${sqlQuote(schema)}) OR temporary) AND NOT internal ORDER BY 1`
      : `SELECT table_name, temporary FROM duckdb_tables() WHERE database_name = ${sqlQuote(internal)} AND schema_name = ${sqlQuote(schema)}
         UNION ALL SELECT view_name, temporary FROM duckdb_views() WHERE ((database_name = ${sqlQuote(internal)} AND schema_name = ${sqlQuote(schema)}) OR temporary) AND NOT internal
         ORDER BY 1`,
  );
  const out: EngineValue[][] = rows
    .filter((r) => !pattern || pattern.test(String(r[0])))
    .map((r) =>
      views
        ? [r[1] ? '' : schema, String(r[0]), !!r[1], false]
        : [r[1] ? '' : schema, String(r[0]), !!r[1]],
    );
  const cols = views
    ? [
        S('namespace'),
        S('viewName'),
        simpleColumn('isTemporary', 'BOOLEAN'),
        simpleColumn('isMaterialized', 'BOOLEAN'),
      ]
    : [S('database'), S('tableName'), simpleColumn('isTemporary', 'BOOLEAN')];
  return new MaterializedResult(cols, out);
}

async function showSchemas(s: SessionContext, c: StatementCursor): Promise<EngineResult> {
  let catalog = s.currentCatalog;
  if (c.kw('IN', 'FROM')) {
    const parts = c.name();
    if (parts?.length !== 1) throw parseError(c.peek()?.text ?? 'end of input');
    catalog = (parts[0] as string).toLowerCase();
  }
  const pattern = c.likePattern();
  c.expectEnd();
  const internal = s.catalogs.internalName(catalog);
  if (!internal) throw catalogNotFound(catalog);
  const rows = await s.query(
    `SELECT schema_name FROM duckdb_schemas() WHERE database_name = ${sqlQuote(internal)} AND schema_name NOT IN ('main', 'pg_catalog', 'information_schema') ORDER BY 1`,
  );
  const names = [...rows.map((r) => String(r[0])), 'information_schema'].sort();
  return new MaterializedResult(
    [S('databaseName')],
    names.filter((n) => !pattern || pattern.test(n)).map((n) => [n]),
  );
}

async function showColumns(s: SessionContext, c: StatementCursor): Promise<EngineResult> {
  if (!c.kw('IN', 'FROM')) throw parseError(c.peek()?.text ?? 'end of input');
  let parts = c.name();
  if (!parts) throw parseError(c.peek()?.text ?? 'end of input');
  if (c.kw('IN', 'FROM')) {
    const ns = c.name();
    if (ns) parts = [...ns, ...parts];
  }
  c.expectEnd();
  const t = await resolveTable(s, parts);
  const rows = await s.query(
    `SELECT column_name FROM duckdb_columns() WHERE database_name = ${sqlQuote(t.internal)} AND schema_name = ${sqlQuote(t.schema)} AND table_name = ${sqlQuote(t.table)} ORDER BY column_index`,
  );
  return new MaterializedResult(
    [S('col_name')],
    rows.map((r) => [String(r[0])]),
  );
}

/** `SHOW CATALOGS|SCHEMAS|TABLES|VIEWS|COLUMNS|CURRENT SCHEMA`; the cursor is past SHOW. */
export async function runShow(
  s: SessionContext,
  c: StatementCursor,
): Promise<EngineResult | undefined> {
  if (c.kw('CATALOGS')) {
    const pattern = c.likePattern();
    c.expectEnd();
    return new MaterializedResult(
      [S('catalog')],
      s.catalogs
        .list()
        .filter((n) => !pattern || pattern.test(n))
        .map((n) => [n]),
    );
  }
  if (c.kw('SCHEMAS', 'DATABASES', 'NAMESPACES')) return showSchemas(s, c);
  if (c.kw('TABLES')) return showTables(s, c, false);
  if (c.kw('VIEWS')) return showTables(s, c, true);
  if (c.kw('COLUMNS')) return showColumns(s, c);
  if (c.isKw('CURRENT') && c.peek(1)?.value.toUpperCase() === 'SCHEMA') {
    c.i += 2;
    c.expectEnd();
    return new MaterializedResult(
      [S('catalog'), S('namespace')],
      [[s.currentCatalog, s.currentSchema]],
    );
  }
  return undefined;
}
