import { describe, expect, test } from 'vitest';
import {
  keywords,
  relevantTables,
  schemaExamples,
  selectExamples,
  sqlExamplePool,
} from './chain.js';
import {
  assembleSql,
  buildSqlAnswerSchema,
  buildSqlStringSchema,
  checkSqlAnswer,
  completeFrom,
  joinGraph,
} from './schema_enums.js';

const tables = [
  {
    name: 'orders',
    columns: [
      { name: 'o_orderkey', type: 'BIGINT' },
      { name: 'o_custkey', type: 'BIGINT' },
      { name: 'o_totalprice', type: 'DECIMAL(18,2)' },
      { name: 'o_orderdate', type: 'DATE' },
    ],
  },
  {
    name: 'customer',
    columns: [
      { name: 'c_custkey', type: 'BIGINT' },
      { name: 'c_name', type: 'STRING' },
    ],
  },
];

type Schema = {
  properties: Record<
    string,
    {
      enum?: string[];
      items?: { enum?: string[]; properties?: Record<string, { enum?: string[] }> };
      type: string;
      maxItems?: number;
    }
  >;
  required: string[];
  additionalProperties: boolean;
};

describe('buildSqlAnswerSchema', () => {
  test('table and column names are enums of the real schema', () => {
    const schema = buildSqlAnswerSchema(tables) as Schema;
    expect(schema.properties.from?.enum).toEqual(['customer', 'orders']);
    expect(schema.properties.joins?.items?.properties?.table?.enum).toEqual(['customer', 'orders']);
    expect(schema.properties.columns?.items?.enum).toEqual([
      'c_custkey',
      'c_name',
      'o_custkey',
      'o_orderdate',
      'o_orderkey',
      'o_totalprice',
    ]);
    expect(schema.properties.select?.type).toBe('string');
    expect(schema.properties.limit?.type).toBe('integer');
    expect(schema.required).toEqual(Object.keys(schema.properties));
    expect(schema.additionalProperties).toBe(false);
    // The statement's skeleton first; the column list last (a small model copied it everywhere).
    expect(Object.keys(schema.properties)).toEqual([
      'select',
      'from',
      'joins',
      'where',
      'group_by',
      'order_by',
      'limit',
      'columns',
    ]);
  });

  test('a single-table schema allows no joins; duplicates collapse; no tables is an error', () => {
    const single = buildSqlAnswerSchema([
      {
        name: 'trips',
        columns: [
          { name: 'a', type: 'INT' },
          { name: 'a', type: 'INT' },
        ],
      },
    ]) as Schema;
    expect(single.properties.from?.enum).toEqual(['trips']);
    expect(single.properties.columns?.items?.enum).toEqual(['a']);
    expect(single.properties.joins?.maxItems).toBe(0);
    expect(() => buildSqlAnswerSchema([])).toThrow(/no tables/);
  });
});

