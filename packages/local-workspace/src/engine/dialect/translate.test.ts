import { describe, expect, test } from 'vitest';
import { translated } from './testing_translate.js';

describe('translate: translation table', () => {
  const cases: Array<[string, string]> = [
    ['SELECT `my col` FROM `t`', 'SELECT "my col" FROM "t"'],
    ['SELECT "str"', "SELECT 'str'"],
    ["SELECT 'it\\'s'", "SELECT 'it''s'"],
    ['SELECT nvl(a, 0), ifnull(b, 1)', 'SELECT coalesce(a, 0), coalesce(b, 1)'],
    ["SELECT date_format(ts, 'yyyy-MM')", "SELECT strftime(CAST(ts AS TIMESTAMP), '%Y-%m')"],
    ['SELECT datediff(e, s)', 'SELECT CAST(CAST(e AS DATE) - CAST(s AS DATE) AS INTEGER)'],
    ["SELECT date_trunc('MONTH', ts)", "SELECT date_trunc('month', CAST(ts AS TIMESTAMP))"],
    ['SELECT current_date()', 'SELECT current_date'],
    ['SELECT current_date', 'SELECT current_date'],
    ['SELECT current_timestamp()', 'SELECT CAST(current_timestamp AS TIMESTAMP)'],
    ['SELECT current_timestamp', 'SELECT CAST(current_timestamp AS TIMESTAMP)'],
    ['SELECT CAST(x AS STRING)', 'SELECT CAST(x AS VARCHAR)'],
    ['SELECT CAST(x AS ARRAY<STRING>)', 'SELECT CAST(x AS VARCHAR[])'],
    ['SELECT CAST(x AS MAP<STRING, ARRAY<INT>>)', 'SELECT CAST(x AS MAP(VARCHAR, INTEGER[]))'],
    [
      'SELECT CAST(x AS STRUCT<a: INT, b: STRING>)',
      'SELECT CAST(x AS STRUCT("a" INTEGER, "b" VARCHAR))',
    ],
    ['SELECT CAST(x AS DECIMAL(10, 2))', 'SELECT CAST(x AS DECIMAL(10,2))'],
    ['SELECT collect_list(x), collect_set(y)', 'SELECT list(x), list(DISTINCT y)'],
    ['SELECT size(a)', 'SELECT CAST(len(a) AS INTEGER)'],
    ['SELECT array(1, 2)', 'SELECT list_value(1, 2)'],
    ['SELECT explode(a)', 'SELECT unnest(a)'],
    ["SELECT named_struct('a', 1)", 'SELECT struct_pack("a" := 1)'],
    ["SELECT map('k', 1)", "SELECT MAP {'k': 1}"],
    [
      'SELECT a FROM t WHERE b ILIKE :p QUALIFY x = 1 LIMIT 5',
      'SELECT a FROM t WHERE b ILIKE $p QUALIFY x = 1 LIMIT 5',
    ],
    ['SELECT * FROM main.default.t', 'SELECT * FROM "lc_main"."default".t'],
    ['SELECT * FROM samples.tpch.orders', 'SELECT * FROM samples.tpch.orders'],
    ['SELECT * FROM `main`.`default`.`t`', 'SELECT * FROM "lc_main"."default"."t"'],
    ['SELECT t.a FROM default.t', 'SELECT t.a FROM "default".t'],
    ['SELECT 10L, 1.5D', 'SELECT CAST(10 AS BIGINT), CAST(1.5 AS DOUBLE)'],
    ['SELECT a == b, a <=> b', 'SELECT a = b, a IS NOT DISTINCT FROM b'],
    ['SELECT 7 DIV 2', 'SELECT 7 // memory.main.lc_nonzero(2)'],
    ['CREATE TABLE t (a INT) USING DELTA', 'CREATE TABLE t (a INT) '],
    ['SELECT * FROM t JOIN u USING (id)', 'SELECT * FROM t JOIN u USING (id)'],
    ['SELECT current_catalog()', "SELECT 'main'"],
    ['SELECT 1;', 'SELECT 1'],
    ["SELECT ':x', a -- :y\nFROM t", "SELECT ':x', a -- :y\nFROM t"],
    ['SELECT nvl(nvl(a, b), c)', 'SELECT coalesce(coalesce(a, b), c)'],
    ['SELECT date_add(d, 3)', 'SELECT CAST(CAST(d AS DATE) + CAST(3 AS INTEGER) AS DATE)'],
    ["SELECT to_date(s, 'dd/MM/yyyy')", "SELECT CAST(strptime(s, '%d/%m/%Y') AS DATE)"],
  ];
  test.each(cases)('%s', (spark, duck) => {
    expect(translated(spark)).toBe(duck);
  });
});

describe('translate: Spark operators', () => {
  test('RLIKE / REGEXP and LATERAL VIEW explode', () => {
    expect(translated("SELECT a RLIKE '^x' , b NOT REGEXP 'y'")).toBe(
      "SELECT a ~ '(?s).*(?:^x).*' , b !~ '(?s).*(?:y).*'",
    );
    expect(
      translated(
        'SELECT t.id, tag FROM t LATERAL VIEW explode(t.tags) tv AS tag WHERE tag IS NOT NULL',
      ),
    ).toBe(
      'SELECT t.id, tag FROM t CROSS JOIN unnest(t.tags) AS "tv"("tag") WHERE tag IS NOT NULL',
    );
    expect(translated('SELECT 1 FROM t LATERAL VIEW OUTER explode(xs) v AS x')).toBe(
      'SELECT 1 FROM t LEFT JOIN unnest(xs) AS "v"("x") ON true',
    );
  });

  test('range() as a table: column id (BIGINT)', () => {
    expect(translated('SELECT * FROM range(3)')).toBe(
      'SELECT * FROM (SELECT range AS id FROM range(CAST(3 AS BIGINT)))',
    );
    expect(translated('SELECT id FROM range(1, 10, 2) AS r JOIN range(5) s ON r.id = s.id')).toBe(
      'SELECT id FROM (SELECT range AS id FROM range(CAST(1 AS BIGINT), CAST(10 AS BIGINT), CAST(2 AS BIGINT))) AS r JOIN (SELECT range AS id FROM range(CAST(5 AS BIGINT))) s ON r.id = s.id',
    );
  });
});
