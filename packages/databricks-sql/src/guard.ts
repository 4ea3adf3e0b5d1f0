/**
 * The read-only guard: lets exactly one read statement through (SELECT, WITH ... SELECT, VALUES,
 * TABLE, FROM ... SELECT, SHOW, DESCRIBE, EXPLAIN) and refuses everything else before it reaches
 * the warehouse.
 *
 * It works on tokens from `tokenizer.ts`, never on raw text, so keywords inside comments, string
 * literals and backtick identifiers are inert, and statement boundaries are the ones Spark sees.
 * The text is lexed under every reading Spark versions disagree on (nested block comments, `--`
 * comments continued by a backslash) and must be safe under all of them.
 *
 * A read can still act outside the query through a function call (a secret, a model, storage, the
 * network, the JVM): every call, wherever it sits (select list, WHERE, subquery, CTE, LATERAL VIEW,
 * table-valued function in FROM, hint parameters), is judged by `function_policy.ts`, including
 * quoted (`` `secret`(...) ``), qualified (`system.builtin.secret(...)`) and computed
 * (`IDENTIFIER('secret')(...)`) names.
 */
import { SqlGuardError } from './errors.js';
import {
  compileFunctionPolicy,
  DYNAMIC_NAME_VERDICT,
  type FunctionCategory,
  type FunctionPolicy,
  type FunctionVerdict,
  type GuardOptions,
  judgeFunction,
  judgePathRead,
  PATH_READ_FORMATS,
  splitQualifiedName,
  UNKNOWN_QUALIFIER,
} from './function_policy.js';
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

/**
 * Keywords that the grammar follows with `(` where no function is called (`IN (`, `OVER (`,
 * `AS (`, `CAST(x AS DECIMAL(10, 2))`, `WITHIN GROUP (`, ...). An unquoted one of these before
 * `(` is not a call; a backticked one is.
 */
const NOT_A_CALL = new Set([
  'ALL',
  'AND',
  'ANY',
  'AS',
  'BETWEEN',
  'BY',
  'CASE',
  'CHAR',
  'CHARACTER',
  'CUBE',
  'DEC',
  'DECIMAL',
  'DISTINCT',
  'DIV',
  'ELSE',
  'END',
  'EXCEPT',
  'FOR',
  'FROM',
  'GROUP',
  'HAVING',
  'IDENTIFIER',
  'IN',
  'INTERSECT',
  'INTERVAL',
  'IS',
  'JOIN',
  'LATERAL',
  'LIMIT',
  'MINUS',
  'NOT',
  'NUMERIC',
  'OF',
  'OFFSET',
  'ON',
  'OR',
  'ORDER',
  'OVER',
  'PARTITION',
  'PIVOT',
  'QUALIFY',
  'QUERY',
  'ROLLUP',
  'SELECT',
  'SETS',
  'SOME',
  'STREAM',
  'TABLE',
  'TABLESAMPLE',
  'THEN',
  'UNION',
  'UNPIVOT',
  'USING',
  'VALUES',
  'VARCHAR',
  'WHEN',
  'WHERE',
  'WINDOW',
  'WITH',
  'WITHIN',
]);

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
  | {
      ok: false;
      reason: GuardReason;
      detail: string;
      offset?: number;
      /** For function refusals: the function as resolved, e.g. `secret` or `system.ai.python_exec`. */
      functionName?: string;
      /** For function refusals: its category (`not-allowlisted` in `builtin-safe` mode). */
      category?: FunctionCategory | 'not-allowlisted';
      /** For function refusals: the `allowFunctions` entry that would allow it. */
      optIn?: string;
    };

export type GuardReason =
  | 'empty'
  | 'lex-error'
  | 'multiple-statements'
  | 'not-a-read-statement'
  | 'write-keyword'
  /** A function of a refused category (secrets, AI, external data, network, reflection, ...). */
  | 'side-effect-function'
  /** `functions: 'builtin-safe'`: a function that is not on the safe list nor in `allowFunctions`. */
  | 'function-not-allowed'
  | 'script-transform'
  | 'unbalanced-parentheses';

class Refusal {
  constructor(
    readonly reason: GuardReason,
    readonly detail: string,
    readonly offset?: number,
    readonly verdict?: Extract<FunctionVerdict, { ok: false }>,
  ) {}
}

/**
 * Checks `sql` without throwing (invalid `options` throw `DatabricksConfigError`). With no
 * options, function calls are judged by the default denylist.
 */
