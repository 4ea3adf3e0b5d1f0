/**
 * The two filter syntaxes of Databricks Vector Search, evaluated exactly against a row:
 *
 * - the dictionary of standard endpoints (`filters_json`): `{"col": v}` equality (a list is IN;
 *   on an ARRAY column, contains any), `{"col NOT": v}`, `{"col <": n}` and `<=`, `>`, `>=`,
 *   `{"col LIKE": "tok"}` (a whole whitespace-separated token, case-insensitive; a value with `%`
 *   is a pattern, as in `{"specs LIKE": "%AWD%"}`), `NOT LIKE`, and `{"c1 OR c2": [v1, v2]}`
 *   (c1 = v1 OR c2 = v2); keys are ANDed;
 * - the SQL-like string of storage-optimized endpoints (`filter_string`): comparisons, `AND`,
 *   `OR`, `NOT`, parentheses, `IN (...)`, `LIKE` with `%` and `_`, `IS [NOT] NULL`,
 *   `BETWEEN ... AND ...`, `array_contains(col, v)`.
 *
 * Databricks takes the first on standard endpoints and the second on storage-optimized ones.
 * Both compile to a predicate once per query; unknown columns and malformed filters are refused
 * with 400 `INVALID_PARAMETER_VALUE`, naming the column or the position.
 */
import { ApiError } from '../../platform/errors.js';

export type Row = Record<string, unknown>;
export type RowPredicate = (row: Row) => boolean;

const invalid = (message: string) => new ApiError(400, 'INVALID_PARAMETER_VALUE', message);

const OPERATORS = new Set(['NOT', '<', '<=', '>', '>=', 'LIKE', 'NOT LIKE', '=', '!=']);

/** Compares numbers as numbers, and everything else (dates, timestamps, strings) as strings. */
function compare(left: unknown, right: unknown): number | undefined {
  if (left === null || left === undefined || right === null || right === undefined)
    return undefined;
  if (typeof left === 'number' && typeof right === 'number') return left - right;
  if (typeof left === 'bigint' || typeof right === 'bigint') {
    const a = Number(left);
    const b = Number(right);
    return Number.isNaN(a) || Number.isNaN(b) ? undefined : a - b;
  }
  if (
    typeof left === 'number' &&
    typeof right === 'string' &&
    right.trim() !== '' &&
    !Number.isNaN(Number(right))
  )
    return left - Number(right);
  if (typeof left === 'boolean' || typeof right === 'boolean')
    return left === right ? 0 : left === true ? 1 : -1;
  const a = String(left);
  const b = String(right);
  return a < b ? -1 : a > b ? 1 : 0;
}

function equals(left: unknown, right: unknown): boolean {
  if (right === null) return left === null || left === undefined;
  return compare(left, right) === 0;
}

function tokens(value: unknown): string[] {
  return typeof value === 'string' ? value.toLowerCase().split(/\s+/).filter(Boolean) : [];
}

/**
 * `{"col LIKE": v}`: Databricks documents a token match (`{"color LIKE": "red"}` matches a
 * whitespace-separated token; compared without case here, which is not documented) and, for a
 * value with `%`, a pattern match (`{"specs LIKE": "%\"drivetrain\":\"AWD\"%"}` on JSON text).
 */
function likeToken(value: unknown, token: unknown): boolean {
  const wanted = String(token);
  if (wanted.includes('%')) return typeof value === 'string' && sqlLike(wanted).test(value);
  return tokens(value).includes(wanted.toLowerCase().trim());
}

/** Equality with Databricks' list and array-column rules. */
function matches(cell: unknown, value: unknown): boolean {
  const wanted = Array.isArray(value) ? value : [value];
  if (Array.isArray(cell))
    return cell.some((item) => wanted.some((candidate) => equals(item, candidate)));
  return wanted.some((candidate) => equals(cell, candidate));
}

function checkColumn(column: string, columns: ReadonlySet<string>): string {
  if (!columns.has(column))
    throw invalid(
      `Filter column "${column}" does not exist in the index. Available columns: ${[...columns].join(', ')}.`,
    );
  return column;
}

