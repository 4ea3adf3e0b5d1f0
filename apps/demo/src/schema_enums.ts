/**
 * The structured-output contract of the SQL step: a JSON schema whose table and column names are
 * enums of the real schema. On the local backend the schema becomes a grammar, so a small model
 * cannot invent a table or a column in these fields; a large FM API model gets the same schema as
 * `response_format: json_schema`.
 *
 * The SQL comes in clauses (`select`, `from`, `joins`, `where`, `group_by`, `order_by`, `limit`)
 * rather than as one string: the statement's skeleton (SELECT ... FROM <real table> JOIN <real
 * table> ON ...) is then guaranteed by the grammar, and the model only writes the expressions.
 * `assembleSql` turns the clauses into one statement.
 */

/** The part of `@lakechain/databricks-sql`'s `TableInfo` this module needs. */
export interface SchemaTable {
  name: string;
  columns: Array<{ name: string; type: string }>;
}

/** The clauses the model returns. */
export interface SqlClauses {
  /** Columns the query uses (enum of the schema's columns). */
  columns: string[];
  select: string;
  from: string;
  joins: Array<{ table: string; on: string }>;
  where: string;
  group_by: string;
  order_by: string;
  /** 0 for no LIMIT. */
  limit: number;
}

/** What the SQL step yields: the clauses, the tables read and the assembled statement. */
export interface SqlAnswer {
  tables: string[];
  columns: string[];
  sql: string;
  /** `completeFrom` added the FROM clause. */
  fromCompleted?: boolean;
}

/** Sorted, de-duplicated. */
function unique(values: Iterable<string>): string[] {
  return [...new Set(values)].sort();
}

/** The schema's table names and column names (each sorted, de-duplicated). */
export function schemaNames(tables: readonly SchemaTable[]): {
  tables: string[];
  columns: string[];
} {
  return {
    tables: unique(tables.map((table) => table.name)),
    columns: unique(tables.flatMap((table) => table.columns.map((column) => column.name))),
  };
}

/**
 * The JSON schema of the SQL step: `from` and `joins[].table` are enums of the tables,
 * `columns` (last: listing columns first made a small model copy them into every clause) an
 * enum list of the columns.
 */
export function buildSqlAnswerSchema(tables: readonly SchemaTable[]): Record<string, unknown> {
  if (tables.length === 0) {
    throw new Error('The schema has no tables: choose a schema with tables (--catalog/--schema).');
  }
  const names = schemaNames(tables);
  const multiTable = names.tables.length > 1;
  return {
    title: 'sql_query',
    description:
      'One Databricks SQL SELECT statement, in clauses: SELECT <select> FROM <from> [JOIN <table> ON <on>]... [WHERE <where>] [GROUP BY <group_by>] [ORDER BY <order_by>] [LIMIT <limit>].',
    type: 'object',
    properties: {
      select: {
        type: 'string',
        description: 'The SELECT list: columns and aggregates such as count(*), sum(x), avg(x).',
      },
      from: { type: 'string', enum: names.tables, description: 'The first table read.' },
      joins: {
        type: 'array',
        description: multiTable
          ? 'Further tables, each with its join condition ("on": "<column> = <column>"), or [] for none.'
          : 'Always empty: the schema has one table.',
        items: {
          type: 'object',
          properties: {
            table: { type: 'string', enum: names.tables },
            on: { type: 'string' },
          },
          required: ['table', 'on'],
          additionalProperties: false,
        },
        maxItems: multiTable ? 3 : 0,
      },
      where: { type: 'string', description: 'The WHERE condition, or "" for none.' },
      group_by: { type: 'string', description: 'The GROUP BY expressions, or "".' },
      order_by: { type: 'string', description: 'The ORDER BY expressions, or "".' },
      limit: { type: 'integer', description: 'The LIMIT, or 0 for none.' },
      columns: {
        type: 'array',
        description: 'The columns the query uses (a check of the clauses above).',
        items: { type: 'string', enum: names.columns },
        maxItems: 6,
      },
    },
    required: ['select', 'from', 'joins', 'where', 'group_by', 'order_by', 'limit', 'columns'],
    additionalProperties: false,
  };
}

