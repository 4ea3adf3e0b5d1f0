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

/** A call the guard must refuse by default, with what the refusal must name. */
export interface FunctionCorpusEntry extends CorpusEntry {
  /** The function as the refusal names it (`secret`, `system.ai.python_exec`). */
  functionName: string;
  category: string;
}

/**
 * Every function refused by default, with arguments of a valid shape. Kept apart from the
 * guard's own table (`function_policy.ts`) so that dropping a name there fails these tests.
 */
const REFUSED_FUNCTIONS: Array<{ name: string; args: string; category: string }> = [
  { name: 'secret', args: "'scope', 'key'", category: 'secrets' },
  { name: 'try_secret', args: "'scope', 'key'", category: 'secrets' },
  { name: 'list_secrets', args: '', category: 'secrets' },
  { name: 'ai_query', args: "'databricks-meta-llama', 'text'", category: 'ai' },
  { name: 'ai_gen', args: "'write a poem'", category: 'ai' },
  { name: 'ai_generate_text', args: "'prompt', 'azure_openai/gpt-35-turbo'", category: 'ai' },
  { name: 'ai_classify', args: "'text', array('a', 'b')", category: 'ai' },
  { name: 'ai_extract', args: "'text', array('person')", category: 'ai' },
  { name: 'ai_summarize', args: "'text', 20", category: 'ai' },
  { name: 'ai_translate', args: "'text', 'es'", category: 'ai' },
  { name: 'ai_similarity', args: "'a', 'b'", category: 'ai' },
  { name: 'ai_mask', args: "'text', array('email')", category: 'ai' },
  { name: 'ai_fix_grammar', args: "'text'", category: 'ai' },
  { name: 'ai_analyze_sentiment', args: "'text'", category: 'ai' },
  {
    name: 'ai_forecast',
    args: "TABLE(t), horizon => '2030-01-01', time_col => 'd'",
    category: 'ai',
  },
  { name: 'ai_parse_document', args: 'content', category: 'ai' },
  // Not listed by name in the guard: caught by the `ai_` prefix (later AI functions).
  { name: 'ai_extract_table', args: "'text'", category: 'ai' },
  {
    name: 'vector_search',
    args: "index => 'main.default.idx', query => 'q', num_results => 3",
    category: 'ai',
  },
  { name: 'read_files', args: "'s3://bucket/path'", category: 'external-data' },
  {
    name: 'read_kafka',
    args: "bootstrapServers => 'kafka:9092', subscribe => 'events'",
    category: 'external-data',
  },
  {
    name: 'read_kinesis',
    args: "streamName => 's', awsAccessKey => 'k', awsSecretKey => 'x'",
    category: 'external-data',
  },
  {
    name: 'read_pubsub',
    args: "subscriptionId => 's', topicId => 't', projectId => 'p'",
    category: 'external-data',
  },
  {
    name: 'read_pulsar',
    args: "serviceUrl => 'pulsar://h:6650', topic => 't'",
    category: 'external-data',
  },
  { name: 'read_statestore', args: "'/checkpoints/q'", category: 'external-data' },
  { name: 'read_state_metadata', args: "'/checkpoints/q'", category: 'external-data' },
  // Caught by the `read_` prefix.
  { name: 'read_eventhubs', args: "'x'", category: 'external-data' },
  { name: 'cloud_files', args: "'s3://bucket/in', 'json'", category: 'external-data' },
  { name: 'cloud_files_state', args: "'/checkpoints/q'", category: 'external-data' },
  {
    name: 'remote_query',
    args: "'mysql_conn', query => 'DELETE FROM t'",
    category: 'external-data',
  },
  {
    name: 'from_protobuf',
    args: "data, 'Person', '/Volumes/a/b/c/p.desc'",
    category: 'external-data',
  },
  {
    name: 'to_protobuf',
    args: "data, 'Person', '/Volumes/a/b/c/p.desc'",
    category: 'external-data',
  },
  {
    name: 'http_request',
    args: "conn => 'slack', method => 'POST', path => '/chat.postMessage'",
    category: 'network',
  },
  { name: 'reflect', args: "'java.lang.Runtime', 'getRuntime'", category: 'jvm-reflection' },
  { name: 'java_method', args: "'java.lang.System', 'exit', 0", category: 'jvm-reflection' },
  { name: 'try_reflect', args: "'java.lang.System', 'getenv'", category: 'jvm-reflection' },
  { name: 'python_exec', args: "'import os; print(os.environ)'", category: 'code-execution' },
];

