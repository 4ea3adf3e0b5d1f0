import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { createDuckDbEngine } from '../index.js';
import type { EngineSession, SqlEngine } from '../sql_engine.js';
import { all, never, objects, q, sqlError } from '../testing_engine.js';

let engine: SqlEngine;
let s: EngineSession;

beforeAll(async () => {
  engine = await createDuckDbEngine({});
  s = await engine.openSession({});
}, 60_000);

afterAll(async () => {
  await engine?.close();
});

describe('Spark SQL functions', () => {
  test('values', async () => {
    const [row] = await objects(
      s,
      `SELECT nvl(NULL, 2) AS a, ifnull(NULL, 'x') AS b,
        date_format(TIMESTAMP '2016-01-05 13:04:05', 'yyyy-MM') AS c,
        date_format(DATE '2016-01-05', 'dd/MM/yyyy HH:mm') AS c2,
        datediff(DATE '2016-03-01', DATE '2016-02-01') AS d,
        datediff('2016-01-01', '2016-01-10') AS d2,
        date_trunc('MONTH', TIMESTAMP '2016-02-17 10:00:00') AS e,
        date_trunc('year', DATE '2016-02-17') AS e2,
        current_date() = current_date AS f,
        CAST(42 AS STRING) AS g,
        'ABC' ILIKE 'a%' AS h,
        size(array(1, 2, 3)) AS i,
        collect_list_len, array_contains(array('a', 'b'), 'b') AS j,
        CAST('[1,2]' AS ARRAY<INT>) AS k,
        \`quoted col\`
      FROM (SELECT 3 AS collect_list_len, 'q' AS \`quoted col\`)`,
    );
    expect(row).toEqual({
      a: 2,
      b: 'x',
      c: '2016-01',
      c2: '05/01/2016 00:00',
      d: 29,
      d2: -9,
      e: '2016-02-01 00:00:00',
      e2: '2016-01-01 00:00:00',
      f: true,
      g: '42',
      h: true,
      i: 3,
      collect_list_len: 3,
      j: true,
      k: [1, 2],
      'quoted col': 'q',
    });
  });

  test('aggregates, explode, QUALIFY and LIMIT', async () => {
    expect(
      await q(s, 'SELECT sort_array(collect_list(x)) FROM (SELECT explode(array(3, 1, 2)) AS x)'),
    ).toEqual([[[1, 2, 3]]]);
    expect(
      await q(
        s,
        'SELECT n_name FROM samples.tpch.nation QUALIFY row_number() OVER (PARTITION BY n_regionkey ORDER BY n_name) = 1 ORDER BY n_name LIMIT 2',
      ),
    ).toEqual([['ALGERIA'], ['ARGENTINA']]);
  });

  test('result column types use Databricks names', async () => {
    const r = await s.execute(
      "SELECT 1 AS i, 2L AS l, CAST(1.5 AS DECIMAL(12,2)) AS d, 1.5D AS db, 'x' AS s, DATE '2020-01-01' AS dt, TIMESTAMP '2020-01-01 00:00:00.123456' AS ts, true AS b, CAST('ab' AS BINARY) AS bin, array('a') AS arr, map('k', 1) AS m, named_struct('a', 1, 'b', 'x') AS st, CAST(1 AS TINYINT) AS ti, CAST(1 AS SMALLINT) AS si, CAST(1.5 AS FLOAT) AS f",
      {},
      never(),
    );
    expect(r.columns.map((c) => c.type)).toEqual([
      'INT',
      'BIGINT',
      'DECIMAL(12,2)',
      'DOUBLE',
      'STRING',
      'DATE',
      'TIMESTAMP',
      'BOOLEAN',
      'BINARY',
      'ARRAY<STRING>',
      'MAP<STRING,INT>',
      'STRUCT<a:INT,b:STRING>',
      'TINYINT',
      'SMALLINT',
      'FLOAT',
    ]);
    expect(r.columns[2]).toMatchObject({ baseType: 'DECIMAL', precision: 12, scale: 2 });
    const [row] = await all(r);
    expect(row).toEqual([
      1,
      2n,
      '1.50',
      1.5,
      'x',
      '2020-01-01',
      '2020-01-01 00:00:00.123456',
      true,
      new Uint8Array([97, 98]),
      ['a'],
      { k: 1 },
      { a: 1, b: 'x' },
      1,
      1,
      1.5,
    ]);
  });
});

