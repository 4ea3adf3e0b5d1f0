import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { createDuckDbEngine } from '../index.js';
import type { EngineSession, SqlEngine } from '../sql_engine.js';
import { all } from '../testing_engine.js';

let engine: SqlEngine;
let s: EngineSession;

beforeAll(async () => {
  engine = await createDuckDbEngine({});
  s = await engine.openSession({});
}, 60_000);

afterAll(async () => {
  await engine?.close();
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
