import { describe, expect, test } from 'vitest';
import { translated } from './testing_translate.js';

describe('ANSI division', () => {
  test('ANSI division: every divisor is checked for zero', () => {
    const nz = (x: string) => `memory.main.lc_nonzero(${x})`;
    expect(translated('SELECT a / b, a/b FROM t')).toBe(
      `SELECT a / ${nz('b')}, a/${nz('b')} FROM t`,
    );
    expect(translated('SELECT a * b / c / -d.e')).toBe(`SELECT a * b / ${nz('c')} / ${nz('-d.e')}`);
    expect(translated('SELECT sum(x) / count(*) FROM t')).toBe(
      `SELECT sum(x) / ${nz('count(*)')} FROM t`,
    );
    expect(translated('SELECT (a + 1) / (b - 1)')).toBe(`SELECT (a + 1) / ${nz('(b - 1)')}`);
    expect(translated('SELECT a / CASE WHEN b THEN 1 ELSE 0 END')).toBe(
      `SELECT a / ${nz('CASE WHEN b THEN 1 ELSE 0 END')}`,
    );
    expect(translated('SELECT a / b::int, a / x[1], a / :p')).toBe(
      `SELECT a / ${nz('b::int')}, a / ${nz('x[1]')}, a / ${nz('$p')}`,
    );
    expect(translated('SELECT a / nvl(b, 0)')).toBe(`SELECT a / ${nz('coalesce(b, 0)')}`);
    // not a division
    expect(translated("SELECT '1/2', date_format(d, 'yyyy/MM')")).toBe(
      "SELECT '1/2', strftime(CAST(d AS TIMESTAMP), '%Y/%m')",
    );
  });
});
