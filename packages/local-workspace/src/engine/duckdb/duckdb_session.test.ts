import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { createDuckDbEngine } from '../index.js';
import type { EngineSession, EngineValue, SqlEngine } from '../sql_engine.js';
import { never, q, sqlError } from '../testing_engine.js';

let engine: SqlEngine;
let s: EngineSession;

beforeAll(async () => {
  engine = await createDuckDbEngine({});
  s = await engine.openSession({});
}, 60_000);

afterAll(async () => {
  await engine?.close();
});

describe('parameters', () => {
  test('named', async () => {
    expect(
      await q(
        s,
        'SELECT n_name FROM samples.tpch.nation WHERE n_nationkey = :key AND n_name <> :other',
        {
          named: { key: { value: 7, type: 'INT' }, other: { value: 'x' } },
        },
      ),
    ).toEqual([['GERMANY']]);
    expect(
      await q(s, 'SELECT :d + 1 AS next_day, :amount * 2 AS twice', {
        named: {
          d: { value: '2020-01-31', type: 'DATE' },
          amount: { value: '1.25', type: 'DECIMAL(10,2)' },
        },
      }),
    ).toEqual([['2020-02-01', '2.50']]);
  });

  test('driver-style typed values: INTEGER, BIGINT, bare DECIMAL, TIMESTAMP with Z, BOOLEAN, VOID', async () => {
    expect(
      await q(s, 'SELECT :i + 1 AS i, :b AS b, :d AS d, :ts AS ts, NOT :flag AS f, :n AS n', {
        named: {
          i: { value: 41, type: 'INTEGER' },
          b: { value: 9007199254740993n, type: 'BIGINT' },
          d: { value: '123.450', type: 'DECIMAL' },
          ts: { value: '2020-01-02T03:04:05.000Z', type: 'TIMESTAMP' },
          flag: { value: 'TRUE', type: 'BOOLEAN' },
          n: { value: null, type: 'VOID' },
        },
      }),
    ).toEqual([[42, 9007199254740993n, '123.450', '2020-01-02 03:04:05', false, null]]);
  });

  test('quoted named markers, as SQLAlchemy sends them', async () => {
    expect(
      await q(
        s,
        'SELECT r_name FROM samples.tpch.region WHERE r_regionkey = :`param_1` LIMIT :`param_2`',
        {
          named: { param_1: { value: 2, type: 'INT' }, param_2: { value: 1, type: 'INT' } },
        },
      ),
    ).toEqual([['ASIA']]);
    expect(await q(s, "SELECT ':`x`' AS a", {})).toEqual([[':`x`']]);
  });

  test('markers inside strings, comments and casts are not parameters', async () => {
    expect(await q(s, "SELECT ':x' AS a, 1::INT AS b -- :y ?\n", {})).toEqual([[':x', 1]]);
  });

  test('positional', async () => {
    expect(
      await q(
        s,
        'SELECT r_name FROM samples.tpch.region WHERE r_regionkey = ? OR r_name = ? ORDER BY 1',
        {
          positional: [{ value: 1 }, { value: 'ASIA', type: 'STRING' }],
        },
      ),
    ).toEqual([['AMERICA'], ['ASIA']]);
  });

  test('unbound', async () => {
    const e = await sqlError(q(s, 'SELECT :missing AS x', { named: { other: { value: 1 } } }));
    expect(e.errorClass).toBe('UNBOUND_SQL_PARAMETER');
    expect(e.sqlState).toBe('42P02');
    expect(e.message).toMatch(/^\[UNBOUND_SQL_PARAMETER\] Found the unbound parameter: missing\./);
    expect((await sqlError(q(s, 'SELECT ?', {}))).errorClass).toBe('UNBOUND_SQL_PARAMETER');
  });
});

describe('errors', () => {
  test.each([
    [
      'SELECT * FROM main.default.does_not_exist',
      'TABLE_OR_VIEW_NOT_FOUND',
      '42P01',
      'The table or view `main`.`default`.`does_not_exist` cannot be found. Verify the spelling and correctness of the schema and catalog.',
    ],
    [
      'SELECT * FROM nope',
      'TABLE_OR_VIEW_NOT_FOUND',
      '42P01',
      'The table or view `nope` cannot be found.',
    ],
    [
      'SELECT no_such_col FROM samples.tpch.region',
      'UNRESOLVED_COLUMN.WITH_SUGGESTION',
      '42703',
      '`no_such_col`',
    ],
    ['SELEC 1', 'PARSE_SYNTAX_ERROR', '42601', "Syntax error at or near 'SELEC'"],
    ['SELECT * FROM nocat.x.y', 'NO_SUCH_CATALOG_EXCEPTION', '42704', 'nocat'],
    [
      'SELECT * FROM samples.noschema.t',
      'TABLE_OR_VIEW_NOT_FOUND',
      '42P01',
      '`samples`.`noschema`.`t`',
    ],
    ['SHOW TABLES IN samples.noschema', 'SCHEMA_NOT_FOUND', '42704', 'samples'],
    [
      "SELECT CAST('abc' AS INT)",
      'CAST_INVALID_INPUT',
      '22018',
      'The value \'abc\' of the type "STRING" cannot be cast to "INT"',
    ],
  ])('%s → %s', async (sql, cls, state, text) => {
    const e = await sqlError(q(s, sql));
    expect(e.errorClass).toBe(cls);
    expect(e.sqlState).toBe(state);
    expect(e.message).toContain(text);
    expect(e.message).toMatch(
      new RegExp(`^\\[${cls.replace('.', '\\.')}\\] .* SQLSTATE: ${state}$`, 's'),
    );
  });

  test('division by zero is classified', async () => {
    const { classifyError } = await import('../errors.js');
    const e = classifyError(new Error('Out of Range Error: Division by zero'));
    expect([e.errorClass, e.sqlState]).toEqual(['DIVIDE_BY_ZERO', '22012']);
  });
});

