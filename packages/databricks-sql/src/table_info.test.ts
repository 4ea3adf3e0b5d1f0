import { describe, expect, it, vi } from 'vitest';
import {
  buildIntrospectionQuery,
  loadTables,
  normalizeTypeName,
  rowsToTables,
  SchemaCache,
} from './introspection.js';
import {
  buildSampleQuery,
  formatCreateTable,
  formatTableInfo,
  splitSampleRows,
  type TableInfo,
} from './table_info.js';

const orders: TableInfo = {
  catalog: 'samples',
  schema: 'tpch',
  name: 'orders',
  comment: "Customer orders (it's TPC-H)",
  columns: [
    { name: 'o_orderkey', type: 'BIGINT', nullable: false, comment: 'Order key' },
    { name: 'o_totalprice', type: 'DECIMAL(18,2)', nullable: true },
    { name: 'o_orderdate', type: 'DATE', nullable: true },
  ],
};
const nation: TableInfo = {
  catalog: 'samples',
  schema: 'tpch',
  name: 'nation',
  columns: [
    { name: 'n_nationkey', type: 'BIGINT', nullable: false },
    { name: 'payload', type: 'BINARY', nullable: true },
  ],
};

describe('DDL', () => {
  it('renders CREATE TABLE with Databricks types, NOT NULL and comments', () => {
    expect(formatCreateTable(orders)).toBe(
      [
        'CREATE TABLE `samples`.`tpch`.`orders` (',
        "  `o_orderkey` BIGINT NOT NULL COMMENT 'Order key',",
        '  `o_totalprice` DECIMAL(18,2),',
        '  `o_orderdate` DATE',
        ')',
        "COMMENT 'Customer orders (it\\'s TPC-H)'",
      ].join('\n'),
    );
  });
  it('appends the sample block like LangChain', () => {
    const text = formatTableInfo(orders, {
      customDescription: 'All orders.',
      sample: {
        columns: ['o_orderkey', 'o_totalprice', 'o_orderdate'],
        rows: [['1', '10.50', '1996-01-02']],
      },
    });
    expect(text.startsWith('All orders.\n\nCREATE TABLE')).toBe(true);
    expect(text).toContain(
      '/*\n1 rows from orders table:\no_orderkey\to_totalprice\to_orderdate\n1\t10.50\t1996-01-02\n*/',
    );
  });
});

describe('batched sample query', () => {
  it('is one UNION ALL with literal LIMITs, STRING casts, hex for BINARY and NULL padding', () => {
    const sql = buildSampleQuery([orders, nation], 3, 100)!;
    expect(sql.split('UNION ALL')).toHaveLength(2);
    expect(sql).toContain('FROM `samples`.`tpch`.`orders` LIMIT 3)');
    expect(sql).toContain('FROM `samples`.`tpch`.`nation` LIMIT 3)');
    expect(sql).toContain('substr(CAST(`o_orderkey` AS STRING), 1, 101)');
    expect(sql).toContain('substr(hex(`payload`), 1, 101)');
    expect(sql).toContain('CAST(NULL AS STRING) AS __lc_2');
    expect(sql).not.toMatch(/LIMIT\s*[:?]/);
    expect(buildSampleQuery([orders], 0, 100)).toBeUndefined();
  });
  it('splits rows back by tag', () => {
    const samples = splitSampleRows(
      [orders, nation],
      [
        { __lc_t: 1, __lc_0: '7', __lc_1: 'AB', __lc_2: null },
        { __lc_t: 0n, __lc_0: '1', __lc_1: '2.50', __lc_2: 'x'.repeat(50) },
      ],
      10,
    );
    expect(samples.get('nation')).toEqual({
      columns: ['n_nationkey', 'payload'],
      rows: [['7', 'AB']],
    });
    expect(samples.get('orders')?.rows).toEqual([['1', '2.50', 'xxxxxxx...']]);
  });
});

