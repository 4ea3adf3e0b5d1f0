import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { createDuckDbEngine } from './index.js';
import type {
  EngineResult,
  EngineSession,
  EngineValue,
  SqlEngine,
  StatementParameters,
} from './sql_engine.js';
import { SqlError } from './sql_engine.js';

const never = () => new AbortController().signal;

async function all(r: EngineResult, page = 1000): Promise<EngineValue[][]> {
  const out: EngineValue[][] = [];
  for (;;) {
    const rows = await r.fetch(page);
    out.push(...rows);
    if (rows.length < page) break;
  }
  await r.close();
  return out;
}

async function q(
  s: EngineSession,
  sql: string,
  params: StatementParameters = {},
): Promise<EngineValue[][]> {
  return all(await s.execute(sql, params, never()));
}

async function objects(s: EngineSession, sql: string, params: StatementParameters = {}) {
  const r = await s.execute(sql, params, never());
  const names = r.columns.map((c) => c.name);
  return (await all(r)).map((row) => Object.fromEntries(names.map((n, i) => [n, row[i]])));
}

async function sqlError(p: Promise<unknown>): Promise<SqlError> {
  try {
    await p;
  } catch (e) {
    expect(e).toBeInstanceOf(SqlError);
    return e as SqlError;
  }
  throw new Error('expected a SqlError');
}

let engine: SqlEngine;
let s: EngineSession;

beforeAll(async () => {
  engine = await createDuckDbEngine({});
  s = await engine.openSession({});
}, 60_000);

afterAll(async () => {
  await engine?.close();
});

describe('namespaces', () => {
  test('default namespace is main.default and three-level names work', async () => {
    expect([s.currentCatalog, s.currentSchema]).toEqual(['main', 'default']);
    await q(s, 'CREATE TABLE main.default.ns_t (id INT, name STRING)');
    await q(s, "INSERT INTO main.default.ns_t VALUES (1, 'a'), (2, 'b')");
    expect(await q(s, 'SELECT count(*) FROM main.default.ns_t')).toEqual([[2n]]);
    expect(await q(s, 'SELECT name FROM default.ns_t WHERE id = 2')).toEqual([['b']]);
    expect(await q(s, 'SELECT name FROM `main`.`default`.`ns_t` WHERE id = 1')).toEqual([['a']]);
    expect(await q(s, 'SELECT count(*) FROM samples.nyctaxi.trips')).toEqual([[21932n]]);
  });

  test('USE CATALOG / USE SCHEMA / USE x.y / USE y are per session', async () => {
    const a = await engine.openSession({ catalog: 'samples', schema: 'tpch' });
    const b = await engine.openSession({});
    try {
      expect(await q(a, 'SELECT count(*) FROM region')).toEqual([[5n]]);
      await q(a, 'USE SCHEMA nyctaxi');
      expect(a.currentSchema).toBe('nyctaxi');
      expect((await q(a, 'SELECT count(*) FROM trips'))[0]?.[0]).toBe(21932n);
      await q(a, 'USE CATALOG main');
      expect([a.currentCatalog, a.currentSchema]).toEqual(['main', 'default']);
      await q(a, 'USE samples.tpch');
      expect([a.currentCatalog, a.currentSchema]).toEqual(['samples', 'tpch']);
      await q(a, 'USE nyctaxi');
      expect(a.currentSchema).toBe('nyctaxi');
      await q(a, 'SET SCHEMA tpch');
      expect(a.currentSchema).toBe('tpch');
      await q(a, 'USE SCHEMA nyctaxi');
      expect(await q(a, 'SELECT current_catalog(), current_schema()')).toEqual([
        ['samples', 'nyctaxi'],
      ]);
      // the other session is unaffected
      expect([b.currentCatalog, b.currentSchema]).toEqual(['main', 'default']);
      expect((await sqlError(q(b, 'SELECT * FROM trips'))).errorClass).toBe(
        'TABLE_OR_VIEW_NOT_FOUND',
      );
      expect((await sqlError(q(a, 'USE CATALOG nope'))).errorClass).toBe(
        'NO_SUCH_CATALOG_EXCEPTION',
      );
      expect((await sqlError(q(a, 'USE samples.nope'))).errorClass).toBe('SCHEMA_NOT_FOUND');
    } finally {
      await a.close();
      await b.close();
    }
  });

  test('CREATE CATALOG / SCHEMA and SHOW CATALOGS', async () => {
    await q(s, "CREATE CATALOG IF NOT EXISTS sales COMMENT 'demo'");
    await q(s, 'CREATE SCHEMA sales.crm');
    await q(s, 'CREATE TABLE sales.crm.accounts (id BIGINT)');
    expect(await q(s, 'SHOW CATALOGS')).toEqual([['main'], ['sales'], ['samples']]);
    expect(await q(s, 'SHOW SCHEMAS IN sales')).toEqual([
      ['crm'],
      ['default'],
      ['information_schema'],
    ]);
    expect(await q(s, 'SHOW TABLES IN sales.crm')).toEqual([['crm', 'accounts', false]]);
  });
});

