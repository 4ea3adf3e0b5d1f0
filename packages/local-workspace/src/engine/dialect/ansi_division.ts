/**
 * ANSI division, the Databricks SQL default: `a / b` and `a DIV b` raise `[DIVIDE_BY_ZERO]` when
 * `b` is 0, where DuckDB returns NULL. The translator wraps the divisor in `lc_nonzero(...)`, a
 * macro (see information_schema.ts) that raises Databricks' error on 0 and passes other values.
 */
import type { Token } from './lexer.js';
import type { TokenScan } from './token_scan.js';

/**
 * The end (exclusive) of the divisor that starts at significant token `k`: one operand of higher
 * precedence (unary sign, literal, parameter, dotted name, function call, parenthesised
 * expression, CASE ... END, followed by `::type` or `[...]`), or -1 when the operand is not one of
 * these shapes (the division is then left unchecked).
 */
export function divisorEnd(scan: TokenScan, k: number, hi: number): number {
  const toks = scan.tokens;
  let j = k;
  while (j >= 0 && j < hi && (toks[j]?.text === '-' || toks[j]?.text === '+')) {
    j = scan.nextSignificant(j + 1, hi);
  }
  if (j < 0 || j >= hi) return -1;
  const t = toks[j] as Token;
  let end: number;
  if (t.kind === 'op' && t.text === '(') end = scan.matchingBracket(j, hi) + 1;
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
      const dot = scan.nextSignificant(end, hi);
      if (dot < 0 || toks[dot]?.text !== '.') break;
      const nx = scan.nextSignificant(dot + 1, hi);
      if (nx < 0 || (toks[nx]?.kind !== 'ident' && toks[nx]?.kind !== 'qident')) break;
      end = nx + 1;
    }
    const open = scan.nextSignificant(end, hi);
    if (open >= 0 && toks[open]?.text === '(') end = scan.matchingBracket(open, hi) + 1;
  } else return -1;
  // postfix: [index], ::type[(args)]
  for (;;) {
    const nx = scan.nextSignificant(end, hi);
    if (nx < 0) break;
    if (toks[nx]?.text === '[') {
      end = scan.matchingBracket(nx, hi) + 1;
      continue;
    }
    if (toks[nx]?.text === '::') {
      const ty = scan.nextSignificant(nx + 1, hi);
      if (ty < 0 || toks[ty]?.kind !== 'ident') return -1;
      end = ty + 1;
      const open = scan.nextSignificant(end, hi);
      if (open >= 0 && toks[open]?.text === '(') end = scan.matchingBracket(open, hi) + 1;
      continue;
    }
    break;
  }
  return end;
}

/**
 * The checked division that follows a `/` or `DIV` operator (tokens from `after`): the operator,
 * the text between it and the divisor, and the divisor wrapped in `<macroSchema>.lc_nonzero(...)`;
 * `end` is the index after the divisor. Undefined when the divisor's shape is not recognised.
 */
export function checkedDivision(
  scan: TokenScan,
  operator: string,
  after: number,
  hi: number,
  macroSchema: string,
  translateRange: (from: number, to: number) => string,
): { sql: string; end: number } | undefined {
  const k = scan.nextSignificant(after, hi);
  if (k < 0) return undefined;
  const end = divisorEnd(scan, k, hi);
  if (end < 0) return undefined;
  const gap = scan.tokens
    .slice(after, k)
    .map((x) => x.text)
    .join('');
  return {
    sql: `${operator}${gap}${macroSchema}.lc_nonzero(${translateRange(k, end).trim()})`,
    end,
  };
}

/** Whether a significant token can end an operand (so a following `/` is a division). */
export function isValueEnd(t: Token): boolean {
  if (t.kind === 'op') return t.text === ')' || t.text === ']';
  if (t.kind === 'ident')
    return !/^(SELECT|WHERE|AND|OR|NOT|ON|BY|WHEN|THEN|ELSE|CASE|IN|IS|AS|FROM|HAVING|LIKE|BETWEEN)$/i.test(
      t.value,
    );
  return t.kind !== 'ws' && t.kind !== 'comment';
}