/**
 * The single-string variant: `{ sql: string }`, after `answerable` when asked for, and, with
 * `linking`, after enum lists of the tables and columns it uses (a schema-linking step written
 * before the SQL). Simpler for a large model; a small model gets no help with the statement's
 * skeleton.
 */
export function buildSqlStringSchema(
  tables: readonly SchemaTable[],
  options: { answerable?: boolean; linking?: boolean } = {},
): Record<string, unknown> {
  if (tables.length === 0) {
    throw new Error('The schema has no tables: choose a schema with tables (--catalog/--schema).');
  }
  const names = schemaNames(tables);
  const linking = options.linking !== false;
  return {
    title: 'sql_query',
    description: 'One Databricks SQL SELECT statement that answers the question.',
    type: 'object',
    properties: {
      // First, so the model decides before it writes SQL; `false` ends the chain with "cannot
      // answer from this data" instead of SQL over the nearest columns.
      ...(options.answerable
        ? {
            answerable: {
              type: 'boolean',
              description: 'false when the tables do not hold what the question asks for.',
            },
          }
        : {}),
      ...(linking
        ? {
            tables: {
              type: 'array',
              description: 'The tables the query reads.',
              items: { type: 'string', enum: names.tables },
              minItems: 1,
              maxItems: Math.min(names.tables.length, 4),
            },
            columns: {
              type: 'array',
              description: 'The columns the query uses.',
              items: { type: 'string', enum: names.columns },
              maxItems: 6,
            },
          }
        : {}),
      sql: { type: 'string', description: 'A single SELECT statement.' },
    },
    required: [
      ...(options.answerable ? ['answerable'] : []),
      ...(linking ? ['tables', 'columns'] : []),
      'sql',
    ],
    additionalProperties: false,
  };
}

function text(value: unknown): string {
  return typeof value === 'string' ? value.trim() : '';
}

/** Strips a leading keyword the model may repeat inside its clause ("WHERE x > 1" in `where`). */
function withoutKeyword(clause: string, keyword: RegExp): string {
  return clause.replace(keyword, '').trim();
}

/** The clauses as one SQL statement. */
export function assembleSql(clauses: SqlClauses): string {
  const parts = [`SELECT ${withoutKeyword(clauses.select, /^select\s+/i)}`, `FROM ${clauses.from}`];
  for (const join of clauses.joins) {
    const on = withoutKeyword(join.on, /^on\s+/i);
    parts.push(on ? `JOIN ${join.table} ON ${on}` : `CROSS JOIN ${join.table}`);
  }
  const where = withoutKeyword(clauses.where, /^where\s+/i);
  if (where) parts.push(`WHERE ${where}`);
  const groupBy = withoutKeyword(clauses.group_by, /^group\s+by\s+/i);
  if (groupBy) parts.push(`GROUP BY ${groupBy}`);
  const orderBy = withoutKeyword(clauses.order_by, /^order\s+by\s+/i);
  if (orderBy) parts.push(`ORDER BY ${orderBy}`);
  if (Number.isInteger(clauses.limit) && clauses.limit > 0) parts.push(`LIMIT ${clauses.limit}`);
  return parts.join(' ');
}

/**
 * A small model often writes `SELECT avg(x) AS a` and stops: when the statement has no FROM at
 * all and the model listed exactly one (grammar-checked) table, that table is the FROM.
 */
export function completeFrom(sql: string, listed: string[], known: ReadonlySet<string>): string {
  const tables = [...new Set(listed)].filter((name) => known.has(name));
  if (tables.length !== 1 || !/^\s*select\b/i.test(sql) || /\bfrom\b/i.test(sql)) return sql;
  const trimmed = sql.replace(/;\s*$/, '');
  // Before a trailing WHERE/GROUP BY/ORDER BY/LIMIT, if the model wrote one.
  const tail = /\b(where|group\s+by|order\s+by|limit)\b/i.exec(trimmed);
  if (!tail) return `${trimmed} FROM ${tables[0]}`;
  return `${trimmed.slice(0, tail.index).trimEnd()} FROM ${tables[0]} ${trimmed.slice(tail.index)}`;
}

