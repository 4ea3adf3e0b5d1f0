/**
 * What the schema itself says that a small model misses, read from the schema and the data and
 * never from the evaluation set: the joins the DDL documents, the values of short-list columns,
 * and the checks that turn a model's near miss into a precise repair request (a month asked for
 * and one day compared, a column or a value that lives in another table, a column no table has).
 */
import type { DatabricksSqlDatabase } from '@lakechain/databricks-sql';
import type { SchemaTable } from './schema_enums.js';

/** `left.leftColumn = right.rightColumn`, as the DDL documents it. */
export interface DocumentedJoin {
  left: string;
  leftColumn: string;
  right: string;
  rightColumn: string;
}

export const formatJoin = (join: DocumentedJoin) =>
  `${join.left}.${join.leftColumn} = ${join.right}.${join.rightColumn}`;

/**
 * The joins the DDL documents: `FOREIGN KEY` constraints, and column comments that name a column
 * of another listed table (`'Nation of the customer (nation.n_nationkey)'`), which is how many
 * schemas without declared keys document them. Read from the very text the model is shown, so it
 * never names a table the model cannot see.
 */
export function documentedJoins(
  tableInfo: string,
  tables: readonly SchemaTable[],
): DocumentedJoin[] {
  const columnsOf = new Map(
    tables.map((table) => [
      table.name.toLowerCase(),
      new Set(table.columns.map((column) => column.name.toLowerCase())),
    ]),
  );
  const joins: DocumentedJoin[] = [];
  const seen = new Set<string>();
  const add = (left: string, leftColumn: string, right: string, rightColumn: string) => {
    if (left === right || !columnsOf.get(right.toLowerCase())?.has(rightColumn.toLowerCase()))
      return;
    const key = [`${left}.${leftColumn}`, `${right}.${rightColumn}`].sort().join('=').toLowerCase();
    if (seen.has(key)) return;
    seen.add(key);
    joins.push({ left, leftColumn, right, rightColumn });
  };
  /** The last part of a possibly qualified, possibly back-quoted name. */
  const lastPart = (name: string) => (name.split('.').at(-1) ?? name).replace(/`/g, '');
  for (const block of tableInfo.split(/^CREATE TABLE /m).slice(1)) {
    const header = /^(\S+)/.exec(block);
    if (!header) continue;
    const table = lastPart(header[1] as string);
    if (!columnsOf.has(table.toLowerCase())) continue;
    for (const line of block.split('\n')) {
      const foreignKey = /FOREIGN KEY \(`([^`]+)`\) REFERENCES (\S+) \(`([^`]+)`\)/i.exec(line);
      if (foreignKey) {
        add(
          table,
          foreignKey[1] as string,
          lastPart(foreignKey[2] as string),
          foreignKey[3] as string,
        );
        continue;
      }
      const column = /^\s+`([^`]+)`\s.*\bCOMMENT '(.*)'/.exec(line);
      if (!column) continue;
      for (const reference of (column[2] as string).matchAll(/\b(\w+)\.(\w+)\b/g)) {
        add(table, column[1] as string, reference[1] as string, reference[2] as string);
      }
    }
  }
  return joins;
}

/**
 * The joins that lead from any of `from` to `to` (shortest chain, breadth first), written as
 * `JOIN` clauses in order, or undefined when the documented joins do not connect them.
 */
export function joinPath(
  joins: readonly DocumentedJoin[],
  from: readonly string[],
  to: string,
): string | undefined {
  const target = to.toLowerCase();
  const start = from.map((table) => table.toLowerCase());
  if (start.includes(target)) return undefined;
  const previous = new Map<string, { table: string; join: DocumentedJoin } | null>(
    start.map((table) => [table, null]),
  );
  const queue = [...start];
  while (queue.length > 0) {
    const table = queue.shift() as string;
    for (const join of joins) {
      const ends = [join.left.toLowerCase(), join.right.toLowerCase()];
      const index = ends.indexOf(table);
      if (index < 0) continue;
      const next = ends[1 - index] as string;
      if (previous.has(next)) continue;
      previous.set(next, { table, join });
      if (next === target) {
        const clauses: string[] = [];
        let at = next;
        for (let step = previous.get(at); step; step = previous.get(at)) {
          const joined = step.join.left.toLowerCase() === at ? step.join.left : step.join.right;
          clauses.unshift(`JOIN ${joined} ON ${formatJoin(step.join)}`);
          at = step.table;
        }
        return clauses.join(' ');
      }
      queue.push(next);
    }
  }
  return undefined;
}

/** The values of one short-list text column. */
export interface ColumnValues {
  table: string;
  column: string;
  values: string[];
}

export const formatColumnValues = (entry: ColumnValues) =>
  `${entry.table}.${entry.column}: ${entry.values.map((value) => `'${value.replace(/'/g, "''")}'`).join(', ')}`;

/** Distinct values of short-list text columns, per database (read once: they do not change). */
const columnValuesCache = new WeakMap<DatabricksSqlDatabase, Promise<ColumnValues[]>>();

/**
 * The values of the text columns that have few of them (a region's name, a market segment, a
 * ship mode): a model that sees `region.r_name: 'AMERICA'` looks for AMERICA in `region`, not
 * in `nation`. Free text (comments, addresses, phones, names with many values) is left out:
 * `SELECT DISTINCT ... LIMIT` stops at the first value over the limit.
 */
