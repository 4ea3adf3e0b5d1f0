/**
 * The function table of the dialect layer: Spark / Databricks functions DuckDB lacks or names,
 * orders or types differently, each rewritten from its already-translated arguments. A rewrite
 * returns undefined when the call has a shape it does not handle; the call is then left as written.
 * See DIALECT.md for the table in prose.
 */

import { unsupportedFeature } from '../errors.js';
import { javaToStrftime } from './date_format.js';
import { isSignificant, type Token } from './lexer.js';
import { duckDbType, parseTypeText, type SparkType } from './spark_types.js';
import { identQuote, sqlQuote } from './sql_quoting.js';

/** What a rewrite may ask of the translator that found the call. */
export interface RewriteContext {
  /** The session's current catalog (Unity Catalog name). */
  readonly currentCatalog: string;
  /**
   * `CAST(x AS type)`-shaped calls (`CAST`, `TRY_CAST`) with the expression and the Spark type
   * translated, or undefined when the argument is not `expression AS type`.
   */
  castLike(functionName: string, rawArguments: Token[][]): string | undefined;
  /** The value bound to a named parameter (`:name`), when the statement has one. */
  parameterValue(name: string): unknown;
}

/**
 * A rewrite of one call: `args` are the translated arguments, `raw` their source tokens (for
 * rewrites that need literal text, such as date patterns).
 */
export type FunctionRewrite = (
  args: string[],
  raw: Token[][],
  context: RewriteContext,
) => string | undefined;

/** Date and time units as Spark writes them (any case, quoted or not) → DuckDB unit names. */
const DATE_UNITS: Record<string, string> = {
  YEAR: 'year',
  YYYY: 'year',
  YY: 'year',
  QUARTER: 'quarter',
  MONTH: 'month',
  MM: 'month',
  MON: 'month',
  WEEK: 'week',
  DAY: 'day',
  DD: 'day',
  HOUR: 'hour',
  MINUTE: 'minute',
  SECOND: 'second',
  MILLISECOND: 'millisecond',
  MICROSECOND: 'microsecond',
  DAYOFYEAR: 'doy',
};

function unitOf(arg: string): string | undefined {
  const m = /^\s*'([^']*)'\s*$/.exec(arg) ?? /^\s*([A-Za-z]+)\s*$/.exec(arg);
  if (!m) return undefined;
  return DATE_UNITS[(m[1] as string).toUpperCase()];
}

/** The text of an argument that is one string literal, else undefined. */
function literalString(tokens: Token[] | undefined): string | undefined {
  const sig = tokens?.filter(isSignificant) ?? [];
  if (sig.length === 1 && sig[0]?.kind === 'string') return sig[0].value;
  return undefined;
}

/**
 * The schema of `from_json(json, schema)`: a type (`ARRAY<STRING>`) or a field list
 * (`a INT, b STRING`), given as a literal or as a named parameter.
 */
function jsonSchema(tokens: Token[] | undefined, context: RewriteContext): SparkType | undefined {
  const sig = tokens?.filter(isSignificant) ?? [];
  if (sig.length !== 1) return undefined;
  const token = sig[0] as Token;
  const text =
    token.kind === 'string'
      ? token.value
      : token.kind === 'named_param'
        ? context.parameterValue(token.value)
        : undefined;
  if (typeof text !== 'string') return undefined;
  try {
    return parseTypeText(text);
  } catch {
    return parseTypeText(`STRUCT<${text}>`);
  }
}

/** `date_add(d, n)` (days) and `date_add(unit, n, ts)` / `dateadd(...)`. */
function dateAdd(a: string[]): string | undefined {
  if (a.length === 2) return `CAST(CAST(${a[0]} AS DATE) + CAST(${a[1]} AS INTEGER) AS DATE)`;
  const u = a.length === 3 ? unitOf(a[0] as string) : undefined;
  return u
    ? `(CAST(${a[2]} AS TIMESTAMP) + to_${u === 'doy' ? 'day' : u}s(CAST(${a[1]} AS INTEGER)))`
    : undefined;
}