describe('result column comments', () => {
  test('columns passed through from one table carry the table column comment', async () => {
    const comments = async (sql: string) =>
      (await s.execute(sql, {}, never())).columns.map((c) => [c.name, c.comment]);
    const all = await comments('SELECT * FROM samples.nyctaxi.trips LIMIT 1');
    expect(all.length).toBeGreaterThan(3);
    expect(all.every(([, comment]) => typeof comment === 'string' && comment.length > 0)).toBe(
      true,
    );
    const fare = all.find(([name]) => name === 'fare_amount')?.[1];
    const picked = await comments(
      'SELECT t.fare_amount AS f, trip_distance, fare_amount * 2 AS twice FROM samples.nyctaxi.trips AS t WHERE fare_amount > 0 LIMIT 1',
    );
    expect(picked[0]).toEqual(['f', fare]);
    expect(picked[1]?.[1]).toEqual(expect.any(String));
    expect(picked[2]).toEqual(['twice', undefined]);
    // Joins, table functions and constants: no comments.
    expect(await comments('SELECT * FROM range(2)')).toEqual([['id', undefined]]);
    expect(
      (
        await comments(
          'SELECT a.fare_amount FROM samples.nyctaxi.trips a JOIN samples.nyctaxi.trips b ON a.pickup_zip = b.pickup_zip LIMIT 1',
        )
      )[0]?.[1],
    ).toBeUndefined();
  });
});

describe('streaming and cancel', () => {
  test('range(1_000_000) is pulled page by page', async () => {
    const r = await s.execute('SELECT * FROM range(1000000)', {}, never());
    expect(r.columns).toEqual([{ name: 'id', type: 'BIGINT', baseType: 'BIGINT', nullable: true }]);
    const first = await r.fetch(10_000);
    expect(first).toHaveLength(10_000);
    expect(first[0]).toEqual([0n]);
    expect(r.hasMoreRows()).toBe(true);
    let n = first.length;
    let last: EngineValue = null;
    for (;;) {
      const page = await r.fetch(50_000);
      if (page.length === 0) break;
      expect(page.length).toBeLessThanOrEqual(50_000);
      n += page.length;
      last = page[page.length - 1]?.[0] ?? null;
    }
    expect(n).toBe(1_000_000);
    expect(last).toBe(999_999n);
    expect(r.hasMoreRows()).toBe(false);
    await r.close();
  }, 60_000);

  test('the first page of a huge result arrives without materialising it', async () => {
    const before = process.memoryUsage().rss;
    const r = await s.execute('SELECT id, id * 2 AS twice FROM range(500000000)', {}, never());
    const page = await r.fetch(1000);
    expect(page).toHaveLength(1000);
    expect(page[999]).toEqual([999n, 1998n]);
    // 500M rows would take GBs (and minutes, past the test's timeout); streaming needs little.
    expect(process.memoryUsage().rss - before).toBeLessThan(200 * 1024 * 1024);
    await r.close();
    expect(await q(s, 'SELECT 2')).toEqual([[2]]);
  });

  test('an AbortSignal stops a long query promptly', async () => {
    const a = await engine.openSession({});
    try {
      const ac = new AbortController();
      const p = a
        .execute(
          'SELECT count(*) FROM range(200000000) x, range(100) y WHERE (x.id * y.id) % 7 = 3',
          {},
          ac.signal,
        )
        .then((r) => r.fetch(1));
      setTimeout(() => ac.abort(), 300);
      const e = await sqlError(p);
      // The query would run for minutes: only a working cancel ends it with this class.
      expect(e.errorClass).toBe('OPERATION_CANCELED');
      // the session is usable afterwards
      expect(await q(a, 'SELECT 1')).toEqual([[1]]);
    } finally {
      await a.close();
    }
  }, 30_000);

  test('an aborted signal also stops fetching', async () => {
    const ac = new AbortController();
    const r = await s.execute('SELECT * FROM range(10000000)', {}, ac.signal);
    await r.fetch(10);
    ac.abort();
    const e = await sqlError(r.fetch(5_000_000));
    expect(e.errorClass).toBe('OPERATION_CANCELED');
  });
});

describe('small results run materialized, read in place', () => {
  test('rows, order and types are those of the streamed query, across several DuckDB chunks', async () => {
    // 5,000 rows: three DuckDB vectors of at most 2,048 rows, read from a materialized result.
    const materialized = await q(
      s,
      'SELECT id, id * 2 AS twice, CAST(id AS STRING) AS text FROM range(5000) AS r(id) ORDER BY id LIMIT 5000',
    );
    // The same query without a bound streams.
    const streamed = await q(
      s,
      'SELECT id, id * 2 AS twice, CAST(id AS STRING) AS text FROM range(5000) AS r(id) ORDER BY id',
    );
    expect(materialized).toHaveLength(5000);
    expect(materialized).toEqual(streamed);
    expect(materialized[4999]).toEqual([4999n, 9998n, '4999']);
    expect(await q(s, 'SELECT 1 AS one, NULL AS nothing')).toEqual([[1, null]]);
  });

  test('a failing small query reports its error, and the session keeps working', async () => {
    await expect(q(s, 'SELECT no_such_column FROM samples.tpch.region LIMIT 1')).rejects.toThrow(
      /UNRESOLVED_COLUMN/,
    );
    expect(
      await q(s, 'SELECT r_name FROM samples.tpch.region ORDER BY r_regionkey LIMIT 2'),
    ).toEqual([['AFRICA'], ['AMERICA']]);
  });
});
