/**
 * Emulation of Databricks statements DuckDB lacks or shapes differently: USE, SHOW CATALOGS /
 * SCHEMAS / TABLES / VIEWS / COLUMNS, DESCRIBE [TABLE|SCHEMA|CATALOG|QUERY], EXPLAIN, SET/RESET,
 * CREATE/DROP CATALOG, CREATE/DROP SCHEMA (catalog names mapped).
 */

import { databricksTypeFromString, simpleColumn } from './databricks_types.js';
import { catalogNotFound, classifyError, parseError, SqlError, tableNotFound } from './errors.js';
import type { Token } from './lexer.js';
import { MaterializedResult } from './result.js';
import type { SessionContext } from './session_context.js';
import type { EngineResult, EngineValue, StatementParameters } from './sql_engine.js';
import { identQuote, sqlQuote } from './sql_quoting.js';
import { translate } from './translate.js';

const S = (name: string) => simpleColumn(name, 'STRING');

/** Spark `LIKE 'a*|b*'` pattern of SHOW commands → RegExp. */
export function showPattern(p: string): RegExp {
  const alts = p.split('|').map((a) =>
    a
      .trim()
      .split('')
      .map((ch) => (ch === '*' ? '.*' : ch.replace(/[.+?^${}()[\]\\]/g, '\\$&')))
      .join(''),
  );
  return new RegExp(`^(?:${alts.join('|')})$`, 'i');
}

class Cursor {
  i = 0;
  constructor(readonly toks: Token[]) {}
  peek(k = 0): Token | undefined {
    return this.toks[this.i + k];
  }
  kw(...words: string[]): boolean {
    const t = this.peek();
    if (t && t.kind === 'ident' && words.includes(t.value.toUpperCase())) {
      this.i++;
      return true;
    }
    return false;
  }
  isKw(...words: string[]): boolean {
    const t = this.peek();
    return !!t && t.kind === 'ident' && words.includes(t.value.toUpperCase());
  }
  done(): boolean {
    const t = this.peek();
    return !t || (t.kind === 'op' && t.text === ';' && this.i === this.toks.length - 1);
  }
  /** A dotted name: parts. */
  name(): string[] | undefined {
    const t = this.peek();
    if (!t || (t.kind !== 'ident' && t.kind !== 'qident' && t.kind !== 'string')) return undefined;
    const parts = [t.value];
    this.i++;
    while (
      this.peek()?.text === '.' &&
      (this.peek(1)?.kind === 'ident' || this.peek(1)?.kind === 'qident')
    ) {
      parts.push((this.peek(1) as Token).value);
      this.i += 2;
    }
    return parts;
  }
  expectEnd(): void {
    if (this.peek()?.text === ';') this.i++;
    const t = this.peek();
    if (t) throw parseError(t.text);
  }
  likePattern(): RegExp | undefined {
    if (this.kw('LIKE')) {
      const t = this.peek();
      if (t?.kind !== 'string') throw parseError(t?.text ?? 'end of input');
      this.i++;
      return showPattern(t.value);
    }
    const t = this.peek();
    if (t?.kind === 'string') {
      this.i++;
      return showPattern(t.value);
    }
    return undefined;
  }
}

const empty = () => new MaterializedResult([], []);

/** Resolve `[cat.]schema` against the session. */
function schemaRef(s: SessionContext, parts: string[]): { catalog: string; schema: string } {
  if (parts.length === 1)
    return { catalog: s.currentCatalog, schema: (parts[0] as string).toLowerCase() };
  if (parts.length === 2)
    return {
      catalog: (parts[0] as string).toLowerCase(),
      schema: (parts[1] as string).toLowerCase(),
    };
  throw new SqlError(
    'REQUIRES_SINGLE_PART_NAMESPACE',
    '42K05',
    `Invalid namespace name: ${parts.join('.')}.`,
  );
}

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

