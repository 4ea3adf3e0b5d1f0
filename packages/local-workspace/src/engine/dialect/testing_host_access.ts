/**
 * Statements that would reach the machine the engine runs on, with Databricks' answer to each,
 * for the engine's tests and the driver's (see host_access.ts). `dir` is where the statements
 * would write: a test checks afterwards that nothing appeared there.
 */
import { join } from 'node:path';

export const refusedStatements = (
  dir: string,
): Array<[sql: string, errorClass: string, sqlState: string]> => [
  [`COPY (SELECT 1) TO '${join(dir, 'x.csv')}'`, 'INSUFFICIENT_PERMISSIONS', '42501'],
  [`COPY main.default.people TO '${join(dir, 'x.csv')}'`, 'INSUFFICIENT_PERMISSIONS', '42501'],
  [`COPY INTO main.default.people FROM '${dir}'`, 'INSUFFICIENT_PERMISSIONS', '42501'],
  ["SELECT * FROM read_text('/etc/passwd')", 'INSUFFICIENT_PERMISSIONS', '42501'],
  ["SELECT * FROM read_csv('/etc/passwd')", 'INSUFFICIENT_PERMISSIONS', '42501'],
  ["SELECT * FROM READ_BLOB('/etc/hostname')", 'INSUFFICIENT_PERMISSIONS', '42501'],
  ["SELECT * FROM `read_text`('/etc/passwd')", 'INSUFFICIENT_PERMISSIONS', '42501'],
  ["SELECT * FROM read_files('/etc/passwd')", 'INSUFFICIENT_PERMISSIONS', '42501'],
  ["SELECT * FROM glob('/etc/*')", 'INSUFFICIENT_PERMISSIONS', '42501'],
  ["SELECT * FROM parquet_metadata('/etc/passwd')", 'INSUFFICIENT_PERMISSIONS', '42501'],
  ["SELECT * FROM sniff_csv('/etc/passwd')", 'INSUFFICIENT_PERMISSIONS', '42501'],
  [
    "SELECT count(*) FROM (SELECT * FROM read_text('/etc/passwd')) AS t",
    'INSUFFICIENT_PERMISSIONS',
    '42501',
  ],
  [
    "WITH f AS (SELECT * FROM read_csv_auto('/etc/passwd')) SELECT * FROM f",
    'INSUFFICIENT_PERMISSIONS',
    '42501',
  ],
  ["SELECT * FROM '/etc/passwd'", 'PARSE_SYNTAX_ERROR', '42601'],
  ['SELECT * FROM "/etc/passwd"', 'PARSE_SYNTAX_ERROR', '42601'],
  [`EXPORT DATABASE '${join(dir, 'export')}'`, 'INSUFFICIENT_PERMISSIONS', '42501'],
  [`IMPORT DATABASE '${join(dir, 'export')}'`, 'INSUFFICIENT_PERMISSIONS', '42501'],
  ["LOAD DATA INPATH '/etc/passwd' INTO TABLE people", 'INSUFFICIENT_PERMISSIONS', '42501'],
  ['INSTALL httpfs', 'PARSE_SYNTAX_ERROR', '42601'],
  ['FORCE INSTALL httpfs', 'PARSE_SYNTAX_ERROR', '42601'],
  ['LOAD httpfs', 'PARSE_SYNTAX_ERROR', '42601'],
  ['UPDATE EXTENSIONS', 'PARSE_SYNTAX_ERROR', '42601'],
  [`ATTACH '${join(dir, 'x.db')}'`, 'PARSE_SYNTAX_ERROR', '42601'],
  [`ATTACH '${join(dir, 'x.db')}' AS other (READ_ONLY)`, 'PARSE_SYNTAX_ERROR', '42601'],
  ['DETACH main', 'PARSE_SYNTAX_ERROR', '42601'],
  ['PRAGMA database_list', 'PARSE_SYNTAX_ERROR', '42601'],
  ['PRAGMA enable_profiling', 'PARSE_SYNTAX_ERROR', '42601'],
  ['CHECKPOINT', 'PARSE_SYNTAX_ERROR', '42601'],
  ["CREATE SECRET (TYPE s3, KEY_ID 'a', SECRET 'b')", 'PARSE_SYNTAX_ERROR', '42601'],
  ["CREATE PERSISTENT SECRET s (TYPE s3, KEY_ID 'a', SECRET 'b')", 'PARSE_SYNTAX_ERROR', '42601'],
  ['SET enable_external_access = true', 'CONFIG_NOT_AVAILABLE', '42K0I'],
  ['SET lock_configuration = false', 'CONFIG_NOT_AVAILABLE', '42K0I'],
  ['SET GLOBAL threads = 1', 'CONFIG_NOT_AVAILABLE', '42K0I'],
  [`SET allowed_directories = ['/']`, 'CONFIG_NOT_AVAILABLE', '42K0I'],
  ["CALL read_text('/etc/passwd')", 'UNRESOLVED_ROUTINE', '42883'],
  ['CALL pragma_version()', 'UNRESOLVED_ROUTINE', '42883'],
  ["SELECT * FROM query('SELECT 1')", 'UNRESOLVED_ROUTINE', '42883'],
  // Every statement of a request is checked, not only the first.
  [`SELECT 1; COPY (SELECT 2) TO '${join(dir, 'x.csv')}'`, 'INSUFFICIENT_PERMISSIONS', '42501'],
  ['SELECT 1; INSTALL httpfs', 'PARSE_SYNTAX_ERROR', '42601'],
  ["EXPLAIN SELECT * FROM read_text('/etc/passwd')", 'INSUFFICIENT_PERMISSIONS', '42501'],
  ["DESCRIBE QUERY SELECT * FROM read_text('/etc/passwd')", 'INSUFFICIENT_PERMISSIONS', '42501'],
];
