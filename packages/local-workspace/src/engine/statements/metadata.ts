/**
 * JDBC-shaped result sets for the metadata RPCs (GetCatalogs, GetSchemas, GetTables, GetColumns,
 * GetTableTypes, GetTypeInfo, GetFunctions, GetPrimaryKeys). Name arguments are JDBC patterns
 * (`%` any sequence, `_` one character, `\` escapes), matched case-insensitively.
 */

import { jdbcTypeCode, simpleColumn } from '../databricks_types.js';
import { sqlQuote } from '../dialect/sql_quoting.js';
import { databricksTypeFromString } from '../duckdb/duckdb_type_strings.js';
import { MaterializedResult } from '../duckdb/result.js';
import type { SessionContext } from '../session_context.js';
import type { EngineResult, EngineValue } from '../sql_engine.js';
import { HIDDEN_SCHEMAS } from './catalogs.js';

const S = (n: string) => simpleColumn(n, 'STRING');
const I = (n: string) => simpleColumn(n, 'INT');
const SI = (n: string) => simpleColumn(n, 'SMALLINT');
const TI = (n: string) => simpleColumn(n, 'TINYINT');
const B = (n: string) => simpleColumn(n, 'BOOLEAN');

/** JDBC LIKE pattern → RegExp; undefined/empty/`%`/`*` → match all. */
export function jdbcPattern(p: string | undefined): RegExp | undefined {
  if (p === undefined || p === null || p === '' || p === '%' || p === '*') return undefined;
  let re = '';
  for (let i = 0; i < p.length; i++) {
    const c = p[i] as string;
    if (c === '\\' && i + 1 < p.length) {
      re += (p[++i] as string).replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    } else if (c === '%' || c === '*') re += '.*';
    else if (c === '_') re += '.';
    else re += c.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  }
  return new RegExp(`^${re}$`, 'is');
}

const match = (re: RegExp | undefined, s: string) => !re || re.test(s);

export async function getCatalogs(s: SessionContext): Promise<EngineResult> {
  return new MaterializedResult(
    [S('TABLE_CAT')],
    s.catalogs.list().map((c) => [c]),
  );
}

async function schemaRows(
  s: SessionContext,
  catalogName?: string,
  schemaName?: string,
): Promise<Array<[string, string, string]>> {
  const catRe = jdbcPattern(catalogName);
  const schRe = jdbcPattern(schemaName);
  const rows = await s.query(
    'SELECT database_name, schema_name FROM duckdb_schemas() ORDER BY 1, 2',
  );
  const out: Array<[string, string, string]> = [];
  const seen = new Set<string>();
  for (const r of rows) {
    const internal = String(r[0]);
    const external = s.catalogs.externalName(internal);
    if (!s.catalogs.has(external) || s.catalogs.internalName(external) !== internal) continue;
    if (!match(catRe, external)) continue;
    const schema = String(r[1]);
    if (HIDDEN_SCHEMAS.has(schema)) continue;
    if (!match(schRe, schema)) continue;
    out.push([external, schema, internal]);
    seen.add(external);
  }
  for (const cat of s.catalogs.list()) {
    if (match(catRe, cat) && match(schRe, 'information_schema'))
      out.push([cat, 'information_schema', s.catalogs.internalName(cat) as string]);
  }
  out.sort((a, b) => (a[0] === b[0] ? a[1].localeCompare(b[1]) : a[0].localeCompare(b[0])));
  return out;
}

export async function getSchemas(
  s: SessionContext,
  f: { catalogName?: string; schemaName?: string },
): Promise<EngineResult> {
  const rows = await schemaRows(s, f.catalogName, f.schemaName);
  return new MaterializedResult(
    [S('TABLE_SCHEM'), S('TABLE_CATALOG')],
    rows.map(([c, sch]) => [sch, c]),
  );
}

interface TableRow {
  catalog: string;
  internal: string;
  schema: string;
  table: string;
  type: 'TABLE' | 'VIEW';
  comment: string | null;
}

