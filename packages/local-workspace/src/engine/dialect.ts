/**
 * Spark / Databricks SQL → DuckDB SQL translation.
 *
 * A tokenizer (aware of strings, comments, backtick and double-quoted text, parameter markers)
 * followed by a single-pass rewriter over the token stream. Function calls that need their
 * arguments rearranged are parsed to their matching parenthesis, and their arguments are
 * translated recursively. See DIALECT.md for the list of translations.
 */

import { unboundParameterError } from './errors.js';
import { SqlError } from './sql_engine.js';

export type TokenKind =
  | 'ws'
  | 'comment'
  | 'string'
  | 'ident'
  | 'qident'
  | 'number'
  | 'named_param'
  | 'positional_param'
  | 'op';

export interface Token {
  kind: TokenKind;
  /** Source text. */
  text: string;
  /** Decoded value: identifier name, string content, parameter name. */
  value: string;
  /** Source offset. */
  pos: number;
}

const OPS = ['<=>', '::', '<=', '>=', '<>', '!=', '==', '||', '->', '=>'];

/** Split Spark SQL into tokens. Spark strings may be single or double quoted, with `\` escapes. */
export function tokenize(sql: string): Token[] {
  const out: Token[] = [];
  let i = 0;
  const n = sql.length;
  while (i < n) {
    const c = sql[i] as string;
    const start = i;
    if (/\s/.test(c)) {
      while (i < n && /\s/.test(sql[i] as string)) i++;
      out.push({ kind: 'ws', text: sql.slice(start, i), value: '', pos: start });
      continue;
    }
    if (c === '-' && sql[i + 1] === '-') {
      while (i < n && sql[i] !== '\n') i++;
      out.push({ kind: 'comment', text: sql.slice(start, i), value: '', pos: start });
      continue;
    }
    if (c === '/' && sql[i + 1] === '*') {
      const end = sql.indexOf('*/', i + 2);
      i = end < 0 ? n : end + 2;
      out.push({ kind: 'comment', text: sql.slice(start, i), value: '', pos: start });
      continue;
    }
    if (c === "'" || c === '"') {
      let value = '';
      i++;
      let closed = false;
      while (i < n) {
        const ch = sql[i] as string;
        if (ch === '\\' && i + 1 < n) {
          const nx = sql[i + 1] as string;
          const esc: Record<string, string> = {
            n: '\n',
            t: '\t',
            r: '\r',
            '0': '\0',
            b: '\b',
            Z: '\x1a',
          };
          if (nx === '%' || nx === '_') value += `\\${nx}`;
          else value += esc[nx] ?? nx;
          i += 2;
          continue;
        }
        if (ch === c) {
          if (sql[i + 1] === c) {
            value += c;
            i += 2;
            continue;
          }
          i++;
          closed = true;
          break;
        }
        value += ch;
        i++;
      }
      if (!closed)
        throw new SqlError(
          'PARSE_SYNTAX_ERROR',
          '42601',
          `Syntax error at or near end of input: unclosed string literal.`,
        );
      out.push({ kind: 'string', text: sql.slice(start, i), value, pos: start });
      continue;
    }
    if (c === '`') {
      let value = '';
      i++;
      while (i < n) {
        if (sql[i] === '`') {
          if (sql[i + 1] === '`') {
            value += '`';
            i += 2;
            continue;
          }
          i++;
          break;
        }
        value += sql[i];
        i++;
      }
      out.push({ kind: 'qident', text: sql.slice(start, i), value, pos: start });
      continue;
    }
    if (/[0-9]/.test(c) || (c === '.' && /[0-9]/.test(sql[i + 1] ?? ''))) {
      const m = /^(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?(?:BD|[LSYDF])?(?![A-Za-z0-9_])/i.exec(
        sql.slice(i),
      );
      if (m) {
        i += m[0].length;
        out.push({ kind: 'number', text: m[0], value: m[0], pos: start });
        continue;
      }
      // identifiers may start with digits in Spark (e.g. 1a); treat as ident
      const w = /^[A-Za-z0-9_]+/.exec(sql.slice(i));
      i += (w as RegExpExecArray)[0].length;
      out.push({
        kind: 'ident',
        text: sql.slice(start, i),
        value: sql.slice(start, i),
        pos: start,
      });
      continue;
    }
    if (/[A-Za-z_\u0080-\uffff]/.test(c)) {
      while (i < n && /[A-Za-z0-9_$\u0080-\uffff]/.test(sql[i] as string)) i++;
      const text = sql.slice(start, i);
      out.push({ kind: 'ident', text, value: text, pos: start });
      continue;
    }
    if (
      c === ':' &&
      sql[i + 1] !== ':' &&
      sql[i - 1] !== ':' &&
      /[A-Za-z_]/.test(sql[i + 1] ?? '')
    ) {
      i++;
      while (i < n && /[A-Za-z0-9_]/.test(sql[i] as string)) i++;
      out.push({
        kind: 'named_param',
        text: sql.slice(start, i),
        value: sql.slice(start + 1, i),
        pos: start,
      });
      continue;
    }
    // A quoted named marker, :`name` (Spark accepts it; SQLAlchemy's Databricks dialect sends
    // every bound value this way). Names a DuckDB `$name` can carry are the ones clients use.
    if (
      c === ':' &&
      sql[i + 1] === '`' &&
      sql[i - 1] !== ':' &&
      /^`[A-Za-z_][A-Za-z0-9_]*`/.test(sql.slice(i + 1))
    ) {
      const close = sql.indexOf('`', i + 2);
      out.push({
        kind: 'named_param',
        text: sql.slice(start, close + 1),
        value: sql.slice(i + 2, close),
        pos: start,
      });
      i = close + 1;
      continue;
    }
    if (c === '?') {
      i++;
      out.push({ kind: 'positional_param', text: '?', value: '?', pos: start });
      continue;
    }
    const op = OPS.find((o) => sql.startsWith(o, i));
    if (op) {
      i += op.length;
      out.push({ kind: 'op', text: op, value: op, pos: start });
      continue;
    }
    i++;
    out.push({ kind: 'op', text: c, value: c, pos: start });
  }
  return out;
}

/** Java `SimpleDateFormat`/Spark datetime pattern → DuckDB strftime pattern. */
export function javaToStrftime(pattern: string): string {
  let out = '';
  let i = 0;
  while (i < pattern.length) {
    const c = pattern[i] as string;
    if (c === "'") {
      // quoted literal text ('' is a single quote)
      if (pattern[i + 1] === "'") {
        out += "'";
        i += 2;
        continue;
      }
      const end = pattern.indexOf("'", i + 1);
      const lit = pattern.slice(i + 1, end < 0 ? pattern.length : end);
      out += lit.replace(/%/g, '%%');
      i = end < 0 ? pattern.length : end + 1;
      continue;
    }
    if (/[A-Za-z]/.test(c)) {
      let j = i;
      while (pattern[j] === c) j++;
      const len = j - i;
      i = j;
      switch (c) {
        case 'y':
        case 'Y':
        case 'u':
          out += len === 2 ? '%y' : '%Y';
          break;
        case 'M':
        case 'L':
          out += len >= 4 ? '%B' : len === 3 ? '%b' : len === 2 ? '%m' : '%-m';
          break;
        case 'd':
          out += len >= 2 ? '%d' : '%-d';
          break;
        case 'D':
          out += '%j';
          break;
        case 'H':
          out += len >= 2 ? '%H' : '%-H';
          break;
        case 'h':
          out += len >= 2 ? '%I' : '%-I';
          break;
        case 'k':
          out += '%H';
          break;
        case 'm':
          out += len >= 2 ? '%M' : '%-M';
          break;
        case 's':
          out += len >= 2 ? '%S' : '%-S';
          break;
        case 'S':
          out += len <= 3 ? '%g' : len <= 6 ? '%f' : '%n';
          break;
        case 'a':
          out += '%p';
          break;
        case 'E':
          out += len >= 4 ? '%A' : '%a';
          break;
        case 'Z':
        case 'X':
        case 'x':
          out += '%z';
          break;
        case 'z':
        case 'V':
          out += '%Z';
          break;
        case 'w':
          out += '%V';
          break;
        case 'Q':
        case 'q':
          throw new SqlError(
            'UNSUPPORTED_FEATURE',
            '0A000',
            `The datetime pattern letter '${c}' is not supported by the local warehouse.`,
          );
        default:
          out += c.repeat(len);
      }
      continue;
    }
    out += c === '%' ? '%%' : c;
    i++;
  }
  return out;
}

/** Spark type names → DuckDB. */
const SIMPLE_TYPES: Record<string, string> = {
  STRING: 'VARCHAR',
  LONG: 'BIGINT',
  INT: 'INTEGER',
  INTEGER: 'INTEGER',
  SHORT: 'SMALLINT',
  BYTE: 'TINYINT',
  BINARY: 'BLOB',
  TIMESTAMP_NTZ: 'TIMESTAMP',
  TIMESTAMP_LTZ: 'TIMESTAMP',
  REAL: 'FLOAT',
  VOID: '"NULL"',
};

export interface Catalogs {
  /** Internal DuckDB name of a Unity Catalog catalog, or undefined when no such catalog. */
  internalName(name: string): string | undefined;
}

export interface TranslateContext {
  catalogs: Catalogs;
  /** Current Unity Catalog catalog (external name). */
  currentCatalog: string;
  currentSchema: string;
  /** Parameter types, applied as casts. */
  namedTypes?: Record<string, string | undefined>;
  positionalTypes?: Array<string | undefined>;
  /** Schema holding the information_schema table macros. */
  infoSchemaPrefix?: string;
}

export interface DdlComments {
  /** The created table as DuckDB SQL (already catalog-mapped). */
  table: string;
  tableComment?: string;
  columns: Array<[column: string, comment: string]>;
}

export interface Translation {
  sql: string;
  /** `COMMENT '...'` clauses removed from a CREATE TABLE, to apply with COMMENT ON afterwards. */
  ddlComments?: DdlComments;
  /** Named parameter markers found (`:name`), in order of first appearance. */
  namedParams: string[];
  /** Number of positional `?` markers. */
  positionalCount: number;
}

const INFO_SCHEMA_TABLES = new Set([
  'tables',
  'columns',
  'schemata',
  'catalogs',
  'views',
  'table_constraints',
  'key_column_usage',
  'referential_constraints',
  'constraint_column_usage',
]);

function sqlString(s: string): string {
  return `'${s.replace(/'/g, "''")}'`;
}

function quoteIdent(s: string): string {
  return `"${s.replace(/"/g, '""')}"`;
}

/** A parameter marker with its cast (timestamps may carry an offset: read as TIMESTAMPTZ). */
function castMarker(marker: string, cast: string | undefined): string {
  if (!cast) return marker;
  if (cast === 'TIMESTAMP') return `CAST(CAST(${marker} AS TIMESTAMPTZ) AS TIMESTAMP)`;
  return `CAST(${marker} AS ${cast})`;
}

/**
 * The type of a parameter as sent by a client, completed from its value: a bare `DECIMAL` gets the
 * precision and scale of the value's text (Databricks infers them the same way).
 */
export function completeParameterType(
  type: string | undefined,
  value: unknown,
): string | undefined {
  if (!type) return type;
  const u = type.trim().toUpperCase();
  if (
    (u === 'DECIMAL' || u === 'NUMERIC' || u === 'DEC') &&
    value !== null &&
    value !== undefined
  ) {
    const m = /^[+-]?(\d*)(?:\.(\d*))?(?:[eE][+-]?\d+)?$/.exec(String(value).trim());
    if (m) {
      const scale = Math.min(38, (m[2] ?? '').length);
      const intDigits = Math.max(1, (m[1] ?? '').replace(/^0+(?=\d)/, '').length);
      return `DECIMAL(${Math.min(38, Math.max(intDigits + scale, 1))},${scale})`;
    }
  }
  if (u.startsWith('INTERVAL')) return 'INTERVAL';
  return type;
}

/** A Spark parameter type (TSparkParameter.type) → DuckDB cast target, or undefined for none. */
export function parameterCastType(t: string | undefined): string | undefined {
  if (!t) return undefined;
  const u = t.trim().toUpperCase();
  if (u === '' || u === 'VOID' || u === 'NULL') return undefined;
  const toks = tokenize(u).filter((x) => x.kind !== 'ws');
  try {
    return new TypeParser(toks, 0).parse().text;
  } catch {
    return undefined;
  }
}

class TypeParser {
  constructor(
    private readonly toks: Token[],
    public pos: number,
  ) {}
  private peek(): Token | undefined {
    return this.toks[this.pos];
  }
  private next(): Token {
    const t = this.toks[this.pos++];
    if (!t) throw new Error('eof');
    return t;
  }
  private expect(v: string) {
    const t = this.next();
    if (t.value !== v) throw new Error(`expected ${v}`);
  }
  parse(): { text: string } {
    const t = this.next();
    const name = t.value.toUpperCase();
    if ((name === 'ARRAY' || name === 'MAP' || name === 'STRUCT') && this.peek()?.value === '<') {
      this.next();
      if (name === 'ARRAY') {
        const inner = this.parse();
        this.expect('>');
        return { text: `${inner.text}[]` };
      }
      if (name === 'MAP') {
        const k = this.parse();
        this.expect(',');
        const v = this.parse();
        this.expect('>');
        return { text: `MAP(${k.text}, ${v.text})` };
      }
      const fields: string[] = [];
      while (this.peek() && this.peek()?.value !== '>') {
        const fname = this.next();
        if (this.peek()?.value === ':') this.next();
        const ft = this.parse();
        // optional NOT NULL / COMMENT
        while (this.peek() && this.peek()?.value !== ',' && this.peek()?.value !== '>') this.next();
        fields.push(`${quoteIdent(fname.value)} ${ft.text}`);
        if (this.peek()?.value === ',') this.next();
      }
      this.expect('>');
      return { text: `STRUCT(${fields.join(', ')})` };
    }
    if (
      (name === 'DECIMAL' || name === 'DEC' || name === 'NUMERIC') &&
      this.peek()?.value === '('
    ) {
      this.next();
      const p = this.next().value;
      let s = '0';
      if (this.peek()?.value === ',') {
        this.next();
        s = this.next().value;
      }
      this.expect(')');
      return { text: `DECIMAL(${p},${s})` };
    }
    if ((name === 'VARCHAR' || name === 'CHAR') && this.peek()?.value === '(') {
      this.next();
      this.next();
      this.expect(')');
      return { text: 'VARCHAR' };
    }
    if (name === 'DECIMAL' || name === 'DEC' || name === 'NUMERIC')
      return { text: 'DECIMAL(10,0)' };
    if (name === 'INTERVAL') {
      // INTERVAL DAY TO SECOND etc.
      while (
        this.peek() &&
        /^(YEAR|MONTH|DAY|HOUR|MINUTE|SECOND|TO)$/i.test(this.peek()?.value ?? '')
      )
        this.next();
      return { text: 'INTERVAL' };
    }
    if (name === 'TIMESTAMP' && /^WITH|WITHOUT$/i.test(this.peek()?.value ?? '')) {
      // leave as-is for DuckDB
      return { text: 'TIMESTAMP' };
    }
    if (t.kind === 'qident') return { text: quoteIdent(t.value) };
    return { text: SIMPLE_TYPES[name] ?? name };
  }
}

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

function unsupported(what: string): SqlError {
  return new SqlError(
    'UNSUPPORTED_FEATURE',
    '0A000',
    `${what} is not supported by the local warehouse.`,
  );
}

type FnRewrite = (args: string[], raw: Token[][], tr: Translator) => string | undefined;

const FUNCTIONS: Record<string, FnRewrite> = {
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
  current_catalog: (_a, _r, tr) => sqlString(tr.ctx.currentCatalog),
  current_database: () => 'current_schema()',
  current_schema: () => 'current_schema()',
  current_user: () => "'local-user@localhost'",
  user: () => "'local-user@localhost'",
  session_user: () => "'local-user@localhost'",
  date_format: (a, raw) => {
    const pat = literalString(raw[1]);
    if (a.length !== 2) return undefined;
    if (pat === undefined) throw unsupported('date_format with a non-literal pattern');
    return `strftime(CAST(${a[0]} AS TIMESTAMP), ${sqlString(javaToStrftime(pat))})`;
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
  date_add: (a) => {
    if (a.length === 2) return `CAST(CAST(${a[0]} AS DATE) + CAST(${a[1]} AS INTEGER) AS DATE)`;
    const u = a.length === 3 ? unitOf(a[0] as string) : undefined;
    return u
      ? `(CAST(${a[2]} AS TIMESTAMP) + to_${u === 'doy' ? 'day' : u}s(CAST(${a[1]} AS INTEGER)))`
      : undefined;
  },
  dateadd: (a) => FUNCTIONS.date_add?.(a, [], undefined as unknown as Translator),
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
    if (pat === undefined) throw unsupported('to_date with a non-literal pattern');
    return `CAST(strptime(${a[0]}, ${sqlString(javaToStrftime(pat))}) AS DATE)`;
  },
  to_timestamp: (a, raw) => {
    if (a.length === 1) return `CAST(${a[0]} AS TIMESTAMP)`;
    const pat = literalString(raw[1]);
    if (pat === undefined) throw unsupported('to_timestamp with a non-literal pattern');
    return `CAST(strptime(${a[0]}, ${sqlString(javaToStrftime(pat))}) AS TIMESTAMP)`;
  },
  from_unixtime: (a, raw) => {
    const pat = a.length > 1 ? literalString(raw[1]) : 'yyyy-MM-dd HH:mm:ss';
    if (pat === undefined) throw unsupported('from_unixtime with a non-literal pattern');
    return `strftime(CAST(to_timestamp(CAST(${a[0]} AS DOUBLE)) AS TIMESTAMP), ${sqlString(javaToStrftime(pat))})`;
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
      parts.push(`${quoteIdent(name)} := ${a[i + 1]}`);
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
  cast: (_a, raw, tr) => tr.castLike('CAST', raw),
  try_cast: (_a, raw, tr) => tr.castLike('TRY_CAST', raw),
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
      return `${quoteIdent(name)} := ${expr}`;
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
  ai_query: () => {
    throw unsupported('ai_query');
  },
};

function literalString(toks: Token[] | undefined): string | undefined {
  const sig = toks?.filter((t) => t.kind !== 'ws' && t.kind !== 'comment') ?? [];
  if (sig.length === 1 && sig[0]?.kind === 'string') return sig[0].value;
  return undefined;
}

/** Keywords after which an identifier followed by `(` is not a function call. */
const NOT_CALL_PREV = new Set(['TABLE', 'INTO', 'VIEW', 'EXISTS']);

/** Whether a significant token can end an operand (so a following `/` is a division). */
function isValueEnd(t: Token): boolean {
  if (t.kind === 'op') return t.text === ')' || t.text === ']';
  if (t.kind === 'ident')
    return !/^(SELECT|WHERE|AND|OR|NOT|ON|BY|WHEN|THEN|ELSE|CASE|IN|IS|AS|FROM|HAVING|LIKE|BETWEEN)$/i.test(
      t.value,
    );
  return t.kind !== 'ws' && t.kind !== 'comment';
}

class Translator {
  namedParams: string[] = [];
  positionalCount = 0;
  ddl: DdlComments | undefined;
  private create = { active: false, expectTable: false, depth: 0, expectColumn: false, column: '' };
  constructor(
    readonly toks: Token[],
    readonly ctx: TranslateContext,
  ) {}

  private sigIndex(from: number, dir: 1 | -1, lo: number, hi: number): number {
    let i = from;
    while (i >= lo && i < hi) {
      const k = this.toks[i]?.kind;
      if (k !== 'ws' && k !== 'comment') return i;
      i += dir;
    }
    return -1;
  }

  /** Index of the `)` matching the `(` at `open`. */
  private matchParen(open: number, hi: number): number {
    let depth = 0;
    for (let i = open; i < hi; i++) {
      const t = this.toks[i] as Token;
      if (t.kind !== 'op') continue;
      if (t.text === '(' || t.text === '[' || t.text === '{') depth++;
      else if (t.text === ')' || t.text === ']' || t.text === '}') {
        depth--;
        if (depth === 0) return i;
      }
    }
    throw new SqlError(
      'PARSE_SYNTAX_ERROR',
      '42601',
      "Syntax error at or near end of input: missing ')'.",
    );
  }

  /** Top-level comma-separated ranges between `open` and `close` (exclusive). */
  private splitArgs(open: number, close: number): Array<[number, number]> {
    const out: Array<[number, number]> = [];
    let depth = 0;
    let s = open + 1;
    for (let i = open + 1; i < close; i++) {
      const t = this.toks[i] as Token;
      if (t.kind !== 'op') continue;
      if (t.text === '(' || t.text === '[' || t.text === '{') depth++;
      else if (t.text === ')' || t.text === ']' || t.text === '}') depth--;
      else if (t.text === ',' && depth === 0) {
        out.push([s, i]);
        s = i + 1;
      }
    }
    if (s < close || out.length > 0) out.push([s, close]);
    return out;
  }

  castLike(fn: string, raw: Token[][]): string | undefined {
    const all = raw[0] ?? [];
    // find top-level AS
    let depth = 0;
    let asAt = -1;
    for (let i = all.length - 1; i >= 0; i--) {
      const t = all[i] as Token;
      if (t.kind === 'op' && (t.text === ')' || t.text === ']')) depth++;
      else if (t.kind === 'op' && (t.text === '(' || t.text === '[')) depth--;
      else if (depth === 0 && t.kind === 'ident' && t.value.toUpperCase() === 'AS') {
        asAt = i;
        break;
      }
    }
    if (asAt < 0 || raw.length !== 1) return undefined;
    const expr = new Translator(all.slice(0, asAt), this.ctx);
    const exprSql = expr.run();
    this.absorb(expr);
    const typeToks = all.slice(asAt + 1).filter((t) => t.kind !== 'ws' && t.kind !== 'comment');
    let typeSql: string;
    try {
      typeSql = new TypeParser(typeToks, 0).parse().text;
    } catch {
      return undefined;
    }
    return `${fn}(${exprSql.trim()} AS ${typeSql})`;
  }

  /**
   * The divisor after `/` or `DIV` starting at significant token `k`: one operand of higher
   * precedence (unary sign, literal, parameter, dotted name, function call, parenthesised
   * expression, CASE ... END, followed by `::type` or `[...]`). Returns its end (exclusive), or -1
   * when the operand is not one of these shapes (the division is then left untouched).
   */
  private divisorEnd(k: number, hi: number): number {
    const toks = this.toks;
    let j = k;
    while (j >= 0 && j < hi && (toks[j]?.text === '-' || toks[j]?.text === '+')) {
      j = this.sigIndex(j + 1, 1, j + 1, hi);
    }
    if (j < 0 || j >= hi) return -1;
    const t = toks[j] as Token;
    let end: number;
    if (t.kind === 'op' && t.text === '(') end = this.matchParen(j, hi) + 1;
    else if (
      t.kind === 'number' ||
      t.kind === 'string' ||
      t.kind === 'named_param' ||
      t.kind === 'positional_param'
    )
      end = j + 1;
    else if (t.kind === 'ident' && t.value.toUpperCase() === 'CASE') {
      let depth = 0;
      end = -1;
      for (let m = j; m < hi; m++) {
        const u = toks[m] as Token;
        if (u.kind !== 'ident') continue;
        const w = u.value.toUpperCase();
        if (w === 'CASE') depth++;
        else if (w === 'END' && --depth === 0) {
          end = m + 1;
          break;
        }
      }
      if (end < 0) return -1;
    } else if (t.kind === 'ident' || t.kind === 'qident') {
      if (t.kind === 'ident' && /^(INTERVAL|SELECT|NOT|NULL)$/i.test(t.value)) return -1;
      end = j + 1;
      for (;;) {
        const dot = this.sigIndex(end, 1, end, hi);
        if (dot < 0 || toks[dot]?.text !== '.') break;
        const nx = this.sigIndex(dot + 1, 1, dot + 1, hi);
        if (nx < 0 || (toks[nx]?.kind !== 'ident' && toks[nx]?.kind !== 'qident')) break;
        end = nx + 1;
      }
      const open = this.sigIndex(end, 1, end, hi);
      if (open >= 0 && toks[open]?.text === '(') end = this.matchParen(open, hi) + 1;
    } else return -1;
    // postfix: [index], ::type[(args)]
    for (;;) {
      const nx = this.sigIndex(end, 1, end, hi);
      if (nx < 0) break;
      if (toks[nx]?.text === '[') {
        end = this.matchParen(nx, hi) + 1;
        continue;
      }
      if (toks[nx]?.text === '::') {
        const ty = this.sigIndex(nx + 1, 1, nx + 1, hi);
        if (ty < 0 || toks[ty]?.kind !== 'ident') return -1;
        end = ty + 1;
        const open = this.sigIndex(end, 1, end, hi);
        if (open >= 0 && toks[open]?.text === '(') end = this.matchParen(open, hi) + 1;
        continue;
      }
      break;
    }
    return end;
  }

  /**
   * ANSI division (Databricks SQL default): the divisor is wrapped in `lc_nonzero`, a macro that
   * raises `[DIVIDE_BY_ZERO]` on 0. Emits the operator and the wrapped divisor; returns the index
   * after the divisor, or -1 when the divisor's shape is not recognised.
   */
  private ansiDivision(operator: string, after: number, hi: number, out: string[]): number {
    const k = this.sigIndex(after, 1, after, hi);
    if (k < 0) return -1;
    const end = this.divisorEnd(k, hi);
    if (end < 0) return -1;
    const prefix = this.ctx.infoSchemaPrefix ?? 'memory.main';
    const gap = this.toks
      .slice(after, k)
      .map((x) => x.text)
      .join('');
    out.push(`${operator}${gap}${prefix}.lc_nonzero(${this.sub(k, end).trim()})`);
    return end;
  }

  private absorb(sub: Translator) {
    for (const n of sub.namedParams) if (!this.namedParams.includes(n)) this.namedParams.push(n);
    this.positionalCount += sub.positionalCount;
  }

  private sub(lo: number, hi: number): string {
    const t = new Translator(this.toks.slice(lo, hi), this.ctx);
    // positional markers must keep global order: share counter
    t.positionalCount = this.positionalCount;
    const out = t.run();
    for (const n of t.namedParams) if (!this.namedParams.includes(n)) this.namedParams.push(n);
    this.positionalCount = t.positionalCount;
    return out;
  }

  private isCatalog(name: string): boolean {
    return this.ctx.catalogs.internalName(name) !== undefined;
  }

  private renderPart(p: Token): string {
    if (p.kind === 'qident') return quoteIdent(p.value);
    if (p.value.toLowerCase() === 'default') return '"default"';
    return p.text;
  }

  /** Rewrite a dotted name chain. */
  private chain(parts: Token[], followedByParen: boolean): string {
    const names = parts.map((p) => p.value);
    const lower = names.map((n) => n.toLowerCase());
    const prefix = this.ctx.infoSchemaPrefix ?? 'memory.main';
    if (!followedByParen) {
      if (
        parts.length === 3 &&
        lower[1] === 'information_schema' &&
        INFO_SCHEMA_TABLES.has(lower[2] as string)
      ) {
        const cat = lower[0] === 'system' ? null : (names[0] as string);
        if (cat !== null && !this.isCatalog(cat)) {
          // unknown catalog: let DuckDB raise a catalog error
          return `${quoteIdent(cat)}.information_schema.${names[2]}`;
        }
        return `${prefix}.lc_is_${lower[2]}(${cat === null ? 'NULL' : sqlString(cat)})`;
      }
      if (
        parts.length === 2 &&
        lower[0] === 'information_schema' &&
        INFO_SCHEMA_TABLES.has(lower[1] as string)
      ) {
        const cat = this.ctx.currentCatalog;
        return `${prefix}.lc_is_${lower[1]}(${cat.toLowerCase() === 'system' ? 'NULL' : sqlString(cat)})`;
      }
    }
    const rendered = parts.map((p) => this.renderPart(p));
    if (parts.length >= 3) {
      const internal = this.ctx.catalogs.internalName(names[0] as string);
      if (internal !== undefined && internal !== names[0]) rendered[0] = quoteIdent(internal);
    }
    return rendered.join('.');
  }

  run(): string {
    const toks = this.toks;
    const out: string[] = [];
    let i = 0;
    const hi = toks.length;
    let prevSig: Token | undefined;
    let inCreate = false;
    while (i < hi) {
      const t = toks[i] as Token;
      switch (t.kind) {
        case 'ws':
        case 'comment':
          out.push(t.text);
          i++;
          continue;
        case 'string':
          out.push(sqlString(t.value));
          break;
        case 'number': {
          const m = /^(.*?)(BD|[LSYDF])$/i.exec(t.text);
          if (m) {
            const suffix = (m[2] as string).toUpperCase();
            const ty: Record<string, string> = {
              BD: 'DECIMAL(38,18)',
              L: 'BIGINT',
              S: 'SMALLINT',
              Y: 'TINYINT',
              D: 'DOUBLE',
              F: 'FLOAT',
            };
            out.push(suffix === 'BD' ? `${m[1]}` : `CAST(${m[1]} AS ${ty[suffix]})`);
          } else out.push(t.text);
          break;
        }
        case 'named_param': {
          const name = t.value;
          if (!this.namedParams.includes(name)) this.namedParams.push(name);
          out.push(castMarker(`$${name}`, parameterCastType(this.ctx.namedTypes?.[name])));
          break;
        }
        case 'positional_param': {
          const idx = this.positionalCount++;
          out.push(castMarker('?', parameterCastType(this.ctx.positionalTypes?.[idx])));
          break;
        }
        case 'op': {
          if (this.create.active) {
            if (t.text === '(') {
              this.create.depth++;
              this.create.expectColumn = this.create.depth === 1;
            } else if (t.text === ')') {
              this.create.depth--;
              this.create.expectColumn = false;
            } else if (t.text === ',' && this.create.depth === 1) this.create.expectColumn = true;
          }
          // SELECT * EXCEPT (cols) → * EXCLUDE (cols)
          if (t.text === '*') {
            const nx = this.sigIndex(i + 1, 1, i + 1, hi);
            const nt = nx >= 0 ? toks[nx] : undefined;
            if (nt?.kind === 'ident' && nt.value.toUpperCase() === 'EXCEPT') {
              const px = this.sigIndex(nx + 1, 1, nx + 1, hi);
              if (px >= 0 && toks[px]?.text === '(') {
                out.push('* EXCLUDE');
                prevSig = nt;
                i = nx + 1;
                continue;
              }
            }
          }
          if (t.text === '/' && prevSig && isValueEnd(prevSig)) {
            const end = this.ansiDivision('/', i + 1, hi, out);
            if (end > 0) {
              prevSig = toks[end - 1];
              i = end;
              continue;
            }
          }
          if (t.text === '==') out.push('=');
          else if (t.text === '<=>') out.push('IS NOT DISTINCT FROM');
          else out.push(t.text);
          break;
        }
        case 'ident':
        case 'qident': {
          const upper = t.kind === 'ident' ? t.value.toUpperCase() : '';
          if (upper === 'CREATE' && prevSig === undefined) {
            inCreate = true;
            this.create.active = true;
          }
          const cr = this.create;
          if (cr.active && upper === 'TABLE' && !this.ddl && cr.depth === 0) {
            cr.expectTable = true;
            out.push(t.text);
            prevSig = t;
            i++;
            continue;
          }
          if (cr.active && cr.expectColumn && cr.depth === 1) {
            cr.expectColumn = false;
            cr.column = t.value;
          }
          if (cr.active && t.kind === 'ident') {
            const nx = this.sigIndex(i + 1, 1, i + 1, hi);
            const nt = nx >= 0 ? toks[nx] : undefined;
            // COMMENT 'text' on a column or on the table: removed, applied after the CREATE
            if (upper === 'COMMENT' && nt?.kind === 'string' && this.ddl) {
              if (cr.depth === 1 && cr.column) this.ddl.columns.push([cr.column, nt.value]);
              else if (cr.depth === 0) this.ddl.tableComment = nt.value;
              i = nx + 1;
              continue;
            }
            // Delta/Spark table clauses DuckDB does not know: dropped
            if (cr.depth === 0) {
              let skipTo = -1;
              if (upper === 'LOCATION' && nt?.kind === 'string') skipTo = nx + 1;
              const groupAfter = (k: number) => {
                const open = this.sigIndex(k, 1, k, hi);
                return open >= 0 && toks[open]?.text === '(' ? this.matchParen(open, hi) + 1 : -1;
              };
              if ((upper === 'TBLPROPERTIES' || upper === 'OPTIONS') && nt?.text === '(')
                skipTo = groupAfter(nx);
              if (
                (upper === 'PARTITIONED' || upper === 'CLUSTER') &&
                nt?.kind === 'ident' &&
                nt.value.toUpperCase() === 'BY'
              ) {
                skipTo = groupAfter(nx + 1);
              }
              if (skipTo > 0) {
                i = skipTo;
                continue;
              }
            }
          }
          // a RLIKE 'p' / a REGEXP 'p' / a NOT RLIKE 'p' (Spark: partial match)
          if (t.kind === 'ident' && (upper === 'RLIKE' || upper === 'REGEXP' || upper === 'NOT')) {
            let k = i;
            let negate = false;
            if (upper === 'NOT') {
              const nx = this.sigIndex(i + 1, 1, i + 1, hi);
              const nt = nx >= 0 ? toks[nx] : undefined;
              if (nt?.kind === 'ident' && /^(RLIKE|REGEXP)$/i.test(nt.value)) {
                negate = true;
                k = nx;
              }
            }
            const kt = toks[k] as Token;
            if (kt.kind === 'ident' && /^(RLIKE|REGEXP)$/i.test(kt.value)) {
              const px = this.sigIndex(k + 1, 1, k + 1, hi);
              const pt = px >= 0 ? toks[px] : undefined;
              if (pt?.kind !== 'string')
                throw unsupported(`${kt.value.toUpperCase()} with a non-literal pattern`);
              out.push(`${negate ? '!~' : '~'} ${sqlString(`(?s).*(?:${pt.value}).*`)}`);
              prevSig = pt;
              i = px + 1;
              continue;
            }
          }
          // LATERAL VIEW [OUTER] explode(expr) alias [AS] col
          if (t.kind === 'ident' && upper === 'LATERAL') {
            const vx = this.sigIndex(i + 1, 1, i + 1, hi);
            if (vx >= 0 && toks[vx]?.value.toUpperCase() === 'VIEW') {
              let fx = this.sigIndex(vx + 1, 1, vx + 1, hi);
              let outer = false;
              if (toks[fx]?.value.toUpperCase() === 'OUTER') {
                outer = true;
                fx = this.sigIndex(fx + 1, 1, fx + 1, hi);
              }
              const fn = toks[fx]?.value.toLowerCase() ?? '';
              const open = this.sigIndex(fx + 1, 1, fx + 1, hi);
              if (!/^explode(_outer)?$/.test(fn) || open < 0 || toks[open]?.text !== '(') {
                throw unsupported(`LATERAL VIEW ${fn}`);
              }
              if (fn === 'explode_outer') outer = true;
              const close = this.matchParen(open, hi);
              const arg = this.sub(open + 1, close).trim();
              // alias and column names
              let j = close + 1;
              const names: string[] = [];
              for (;;) {
                const nx = this.sigIndex(j, 1, j, hi);
                const nt = nx >= 0 ? toks[nx] : undefined;
                if (!nt) break;
                if (nt.kind === 'ident' && nt.value.toUpperCase() === 'AS') {
                  j = nx + 1;
                  continue;
                }
                if (nt.text === ',' && names.length >= 2) {
                  j = nx + 1;
                  continue;
                }
                if (
                  (nt.kind === 'ident' &&
                    !/^(LATERAL|WHERE|GROUP|ORDER|LIMIT|HAVING|JOIN|LEFT|RIGHT|INNER|CROSS|FULL|UNION|QUALIFY|WINDOW)$/i.test(
                      nt.value,
                    )) ||
                  nt.kind === 'qident'
                ) {
                  names.push(quoteIdent(nt.value));
                  j = nx + 1;
                  continue;
                }
                break;
              }
              const alias = names[0] ?? '"lateral_view"';
              const cols = names.length > 1 ? `(${names.slice(1).join(', ')})` : '(col)';
              out.push(
                outer
                  ? `LEFT JOIN unnest(${arg}) AS ${alias}${cols} ON true`
                  : `CROSS JOIN unnest(${arg}) AS ${alias}${cols}`,
              );
              i = j;
              prevSig = toks[j - 1];
              continue;
            }
          }
          // ARRAY<...> / MAP<...> / STRUCT<...> type syntax
          if (upper === 'ARRAY' || upper === 'MAP' || upper === 'STRUCT') {
            const nx = this.sigIndex(i + 1, 1, i + 1, hi);
            if (nx >= 0 && toks[nx]?.text === '<') {
              const sig: Token[] = [];
              const idxs: number[] = [];
              for (let j = i; j < hi; j++) {
                const k = toks[j]?.kind;
                if (k === 'ws' || k === 'comment') continue;
                sig.push(toks[j] as Token);
                idxs.push(j);
              }
              const p = new TypeParser(sig, 0);
              try {
                const ty = p.parse();
                out.push(ty.text);
                prevSig = sig[p.pos - 1];
                i = (idxs[p.pos - 1] as number) + 1;
                continue;
              } catch {
                /* fall through */
              }
            }
          }
          if (t.kind === 'ident' && upper === 'USING' && inCreate) {
            const nx = this.sigIndex(i + 1, 1, i + 1, hi);
            const nt = nx >= 0 ? toks[nx] : undefined;
            if (nt && nt.kind === 'ident' && /^(DELTA|PARQUET|CSV|JSON|ORC)$/i.test(nt.value)) {
              i = nx + 1;
              continue;
            }
          }
          if (
            t.kind === 'ident' &&
            upper === 'DIV' &&
            prevSig &&
            (prevSig.kind === 'number' ||
              prevSig.kind === 'ident' ||
              prevSig.kind === 'qident' ||
              prevSig.text === ')')
          ) {
            const end = this.ansiDivision('//', i + 1, hi, out);
            if (end > 0) {
              prevSig = toks[end - 1];
              i = end;
              continue;
            }
            out.push('//');
            break;
          }
          if (t.kind === 'ident' && (upper === 'CURRENT_TIMESTAMP' || upper === 'LOCALTIMESTAMP')) {
            const nx = this.sigIndex(i + 1, 1, i + 1, hi);
            if (nx < 0 || toks[nx]?.text !== '(') {
              if (!(prevSig && prevSig.text === '.')) {
                out.push('CAST(current_timestamp AS TIMESTAMP)');
                break;
              }
            }
          }
          // collect a dotted chain
          const parts: Token[] = [t];
          let j = i + 1;
          for (;;) {
            const dot = this.sigIndex(j, 1, j, hi);
            if (dot < 0 || toks[dot]?.text !== '.') break;
            const nxt = this.sigIndex(dot + 1, 1, dot + 1, hi);
            const nt = nxt >= 0 ? toks[nxt] : undefined;
            if (!nt || (nt.kind !== 'ident' && nt.kind !== 'qident')) break;
            parts.push(nt);
            j = nxt + 1;
          }
          const after = this.sigIndex(j, 1, j, hi);
          const followedByParen = after >= 0 && toks[after]?.text === '(';
          if (
            parts.length === 1 &&
            t.kind === 'ident' &&
            followedByParen &&
            !(prevSig && NOT_CALL_PREV.has(prevSig.value.toUpperCase()))
          ) {
            // Spark's range(n) / range(start, end[, step[, partitions]]) table: column `id` BIGINT
            if (
              upper === 'RANGE' &&
              prevSig &&
              (prevSig.text === ',' || /^(FROM|JOIN)$/i.test(prevSig.value))
            ) {
              const close = this.matchParen(after, hi);
              const args = this.splitArgs(after, close)
                .map(([a, b]) => this.sub(a, b).trim())
                .slice(0, 3);
              if (args.length >= 1 && args[0] !== '') {
                const cast = args.map((a) => `CAST(${a} AS BIGINT)`);
                out.push(`(SELECT range AS id FROM range(${cast.join(', ')}))`);
                prevSig = toks[close];
                i = close + 1;
                continue;
              }
            }
            const fn = FUNCTIONS[t.value.toLowerCase()];
            if (fn) {
              const close = this.matchParen(after, hi);
              const ranges = this.splitArgs(after, close);
              const raw = ranges.map(([a, b]) => toks.slice(a, b));
              const posBefore = this.positionalCount;
              const named = [...this.namedParams];
              const args = ranges.map(([a, b]) => this.sub(a, b).trim());
              const rewritten = fn(args, raw, this);
              if (rewritten !== undefined) {
                out.push(rewritten);
                prevSig = toks[close];
                i = close + 1;
                continue;
              }
              // not rewritten: restore and emit normally
              this.positionalCount = posBefore;
              this.namedParams = named;
            }
          }
          const rendered = this.chain(parts, followedByParen);
          if (this.create.expectTable) {
            const kwIdx = new Set(['IF', 'NOT', 'EXISTS']);
            if (!(parts.length === 1 && t.kind === 'ident' && kwIdx.has(upper))) {
              this.create.expectTable = false;
              this.ddl = { table: rendered, columns: [] };
            }
          }
          out.push(rendered);
          prevSig = parts[parts.length - 1];
          i = j;
          continue;
        }
      }
      prevSig = t;
      i++;
    }
    return out.join('');
  }
}

/** Translate one Spark SQL statement to DuckDB SQL. */
export function translate(sql: string, ctx: TranslateContext): Translation {
  const toks = tokenize(sql);
  // drop trailing semicolons
  let end = toks.length;
  while (end > 0) {
    const t = toks[end - 1] as Token;
    if (t.kind === 'ws' || t.kind === 'comment' || (t.kind === 'op' && t.text === ';')) end--;
    else break;
  }
  const tr = new Translator(toks.slice(0, end), ctx);
  const out = tr.run();
  const ddlComments =
    tr.ddl && (tr.ddl.tableComment !== undefined || tr.ddl.columns.length > 0) ? tr.ddl : undefined;
  return {
    sql: out,
    namedParams: tr.namedParams,
    positionalCount: tr.positionalCount,
    ...(ddlComments ? { ddlComments } : {}),
  };
}

/** Check that every marker has a value; throws UNBOUND_SQL_PARAMETER. */
export function checkParameters(
  t: Translation,
  named: Record<string, unknown> | undefined,
  positionalCount: number,
): void {
  for (const n of t.namedParams) {
    if (!named || !Object.hasOwn(named, n)) throw unboundParameterError(n);
  }
  if (t.positionalCount > positionalCount) throw unboundParameterError(`_${positionalCount + 1}`);
}

/** Significant tokens (no whitespace/comments). */
export function significant(sql: string): Token[] {
  return tokenize(sql).filter((t) => t.kind !== 'ws' && t.kind !== 'comment');
}