/** How a function name can be written; `%s` is the name. */
const SPELLINGS: Array<{ spell: (name: string) => string; note: string }> = [
  { spell: (n) => n, note: 'lower case' },
  { spell: (n) => n.toUpperCase(), note: 'upper case' },
  {
    spell: (n) => [...n].map((c, i) => (i % 2 ? c.toUpperCase() : c)).join(''),
    note: 'mixed case',
  },
  { spell: (n) => `\`${n}\``, note: 'backticks' },
  { spell: (n) => `\`${n.toUpperCase()}\``, note: 'backticks, upper case' },
  { spell: (n) => `${n} `, note: 'space before (' },
  { spell: (n) => `${n}\n\t`, note: 'newline and tab before (' },
  { spell: (n) => `${n} /* ( */ `, note: 'block comment before (' },
  { spell: (n) => `${n} -- (\n`, note: 'line comment before (' },
  { spell: (n) => `builtin.${n}`, note: 'builtin.' },
  { spell: (n) => `SYSTEM.BUILTIN.${n}`, note: 'SYSTEM.BUILTIN.' },
  { spell: (n) => `\`system\`.\`builtin\`.\`${n}\``, note: 'backticked system.builtin.' },
  { spell: (n) => `system . builtin . ${n}`, note: 'spaced qualifier' },
  { spell: (n) => `IDENTIFIER('${n}')`, note: "IDENTIFIER('name')" },
  {
    spell: (n) => `IDENTIFIER('${n.slice(0, 2)}' '${n.slice(2)}')`,
    note: 'IDENTIFIER of adjacent literals',
  },
  { spell: (n) => `IDENTIFIER(r"system.builtin.${n}")`, note: 'IDENTIFIER raw qualified' },
];

/** Where a function call can sit in a read; `%c` is the call. */
const POSITIONS: Array<{ shape: string; note: string }> = [
  { shape: 'SELECT %c AS v', note: 'select list' },
  { shape: 'SELECT * FROM t WHERE %c IS NOT NULL', note: 'WHERE' },
  { shape: 'SELECT a FROM t WHERE a IN (SELECT %c)', note: 'subquery' },
  { shape: 'WITH x AS (SELECT %c AS v) SELECT * FROM x', note: 'CTE' },
  { shape: 'SELECT v FROM t LATERAL VIEW explode(array(%c)) e AS v', note: 'LATERAL VIEW' },
  { shape: 'SELECT * FROM %c', note: 'table-valued function in FROM' },
  { shape: 'SELECT * FROM t, LATERAL %c', note: 'LATERAL table function' },
  { shape: 'SELECT * FROM t JOIN %c AS f ON true', note: 'JOIN' },
  { shape: 'SELECT count(*) FROM t GROUP BY a HAVING max(%c) > 0', note: 'HAVING' },
  { shape: 'SELECT CASE WHEN a > 0 THEN %c END FROM t', note: 'CASE' },
  { shape: 'SELECT transform(arr, x -> %c) FROM t', note: 'lambda body' },
  { shape: 'EXPLAIN SELECT %c', note: 'EXPLAIN' },
  { shape: '(SELECT 1) UNION ALL (SELECT %c)', note: 'UNION branch' },
];

/**
 * Each refused function in every spelling and in every position (spellings and positions
 * rotate so that each function meets each of both once, not every pair).
 */
export const HOSTILE_FUNCTION_CALLS: FunctionCorpusEntry[] = REFUSED_FUNCTIONS.flatMap(
  ({ name, args, category }, index) => {
    const entries: FunctionCorpusEntry[] = [];
    const rounds = Math.max(SPELLINGS.length, POSITIONS.length);
    for (let round = 0; round < rounds; round++) {
      const spelling = SPELLINGS[round % SPELLINGS.length]!;
      const position = POSITIONS[(round + index) % POSITIONS.length]!;
      const call = `${spelling.spell(name)}(${args})`;
      entries.push({
        sql: position.shape.replace('%c', () => call),
        note: `${name}: ${spelling.note}, ${position.note}`,
        functionName: name,
        category,
      });
    }
    return entries;
  },
);

