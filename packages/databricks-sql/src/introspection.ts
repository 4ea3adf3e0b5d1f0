/**
 * Schema discovery: every table and column of one schema, with table and column comments,
 * nullability and primary/foreign keys, from ONE query against Unity Catalog's
 * `information_schema` (a UNION ALL of tagged rows, cheaper than joins on every engine we tried).
 * Falls back to fewer views, then to the driver's GetColumns metadata call (e.g. for
 * `hive_metastore`). Lazy, cached with a TTL, refreshed on demand; concurrent callers share one
 * load.
 */
import { quoteIdentifier, stringLiteral, type TableInfo } from './table_info.js';

export type IntrospectionStrategy =
  | 'information_schema+keys'
  | 'information_schema+tables'
  | 'information_schema'
  | 'get_columns';

export interface IntrospectionSource {
  /** Runs a (trusted, internal) SQL statement and returns every row. */
  query(sql: string): Promise<Array<Record<string, unknown>>>;
  /** The driver's GetColumns metadata RPC for a whole schema. */
  getColumns(catalog: string, schema: string): Promise<Array<Record<string, unknown>>>;
}

const NULL_STRING = 'CAST(NULL AS STRING)';
const NULL_INT = 'CAST(NULL AS INT)';

/**
 * The single information_schema statement for all tables and columns of `catalog.schema`.
 * Every row has the same layout and a `row_kind`: `column`, `table` (comment, type) or `key`
 * (one column of a PRIMARY KEY / FOREIGN KEY constraint, with the referenced column for FKs).
 */
export function buildIntrospectionQuery(
  catalog: string,
  schema: string,
  level: 'keys' | 'tables' | 'columns' = 'keys',
): string {
  const is = `${quoteIdentifier(catalog)}.information_schema`;
  const sch = stringLiteral(schema.toLowerCase());
  const branches = [
    [
      "SELECT 'column' AS row_kind, table_name, column_name, full_data_type, data_type, is_nullable,",
      '  comment AS column_comment, CAST(ordinal_position AS INT) AS ordinal_position,',
      `  ${NULL_STRING} AS table_comment, ${NULL_STRING} AS table_type, ${NULL_STRING} AS constraint_name,`,
      `  ${NULL_STRING} AS constraint_type, ${NULL_STRING} AS ref_catalog, ${NULL_STRING} AS ref_schema,`,
      `  ${NULL_STRING} AS ref_table, ${NULL_STRING} AS ref_column`,
      `FROM ${is}.columns`,
      `WHERE table_schema = ${sch}`,
    ].join('\n'),
  ];
  if (level !== 'columns') {
    branches.push(
      [
        `SELECT 'table', table_name, ${NULL_STRING}, ${NULL_STRING}, ${NULL_STRING}, ${NULL_STRING},`,
        `  ${NULL_STRING}, ${NULL_INT}, comment, table_type, ${NULL_STRING}, ${NULL_STRING}, ${NULL_STRING},`,
        `  ${NULL_STRING}, ${NULL_STRING}, ${NULL_STRING}`,
        `FROM ${is}.tables`,
        `WHERE table_schema = ${sch}`,
      ].join('\n'),
    );
  }
  if (level === 'keys') {
    branches.push(
      [
        `SELECT 'key', k.table_name, k.column_name, ${NULL_STRING}, ${NULL_STRING}, ${NULL_STRING},`,
        `  ${NULL_STRING}, CAST(k.ordinal_position AS INT), ${NULL_STRING}, ${NULL_STRING}, k.constraint_name,`,
        '  tc.constraint_type, r.table_catalog, r.table_schema, r.table_name, r.column_name',
        `FROM ${is}.key_column_usage AS k`,
        `JOIN ${is}.table_constraints AS tc`,
        '  ON tc.constraint_schema = k.constraint_schema AND tc.constraint_name = k.constraint_name',
        `LEFT JOIN ${is}.referential_constraints AS rc`,
        '  ON rc.constraint_schema = k.constraint_schema AND rc.constraint_name = k.constraint_name',
        `LEFT JOIN ${is}.key_column_usage AS r`,
        '  ON r.constraint_schema = rc.unique_constraint_schema',
        '  AND r.constraint_name = rc.unique_constraint_name',
        '  AND r.ordinal_position = k.position_in_unique_constraint',
        `WHERE k.table_schema = ${sch} AND tc.constraint_type IN ('PRIMARY KEY', 'FOREIGN KEY')`,
      ].join('\n'),
    );
  }
  return branches.join('\nUNION ALL\n');
}