async function tableRows(
  s: SessionContext,
  f: { catalogName?: string; schemaName?: string; tableName?: string; tableTypes?: string[] },
): Promise<TableRow[]> {
  const catRe = jdbcPattern(f.catalogName);
  const schRe = jdbcPattern(f.schemaName);
  const tblRe = jdbcPattern(f.tableName);
  const types =
    f.tableTypes && f.tableTypes.length > 0
      ? new Set(f.tableTypes.map((t) => t.toUpperCase()))
      : undefined;
  const rows = await s.query(
    `SELECT database_name, schema_name, table_name, 'TABLE', comment FROM duckdb_tables() WHERE NOT temporary
     UNION ALL SELECT database_name, schema_name, view_name, 'VIEW', comment FROM duckdb_views() WHERE NOT internal AND NOT temporary
     ORDER BY 1, 2, 3`,
  );
  const out: TableRow[] = [];
  for (const r of rows) {
    const internal = String(r[0]);
    const catalog = s.catalogs.externalName(internal);
    if (s.catalogs.internalName(catalog) !== internal) continue;
    const schema = String(r[1]);
    if (HIDDEN_SCHEMAS.has(schema)) continue;
    const table = String(r[2]);
    const type = r[3] as 'TABLE' | 'VIEW';
    if (!match(catRe, catalog) || !match(schRe, schema) || !match(tblRe, table)) continue;
    if (types && !types.has(type) && !(type === 'TABLE' && types.has('MANAGED'))) continue;
    out.push({ catalog, internal, schema, table, type, comment: (r[4] as string | null) ?? null });
  }
  out.sort(
    (a, b) =>
      a.catalog.localeCompare(b.catalog) ||
      a.schema.localeCompare(b.schema) ||
      a.table.localeCompare(b.table),
  );
  return out;
}

export async function getTables(
  s: SessionContext,
  f: { catalogName?: string; schemaName?: string; tableName?: string; tableTypes?: string[] },
): Promise<EngineResult> {
  const rows = await tableRows(s, f);
  const cols = [
    S('TABLE_CAT'),
    S('TABLE_SCHEM'),
    S('TABLE_NAME'),
    S('TABLE_TYPE'),
    S('REMARKS'),
    S('TYPE_CAT'),
    S('TYPE_SCHEM'),
    S('TYPE_NAME'),
    S('SELF_REFERENCING_COL_NAME'),
    S('REF_GENERATION'),
  ];
  return new MaterializedResult(
    cols,
    rows.map((t) => [
      t.catalog,
      t.schema,
      t.table,
      t.type,
      t.comment ?? '',
      null,
      null,
      null,
      null,
      null,
    ]),
  );
}

function columnSize(base: string, precision?: number): number | null {
  switch (base) {
    case 'BOOLEAN':
      return 1;
    case 'TINYINT':
      return 3;
    case 'SMALLINT':
      return 5;
    case 'INT':
      return 10;
    case 'BIGINT':
      return 19;
    case 'FLOAT':
      return 7;
    case 'DOUBLE':
      return 15;
    case 'DECIMAL':
      return precision ?? 10;
    case 'DATE':
      return 10;
    case 'TIMESTAMP':
      return 29;
    case 'STRING':
    case 'BINARY':
      return 2147483647;
    default:
      return null;
  }
}

function decimalDigits(base: string, scale?: number): number | null {
  switch (base) {
    case 'TINYINT':
    case 'SMALLINT':
    case 'INT':
    case 'BIGINT':
      return 0;
    case 'FLOAT':
      return 7;
    case 'DOUBLE':
      return 15;
    case 'DECIMAL':
      return scale ?? 0;
    case 'TIMESTAMP':
      return 6;
    default:
      return null;
  }
}

function radix(base: string): number | null {
  return ['TINYINT', 'SMALLINT', 'INT', 'BIGINT', 'FLOAT', 'DOUBLE', 'DECIMAL'].includes(base)
    ? 10
    : null;
}