function parseKeyPart(part: string, key: string): { column: string; operator?: string } {
  const match = /^(`[^`]+`|[A-Za-z_][A-Za-z0-9_]*)(?:\s+(.+))?$/.exec(part.trim());
  const operator = match?.[2]?.replace(/\s+/g, ' ').toUpperCase();
  if (!match?.[1] || (operator !== undefined && !OPERATORS.has(operator)))
    throw invalid(`Invalid filter key "${key}": expected "column" or "column <operator>".`);
  const column = match[1].startsWith('`') ? match[1].slice(1, -1) : match[1];
  return { column, operator };
}

function predicateOf(
  column: string,
  operator: string | undefined,
  value: unknown,
  key: string,
): RowPredicate {
  switch (operator) {
    case undefined:
    case '=':
      return (row) => matches(row[column], value);
    case 'NOT':
    case '!=':
      return (row) => {
        const cell = row[column];
        if (value !== null && (cell === null || cell === undefined)) return false;
        return !matches(cell, value);
      };
    case '<':
    case '<=':
    case '>':
    case '>=': {
      if (Array.isArray(value) || typeof value === 'object' || typeof value === 'boolean')
        throw invalid(
          `Filter "${key}" compares with a number, date or string, not ${JSON.stringify(value)}.`,
        );
      return (row) => {
        const order = compare(row[column], value);
        if (order === undefined) return false;
        return operator === '<'
          ? order < 0
          : operator === '<='
            ? order <= 0
            : operator === '>'
              ? order > 0
              : order >= 0;
      };
    }
    case 'LIKE':
      return (row) => likeToken(row[column], value);
    case 'NOT LIKE':
      return (row) =>
        row[column] !== null && row[column] !== undefined && !likeToken(row[column], value);
    default:
      throw invalid(`Invalid filter key "${key}".`);
  }
}

/** Compiles a `filters_json` dictionary. */
export function compileDictionaryFilter(
  filter: unknown,
  columns: ReadonlySet<string>,
): RowPredicate {
  if (typeof filter !== 'object' || filter === null || Array.isArray(filter))
    throw invalid('filters_json must be a JSON object mapping "column [operator]" to a value.');
  const predicates: RowPredicate[] = [];
  for (const [key, value] of Object.entries(filter as Record<string, unknown>)) {
    const parts = key.split(/\s+OR\s+/i);
    if (parts.length > 1) {
      if (!Array.isArray(value) || value.length !== parts.length)
        throw invalid(`Filter "${key}" needs a list of ${parts.length} values, one per column.`);
      const alternatives = parts.map((part, position) => {
        const parsed = parseKeyPart(part, key);
        checkColumn(parsed.column, columns);
        return predicateOf(parsed.column, parsed.operator, value[position], key);
      });
      predicates.push((row) => alternatives.some((predicate) => predicate(row)));
      continue;
    }
    const parsed = parseKeyPart(key, key);
    checkColumn(parsed.column, columns);
    predicates.push(predicateOf(parsed.column, parsed.operator, value, key));
  }
  return (row) => predicates.every((predicate) => predicate(row));
}

// ---------------------------------------------------------------------------------------------
// The SQL-like filter string.

type Token =
  | { kind: 'identifier'; text: string; quoted: boolean; position: number }
  | { kind: 'string'; value: string; position: number }
  | { kind: 'number'; value: number; position: number }
  | { kind: 'symbol'; text: string; position: number };

function tokenize(text: string): Token[] {
  const result: Token[] = [];
  const pattern =
    /\s+|'((?:[^']|'')*)'|"((?:[^"]|"")*)"|`([^`]+)`|(-?\d+(?:\.\d+)?(?:[eE][-+]?\d+)?)|([A-Za-z_][A-Za-z0-9_.]*)|(<=|>=|!=|<>|==|=|<|>|\(|\)|,)/y;
  let position = 0;
  while (position < text.length) {
    pattern.lastIndex = position;
    const match = pattern.exec(text);
    if (!match)
      throw invalid(
        `Cannot parse the filter string at position ${position}: "${text.slice(position, position + 20)}".`,
      );
    const start = position;
    position = pattern.lastIndex;
    if (match[1] !== undefined)
      result.push({ kind: 'string', value: match[1].replace(/''/g, "'"), position: start });
    else if (match[2] !== undefined)
      result.push({ kind: 'string', value: match[2].replace(/""/g, '"'), position: start });
    else if (match[3] !== undefined)
      result.push({ kind: 'identifier', text: match[3], quoted: true, position: start });
    else if (match[4] !== undefined)
      result.push({ kind: 'number', value: Number(match[4]), position: start });
    else if (match[5] !== undefined)
      result.push({ kind: 'identifier', text: match[5], quoted: false, position: start });
    else if (match[6] !== undefined)
      result.push({ kind: 'symbol', text: match[6], position: start });
  }
  return result;
}