/** Refused functions reached through qualifiers, computed names and path syntax. */
export const HOSTILE_FUNCTION_TRICKS: FunctionCorpusEntry[] = [
  {
    sql: "SELECT system.ai.python_exec('print(1)')",
    note: 'system.ai code execution',
    functionName: 'system.ai.python_exec',
    category: 'code-execution',
  },
  {
    sql: "SELECT `system`.`ai`.`python_exec`('print(1)')",
    note: 'backticked system.ai',
    functionName: 'system.ai.python_exec',
    category: 'code-execution',
  },
  {
    sql: "SELECT IDENTIFIER('system').ai.python_exec('print(1)')",
    note: 'IDENTIFIER as one part of a name',
    functionName: 'system.ai.python_exec',
    category: 'code-execution',
  },
  {
    sql: "SELECT system.ai.some_new_tool('x')",
    note: 'any function of the system catalog',
    functionName: 'system.ai.some_new_tool',
    category: 'system-catalog',
  },
  {
    sql: "SELECT SYSTEM.secret('a', 'b')",
    note: 'SYSTEM.secret',
    functionName: 'system.secret',
    category: 'secrets',
  },
  {
    sql: "SELECT main.default.secret('a', 'b')",
    note: 'a UC function named like a refused built-in',
    functionName: 'main.default.secret',
    category: 'secrets',
  },
  {
    sql: "SELECT session.read_files('/x')",
    note: 'a temporary function named like a refused built-in',
    functionName: 'session.read_files',
    category: 'external-data',
  },
  {
    sql: "SELECT 1.secret('a', 'b')",
    note: 'name after a number and a dot',
    functionName: '<expression>.secret',
    category: 'secrets',
  },
  {
    sql: "SELECT IDENTIFIER('sec' || 'ret')('a', 'b')",
    note: 'IDENTIFIER of an expression',
    functionName: 'IDENTIFIER(...)',
    category: 'dynamic-name',
  },
  {
    sql: 'SELECT IDENTIFIER(:fn)(1)',
    note: 'IDENTIFIER of a parameter',
    functionName: 'IDENTIFIER(...)',
    category: 'dynamic-name',
  },
  {
    sql: "SELECT IDENTIFIER('\\u0073ecret')('a', 'b')",
    note: 'IDENTIFIER with an escape',
    functionName: 'IDENTIFIER(...)',
    category: 'dynamic-name',
  },
  {
    sql: 'SELECT * FROM parquet.`s3://bucket/dump/`',
    note: 'path read (parquet)',
    functionName: 'parquet.`...`',
    category: 'external-data',
  },
  {
    sql: 'SELECT * FROM JSON.`/Volumes/main/raw/files/`',
    note: 'path read (JSON, upper case)',
    functionName: 'json.`...`',
    category: 'external-data',
  },
  {
    sql: 'SELECT * FROM delta.`abfss://c@acct.dfs.core.windows.net/t`',
    note: 'path read (delta)',
    functionName: 'delta.`...`',
    category: 'external-data',
  },
  {
    sql: 'SELECT * FROM t WHERE id IN (SELECT id FROM csv.`dbfs:/tmp/x.csv`)',
    note: 'path read in a subquery',
    functionName: 'csv.`...`',
    category: 'external-data',
  },
  {
    sql: "SELECT * FROM IDENTIFIER('text.`/etc/passwd`')",
    note: 'path read through IDENTIFIER',
    functionName: 'text.`...`',
    category: 'external-data',
  },
  {
    sql: "SELECT ai_query('e', secret('a', 'b'))",
    note: 'a refused call nested in another',
    functionName: 'ai_query',
    category: 'ai',
  },
  {
    sql: "SELECT 1 FROM t WHERE a = 1 AND secret('a', 'b') = 'x'",
    note: 'after AND',
    functionName: 'secret',
    category: 'secrets',
  },
  {
    sql: "WITH secret(a) AS (SELECT 1) SELECT secret('a', 'b') FROM secret",
    note: 'CTE named secret does not hide a call of secret()',
    functionName: 'secret',
    category: 'secrets',
  },
  {
    sql: "SELECT * FROM t TIMESTAMP AS OF try_secret('a', 'b')",
    note: 'time travel expression',
    functionName: 'try_secret',
    category: 'secrets',
  },
  {
    sql: 'SELECT * FROM delta.`events`',
    note: 'path read of a relative path',
    functionName: 'delta.`...`',
    category: 'external-data',
  },
  {
    sql: 'SELECT * FROM t JOIN `csv`.`landing` AS l ON t.id = l.id',
    note: 'path read after JOIN, backticked format',
    functionName: 'csv.`...`',
    category: 'external-data',
  },
  {
    sql: "SELECT \"secret\"('s', 'k')",
    note: 'double-quoted name (ANSI double-quoted identifiers)',
    functionName: 'secret',
    category: 'secrets',
  },
  {
    sql: 'SELECT "system"."ai"."python_exec"(\'1\')',
    note: 'double-quoted qualified name',
    functionName: 'system.ai.python_exec',
    category: 'code-execution',
  },
  {
    sql: "SELECT secret /*+ x */ ('s', 'k')",
    note: 'hint between a name and its parenthesis',
    functionName: 'secret',
    category: 'secrets',
  },
  // Spark parses hint parameters as expressions: /*+ ... */ is not a comment.
  {
    sql: "SELECT /*+ REPARTITION(secret('a', 'b')) */ * FROM t",
    note: 'call in a hint parameter',
    functionName: 'secret',
    category: 'secrets',
  },
  {
    sql: "SELECT /*+ BROADCAST(t), REPARTITION(100, http_request(conn => 'c', method => 'POST', path => '/x', json => to_json(struct(*)))) */ * FROM t",
    note: 'exfiltration through a hint',
    functionName: 'http_request',
    category: 'network',
  },
  {
    sql: "SELECT /*+ REPARTITION_BY_RANGE(3, ai_query('e', a)) */ a FROM t",
    note: 'model call in a hint',
    functionName: 'ai_query',
    category: 'ai',
  },
];

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
  { sql: 'SELECT 1 /*+ ; DROP TABLE t */', note: 'a hint is not a comment' },
  { sql: 'SELECT /*+ BROADCAST(t) FROM t', note: 'unterminated hint' },
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
  ...HOSTILE_FUNCTION_CALLS,
  ...HOSTILE_FUNCTION_TRICKS,
];

