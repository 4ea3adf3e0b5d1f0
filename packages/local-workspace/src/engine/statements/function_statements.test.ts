/**
 * Unity Catalog SQL functions on the DuckDB engine: CREATE [OR REPLACE] FUNCTION (scalar, table,
 * implicit return type, defaults, named arguments), calls with parameters, bodies that read
 * tables of their own schema from any session, DROP, DESCRIBE, SHOW, and Databricks' errors.
 */
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { createDuckDbEngine } from '../index.js';
import type { EngineSession, SqlEngine } from '../sql_engine.js';
import { never, objects, q, sqlError } from '../testing_engine.js';

let engine: SqlEngine;
let s: EngineSession;

beforeAll(async () => {
  engine = await createDuckDbEngine({ samples: false, pythonFunctions: { enabled: false } });
  s = await engine.openSession({});
  for (const sql of [
    'CREATE SCHEMA main.tools',
    'CREATE TABLE main.tools.orders (id BIGINT, region STRING, amount DECIMAL(10,2))',
    "INSERT INTO main.tools.orders VALUES (1, 'EU', 10.00), (2, 'US', 20.00), (3, 'EU', 5.50)",
  ])
    await q(s, sql);
});

afterAll(async () => {
  await s?.close();
  await engine?.close();
});

describe('SQL scalar functions', () => {
  test('create, call with literals, parameters and named arguments, defaults', async () => {
    await q(
      s,
      `CREATE FUNCTION main.tools.greet(name STRING COMMENT 'Who to greet', punctuation STRING DEFAULT '!')
       RETURNS STRING COMMENT 'Greets someone' RETURN concat('Hello, ', name, punctuation)`,
    );
    expect(await q(s, "SELECT main.tools.greet('Ada')")).toEqual([['Hello, Ada!']]);
    expect(await q(s, "SELECT main.tools.greet('Ada', '?')")).toEqual([['Hello, Ada?']]);
    expect(
      await q(s, 'SELECT main.tools.greet(punctuation => :p, name => :n) AS g', {
        named: { n: { value: 'Bo', type: 'STRING' }, p: { value: '.', type: 'STRING' } },
      }),
    ).toEqual([['Hello, Bo.']]);
    await q(s, 'USE main.tools');
    expect(await q(s, "SELECT greet('Cy'), tools.greet('Di')")).toEqual([
      ['Hello, Cy!', 'Hello, Di!'],
    ]);
    await q(s, 'USE main.default');
  });

  test('arguments are cast to the parameter types; the result to the return type', async () => {
    await q(
      s,
      'CREATE FUNCTION main.tools.add_tax(amount DECIMAL(10,2), rate DOUBLE DEFAULT 0.2) RETURNS DECIMAL(12,2) RETURN amount * (1 + rate)',
    );
    const r = await s.execute("SELECT main.tools.add_tax('10')", {}, never());
    expect(r.columns[0]?.type).toBe('DECIMAL(12,2)');
    await r.close();
    expect(await q(s, "SELECT main.tools.add_tax('10')")).toEqual([['12.00']]);
  });

  test('an implicit return type is inferred from the body', async () => {
    await q(s, 'CREATE FUNCTION main.tools.twice(x INT) RETURN x * 2');
    expect(await q(s, 'SELECT main.tools.twice(21)')).toEqual([[42]]);
    const described = await q(s, 'DESCRIBE FUNCTION main.tools.twice');
    expect(described.map((row) => row[0])).toEqual([
      'Function: main.tools.twice',
      'Type:     SCALAR',
      'Input:    x INT',
      'Returns:  INT',
    ]);
  });

  test('fields of a STRUCT parameter are read with dots, qualified by the function or not', async () => {
    await q(
      s,
      'CREATE FUNCTION main.tools.span(p STRUCT<x: INT, inner: STRUCT<y: INT>>) RETURNS INT RETURN p.x + span.p.inner.y',
    );
    expect(
      await q(
        s,
        'SELECT main.tools.span(from_json(\'{"x":3,"inner":{"y":4}}\', \'STRUCT<x: INT, inner: STRUCT<y: INT>>\'))',
      ),
    ).toEqual([[7]]);
  });

  test('unqualified tables resolve in the namespace current at CREATE, not at the call', async () => {
    await q(s, 'USE main.tools');
    await q(
      s,
      'CREATE FUNCTION main.tools.region_total(region STRING) RETURNS DECIMAL(20,2) RETURN (SELECT sum(amount) FROM orders o WHERE o.region = region_total.region)',
    );
    await q(s, 'USE main.default');
    const other = await engine.openSession({ catalog: 'main', schema: 'default' });
    try {
      expect(await q(other, "SELECT main.tools.region_total('EU')")).toEqual([['15.50']]);
    } finally {
      await other.close();
    }
  });

  test('OR REPLACE replaces; IF NOT EXISTS keeps; a second CREATE fails', async () => {
    await q(s, 'CREATE FUNCTION main.tools.v() RETURNS INT RETURN 1');
    await q(s, 'CREATE OR REPLACE FUNCTION main.tools.v() RETURNS INT RETURN 2');
    await q(s, 'CREATE FUNCTION IF NOT EXISTS main.tools.v() RETURNS INT RETURN 3');
    expect(await q(s, 'SELECT main.tools.v()')).toEqual([[2]]);
    const error = await sqlError(q(s, 'CREATE FUNCTION main.tools.v() RETURNS INT RETURN 4'));
    expect(error.errorClass).toBe('ROUTINE_ALREADY_EXISTS');
  });

  test('wrong calls get Databricks errors', async () => {
    expect((await sqlError(q(s, 'SELECT main.tools.greet()'))).errorClass).toBe(
      'REQUIRED_PARAMETER_NOT_FOUND',
    );
    expect((await sqlError(q(s, "SELECT main.tools.greet('a', 'b', 'c')"))).errorClass).toBe(
      'WRONG_NUM_ARGS.WITHOUT_SUGGESTION',
    );
    expect((await sqlError(q(s, "SELECT main.tools.greet(nom => 'a')"))).errorClass).toBe(
      'UNRECOGNIZED_PARAMETER_NAME',
    );
    expect((await sqlError(q(s, 'SELECT main.tools.nope(1)'))).errorClass).toBe(
      'UNRESOLVED_ROUTINE',
    );
    expect(
      (await sqlError(q(s, 'CREATE FUNCTION main.nowhere.f() RETURNS INT RETURN 1'))).errorClass,
    ).toBe('SCHEMA_NOT_FOUND');
  });
});