export async function getColumns(
  s: SessionContext,
  f: { catalogName?: string; schemaName?: string; tableName?: string; columnName?: string },
): Promise<EngineResult> {
  const tables = await tableRows(s, f);
  const colRe = jdbcPattern(f.columnName);
  const cols = [
    S('TABLE_CAT'),
    S('TABLE_SCHEM'),
    S('TABLE_NAME'),
    S('COLUMN_NAME'),
    I('DATA_TYPE'),
    S('TYPE_NAME'),
    I('COLUMN_SIZE'),
    TI('BUFFER_LENGTH'),
    I('DECIMAL_DIGITS'),
    I('NUM_PREC_RADIX'),
    I('NULLABLE'),
    S('REMARKS'),
    S('COLUMN_DEF'),
    I('SQL_DATA_TYPE'),
    I('SQL_DATETIME_SUB'),
    I('CHAR_OCTET_LENGTH'),
    I('ORDINAL_POSITION'),
    S('IS_NULLABLE'),
    S('SCOPE_CATALOG'),
    S('SCOPE_SCHEMA'),
    S('SCOPE_TABLE'),
    SI('SOURCE_DATA_TYPE'),
    S('IS_AUTO_INCREMENT'),
  ];
  if (tables.length === 0) return new MaterializedResult(cols, []);
  const keys = new Set(tables.map((t) => `${t.internal}\u0000${t.schema}\u0000${t.table}`));
  const dbs = [...new Set(tables.map((t) => sqlQuote(t.internal)))].join(', ');
  const rows = await s.query(
    `SELECT database_name, schema_name, table_name, column_name, data_type, is_nullable, comment, column_default, column_index
     FROM duckdb_columns() WHERE database_name IN (${dbs}) AND NOT internal ORDER BY 1, 2, 3, column_index`,
  );
  const byInternal = new Map(tables.map((t) => [t.internal, t.catalog]));
  const out: EngineValue[][] = [];
  for (const r of rows) {
    const key = `${r[0]}\u0000${r[1]}\u0000${r[2]}`;
    if (!keys.has(key)) continue;
    const name = String(r[3]);
    if (!match(colRe, name)) continue;
    const t = databricksTypeFromString(String(r[4]));
    const nullable = !!r[5];
    out.push([
      byInternal.get(String(r[0])) ?? String(r[0]),
      String(r[1]),
      String(r[2]),
      name,
      jdbcTypeCode(t.base),
      t.name,
      columnSize(t.base, t.precision),
      null,
      decimalDigits(t.base, t.scale),
      radix(t.base),
      nullable ? 1 : 0,
      (r[6] as string | null) ?? '',
      (r[7] as string | null) ?? null,
      null,
      null,
      t.base === 'STRING' || t.base === 'BINARY' ? 2147483647 : null,
      Number(r[8]),
      nullable ? 'YES' : 'NO',
      null,
      null,
      null,
      null,
      'NO',
    ]);
  }
  out.sort(
    (a, b) =>
      String(a[0]).localeCompare(String(b[0])) ||
      String(a[1]).localeCompare(String(b[1])) ||
      String(a[2]).localeCompare(String(b[2])) ||
      (a[16] as number) - (b[16] as number),
  );
  return new MaterializedResult(cols, out);
}

export async function getTableTypes(): Promise<EngineResult> {
  return new MaterializedResult([S('TABLE_TYPE')], [['TABLE'], ['VIEW']]);
}

const TYPE_INFO: Array<
  [
    string,
    number,
    number | null,
    string | null,
    string | null,
    string | null,
    boolean,
    number,
    boolean,
    number | null,
    number | null,
    number | null,
  ]
> = [
  // name, jdbc, precision, prefix, suffix, create params, caseSensitive, searchable, unsigned, minScale, maxScale, radix
  ['VOID', 0, null, null, null, null, false, 3, false, null, null, null],
  ['BOOLEAN', 16, null, null, null, null, false, 3, false, null, null, null],
  ['TINYINT', -6, 3, null, null, null, false, 3, false, 0, 0, 10],
  ['SMALLINT', 5, 5, null, null, null, false, 3, false, 0, 0, 10],
  ['INT', 4, 10, null, null, null, false, 3, false, 0, 0, 10],
  ['BIGINT', -5, 19, null, null, null, false, 3, false, 0, 0, 10],
  ['FLOAT', 6, 7, null, null, null, false, 3, false, 0, 7, 10],
  ['DOUBLE', 8, 15, null, null, null, false, 3, false, 0, 15, 10],
  ['STRING', 12, null, "'", "'", null, true, 3, false, null, null, null],
  ['BINARY', -2, null, "X'", "'", null, false, 3, false, null, null, null],
  ['DECIMAL', 3, 38, null, null, 'PRECISION,SCALE', false, 3, false, 0, 38, 10],
  ['DATE', 91, null, "DATE '", "'", null, false, 3, false, null, null, null],
  ['TIMESTAMP', 93, null, "TIMESTAMP '", "'", null, false, 3, false, 6, 6, null],
  ['ARRAY', 2003, null, null, null, null, false, 0, false, null, null, null],
  ['MAP', 2000, null, null, null, null, false, 0, false, null, null, null],
  ['STRUCT', 2002, null, null, null, null, false, 0, false, null, null, null],
  ['INTERVAL', 1111, null, null, null, null, false, 0, false, null, null, null],
];