describe('SHOW / DESCRIBE / EXPLAIN', () => {
  test('SHOW TABLES IN samples.tpch', async () => {
    const r = await s.execute('SHOW TABLES IN samples.tpch', {}, never());
    expect(r.columns.map((c) => [c.name, c.type])).toEqual([
      ['database', 'STRING'],
      ['tableName', 'STRING'],
      ['isTemporary', 'BOOLEAN'],
    ]);
    expect((await all(r)).map((x) => x[1])).toEqual([
      'customer',
      'lineitem',
      'nation',
      'orders',
      'part',
      'partsupp',
      'region',
      'supplier',
    ]);
    expect(await q(s, "SHOW TABLES FROM samples.tpch LIKE 'part*'")).toEqual([
      ['tpch', 'part', false],
      ['tpch', 'partsupp', false],
    ]);
  });

  test('SHOW SCHEMAS / DATABASES', async () => {
    expect(await q(s, 'SHOW SCHEMAS IN samples')).toEqual([
      ['information_schema'],
      ['nyctaxi'],
      ['tpch'],
    ]);
    expect((await q(s, 'SHOW DATABASES')).map((r) => r[0])).toContain('default');
  });

  test('DESCRIBE TABLE EXTENDED', async () => {
    const rows = await q(s, 'DESCRIBE TABLE EXTENDED samples.tpch.orders');
    expect(rows[0]).toEqual(['o_orderkey', 'bigint', 'Order key (primary key)']);
    expect(rows.find((r) => r[0] === 'o_totalprice')).toEqual([
      'o_totalprice',
      'decimal(18,2)',
      'Total price',
    ]);
    expect(rows.find((r) => r[0] === 'o_orderdate')?.[1]).toBe('date');
    const detail = rows.findIndex((r) => r[0] === '# Detailed Table Information');
    expect(detail).toBe(10);
    const info = Object.fromEntries(rows.slice(detail + 1).map((r) => [r[0], r[1]]));
    expect(info).toMatchObject({
      Catalog: 'samples',
      Database: 'tpch',
      Table: 'orders',
      Type: 'MANAGED',
      Comment: 'TPC-H orders',
    });
    expect(await q(s, 'DESCRIBE samples.tpch.region')).toEqual([
      ['r_regionkey', 'bigint', 'Region key (primary key)'],
      ['r_name', 'string', 'Region name'],
      ['r_comment', 'string', 'Comment'],
    ]);
    expect((await sqlError(q(s, 'DESCRIBE TABLE samples.tpch.nope'))).errorClass).toBe(
      'TABLE_OR_VIEW_NOT_FOUND',
    );
  });

  test('temporary views: SHOW TABLES and DESCRIBE', async () => {
    const a = await engine.openSession({});
    try {
      await q(
        a,
        'CREATE OR REPLACE TEMPORARY VIEW tv_regions AS SELECT r_regionkey, r_name FROM samples.tpch.region',
      );
      expect(await q(a, 'SELECT count(*) FROM tv_regions')).toEqual([[5n]]);
      expect(await q(a, "SHOW TABLES LIKE 'tv_*'")).toEqual([['', 'tv_regions', true]]);
      expect(await q(a, 'DESCRIBE tv_regions')).toEqual([
        ['r_regionkey', 'bigint', null],
        ['r_name', 'string', null],
      ]);
    } finally {
      await a.close();
    }
  });

  test('EXPLAIN returns a plan column', async () => {
    const r = await s.execute('EXPLAIN SELECT count(*) FROM samples.tpch.orders', {}, never());
    expect(r.columns.map((c) => c.name)).toEqual(['plan']);
    const [[plan]] = (await all(r)) as [[string]];
    expect(plan).toMatch(/Physical Plan/);
    expect(plan).toMatch(/orders|ORDERS|SEQ_SCAN|TABLE_SCAN/i);
  });
});

