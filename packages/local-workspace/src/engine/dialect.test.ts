import { describe, expect, test } from 'vitest';
import {
  checkParameters,
  javaToStrftime,
  parameterCastType,
  type TranslateContext,
  tokenize,
  translate,
} from './dialect.js';
import { SqlError } from './sql_engine.js';

const catalogs = {
  internalName: (n: string) =>
    ({ main: 'lc_main', samples: 'samples', system: 'lc_system' })[n.toLowerCase()],
};
const ctx = (over: Partial<TranslateContext> = {}): TranslateContext => ({
  catalogs,
  currentCatalog: 'main',
  currentSchema: 'default',
  ...over,
});
const tr = (sql: string, over: Partial<TranslateContext> = {}) => translate(sql, ctx(over)).sql;

describe('tokenize', () => {
  test('strings, comments, backticks and parameters are tokens', () => {
    const kinds = tokenize("SELECT `a b`, 'x:y' -- :c\n, :d, ? /* ? */").map((t) => t.kind);
    expect(kinds.filter((k) => k !== 'ws')).toEqual([
      'ident',
      'qident',
      'op',
      'string',
      'comment',
      'op',
      'named_param',
      'op',
      'positional_param',
      'comment',
    ]);
  });
  test('Spark string escapes are decoded', () => {
    const t = tokenize("'it\\'s' \"dq\" 'a''b'").filter((x) => x.kind === 'string');
    expect(t.map((x) => x.value)).toEqual(["it's", 'dq', "a'b"]);
  });
  test('casts (::) are not named parameters', () => {
    expect(tokenize('x::INT').some((t) => t.kind === 'named_param')).toBe(false);
  });
});

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
    expect(tr(spark)).toBe(duck);
  });

  test('information_schema is routed to the catalog-scoped macros', () => {
    expect(tr("SELECT * FROM samples.information_schema.columns WHERE table_schema = 'tpch'")).toBe(
      "SELECT * FROM memory.main.lc_is_columns('samples') WHERE table_schema = 'tpch'",
    );
    expect(tr('SELECT * FROM information_schema.tables', { currentCatalog: 'samples' })).toBe(
      "SELECT * FROM memory.main.lc_is_tables('samples')",
    );
    expect(tr('SELECT * FROM system.information_schema.tables')).toBe(
      'SELECT * FROM memory.main.lc_is_tables(NULL)',
    );
  });

  test('named and positional markers are collected; casts applied from types', () => {
    const t = translate('SELECT :a, :b, :a, ?', ctx({ namedTypes: { b: 'DATE' } }));
    expect(t.sql).toBe('SELECT $a, CAST($b AS DATE), $a, ?');
    expect(t.namedParams).toEqual(['a', 'b']);
    expect(t.positionalCount).toBe(1);
    const p = translate('SELECT ? + ?', ctx({ positionalTypes: [undefined, 'DECIMAL(10,2)'] }));
    expect(p.sql).toBe('SELECT ? + CAST(? AS DECIMAL(10,2))');
  });

  test('unbound parameters are reported with their name', () => {
    const t = translate('SELECT :missing', ctx());
    try {
      checkParameters(t, {}, 0);
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(SqlError);
      expect((e as SqlError).errorClass).toBe('UNBOUND_SQL_PARAMETER');
      expect((e as SqlError).sqlState).toBe('42P02');
      expect((e as SqlError).message).toContain('Found the unbound parameter: missing.');
    }
  });

  test('parameter types', () => {
    expect(parameterCastType('STRING')).toBe('VARCHAR');
    expect(parameterCastType('DECIMAL(5,1)')).toBe('DECIMAL(5,1)');
    expect(parameterCastType(undefined)).toBeUndefined();
    expect(parameterCastType('VOID')).toBeUndefined();
  });
});

describe('javaToStrftime', () => {
  test.each([
    ['yyyy-MM-dd', '%Y-%m-%d'],
    ['yyyy-MM-dd HH:mm:ss', '%Y-%m-%d %H:%M:%S'],
    ['MMM d, yyyy', '%b %-d, %Y'],
    ["yyyy'T'HH", '%YT%H'],
    ['EEEE hh a', '%A %I %p'],
    ['HH:mm:ss.SSS', '%H:%M:%S.%g'],
    ['100%', '100%%'],
  ])('%s → %s', (java, strf) => {
    expect(javaToStrftime(java)).toBe(strf);
  });
});