/**
 * Checks a parsed answer against the schema's enums (a model without a grammar may stray) and
 * assembles the statement. Also accepts `{ sql }` (a model that ignores the clause format).
 */
export function checkSqlAnswer(
  value: unknown,
  tables: readonly SchemaTable[],
  options: { completeFrom?: boolean } = {},
): SqlAnswer {
  if (value === null || typeof value !== 'object') {
    throw new Error('The model did not return a JSON object.');
  }
  const record = value as Record<string, unknown>;
  const known = new Set(tables.map((table) => table.name));
  const columns = Array.isArray(record.columns) ? record.columns.map(String) : [];
  if (typeof record.sql === 'string' && record.select === undefined) {
    if (record.sql.trim() === '') throw new Error('The model returned no SQL.');
    const listed = Array.isArray(record.tables) ? record.tables.map(String) : [];
    const sql = record.sql.trim();
    // Without a list (no schema-linking step) a schema of one table still names the table.
    const fromTables = listed.length > 0 || known.size !== 1 ? listed : [...known];
    const completed = options.completeFrom === false ? sql : completeFrom(sql, fromTables, known);
    return {
      tables: listed,
      columns,
      sql: completed,
      ...(completed !== sql ? { fromCompleted: true } : {}),
    };
  }
  const from = text(record.from);
  const joins = (Array.isArray(record.joins) ? record.joins : []).map((join) => {
    const item = (join ?? {}) as Record<string, unknown>;
    return { table: text(item.table), on: text(item.on) };
  });
  const used = [from, ...joins.map((join) => join.table)];
  const unknown = used.filter((name) => !known.has(name));
  if (unknown.length > 0) {
    throw new Error(
      `Unknown table ${unknown.map((name) => `"${name}"`).join(', ')}; the tables are ${[...known].sort().join(', ')}.`,
    );
  }
  const select = text(record.select);
  if (select === '' || /^select\s*$/i.test(select)) {
    throw new Error('The "select" clause is empty: list the columns or aggregates to return.');
  }
  const limit = typeof record.limit === 'number' ? record.limit : Number(record.limit ?? 0);
  const clauses: SqlClauses = {
    columns,
    select,
    from,
    joins,
    where: text(record.where),
    group_by: text(record.group_by),
    order_by: text(record.order_by),
    limit: Number.isFinite(limit) ? Math.trunc(limit) : 0,
  };
  return { tables: [...new Set(used)], columns, sql: assembleSql(clauses) };
}

/** Equality conditions that join two tables. */
export interface JoinEdge {
  left: string;
  right: string;
  on: Array<[string, string]>;
}

/** The key suffix of a column (`c_nationkey` -> `nationkey`), or the name itself. */
function keySuffix(name: string): string {
  const lower = name.toLowerCase();
  const index = lower.indexOf('_');
  return index > 0 && index <= 3 ? lower.slice(index + 1) : lower;
}

/**
 * Which tables join on which columns, from naming alone: two tables join on key columns
 * (`...key`, `...id`) with the same name or the same name after a short table prefix
 * (`c_nationkey` = `n_nationkey`, the TPC-H convention).
 */
export function joinGraph(tables: readonly SchemaTable[]): JoinEdge[] {
  const edges: JoinEdge[] = [];
  for (const [i, left] of tables.entries()) {
    for (const right of tables.slice(i + 1)) {
      const on: Array<[string, string]> = [];
      for (const a of left.columns) {
        if (!/(key|id)$/i.test(a.name)) continue;
        for (const b of right.columns) {
          if (a.name === b.name || keySuffix(a.name) === keySuffix(b.name))
            on.push([a.name, b.name]);
        }
      }
      if (on.length > 0) edges.push({ left: left.name, right: right.name, on });
    }
  }
  return edges;
}