/** SQL `LIKE` (`%` any run, `_` one character), case-sensitive as in Spark SQL. */
function sqlLike(pattern: string): RegExp {
  let source = '';
  for (const character of pattern) {
    if (character === '%') source += '[\\s\\S]*';
    else if (character === '_') source += '[\\s\\S]';
    else source += character.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  }
  return new RegExp(`^${source}$`);
}

/** Compiles a `filter_string` with a small recursive-descent parser. */
export function compileStringFilter(text: string, columns: ReadonlySet<string>): RowPredicate {
  const tokenList = tokenize(text);
  let cursor = 0;
  const peek = () => tokenList[cursor];
  const keyword = (word: string) => {
    const token = peek();
    return token?.kind === 'identifier' && !token.quoted && token.text.toUpperCase() === word;
  };
  const symbol = (text: string) => {
    const token = peek();
    return token?.kind === 'symbol' && token.text === text;
  };
  const fail = (what: string): never => {
    const token = peek();
    throw invalid(
      `Invalid filter string: ${what} at position ${token ? token.position : text.length} of "${text}".`,
    );
  };
  const expect = (text: string) => {
    if (!symbol(text)) fail(`expected "${text}"`);
    cursor++;
  };
  const literal = (): unknown => {
    const token = peek();
    if (!token) return fail('expected a value');
    if (token.kind === 'string' || token.kind === 'number') {
      cursor++;
      return token.value;
    }
    if (token.kind === 'identifier' && !token.quoted) {
      const word = token.text.toUpperCase();
      if (word === 'TRUE' || word === 'FALSE' || word === 'NULL') {
        cursor++;
        return word === 'NULL' ? null : word === 'TRUE';
      }
    }
    return fail('expected a value (a number, a quoted string, TRUE, FALSE or NULL)');
  };
  const column = (): string => {
    const token = peek();
    if (token?.kind !== 'identifier') return fail('expected a column name');
    cursor++;
    return checkColumn(token.text, columns);
  };

  const primary = (): RowPredicate => {
    if (symbol('(')) {
      cursor++;
      const inner = disjunction();
      expect(')');
      return inner;
    }
    const token = peek();
    if (
      token?.kind === 'identifier' &&
      !token.quoted &&
      /^array_contains$/i.test(token.text) &&
      tokenList[cursor + 1]?.kind === 'symbol'
    ) {
      cursor++;
      expect('(');
      const name = column();
      expect(',');
      const value = literal();
      expect(')');
      return (row) =>
        Array.isArray(row[name]) && (row[name] as unknown[]).some((item) => equals(item, value));
    }
    const name = column();
    if (keyword('IS')) {
      cursor++;
      const negated = keyword('NOT');
      if (negated) cursor++;
      if (!keyword('NULL')) fail('expected NULL');
      cursor++;
      return (row) => (row[name] === null || row[name] === undefined) !== negated;
    }
    let negated = false;
    if (keyword('NOT')) {
      negated = true;
      cursor++;
    }
    if (keyword('IN')) {
      cursor++;
      expect('(');
      const values = [literal()];
      while (symbol(',')) {
        cursor++;
        values.push(literal());
      }
      expect(')');
      return (row) => {
        const cell = row[name];
        if (cell === null || cell === undefined) return false;
        return values.some((value) => equals(cell, value)) !== negated;
      };
    }
    if (keyword('LIKE')) {
      cursor++;
      const pattern = literal();
      if (typeof pattern !== 'string') fail('LIKE needs a quoted pattern');
      const regex = sqlLike(pattern as string);
      return (row) => typeof row[name] === 'string' && regex.test(row[name] as string) !== negated;
    }
    if (keyword('BETWEEN')) {
      cursor++;
      const low = literal();
      if (!keyword('AND')) fail('expected AND');
      cursor++;
      const high = literal();
      return (row) => {
        const above = compare(row[name], low);
        const below = compare(row[name], high);
        if (above === undefined || below === undefined) return false;
        return (above >= 0 && below <= 0) !== negated;
      };
    }
    if (negated) fail('expected IN, LIKE or BETWEEN after NOT');
    const operatorToken = peek();
    if (operatorToken?.kind !== 'symbol' || ['(', ')', ','].includes(operatorToken.text))
      return fail('expected a comparison operator');
    cursor++;
    const operator =
      operatorToken.text === '==' ? '=' : operatorToken.text === '<>' ? '!=' : operatorToken.text;
    const value = literal();
    if (value === null) return () => false; // comparisons with NULL are never true in SQL
    return (row) => {
      const order = compare(row[name], value);
      if (order === undefined) return false;
      switch (operator) {
        case '=':
          return order === 0;
        case '!=':
          return order !== 0;
        case '<':
          return order < 0;
        case '<=':
          return order <= 0;
        case '>':
          return order > 0;
        default:
          return order >= 0;
      }
    };
  };
  const negation = (): RowPredicate => {
    if (keyword('NOT')) {
      cursor++;
      const inner = negation();
      return (row) => !inner(row);
    }
    return primary();
  };
  const conjunction = (): RowPredicate => {
    const parts = [negation()];
    while (keyword('AND')) {
      cursor++;
      parts.push(negation());
    }
    return parts.length === 1
      ? (parts[0] as RowPredicate)
      : (row) => parts.every((part) => part(row));
  };
  function disjunction(): RowPredicate {
    const parts = [conjunction()];
    while (keyword('OR')) {
      cursor++;
      parts.push(conjunction());
    }
    return parts.length === 1
      ? (parts[0] as RowPredicate)
      : (row) => parts.some((part) => part(row));
  }
  if (tokenList.length === 0) return () => true;
  const predicate = disjunction();
  if (cursor < tokenList.length) fail('unexpected text');
  return predicate;
}

