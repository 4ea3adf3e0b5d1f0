/**
 * The "ask your lakehouse" chain, written to let a small model succeed honestly and to run
 * unchanged against a large FM API model:
 *
 * 1. schema: `getTableInfo()` of the tables of the chosen catalog.schema the question is about
 *    (DDL, comments, sample rows), with a few schema-derived examples of the closest shapes;
 * 2. SQL: structured output whose table and column names are enums of that schema
 *    (`response_format: json_schema`, a grammar on the local backend);
 * 3. validation: `EXPLAIN <sql>` on the warehouse; an error goes back to the model, at most
 *    `maxRepairs` times;
 * 4. execution under the read-only guard with `maxRows`, cancellable through `signal`;
 * 5. answer: the model answers from the rows, or the chain says plainly that it could not.
 *
 * Every step is a LangChain runnable, so a tracer passed in `callbacks` sees one trace:
 * ask_lakehouse > load_schema, generate_sql (chat model), explain_sql, run_sql, answer (chat model).
 */

import type {
  DatabricksQueryResult,
  DatabricksSqlDatabase,
  QueryColumn,
} from '@lakechain/databricks-sql';
import type { Callbacks } from '@langchain/core/callbacks/manager';
import type { BaseChatModel } from '@langchain/core/language_models/chat_models';
import type { AIMessage, AIMessageChunk, BaseMessage } from '@langchain/core/messages';
import { type RunnableConfig, RunnableLambda } from '@langchain/core/runnables';
import {
  assembleSql,
  buildSqlAnswerSchema,
  buildSqlStringSchema,
  checkSqlAnswer,
  joinGraph,
  type SchemaTable,
} from './schema_enums.js';
import {
  columnValues,
  dateRangeProblem,
  documentedJoins,
  formatColumnValues,
  formatJoin,
  misplacedValueHint,
  unresolvedColumnHint,
} from './schema_hints.js';

export interface TokenCounts {
  input: number;
  output: number;
  total: number;
}

export interface SqlAttempt {
  sql?: string;
  /** The chain added `FROM <table>` to the model's statement (see `completeFrom`). */
  fromCompleted?: boolean;
  /** Why the attempt was rejected (parse, EXPLAIN or execution error), if it was. */
  error?: string;
  stage: 'generate' | 'explain' | 'execute' | 'ok';
}

export type ChainEvent =
  | { type: 'schema'; tables: string[] }
  | { type: 'generating'; attempt: number }
  | { type: 'sql'; sql: string; attempt: number }
  | { type: 'rejected'; attempt: number; stage: SqlAttempt['stage']; error: string }
  | { type: 'executing'; sql: string }
  | {
      type: 'rows';
      sql: string;
      columns: QueryColumn[];
      rows: Array<Record<string, unknown>>;
      count: number;
      truncated: boolean;
    }
  | { type: 'answering' }
  /** A piece of the answer as the model streams it. */
  | { type: 'answer-token'; text: string };

export interface AskResult {
  question: string;
  /** The SQL that ran (the last attempt), if any ran. */
  sql?: string;
  attempts: SqlAttempt[];
  columns: QueryColumn[];
  rows: Array<Record<string, unknown>>;
  truncated: boolean;
  /** The answer, or a plain statement that the chain could not answer. */
  answer: string;
  answered: boolean;
  /** The model said the data cannot answer the question (no SQL was run). */
  unanswerable: boolean;
  tokens: TokenCounts;
  timings: {
    schemaMs: number;
    sqlMs: number;
    executeMs: number;
    answerMs: number;
    totalMs: number;
  };
}