/** A read that must pass, and its twin: the same read with one refused call in it. */
export interface BenignEntry extends CorpusEntry {
  /** Nearly the same statement, calling a refused function: must be refused. */
  twin: string;
}

/**
 * Reads that name refused functions without calling them (columns, aliases, CTEs, lambda
 * parameters, struct fields, literals, comments), and benign built-ins in every position. They
 * must pass in both function modes; each twin must not.
 */
export const BENIGN_FUNCTION_STATEMENTS: BenignEntry[] = [
  {
    sql: 'SELECT secret, ai_query, read_files, http_request FROM t',
    twin: "SELECT secret('s', 'k'), ai_query, read_files, http_request FROM t",
    note: 'columns named like functions',
  },
  {
    sql: 'SELECT t.secret, t.`reflect` FROM t WHERE t.secret IS NOT NULL',
    twin: "SELECT t.secret, t.`reflect` FROM t WHERE try_secret('s', 'k') IS NOT NULL",
    note: 'qualified columns',
  },
  {
    sql: 'SELECT `secret` FROM t ORDER BY `secret`',
    twin: "SELECT `secret`('s', 'k') FROM t ORDER BY `secret`",
    note: 'backticked column',
  },
  {
    sql: 'SELECT a AS secret, b AS ai_query FROM t',
    twin: "SELECT a AS secret, ai_query('e', b) FROM t",
    note: 'aliases named like functions',
  },
  {
    sql: "SELECT * FROM t WHERE secret = 'secret(''scope'', ''key'')'",
    twin: "SELECT * FROM t WHERE secret = secret('scope', 'key')",
    note: 'call inside a string',
  },
  {
    sql: 'SELECT \'ai_query("e", "t")\' AS s, "read_files(\'/x\')" AS r',
    twin: 'SELECT ai_query("e", "t") AS s, "read_files(\'/x\')" AS r',
    note: 'calls inside strings',
  },
  {
    sql: "SELECT * FROM t WHERE note LIKE '%list_secrets()%'",
    twin: 'SELECT * FROM t WHERE note IN (SELECT key FROM list_secrets())',
    note: 'call inside a LIKE pattern',
  },
  {
    sql: "SELECT 1 /* secret('a', 'b') */",
    twin: "SELECT 1 /* */ secret('a', 'b')",
    note: 'call inside a block comment',
  },
  {
    sql: "-- SELECT ai_query('e', 't')\nSELECT 1",
    twin: "-- SELECT 1\nSELECT ai_query('e', 't')",
    note: 'call inside a line comment',
  },
  {
    sql: 'SELECT `secret(a)` FROM t',
    twin: 'SELECT `secret`(a) FROM t',
    note: 'backticked column whose name contains a call',
  },
  {
    sql: 'WITH secret AS (SELECT 1 AS a) SELECT a FROM secret',
    twin: "WITH secret AS (SELECT 1 AS a) SELECT secret('s', a) FROM secret",
    note: 'CTE named secret',
  },
  {
    sql: 'WITH secret (a) AS (SELECT 1) SELECT a FROM secret',
    twin: "WITH x (a) AS (SELECT secret('s', 'k')) SELECT a FROM x",
    note: 'CTE named secret with columns',
  },
  {
    sql: 'WITH x AS (SELECT 1), ai_query(a, b) AS (SELECT 1, 2) SELECT * FROM ai_query',
    twin: "WITH x AS (SELECT 1), y(a, b) AS (SELECT 1, 2) SELECT * FROM y, ai_query('e', 't')",
    note: 'second CTE with a column list',
  },
  {
    sql: 'SELECT * FROM VALUES (1, 2) AS secret(a, b)',
    twin: "SELECT * FROM VALUES (1, 2) AS v(a, b), secret('s', 'k')",
    note: 'table alias with columns',
  },
  {
    sql: 'SELECT secret.a FROM t AS secret',
    twin: "SELECT secret.a FROM t AS secret WHERE secret.secret('s', 'k') IS NULL",
    note: 'table alias named secret',
  },
  {
    sql: 'SELECT transform(arr, secret -> secret + 1) FROM t',
    twin: "SELECT transform(arr, secret -> secret('s', 'k')) FROM t",
    note: 'lambda parameter named secret',
  },
  {
    sql: "SELECT named_struct('secret', 1).secret",
    twin: "SELECT named_struct('secret', secret('s', 'k')).secret",
    note: 'struct field named secret',
  },
  {
    sql: "SELECT map('ai_query', 1)['ai_query']",
    twin: "SELECT map('ai_query', ai_query('e', 't'))['ai_query']",
    note: 'map key',
  },
  {
    sql: 'SELECT json.`payload` FROM t AS json',
    twin: 'SELECT j.`payload` FROM json.`/Volumes/main/raw/in` AS j',
    note: 'alias json with a backticked column',
  },
  {
    sql: 'SELECT * FROM samples.parquet.`events`',
    twin: 'SELECT * FROM parquet.`s3://bucket/events`',
    note: 'schema named parquet',
  },
  {
    sql: 'SELECT readings, ready, airport FROM t',
    twin: "SELECT read_kafka(bootstrapServers => 'k:9092'), ready, airport FROM t",
    note: 'names that share a prefix',
  },
  {
    sql: 'SELECT 1.5e3, 1.e2, 2.0BD, 3.E-1 FROM t',
    twin: "SELECT 1.5e3, 1.secret('s', 'k') FROM t",
    note: 'numbers with exponents after a dot',
  },
  {
    sql: "SELECT abs(-1), coalesce(a, 0), date_trunc('MONTH', d), count(DISTINCT x), upper(s), round(avg(y), 2) FROM t GROUP BY d, s",
    twin: "SELECT abs(-1), coalesce(a, 0), date_trunc('MONTH', d), count(DISTINCT x), upper(ai_gen(s)), round(avg(y), 2) FROM t GROUP BY d, s",
    note: 'benign scalar and aggregate functions',
  },
  {
    sql: 'SELECT sum(y) OVER (PARTITION BY z ORDER BY d ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW), row_number() OVER w FROM t WINDOW w AS (ORDER BY d)',
    twin: "SELECT sum(y) OVER (PARTITION BY try_secret('s', 'k') ORDER BY d), row_number() OVER w FROM t WINDOW w AS (ORDER BY d)",
    note: 'window functions',
  },
  {
    sql: "SELECT array_contains(arr, 1), element_at(m, 'k'), get_json_object(j, '$.a'), from_json(j, 'a INT').a FROM t",
    twin: "SELECT array_contains(arr, 1), element_at(m, 'k'), get_json_object(try_secret('s', 'k'), '$.a') FROM t",
    note: 'collection and JSON functions',
  },
  {
    sql: 'SELECT current_date(), current_timestamp(), current_user(), current_catalog()',
    twin: "SELECT current_date(), current_timestamp(), current_user(), try_secret('s', 'k')",
    note: 'current_* functions',
  },
  {
    sql: 'SELECT * FROM range(10)',
    twin: 'SELECT * FROM range(10), list_secrets()',
    note: 'range table function',
  },
  {
    sql: 'SELECT * FROM explode(array(1, 2)) AS e(v)',
    twin: "SELECT * FROM explode(array(1, 2)) AS e(v), read_files('/Volumes/a/b/c')",
    note: 'generator in FROM',
  },
  {
    sql: 'SELECT v FROM t LATERAL VIEW OUTER explode(arr) e AS v',
    twin: "SELECT v FROM t LATERAL VIEW OUTER explode(array(secret('s', 'k'))) e AS v",
    note: 'LATERAL VIEW explode',
  },
  {
    sql: 'SELECT CAST(a AS DECIMAL(10, 2)), a::DECIMAL(5, 1), TRY_CAST(b AS VARCHAR(10)) FROM t',
    twin: "SELECT CAST(secret('s', 'k') AS DECIMAL(10, 2)), a::DECIMAL(5, 1) FROM t",
    note: 'types with precision',
  },
  {
    sql: 'SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY x), count(*) FILTER (WHERE x > 0) FROM t',
    twin: "SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY x), count(*) FILTER (WHERE ai_similarity(a, 'b') > 0) FROM t",
    note: 'WITHIN GROUP and FILTER',
  },
  {
    sql: "SELECT extract(YEAR FROM d), position('a' IN s), trim(BOTH 'x' FROM s) FROM t",
    twin: "SELECT extract(YEAR FROM d), position('a' IN ai_summarize(s)) FROM t",
    note: 'keyword arguments',
  },
  {
    sql: "SELECT IDENTIFIER('abs')(-1), * FROM IDENTIFIER('samples.tpch.nation')",
    twin: "SELECT IDENTIFIER('list_secrets')(), * FROM IDENTIFIER('samples.tpch.nation')",
    note: 'IDENTIFIER of benign names',
  },
  {
    sql: 'SELECT a FROM t WHERE EXISTS (SELECT 1) AND a IN (1, 2) AND NOT (a = 3) GROUP BY ROLLUP (a)',
    twin: "SELECT a FROM t WHERE EXISTS (SELECT 1) AND a IN (SELECT ai_gen('pick a number'))",
    note: 'keywords before parentheses',
  },
  {
    sql: "SELECT * FROM (SELECT year, q, v FROM t) PIVOT (sum(v) FOR q IN ('Q1' AS q1, 'Q2' AS q2))",
    twin: "SELECT * FROM (SELECT year, q, v FROM t) PIVOT (sum(ai_forecast(v)) FOR q IN ('Q1' AS q1))",
    note: 'PIVOT',
  },
  {
    sql: 'SELECT * FROM t TABLESAMPLE (10 PERCENT)',
    twin: "SELECT * FROM remote_query('pg', query => 'SELECT 1') TABLESAMPLE (10 PERCENT)",
    note: 'TABLESAMPLE',
  },
  {
    sql: 'SELECT * FROM t TIMESTAMP AS OF date_sub(current_date(), 1)',
    twin: "SELECT * FROM t TIMESTAMP AS OF try_secret('s', 'k')",
    note: 'time travel to an expression',
  },
  {
    sql: 'SELECT /*+ MERGE(a), BROADCAST(b), REPARTITION(8, c) */ * FROM a JOIN b ON a.id = b.id',
    twin: "SELECT /*+ MERGE(a), REPARTITION(8, try_secret('s', 'k')) */ * FROM a JOIN b ON a.id = b.id",
    note: 'join and partitioning hints (MERGE is a join strategy there)',
  },
  {
    sql: 'SELECT * EXCEPT (a, b) FROM t',
    twin: "SELECT * EXCEPT (a, b), vector_search(index => 'i', query => 'q') FROM t",
    note: 'star except',
  },
];

/**
 * Reads calling user-defined (Unity Catalog or current-schema) functions with ordinary names:
 * allowed by the default denylist, refused by `functions: 'builtin-safe'` unless listed.
 */
export const USER_FUNCTION_STATEMENTS: CorpusEntry[] = [
  { sql: 'SELECT main.default.normalize_phone(phone) FROM customers', note: 'UC scalar function' },
  { sql: 'SELECT * FROM main.analytics.top_customers(10)', note: 'UC table function' },
  { sql: 'SELECT my_udf(a) FROM t', note: 'current-schema function' },
  { sql: 'SELECT session.my_temp(a) FROM t', note: 'temporary function' },
  { sql: 'SELECT `my`.`schema`.`fn`(a) FROM t', note: 'backticked UC function' },
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
  ...BENIGN_FUNCTION_STATEMENTS,
];