describe('SQL table functions', () => {
  test('RETURNS TABLE: SELECT * FROM fn(...), typed columns, parameters', async () => {
    await q(s, 'USE main.tools');
    await q(
      s,
      `CREATE FUNCTION main.tools.orders_in(region STRING COMMENT 'EU or US', min_amount DOUBLE DEFAULT 0)
       RETURNS TABLE (id BIGINT COMMENT 'Order id', amount DECIMAL(10,2))
       COMMENT 'Orders of a region'
       RETURN SELECT id, amount FROM orders WHERE orders.region = orders_in.region AND amount >= min_amount ORDER BY id`,
    );
    await q(s, 'USE main.default');
    expect(
      await objects(s, 'SELECT * FROM main.tools.orders_in(:r)', {
        named: { r: { value: 'EU', type: 'STRING' } },
      }),
    ).toEqual([
      { id: 1n, amount: '10.00' },
      { id: 3n, amount: '5.50' },
    ]);
    expect(await q(s, "SELECT count(*) FROM main.tools.orders_in('EU', min_amount => 6)")).toEqual([
      [1n],
    ]);
    const described = (await q(s, 'DESCRIBE FUNCTION EXTENDED main.tools.orders_in')).map(
      (row) => row[0],
    );
    expect(described.slice(0, 6)).toEqual([
      'Function:      main.tools.orders_in',
      'Type:          TABLE',
      "Input:         region     STRING 'EU or US'",
      '               min_amount DOUBLE DEFAULT 0',
      "Returns:       id     BIGINT 'Order id'",
      '               amount DECIMAL(10,2)',
    ]);
    expect(described).toContain('Comment:       Orders of a region');
    expect(described).toContain('Data Access:   READS SQL DATA');
    expect(described).toContain('SQL Path:      `main`.`tools`');
  });
});

describe('SHOW and DROP', () => {
  test('SHOW USER FUNCTIONS lists qualified names; LIKE filters; DROP removes', async () => {
    await q(s, 'CREATE FUNCTION main.tools.tmp_one() RETURNS INT RETURN 1');
    const user = (await q(s, 'SHOW USER FUNCTIONS IN main.tools')).map((row) => row[0]);
    expect(user).toContain('main.tools.tmp_one');
    expect(user).toContain('main.tools.greet');
    expect((await q(s, "SHOW USER FUNCTIONS IN main.tools LIKE 'tmp*'")).map((r) => r[0])).toEqual([
      'main.tools.tmp_one',
    ]);
    expect((await q(s, "SHOW SYSTEM FUNCTIONS LIKE 'nvl*'")).map((r) => r[0])).toEqual([
      'nvl',
      'nvl2',
    ]);
    await q(s, 'DROP FUNCTION main.tools.tmp_one');
    await q(s, 'DROP FUNCTION IF EXISTS main.tools.tmp_one');
    expect((await sqlError(q(s, 'DROP FUNCTION main.tools.tmp_one'))).errorClass).toBe(
      'ROUTINE_NOT_FOUND',
    );
    expect((await sqlError(q(s, 'SELECT main.tools.tmp_one()'))).errorClass).toBe(
      'UNRESOLVED_ROUTINE',
    );
  });

  test('a schema with functions is not empty; CASCADE drops them too', async () => {
    await q(s, 'CREATE SCHEMA main.scratch');
    await q(s, 'CREATE FUNCTION main.scratch.f() RETURNS INT RETURN 1');
    expect((await sqlError(q(s, 'DROP SCHEMA main.scratch'))).errorClass).toBe('SCHEMA_NOT_EMPTY');
    await q(s, 'DROP SCHEMA main.scratch CASCADE');
    await q(s, 'CREATE SCHEMA main.scratch');
    expect(engine.functions?.list('main', 'scratch')).toEqual([]);
  });
});
