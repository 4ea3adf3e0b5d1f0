import { describe, expect, test } from 'vitest';
import { compareResultSets, hasOrderBy, normaliseValue } from './compare.js';

describe('compareResultSets', () => {
  test('a single value matches across types and names', () => {
    expect(
      compareResultSets(
        { columns: ['count(1)'], rows: [[21932n]] },
        { columns: ['n'], rows: [[21932]] },
      ),
    ).toEqual({ match: true });
    expect(
      compareResultSets(
        { columns: ['s'], rows: [['333390953.10']] },
        { columns: ['total'], rows: [[333390953.1]] },
      ).match,
    ).toBe(true);
  });

  test('numbers match within the tolerance, not beyond', () => {
    const expected = { columns: ['avg'], rows: [[11.420321904067116]] };
    expect(compareResultSets(expected, { columns: ['a'], rows: [[11.42]] }).match).toBe(true); // ROUND(x, 2)
    expect(compareResultSets(expected, { columns: ['a'], rows: [[11.5]] }).match).toBe(false);
    expect(
      compareResultSets(
        { columns: ['x'], rows: [[1_000_000]] },
        { columns: ['x'], rows: [[1_000_050]] },
      ).match,
    ).toBe(true);
    expect(
      compareResultSets(
        { columns: ['x'], rows: [[1_000_000]] },
        { columns: ['x'], rows: [[1_001_000]] },
      ).match,
    ).toBe(false);
  });

  test('row order is ignored unless ordered', () => {
    const expected = {
      columns: ['m', 'n'],
      rows: [
        [1, 10],
        [2, 20],
      ],
    };
    const swapped = {
      columns: ['m', 'n'],
      rows: [
        [2, 20],
        [1, 10],
      ],
    };
    expect(compareResultSets(expected, swapped).match).toBe(true);
    expect(compareResultSets(expected, swapped, { ordered: true })).toMatchObject({ match: false });
    expect(compareResultSets(expected, expected, { ordered: true }).match).toBe(true);
  });

  test('columns may come in another order, and extra columns are allowed', () => {
    const expected = {
      columns: ['zip', 'trips'],
      rows: [
        [10003, 388],
        [10011, 372],
      ],
    };
    expect(
      compareResultSets(expected, {
        columns: ['trips', 'zip'],
        rows: [
          [388, 10003],
          [372, 10011],
        ],
      }).match,
    ).toBe(true);
    expect(
      compareResultSets(
        { columns: ['n_name'], rows: [['KENYA']] },
        { columns: ['n_name', 'customers'], rows: [['KENYA', 73]] },
      ).match,
    ).toBe(true);
  });

  test('rows must pair up: the same column values in other combinations do not match', () => {
    const expected = {
      columns: ['a', 'b'],
      rows: [
        [1, 'x'],
        [2, 'y'],
      ],
    };
    expect(
      compareResultSets(expected, {
        columns: ['a', 'b'],
        rows: [
          [1, 'y'],
          [2, 'x'],
        ],
      }).match,
    ).toBe(false);
  });

  test('row counts, missing columns and values are reported', () => {
    expect(
      compareResultSets({ columns: ['n'], rows: [[1]] }, { columns: ['n'], rows: [[1], [2]] }),
    ).toEqual({ match: false, reason: '2 rows, expected 1' });
    expect(
      compareResultSets({ columns: ['a', 'b'], rows: [[1, 2]] }, { columns: ['a'], rows: [[1]] }),
    ).toEqual({ match: false, reason: '1 columns, expected 2' });
    expect(
      compareResultSets({ columns: ['n'], rows: [[5]] }, { columns: ['m'], rows: [[6]] }),
    ).toEqual({ match: false, reason: 'no result column has the values of n' });
    expect(
      compareResultSets({ columns: ['n'], rows: [] }, { columns: ['m'], rows: [] }).match,
    ).toBe(true);
  });

  test('nulls, dates and strings', () => {
    expect(
      compareResultSets(
        { columns: ['d'], rows: [['2016-01-15']] },
        { columns: ['d'], rows: [[new Date('2016-01-15T00:00:00Z')]] },
      ).match,
    ).toBe(true);
    expect(
      compareResultSets({ columns: ['d'], rows: [[null]] }, { columns: ['d'], rows: [[null]] })
        .match,
    ).toBe(true);
    expect(
      compareResultSets({ columns: ['d'], rows: [[null]] }, { columns: ['d'], rows: [[0]] }).match,
    ).toBe(false);
    expect(
      compareResultSets({ columns: ['s'], rows: [['ASIA']] }, { columns: ['s'], rows: [['asia']] })
        .match,
    ).toBe(false);
  });
});

describe('normaliseValue', () => {
  test('driver values become comparable values', () => {
    expect(normaliseValue(12n)).toBe(12);
    expect(normaliseValue('12.50')).toBe(12.5);
    expect(normaliseValue('2016-01-02 00:00:00')).toBe('2016-01-02');
    expect(normaliseValue(undefined)).toBeNull();
    expect(normaliseValue(' x ')).toBe('x');
  });
});

describe('hasOrderBy', () => {
  test('only a top-level ORDER BY counts', () => {
    expect(hasOrderBy('SELECT a FROM t ORDER BY a DESC LIMIT 5')).toBe(true);
    expect(hasOrderBy('SELECT count(*) FROM (SELECT a FROM t ORDER BY a LIMIT 3)')).toBe(false);
    expect(hasOrderBy("SELECT 'order by' FROM t")).toBe(false);
    expect(hasOrderBy('SELECT a FROM t')).toBe(false);
  });
});
