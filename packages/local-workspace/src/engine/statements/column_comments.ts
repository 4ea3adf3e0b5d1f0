/**
 * Result column comments, like Spark's field metadata: a result column that is a table column
 * passed through unchanged (`SELECT *`, `SELECT t.a`, `SELECT a AS b`) carries that column's
 * comment. Recognised cheaply from the statement's tokens, for the common single-table query
 * `SELECT <columns> FROM <table> [alias] [WHERE ... | GROUP BY ... | ORDER BY ... | LIMIT ...]`;
 * any other shape (joins, subqueries, expressions, table functions) gets no comments.
 */
import type { DuckDBConnection } from '@duckdb/node-api';
import type { Token } from '../dialect/lexer.js';
import { sqlQuote } from '../dialect/sql_quoting.js';

/** A column of the source table, with its comment (null when it has none). */
export interface TableColumnComment {
  name: string;
  comment: string | null;
}

export interface SourceColumns {
  /** The table's name parts as written (1 to 3). */
  table: string[];
  /** Per select item: `*`, or the output name and the source column ('' for an expression). */
  items: Array<'*' | { output: string; source: string }>;
}

const CLAUSE_END = new Set([
  'WHERE',
  'GROUP',
  'ORDER',
  'LIMIT',
  'HAVING',
  'QUALIFY',
  'WINDOW',
  'OFFSET',
]);
const NOT_ALIAS = new Set([...CLAUSE_END, 'JOIN', 'LEFT', 'RIGHT', 'INNER', 'CROSS', 'FULL']);

const isName = (t: Token | undefined) => t?.kind === 'ident' || t?.kind === 'qident';

/** The single source table and pass-through columns of a query, or undefined. */
export function sourceColumns(sig: Token[]): SourceColumns | undefined {
  if (sig[0]?.kind !== 'ident' || sig[0].value.toUpperCase() !== 'SELECT') return undefined;
  // Find the top-level FROM and split the select list at top-level commas.
  let from = -1;
  let depth = 0;
  const parts: Token[][] = [[]];
  for (let i = 1; i < sig.length; i++) {
    const t = sig[i] as Token;
    if (t.kind === 'op' && (t.text === '(' || t.text === '[')) depth++;
    else if (t.kind === 'op' && (t.text === ')' || t.text === ']')) depth--;
    else if (depth === 0 && t.kind === 'ident' && t.value.toUpperCase() === 'FROM') {
      from = i;
      break;
    } else if (depth === 0 && t.kind === 'op' && t.text === ',') {
      parts.push([]);
      continue;
    }
    (parts[parts.length - 1] as Token[]).push(t);
  }
  if (from < 2) return undefined;
  if (parts[0]?.[0]?.kind === 'ident' && /^(ALL|DISTINCT)$/i.test(parts[0][0].value))
    parts[0] = parts[0].slice(1);
  // Select items: `*`, `q.*`, `name`, `q.name`, each optionally `[AS] alias`; anything else is an
  // expression (no comment; its output name is its alias when it has `AS alias`).
  const items: SourceColumns['items'] = [];
  for (const part of parts) {
    if (part.length === 0) return undefined;
    let k = 0;
    const chain: Token[] = [];
    while (k < part.length) {
      const t = part[k] as Token;
      if (isName(t) || (t.kind === 'op' && t.text === '*')) {
        chain.push(t);
        k++;
        if (t.text !== '*' && part[k]?.text === '.') {
          k++;
          continue;
        }
      }
      break;
    }
    const last = chain[chain.length - 1];
    if (last?.text === '*' && k === part.length) {
      items.push('*');
      continue;
    }
    let alias: string | undefined;
    let a = k;
    if (part[a]?.kind === 'ident' && part[a]?.value.toUpperCase() === 'AS') a++;
    if (a === part.length - 1 && isName(part[a])) alias = (part[a] as Token).value;
    const pureColumn = last !== undefined && last.text !== '*' && (k === part.length || alias);
    if (pureColumn) items.push({ output: alias ?? last.value, source: last.value });
    else {
      const n = part.length;
      const asAlias =
        n >= 2 && part[n - 2]?.kind === 'ident' && part[n - 2]?.value.toUpperCase() === 'AS'
          ? (part[n - 1] as Token).value
          : undefined;
      items.push({ output: asAlias ?? '', source: '' });
    }
  }
  // FROM <name chain> [[AS] alias] then end or a clause keyword.
  let j = from + 1;
  const table: string[] = [];
  while (j < sig.length && isName(sig[j])) {
    table.push((sig[j] as Token).value);
    j++;
    if (sig[j]?.text === '.') j++;
    else break;
  }
  if (table.length === 0 || table.length > 3) return undefined;
  if (sig[j]?.text === '(') return undefined; // table function
  if (sig[j]?.kind === 'ident' && sig[j]?.value.toUpperCase() === 'AS') j++;
  if (isName(sig[j]) && !NOT_ALIAS.has((sig[j] as Token).value.toUpperCase())) j++;
  const next = sig[j];
  if (next && !(next.kind === 'ident' && CLAUSE_END.has(next.value.toUpperCase())))
    return undefined;
  // No other FROM / JOIN / subquery later on (a WHERE subquery is fine: it adds no columns).
  return { table, items };
}

/**
 * Comments per result column (by position), given the table's column comments in table order.
 * `*` expands to every table column.
 */