export interface AskOptions {
  db: DatabricksSqlDatabase;
  /** Writes the SQL (structured output). */
  sqlModel: BaseChatModel;
  /**
   * Writes the SQL on repair attempts; defaults to `sqlModel`. A small greedy model repeats its
   * failed answer word for word, so the offline demo repairs with some temperature.
   */
  repairModel?: BaseChatModel;
  /** Answers from the rows (plain text); defaults to `sqlModel`. */
  answerModel?: BaseChatModel;
  /** Repairs after a failed attempt (default 2: three attempts in all). */
  maxRepairs?: number;
  /** Rows fetched (default 50). */
  maxRows?: number;
  /** Rows shown to the answering model (default 20). */
  answerRows?: number;
  callbacks?: Callbacks;
  signal?: AbortSignal;
  onEvent?: (event: ChainEvent) => void;
  /** Run name of the root span. */
  runName?: string;
  /**
   * Output format of the SQL step: `sql` (default: one string next to enum lists of the tables
   * and columns) or `clauses` (the SELECT/FROM/JOIN skeleton enforced by the schema, table names
   * as enums). The small offline model scored better with `sql` (see README).
   */
  format?: SqlFormat;
  /**
   * Show the model every table of the schema (the default: the system prompt is then the same
   * for every question of a session, so a local model reads it once).
   */
  fullSchema?: boolean;
  /**
   * Show only the tables the question is about (`relevantTables`), at most this many; 0 (the
   * default) shows all. The small SmolLM2 model needed 3 (see README).
   */
  maxTables?: number;
  /**
   * Schema-derived examples in the prompt (`sql` format): `none` (default) or `selected`, the
   * few closest to the question by shape (what the small SmolLM2 model needed, see README).
   */
  examples?: 'selected' | 'none';
  /** Add `FROM <table>` to a statement that has none when the model listed one table (default on). */
  completeFrom?: boolean;
  /**
   * Answer in the same conversation as the SQL step (system prompt, question, the model's SQL,
   * then the rows), so a local model reuses its KV cache of that prefix instead of reading a
   * second prompt. Default on; off sends a separate short answering prompt.
   */
  answerInConversation?: boolean;
  /** Let the model say the data cannot answer the question (`answerable: false`). Default on. */
  allowUnanswerable?: boolean;
  /**
   * `sql` format: the model first lists the tables and columns it will use (enums of the schema),
   * then writes the SQL. Default off: on the development half it cost Qwen2.5-Coder more than it
   * gave (see README).
   */
  schemaLinking?: boolean;
  /**
   * `sql` format: `full` (default) adds rules for date ranges, joins through the keys the DDL
   * documents (listed under the tables) and names over keys; `short` is the earlier prompt with
   * one line on dates. Chosen on the development half (see README).
   */
  rules?: 'full' | 'short';
}

export type SqlFormat = 'clauses' | 'sql';

const SQL_SYSTEM_PROMPT = `You are a Databricks SQL expert. Answer the user's question with ONE SELECT statement over the tables below, given as JSON clauses:
SELECT <select> FROM <from> [JOIN <joins.table> ON <joins.on>] [WHERE <where>] [GROUP BY <group_by>] [ORDER BY <order_by>] [LIMIT <limit>]
Rules:
- Use only the tables and columns listed below.
- Aggregate (count, sum, avg, min, max) when the question asks for a number.
- Filter in "where"; dates: DATE 'YYYY-MM-DD' literals, year(col), month(col).
- Leave a clause "" (limit 0) when it is not needed.

Tables of {schema}:
{table_info}

Examples:
{examples}`;

const SQL_STRING_SYSTEM_PROMPT = `You are a Databricks SQL expert. Write ONE Databricks SQL SELECT statement that answers the user's question.
Rules:
- Use only the tables and columns listed below.
- Aggregate (count, sum, avg, min, max) when the question asks for a number.
- {date_rule}{join_rule}{name_rule}
- Return JSON with {answerable_field}{linking_fields}"sql".{unanswerable_rule}{answer_rule}

Tables of {schema}:
{table_info}{join_keys}{column_values}{examples}`;

/**
 * What a small model gets wrong about dates: it compares a date with one day to mean a year or a
 * month, and `BETWEEN` on a timestamp drops the last day. One pattern per case (development half).
 */
const DATE_RULE = `Dates: DATE 'YYYY-MM-DD' literals. A year: year(col) = 2020. A month: col >= DATE '2020-06-01' AND col < DATE '2020-07-01'. A day of a TIMESTAMP column: to_date(col) = DATE '2020-06-15'; days from-to: to_date(col) BETWEEN DATE '2020-06-10' AND DATE '2020-06-12' (both days included).`;

const SHORT_DATE_RULE = `Dates: DATE 'YYYY-MM-DD' literals, year(col), month(col).`;

const NAME_RULE = `
- When the question asks which thing (a supplier, a nation), return its name, not its key.`;

const JOIN_RULE = `
- When the question is about something another table holds (the name of a nation or a region, for example), JOIN the tables on the join keys below, through a chain of tables when needed.`;

const ANSWER_RULE = `
- When you are then shown the query's result, answer the question from it in plain sentences, not JSON.`;

const UNANSWERABLE_RULE = `
- If no column below holds what the question asks for (for example an email address, a tip or a credit score when there is no such column), return "answerable": false and "sql": "". Never answer with a different column that only sounds related.`;

/** The answering turn when the answer continues the SQL conversation. */
const ANSWER_IN_CONVERSATION_PROMPT = `{result}
Now answer my question from this result in one or two short plain sentences (no JSON, no SQL).`;

