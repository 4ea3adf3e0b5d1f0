/**
 * The Spark SQL lexer of the dialect layer. Every rewrite works on its tokens, never on raw SQL
 * text, so that strings, comments and quoted names are never mistaken for code.
 */
import { SqlError } from '../sql_error.js';

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

/** Operators of more than one character, longest first where one is a prefix of another. */
const MULTI_CHARACTER_OPERATORS = ['<=>', '::', '<=', '>=', '<>', '!=', '==', '||', '->', '=>'];

/** Spark's backslash escapes inside string literals. */
const STRING_ESCAPES: Record<string, string> = {
  n: '\n',
  t: '\t',
  r: '\r',
  '0': '\0',
  b: '\b',
  Z: '\x1a',
};

/** Split Spark SQL into tokens. Spark strings may be single or double quoted, with `\` escapes. */
export function tokenize(sql: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  const n = sql.length;
  while (i < n) {
    const c = sql[i] as string;
    const start = i;
    if (/\s/.test(c)) {
      while (i < n && /\s/.test(sql[i] as string)) i++;
      tokens.push({ kind: 'ws', text: sql.slice(start, i), value: '', pos: start });
      continue;
    }
    if (c === '-' && sql[i + 1] === '-') {
      while (i < n && sql[i] !== '\n') i++;
      tokens.push({ kind: 'comment', text: sql.slice(start, i), value: '', pos: start });
      continue;
    }
    if (c === '/' && sql[i + 1] === '*') {
      const end = sql.indexOf('*/', i + 2);
      i = end < 0 ? n : end + 2;
      tokens.push({ kind: 'comment', text: sql.slice(start, i), value: '', pos: start });
      continue;
    }
    // A dollar-quoted body (`AS $$ ... $$`, as Python functions are written): taken verbatim, no
    // escapes, up to the next `$$`.
    if (c === '$' && sql[i + 1] === '$') {
      const end = sql.indexOf('$$', i + 2);
      if (end < 0)
        throw new SqlError(
          'PARSE_SYNTAX_ERROR',
          '42601',
          'Syntax error at or near end of input: unclosed $$ body.',
        );
      i = end + 2;
      tokens.push({
        kind: 'string',
        text: sql.slice(start, i),
        value: sql.slice(start + 2, end),
        pos: start,
      });
      continue;
    }
    if (c === "'" || c === '"') {
      let value = '';
      i++;
      let closed = false;
      while (i < n) {
        const ch = sql[i] as string;
        if (ch === '\\' && i + 1 < n) {
          const escaped = sql[i + 1] as string;
          // `\%` and `\_` keep their backslash: they are LIKE escapes, not string escapes.
          if (escaped === '%' || escaped === '_') value += `\\${escaped}`;
          else value += STRING_ESCAPES[escaped] ?? escaped;
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
      tokens.push({ kind: 'string', text: sql.slice(start, i), value, pos: start });
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
      tokens.push({ kind: 'qident', text: sql.slice(start, i), value, pos: start });
      continue;
    }
    if (/[0-9]/.test(c) || (c === '.' && /[0-9]/.test(sql[i + 1] ?? ''))) {
      const number = /^(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?(?:BD|[LSYDF])?(?![A-Za-z0-9_])/i.exec(
        sql.slice(i),
      );
      if (number) {
        i += number[0].length;
        tokens.push({ kind: 'number', text: number[0], value: number[0], pos: start });
        continue;
      }
      // Identifiers may start with digits in Spark (e.g. 1a).
      const word = /^[A-Za-z0-9_]+/.exec(sql.slice(i));
      i += (word as RegExpExecArray)[0].length;
      tokens.push({
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
      tokens.push({ kind: 'ident', text, value: text, pos: start });
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
      tokens.push({
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
      tokens.push({
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
      tokens.push({ kind: 'positional_param', text: '?', value: '?', pos: start });
      continue;
    }
    const operator = MULTI_CHARACTER_OPERATORS.find((o) => sql.startsWith(o, i));
    if (operator) {
      i += operator.length;
      tokens.push({ kind: 'op', text: operator, value: operator, pos: start });
      continue;
    }
    i++;
    tokens.push({ kind: 'op', text: c, value: c, pos: start });
  }
  return tokens;
}

/** Whether a token carries meaning (not whitespace or a comment). */
export function isSignificant(token: Token): boolean {
  return token.kind !== 'ws' && token.kind !== 'comment';
}

/** Significant tokens (no whitespace/comments). */
export function significant(sql: string): Token[] {
  return tokenize(sql).filter(isSignificant);
}
