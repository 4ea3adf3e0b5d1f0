import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { createDuckDbEngine } from '../index.js';
import type { EngineSession, SqlEngine } from '../sql_engine.js';
import { objects, q } from '../testing_engine.js';

let engine: SqlEngine;
let s: EngineSession;

beforeAll(async () => {
  engine = await createDuckDbEngine({});
  s = await engine.openSession({});
}, 60_000);

afterAll(async () => {
  await engine?.close();
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
      ).toEqual([['information_schema'], ['lakechain'], ['nyctaxi'], ['tpch']]);
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