describe('translate: Spark DDL and operators', () => {
  test('CREATE TABLE comments and Delta clauses', () => {
    const t = translate(
      "CREATE TABLE IF NOT EXISTS main.default.t (id BIGINT COMMENT 'the id', tags ARRAY<STRING> COMMENT 'labels', amount DECIMAL(10,2)) USING DELTA PARTITIONED BY (id) COMMENT 'a table' TBLPROPERTIES ('delta.x' = 'y') LOCATION '/tmp/x'",
      ctx(),
    );
    expect(t.sql.replace(/\s+/g, ' ').replace(/ ,/g, ',').trim()).toBe(
      'CREATE TABLE IF NOT EXISTS "lc_main"."default".t (id BIGINT, tags VARCHAR[], amount DECIMAL(10,2))',
    );
    expect(t.ddlComments).toEqual({
      table: '"lc_main"."default".t',
      tableComment: 'a table',
      columns: [
        ['id', 'the id'],
        ['tags', 'labels'],
      ],
    });
  });

  test('RLIKE / REGEXP and LATERAL VIEW explode', () => {
    expect(tr("SELECT a RLIKE '^x' , b NOT REGEXP 'y'")).toBe(
      "SELECT a ~ '(?s).*(?:^x).*' , b !~ '(?s).*(?:y).*'",
    );
    expect(
      tr('SELECT t.id, tag FROM t LATERAL VIEW explode(t.tags) tv AS tag WHERE tag IS NOT NULL'),
    ).toBe(
      'SELECT t.id, tag FROM t CROSS JOIN unnest(t.tags) AS "tv"("tag") WHERE tag IS NOT NULL',
    );
    expect(tr('SELECT 1 FROM t LATERAL VIEW OUTER explode(xs) v AS x')).toBe(
      'SELECT 1 FROM t LEFT JOIN unnest(xs) AS "v"("x") ON true',
    );
  });

  test('ANSI division: every divisor is checked for zero', () => {
    const nz = (x: string) => `memory.main.lc_nonzero(${x})`;
    expect(tr('SELECT a / b, a/b FROM t')).toBe(`SELECT a / ${nz('b')}, a/${nz('b')} FROM t`);
    expect(tr('SELECT a * b / c / -d.e')).toBe(`SELECT a * b / ${nz('c')} / ${nz('-d.e')}`);
    expect(tr('SELECT sum(x) / count(*) FROM t')).toBe(`SELECT sum(x) / ${nz('count(*)')} FROM t`);
    expect(tr('SELECT (a + 1) / (b - 1)')).toBe(`SELECT (a + 1) / ${nz('(b - 1)')}`);
    expect(tr('SELECT a / CASE WHEN b THEN 1 ELSE 0 END')).toBe(
      `SELECT a / ${nz('CASE WHEN b THEN 1 ELSE 0 END')}`,
    );
    expect(tr('SELECT a / b::int, a / x[1], a / :p')).toBe(
      `SELECT a / ${nz('b::int')}, a / ${nz('x[1]')}, a / ${nz('$p')}`,
    );
    expect(tr('SELECT a / nvl(b, 0)')).toBe(`SELECT a / ${nz('coalesce(b, 0)')}`);
    // not a division
    expect(tr("SELECT '1/2', date_format(d, 'yyyy/MM')")).toBe(
      "SELECT '1/2', strftime(CAST(d AS TIMESTAMP), '%Y/%m')",
    );
  });

  test('range() as a table: column id (BIGINT)', () => {
    expect(tr('SELECT * FROM range(3)')).toBe(
      'SELECT * FROM (SELECT range AS id FROM range(CAST(3 AS BIGINT)))',
    );
    expect(tr('SELECT id FROM range(1, 10, 2) AS r JOIN range(5) s ON r.id = s.id')).toBe(
      'SELECT id FROM (SELECT range AS id FROM range(CAST(1 AS BIGINT), CAST(10 AS BIGINT), CAST(2 AS BIGINT))) AS r JOIN (SELECT range AS id FROM range(CAST(5 AS BIGINT))) s ON r.id = s.id',
    );
  });

  test('cast-like functions and small shims', () => {
    expect(tr('SELECT string(1), int(x), try_divide(a, b), pmod(a, 3)')).toBe(
      'SELECT CAST(1 AS VARCHAR), CAST(x AS INTEGER), (CASE WHEN (b) = 0 THEN NULL ELSE (a) / (b) END), (((a) % (3) + (3)) % (3))',
    );
  });
});
