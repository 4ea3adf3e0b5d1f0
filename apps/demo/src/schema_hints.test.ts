import { describe, expect, test } from 'vitest';
import type { SchemaTable } from './schema_enums.js';
import {
  type ColumnValues,
  dateRangeProblem,
  documentedJoins,
  formatJoin,
  joinPath,
  misplacedValueHint,
  unresolvedColumnHint,
} from './schema_hints.js';

const table = (name: string, columns: string[]): SchemaTable => ({
  name,
  columns: columns.map((column) => ({ name: column, type: 'BIGINT' })),
});

const tables = [
  table('customer', ['c_custkey', 'c_nationkey']),
  table('nation', ['n_nationkey', 'n_regionkey']),
  table('region', ['r_regionkey']),
  table('orders', ['o_orderkey', 'o_custkey']),
];

// The DDL as `DatabricksSqlDatabase.getTableInfo()` writes it.
const tableInfo = `CREATE TABLE \`samples\`.\`tpch\`.\`customer\` (
  \`c_custkey\` BIGINT NOT NULL COMMENT 'Customer key (primary key)',
  \`c_nationkey\` BIGINT NOT NULL COMMENT 'Nation of the customer (nation.n_nationkey)',
  PRIMARY KEY (\`c_custkey\`)
)
COMMENT 'TPC-H customers'

CREATE TABLE \`samples\`.\`tpch\`.\`nation\` (
  \`n_nationkey\` BIGINT NOT NULL,
  \`n_regionkey\` BIGINT NOT NULL COMMENT 'Region of the nation (region.r_regionkey)',
  PRIMARY KEY (\`n_nationkey\`)
)

CREATE TABLE \`samples\`.\`tpch\`.\`orders\` (
  \`o_orderkey\` BIGINT NOT NULL,
  \`o_custkey\` BIGINT NOT NULL,
  FOREIGN KEY (\`o_custkey\`) REFERENCES \`samples\`.\`tpch\`.\`customer\` (\`c_custkey\`)
)`;

describe('documentedJoins', () => {
  test('reads foreign keys and column comments that name another table column', () => {
    expect(documentedJoins(tableInfo, tables).map(formatJoin)).toEqual([
      'customer.c_nationkey = nation.n_nationkey',
      'nation.n_regionkey = region.r_regionkey',
      'orders.o_custkey = customer.c_custkey',
    ]);
  });

  test('ignores references to tables or columns the model is not shown', () => {
    const shown = tables.filter((entry) => entry.name !== 'region');
    expect(documentedJoins(tableInfo, shown).map(formatJoin)).not.toContain(
      'nation.n_regionkey = region.r_regionkey',
    );
    const typo = tableInfo.replace('nation.n_nationkey', 'nation.n_key');
    expect(documentedJoins(typo, tables).map(formatJoin)).not.toContain(
      'customer.c_nationkey = nation.n_key',
    );
  });

  test('a schema without documented keys has no joins', () => {
    expect(documentedJoins("CREATE TABLE `t` (\n  `a` INT COMMENT 'e.g. 1.5'\n)", tables)).toEqual(
      [],
    );
  });
});

describe('dateRangeProblem', () => {
  test('a month or a year answered with one day gets the range written out', () => {
    expect(
      dateRangeProblem(
        'How many orders were placed in December 1996?',
        "SELECT count(*) FROM orders WHERE o_orderdate = DATE '1996-12-01'",
      ),
    ).toContain("col >= DATE '1996-12-01' AND col < DATE '1997-01-01'");
    expect(
      dateRangeProblem(
        'What was shipped in 1997?',
        "SELECT sum(l_quantity) FROM lineitem WHERE l_shipdate = '1997-01-01'",
      ),
    ).toContain('year(col) = 1997');
    expect(
      dateRangeProblem(
        'How many orders in 1995?',
        "SELECT count(*) FROM orders WHERE to_date(o_orderdate) = DATE '1995'",
      ),
    ).toContain('year(col) = 1995');
    expect(
      dateRangeProblem(
        'How many orders in March 1995?',
        "SELECT count(*) FROM orders WHERE to_date(o_orderdate) = CAST('1995-03-31' AS DATE)",
      ),
    ).toContain("col < DATE '1995-04-01'");
  });

  test('a day, a range or a question without a date passes', () => {
    const sql = "SELECT count(*) FROM trips WHERE to_date(t) = DATE '2016-01-15'";
    expect(dateRangeProblem('How many trips on January 15, 2016?', sql)).toBeUndefined();
    expect(dateRangeProblem('How many trips on 2016-01-15?', sql)).toBeUndefined();
    expect(dateRangeProblem('How many trips on the 15th of January 2016?', sql)).toBeUndefined();
    expect(dateRangeProblem('How many trips are there?', sql)).toBeUndefined();
    expect(
      dateRangeProblem(
        'How many orders in 1995?',
        "SELECT count(*) FROM orders WHERE o_orderdate >= DATE '1995-01-01' AND o_orderdate <= DATE '1995-12-31'",
      ),
    ).toBeUndefined();
  });
});