const ANSWER_SYSTEM_PROMPT = `You answer questions about data. Use only the SQL result given. Answer in one or two short sentences, with the numbers from the result. If the result is empty, say that no rows matched.`;

const NUMERIC_TYPE = /^(DOUBLE|FLOAT|DECIMAL|INT|BIGINT|SMALLINT)/i;
const DATE_TYPE = /^(DATE|TIMESTAMP)/i;

function clauses(
  from: string,
  select: string,
  extra: {
    columns?: string[];
    where?: string;
    group_by?: string;
    order_by?: string;
    limit?: number;
  } = {},
) {
  return {
    select,
    from,
    joins: [],
    where: extra.where ?? '',
    group_by: extra.group_by ?? '',
    order_by: extra.order_by ?? '',
    limit: extra.limit ?? 0,
    columns: extra.columns ?? [],
  };
}

/**
 * Format examples built from the schema itself (never from the evaluation set): a count, a
 * filtered count and an average of a numeric column, a date range, each as the JSON to return.
 */
export function schemaExamples(
  tables: readonly SchemaTable[],
  format: SqlFormat = 'clauses',
): string {
  const examples: Array<{ question: string; answer: Record<string, unknown> }> = [];
  const first = tables[0];
  if (!first) return '';
  examples.push({
    question: `How many rows does the ${first.name} table have?`,
    answer: clauses(first.name, 'count(*) AS row_count'),
  });
  const all = tables.flatMap((table) => table.columns.map((column) => ({ table, column })));
  const numeric =
    all.find(({ column }) => /^(DOUBLE|FLOAT|DECIMAL)/i.test(column.type)) ??
    all.find(({ column }) => NUMERIC_TYPE.test(column.type) && !/key$|_id$/i.test(column.name));
  if (numeric) {
    const { table, column } = numeric;
    const words = column.name.replace(/_/g, ' ');
    examples.push(
      {
        question: `How many ${table.name} rows have a ${words} above 100?`,
        answer: clauses(table.name, 'count(*) AS row_count', {
          columns: [column.name],
          where: `${column.name} > 100`,
        }),
      },
      {
        question: `What is the average ${words}?`,
        answer: clauses(table.name, `avg(${column.name}) AS average`, { columns: [column.name] }),
      },
    );
  }
  const dated = all.find(({ column }) => DATE_TYPE.test(column.type));
  if (dated) {
    const { table, column } = dated;
    examples.push({
      question: `How many ${table.name} rows have a ${column.name.replace(/_/g, ' ')} in June 2020?`,
      answer: clauses(table.name, 'count(*) AS row_count', {
        columns: [column.name],
        where: `${column.name} >= DATE '2020-06-01' AND ${column.name} < DATE '2020-07-01'`,
      }),
    });
  }
  return examples
    .map((example) => {
      const answer =
        format === 'clauses'
          ? example.answer
          : {
              tables: [example.answer.from],
              columns: example.answer.columns,
              sql: assembleSql(example.answer as unknown as Parameters<typeof assembleSql>[0]),
            };
      return `Q: ${example.question}\nA: ${JSON.stringify(answer)}`;
    })
    .join('\n');
}

const STOP_WORDS = new Set(
  'a an the of in on at to for by with and or is are was were be do does did what which who how many much there their its each per all any every that this from have has had as it'.split(
    ' ',
  ),
);

/** Lower-case words of a text, a trailing plural `s` removed, stop words dropped. */
export function keywords(text: string): string[] {
  return (text.toLowerCase().match(/[a-z0-9]+/g) ?? [])
    .filter((word) => !STOP_WORDS.has(word))
    .map((word) =>
      word.length > 3 && word.endsWith('s') && !word.endsWith('ss') ? word.slice(0, -1) : word,
    );
}

/** The words a table answers to: its name and its columns' names (short prefixes removed). */
function tableWords(table: SchemaTable): { name: Set<string>; columns: Set<string> } {
  const name = new Set(keywords(table.name.replace(/_/g, ' ')));
  name.add(keywords(table.name)[0] ?? table.name);
  const columns = new Set(
    table.columns.flatMap((column) =>
      keywords(column.name.replace(/^[a-z]{1,2}_/i, '').replace(/_/g, ' ')),
    ),
  );
  return { name, columns };
}

/**
 * The tables a question is about, to keep a small model's prompt short: a table whose name the
 * question says (also as two words: "line items" for `lineitem`) counts 3, each of its column
 * words 1. The best tables (at most `max`) with a positive score are kept, in schema order;
 * all tables when none scores or the schema is small.
 */
