/**
 * Keeping SQL sessions away from the machine the engine runs on. Anyone holding the workspace's
 * token can send SQL; DuckDB, unlike a Databricks SQL warehouse, can read and write local files
 * (`COPY ... TO`, `read_text`, `read_csv`, `FROM 'path'`), install and load extensions, attach
 * other databases and change its own configuration. Two layers refuse all of that:
 *
 * 1. `lockHostAccess` sets DuckDB's own switches once the start-up data is loaded: no external
 *    access (files, network, extensions), no extension auto-install or auto-load, no community
 *    extensions, and a locked configuration so no session can switch any of it back.
 * 2. `refusedHostAccess` refuses the statements and functions that would try, before they reach
 *    DuckDB, with the error Databricks gives for the same request: a permission error for file
 *    access, a syntax error for DuckDB-only statements, CONFIG_NOT_AVAILABLE for DuckDB settings,
 *    UNRESOLVED_ROUTINE for routines Databricks does not have.
 *
 * `allowLocalFileAccess` (an engine option) keeps file reads and writes possible, for tests that
 * write fixtures with SQL; extensions, ATTACH, PRAGMA and settings stay refused.
 */
import type { DuckDBConnection } from '@duckdb/node-api';
import { configNotAvailable, fileAccessDenied, parseError, unresolvedRoutine } from '../errors.js';
import type { SqlError } from '../sql_engine.js';
import type { Token } from './lexer.js';

export interface HostAccessPolicy {
  /** Whether statements may read and write local files (COPY, read_csv, `FROM 'file'`, ...). */
  allowLocalFileAccess: boolean;
  /** DuckDB's configuration names (and aliases), lower case: `SET` refuses them. */
  duckDbSettings: ReadonlySet<string>;
}

/** The DuckDB configuration names and aliases, lower case. */
export async function duckDbSettingNames(connection: DuckDBConnection): Promise<Set<string>> {
  const reader = await connection.runAndReadAll('SELECT name, aliases FROM duckdb_settings()');
  const names = new Set<string>();
  for (const [name, aliases] of reader.getRows()) {
    names.add(String(name).toLowerCase());
    const items = (aliases as { items?: unknown[] } | null)?.items ?? [];
    for (const alias of items) names.add(String(alias).toLowerCase());
  }
  return names;
}

/**
 * Lock the engine: run once, on the boot connection, after the samples and user data are loaded
 * (loading reads files; nothing may afterwards). `lock_configuration` comes last: after it, no
 * connection can change any setting, these included.
 */
export async function lockHostAccess(
  connection: DuckDBConnection,
  options: { allowLocalFileAccess: boolean },
): Promise<void> {
  await connection.run('SET GLOBAL autoinstall_known_extensions = false');
  await connection.run('SET GLOBAL autoload_known_extensions = false');
  await connection.run('SET GLOBAL allow_community_extensions = false');
  if (!options.allowLocalFileAccess)
    await connection.run('SET GLOBAL enable_external_access = false');
  await connection.run('SET GLOBAL lock_configuration = true');
}

/**
 * Table functions that read or write files (DuckDB's `read_text`, `read_csv`, `read_parquet`,
 * `glob`, `sniff_csv`, `parquet_*`, `*_scan`, ...) and Databricks' external readers
 * (`read_files`, `read_kafka`, `read_kinesis`, ...), which a local workspace cannot serve.
 */
const FILE_FUNCTIONS = /^(?:read_\w+|\w+_scan|parquet_\w+|iceberg_\w+|glob|sniff_csv|st_read\w*)$/i;

/** DuckDB's `query('<sql>')` runs SQL text that would skip the dialect layer and these checks. */
const SQL_TEXT_FUNCTIONS = new Set(['query']);

/** Keywords after which a name followed by `(` is a table with a column list, not a call. */
const NOT_CALL_PREVIOUS = new Set(['TABLE', 'INTO', 'VIEW', 'EXISTS']);

/** Statements DuckDB has and Databricks SQL does not: Databricks rejects them when parsing. */
const DUCKDB_ONLY_STATEMENTS = new Set([
  'INSTALL',
  'FORCE',
  'ATTACH',
  'DETACH',
  'PRAGMA',
  'CHECKPOINT',
]);

/**
 * Databricks SQL's configuration parameters: settable (as session configuration) even where
 * DuckDB has a setting of the same name (`timezone`).
 */
const DATABRICKS_PARAMETERS = new Set([
  'ansi_mode',
  'enable_photon',
  'legacy_time_parser_policy',
  'max_file_partition_bytes',
  'read_only_external_metastore',
  'statement_timeout',
  'timezone',
  'use_cached_result',
]);

/** Words that may precede a statement's own keyword without changing what it does. */
const EXPLAIN_WORDS = new Set([
  'EXPLAIN',
  'ANALYZE',
  'EXTENDED',
  'FORMATTED',
  'CODEGEN',
  'COST',
  'LOGICAL',
]);

const upper = (token: Token | undefined): string =>
  token?.kind === 'ident' ? token.value.toUpperCase() : '';

/** Index of the first token of every statement (a request may hold several, `;`-separated). */
function statementStarts(tokens: Token[]): number[] {
  const starts = [0];
  let depth = 0;
  tokens.forEach((token, index) => {
    if (token.kind !== 'op') return;
    if (token.text === '(') depth++;
    else if (token.text === ')') depth--;
    else if (token.text === ';' && depth === 0 && index + 1 < tokens.length) starts.push(index + 1);
  });
  return starts;
}

/** Index of the `)` closing the `(` at `open`, or -1. */
function closingParen(tokens: Token[], open: number): number {
  let depth = 0;
  for (let i = open; i < tokens.length; i++) {
    const text = tokens[i]?.kind === 'op' ? tokens[i]?.text : '';
    if (text === '(') depth++;
    else if (text === ')' && --depth === 0) return i;
  }
  return -1;
}

