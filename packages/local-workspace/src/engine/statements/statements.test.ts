import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { createDuckDbEngine } from '../index.js';
import type { EngineSession, SqlEngine } from '../sql_engine.js';
import { all, never, q, sqlError } from '../testing_engine.js';

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
      ['lakechain'],
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