export function relevantTables(
  tables: readonly SchemaTable[],
  question: string,
  max = 3,
): SchemaTable[] {
  if (tables.length <= max) return [...tables];
  const words = keywords(question);
  const joined = new Set([...words, ...words.slice(1).map((word, i) => `${words[i]}${word}`)]);
  const scored = tables.map((table, index) => {
    const { name, columns } = tableWords(table);
    let score = 0;
    for (const word of joined) {
      if (name.has(word)) score += 3;
      else if (columns.has(word)) score += 1;
    }
    return { table, index, score };
  });
  // Tables the question names win over tables that only share a column word ("name").
  const floor = scored.some((entry) => entry.score >= 3) ? 3 : 1;
  const kept = scored
    .filter((entry) => entry.score >= floor)
    .sort((a, b) => b.score - a.score || a.index - b.index)
    .slice(0, max);
  if (kept.length === 0) return [...tables];
  return kept.sort((a, b) => a.index - b.index).map((entry) => entry.table);
}

/** A column name as words, without a short table prefix (`c_acctbal` -> `acctbal`). */
const words = (name: string) => name.replace(/^[a-z]{1,2}_/, '').replace(/_/g, ' ');

interface SqlExample {
  question: string;
  tables: string[];
  columns: string[];
  sql: string;
}

/**
 * A pool of `sql`-format examples built from the schema itself (never from the evaluation set):
 * one per common query shape (count, filters, aggregates, distinct, dates, grouping, top-N, list,
 * arg-max, join), each on the first column of the kind it needs, with made-up values (100, 'ABC',
 * 2020). `selectExamples` then shows the few closest to the question.
 */
export function sqlExamplePool(tables: readonly SchemaTable[]): SqlExample[] {
  const first = tables[0];
  if (!first) return [];
  const pool: SqlExample[] = [];
  const add = (question: string, table: string, columns: string[], sql: string) =>
    pool.push({ question, tables: [table], columns, sql });
  const all = tables.flatMap((table) => table.columns.map((column) => ({ table, column })));
  const isKey = (name: string) => /(key|id)$/i.test(name);
  const w = (name: string) => words(name);
  add(
    `How many ${first.name} rows are there?`,
    first.name,
    [],
    `SELECT count(*) FROM ${first.name}`,
  );
  const numeric =
    all.find(({ column }) => /^(DOUBLE|FLOAT|DECIMAL)/i.test(column.type)) ??
    all.find(({ column }) => NUMERIC_TYPE.test(column.type) && !isKey(column.name));
  const text = all.find(
    ({ column }) =>
      /^STRING/i.test(column.type) && !isKey(column.name) && !/comment/i.test(column.name),
  );
  const category =
    all.find(
      ({ column }) =>
        /^STRING/i.test(column.type) && !/name|comment|address|phone/i.test(column.name),
    ) ??
    all.find(({ column }) => /^(INT|BIGINT|SMALLINT)/i.test(column.type) && !isKey(column.name));
  const dated = all.find(({ column }) => DATE_TYPE.test(column.type));
  if (numeric) {
    const t = numeric.table.name;
    const c = numeric.column.name;
    add(
      `How many ${t} rows have a ${w(c)} above 100?`,
      t,
      [c],
      `SELECT count(*) FROM ${t} WHERE ${c} > 100`,
    );
    add(`What is the average ${w(c)}?`, t, [c], `SELECT avg(${c}) FROM ${t}`);
    add(`What is the total ${w(c)} of all ${t} rows?`, t, [c], `SELECT sum(${c}) FROM ${t}`);
    add(`What is the lowest ${w(c)}?`, t, [c], `SELECT min(${c}) FROM ${t}`);
  }
  if (category) {
    const t = category.table.name;
    const c = category.column.name;
    const value = /^STRING/i.test(category.column.type) ? "'ABC'" : '100';
    add(
      `How many ${t} rows have ${w(c)} ${value}?`,
      t,
      [c],
      `SELECT count(*) FROM ${t} WHERE ${c} = ${value}`,
    );
    add(
      `How many different ${w(c)} values are there?`,
      t,
      [c],
      `SELECT count(DISTINCT ${c}) FROM ${t}`,
    );
    add(
      `How many ${t} rows are there for each ${w(c)}?`,
      t,
      [c],
      `SELECT ${c}, count(*) FROM ${t} GROUP BY ${c}`,
    );
    add(
      `Which 3 ${w(c)} values have the most ${t} rows?`,
      t,
      [c],
      `SELECT ${c}, count(*) AS n FROM ${t} GROUP BY ${c} ORDER BY n DESC LIMIT 3`,
    );
  }
  if (dated) {
    const t = dated.table.name;
    const c = dated.column.name;
    const day = /^TIMESTAMP/i.test(dated.column.type) ? `to_date(${c})` : c;
    add(
      `How many ${t} rows have a ${w(c)} in 2020?`,
      t,
      [c],
      `SELECT count(*) FROM ${t} WHERE year(${c}) = 2020`,
    );
    add(
      `How many ${t} rows have a ${w(c)} in June 2020?`,
      t,
      [c],
      `SELECT count(*) FROM ${t} WHERE ${c} >= DATE '2020-06-01' AND ${c} < DATE '2020-07-01'`,
    );
    add(
      `How many ${t} rows have a ${w(c)} on June 15, 2020?`,
      t,
      [c],
      `SELECT count(*) FROM ${t} WHERE ${day} = DATE '2020-06-15'`,
    );
  }
  if (text) {
    const t = text.table.name;
    const c = text.column.name;
    add(`List the ${w(c)} of all ${t} rows.`, t, [c], `SELECT ${c} FROM ${t}`);
    const measure = text.table.columns.find(
      (column) => NUMERIC_TYPE.test(column.type) && !isKey(column.name),
    );
    if (measure)
      add(
        `What is the ${w(c)} of the ${t} row with the highest ${w(measure.name)}?`,
        t,
        [c, measure.name],
        `SELECT ${c} FROM ${t} ORDER BY ${measure.name} DESC LIMIT 1`,
      );
  }
  const edge = joinGraph(tables)[0];
  if (edge) {
    const other = tables.find((table) => table.name === edge.right);
    const column = other?.columns.find(
      (candidate) => /^STRING/i.test(candidate.type) && !isKey(candidate.name),
    );
    const [l, r] = edge.on[0] as [string, string];
    if (other && column)
      pool.push({
        question: `How many ${edge.left} rows have a ${other.name} whose ${w(column.name)} is 'ABC'?`,
        tables: [edge.left, other.name],
        columns: [l, r, column.name],
        sql: `SELECT count(*) FROM ${edge.left} JOIN ${other.name} ON ${l} = ${r} WHERE ${column.name} = 'ABC'`,
      });
  }
  return pool;
}

