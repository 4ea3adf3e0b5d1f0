/**
 * Is a statement a single read? Genie only runs queries, and the managed SQL MCP server's
 * `execute_sql_read_only` tool only reads, so both check the statement with the dialect layer's
 * lexer (strings, comments and quoted names are never mistaken for keywords) before it reaches
 * the engine. The engine asks the same question of every statement it runs: anything that is not
 * a read may change the catalog, so it forgets the table column comments it cached
 * (`statements/column_comments.ts`).
 */
import { significant, type Token } from './lexer.js';

const READ_STATEMENTS = new Set([
  'SELECT',
  'WITH',
  'VALUES',
  'TABLE',
  'SHOW',
  'DESCRIBE',
  'DESC',
  'EXPLAIN',
  'FROM',
]);
/** Keywords that write or change something wherever they appear (e.g. inside a `WITH`). */
const WRITE_KEYWORDS = new Set([
  'INSERT',
  'UPDATE',
  'DELETE',
  'MERGE',
  'CREATE',
  'DROP',
  'ALTER',
  'TRUNCATE',
  'GRANT',
  'REVOKE',
  'COPY',
  'OPTIMIZE',
  'VACUUM',
  'RESTORE',
  'REFRESH',
  'CACHE',
  'UNCACHE',
  'SET',
  'RESET',
  'USE',
  'CALL',
  'MSCK',
]);

export type ReadOnlyVerdict =
  | { ok: true; sql: string }
  | { ok: false; reason: 'empty' | 'multiple_statements' | 'not_a_read'; detail: string };

/** Checks one statement (a trailing `;` is allowed and removed). */
export function checkReadOnly(sql: string): ReadOnlyVerdict {
  let tokens: Token[];
  try {
    tokens = significant(sql);
  } catch {
    // An unterminated string or comment: the engine will report the syntax error itself.
    return { ok: true, sql: sql.trim() };
  }
  return readOnlyVerdict(sql, tokens);
}

/**
 * Whether the statement whose significant tokens these are is a single read: one that changes
 * nothing (no catalog change, no data change, no session change).
 */
export function isReadOnly(tokens: Token[]): boolean {
  return readOnlyVerdict('', tokens).ok;
}

function readOnlyVerdict(sql: string, significantTokens: Token[]): ReadOnlyVerdict {
  const tokens = [...significantTokens];
  while (tokens.at(-1)?.kind === 'op' && tokens.at(-1)?.text === ';') tokens.pop();
  if (tokens.length === 0) return { ok: false, reason: 'empty', detail: 'The statement is empty.' };
  if (tokens.some((token) => token.kind === 'op' && token.text === ';'))
    return {
      ok: false,
      reason: 'multiple_statements',
      detail: 'Only one statement may be run at a time.',
    };
  const first = tokens[0]?.kind === 'ident' ? tokens[0].value.toUpperCase() : '';
  const writes = tokens.find(
    (token) => token.kind === 'ident' && WRITE_KEYWORDS.has(token.value.toUpperCase()),
  );
  if (!READ_STATEMENTS.has(first) || writes)
    return {
      ok: false,
      reason: 'not_a_read',
      detail: `Only read-only statements (SELECT, WITH, SHOW, DESCRIBE, EXPLAIN) may run here${writes ? `; found ${writes.value.toUpperCase()}` : ''}.`,
    };
  const last = tokens.at(-1);
  const end = last ? last.pos + last.text.length : sql.length;
  return { ok: true, sql: sql.slice(0, end).trim() };
}

const TRANSACTION_STARTS = new Set(['BEGIN', 'START']);
const TRANSACTION_ENDS = new Set(['COMMIT', 'ROLLBACK', 'END', 'ABORT']);

/**
 * Whether the statement opens an explicit transaction (`BEGIN`, `START TRANSACTION`) or ends one
 * (`COMMIT`, `ROLLBACK`, `END`, `ABORT`); of several statements at once, the last that does.
 */
export function transactionChange(tokens: Token[]): 'begin' | 'end' | undefined {
  let change: 'begin' | 'end' | undefined;
  let statementStart = true;
  for (const token of tokens) {
    if (statementStart && token.kind === 'ident') {
      const keyword = token.value.toUpperCase();
      if (TRANSACTION_STARTS.has(keyword)) change = 'begin';
      else if (TRANSACTION_ENDS.has(keyword)) change = 'end';
    }
    statementStart = token.kind === 'op' && token.text === ';';
  }
  return change;
}