async function showTables(s: SessionContext, c: Cursor, views: boolean): Promise<EngineResult> {
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

async function showSchemas(s: SessionContext, c: Cursor): Promise<EngineResult> {
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

async function showColumns(s: SessionContext, c: Cursor): Promise<EngineResult> {
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

async function explain(
  s: SessionContext,
  sql: string,
  c: Cursor,
  params: StatementParameters,
): Promise<EngineResult> {
  c.kw('EXTENDED', 'FORMATTED', 'CODEGEN', 'COST', 'LOGICAL');
  const start = c.peek()?.pos ?? sql.length;
  const inner = sql.slice(start);
  const tr = translate(inner, s.translateContext(params));
  let plan: string;
  try {
    const rows = await s.query(`EXPLAIN ${tr.sql}`);
    plan = rows.map((r) => String(r[1] ?? '')).join('\n');
  } catch (e) {
    throw classifyError(e, s.errorContext);
  }
  return new MaterializedResult([S('plan')], [[`== Physical Plan ==\n${plan}`]]);
}

/**
 * Run `sql` if it is one of the emulated statements; undefined means "not emulated, translate and
 * run it on DuckDB".
 */
export async function runEmulatedStatement(
  s: SessionContext,
  sql: string,
  toks: Token[],
  params: StatementParameters,
  _signal: AbortSignal,
): Promise<EngineResult | undefined> {
  const c = new Cursor(toks);
  const first = c.peek();
  if (first?.kind !== 'ident') return undefined;
  const kw = first.value.toUpperCase();
  switch (kw) {
    case 'USE': {
      c.i++;
      if (c.kw('CATALOG')) {
        const parts = c.name();
        if (parts?.length !== 1) throw parseError(c.peek()?.text ?? 'end of input');
        c.expectEnd();
        const cat = (parts[0] as string).toLowerCase();
        if (!s.catalogs.has(cat)) throw catalogNotFound(cat);
        // Databricks sets the schema to `default` (even when the catalog has none)
        s.setNamespace(cat, 'default');
        return empty();
      }
      const explicitSchema = c.kw('SCHEMA', 'DATABASE', 'NAMESPACE');
      const parts = c.name();
      if (!parts) throw parseError(c.peek()?.text ?? 'end of input');
      c.expectEnd();
      if (parts.length === 1 && !explicitSchema) {
        await s.use(s.currentCatalog, parts[0] as string);
      } else {
        const { catalog, schema } = schemaRef(s, parts);
        await s.use(catalog, schema);
      }
      return empty();
    }
    case 'SHOW': {
      c.i++;
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
    case 'DESCRIBE':
    case 'DESC': {
      c.i++;
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
    case 'EXPLAIN': {
      c.i++;
      return explain(s, sql, c, params);
    }
    case 'SET': {
      c.i++;
      // SET CATALOG c / SET SCHEMA s (Databricks) behave like USE
      const nx = c.peek(1);
      if (c.isKw('CATALOG', 'SCHEMA', 'DATABASE') && nx && nx.text !== '=' && nx.text !== '.') {
        return runEmulatedStatement(
          s,
          sql,
          [{ ...first, text: 'USE', value: 'USE' }, ...toks.slice(1)],
          params,
          _signal,
        );
      }
      if (c.done()) {
        return new MaterializedResult(
          [S('key'), S('value')],
          Object.entries(s.configuration).map(([k, v]) => [k, v]),
        );
      }
      if (c.isKw('TIME') && c.peek(1)?.value.toUpperCase() === 'ZONE') return empty();
      // SET key = value (key may contain dots); everything after '=' is the value
      const eq = toks.findIndex((t) => t.text === '=');
      const keyToks = toks.slice(1, eq < 0 ? toks.length : eq);
      const key = keyToks.map((t) => t.value).join('');
      if (eq < 0) {
        return new MaterializedResult(
          [S('key'), S('value')],
          [[key, s.configuration[key] ?? '<undefined>']],
        );
      }
      const valTok = toks[eq + 1];
      const value = valTok
        ? sql
            .slice(valTok.pos)
            .replace(/;\s*$/, '')
            .trim()
            .replace(/^'(.*)'$/, '$1')
        : '';
      s.configuration[key] = value;
      return new MaterializedResult([S('key'), S('value')], [[key, value]]);
    }
    case 'RESET':
      return empty();
    case 'CREATE':
    case 'DROP': {
      c.i++;
      const isCatalog = c.kw('CATALOG');
      const isSchema = !isCatalog && c.kw('SCHEMA', 'DATABASE', 'NAMESPACE');
      if (!isCatalog && !isSchema) return undefined;
      let ifExists = false;
      let ifNotExists = false;
      if (kw === 'CREATE' && c.isKw('IF')) {
        c.i++;
        c.kw('NOT');
        c.kw('EXISTS');
        ifNotExists = true;
      } else if (kw === 'DROP' && c.isKw('IF')) {
        c.i++;
        c.kw('EXISTS');
        ifExists = true;
      }
      const parts = c.name();
      if (!parts) throw parseError(c.peek()?.text ?? 'end of input');
      let comment: string | undefined;
      let cascade = false;
      while (!c.done()) {
        if (c.kw('COMMENT')) {
          const t = c.peek();
          if (t?.kind === 'string') comment = t.value;
          c.i++;
        } else if (c.kw('CASCADE')) cascade = true;
        else c.i++; // MANAGED LOCATION, WITH DBPROPERTIES, RESTRICT ... ignored
      }
      if (isCatalog) {
        const cat = (parts[0] as string).toLowerCase();
        if (kw === 'CREATE') {
          if (s.catalogs.has(cat)) {
            if (ifNotExists) return empty();
            throw new SqlError(
              'CATALOG_ALREADY_EXISTS',
              '42P04',
              `Cannot create catalog \`${cat}\` because it already exists.`,
            );
          }
          await s.createCatalog(cat, comment);
        } else {
          if (!s.catalogs.has(cat)) {
            if (ifExists) return empty();
            throw catalogNotFound(cat);
          }
          if (cat === s.currentCatalog) await s.use(s.defaultCatalog, s.defaultSchema);
          await s.dropCatalog(cat);
        }
        return empty();
      }
      const { catalog, schema } = schemaRef(s, parts);
      const internal = s.catalogs.internalName(catalog);
      if (!internal) throw catalogNotFound(catalog);
      const fq = `${identQuote(internal)}.${identQuote(schema)}`;
      const stmt =
        kw === 'CREATE'
          ? `CREATE SCHEMA ${ifNotExists ? 'IF NOT EXISTS ' : ''}${fq}`
          : `DROP SCHEMA ${ifExists ? 'IF EXISTS ' : ''}${fq}${cascade ? ' CASCADE' : ''}`;
      try {
        await s.runCatalogDdl(stmt);
      } catch (e) {
        const err = classifyError(e, s.errorContext);
        if (kw === 'DROP' && /dependent|depend/i.test(err.message)) {
          throw new SqlError(
            'SCHEMA_NOT_EMPTY',
            '2BP01',
            `Cannot drop a schema \`${schema}\` because it contains objects.`,
          );
        }
        throw err;
      }
      if (kw === 'DROP' && catalog === s.currentCatalog && schema === s.currentSchema)
        s.setNamespace(s.currentCatalog, 'default');
      return empty();
    }
    default:
      return undefined;
  }
}