/**
 * The `count` examples of `pool` closest to `question` by shared words, the closest last (a
 * small model follows the last example most).
 */
export function selectExamples<T extends { question: string }>(
  pool: readonly T[],
  question: string,
  tables: readonly SchemaTable[] = [],
  count = 4,
): T[] {
  // The shape of a question is in its other words: table and column words say what it is about.
  const schemaWords = new Set<string>();
  for (const table of tables) {
    const { name, columns } = tableWords(table);
    for (const word of [...name, ...columns]) schemaWords.add(word);
  }
  const shape = (text: string) => keywords(text).filter((word) => !schemaWords.has(word));
  const asked = new Set(shape(question));
  const scored = pool.map((example, index) => ({
    example,
    index,
    score: shape(example.question).filter((word) => asked.has(word)).length,
  }));
  return scored
    .sort((a, b) => b.score - a.score || a.index - b.index)
    .slice(0, count)
    .reverse()
    .map((entry) => entry.example);
}

function formatSqlExamples(
  examples: readonly SqlExample[],
  answerable: boolean,
  linking: boolean,
): string {
  return examples
    .map((example) => {
      const answer = {
        ...(answerable ? { answerable: true } : {}),
        ...(linking ? { tables: example.tables, columns: example.columns } : {}),
        sql: example.sql,
      };
      return `Q: ${example.question}\nA: ${JSON.stringify(answer)}`;
    })
    .join('\n');
}

/** Fills `{name}` placeholders. */
function fill(template: string, values: Record<string, string>): string {
  return template.replace(/\{(\w+)\}/g, (whole, name: string) => values[name] ?? whole);
}

function addUsage(total: TokenCounts, message: BaseMessage | undefined): void {
  const usage = (message as AIMessage | undefined)?.usage_metadata;
  if (!usage) return;
  total.input += usage.input_tokens ?? 0;
  total.output += usage.output_tokens ?? 0;
  total.total += usage.total_tokens ?? (usage.input_tokens ?? 0) + (usage.output_tokens ?? 0);
}

function messageText(message: BaseMessage): string {
  const content = message.content;
  if (typeof content === 'string') return content;
  return content
    .map((part) => (typeof part === 'string' ? part : 'text' in part ? String(part.text) : ''))
    .join('');
}

function errorText(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  // The first lines carry the Databricks error class and hint; the rest is noise for a model.
  return message.split('\n').slice(0, 3).join(' ').slice(0, 600);
}

