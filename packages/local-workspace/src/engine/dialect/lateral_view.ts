/**
 * Hive's `LATERAL VIEW [OUTER] explode(expr) alias [AS] col` → DuckDB's
 * `CROSS JOIN unnest(expr) AS alias(col)` (`LEFT JOIN ... ON true` for OUTER, which keeps rows
 * whose array is empty or NULL).
 */
import { unsupportedFeature } from '../errors.js';
import { identQuote } from './sql_quoting.js';
import type { TokenScan } from './token_scan.js';

/** Words that end the alias list of a LATERAL VIEW (the next clause starts). */
const CLAUSE_WORDS =
  /^(LATERAL|WHERE|GROUP|ORDER|LIMIT|HAVING|JOIN|LEFT|RIGHT|INNER|CROSS|FULL|UNION|QUALIFY|WINDOW)$/i;

/**
 * The join for the LATERAL VIEW whose `LATERAL` keyword is token `i`, and the index after its
 * column names; undefined when `LATERAL` is not followed by `VIEW`. Throws UNSUPPORTED_FEATURE
 * for generators other than `explode` / `explode_outer`.
 */
export function lateralView(
  scan: TokenScan,
  i: number,
  hi: number,
  translateRange: (from: number, to: number) => string,
): { sql: string; end: number } | undefined {
  const toks = scan.tokens;
  const vx = scan.nextSignificant(i + 1, hi);
  if (vx < 0 || toks[vx]?.value.toUpperCase() !== 'VIEW') return undefined;
  let fx = scan.nextSignificant(vx + 1, hi);
  let outer = false;
  if (toks[fx]?.value.toUpperCase() === 'OUTER') {
    outer = true;
    fx = scan.nextSignificant(fx + 1, hi);
  }
  const fn = toks[fx]?.value.toLowerCase() ?? '';
  const open = scan.nextSignificant(fx + 1, hi);
  if (!/^explode(_outer)?$/.test(fn) || open < 0 || toks[open]?.text !== '(') {
    throw unsupportedFeature(`LATERAL VIEW ${fn}`);
  }
  if (fn === 'explode_outer') outer = true;
  const close = scan.matchingBracket(open, hi);
  const arg = translateRange(open + 1, close).trim();
  // alias and column names
  let j = close + 1;
  const names: string[] = [];
  for (;;) {
    const nx = scan.nextSignificant(j, hi);
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
    if ((nt.kind === 'ident' && !CLAUSE_WORDS.test(nt.value)) || nt.kind === 'qident') {
      names.push(identQuote(nt.value));
      j = nx + 1;
      continue;
    }
    break;
  }
  const alias = names[0] ?? '"lateral_view"';
  const cols = names.length > 1 ? `(${names.slice(1).join(', ')})` : '(col)';
  return {
    sql: outer
      ? `LEFT JOIN unnest(${arg}) AS ${alias}${cols} ON true`
      : `CROSS JOIN unnest(${arg}) AS ${alias}${cols}`,
    end: j,
  };
}