describe('checkSqlAnswer / assembleSql', () => {
  const base = {
    columns: [],
    select: 'count(*)',
    from: 'orders',
    joins: [],
    where: '',
    group_by: '',
    order_by: '',
    limit: 0,
  };

  test('clauses become one statement; empty clauses are left out', () => {
    expect(checkSqlAnswer(base, tables)).toEqual({
      tables: ['orders'],
      columns: [],
      sql: 'SELECT count(*) FROM orders',
    });
    const full = checkSqlAnswer(
      {
        ...base,
        select: 'SELECT c_name, sum(o_totalprice) AS total',
        joins: [{ table: 'customer', on: 'ON o_custkey = c_custkey' }],
        where: 'WHERE year(o_orderdate) = 1998',
        group_by: 'GROUP BY c_name',
        order_by: 'total DESC',
        limit: 5,
      },
      tables,
    );
    expect(full.tables).toEqual(['orders', 'customer']);
    expect(full.sql).toBe(
      'SELECT c_name, sum(o_totalprice) AS total FROM orders JOIN customer ON o_custkey = c_custkey WHERE year(o_orderdate) = 1998 GROUP BY c_name ORDER BY total DESC LIMIT 5',
    );
  });

  test('invented tables and empty selects are refused with a message the model can act on', () => {
    expect(() => checkSqlAnswer({ ...base, from: 'ordres' }, tables)).toThrow(
      /Unknown table "ordres"; the tables are customer, orders/,
    );
    expect(() => checkSqlAnswer({ ...base, joins: [{ table: 'x', on: '' }] }, tables)).toThrow(
      /Unknown table "x"/,
    );
    expect(() => checkSqlAnswer({ ...base, select: ' ' }, tables)).toThrow(
      /"select" clause is empty/,
    );
    expect(() => checkSqlAnswer(null, tables)).toThrow(/JSON object/);
  });

  test('a plain {sql} answer (a model ignoring the clause format) is accepted', () => {
    expect(checkSqlAnswer({ sql: ' SELECT 1 ', tables: ['orders', 'customer'] }, tables)).toEqual({
      tables: ['orders', 'customer'],
      columns: [],
      sql: 'SELECT 1',
    });
    expect(() => checkSqlAnswer({ sql: '' }, tables)).toThrow(/no SQL/);
  });

  test('a statement without FROM gets the one table the model listed (and says so)', () => {
    const known = new Set(['orders', 'customer']);
    expect(
      checkSqlAnswer({ tables: ['orders'], sql: 'SELECT avg(o_totalprice) AS a' }, tables),
    ).toMatchObject({ sql: 'SELECT avg(o_totalprice) AS a FROM orders', fromCompleted: true });
    expect(
      checkSqlAnswer({ tables: ['orders'], sql: 'SELECT avg(o_totalprice) AS a' }, tables, {
        completeFrom: false,
      }),
    ).not.toHaveProperty('fromCompleted');
    expect(completeFrom('SELECT count(*) WHERE o_totalprice > 5 LIMIT 3', ['orders'], known)).toBe(
      'SELECT count(*) FROM orders WHERE o_totalprice > 5 LIMIT 3',
    );
    // Left alone: a FROM already there, two tables listed, an unknown table, not a SELECT.
    expect(completeFrom('SELECT 1 FROM customer', ['orders'], known)).toBe(
      'SELECT 1 FROM customer',
    );
    expect(completeFrom('SELECT 1', ['orders', 'customer'], known)).toBe('SELECT 1');
    expect(completeFrom('SELECT 1', ['nope'], known)).toBe('SELECT 1');
    expect(completeFrom('SHOW TABLES', ['orders'], known)).toBe('SHOW TABLES');
  });

  test('the single-string schema: answerable first when asked for, then tables, columns, sql', () => {
    const plain = buildSqlStringSchema(tables) as { properties: object; required: string[] };
    expect(Object.keys(plain.properties)).toEqual(['tables', 'columns', 'sql']);
    const withFlag = buildSqlStringSchema(tables, { answerable: true }) as {
      properties: Record<string, { type?: string; items?: { enum?: string[] } }>;
      required: string[];
    };
    expect(Object.keys(withFlag.properties)).toEqual(['answerable', 'tables', 'columns', 'sql']);
    expect(withFlag.properties.answerable?.type).toBe('boolean');
    expect(withFlag.required).toEqual(['answerable', 'tables', 'columns', 'sql']);
    expect(withFlag.properties.tables?.items?.enum).toEqual(['customer', 'orders']);
  });

  test('without schema linking: answerable and sql only; one table still completes a FROM', () => {
    const bare = buildSqlStringSchema(tables, { answerable: true, linking: false }) as {
      properties: object;
      required: string[];
    };
    expect(Object.keys(bare.properties)).toEqual(['answerable', 'sql']);
    expect(bare.required).toEqual(['answerable', 'sql']);
    const [orders] = tables;
    expect(checkSqlAnswer({ sql: 'SELECT count(*)' }, [orders!]).sql).toBe(
      'SELECT count(*) FROM orders',
    );
    // Two tables and no list: nothing to choose from.
    expect(checkSqlAnswer({ sql: 'SELECT count(*)' }, tables).sql).toBe('SELECT count(*)');
  });

  test('a join without a condition is a cross join', () => {
    expect(assembleSql({ ...base, joins: [{ table: 'customer', on: '' }] })).toBe(
      'SELECT count(*) FROM orders CROSS JOIN customer',
    );
  });

  test('format examples come from the schema and satisfy its enums', () => {
    const text = schemaExamples(tables);
    const answers = text
      .split('\n')
      .filter((line) => line.startsWith('A: '))
      .map((line) => JSON.parse(line.slice(3)) as unknown);
    expect(answers.length).toBe(4);
    const sqls = answers.map((answer) => checkSqlAnswer(answer, tables).sql);
    expect(sqls).toContain('SELECT count(*) AS row_count FROM orders WHERE o_totalprice > 100');
    expect(sqls.some((sql) => sql.includes("o_orderdate >= DATE '2020-06-01'"))).toBe(true);
  });
});