describe('information_schema', () => {
  test('samples.information_schema.columns for tpch', async () => {
    const rows = await objects(
      s,
      "SELECT table_catalog, table_schema, table_name, column_name, ordinal_position, data_type, full_data_type, is_nullable, comment, numeric_precision, numeric_scale FROM samples.information_schema.columns WHERE table_schema = 'tpch' AND table_name = 'lineitem' ORDER BY ordinal_position",
    );
    expect(rows).toHaveLength(16);
    expect(rows[0]).toEqual({
      table_catalog: 'samples',
      table_schema: 'tpch',
      table_name: 'lineitem',
      column_name: 'l_orderkey',
      ordinal_position: 1,
      data_type: 'BIGINT',
      full_data_type: 'bigint',
      is_nullable: 'NO',
      comment: 'Order (orders.o_orderkey)',
      numeric_precision: 19,
      numeric_scale: 0,
    });
    expect(rows.find((r) => r.column_name === 'l_extendedprice')).toMatchObject({
      ordinal_position: 6,
      data_type: 'DECIMAL',
      full_data_type: 'decimal(18,2)',
      numeric_precision: 18,
      numeric_scale: 2,
    });
    expect(rows.find((r) => r.column_name === 'l_shipdate')).toMatchObject({
      data_type: 'DATE',
      full_data_type: 'date',
    });
    expect(rows.find((r) => r.column_name === 'l_comment')).toMatchObject({
      data_type: 'STRING',
      is_nullable: 'YES',
    });
  });

  test('unqualified information_schema uses the current catalog; tables have types and comments', async () => {
    const a = await engine.openSession({ catalog: 'samples', schema: 'nyctaxi' });
    try {
      const rows = await objects(
        a,
        "SELECT table_catalog, table_schema, table_name, table_type, comment FROM information_schema.tables WHERE table_schema = 'nyctaxi'",
      );
      expect(rows).toEqual([
        {
          table_catalog: 'samples',
          table_schema: 'nyctaxi',
          table_name: 'trips',
          table_type: 'MANAGED',
          comment: expect.stringContaining('NYC yellow taxi trips'),
        },
      ]);
      expect(
        await q(
          a,
          "SELECT count(*) FROM information_schema.columns WHERE table_catalog <> 'samples'",
        ),
      ).toEqual([[0n]]);
      await q(s, 'CREATE VIEW main.default.v_small AS SELECT 1 AS one');
      expect(
        await q(s, "SELECT table_type FROM information_schema.tables WHERE table_name = 'v_small'"),
      ).toEqual([['VIEW']]);
      expect(
        (await q(s, 'SELECT catalog_name FROM system.information_schema.catalogs')).map(
          (r) => r[0],
        ),
      ).toEqual(expect.arrayContaining(['main', 'samples']));
      expect(
        await q(s, 'SELECT schema_name FROM samples.information_schema.schemata ORDER BY 1'),
      ).toEqual([['information_schema'], ['nyctaxi'], ['tpch']]);
    } finally {
      await a.close();
    }
  });

  test('primary keys in table_constraints and key_column_usage', async () => {
    expect(
      await q(
        s,
        "SELECT column_name, ordinal_position FROM samples.information_schema.key_column_usage k JOIN samples.information_schema.table_constraints c USING (constraint_name) WHERE k.table_name = 'lineitem' AND c.constraint_type = 'PRIMARY KEY' ORDER BY 2",
      ),
    ).toEqual([
      ['l_orderkey', 1],
      ['l_linenumber', 2],
    ]);
  });
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
    const { classifyError } = await import('./errors.js');
    const e = classifyError(new Error('Out of Range Error: Division by zero'));
    expect([e.errorClass, e.sqlState]).toEqual(['DIVIDE_BY_ZERO', '22012']);
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
    const started = Date.now();
    const r = await s.execute('SELECT id, id * 2 AS twice FROM range(500000000)', {}, never());
    const page = await r.fetch(1000);
    expect(page).toHaveLength(1000);
    expect(page[999]).toEqual([999n, 1998n]);
    // 500M rows would take GBs and minutes; streaming returns at once with little memory
    expect(Date.now() - started).toBeLessThan(3000);
    expect(process.memoryUsage().rss - before).toBeLessThan(200 * 1024 * 1024);
    await r.close();
    expect(await q(s, 'SELECT 2')).toEqual([[2]]);
  });

  test('an AbortSignal stops a long query promptly', async () => {
    const a = await engine.openSession({});
    try {
      const ac = new AbortController();
      const started = Date.now();
      const p = a
        .execute(
          'SELECT count(*) FROM range(200000000) x, range(100) y WHERE (x.id * y.id) % 7 = 3',
          {},
          ac.signal,
        )
        .then((r) => r.fetch(1));
      setTimeout(() => ac.abort(), 300);
      const e = await sqlError(p);
      expect(e.errorClass).toBe('OPERATION_CANCELED');
      expect(Date.now() - started).toBeLessThan(5000);
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

describe('user data', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'lc-engine-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  test('CSV and Parquet from data[] and dataDir', async () => {
    await writeFile(
      join(dir, 'people.csv'),
      'id,name,joined\n1,Ada,2020-01-02\n2,Linus,2021-03-04\n',
    );
    const maker = await engine.openSession({});
    await q(
      maker,
      `COPY (SELECT id, id * 1.5 AS score FROM range(3)) TO '${join(dir, 'scores.parquet')}' (FORMAT parquet)`,
    );
    await maker.close();
    await mkdir(join(dir, 'tree', 'lake', 'raw'), { recursive: true });
    await writeFile(join(dir, 'tree', 'lake', 'raw', 'events.csv'), 'kind,n\nclick,3\nview,5\n');
    const e2 = await createDuckDbEngine({
      samples: false,
      data: [
        { table: 'crm.people.persons', path: join(dir, 'people.csv'), comment: 'People' },
        { table: 'main.default.scores', path: join(dir, 'scores.parquet') },
      ],
      dataDir: join(dir, 'tree'),
    });
    try {
      const s2 = await e2.openSession({});
      expect(await q(s2, 'SELECT name, joined FROM crm.people.persons ORDER BY id')).toEqual([
        ['Ada', '2020-01-02'],
        ['Linus', '2021-03-04'],
      ]);
      expect(await q(s2, 'SELECT sum(score) FROM scores')).toEqual([['4.5']]);
      expect(await q(s2, 'SELECT sum(n) FROM lake.raw.events')).toEqual([[8n]]);
      expect(await q(s2, 'SHOW CATALOGS')).toEqual([['crm'], ['lake'], ['main']]);
      expect(
        await q(
          s2,
          "SELECT comment FROM crm.information_schema.tables WHERE table_name = 'persons'",
        ),
      ).toEqual([['People']]);
    } finally {
      await e2.close();
    }
  }, 30_000);
});

