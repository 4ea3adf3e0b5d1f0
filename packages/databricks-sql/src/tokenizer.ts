/**
 * A lexer for Databricks (Spark) SQL, written for the read-only guard: it finds statement
 * boundaries, keywords and literals exactly as the warehouse would, so that nothing can hide in a
 * comment, a string or a quoted identifier.
 *
 * Where Spark versions or settings lex the same text differently (nested block comments, a
 * backslash continuing a `--` comment), callers tokenize under each reading and require all of
 * them to be safe.
 */

export type TokenKind =
  /** An unquoted identifier or keyword: `SELECT`, `my_table`. */
  | 'word'
  /** A backtick-quoted identifier; `value` is the unquoted name. */
  | 'quoted'
  /** A string literal ('...', "...", r'...'); `value` is the raw text including quotes. */
  | 'string'
  | 'number'
  /** A parameter marker: `?` or `:name`. */
  | 'param'
  | 'lparen'
  | 'rparen'
  | 'semicolon'
  /** Any other punctuation: `,` `.` `=` `::` `->` ..., and `/*+` `*\/` around a hint's content. */
  | 'op';

export interface Token {
  kind: TokenKind;
  value: string;
  /** Offset of the first character in the input. */
  start: number;
  end: number;
}

export interface LexOptions {
  /** Whether `/* ... /* ... *\/ ... *\/` nests (Spark 3.0+: yes). */
  nestedComments: boolean;
  /** Whether a backslash right before the newline continues a `--` comment (Spark's grammar). */
  lineCommentContinuation: boolean;
}

export class SqlLexError extends Error {
  readonly offset: number;
  constructor(message: string, offset: number) {
    super(message);
    this.name = 'SqlLexError';
    this.offset = offset;
  }
}