function throwIfAborted(signal: AbortSignal | undefined): void {
  if (signal?.aborted) {
    throw signal.reason instanceof Error
      ? signal.reason
      : new DOMException('Aborted', 'AbortError');
  }
}

/** SQL as the model wrote it, minus a code fence, a `SQLQuery:` label and trailing semicolons. */
export function cleanSql(sql: string): string {
  let text = sql.trim();
  const fence = /^```[a-zA-Z]*\s*([\s\S]*?)\s*```$/.exec(text);
  if (fence) text = fence[1] ?? text;
  text = text.replace(/^SQLQuery:\s*/i, '');
  return text.replace(/[;\s]+$/, '').trim();
}

/** The tables (and their columns) of the database's schema, as the enum builder wants them. */
export function schemaTables(db: DatabricksSqlDatabase): SchemaTable[] {
  const usable = new Set(db.getUsableTableNames());
  return db.allTables
    .filter((table) => usable.has(table.tableName))
    .map((table) => ({
      name: table.tableName,
      columns: table.columns.map((column) => ({
        name: column.columnName,
        type: String(column.dataType ?? ''),
      })),
    }));
}

/** Rows as JSON-safe values for the answering prompt (bigint, Date, Buffer). */
function jsonSafe(rows: Array<Record<string, unknown>>): string {
  return JSON.stringify(rows, (_key, value: unknown) => {
    if (typeof value === 'bigint') return value.toString();
    if (value instanceof Date) return value.toISOString();
    if (Buffer.isBuffer(value)) return value.toString('hex');
    return value;
  });
}