function field(row: Record<string, unknown>, ...names: string[]): unknown {
  for (const name of names) {
    if (name in row) return row[name];
    const upper = name.toUpperCase();
    if (upper in row) return row[upper];
  }
  return undefined;
}

const text = (v: unknown): string | undefined =>
  v === null || v === undefined || v === '' ? undefined : String(v);

function isNullable(v: unknown): boolean {
  if (typeof v === 'boolean') return v;
  if (typeof v === 'number' || typeof v === 'bigint') return Number(v) !== 0; // JDBC NULLABLE: 0 = no
  const s = String(v ?? 'YES').toUpperCase();
  return !(s === 'NO' || s === 'FALSE' || s === 'N');
}

/** Groups information_schema (or GetColumns) rows into tables, sorted by name and position. */
export function rowsToTables(
  rows: Array<Record<string, unknown>>,
  catalog: string,
  schema: string,
): TableInfo[] {
  const byName = new Map<string, { table: TableInfo; positions: number[] }>();
  const tableRows = new Map<string, Record<string, unknown>>();
  const keyRows: Array<Record<string, unknown>> = [];
  for (const row of rows) {
    const tableName = text(field(row, 'table_name'));
    const columnName = text(field(row, 'column_name'));
    const kind = text(field(row, 'row_kind')) ?? (columnName ? 'column' : 'table');
    if (!tableName) continue;
    if (kind === 'table') {
      tableRows.set(tableName, row); // comment and type
      continue;
    }
    if (kind === 'key') {
      keyRows.push(row);
      continue;
    }
    if (!columnName) continue;
    let entry = byName.get(tableName);
    if (!entry) {
      entry = {
        table: { catalog, schema, name: tableName, columns: [] },
        positions: [],
      };
      byName.set(tableName, entry);
    }
    entry.table.comment ??= text(field(row, 'table_comment'));
    entry.table.tableType ??= text(field(row, 'table_type'));
    const type =
      text(field(row, 'full_data_type')) ?? text(field(row, 'data_type', 'type_name')) ?? 'STRING';
    entry.table.columns.push({
      name: columnName,
      type: normalizeTypeName(type),
      nullable: isNullable(field(row, 'is_nullable', 'nullable')),
      comment: text(field(row, 'column_comment', 'comment', 'remarks')),
    });
    entry.positions.push(Number(field(row, 'ordinal_position') ?? entry.positions.length));
  }
  for (const [name, row] of tableRows) {
    const entry = byName.get(name);
    if (!entry) continue; // a table without visible columns
    entry.table.comment ??= text(field(row, 'table_comment', 'comment'));
    entry.table.tableType ??= text(field(row, 'table_type'));
  }
  addKeys(byName, keyRows, catalog, schema);
  const tables = [...byName.values()].map(({ table, positions }) => {
    const order = table.columns.map((c, i) => ({ c, p: positions[i] ?? i }));
    order.sort((a, b) => a.p - b.p);
    return { ...table, columns: order.map((o) => o.c) };
  });
  tables.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  return tables;
}

/** Attaches PRIMARY KEY and (resolvable) FOREIGN KEY constraints from `key` rows. */
function addKeys(
  byName: Map<string, { table: TableInfo }>,
  keyRows: Array<Record<string, unknown>>,
  catalog: string,
  schema: string,
): void {
  const constraints = new Map<
    string,
    {
      table: string;
      type: string;
      cols: Array<{ pos: number; col: string; ref?: string }>;
      refTable?: string;
    }
  >();
  for (const row of keyRows) {
    const table = text(field(row, 'table_name'))!;
    const type = (text(field(row, 'constraint_type')) ?? '').toUpperCase();
    const name = text(field(row, 'constraint_name')) ?? `${table}_${type}`;
    const col = text(field(row, 'column_name'));
    if (!col || (type !== 'PRIMARY KEY' && type !== 'FOREIGN KEY')) continue;
    const key = `${table}\u0000${name}`;
    let c = constraints.get(key);
    if (!c) {
      c = { table, type, cols: [] };
      constraints.set(key, c);
    }
    const refTable = text(field(row, 'ref_table'));
    if (refTable) {
      c.refTable = [
        text(field(row, 'ref_catalog')) ?? catalog,
        text(field(row, 'ref_schema')) ?? schema,
        refTable,
      ]
        .map(quoteIdentifier)
        .join('.');
    }
    c.cols.push({
      pos: Number(field(row, 'ordinal_position') ?? c.cols.length),
      col,
      ref: text(field(row, 'ref_column')),
    });
  }
  for (const c of constraints.values()) {
    const entry = byName.get(c.table);
    if (!entry) continue;
    c.cols.sort((a, b) => a.pos - b.pos);
    const columns = c.cols.map((x) => x.col);
    if (c.type === 'PRIMARY KEY') {
      entry.table.primaryKey = columns;
    } else if (c.refTable && c.cols.every((x) => x.ref)) {
      entry.table.foreignKeys ??= [];
      entry.table.foreignKeys.push({
        columns,
        refTable: c.refTable,
        refColumns: c.cols.map((x) => x.ref!),
      });
    }
  }
}