describe('smaller prompts for a small model', () => {
  const tpch = [
    {
      name: 'customer',
      columns: [
        { name: 'c_custkey', type: 'BIGINT' },
        { name: 'c_name', type: 'STRING' },
        { name: 'c_nationkey', type: 'BIGINT' },
        { name: 'c_acctbal', type: 'DECIMAL(18,2)' },
        { name: 'c_mktsegment', type: 'STRING' },
      ],
    },
    {
      name: 'lineitem',
      columns: [
        { name: 'l_orderkey', type: 'BIGINT' },
        { name: 'l_shipdate', type: 'DATE' },
      ],
    },
    {
      name: 'nation',
      columns: [
        { name: 'n_nationkey', type: 'BIGINT' },
        { name: 'n_name', type: 'STRING' },
      ],
    },
    {
      name: 'orders',
      columns: [
        { name: 'o_orderkey', type: 'BIGINT' },
        { name: 'o_custkey', type: 'BIGINT' },
      ],
    },
  ];

  test('keywords: lower case, plurals and stop words removed', () => {
    expect(keywords('How many Orders are there in each nation?')).toEqual(['order', 'nation']);
  });

  test('relevantTables keeps the tables the question names, all when it names none', () => {
    const names = (question: string) => relevantTables(tpch, question).map((t) => t.name);
    expect(names('How many customers are in each nation?')).toEqual(['customer', 'nation']);
    expect(names('How many line items were shipped?')).toEqual(['lineitem']);
    expect(names('What is the account balance?')).toEqual(
      expect.arrayContaining(['customer', 'lineitem', 'nation', 'orders']),
    );
    expect(relevantTables(tpch.slice(0, 2), 'orders?')).toHaveLength(2);
  });

  test('joinGraph joins key columns by name after a short prefix', () => {
    expect(joinGraph(tpch)).toEqual([
      { left: 'customer', right: 'nation', on: [['c_nationkey', 'n_nationkey']] },
      { left: 'customer', right: 'orders', on: [['c_custkey', 'o_custkey']] },
      { left: 'lineitem', right: 'orders', on: [['l_orderkey', 'o_orderkey']] },
    ]);
  });

  test('the example pool comes from the schema; the closest shapes are shown, closest last', () => {
    const pool = sqlExamplePool(tpch);
    expect(pool.map((example) => example.sql)).toEqual(
      expect.arrayContaining([
        'SELECT count(*) FROM customer',
        'SELECT avg(c_acctbal) FROM customer',
        'SELECT count(*) FROM lineitem WHERE year(l_shipdate) = 2020',
        'SELECT count(DISTINCT c_mktsegment) FROM customer',
        "SELECT count(*) FROM customer JOIN nation ON c_nationkey = n_nationkey WHERE n_name = 'ABC'",
      ]),
    );
    const shown = selectExamples(pool, 'What is the average price of orders?', tpch, 3);
    expect(shown).toHaveLength(3);
    expect(shown.at(-1)?.sql).toBe('SELECT avg(c_acctbal) FROM customer');
    const distinct = selectExamples(pool, 'How many different nation names are there?', tpch, 2);
    expect(distinct.at(-1)?.sql).toMatch(/count\(DISTINCT/);
  });
});
