/**
 * Whether a query's result is known to be small before it runs, from its tokens: a top-level
 * `LIMIT n` with n at most `SMALL_RESULT_ROWS`, or a `SELECT` without a top-level `FROM` and
 * without a row generator (`SELECT 1`, `SELECT current_catalog()`). The session runs such a query
 * materialized: DuckDB answers it in one call on its thread pool, and its chunks are then read in
 * place, where a streamed query costs five thread-pool hops (extract, prepare, execute, a chunk,
 * the empty chunk that ends it), each waking a pool thread (bench/PROFILE.md). Anything else
 * streams, so a large result is never held whole.
 */
import type { Token } from './lexer.js';

/** Rows a materialized result may hold: a few DuckDB vectors (2,048 rows each). */
export const SMALL_RESULT_ROWS = 10_000;

/** Functions that turn one row into many: a query without FROM that calls one is not small. */
const ROW_GENERATORS = new Set([
  'EXPLODE',
  'EXPLODE_OUTER',
  'POSEXPLODE',
  'POSEXPLODE_OUTER',
  'INLINE',
  'INLINE_OUTER',
  'STACK',
  'UNNEST',
  'RANGE',
  'GENERATE_SERIES',
]);

/** `sig`: the statement's significant tokens (no whitespace, no comments). */
export function isSmallResult(sig: readonly Token[]): boolean {
  const first = sig[0];
  if (first?.kind !== 'ident' || first.value.toUpperCase() !== 'SELECT') return false;
  let depth = 0;
  let hasFrom = false;
  let generates = false;
  for (let i = 0; i < sig.length; i++) {
    const token = sig[i] as Token;
    if (token.kind === 'op') {
      if (token.text === '(' || token.text === '[') depth++;
      else if (token.text === ')' || token.text === ']') depth--;
      else if (token.text === ';') return false;
      continue;
    }
    if (token.kind !== 'ident') continue;
    const word = token.value.toUpperCase();
    if (ROW_GENERATORS.has(word) && sig[i + 1]?.text === '(') generates = true;
    if (depth !== 0) continue;
    if (word === 'FROM') hasFrom = true;
    else if (word === 'LIMIT') {
      // The statement's closing `LIMIT n [OFFSET m]` bounds the result (a set operation's, or
      // the only query's).
      const count = sig[i + 1];
      const after = sig[i + 2];
      const closing =
        after === undefined || (after.kind === 'ident' && after.value.toUpperCase() === 'OFFSET');
      if (count?.kind === 'number' && /^\d+$/.test(count.text) && closing) {
        return Number(count.text) <= SMALL_RESULT_ROWS;
      }
    }
  }
  return !hasFrom && !generates;
}