describe('metadata result sets', () => {
  test('getCatalogs / getSchemas', async () => {
    const c = await s.getCatalogs();
    expect(c.columns.map((x) => x.name)).toEqual(['TABLE_CAT']);
    expect((await all(c)).map((r) => r[0])).toEqual(expect.arrayContaining(['main', 'samples']));
    const sc = await s.getSchemas({ catalogName: 'samples', schemaName: 't%' });
    expect(sc.columns.map((x) => x.name)).toEqual(['TABLE_SCHEM', 'TABLE_CATALOG']);
    expect(await all(sc)).toEqual([['tpch', 'samples']]);
  });

  test('getTables with patterns and types', async () => {
    const t = await s.getTables({ catalogName: 'samples', schemaName: 'tpch', tableName: 'part%' });
    expect(t.columns.map((x) => x.name)).toEqual([
      'TABLE_CAT',
      'TABLE_SCHEM',
      'TABLE_NAME',
      'TABLE_TYPE',
      'REMARKS',
      'TYPE_CAT',
      'TYPE_SCHEM',
      'TYPE_NAME',
      'SELF_REFERENCING_COL_NAME',
      'REF_GENERATION',
    ]);
    const rows = await all(t);
    expect(rows.map((r) => r.slice(0, 5))).toEqual([
      ['samples', 'tpch', 'part', 'TABLE', 'TPC-H parts'],
      ['samples', 'tpch', 'partsupp', 'TABLE', expect.stringContaining('TPC-H part suppliers')],
    ]);
    expect(
      await all(
        await s.getTables({ catalogName: 'samples', schemaName: 'tpch', tableTypes: ['VIEW'] }),
      ),
    ).toEqual([]);
    expect(
      (await all(await s.getTables({ catalogName: 'samples', schemaName: 'tpch' }))).length,
    ).toBe(8);
  });

  test('getColumns', async () => {
    const r = await s.getColumns({
      catalogName: 'samples',
      schemaName: 'tpch',
      tableName: 'orders',
      columnName: 'o_%price',
    });
    expect(r.columns.map((x) => x.name)).toEqual([
      'TABLE_CAT',
      'TABLE_SCHEM',
      'TABLE_NAME',
      'COLUMN_NAME',
      'DATA_TYPE',
      'TYPE_NAME',
      'COLUMN_SIZE',
      'BUFFER_LENGTH',
      'DECIMAL_DIGITS',
      'NUM_PREC_RADIX',
      'NULLABLE',
      'REMARKS',
      'COLUMN_DEF',
      'SQL_DATA_TYPE',
      'SQL_DATETIME_SUB',
      'CHAR_OCTET_LENGTH',
      'ORDINAL_POSITION',
      'IS_NULLABLE',
      'SCOPE_CATALOG',
      'SCOPE_SCHEMA',
      'SCOPE_TABLE',
      'SOURCE_DATA_TYPE',
      'IS_AUTO_INCREMENT',
    ]);
    const rows = await all(r);
    expect(rows).toHaveLength(1);
    const row = Object.fromEntries(r.columns.map((c, i) => [c.name, rows[0]?.[i]]));
    expect(row).toMatchObject({
      TABLE_CAT: 'samples',
      TABLE_NAME: 'orders',
      COLUMN_NAME: 'o_totalprice',
      DATA_TYPE: 3,
      TYPE_NAME: 'DECIMAL(18,2)',
      COLUMN_SIZE: 18,
      DECIMAL_DIGITS: 2,
      NUM_PREC_RADIX: 10,
      NULLABLE: 0,
      REMARKS: 'Total price',
      ORDINAL_POSITION: 4,
      IS_NULLABLE: 'NO',
    });
    const trips = await all(
      await s.getColumns({ catalogName: 'samples', schemaName: 'nyctaxi', tableName: 'trips' }),
    );
    expect(trips.map((x) => [x[3], x[4], x[5]])).toEqual([
      ['tpep_pickup_datetime', 93, 'TIMESTAMP'],
      ['tpep_dropoff_datetime', 93, 'TIMESTAMP'],
      ['trip_distance', 8, 'DOUBLE'],
      ['fare_amount', 8, 'DOUBLE'],
      ['pickup_zip', 4, 'INT'],
      ['dropoff_zip', 4, 'INT'],
    ]);
  });

  test('getTableTypes / getTypeInfo / getPrimaryKeys / getFunctions', async () => {
    expect(await all(await s.getTableTypes())).toEqual([['TABLE'], ['VIEW']]);
    const ti = await s.getTypeInfo();
    expect(ti.columns[0]?.name).toBe('TYPE_NAME');
    expect((await all(ti)).map((r) => r[0])).toEqual(
      expect.arrayContaining(['BIGINT', 'DECIMAL', 'STRING', 'TIMESTAMP']),
    );
    const pk = await all(
      await s.getPrimaryKeys({ catalogName: 'samples', schemaName: 'tpch', tableName: 'partsupp' }),
    );
    expect(pk.map((r) => [r[3], r[4]])).toEqual([
      ['ps_partkey', 1],
      ['ps_suppkey', 2],
    ]);
    const fns = await all(await s.getFunctions({ functionName: 'lowe_' }));
    expect(fns.map((r) => r[2])).toEqual(['lower']);
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

describe('lifecycle', () => {
  test('openSession validates the initial namespace', async () => {
    expect((await sqlError(engine.openSession({ catalog: 'nope' }))).errorClass).toBe(
      'NO_SUCH_CATALOG_EXCEPTION',
    );
    expect(
      (await sqlError(engine.openSession({ catalog: 'samples', schema: 'nope' }))).errorClass,
    ).toBe('SCHEMA_NOT_FOUND');
    const a = await engine.openSession({ catalog: 'SAMPLES', schema: 'TPCH' });
    expect([a.currentCatalog, a.currentSchema]).toEqual(['samples', 'tpch']);
    await a.close();
    // samples has no `default` schema: opening the catalog alone still works, like Databricks
    const b = await engine.openSession({ catalog: 'samples' });
    expect([b.currentCatalog, b.currentSchema]).toEqual(['samples', 'default']);
    expect(await q(b, 'SELECT count(*) FROM tpch.region')).toEqual([[5n]]);
    await q(b, 'USE CATALOG main');
    await q(b, 'USE CATALOG samples');
    expect(await q(b, 'SELECT count(*) FROM nyctaxi.trips')).toEqual([[21932n]]);
    await b.close();
  });

  test('many sessions in parallel', async () => {
    const results = await Promise.all(
      Array.from({ length: 8 }, async (_, i) => {
        const a = await engine.openSession({
          catalog: 'samples',
          schema: i % 2 ? 'tpch' : 'nyctaxi',
        });
        try {
          await q(a, i % 2 ? 'USE samples.nyctaxi' : 'USE samples.tpch');
          const tables = await q(a, 'SHOW TABLES');
          const cols = await q(a, 'SELECT count(*) FROM information_schema.columns');
          const meta = await all(
            await a.getColumns({ catalogName: 'samples', schemaName: '%', tableName: '%' }),
          );
          return [tables.length, cols[0]?.[0], meta.length];
        } finally {
          await a.close();
        }
      }),
    );
    expect(
      new Set(
        results.map((r) => JSON.stringify(r, (_k, v) => (typeof v === 'bigint' ? String(v) : v))),
      ).size,
    ).toBe(2);
  }, 30_000);

  test('closing a session with a running query and closing an engine twice', async () => {
    const e = await createDuckDbEngine({ samples: false });
    const a = await e.openSession({});
    const r = await a.execute('SELECT * FROM range(10000000)', {}, never());
    await r.fetch(10);
    const running = a
      .execute(
        'SELECT count(*) FROM range(300000000) x, range(10) y WHERE x.range % 3 = y.range',
        {},
        never(),
      )
      .then((res) => res.fetch(1))
      .catch((err) => err);
    await new Promise((res) => setTimeout(res, 100));
    await a.close();
    const outcome = await running;
    expect(outcome instanceof SqlError || Array.isArray(outcome)).toBe(true);
    await e.close();
    await e.close();
  }, 30_000);
});