const isAsciiLetter = (c: string): boolean => (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
const isDigit = (c: string): boolean => c >= '0' && c <= '9';
const isWordChar = (c: string): boolean => isAsciiLetter(c) || isDigit(c) || c === '_';
const isSpace = (c: string): boolean =>
  c === ' ' || c === '\t' || c === '\n' || c === '\r' || c === '\f';

/** Whether a name (not an exponent such as `e5` or `E-3`) starts at `i`. */
function isNamePart(sql: string, i: number): boolean {
  const c = sql[i];
  if (c === undefined || !(isAsciiLetter(c) || c === '_')) return false;
  if (c !== 'e' && c !== 'E') return true;
  const d = sql[i + 1];
  const exponent =
    (d !== undefined && isDigit(d)) ||
    ((d === '-' || d === '+') && sql[i + 2] !== undefined && isDigit(sql[i + 2]!));
  return !exponent;
}

/** Describes a character for error messages, e.g. `'；' (U+FF1B)`. */
export function describeChar(c: string): string {
  const cp = c.codePointAt(0) ?? 0;
  const hex = cp.toString(16).toUpperCase().padStart(4, '0');
  const printable = cp > 0x20 && cp !== 0x7f && !/\p{C}|\p{Z}/u.test(c);
  return printable ? `'${c}' (U+${hex})` : `U+${hex}`;
}

/**
 * Splits `sql` into tokens, dropping whitespace and comments. Throws `SqlLexError` on an
 * unterminated string, comment or quoted identifier, and on any character Spark would not accept
 * outside a literal (non-ASCII look-alikes such as a full-width semicolon, zero-width spaces,
 * control characters, `$`, `#`).
 */
export function tokenize(sql: string, options: LexOptions): Token[] {
  const tokens: Token[] = [];
  const n = sql.length;
  let i = 0;
  /** Offset of the `/*+` of the hint being lexed, if any. */
  let hintStart: number | undefined;
  while (i < n) {
    const c = sql[i]!;
    const next = sql[i + 1];
    if (isSpace(c)) {
      i++;
      continue;
    }
    // -- line comment
    if (c === '-' && next === '-') {
      i += 2;
      while (i < n) {
        const d = sql[i]!;
        if (d === '\n' || d === '\r') {
          // Spark: '--' ('\\\n' | ~[\r\n])* — a backslash right before a newline continues it.
          if (options.lineCommentContinuation && sql[i - 1] === '\\' && d === '\n') {
            i++;
            continue;
          }
          if (
            options.lineCommentContinuation &&
            sql[i - 1] === '\\' &&
            d === '\r' &&
            sql[i + 1] === '\n'
          ) {
            i += 2;
            continue;
          }
          break;
        }
        i++;
      }
      continue;
    }
    // `/*+ hint */` is not a comment: Spark lexes the hint's content as tokens and parses its
    // parameters as expressions (function calls included), so the guard must see them. The
    // content sits between the op tokens `/*+` and `*/`.
    if (c === '/' && next === '*' && sql[i + 2] === '+' && hintStart === undefined) {
      tokens.push({ kind: 'op', value: '/*+', start: i, end: i + 3 });
      hintStart = i;
      i += 3;
      continue;
    }
    if (c === '*' && next === '/' && hintStart !== undefined) {
      tokens.push({ kind: 'op', value: '*/', start: i, end: i + 2 });
      hintStart = undefined;
      i += 2;
      continue;
    }
    // /* block comment */
    if (c === '/' && next === '*') {
      const start = i;
      let depth = 1;
      i += 2;
      while (i < n && depth > 0) {
        if (sql[i] === '*' && sql[i + 1] === '/') {
          depth--;
          i += 2;
        } else if (options.nestedComments && sql[i] === '/' && sql[i + 1] === '*') {
          depth++;
          i += 2;
        } else {
          i++;
        }
      }
      if (depth > 0) throw new SqlLexError('unterminated /* comment', start);
      continue;
    }
    // String literals: '...', "...", raw r'...' / R"..."
    const rawPrefix = (c === 'r' || c === 'R') && (next === "'" || next === '"');
    if (c === "'" || c === '"' || rawPrefix) {
      const start = i;
      if (rawPrefix) i++;
      const quote = sql[i]!;
      i++;
      let closed = false;
      while (i < n) {
        const d = sql[i]!;
        if (!rawPrefix && d === '\\') {
          i += 2;
          continue;
        }
        if (d === quote) {
          // A doubled quote stays inside the literal (or is two adjacent literals; the boundary
          // is the same either way).
          if (sql[i + 1] === quote) {
            i += 2;
            continue;
          }
          i++;
          closed = true;
          break;
        }
        i++;
      }
      if (!closed) throw new SqlLexError('unterminated string literal', start);
      tokens.push({ kind: 'string', value: sql.slice(start, i), start, end: i });
      continue;
    }
    // `quoted identifier` with `` doubling
    if (c === '`') {
      const start = i;
      i++;
      let name = '';
      let closed = false;
      while (i < n) {
        const d = sql[i]!;
        if (d === '`') {
          if (sql[i + 1] === '`') {
            name += '`';
            i += 2;
            continue;
          }
          i++;
          closed = true;
          break;
        }
        name += d;
        i++;
      }
      if (!closed) throw new SqlLexError('unterminated `quoted identifier`', start);
      tokens.push({ kind: 'quoted', value: name, start, end: i });
      continue;
    }
    if (isAsciiLetter(c) || c === '_') {
      const start = i;
      while (i < n && isWordChar(sql[i]!)) i++;
      tokens.push({ kind: 'word', value: sql.slice(start, i), start, end: i });
      continue;
    }
    if (isDigit(c) || (c === '.' && next !== undefined && isDigit(next))) {
      const start = i;
      while (i < n && (isWordChar(sql[i]!) || sql[i] === '.')) {
        // `1.f(...)`: Spark lexes `1`, `.`, `f` (a decimal point is never followed by a name),
        // so the name must stay a token the guard can see. `1.e5` is still one number.
        if (sql[i] === '.' && isNamePart(sql, i + 1)) break;
        // exponent sign: 1e-5
        if ((sql[i] === 'e' || sql[i] === 'E') && (sql[i + 1] === '-' || sql[i + 1] === '+')) {
          i += 2;
          continue;
        }
        i++;
      }
      tokens.push({ kind: 'number', value: sql.slice(start, i), start, end: i });
      continue;
    }
    if (c === '?') {
      tokens.push({ kind: 'param', value: '?', start: i, end: i + 1 });
      i++;
      continue;
    }
    if (c === ':' && next !== undefined && (isAsciiLetter(next) || next === '_')) {
      // `:name` parameter, but not the `::` cast operator.
      if (sql[i - 1] !== ':') {
        const start = i;
        i++;
        while (i < n && isWordChar(sql[i]!)) i++;
        tokens.push({ kind: 'param', value: sql.slice(start, i), start, end: i });
        continue;
      }
    }
    if (c === '(') {
      tokens.push({ kind: 'lparen', value: c, start: i, end: i + 1 });
      i++;
      continue;
    }
    if (c === ')') {
      tokens.push({ kind: 'rparen', value: c, start: i, end: i + 1 });
      i++;
      continue;
    }
    if (c === ';') {
      tokens.push({ kind: 'semicolon', value: c, start: i, end: i + 1 });
      i++;
      continue;
    }
    if ('+-*/%=<>!&|^~,.:[]{}@'.includes(c)) {
      const start = i;
      i++;
      // Group common two-character operators; grouping does not matter to the guard.
      const two = sql.slice(start, start + 2);
      if (['::', '->', '=>', '<=', '>=', '<>', '!=', '==', '||', '<<', '>>', '<=>'].includes(two)) {
        i = start + 2;
        if (sql.slice(start, start + 3) === '<=>') i = start + 3;
      }
      tokens.push({ kind: 'op', value: sql.slice(start, i), start, end: i });
      continue;
    }
    throw new SqlLexError(
      `unexpected character ${describeChar(String.fromCodePoint(sql.codePointAt(i) ?? 0))}`,
      i,
    );
  }
  if (hintStart !== undefined) throw new SqlLexError('unterminated /*+ hint', hintStart);
  return tokens;
}
