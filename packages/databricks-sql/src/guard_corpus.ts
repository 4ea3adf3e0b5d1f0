/**
 * Test corpus for the read-only guard: statements it must refuse and statements it must let
 * through. Kept in `src/` (not exported from the package index) so that unit tests, integration
 * tests and later property tests share one list.
 */

export interface CorpusEntry {
  sql: string;
  /** What the entry tries. */
  note: string;
}

export const HOSTILE_STATEMENTS: CorpusEntry[] = [
  // Plain writes and DDL
  { sql: 'DROP TABLE samples.tpch.orders', note: 'DDL' },
  { sql: "INSERT INTO t VALUES (1, 'a')", note: 'insert' },
  { sql: 'UPDATE t SET a = 1', note: 'update' },
  { sql: 'DELETE FROM t WHERE 1 = 1', note: 'delete' },
  { sql: 'TRUNCATE TABLE t', note: 'truncate' },
  { sql: 'ALTER TABLE t ADD COLUMN x INT', note: 'alter' },
  { sql: 'CREATE TABLE x AS SELECT * FROM t', note: 'CTAS' },
  { sql: 'CREATE OR REPLACE VIEW v AS SELECT 1', note: 'create view' },
  { sql: 'MERGE INTO t USING s ON t.id = s.id WHEN MATCHED THEN DELETE', note: 'merge' },
  { sql: "COPY INTO t FROM '/Volumes/x' FILEFORMAT = CSV", note: 'copy into' },
  { sql: 'GRANT SELECT ON TABLE t TO `users`', note: 'grant' },
  { sql: 'REVOKE SELECT ON TABLE t FROM `users`', note: 'revoke' },
  { sql: 'RESTORE TABLE t TO VERSION AS OF 1', note: 'restore' },
  { sql: 'VACUUM t RETAIN 0 HOURS', note: 'vacuum' },
  { sql: 'OPTIMIZE t ZORDER BY (a)', note: 'optimize' },
  { sql: 'REFRESH TABLE t', note: 'refresh' },
  { sql: 'CACHE TABLE t', note: 'cache' },
  { sql: 'UNCACHE TABLE t', note: 'uncache' },
  { sql: 'MSCK REPAIR TABLE t', note: 'msck' },
  { sql: 'ANALYZE TABLE t COMPUTE STATISTICS', note: 'analyze' },
  { sql: 'CALL system.do_something()', note: 'call' },
  { sql: 'USE CATALOG other', note: 'use changes session state' },
  { sql: 'USE other_schema', note: 'use schema' },
  { sql: 'SET spark.sql.ansi.enabled = false', note: 'set conf' },
  { sql: 'SET VAR x = 1', note: 'set variable' },
  { sql: 'RESET', note: 'reset conf' },
  { sql: "ADD JAR '/tmp/evil.jar'", note: 'add jar' },
  { sql: "INSERT OVERWRITE DIRECTORY '/tmp/out' SELECT * FROM t", note: 'insert overwrite dir' },
  { sql: 'SELECT * INTO new_table FROM t', note: 'select into' },
  { sql: 'DECLARE VARIABLE x INT', note: 'declare' },
  { sql: "EXECUTE IMMEDIATE 'DROP TABLE t'", note: 'dynamic SQL' },
  { sql: 'BEGIN DELETE FROM t; END', note: 'SQL script block' },
  { sql: "LOAD DATA INPATH '/x' INTO TABLE t", note: 'load data' },
  { sql: 'COMMENT ON TABLE t IS "x"', note: 'comment on' },
  { sql: 'FSCK REPAIR TABLE t', note: 'fsck' },
  { sql: 'CONVERT TO DELTA parquet.`/x`', note: 'convert' },
  { sql: "PUT '/tmp/f' INTO '/Volumes/a/b/c/f'", note: 'staging put' },
  // Batches
  { sql: 'SELECT 1; DROP TABLE t', note: 'batch' },
  { sql: 'SELECT 1;DROP TABLE t;', note: 'batch with trailing semicolon' },
  { sql: 'SELECT 1; SELECT 2', note: 'two reads are still a batch' },
  { sql: ';', note: 'empty statement' },
  { sql: '', note: 'empty input' },
  { sql: '  -- just a comment\n', note: 'only a comment' },
  { sql: 'SELECT 1;;', note: 'double semicolon' },
  // Tricks with comments
  { sql: 'SELECT 1 /* ok */; DROP TABLE t', note: 'comment then batch' },
  { sql: '/* SELECT */ DROP TABLE t', note: 'SELECT hidden in a comment' },
  { sql: '-- SELECT\nDELETE FROM t', note: 'line comment then delete' },
  { sql: 'SELECT 1 /* unterminated', note: 'unterminated comment' },
  { sql: 'SELECT 1 /* a /* b */ ; DROP TABLE t */', note: 'nested comment ambiguity' },
  { sql: "SELECT 1 -- x \\\n'\n; DROP TABLE t --'", note: 'backslash-continued line comment' },
  { sql: 'SELECT 1 --\rDROP TABLE t', note: 'carriage return ends a comment' },
  // Tricks with string literals and identifiers
  { sql: "SELECT 'a'; DROP TABLE t; SELECT 'b'", note: 'batch between strings' },
  { sql: "SELECT 'unterminated", note: 'unterminated string' },
  { sql: "SELECT 'a\\'; DROP TABLE t; --", note: 'escaped quote keeps the string open' },
  { sql: 'SELECT `a; DROP TABLE t', note: 'unterminated backtick' },
  { sql: 'SELECT "x"; DROP TABLE t', note: 'double-quoted string then batch' },
  // Unicode look-alikes and invisible characters
  { sql: 'SELECT 1\uFF1B DROP TABLE t', note: 'full-width semicolon' },
  { sql: 'SELECT 1\u037E DROP TABLE t', note: 'greek question mark (looks like ;)' },
  { sql: 'SELECT\u200B1', note: 'zero-width space' },
  { sql: '\uFEFFDROP TABLE t', note: 'byte order mark before DROP' },
  { sql: 'SELECT 1\u00A0FROM t', note: 'no-break space' },
  { sql: '\uFF24\uFF32\uFF2F\uFF30 TABLE t', note: 'full-width DROP' },
  // biome-ignore lint/suspicious/noTemplateCurlyInString: Spark variable substitution syntax
  { sql: 'SELECT 1 FROM t WHERE a = ${x}', note: 'variable substitution' },
  // Writes nested in read-looking statements
  { sql: 'WITH x AS (SELECT 1) INSERT INTO t SELECT * FROM x', note: 'CTE feeding an insert' },
  { sql: 'WITH x AS (SELECT 1) DELETE FROM t', note: 'CTE then delete' },
  { sql: 'WITH x AS (DELETE FROM t) SELECT 1', note: 'DML inside a CTE' },
  {
    sql: 'WITH a AS (SELECT 1), b AS (SELECT 2) MERGE INTO t USING a ON 1=1 WHEN MATCHED THEN DELETE',
    note: 'two CTEs then merge',
  },
  { sql: 'FROM t INSERT INTO u SELECT *', note: 'multi-insert' },
  { sql: 'SELECT * FROM (INSERT INTO t VALUES (1))', note: 'DML in a subquery' },
  { sql: 'EXPLAIN DROP TABLE t', note: 'explain of DDL' },
  { sql: 'EXPLAIN EXTENDED DELETE FROM t', note: 'explain extended of DML' },
  { sql: 'DESCRIBE QUERY DELETE FROM t', note: 'describe query of DML' },
  { sql: '(DELETE FROM t)', note: 'parenthesised DML' },
  { sql: 'SELECT 1 FROM t WHERE (a = 1', note: 'unbalanced parentheses' },
  { sql: "SELECT reflect('java.lang.Runtime', 'getRuntime')", note: 'JVM reflection' },
  { sql: "SELECT java_method('java.lang.System', 'exit', 0)", note: 'java_method' },
  {
    sql: "SELECT http_request(conn => 'c', method => 'POST', path => '/x')",
    note: 'outbound HTTP',
  },
  { sql: "SELECT TRANSFORM(a) USING 'rm -rf /' AS (b) FROM t", note: 'script transform' },
  { sql: 'select 1; drop table t', note: 'lower-case batch' },
  { sql: 'SeLeCt 1;\n\tDrOp TaBlE t', note: 'mixed case batch' },
  { sql: 'SELECT 1 FROM t UNION ALL SELECT 2 FROM u; DELETE FROM t', note: 'union then delete' },
  { sql: 'SHOW TABLES; DROP TABLE t', note: 'show then drop' },
  { sql: 'LIST "/Volumes/a"', note: 'list files' },
];

