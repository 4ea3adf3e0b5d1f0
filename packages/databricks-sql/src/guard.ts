/**
 * The read-only guard: lets exactly one read statement through (SELECT, WITH ... SELECT, VALUES,
 * TABLE, FROM ... SELECT, SHOW, DESCRIBE, EXPLAIN) and refuses everything else before it reaches
 * the warehouse.
 *
 * It works on tokens from `tokenizer.ts`, never on raw text, so keywords inside comments, string
 * literals and backtick identifiers are inert, and statement boundaries are the ones Spark sees.
 * The text is lexed under every reading Spark versions disagree on (nested block comments, `--`
 * comments continued by a backslash) and must be safe under all of them.
 */
import { SqlGuardError } from './errors.js';
import { type LexOptions, SqlLexError, type Token, tokenize } from './tokenizer.js';

const READ_STARTERS = new Set(['SELECT', 'WITH', 'VALUES', 'TABLE', 'FROM']);

/**
 * Keywords that have no place anywhere inside a read statement. An unquoted word with one of
 * these names (not qualified as `alias.name`) refuses the statement; quote a real column of that
 * name with backticks.
 */
const FORBIDDEN_WORDS = new Set([
  'INSERT',
  'UPDATE',
  'DELETE',
  'MERGE',
  'UPSERT',
  'CREATE',
  'DROP',
  'ALTER',
  'TRUNCATE',
  'GRANT',
  'REVOKE',
  'DENY',
  'COPY',
  'VACUUM',
  'OPTIMIZE',
  'RESTORE',
  'MSCK',
  'REPAIR',
  'REFRESH',
  'CACHE',
  'UNCACHE',
  'ANALYZE',
  'CALL',
  'USE',
  'SET',
  'RESET',
  'ADD',
  'LOAD',
  'OVERWRITE',
  'DIRECTORY',
  'INTO',
  'EXECUTE',
  'IMMEDIATE',
  'DECLARE',
  'COMMIT',
  'ROLLBACK',
]);

/** Functions with side effects outside the query (JVM reflection, outbound HTTP). */
const FORBIDDEN_FUNCTIONS = new Set(['REFLECT', 'JAVA_METHOD', 'TRY_REFLECT', 'HTTP_REQUEST']);

const EXPLAIN_MODIFIERS = new Set(['EXTENDED', 'CODEGEN', 'COST', 'FORMATTED', 'LOGICAL']);

const LEX_MODES: LexOptions[] = [
  { nestedComments: true, lineCommentContinuation: true },
  { nestedComments: false, lineCommentContinuation: true },
  { nestedComments: true, lineCommentContinuation: false },
  { nestedComments: false, lineCommentContinuation: false },
];

export type GuardResult =
  | {
      ok: true;
      /** The statement to send: the input without a trailing `;` (and anything after it). */
      statement: string;
      /** The statement's first keyword, upper-cased (`SELECT`, `WITH`, `SHOW`, ...). */
      kind: string;
    }
  | { ok: false; reason: GuardReason; detail: string; offset?: number };

export type GuardReason =
  | 'empty'
  | 'lex-error'
  | 'multiple-statements'
  | 'not-a-read-statement'
  | 'write-keyword'
  | 'side-effect-function'
  | 'script-transform'
  | 'unbalanced-parentheses';

class Refusal {
  constructor(
    readonly reason: GuardReason,
    readonly detail: string,
    readonly offset?: number,
  ) {}
}

/** Checks `sql` without throwing. */
export function checkReadOnly(sql: string): GuardResult {
  let accepted: { statement: string; kind: string } | undefined;
  for (const mode of LEX_MODES) {
    let tokens: Token[];
    try {
      tokens = tokenize(sql, mode);
    } catch (error) {
      if (error instanceof SqlLexError) {
        return { ok: false, reason: 'lex-error', detail: error.message, offset: error.offset };
      }
      throw error;
    }
    try {
      const result = analyse(sql, tokens);
      accepted ??= result;
    } catch (error) {
      if (error instanceof Refusal) {
        return { ok: false, reason: error.reason, detail: error.detail, offset: error.offset };
      }
      throw error;
    }
  }
  return { ok: true, ...accepted! };
}

/**
 * Returns the statement to run (without a trailing `;`), or throws `SqlGuardError` explaining
 * why it is refused.
 */
export function assertReadOnly(sql: string): string {
  const result = checkReadOnly(sql);
  if (result.ok) return result.statement;
  const where = result.offset !== undefined ? ` (at offset ${result.offset})` : '';
  throw new SqlGuardError(
    `Refused: only a single read-only statement (SELECT, WITH ... SELECT, VALUES, SHOW, DESCRIBE, EXPLAIN) may run; ${result.detail}${where}. Rewrite it as one read-only query. To allow writes, create the database with readOnly: false.`,
    { reason: result.reason, statement: sql, offset: result.offset },
  );
}

function analyse(sql: string, tokens: Token[]): { statement: string; kind: string } {
  if (tokens.length === 0) throw new Refusal('empty', 'the statement is empty');
  let body = tokens;
  let end = sql.length;
  const semis = tokens.filter((t) => t.kind === 'semicolon');
  if (semis.length > 0) {
    const last = tokens[tokens.length - 1]!;
    const firstSemi = semis[0]!;
    if (semis.length > 1 || last.kind !== 'semicolon') {
      throw new Refusal(
        'multiple-statements',
        "the input contains more than one statement (only one, with at most a trailing ';', is allowed)",
        firstSemi.start,
      );
    }
    body = tokens.slice(0, -1);
    end = last.start;
  }
  if (body.length === 0) throw new Refusal('empty', 'the statement is empty');
  checkParens(body);
  const kind = checkStatement(body);
  return { statement: sql.slice(0, end).trim(), kind };
}