const TYPE_WORDS =
  /\b(bigint|int|integer|smallint|tinyint|long|short|byte|string|varchar|char|boolean|double|float|real|decimal|dec|numeric|date|timestamp|timestamp_ntz|timestamp_ltz|binary|array|map|struct|interval|year|month|day|hour|minute|second|to|void|variant|object|geography|geometry)\b(?!\s*:)/gi;

/** Upper-cases type keywords (`decimal(15,2)` → `DECIMAL(15,2)`), leaving STRUCT field names. */
export function normalizeTypeName(type: string): string {
  return type.replace(TYPE_WORDS, (w) => w.toUpperCase());
}

const STRATEGIES: IntrospectionStrategy[] = [
  'information_schema+keys',
  'information_schema+tables',
  'information_schema',
  'get_columns',
];

/**
 * Loads all tables of `catalog.schema`, trying the strategies in order from `start`.
 * Returns the tables and the strategy that worked (remember it to skip failing ones next time).
 */
export async function loadTables(
  source: IntrospectionSource,
  catalog: string,
  schema: string,
  start: IntrospectionStrategy = 'information_schema+keys',
): Promise<{ tables: TableInfo[]; strategy: IntrospectionStrategy }> {
  let lastError: unknown;
  for (const strategy of STRATEGIES.slice(STRATEGIES.indexOf(start))) {
    try {
      const rows =
        strategy === 'get_columns'
          ? await source.getColumns(catalog, schema)
          : await source.query(
              buildIntrospectionQuery(
                catalog,
                schema,
                strategy === 'information_schema+keys'
                  ? 'keys'
                  : strategy === 'information_schema+tables'
                    ? 'tables'
                    : 'columns',
              ),
            );
      return { tables: rowsToTables(rows, catalog, schema), strategy };
    } catch (error) {
      lastError = error;
      if (!isFallbackWorthy(error)) throw error;
    }
  }
  throw lastError;
}

/** Errors that mean "this way of introspecting is not available here", not "the call failed". */
function isFallbackWorthy(error: unknown): boolean {
  const message =
    error && typeof error === 'object' && 'message' in error
      ? String((error as { message: unknown }).message)
      : String(error);
  return /TABLE_OR_VIEW_NOT_FOUND|UNRESOLVED_COLUMN|SCHEMA_NOT_FOUND|information_schema|not supported|NOT_SUPPORTED|UNSUPPORTED|does not exist|cannot be found|PARSE_SYNTAX_ERROR/i.test(
    message,
  );
}

/** A TTL cache with single-flight loading. */
export class SchemaCache {
  private value?: TableInfo[];
  private loadedAt = 0;
  private inflight?: Promise<TableInfo[]>;

  constructor(
    private readonly loader: () => Promise<TableInfo[]>,
    /** Milliseconds a load stays fresh; `Infinity` = until `refresh()`; 0 = every time. */
    private readonly ttlMs: number,
    private readonly now: () => number = Date.now,
  ) {}

  /** The cached tables, loading (or reloading after the TTL) when needed. */
  async get(): Promise<TableInfo[]> {
    if (this.value && this.now() - this.loadedAt < this.ttlMs) return this.value;
    return this.load();
  }

  /** The cached tables without loading, if any. */
  peek(): TableInfo[] | undefined {
    return this.value;
  }

  /** Forces a reload (shared with any load already in flight). */
  refresh(): Promise<TableInfo[]> {
    return this.load(true);
  }

  private load(force = false): Promise<TableInfo[]> {
    if (this.inflight && !force) return this.inflight;
    const promise = this.loader().then(
      (tables) => {
        if (this.inflight === promise) this.inflight = undefined;
        this.value = tables;
        this.loadedAt = this.now();
        return tables;
      },
      (error: unknown) => {
        if (this.inflight === promise) this.inflight = undefined;
        throw error;
      },
    );
    this.inflight = promise;
    return promise;
  }
}