export function resultComments(
  source: SourceColumns,
  tableColumns: TableColumnComment[],
  resultNames: string[],
): Array<string | undefined> {
  const byName = new Map(tableColumns.map((c) => [c.name.toLowerCase(), c.comment ?? undefined]));
  const expanded: Array<string | undefined> = [];
  const names: string[] = [];
  for (const item of source.items) {
    if (item === '*') {
      for (const c of tableColumns) {
        names.push(c.name);
        expanded.push(c.comment ?? undefined);
      }
    } else {
      names.push(item.output);
      expanded.push(item.source ? byName.get(item.source.toLowerCase()) : undefined);
    }
  }
  // Only trust the mapping when it lines up with the actual result.
  if (names.length !== resultNames.length) return resultNames.map(() => undefined);
  return expanded.map((comment, i) =>
    comment !== undefined && names[i]?.toLowerCase() === resultNames[i]?.toLowerCase()
      ? comment
      : undefined,
  );
}

/**
 * The column comments of the tables queried, shared by every session of one engine (each engine
 * has its own: two workspaces in one process never share one).
 *
 * Why a cache: DuckDB has no cheap exact lookup of a table's column comments. `duckdb_columns()`
 * lists every column of every attached database before any filter applies (2-2.7 ms a statement
 * with a few hundred columns), and `DESCRIBE`, `pragma_table_info()` and the result of the query
 * itself carry no comments. So the comments are read once per table and kept until the catalog
 * may have changed.
 *
 * Why it is never stale: every statement that is not a pure read (`isReadOnly`: DDL, DML,
 * `COMMENT ON`, `ALTER`, `ATTACH`, `SET`, `USE`, transactions, several statements at once) and
 * every DDL the engine runs itself (catalogs, schemas, functions, loaders) runs inside
 * `whileChanging`, which forgets everything before the change starts and again after it ended,
 * whether it succeeded or failed (a failed DDL may have partly applied). A lookup that started
 * before or during a change is answered but not kept: it may have read the old catalog.
 */
export class ColumnCommentCache {
  /** Tables kept at most; the least recently used goes first. */
  static readonly CAPACITY = 256;
  /** Bumped at every invalidation: a lookup keeps its answer only if nothing changed meanwhile. */
  private generation = 0;
  /** Columns per `internal catalog NUL schema NUL table` (null: no such table). */
  private readonly tables = new Map<string, TableColumnComment[] | null>();

  /** The catalog may have changed: forget every table. */
  invalidate(): void {
    this.generation++;
    this.tables.clear();
  }

  /** Run something that may change the catalog, forgetting every table before and after it. */
  async whileChanging<T>(change: () => Promise<T>): Promise<T> {
    this.invalidate();
    try {
      return await change();
    } finally {
      this.invalidate();
    }
  }

  /** The table's columns from the cache, else from `read` (kept if no change happened meanwhile). */
  async get(
    key: string,
    read: () => Promise<TableColumnComment[] | null>,
  ): Promise<TableColumnComment[] | null> {
    const cached = this.tables.get(key);
    if (cached !== undefined) {
      // Most recently used last.
      this.tables.delete(key);
      this.tables.set(key, cached);
      return cached;
    }
    const generation = this.generation;
    const columns = await read();
    if (generation === this.generation) {
      this.tables.set(key, columns);
      if (this.tables.size > ColumnCommentCache.CAPACITY) {
        const oldest = this.tables.keys().next().value as string;
        this.tables.delete(oldest);
      }
    }
    return columns;
  }
}

/**
 * The columns and comments of a table named as in a query (1 to 3 parts, resolved against the
 * session's namespace), or undefined when it is not a table of a known catalog. From `cache` when
 * given (a session in an explicit transaction passes none: it may see catalog changes of its own
 * that no other session sees, and other sessions' answers are not its own).
 */
export async function tableColumnComments(
  connection: DuckDBConnection,
  namespace: {
    currentCatalog: string;
    currentSchema: string;
    catalogs: { internalName(name: string): string | undefined };
  },
  parts: string[],
  cache: ColumnCommentCache | undefined,
): Promise<TableColumnComment[] | undefined> {
  const table = parts[parts.length - 1] as string;
  const schema = parts.length >= 2 ? (parts[parts.length - 2] as string) : namespace.currentSchema;
  const catalog = parts.length === 3 ? (parts[0] as string) : namespace.currentCatalog;
  const internal = namespace.catalogs.internalName(catalog);
  if (internal === undefined) return undefined;
  const read = () => readColumnComments(connection, internal, schema, table);
  try {
    const columns = cache
      ? await cache.get(
          `${internal}\u0000${schema.toLowerCase()}\u0000${table.toLowerCase()}`,
          read,
        )
      : await read();
    return columns ?? undefined;
  } catch {
    // Comments are a courtesy: a table DuckDB cannot describe gets none (and nothing is kept).
    return undefined;
  }
}

/** The table's columns in order, with their comments; null when DuckDB has no such table. */
async function readColumnComments(
  connection: DuckDBConnection,
  internal: string,
  schema: string,
  table: string,
): Promise<TableColumnComment[] | null> {
  const reader = await connection.runAndReadAll(
    `SELECT column_name, comment FROM duckdb_columns() WHERE database_name = ${sqlQuote(internal)}
       AND lower(schema_name) = lower(${sqlQuote(schema)}) AND lower(table_name) = lower(${sqlQuote(table)})
       ORDER BY column_index`,
  );
  const rows = reader.getRows();
  if (rows.length === 0) return null;
  return rows.map(([name, comment]) => ({
    name: String(name),
    comment: comment === null || comment === undefined || comment === '' ? null : String(comment),
  }));
}
