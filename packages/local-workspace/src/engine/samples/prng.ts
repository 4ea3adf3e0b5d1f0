/**
 * Deterministic pseudo-random numbers for sample generation in DuckDB SQL.
 *
 * `memory.main.lc_rows(n, seed)` is a table macro yielding rows `(i, h)` for i in [0, n): `h` is a
 * well-mixed 31-bit hash of (i, seed) computed with integer LCG steps and xor-shifts (all
 * intermediates below 2^62), staged through subqueries so each step is evaluated once. Independent
 * streams are then derived from `h` with `rnd(h, k)`: `((h * a_k + b_k) mod 2^31) / 2^31`, one
 * multiply per value, with per-stream odd multipliers. Pure integer arithmetic: the same rows on
 * every start, independent of DuckDB's own `hash()`/`random()`.
 */
import type { DuckDBConnection } from '@duckdb/node-api';

const M = 2147483648;

export const PRNG_SQL = [
  `CREATE OR REPLACE MACRO memory.main.lc_rows(n, seed) AS TABLE
     SELECT i, xor(h3, h3 >> 16) AS h FROM (
       SELECT i, (xor(h2, h2 >> 13) * 1103515245 + 12345) % ${M} AS h3 FROM (
         SELECT i, ((((i % ${M}) * 7919 + CAST(seed AS BIGINT) * 104729 + 20160101) % ${M}) * 1664525 + 1013904223) % ${M} AS h2
         FROM range(n) r(i)))`,
];

export async function installPrng(conn: DuckDBConnection): Promise<void> {
  for (const s of PRNG_SQL) await conn.run(s);
}

function streamConstants(k: number): [number, number] {
  const a = ((Math.imul(k + 1, 0x9e3779b1) >>> 8) | 1) >>> 0; // odd, < 2^24
  const b = Math.imul(k + 7, 0x85ebca6b) >>> 1; // < 2^31
  return [a, b];
}

/** SQL: a DOUBLE in [0, 1) from hash column `h`, stream `k`. */
export function rnd(h: string, k: number): string {
  const [a, b] = streamConstants(k);
  return `(((${h}) * ${a} + ${b}) % ${M} / ${M}.0)`;
}

/** SQL: an integer in [lo, hi]. */
export function rint(h: string, k: number, lo: number, hi: number): string {
  return `CAST(${lo} + floor(${rnd(h, k)} * ${hi - lo + 1}) AS BIGINT)`;
}

/** JS counterpart of lc_rows + rnd (for tests). */
export function rndJs(i: number, seed: number, k: number): number {
  const Mn = BigInt(M);
  const bi = BigInt(i);
  const h2 =
    ((((bi % Mn) * 7919n + BigInt(seed) * 104729n + 20160101n) % Mn) * 1664525n + 1013904223n) % Mn;
  const h3 = ((h2 ^ (h2 >> 13n)) * 1103515245n + 12345n) % Mn;
  const h = h3 ^ (h3 >> 16n);
  const [a, b] = streamConstants(k);
  return Number((h * BigInt(a) + BigInt(b)) % Mn) / M;
}