describe('repair hints from the schema', () => {
  const joins = documentedJoins(tableInfo, tables);
  // The fixture's region with its name column.
  const withNames = tables.map((entry) =>
    entry.name === 'region' ? table('region', ['r_regionkey', 'r_name']) : entry,
  );

  test('joinPath chains the documented joins, shortest first', () => {
    expect(joinPath(joins, ['customer'], 'region')).toBe(
      'JOIN nation ON customer.c_nationkey = nation.n_nationkey JOIN region ON nation.n_regionkey = region.r_regionkey',
    );
    expect(joinPath(joins, ['orders', 'nation'], 'region')).toBe(
      'JOIN region ON nation.n_regionkey = region.r_regionkey',
    );
    expect(joinPath(joins, ['region'], 'region')).toBeUndefined();
    expect(joinPath([], ['customer'], 'region')).toBeUndefined();
  });

  test('an unresolved column names its table and the joins to it, or that no table has it', () => {
    const error =
      '[UNRESOLVED_COLUMN.WITH_SUGGESTION] A column, variable, or function parameter with name `r_name` cannot be resolved.';
    expect(
      unresolvedColumnHint(
        error,
        "SELECT count(*) FROM nation WHERE r_name = 'EUROPE'",
        withNames,
        joins,
      ),
    ).toEqual({
      text: '`r_name` is a column of region: JOIN region ON nation.n_regionkey = region.r_regionkey. Keep the tables you have and add this JOIN.',
      join: 'JOIN region ON nation.n_regionkey = region.r_regionkey',
    });
    expect(
      unresolvedColumnHint(
        'Table "n" does not have a column named "payment_type"',
        'SELECT payment_type FROM nation n',
        withNames,
        joins,
      )?.text,
    ).toMatch(/No table has a column `payment_type`.*"answerable": false/);
    expect(unresolvedColumnHint('[PARSE_SYNTAX_ERROR] near FROM', 'SELECT', withNames, joins)).toBe(
      undefined,
    );
  });

  test('a value compared with the wrong short-list column points at the column that has it', () => {
    const values: ColumnValues[] = [
      { table: 'nation', column: 'n_name', values: ['BRAZIL', 'GERMANY'] },
      { table: 'region', column: 'r_name', values: ['AMERICA', 'EUROPE'] },
    ];
    const sql =
      "SELECT count(*) FROM customer AS T1 JOIN nation AS T2 ON T1.c_nationkey = T2.n_nationkey WHERE T2.n_name = 'AMERICA'";
    expect(misplacedValueHint(sql, values, withNames, joins)).toEqual({
      text: "'AMERICA' is not a value of nation.n_name; it is a value of region.r_name: JOIN region ON nation.n_regionkey = region.r_regionkey. Keep the tables you have and add this JOIN.",
      join: 'JOIN region ON nation.n_regionkey = region.r_regionkey',
    });
    expect(
      misplacedValueHint("SELECT 1 FROM nation WHERE n_name = 'GERMANY'", values, withNames, joins),
    ).toBeUndefined();
    // A value no short-list column holds may be legitimate (an empty answer): no hint.
    expect(
      misplacedValueHint(
        "SELECT 1 FROM nation WHERE n_name = 'ATLANTIS'",
        values,
        withNames,
        joins,
      ),
    ).toBeUndefined();
  });
});