export async function getTypeInfo(): Promise<EngineResult> {
  const cols = [
    S('TYPE_NAME'),
    I('DATA_TYPE'),
    I('PRECISION'),
    S('LITERAL_PREFIX'),
    S('LITERAL_SUFFIX'),
    S('CREATE_PARAMS'),
    SI('NULLABLE'),
    B('CASE_SENSITIVE'),
    SI('SEARCHABLE'),
    B('UNSIGNED_ATTRIBUTE'),
    B('FIXED_PREC_SCALE'),
    B('AUTO_INCREMENT'),
    S('LOCAL_TYPE_NAME'),
    SI('MINIMUM_SCALE'),
    SI('MAXIMUM_SCALE'),
    I('SQL_DATA_TYPE'),
    I('SQL_DATETIME_SUB'),
    I('NUM_PREC_RADIX'),
  ];
  return new MaterializedResult(
    cols,
    TYPE_INFO.map(([name, code, prec, pre, suf, cp, cs, searchable, uns, minS, maxS, rad]) => [
      name,
      code,
      prec,
      pre,
      suf,
      cp,
      1,
      cs,
      searchable,
      uns,
      false,
      false,
      null,
      minS,
      maxS,
      null,
      null,
      rad,
    ]),
  );
}

export async function getFunctions(
  s: SessionContext,
  f: { catalogName?: string; schemaName?: string; functionName: string },
): Promise<EngineResult> {
  const re = jdbcPattern(f.functionName);
  const rows = await s.query(
    "SELECT function_name, first(function_type), first(description) FROM duckdb_functions() WHERE function_name NOT LIKE 'lc\\_%' ESCAPE '\\' GROUP BY 1 ORDER BY 1",
  );
  const cols = [
    S('FUNCTION_CAT'),
    S('FUNCTION_SCHEM'),
    S('FUNCTION_NAME'),
    S('REMARKS'),
    I('FUNCTION_TYPE'),
    S('SPECIFIC_NAME'),
  ];
  const out: EngineValue[][] = [];
  for (const r of rows) {
    const name = String(r[0]);
    if (name.startsWith('lc_') || !match(re, name)) continue;
    const kind = String(r[1]);
    out.push([
      null,
      null,
      name,
      (r[2] as string | null) ?? '',
      kind === 'table' || kind === 'table_macro' ? 2 : 1,
      name,
    ]);
  }
  return new MaterializedResult(cols, out);
}

export async function getPrimaryKeys(
  s: SessionContext,
  f: { catalogName?: string; schemaName: string; tableName: string },
): Promise<EngineResult> {
  const cols = [
    S('TABLE_CAT'),
    S('TABLE_SCHEM'),
    S('TABLE_NAME'),
    S('COLUMN_NAME'),
    I('KEY_SEQ'),
    S('PK_NAME'),
  ];
  const catalog = (f.catalogName ?? s.currentCatalog).toLowerCase();
  const internal = s.catalogs.internalName(catalog);
  if (!internal) return new MaterializedResult(cols, []);
  const rows = await s.query(
    `SELECT constraint_column_names, constraint_name, table_name, schema_name FROM duckdb_constraints()
     WHERE database_name = ${sqlQuote(internal)} AND lower(schema_name) = ${sqlQuote((f.schemaName ?? s.currentSchema).toLowerCase())}
       AND lower(table_name) = ${sqlQuote(f.tableName.toLowerCase())} AND constraint_type = 'PRIMARY KEY'`,
  );
  const out: EngineValue[][] = [];
  for (const r of rows) {
    const names = (r[0] as { items?: unknown[] } | unknown[]) ?? [];
    const items = Array.isArray(names) ? names : (names.items ?? []);
    items.forEach((n, i) => {
      out.push([
        catalog,
        String(r[3]),
        String(r[2]),
        String(n),
        i + 1,
        String(r[1] ?? `${r[2]}_pk`),
      ]);
    });
  }
  return new MaterializedResult(cols, out);
}