describe('ANSI semantics and range()', () => {
  test('division by zero raises DIVIDE_BY_ZERO; try_divide returns NULL', async () => {
    for (const sql of [
      'SELECT 1 / 0',
      'SELECT id / (id - 1) FROM range(3)',
      'SELECT 1.5 / CAST(0 AS DOUBLE)',
      'SELECT 7 DIV 0',
    ]) {
      const e = await sqlError(q(s, sql));
      expect(e.message).toBe(
        '[DIVIDE_BY_ZERO] Division by zero. Use `try_divide` to tolerate divisor being 0 and return NULL instead. If necessary set "ansi_mode" to "false" to bypass this error. SQLSTATE: 22012',
      );
      expect(e.sqlState).toBe('22012');
    }
    expect(await q(s, 'SELECT try_divide(1, 0), 6 / 3, 7 DIV 2')).toEqual([[null, 2, 3]]);
  });

  test('range(n) and range(start, end[, step]) have a BIGINT column id', async () => {
    const r = await s.execute('SELECT * FROM range(3)', {}, never());
    expect(r.columns.map((c) => [c.name, c.type])).toEqual([['id', 'BIGINT']]);
    expect(await all(r)).toEqual([[0n], [1n], [2n]]);
    expect(await q(s, 'SELECT id FROM range(2, 10, 3)')).toEqual([[2n], [5n], [8n]]);
    expect(await q(s, 'SELECT count(*) FROM range(0, 5) a, range(5) b WHERE a.id = b.id')).toEqual([
      [5n],
    ]);
  });
});

describe('Spark DDL and extras on DuckDB', () => {
  test('CREATE TABLE with comments, USING DELTA; LATERAL VIEW; RLIKE; DESCRIBE QUERY', async () => {
    await q(
      s,
      "CREATE TABLE main.default.ddl_t (id BIGINT COMMENT 'identifier', tags ARRAY<STRING> COMMENT 'labels') USING DELTA COMMENT 'DDL test'",
    );
    await q(s, "INSERT INTO main.default.ddl_t VALUES (1, array('a', 'b')), (2, array('c'))");
    expect(await q(s, 'DESCRIBE main.default.ddl_t')).toEqual([
      ['id', 'bigint', 'identifier'],
      ['tags', 'array<string>', 'labels'],
    ]);
    expect(
      await q(s, "SELECT comment FROM information_schema.tables WHERE table_name = 'ddl_t'"),
    ).toEqual([['DDL test']]);
    expect(
      await q(s, 'SELECT id, tag FROM ddl_t LATERAL VIEW explode(tags) t AS tag ORDER BY tag'),
    ).toEqual([
      [1n, 'a'],
      [1n, 'b'],
      [2n, 'c'],
    ]);
    expect(
      await q(
        s,
        "SELECT n_name FROM samples.tpch.nation WHERE n_name RLIKE '^(GER|FRA)' ORDER BY 1",
      ),
    ).toEqual([['FRANCE'], ['GERMANY']]);
    expect(await q(s, 'DESCRIBE QUERY SELECT 1 AS one, current_date() AS today')).toEqual([
      ['one', 'int', null],
      ['today', 'date', null],
    ]);
    const dml = await s.execute(
      'UPDATE main.default.ddl_t SET id = id + 10 WHERE id = 2',
      {},
      never(),
    );
    expect(dml.columns.map((c) => c.name)).toEqual(['num_affected_rows']);
    expect(dml.affectedRows).toBe(1);
    await dml.close();
  });

  test('SELECT * EXCEPT, struct(), transform/filter lambdas, sequence', async () => {
    expect(await objects(s, 'SELECT * EXCEPT (b) FROM (SELECT 1 AS a, 2 AS b, 3 AS c)')).toEqual([
      { a: 1, c: 3 },
    ]);
    expect(
      await q(
        s,
        "SELECT struct(1 AS a, 'x' AS b), struct(n_name) FROM samples.tpch.nation WHERE n_nationkey = 0",
      ),
    ).toEqual([[{ a: 1, b: 'x' }, { n_name: 'ALGERIA' }]]);
    expect(
      await q(
        s,
        'SELECT transform(array(1, 2), x -> x + 1), filter(array(1, 2, 3), x -> x > 1), sequence(1, 3)',
      ),
    ).toEqual([
      [
        [2, 3],
        [2, 3],
        [1n, 2n, 3n],
      ],
    ]);
  });

  test('SET returns key/value and does not reach DuckDB', async () => {
    expect(await q(s, 'SET spark.sql.ansi.enabled = true')).toEqual([
      ['spark.sql.ansi.enabled', 'true'],
    ]);
    expect(await q(s, 'SET spark.sql.ansi.enabled')).toEqual([['spark.sql.ansi.enabled', 'true']]);
  });

  test('concurrent statements in one session each get a connection', async () => {
    const a = await s.execute('SELECT * FROM range(100000)', {}, never());
    const b = await s.execute('SELECT * FROM range(5)', {}, never());
    expect((await a.fetch(3)).map((r) => r[0])).toEqual([0n, 1n, 2n]);
    expect(await all(b)).toHaveLength(5);
    expect((await a.fetch(2)).map((r) => r[0])).toEqual([3n, 4n]);
    await a.close();
  });
});