function checkParens(tokens: Token[]): void {
  let depth = 0;
  for (const t of tokens) {
    if (t.kind === 'lparen') depth++;
    else if (t.kind === 'rparen') {
      depth--;
      if (depth < 0) throw new Refusal('unbalanced-parentheses', "unbalanced ')'", t.start);
    }
  }
  if (depth !== 0) throw new Refusal('unbalanced-parentheses', "unbalanced '('");
}

const upper = (t: Token | undefined): string | undefined =>
  t?.kind === 'word' ? t.value.toUpperCase() : undefined;

/** Validates one statement (no semicolons); returns its kind. */
function checkStatement(tokens: Token[]): string {
  let i = 0;
  while (tokens[i]?.kind === 'lparen') i++;
  const first = tokens[i];
  const word = upper(first);
  if (!first || !word) {
    throw new Refusal(
      'not-a-read-statement',
      `the statement must start with a keyword, not '${first?.value ?? ''}'`,
      first?.start,
    );
  }
  if (i > 0 && !READ_STARTERS.has(word)) {
    throw new Refusal('not-a-read-statement', `${word} is not a read statement`, first.start);
  }
  switch (word) {
    case 'SELECT':
    case 'VALUES':
    case 'TABLE':
    case 'FROM':
      scanBody(tokens);
      return word;
    case 'WITH':
      checkWithMain(tokens, i + 1);
      scanBody(tokens);
      return word;
    case 'SHOW':
      // SHOW TABLES / SCHEMAS / COLUMNS / CREATE TABLE / GRANTS / ... are all read-only; none can
      // carry a nested statement.
      return word;
    case 'DESCRIBE':
    case 'DESC': {
      if (upper(tokens[i + 1]) === 'QUERY') {
        checkStatement(tokens.slice(i + 2));
        return word;
      }
      scanBody(tokens.slice(i + 1));
      return word;
    }
    case 'EXPLAIN': {
      let j = i + 1;
      while (EXPLAIN_MODIFIERS.has(upper(tokens[j]) ?? '')) j++;
      if (j >= tokens.length) throw new Refusal('empty', 'EXPLAIN needs a statement');
      checkStatement(tokens.slice(j));
      return word;
    }
    default:
      throw new Refusal(
        FORBIDDEN_WORDS.has(word) ? 'write-keyword' : 'not-a-read-statement',
        `${word} statements are not read-only`,
        first.start,
      );
  }
}

/** Skips the CTE list after WITH and checks that the main statement is a query. */
function checkWithMain(tokens: Token[], start: number): void {
  let i = start;
  if (upper(tokens[i]) === 'RECURSIVE') i++;
  for (;;) {
    const name = tokens[i];
    if (!name || (name.kind !== 'word' && name.kind !== 'quoted')) {
      throw new Refusal('not-a-read-statement', 'malformed WITH clause', name?.start);
    }
    i++;
    // Optional column list, then optional AS, then the parenthesised query.
    if (tokens[i]?.kind === 'lparen') i = skipGroup(tokens, i);
    if (upper(tokens[i]) === 'AS') {
      i++;
      if (tokens[i]?.kind !== 'lparen') {
        throw new Refusal('not-a-read-statement', 'malformed WITH clause', tokens[i]?.start);
      }
      i = skipGroup(tokens, i);
    }
    if (tokens[i]?.kind === 'op' && tokens[i]!.value === ',') {
      i++;
      continue;
    }
    break;
  }
  const main = tokens[i];
  if (main?.kind === 'lparen') return;
  const word = upper(main);
  if (!word || !READ_STARTERS.has(word) || word === 'WITH') {
    throw new Refusal(
      word && FORBIDDEN_WORDS.has(word) ? 'write-keyword' : 'not-a-read-statement',
      `the WITH clause is followed by ${word ?? `'${main?.value ?? 'nothing'}'`}, not a query`,
      main?.start,
    );
  }
}

/** Index just after the parenthesised group opening at `i`. */
function skipGroup(tokens: Token[], i: number): number {
  let depth = 0;
  for (let j = i; j < tokens.length; j++) {
    const k = tokens[j]!.kind;
    if (k === 'lparen') depth++;
    else if (k === 'rparen') {
      depth--;
      if (depth === 0) return j + 1;
    }
  }
  return tokens.length;
}

/** Looks through every token of a read statement, at any depth, for write constructs. */
function scanBody(tokens: Token[]): void {
  for (let i = 0; i < tokens.length; i++) {
    const t = tokens[i]!;
    if (t.kind !== 'word') continue;
    const word = t.value.toUpperCase();
    const prev = tokens[i - 1];
    const next = tokens[i + 1];
    const qualified = prev?.kind === 'op' && prev.value === '.';
    if (FORBIDDEN_WORDS.has(word) && !qualified) {
      throw new Refusal(
        'write-keyword',
        `found ${word}, which has no place in a read-only query (quote a column of that name with backticks)`,
        t.start,
      );
    }
    if (FORBIDDEN_FUNCTIONS.has(word) && next?.kind === 'lparen' && !qualified) {
      throw new Refusal(
        'side-effect-function',
        `the function ${t.value.toLowerCase()}() can act outside the query`,
        t.start,
      );
    }
    if (word === 'USING' && next?.kind === 'string') {
      throw new Refusal('script-transform', 'TRANSFORM ... USING runs an external script', t.start);
    }
  }
}