const FUNCTIONS: Record<string, FunctionRewrite> = {
  nvl: (a) => `coalesce(${a.join(', ')})`,
  ifnull: (a) => `coalesce(${a.join(', ')})`,
  nvl2: (a) =>
    a.length === 3 ? `(CASE WHEN (${a[0]}) IS NOT NULL THEN ${a[1]} ELSE ${a[2]} END)` : undefined,
  collect_list: (a) => `list(${a.join(', ')})`,
  array_agg: (a) => `list(${a.join(', ')})`,
  collect_set: (a) => `list(DISTINCT ${a.join(', ')})`,
  size: (a) => `CAST(len(${a.join(', ')}) AS INTEGER)`,
  cardinality: (a) => `CAST(len(${a.join(', ')}) AS INTEGER)`,
  array: (a) =>
    a.length === 0 || (a.length === 1 && a[0]?.trim() === '')
      ? '[]'
      : `list_value(${a.join(', ')})`,
  explode: (a) => `unnest(${a.join(', ')})`,
  sort_array: (a) =>
    a.length === 2 && /^\s*false\s*$/i.test(a[1] as string)
      ? `list_reverse_sort(${a[0]})`
      : `list_sort(${a[0]})`,
  array_distinct: (a) => `list_distinct(${a.join(', ')})`,
  array_join: (a) => `array_to_string(${a.slice(0, 2).join(', ')})`,
  array_max: (a) => `list_max(${a.join(', ')})`,
  array_min: (a) => `list_min(${a.join(', ')})`,
  split: (a) => `string_split_regex(${a.slice(0, 2).join(', ')})`,
  percentile_approx: (a) => `approx_quantile(${a.slice(0, 2).join(', ')})`,
  approx_percentile: (a) => `approx_quantile(${a.slice(0, 2).join(', ')})`,
  percentile: (a) => `quantile_cont(${a.slice(0, 2).join(', ')})`,
  current_date: (a) => (a.length === 0 || a[0]?.trim() === '' ? 'current_date' : undefined),
  current_timestamp: () => 'CAST(current_timestamp AS TIMESTAMP)',
  now: () => 'CAST(current_timestamp AS TIMESTAMP)',
  localtimestamp: () => 'CAST(current_timestamp AS TIMESTAMP)',
  current_catalog: (_a, _r, context) => sqlQuote(context.currentCatalog),
  current_database: () => 'current_schema()',
  current_schema: () => 'current_schema()',
  current_user: () => "'local-user@localhost'",
  user: () => "'local-user@localhost'",
  session_user: () => "'local-user@localhost'",
  date_format: (a, raw) => {
    const pat = literalString(raw[1]);
    if (a.length !== 2) return undefined;
    if (pat === undefined) throw unsupportedFeature('date_format with a non-literal pattern');
    return `strftime(CAST(${a[0]} AS TIMESTAMP), ${sqlQuote(javaToStrftime(pat))})`;
  },
  datediff: (a) => {
    if (a.length === 2) return `CAST(CAST(${a[0]} AS DATE) - CAST(${a[1]} AS DATE) AS INTEGER)`;
    if (a.length === 3) {
      const u = unitOf(a[0] as string);
      if (!u) return undefined;
      return `date_diff('${u}', ${a[1]}, ${a[2]})`;
    }
    return undefined;
  },
  timestampdiff: (a) => {
    const u = a.length === 3 ? unitOf(a[0] as string) : undefined;
    return u ? `date_diff('${u}', ${a[1]}, ${a[2]})` : undefined;
  },
  date_diff: (a) => {
    if (a.length === 2) return `(CAST(${a[0]} AS DATE) - CAST(${a[1]} AS DATE))`;
    const u = a.length === 3 ? unitOf(a[0] as string) : undefined;
    return u ? `date_diff('${u}', ${a[1]}, ${a[2]})` : undefined;
  },
  date_add: dateAdd,
  dateadd: dateAdd,
  timestampadd: (a) => {
    const u = a.length === 3 ? unitOf(a[0] as string) : undefined;
    return u ? `(CAST(${a[2]} AS TIMESTAMP) + to_${u}s(CAST(${a[1]} AS INTEGER)))` : undefined;
  },
  date_sub: (a) =>
    a.length === 2 ? `CAST(CAST(${a[0]} AS DATE) - CAST(${a[1]} AS INTEGER) AS DATE)` : undefined,
  add_months: (a) =>
    a.length === 2
      ? `CAST(CAST(${a[0]} AS DATE) + to_months(CAST(${a[1]} AS INTEGER)) AS DATE)`
      : undefined,
  months_between: (a) =>
    a.length >= 2
      ? `CAST(date_diff('month', CAST(${a[1]} AS DATE), CAST(${a[0]} AS DATE)) AS DOUBLE)`
      : undefined,
  date_trunc: (a) => {
    if (a.length !== 2) return undefined;
    const u = unitOf(a[0] as string);
    return `date_trunc(${u ? `'${u}'` : `lower(${a[0]})`}, CAST(${a[1]} AS TIMESTAMP))`;
  },
  trunc: (a) => {
    if (a.length !== 2) return undefined;
    const u = unitOf(a[1] as string);
    if (!u) return undefined; // numeric trunc(x, d)
    return `CAST(date_trunc('${u}', CAST(${a[0]} AS DATE)) AS DATE)`;
  },
  last_day: (a) => (a.length === 1 ? `last_day(CAST(${a[0]} AS DATE))` : undefined),
  to_date: (a, raw) => {
    if (a.length === 1) return `CAST(${a[0]} AS DATE)`;
    const pat = literalString(raw[1]);
    if (pat === undefined) throw unsupportedFeature('to_date with a non-literal pattern');
    return `CAST(strptime(${a[0]}, ${sqlQuote(javaToStrftime(pat))}) AS DATE)`;
  },
  to_timestamp: (a, raw) => {
    if (a.length === 1) return `CAST(${a[0]} AS TIMESTAMP)`;
    const pat = literalString(raw[1]);
    if (pat === undefined) throw unsupportedFeature('to_timestamp with a non-literal pattern');
    return `CAST(strptime(${a[0]}, ${sqlQuote(javaToStrftime(pat))}) AS TIMESTAMP)`;
  },
  from_unixtime: (a, raw) => {
    const pat = a.length > 1 ? literalString(raw[1]) : 'yyyy-MM-dd HH:mm:ss';
    if (pat === undefined) throw unsupportedFeature('from_unixtime with a non-literal pattern');
    return `strftime(CAST(to_timestamp(CAST(${a[0]} AS DOUBLE)) AS TIMESTAMP), ${sqlQuote(javaToStrftime(pat))})`;
  },
  unix_timestamp: (a) =>
    a.length === 0 || a[0]?.trim() === ''
      ? 'CAST(epoch(current_timestamp) AS BIGINT)'
      : `CAST(epoch(CAST(${a[0]} AS TIMESTAMP)) AS BIGINT)`,
  dayofweek: (a) => `(dayofweek(${a[0]}) + 1)`,
  weekday: (a) => `((dayofweek(${a[0]}) + 6) % 7)`,
  named_struct: (a, raw) => {
    if (a.length % 2 !== 0) return undefined;
    const parts: string[] = [];
    for (let i = 0; i < a.length; i += 2) {
      const name = literalString(raw[i]);
      if (name === undefined) return undefined;
      parts.push(`${identQuote(name)} := ${a[i + 1]}`);
    }
    return `struct_pack(${parts.join(', ')})`;
  },
  map: (a) => {
    if (a.length === 0 || (a.length === 1 && a[0]?.trim() === '')) return 'MAP {}';
    if (a.length % 2 !== 0) return undefined;
    const parts: string[] = [];
    for (let i = 0; i < a.length; i += 2) parts.push(`${a[i]}: ${a[i + 1]}`);
    return `MAP {${parts.join(', ')}}`;
  },
  cast: (_a, raw, context) => context.castLike('CAST', raw),
  try_cast: (_a, raw, context) => context.castLike('TRY_CAST', raw),
  struct: (a, raw) => {
    if (a.length === 0 || (a.length === 1 && a[0]?.trim() === '')) return undefined;
    const fields = raw.map((toks, i) => {
      const sig = toks.filter((t) => t.kind !== 'ws' && t.kind !== 'comment');
      const n = sig.length;
      const asIdx =
        n >= 2 && sig[n - 2]?.kind === 'ident' && sig[n - 2]?.value.toUpperCase() === 'AS'
          ? n - 2
          : -1;
      let name = `col${i + 1}`;
      let expr = a[i] as string;
      if (asIdx >= 0) {
        name = (sig[n - 1] as Token).value;
        // drop the trailing "AS name" from the translated argument
        expr = expr.replace(/\s+AS\s+(?:"(?:[^"]|"")*"|[A-Za-z_][A-Za-z0-9_]*)\s*$/i, '');
      } else if (
        sig.every((t, k) =>
          k % 2 === 0 ? t.kind === 'ident' || t.kind === 'qident' : t.text === '.',
        )
      ) {
        name = (sig[n - 1] as Token).value;
      }
      return `${identQuote(name)} := ${expr}`;
    });
    return `struct_pack(${fields.join(', ')})`;
  },
  transform: (a) => (a.length === 2 ? `list_transform(${a[0]}, ${a[1]})` : undefined),
  filter: (a) => (a.length === 2 ? `list_filter(${a[0]}, ${a[1]})` : undefined),
  sequence: (a) =>
    a.length >= 2 && a.length <= 3 ? `generate_series(${a.join(', ')})` : undefined,
  try_divide: (a) =>
    a.length === 2
      ? `(CASE WHEN (${a[1]}) = 0 THEN NULL ELSE (${a[0]}) / (${a[1]}) END)`
      : undefined,
  element_at: (a) => (a.length === 2 ? `(${a[0]})[${a[1]}]` : undefined),
  get_json_object: (a) => (a.length === 2 ? `json_extract_string(${a[0]}, ${a[1]})` : undefined),
  sha2: (a) =>
    a.length === 2 && /^\s*(256|0)\s*$/.test(a[1] as string) ? `sha256(${a[0]})` : undefined,
  pmod: (a) => (a.length === 2 ? `(((${a[0]}) % (${a[1]}) + (${a[1]})) % (${a[1]}))` : undefined),
  space: (a) => (a.length === 1 ? `repeat(' ', CAST(${a[0]} AS INTEGER))` : undefined),
  initcap: (a) =>
    a.length === 1
      ? `array_to_string(list_transform(string_split(lower(${a[0]}), ' '), w -> upper(w[1]) || w[2:]), ' ')`
      : undefined,
  decode: (a) => {
    if (a.length < 3) return undefined;
    const parts: string[] = [];
    let k = 1;
    for (; k + 1 < a.length; k += 2) parts.push(`WHEN ${a[k]} THEN ${a[k + 1]}`);
    const otherwise = k < a.length ? ` ELSE ${a[k]}` : '';
    return `(CASE ${a[0]} ${parts.join(' ')}${otherwise} END)`;
  },
  string: (a) => (a.length === 1 ? `CAST(${a[0]} AS VARCHAR)` : undefined),
  int: (a) => (a.length === 1 ? `CAST(${a[0]} AS INTEGER)` : undefined),
  bigint: (a) => (a.length === 1 ? `CAST(${a[0]} AS BIGINT)` : undefined),
  smallint: (a) => (a.length === 1 ? `CAST(${a[0]} AS SMALLINT)` : undefined),
  tinyint: (a) => (a.length === 1 ? `CAST(${a[0]} AS TINYINT)` : undefined),
  double: (a) => (a.length === 1 ? `CAST(${a[0]} AS DOUBLE)` : undefined),
  float: (a) => (a.length === 1 ? `CAST(${a[0]} AS FLOAT)` : undefined),
  boolean: (a) => (a.length === 1 ? `CAST(${a[0]} AS BOOLEAN)` : undefined),
  date: (a) => (a.length === 1 ? `CAST(${a[0]} AS DATE)` : undefined),
  timestamp: (a) => (a.length === 1 ? `CAST(${a[0]} AS TIMESTAMP)` : undefined),
  // JSON text → a typed value; malformed JSON gives NULL (Spark's PERMISSIVE mode).
  from_json: (a, raw, context) => {
    if (a.length < 2) return undefined;
    const schema = jsonSchema(raw[1], context);
    return schema ? `TRY_CAST(TRY_CAST(${a[0]} AS JSON) AS ${duckDbType(schema)})` : undefined;
  },
  parse_json: (a) => (a.length === 1 ? `CAST(${a[0]} AS JSON)` : undefined),
  try_parse_json: (a) => (a.length === 1 ? `TRY_CAST(${a[0]} AS JSON)` : undefined),
  unbase64: (a) => (a.length === 1 ? `from_base64(${a[0]})` : undefined),
  ai_query: () => {
    throw unsupportedFeature('ai_query');
  },
};

/** The names of the function table (Spark functions the dialect layer rewrites). */
export function rewrittenFunctionNames(): string[] {
  return Object.keys(FUNCTIONS);
}

/** The rewrite of a function named `name` (any case), if the table has one. */
export function functionRewrite(name: string): FunctionRewrite | undefined {
  const key = name.toLowerCase();
  return Object.hasOwn(FUNCTIONS, key) ? FUNCTIONS[key] : undefined;
}