export function columnValues(
  db: DatabricksSqlDatabase,
  tables: readonly SchemaTable[],
  maxValues = 25,
): Promise<ColumnValues[]> {
  const cached = columnValuesCache.get(db);
  if (cached) return cached;
  const loading = (async () => {
    const found: ColumnValues[] = [];
    for (const table of tables) {
      for (const column of table.columns) {
        if (!/^STRING/i.test(column.type) || /comment|address|phone/i.test(column.name)) continue;
        const result = await db.query(
          `SELECT DISTINCT \`${column.name}\` AS value FROM \`${table.name}\` WHERE \`${column.name}\` IS NOT NULL LIMIT ${maxValues + 1}`,
          { maxRows: maxValues + 1 },
        );
        if (result.rows.length === 0 || result.rows.length > maxValues) continue;
        const values = result.rows.map((row) => String(row.value)).sort();
        found.push({ table: table.name, column: column.name, values });
      }
    }
    return found;
  })();
  columnValuesCache.set(db, loading);
  loading.catch(() => columnValuesCache.delete(db));
  return loading;
}

const MONTHS =
  'january|february|march|april|may|june|july|august|september|october|november|december';

/**
 * A question that names a month or a year but no day, answered by comparing a date with one
 * value (`o_orderdate = DATE '1995-03-01'` for "in March 1995", `= DATE '1995'` for "in 1995"):
 * what a small model most often writes for a date range. Returns the repair request, with the
 * range written out, or undefined.
 */
export function dateRangeProblem(question: string, sql: string): string | undefined {
  const asked = question.toLowerCase();
  const namesDay =
    new RegExp(
      `\\b(${MONTHS})\\s+\\d{1,2}\\b|\\b\\d{1,2}(st|nd|rd|th)?\\s+(of\\s+)?(${MONTHS})\\b`,
    ).test(asked) || /\b\d{4}-\d{2}-\d{2}\b/.test(asked);
  const month = new RegExp(`\\b(${MONTHS})\\b`).exec(asked);
  const year = /\b(19|20)\d{2}\b/.test(asked);
  if (namesDay || (!month && !year)) return undefined;
  // `= DATE '1995-03-01'`, `= '1995-03'`, `= DATE '1995'`; not `>=`, `<=`, `!=`, `<>`.
  const single = /(?<![<>!])=\s*(?:DATE\s*|CAST\s*\(\s*)?'(\d{4})(?:-(\d{2}))?(?:-\d{2})?'/i.exec(
    sql,
  );
  if (!single) return undefined;
  const y = Number(single[1]);
  const m = Number(single[2] ?? 1);
  const pad = (n: number) => String(n).padStart(2, '0');
  const range = month
    ? `col >= DATE '${y}-${pad(m)}-01' AND col < DATE '${m === 12 ? y + 1 : y}-${pad((m % 12) + 1)}-01'`
    : `year(col) = ${y}`;
  return `The question asks about a whole ${month ? 'month' : 'year'}, but the query compares a date with one value (${single[0].trim()}). Compare with the range instead: ${range}.`;
}

/** The schema's tables that a statement names (as whole words). */
function tablesIn(sql: string, tables: readonly SchemaTable[]): string[] {
  return tables
    .filter((table) => new RegExp(`\\b${table.name}\\b`, 'i').test(sql))
    .map((table) => table.name);
}

/** A repair request for the model; `join` is the `JOIN` chain it names, when it names one. */
export interface RepairHint {
  text: string;
  join?: string;
}

/** The advice that ends a hint naming a `JOIN` chain. */
const addJoin = (path: string) => `${path}. Keep the tables you have and add this JOIN.`;

/**
 * A repair hint for an unresolved column: which table has it and the joins that reach it from
 * the tables the query reads, or that no table has it (then the question may not be answerable).
 */
export function unresolvedColumnHint(
  error: string,
  sql: string,
  tables: readonly SchemaTable[],
  joins: readonly DocumentedJoin[],
): RepairHint | undefined {
  const missing =
    /name `([^`]+)` cannot be resolved/.exec(error)?.[1] ??
    /does not have a column named "([^"]+)"/.exec(error)?.[1];
  if (!missing) return undefined;
  const name = (missing.split('.').at(-1) ?? missing).toLowerCase();
  const owner = tables.find((table) =>
    table.columns.some((column) => column.name.toLowerCase() === name),
  );
  if (!owner) {
    return {
      text: `No table has a column \`${name}\`. If no column holds what the question asks for, say so with "answerable": false.`,
    };
  }
  const path = joinPath(joins, tablesIn(sql, tables), owner.name);
  return path
    ? { text: `\`${name}\` is a column of ${owner.name}: ${addJoin(path)}`, join: path }
    : { text: `\`${name}\` is a column of ${owner.name}.` };
}

/**
 * A repair hint for a string literal compared with a short-list column that never holds it while
 * another short-list column does (`n_name = 'AMERICA'` when AMERICA is a `region.r_name`), with
 * the joins that reach that column. Undefined when nothing is amiss.
 */
export function misplacedValueHint(
  sql: string,
  values: readonly ColumnValues[],
  tables: readonly SchemaTable[],
  joins: readonly DocumentedJoin[],
): RepairHint | undefined {
  for (const match of sql.matchAll(/(?:\w+\.)?(\w+)\s*=\s*'((?:[^']|'')*)'/g)) {
    const column = (match[1] as string).toLowerCase();
    const literal = (match[2] as string).replace(/''/g, "'");
    const compared = values.find((entry) => entry.column.toLowerCase() === column);
    if (!compared || compared.values.includes(literal)) continue;
    const holder = values.find((entry) => entry.values.includes(literal));
    if (!holder) continue;
    const path = joinPath(joins, tablesIn(sql, tables), holder.table);
    const text = `'${literal}' is not a value of ${compared.table}.${compared.column}; it is a value of ${holder.table}.${holder.column}`;
    return path ? { text: `${text}: ${addJoin(path)}`, join: path } : { text: `${text}.` };
  }
  return undefined;
}