/**
 * The predicate of a query's filter fields. `filters_json` (a JSON string, or an object from
 * lenient clients) and `filter_string` may not both be set.
 */
/**
 * The filter of a query body. Databricks documents one syntax per endpoint type: the dictionary
 * (`filters_json`) on STANDARD endpoints and the SQL-like string (`filter_string`) on
 * STORAGE_OPTIMIZED ones; given `endpointType`, the other syntax is refused with a message that
 * names the right one (what Databricks answers to the wrong one is not documented: refusing makes
 * the mistake visible in tests instead of a filter that silently does nothing).
 */
export function compileQueryFilter(
  body: { filters_json?: unknown; filter_string?: unknown },
  columns: ReadonlySet<string>,
  endpointType?: string,
): RowPredicate | undefined {
  const json = body.filters_json;
  const text = body.filter_string;
  const hasJson = json !== undefined && json !== null && json !== '';
  const hasText = text !== undefined && text !== null && text !== '';
  if (hasJson && hasText) throw invalid('Pass filters_json or filter_string, not both.');
  if (hasText) {
    if (typeof text !== 'string') throw invalid('filter_string must be a string.');
    if (endpointType === 'STANDARD')
      throw invalid(
        `filter_string (the SQL-like filter, e.g. "price < 100") is the syntax of storage-optimized endpoints; this index is on a STANDARD endpoint, which takes a dictionary in filters_json (e.g. {"price <": 100}).`,
      );
    return compileStringFilter(text, columns);
  }
  if (!hasJson) return undefined;
  let parsed: unknown = json;
  if (typeof json === 'string') {
    try {
      parsed = JSON.parse(json);
    } catch (error) {
      throw invalid(`filters_json is not valid JSON: ${(error as Error).message}`);
    }
  }
  if (parsed === null || (typeof parsed === 'object' && Object.keys(parsed as object).length === 0))
    return undefined;
  if (endpointType === 'STORAGE_OPTIMIZED')
    throw invalid(
      `filters_json (the dictionary filter, e.g. {"price <": 100}) is the syntax of standard endpoints; this index is on a STORAGE_OPTIMIZED endpoint, which takes a SQL-like filter_string (e.g. "price < 100").`,
    );
  return compileDictionaryFilter(parsed, columns);
}