/** Asks one question. Throws only on cancellation and infrastructure errors, never on bad SQL. */
export async function askLakehouse(question: string, options: AskOptions): Promise<AskResult> {
  const {
    db,
    sqlModel,
    answerModel = sqlModel,
    maxRepairs = 2,
    maxRows = 50,
    answerRows = 20,
    signal,
  } = options;
  const emit = options.onEvent ?? (() => undefined);
  const started = performance.now();
  const tokens: TokenCounts = { input: 0, output: 0, total: 0 };
  const timings = { schemaMs: 0, sqlMs: 0, executeMs: 0, answerMs: 0, totalMs: 0 };
  const attempts: SqlAttempt[] = [];
  let sqlResult: { sql: string; result: DatabricksQueryResult } | undefined;

  const loadSchema = RunnableLambda.from(async () => {
    const all = schemaTables(db);
    const maxTables = options.maxTables ?? 0;
    const tables =
      options.fullSchema || maxTables === 0 ? all : relevantTables(all, question, maxTables);
    const tableInfo = await db.getTableInfo(tables.map((table) => table.name));
    return { tables, allTables: all, tableInfo };
  }).withConfig({ runName: 'load_schema' });

  const explainSql = RunnableLambda.from(async (sql: string, config?: RunnableConfig) => {
    await db.query(`EXPLAIN ${sql}`, { maxRows: 1, signal: config?.signal ?? signal });
    return 'ok';
  }).withConfig({ runName: 'explain_sql' });

  const runSql = RunnableLambda.from(async (sql: string, config?: RunnableConfig) => {
    return db.query(sql, { maxRows, signal: config?.signal ?? signal });
  }).withConfig({ runName: 'run_sql' });

  const chain = RunnableLambda.from(
    async (input: { question: string }, config?: RunnableConfig) => {
      const child = (runName?: string): RunnableConfig => ({
        ...config,
        ...(runName ? { runName } : {}),
      });
      let phase = performance.now();
      const { tables, allTables, tableInfo } = await loadSchema.invoke(undefined, child());
      emit({ type: 'schema', tables: tables.map((table) => table.name) });
      timings.schemaMs = performance.now() - phase;

      const format = options.format ?? 'sql';
      const allowUnanswerable = format === 'sql' && options.allowUnanswerable !== false;
      const schemaLinking = options.schemaLinking === true;
      const schema =
        format === 'clauses'
          ? buildSqlAnswerSchema(tables)
          : buildSqlStringSchema(tables, { answerable: allowUnanswerable, linking: schemaLinking });
      const structuredOptions = {
        method: 'jsonSchema',
        name: 'sql_query',
        includeRaw: true,
      } as const;
      const structured = sqlModel.withStructuredOutput(schema, structuredOptions);
      const structuredRepair = (options.repairModel ?? sqlModel).withStructuredOutput(
        schema,
        structuredOptions,
      );
      // `clauses`: its template has the Examples heading; `sql`: the heading only with examples.
      let examples = format === 'clauses' ? schemaExamples(tables, format) : '';
      if (format === 'sql' && options.examples === 'selected') {
        const chosen = selectExamples(sqlExamplePool(allTables), input.question, allTables);
        if (chosen.length > 0)
          examples = `\n\nExamples:\n${formatSqlExamples(chosen, allowUnanswerable, schemaLinking)}`;
      }
      const fullRules = format === 'sql' && options.rules !== 'short';
      const joins = fullRules ? documentedJoins(tableInfo, tables) : [];
      const values = fullRules ? await columnValues(db, tables) : [];
      // The system prompt comes first and changes least (rules, then the tables, then the
      // examples), so a local model's KV cache of it is reused by the next calls.
      const messages: Array<[string, string]> = [
        [
          'system',
          fill(format === 'clauses' ? SQL_SYSTEM_PROMPT : SQL_STRING_SYSTEM_PROMPT, {
            schema: `${db.catalog}.${db.schema}`,
            table_info: tableInfo,
            examples,
            unanswerable_rule: allowUnanswerable ? UNANSWERABLE_RULE : '',
            answer_rule: options.answerInConversation === false ? '' : ANSWER_RULE,
            linking_fields: schemaLinking
              ? '"tables" (the tables you read), "columns" (the columns you use) and '
              : '',
            date_rule: fullRules ? DATE_RULE : SHORT_DATE_RULE,
            join_rule: fullRules && joins.length > 0 ? JOIN_RULE : '',
            name_rule: fullRules ? NAME_RULE : '',
            join_keys:
              fullRules && joins.length > 0
                ? `\n\nJoin keys:\n${joins.map((join) => `- ${formatJoin(join)}`).join('\n')}`
                : '',
            column_values:
              values.length > 0
                ? `\n\nValues of short-list columns:\n${values.map((entry) => `- ${formatColumnValues(entry)}`).join('\n')}`
                : '',
            answerable_field: allowUnanswerable
              ? '"answerable" (true when the tables below hold what the question asks for), '
              : '',
          }),
        ],
        ['human', input.question],
      ];

      let result: DatabricksQueryResult | undefined;
      let sql: string | undefined;
      let sqlText = '';
      /** A repair hint named a join that reaches what the question asks about. */
      let joinHinted = false;
      for (let attempt = 1; attempt <= maxRepairs + 1; attempt++) {
        throwIfAborted(signal);
        emit({ type: 'generating', attempt });
        phase = performance.now();
        const writer = attempt === 1 ? structured : structuredRepair;
        const output = (await writer.invoke(messages, child('generate_sql'))) as {
          raw: BaseMessage;
          parsed: unknown;
          parsing_error: unknown;
        };
        timings.sqlMs += performance.now() - phase;
        addUsage(tokens, output.raw);
        const rawText = messageText(output.raw);
        if (
          allowUnanswerable &&
          !output.parsing_error &&
          (output.parsed as { answerable?: unknown } | null)?.answerable === false
        ) {
          // After a hint that found the column or value in a joinable table, the data does hold
          // it: a small model that gives up there is told so once more (not on the last try).
          if (joinHinted && attempt <= maxRepairs) {
            joinHinted = false;
            attempts.push({ stage: 'generate', error: 'declined after a join hint' });
            messages.push(
              ['ai', rawText || '{}'],
              [
                'human',
                'The tables do hold it: answer with "answerable": true and the SQL, using the JOIN given above.',
              ],
            );
            continue;
          }
          attempts.push({ stage: 'generate', error: 'the model found no data for the question' });
          return {
            answered: false,
            unanswerable: true,
            answer: `I cannot answer this from the data in ${db.catalog}.${db.schema}: its tables have nothing the question asks for.`,
          };
        }
        let candidate: string;
        let fromCompleted = false;
        try {
          if (output.parsing_error)
            throw new Error(`Your answer was not valid JSON: ${errorText(output.parsing_error)}`);
          const checked = checkSqlAnswer(output.parsed, tables, {
            completeFrom: options.completeFrom !== false,
          });
          candidate = cleanSql(checked.sql);
          fromCompleted = checked.fromCompleted === true;
          // Not on the last attempt: a model that keeps its query after being told gets it run.
          const lastAttempt = attempt === maxRepairs + 1;
          if (fullRules && !lastAttempt) {
            const dateProblem = dateRangeProblem(input.question, candidate);
            const problem = dateProblem
              ? { text: dateProblem }
              : misplacedValueHint(candidate, values, tables, joins);
            if (problem?.join) joinHinted = true;
            if (problem) throw new Error(problem.text);
          }
        } catch (error) {
          throwIfAborted(signal);
          const message = errorText(error);
          attempts.push({ stage: 'generate', error: message });
          emit({ type: 'rejected', attempt, stage: 'generate', error: message });
          messages.push(['ai', rawText || '{}'], ['human', `${message} Answer again with JSON.`]);
          continue;
        }
        emit({ type: 'sql', sql: candidate, attempt });
        phase = performance.now();
        let stage: SqlAttempt['stage'] = 'explain';
        try {
          await explainSql.invoke(candidate, child());
          stage = 'execute';
          emit({ type: 'executing', sql: candidate });
          result = await runSql.invoke(candidate, child());
          timings.executeMs += performance.now() - phase;
          sql = candidate;
          sqlText = rawText;
          attempts.push({
            stage: 'ok',
            sql: candidate,
            ...(fromCompleted ? { fromCompleted } : {}),
          });
          break;
        } catch (error) {
          timings.executeMs += performance.now() - phase;
          throwIfAborted(signal);
          const message = errorText(error);
          attempts.push({
            stage,
            sql: candidate,
            error: message,
            ...(fromCompleted ? { fromCompleted } : {}),
          });
          emit({ type: 'rejected', attempt, stage, error: message });
          const hint = fullRules
            ? unresolvedColumnHint(message, candidate, tables, joins)
            : undefined;
          if (hint?.join) joinHinted = true;
          messages.push(
            ['ai', rawText],
            [
              'human',
              `The query ${candidate} failed: ${message}\n${hint ? `${hint.text}\n` : ''}Fix it. Use only the tables and columns listed above.`,
            ],
          );
        }
      }

      if (!result || !sql) {
        const last = attempts.at(-1);
        return {
          answered: false,
          unanswerable: false,
          answer: `I could not answer this question: after ${attempts.length} attempt${attempts.length === 1 ? '' : 's'} the model did not produce SQL that runs on ${db.catalog}.${db.schema}${last?.error ? ` (last error: ${last.error})` : ''}.`,
        };
      }
      emit({
        type: 'rows',
        sql,
        columns: result.columns,
        rows: result.rows,
        count: result.rows.length,
        truncated: result.truncated,
      });
      sqlResult = { sql, result };

      emit({ type: 'answering' });
      phase = performance.now();
      const shown = result.rows.slice(0, answerRows);
      const more =
        result.rows.length > shown.length || result.truncated
          ? `\n(${result.truncated ? 'More than' : 'In all'} ${result.rows.length} rows; the first ${shown.length} are shown.)`
          : '';
      const rowCount = `${result.rows.length} row${result.rows.length === 1 ? '' : 's'}`;
      const answerMessages: Array<[string, string]> =
        options.answerInConversation === false
          ? [
              ['system', ANSWER_SYSTEM_PROMPT],
              [
                'human',
                `Question: ${input.question}\nSQL: ${sql}\nResult (${rowCount}): ${jsonSafe(shown)}${more}\nAnswer:`,
              ],
            ]
          : [
              ...messages,
              ['ai', sqlText],
              [
                'human',
                fill(ANSWER_IN_CONVERSATION_PROMPT, {
                  result:
                    result.rows.length === 0
                      ? 'The query returned no rows.'
                      : `The query returned ${rowCount}: ${jsonSafe(shown)}${more}`,
                }),
              ],
            ];
      // Streamed, so a terminal shows the answer as it is written.
      let reply: AIMessageChunk | undefined;
      for await (const chunk of await answerModel.stream(answerMessages, child('answer'))) {
        reply = reply ? reply.concat(chunk) : chunk;
        const text = messageText(chunk);
        if (text) emit({ type: 'answer-token', text });
      }
      timings.answerMs = performance.now() - phase;
      addUsage(tokens, reply);
      const text = reply ? messageText(reply).trim() : '';
      if (text === '') {
        return {
          answered: false,
          unanswerable: false,
          answer: 'The query ran (see the rows above), but the model gave no answer from them.',
        };
      }
      return { answered: true, unanswerable: false, answer: text };
    },
  ).withConfig({ runName: options.runName ?? 'ask_lakehouse' });

  const outcome = await chain.invoke(
    { question },
    { callbacks: options.callbacks, signal, runName: options.runName ?? 'ask_lakehouse' },
  );
  timings.totalMs = performance.now() - started;
  return {
    question,
    sql: sqlResult?.sql,
    attempts,
    columns: sqlResult?.result.columns ?? [],
    rows: sqlResult?.result.rows ?? [],
    truncated: sqlResult?.result.truncated ?? false,
    answer: outcome.answer,
    answered: outcome.answered,
    unanswerable: outcome.unanswerable,
    tokens,
    timings,
  };
}