export const LEGITIMATE_STATEMENTS: CorpusEntry[] = [
  { sql: 'SELECT 1', note: 'trivial' },
  { sql: 'SELECT 1;', note: 'trailing semicolon' },
  { sql: 'SELECT 1; -- done', note: 'trailing semicolon and comment' },
  { sql: 'select * from samples.tpch.orders limit 5', note: 'lower case' },
  {
    sql: 'SELECT `o_orderkey`, `o_totalprice` FROM `samples`.`tpch`.`orders` LIMIT 10',
    note: 'backticks',
  },
  { sql: "SELECT * FROM t WHERE name = '; DROP TABLE t; --'", note: 'string containing a batch' },
  { sql: 'SELECT 1 /* DELETE FROM t */', note: 'comment containing DELETE' },
  { sql: '-- DROP TABLE t\nSELECT 1', note: 'line comment containing DROP' },
  { sql: 'SELECT `delete`, `update` FROM t', note: 'backticked keyword columns' },
  { sql: 'SELECT t.update FROM t', note: 'qualified keyword column' },
  { sql: 'WITH x AS (SELECT 1 AS a) SELECT a FROM x', note: 'CTE' },
  {
    sql: 'WITH x (a) AS (SELECT 1), y AS (SELECT a FROM x) SELECT * FROM y',
    note: 'CTEs with column list',
  },
  {
    sql: 'WITH RECURSIVE r AS (SELECT 1 AS n UNION ALL SELECT n + 1 FROM r WHERE n < 3) SELECT * FROM r',
    note: 'recursive CTE',
  },
  {
    sql: 'SELECT c_name FROM customer WHERE c_custkey IN (SELECT o_custkey FROM orders WHERE o_totalprice > 1000)',
    note: 'subquery',
  },
  {
    sql: "SELECT date_trunc('MONTH', o_orderdate) AS m, count(*) FROM orders GROUP BY 1 ORDER BY 1",
    note: 'date functions',
  },
  {
    sql: "SELECT replace(name, 'a', 'b'), date_add(d, 1) FROM t",
    note: 'replace and date_add functions',
  },
  { sql: 'SELECT transform(arr, x -> x + 1) FROM t', note: 'higher-order transform' },
  { sql: 'SELECT * FROM a JOIN b USING (id)', note: 'join using' },
  { sql: 'SHOW TABLES IN samples.tpch', note: 'show tables' },
  { sql: 'SHOW CREATE TABLE samples.tpch.orders', note: 'show create table' },
  { sql: 'DESCRIBE TABLE EXTENDED samples.tpch.orders', note: 'describe' },
  { sql: 'DESC samples.tpch.orders', note: 'desc' },
  { sql: 'DESCRIBE QUERY SELECT 1', note: 'describe query' },
  { sql: 'EXPLAIN SELECT * FROM t', note: 'explain' },
  { sql: 'EXPLAIN FORMATTED WITH x AS (SELECT 1) SELECT * FROM x', note: 'explain formatted CTE' },
  { sql: 'VALUES (1, 2), (3, 4)', note: 'values' },
  { sql: 'TABLE samples.tpch.nation', note: 'table statement' },
  { sql: 'FROM samples.tpch.nation SELECT n_name', note: 'from-first select' },
  { sql: '(SELECT 1) UNION ALL (SELECT 2)', note: 'parenthesised union' },
  { sql: "SELECT 'it''s', \"double\", r'raw\\path', 'esc\\'aped' FROM t", note: 'string forms' },
  {
    sql: 'SELECT a::STRING, b -> c FROM t WHERE x = :param AND y = ?',
    note: 'casts and parameters',
  },
  { sql: 'SELECT /*+ BROADCAST(b) */ * FROM a JOIN b ON a.id = b.id', note: 'hint' },
  { sql: "SELECT '日本語', `列` FROM t -- コメント", note: 'unicode inside literals and comments' },
  { sql: 'SELECT 1.5e-3, 10L, 2.0BD, .5 FROM t', note: 'numeric literals' },
  {
    sql: "SELECT * FROM t WHERE comment LIKE '%insert%'",
    note: 'comment column and keyword in string',
  },
];