describe('introspection', () => {
  it('queries information_schema once for the whole schema', () => {
    const sql = buildIntrospectionQuery('samples', 'TPCH');
    expect(sql.match(/UNION ALL/g)).toHaveLength(2);
    expect(sql).toContain('FROM `samples`.information_schema.columns\n');
    expect(sql).toContain('FROM `samples`.information_schema.tables\n');
    expect(sql).toContain('FROM `samples`.information_schema.key_column_usage AS k');
    expect(sql).toContain("WHERE table_schema = 'tpch'");
    expect(buildIntrospectionQuery('x', 's', 'tables').match(/UNION ALL/g)).toHaveLength(1);
    expect(buildIntrospectionQuery('x', "o'k", 'columns')).not.toContain('UNION');
    expect(buildIntrospectionQuery('x', "o'k", 'columns')).toContain("table_schema = 'o\\'k'");
  });
  it('reads primary and foreign keys into the DDL', () => {
    const col = (table: string, column: string, i: number) => ({
      row_kind: 'column',
      table_name: table,
      column_name: column,
      full_data_type: 'bigint',
      is_nullable: 'NO',
      ordinal_position: i,
    });
    const key = (
      table: string,
      column: string,
      pos: number,
      name: string,
      type: string,
      ref?: [string, string],
    ) => ({
      row_kind: 'key',
      table_name: table,
      column_name: column,
      ordinal_position: pos,
      constraint_name: name,
      constraint_type: type,
      ref_catalog: ref ? 'cat' : null,
      ref_schema: ref ? 'sch' : null,
      ref_table: ref?.[0] ?? null,
      ref_column: ref?.[1] ?? null,
    });
    const tables = rowsToTables(
      [
        col('li', 'l_orderkey', 1),
        col('li', 'l_linenumber', 2),
        col('o', 'o_orderkey', 1),
        key('li', 'l_linenumber', 2, 'li_pk', 'PRIMARY KEY'),
        key('li', 'l_orderkey', 1, 'li_pk', 'PRIMARY KEY'),
        key('li', 'l_orderkey', 1, 'li_fk', 'FOREIGN KEY', ['o', 'o_orderkey']),
        key('o', 'o_orderkey', 1, 'o_fk_unknown', 'FOREIGN KEY'),
      ],
      'cat',
      'sch',
    );
    const ddl = formatCreateTable(tables[0]!);
    expect(ddl).toContain(
      '  `l_linenumber` BIGINT NOT NULL,\n  PRIMARY KEY (`l_orderkey`, `l_linenumber`),\n  FOREIGN KEY (`l_orderkey`) REFERENCES `cat`.`sch`.`o` (`o_orderkey`)\n)',
    );
    expect(tables[1]!.foreignKeys).toBeUndefined(); // reference unknown: left out
  });
  it('groups rows into sorted tables and columns', () => {
    const tables = rowsToTables(
      [
        {
          table_name: 'b',
          column_name: 'y',
          full_data_type: 'string',
          is_nullable: 'YES',
          ordinal_position: 1,
        },
        {
          table_name: 'b',
          column_name: 'x',
          full_data_type: 'decimal(10,2)',
          is_nullable: 'NO',
          ordinal_position: 0,
          column_comment: 'c',
        },
        { TABLE_NAME: 'a', COLUMN_NAME: 'z', TYPE_NAME: 'INT', NULLABLE: 0, REMARKS: 'jdbc' },
        { table_name: 'b', column_name: null, table_comment: 'table b', table_type: 'VIEW' },
        { table_name: 'empty', column_name: null, table_comment: 'no columns' },
      ],
      'cat',
      'sch',
    );
    expect(tables.map((t) => t.name)).toEqual(['a', 'b']);
    expect(tables[0]!.columns[0]).toEqual({
      name: 'z',
      type: 'INT',
      nullable: false,
      comment: 'jdbc',
    });
    expect(tables[1]!.columns.map((c) => c.name)).toEqual(['x', 'y']);
    expect(tables[1]!.columns[0]).toMatchObject({
      type: 'DECIMAL(10,2)',
      nullable: false,
      comment: 'c',
    });
  });
  it('upper-cases type keywords but not struct field names', () => {
    expect(normalizeTypeName('struct<date:date,map:map<string,int>>')).toBe(
      'STRUCT<date:DATE,map:MAP<STRING,INT>>',
    );
  });
  it('falls back when information_schema is unavailable', async () => {
    const query = vi.fn(async () => {
      throw new Error('[TABLE_OR_VIEW_NOT_FOUND] information_schema.tables');
    });
    const getColumns = vi.fn(async () => [{ TABLE_NAME: 't', COLUMN_NAME: 'c', TYPE_NAME: 'INT' }]);
    const result = await loadTables({ query, getColumns }, 'hive_metastore', 'default');
    expect(result.strategy).toBe('get_columns');
    expect(query).toHaveBeenCalledTimes(3);
    expect(result.tables[0]!.name).toBe('t');
  });
  it('does not fall back on other errors', async () => {
    const query = vi.fn(async () => {
      throw new Error('[PERMISSION_DENIED] nope');
    });
    await expect(loadTables({ query, getColumns: vi.fn() }, 'c', 's')).rejects.toThrow(
      /PERMISSION_DENIED/,
    );
    expect(query).toHaveBeenCalledTimes(1);
  });
});

describe('SchemaCache', () => {
  it('loads lazily, shares in-flight loads, honours the TTL and refresh()', async () => {
    let now = 0;
    const loader = vi.fn(async () => [orders]);
    const cache = new SchemaCache(loader, 1000, () => now);
    expect(loader).not.toHaveBeenCalled();
    await Promise.all([cache.get(), cache.get()]);
    expect(loader).toHaveBeenCalledTimes(1);
    now = 999;
    await cache.get();
    expect(loader).toHaveBeenCalledTimes(1);
    now = 1000;
    await cache.get();
    expect(loader).toHaveBeenCalledTimes(2);
    await cache.refresh();
    expect(loader).toHaveBeenCalledTimes(3);
  });
});