/** The refusal of one statement's own keyword, if it is one that reaches the host. */
function refusedStatement(
  tokens: Token[],
  start: number,
  policy: HostAccessPolicy,
): SqlError | undefined {
  let k = start;
  while (EXPLAIN_WORDS.has(upper(tokens[k]))) k++;
  const first = tokens[k];
  const keyword = upper(first);
  const next = upper(tokens[k + 1]);
  if (!first || keyword === '') return undefined;
  if (DUCKDB_ONLY_STATEMENTS.has(keyword)) return parseError(first.text);
  if (keyword === 'LOAD') {
    // Hive's LOAD DATA [LOCAL] INPATH reads files; DuckDB's LOAD loads an extension.
    if (next !== 'DATA') return parseError(first.text);
    return policy.allowLocalFileAccess ? undefined : fileAccessDenied('SELECT');
  }
  if (keyword === 'UPDATE' && next === 'EXTENSIONS') {
    const after = tokens[k + 2];
    if (!after || after.text === ';' || after.text === '(')
      return parseError(tokens[k + 1]?.text ?? '');
  }
  if (keyword === 'CREATE' || keyword === 'DROP') {
    let j = k + 1;
    while (/^(OR|REPLACE|PERSISTENT|TEMPORARY|TEMP)$/.test(upper(tokens[j]))) j++;
    if (upper(tokens[j]) === 'SECRET') return parseError(tokens[j]?.text ?? '');
  }
  if (keyword === 'CALL') return unresolvedRoutine(tokens[k + 1]?.value ?? '');
  if (keyword === 'COPY' || keyword === 'EXPORT' || keyword === 'IMPORT') {
    if (policy.allowLocalFileAccess) return undefined;
    if (keyword === 'EXPORT') return fileAccessDenied('MODIFY');
    if (keyword === 'IMPORT') return fileAccessDenied('SELECT');
    // COPY ... TO '<file>' writes; COPY INTO t FROM '<files>' and COPY t FROM '<file>' read.
    let depth = 0;
    for (let j = k + 1; j < tokens.length && tokens[j]?.text !== ';'; j++) {
      const text = tokens[j]?.text;
      if (text === '(') depth++;
      else if (text === ')') depth--;
      else if (depth === 0 && upper(tokens[j]) === 'TO') return fileAccessDenied('MODIFY');
    }
    return fileAccessDenied('SELECT');
  }
  if (keyword === 'SET') {
    // SET [GLOBAL|SESSION|LOCAL] key = value: DuckDB's own settings are not Databricks parameters.
    let j = k + 1;
    while (/^(GLOBAL|SESSION|LOCAL)$/.test(upper(tokens[j]))) j++;
    const equals = tokens.findIndex((token, index) => index >= j && token.text === '=');
    if (equals < 0) return undefined;
    const key = tokens
      .slice(j, equals)
      .map((token) => token.value)
      .join('');
    const name = key.toLowerCase();
    if (policy.duckDbSettings.has(name) && !DATABRICKS_PARAMETERS.has(name))
      return configNotAvailable(key);
  }
  return undefined;
}

/** The refusal of a call or table reference anywhere in the statement, if one reaches the host. */
function refusedReference(
  tokens: Token[],
  index: number,
  policy: HostAccessPolicy,
): SqlError | undefined {
  const token = tokens[index] as Token;
  const previous = tokens[index - 1];
  // FROM 'file' / JOIN 'file' / SUMMARIZE 'file': DuckDB reads the file; Spark has no such syntax.
  if (token.kind === 'string' && /^(FROM|JOIN|SUMMARIZE)$/.test(upper(previous))) {
    return policy.allowLocalFileAccess ? undefined : parseError(token.text);
  }
  if (token.kind !== 'ident' && token.kind !== 'qident') return undefined;
  if (tokens[index + 1]?.text !== '(') return undefined;
  // The word before the (dotted) name: `INSERT INTO c.s.read_log (a, b)` names a table.
  let chainStart = index;
  while (tokens[chainStart - 1]?.text === '.' && tokens[chainStart - 2]) chainStart -= 2;
  const beforeName = tokens[chainStart - 1];
  if (NOT_CALL_PREVIOUS.has(upper(beforeName))) return undefined;
  // WITH name (columns) AS (...): a common table expression, not a call.
  const close = closingParen(tokens, index + 1);
  const startsCommonTable =
    /^(WITH|RECURSIVE)$/.test(upper(beforeName)) || beforeName?.text === ',';
  if (
    startsCommonTable &&
    close >= 0 &&
    upper(tokens[close + 1]) === 'AS' &&
    tokens[close + 2]?.text === '('
  )
    return undefined;
  const name = token.value.toLowerCase();
  if (SQL_TEXT_FUNCTIONS.has(name)) return unresolvedRoutine(token.value);
  if (FILE_FUNCTIONS.test(name) && !policy.allowLocalFileAccess) return fileAccessDenied('SELECT');
  return undefined;
}

/**
 * Why a statement (its significant tokens) may not run, as the SqlError to answer, or undefined
 * when it does not reach the host. Statement keywords are checked for every statement of the
 * request; calls and file references anywhere (subqueries, CTEs, lateral joins included).
 */
export function refusedHostAccess(tokens: Token[], policy: HostAccessPolicy): SqlError | undefined {
  for (const start of statementStarts(tokens)) {
    const refusal = refusedStatement(tokens, start, policy);
    if (refusal) return refusal;
  }
  for (let index = 0; index < tokens.length; index++) {
    const refusal = refusedReference(tokens, index, policy);
    if (refusal) return refusal;
  }
  return undefined;
}