export function checkReadOnly(sql: string, options: GuardOptions = {}): GuardResult {
  const policy = compileFunctionPolicy(options);
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
      const result = analyse(sql, tokens, policy);
      accepted ??= result;
    } catch (error) {
      if (error instanceof Refusal) {
        const refusal: GuardResult = {
          ok: false,
          reason: error.reason,
          detail: error.detail,
          offset: error.offset,
        };
        if (error.verdict) {
          refusal.functionName = error.verdict.name;
          refusal.category = error.verdict.category;
          refusal.optIn = error.verdict.optIn;
        }
        return refusal;
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
export function assertReadOnly(sql: string, options: GuardOptions = {}): string {
  const result = checkReadOnly(sql, options);
  if (result.ok) return result.statement;
  const where = result.offset !== undefined ? ` (at offset ${result.offset})` : '';
  let message: string;
  if (result.reason === 'side-effect-function' || result.reason === 'function-not-allowed') {
    const optIn = result.optIn
      ? ` To allow it, add '${result.optIn}' to the allowFunctions option.`
      : ' To run it anyway, create the database with readOnly: false.';
    const rewrite =
      result.reason === 'function-not-allowed'
        ? 'Use only standard built-in functions.'
        : 'Rewrite the query without it.';
    message = `Refused: ${result.detail}${where}. ${rewrite}${optIn}`;
  } else {
    message = `Refused: only a single read-only statement (SELECT, WITH ... SELECT, VALUES, SHOW, DESCRIBE, EXPLAIN) may run; ${result.detail}${where}. Rewrite it as one read-only query. To allow writes, create the database with readOnly: false.`;
  }
  throw new SqlGuardError(message, {
    reason: result.reason,
    statement: sql,
    offset: result.offset,
    functionName: result.functionName,
    category: result.category,
  });
}

function analyse(
  sql: string,
  tokens: Token[],
  policy: FunctionPolicy,
): { statement: string; kind: string } {
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
  const kind = checkStatement(body, policy);
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
function checkStatement(tokens: Token[], policy: FunctionPolicy): string {
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
      scanBody(tokens, policy);
      return word;
    case 'WITH':
      checkWithMain(tokens, i + 1);
      scanBody(tokens, policy);
      return word;
    case 'SHOW':
      // SHOW TABLES / SCHEMAS / COLUMNS / CREATE TABLE / GRANTS / ... are all read-only; none can
      // carry a nested statement.
      return word;
    case 'DESCRIBE':
    case 'DESC': {
      if (upper(tokens[i + 1]) === 'QUERY') {
        checkStatement(tokens.slice(i + 2), policy);
        return word;
      }
      scanBody(tokens.slice(i + 1), policy);
      return word;
    }
    case 'EXPLAIN': {
      let j = i + 1;
      while (EXPLAIN_MODIFIERS.has(upper(tokens[j]) ?? '')) j++;
      if (j >= tokens.length) throw new Refusal('empty', 'EXPLAIN needs a statement');
      checkStatement(tokens.slice(j), policy);
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
function scanBody(tokens: Token[], policy: FunctionPolicy): void {
  let inHint = false;
  for (let i = 0; i < tokens.length; i++) {
    const t = tokens[i]!;
    if (t.kind === 'op' && (t.value === '/*+' || t.value === '*/')) inHint = t.value === '/*+';
    // Hint names (`/*+ MERGE(a, b) */` is a join strategy) are not statements.
    if (t.kind !== 'word' || inHint) continue;
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
    if (word === 'USING' && next?.kind === 'string') {
      throw new Refusal('script-transform', 'TRANSFORM ... USING runs an external script', t.start);
    }
  }
  checkPathReads(tokens, policy);
  checkFunctionCalls(tokens, policy);
}

function refuse(verdict: FunctionVerdict, offset: number): void {
  if (verdict.ok) return;
  throw new Refusal(
    verdict.category === 'not-allowlisted' ? 'function-not-allowed' : 'side-effect-function',
    verdict.detail,
    offset,
    verdict,
  );
}

/** ``parquet.`s3://bucket/path` ``: a table named by a path, read like `read_files`. */
function checkPathReads(tokens: Token[], policy: FunctionPolicy): void {
  for (let i = 0; i + 2 < tokens.length; i++) {
    const format = tokens[i]!;
    const dot = tokens[i + 1]!;
    const path = tokens[i + 2]!;
    const before = tokens[i - 1];
    // Right after FROM, JOIN or TABLE this is a table, so ``delta.`name` `` reads the path
    // `name` (relative to the default file system); elsewhere it may be `alias.column`, and only
    // a path-like name counts.
    const tablePosition = ['FROM', 'JOIN', 'TABLE'].includes(upper(before) ?? '');
    if (
      (format.kind === 'word' || format.kind === 'quoted') &&
      PATH_READ_FORMATS.has(format.value.toLowerCase()) &&
      dot.kind === 'op' &&
      dot.value === '.' &&
      path.kind === 'quoted' &&
      (tablePosition || /[/:\\]/.test(path.value)) &&
      !(before?.kind === 'op' && before.value === '.')
    ) {
      refuse(judgePathRead(policy, format.value.toLowerCase()), format.start);
    }
  }
  // The same through IDENTIFIER('parquet.`/path`').
  for (let i = 0; i < tokens.length; i++) {
    if (upper(tokens[i]) !== 'IDENTIFIER' || tokens[i + 1]?.kind !== 'lparen') continue;
    const close = skipGroup(tokens, i + 1) - 1;
    const parts = resolveIdentifierClause(tokens.slice(i + 2, close));
    if (parts?.length === 2 && PATH_READ_FORMATS.has(parts[0]!) && /[/:\\]/.test(parts[1]!)) {
      refuse(judgePathRead(policy, parts[0]!), tokens[i]!.start);
    }
  }
}

/**
 * Judges every function call: a name (word, backticked word, `IDENTIFIER(...)`, or a dotted chain
 * of them) right before `(`, unless the grammar says the parenthesis is not a call.
 */
function checkFunctionCalls(tokens: Token[], policy: FunctionPolicy): void {
  const opening = matchParentheses(tokens);
  const cteNames = cteNameIndices(tokens);
  const hintNames = hintNameIndices(tokens);
  for (let p = 0; p < tokens.length; p++) {
    if (tokens[p]!.kind !== 'lparen') continue;
    const called = calledName(tokens, p, opening);
    if (!called) continue;
    // `/*+ REPARTITION(8, c) */`: the hint's own name; its parameters are judged.
    if (hintNames.has(called.first)) continue;
    const before = tokens[called.first - 1];
    // `AS t(a, b)` (alias column list), `CAST(x AS DECIMAL(10, 2))`, `x::DECIMAL(10, 2)`, and
    // the name of a CTE with a column list are not calls.
    if (upper(before) === 'AS' || (before?.kind === 'op' && before.value === '::')) continue;
    if (cteNames.has(called.first)) continue;
    const offset = tokens[called.first]!.start;
    refuse(called.dynamic ? DYNAMIC_NAME_VERDICT : judgeFunction(policy, called.parts), offset);
  }
}

/** Indices of tokens at the top level of a `/*+ ... *\/` hint (hint names, not calls). */
function hintNameIndices(tokens: Token[]): Set<number> {
  const names = new Set<number>();
  let inHint = false;
  let depth = 0;
  tokens.forEach((t, i) => {
    if (t.kind === 'op' && t.value === '/*+') {
      inHint = true;
      depth = 0;
    } else if (t.kind === 'op' && t.value === '*/') inHint = false;
    else if (inHint) {
      if (t.kind === 'lparen') depth++;
      else if (t.kind === 'rparen') depth--;
      else if (depth === 0) names.add(i);
    }
  });
  return names;
}

/** For each `)` index, the index of its `(` (the input is balanced). */
function matchParentheses(tokens: Token[]): Map<number, number> {
  const opening = new Map<number, number>();
  const stack: number[] = [];
  tokens.forEach((t, i) => {
    if (t.kind === 'lparen') stack.push(i);
    else if (t.kind === 'rparen') {
      const open = stack.pop();
      if (open !== undefined) opening.set(i, open);
    }
  });
  return opening;
}

/**
 * The name called by the `(` at `p`, read backwards: parts (lower case, qualifier first), the
 * index of its first token, and whether an `IDENTIFIER(...)` part could not be resolved.
 */
function calledName(
  tokens: Token[],
  p: number,
  opening: Map<number, number>,
): { parts: string[]; first: number; dynamic: boolean } | undefined {
  const parts: string[] = [];
  let dynamic = false;
  let first = p;
  let end = p - 1;
  // `f /*+ x */ (`: a hint between a name and its parenthesis does not hide the name.
  while (tokens[end]?.kind === 'op' && tokens[end]!.value === '*/') {
    while (end >= 0 && !(tokens[end]!.kind === 'op' && tokens[end]!.value === '/*+')) end--;
    end--;
  }
  for (;;) {
    const t = tokens[end];
    if (t && (t.kind === 'word' || t.kind === 'quoted')) {
      // An unquoted grammar keyword right before `(` is not a function name.
      const qualified = tokens[end - 1]?.kind === 'op' && tokens[end - 1]!.value === '.';
      if (
        parts.length === 0 &&
        !qualified &&
        t.kind === 'word' &&
        NOT_A_CALL.has(t.value.toUpperCase())
      ) {
        return undefined;
      }
      parts.unshift(t.value.toLowerCase());
      first = end;
      end--;
    } else if (t?.kind === 'string' && t.value.startsWith('"')) {
      // With spark.sql.ansi.doubleQuotedIdentifiers a "name" is an identifier; otherwise a
      // string before `(` is a syntax error, so reading it as a name costs nothing.
      const body = t.value.slice(1, -1);
      if (body.includes('\\')) dynamic = true;
      else parts.unshift(body.split('""').join('"').toLowerCase());
      first = end;
      end--;
    } else if (
      t?.kind === 'rparen' &&
      upper(tokens[(opening.get(end) ?? 0) - 1]) === 'IDENTIFIER'
    ) {
      const open = opening.get(end)!;
      const resolved = resolveIdentifierClause(tokens.slice(open + 1, end));
      if (resolved) parts.unshift(...resolved);
      else dynamic = true;
      first = open - 1;
      end = open - 2;
    } else if (parts.length > 0 || dynamic) {
      // A qualifier that is not a name: `(expr).f(`, `1.f(`.
      parts.unshift(UNKNOWN_QUALIFIER);
      break;
    } else {
      return undefined;
    }
    const dot = tokens[end];
    if (!(dot?.kind === 'op' && dot.value === '.')) break;
    end--;
  }
  return { parts, first, dynamic };
}

/**
 * The name an `IDENTIFIER(...)` clause stands for, when its argument is made of string literals
 * only ('a' 'b' is 'ab'); undefined when it holds a parameter, an operator or an escape.
 */
function resolveIdentifierClause(argument: Token[]): string[] | undefined {
  if (argument.length === 0 || argument.some((t) => t.kind !== 'string')) return undefined;
  let text = '';
  for (const literal of argument) {
    const raw = literal.value;
    const isRaw = raw[0] === 'r' || raw[0] === 'R';
    const quote = isRaw ? raw[1]! : raw[0]!;
    const body = raw.slice(isRaw ? 2 : 1, -1);
    // Escapes (\u0073, \163, \') could spell any name; the guard does not decode them.
    if (!isRaw && body.includes('\\')) return undefined;
    text += isRaw ? body : body.split(quote + quote).join(quote);
  }
  return splitQualifiedName(text);
}

/**
 * Indices of CTE names declared with a column list (`WITH x (a, b) AS (SELECT ...)`), which look
 * like calls. The shape must be exact: identifiers only in the list, then an optional AS and a
 * parenthesised query.
 */
function cteNameIndices(tokens: Token[]): Set<number> {
  const names = new Set<number>();
  for (let i = 0; i < tokens.length; i++) {
    if (upper(tokens[i]) !== 'WITH') continue;
    let j = i + 1;
    if (upper(tokens[j]) === 'RECURSIVE') j++;
    for (;;) {
      const name = tokens[j];
      if (!name || (name.kind !== 'word' && name.kind !== 'quoted')) break;
      let k = j + 1;
      let hasColumns = false;
      if (tokens[k]?.kind === 'lparen') {
        const close = skipGroup(tokens, k);
        const inside = tokens.slice(k + 1, close - 1);
        const onlyNames = inside.every(
          (t) => t.kind === 'word' || t.kind === 'quoted' || (t.kind === 'op' && t.value === ','),
        );
        if (!onlyNames) break;
        hasColumns = true;
        k = close;
      }
      if (upper(tokens[k]) === 'AS') k++;
      if (tokens[k]?.kind !== 'lparen') break;
      const query = tokens[k + 1];
      const startsQuery = query?.kind === 'lparen' || READ_STARTERS.has(upper(query) ?? '');
      if (!startsQuery) break;
      if (hasColumns) names.add(j);
      k = skipGroup(tokens, k);
      if (tokens[k]?.kind === 'op' && tokens[k]!.value === ',') {
        j = k + 1;
        continue;
      }
      break;
    }
  }
  return names;
}
