/**
 * DuckDB error → Databricks error class + SQLSTATE.
 *
 * Databricks renders errors as `[ERROR_CLASS] message SQLSTATE: xxxxx`; `SqlError` builds that
 * text. Internal DuckDB catalog names (e.g. `lc_main`) are mapped back to Unity Catalog names.
 */
import { SqlError } from './sql_error.js';

/** Databricks SQL's DIVIDE_BY_ZERO text (ANSI mode, the default on SQL warehouses). */
export const DIVIDE_BY_ZERO_MESSAGE =
  'Division by zero. Use `try_divide` to tolerate divisor being 0 and return NULL instead. If necessary set "ansi_mode" to "false" to bypass this error.';

export { SqlError };

/** Error class used when a statement is stopped by its AbortSignal (CancelOperation). */
export const CANCELED_ERROR_CLASS = 'OPERATION_CANCELED';

export function canceledError(): SqlError {
  return new SqlError(CANCELED_ERROR_CLASS, 'HY008', 'The operation was canceled.');
}

export function unboundParameterError(name: string): SqlError {
  return new SqlError(
    'UNBOUND_SQL_PARAMETER',
    '42P02',
    `Found the unbound parameter: ${name}. Please, fix \`args\` and provide a mapping of the parameter to either a SQL literal or collection constructor functions such as \`map()\`, \`array()\`, \`struct()\`.`,
  );
}

export function tableNotFound(name: string): SqlError {
  return new SqlError(
    'TABLE_OR_VIEW_NOT_FOUND',
    '42P01',
    `The table or view ${quoteName(name)} cannot be found. Verify the spelling and correctness of the schema and catalog.\nIf you did not qualify the name with a schema, verify the current_schema() output, or qualify the name with the correct schema and catalog.`,
  );
}

export function schemaNotFound(name: string): SqlError {
  return new SqlError(
    'SCHEMA_NOT_FOUND',
    '42704',
    `The schema ${quoteName(name)} cannot be found. Verify the spelling and correctness of the schema and catalog.`,
  );
}

export function catalogNotFound(name: string): SqlError {
  return new SqlError('NO_SUCH_CATALOG_EXCEPTION', '42704', `The catalog '${name}' was not found.`);
}

export function parseError(near: string, extra = ''): SqlError {
  return new SqlError(
    'PARSE_SYNTAX_ERROR',
    '42601',
    `Syntax error at or near '${near}'.${extra ? ` ${extra}` : ''}`,
  );
}

export function unresolvedRoutine(name: string): SqlError {
  return new SqlError(
    'UNRESOLVED_ROUTINE',
    '42883',
    `Cannot resolve routine \`${name}\` on search path [\`system\`.\`builtin\`, \`system\`.\`session\`].`,
  );
}

/** `SET key = value` of a parameter a Databricks SQL warehouse does not offer. */
export function configNotAvailable(key: string): SqlError {
  return new SqlError('CONFIG_NOT_AVAILABLE', '42K0I', `Configuration ${key} is not available.`);
}

/**
 * Databricks' answer to reading (SELECT) or writing (MODIFY) files without the privilege; the
 * local workspace never grants it to SQL (see host_access.ts).
 */
export function fileAccessDenied(privilege: 'SELECT' | 'MODIFY'): SqlError {
  return new SqlError(
    'INSUFFICIENT_PERMISSIONS',
    '42501',
    `Insufficient privileges: User does not have permission ${privilege} on any file. The local workspace does not let SQL read or write the files of its machine: load files as tables when it starts (the \`data\` and \`dataDir\` options).`,
  );
}

/** A Spark feature the local warehouse does not emulate. */
export function unsupportedFeature(what: string): SqlError {
  return new SqlError(
    'UNSUPPORTED_FEATURE',
    '0A000',
    `${what} is not supported by the local warehouse.`,
  );
}

/** `a.b.c` → `` `a`.`b`.`c` `` like Databricks. */
export function quoteName(name: string): string {
  return name
    .split('.')
    .map((p) => `\`${p.replace(/^"|"$/g, '').replace(/`/g, '``')}\``)
    .join('.');
}

export interface ErrorContext {
  /** Internal DuckDB catalog name → Unity Catalog name. */
  externalCatalog?: (internal: string) => string;
  /** The statement as the user wrote it (to report full table names). */
  sql?: string;
}

/** The dotted name in the user's SQL that ends with `last` (e.g. `a.b.t` for `t`), if any. */
function fullNameInSql(last: string, sql: string | undefined): string {
  const tail = last.split('.').pop() as string;
  if (!sql) return last;
  const part = '(?:`[^`]+`|"[^"]+"|[A-Za-z_][A-Za-z0-9_]*)';
  const esc = tail.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  const re = new RegExp(`((?:${part}\\s*\\.\\s*){0,2})(?:\`${esc}\`|"${esc}"|\\b${esc}\\b)`, 'i');
  const m = re.exec(sql);
  if (!m) return last;
  return m[0].replace(/\s+/g, '').replace(/[`"]/g, '');
}

function externalize(text: string, ctx: ErrorContext): string {
  if (!ctx.externalCatalog) return text;
  return text.replace(/\blc_([A-Za-z0-9_]+)\b/g, (m) => ctx.externalCatalog?.(m) ?? m);
}

type Rule = [RegExp, (m: RegExpExecArray, ctx: ErrorContext, msg: string) => SqlError];

const strip = (first: string) => first.replace(/^[A-Za-z ]+ Error: /, '');

/** Ordered rules: the first whose pattern matches the first line of the DuckDB message wins. */
const RULES: Rule[] = [
  [/INTERRUPT|interrupted/i, () => canceledError()],
  // The engine is locked (host_access.ts): DuckDB's own refusals, should a statement get past
  // the dialect layer's.
  [
    /^Permission Error: (.*)/,
    (m) => new SqlError('INSUFFICIENT_PERMISSIONS', '42501', `Insufficient privileges: ${m[1]}.`),
  ],
  [/Cannot change configuration option "([^"]+)"/, (m) => configNotAvailable(m[1] as string)],
  [
    /Table with name "?([^"\s!]+?)"? does not exist/,
    (m, ctx) => tableNotFound(fullNameInSql(m[1] as string, ctx.sql)),
  ],
  [
    /(?:Table|View)(?: with name)? "?([^"\s!]+?)"? does not exist/,
    (m, ctx) => tableNotFound(fullNameInSql(m[1] as string, ctx.sql)),
  ],
  [/Catalog "([^"]+)" does not exist/, (m) => catalogNotFound(m[1] as string)],
  [/Schema with name "?([^"\s!]+?)"? does not exist/, (m) => schemaNotFound(m[1] as string)],
  [/No catalog \+ schema named "([^"]+)" found/, (m) => schemaNotFound(m[1] as string)],
  [
    /Referenced column "([^"]+)" not found/,
    (m, _ctx, msg) => {
      const cand = /Candidate bindings: (.*)/.exec(msg);
      const suggestion = cand?.[1]
        ? `[${cand[1]
            .split(',')
            .map((s) => `\`${s.trim().replace(/^"|"$/g, '')}\``)
            .join(', ')}]`
        : '[]';
      return new SqlError(
        'UNRESOLVED_COLUMN.WITH_SUGGESTION',
        '42703',
        `A column, variable, or function parameter with name \`${m[1]}\` cannot be resolved. Did you mean one of the following? ${suggestion}.`,
      );
    },
  ],
  [
    /Referenced table "([^"]+)" not found/,
    (m) =>
      new SqlError(
        'UNRESOLVED_COLUMN.WITHOUT_SUGGESTION',
        '42703',
        `A column, variable, or function parameter with name \`${m[1]}\` cannot be resolved.`,
      ),
  ],
  [/Function with name "?([^"\s]+?)"? does not exist/i, (m) => unresolvedRoutine(m[1] as string)],
  [/Parser Error.*?(?:at or near "([^"]*)")?$/, (m) => parseError(m[1] ?? 'end of input')],
  [/division by zero/i, () => new SqlError('DIVIDE_BY_ZERO', '22012', DIVIDE_BY_ZERO_MESSAGE)],
  [
    /Could not convert string '([^']*)' to (\w+)/,
    (m) =>
      new SqlError(
        'CAST_INVALID_INPUT',
        '22018',
        `The value '${m[1]}' of the type "STRING" cannot be cast to "${sparkTypeName(m[2] as string)}" because it is malformed. Correct the value as per the syntax, or change its target type. Use \`try_cast\` to tolerate malformed input and return NULL instead.`,
      ),
  ],
  [/^Conversion Error: (.*)/, (m) => new SqlError('CAST_INVALID_INPUT', '22018', m[1] as string)],
  [
    /^Out of Range Error: .*overflow/i,
    (m) => new SqlError('ARITHMETIC_OVERFLOW', '22003', strip(m[0])),
  ],
  [
    /^Out of Range Error/,
    (m) => new SqlError('NUMERIC_VALUE_OUT_OF_RANGE', '22003', strip(m.input)),
  ],
  [
    /^Catalog Error: Schema with name "?([^"\s]+?)"? already exists/,
    (m) =>
      new SqlError(
        'SCHEMA_ALREADY_EXISTS',
        '42P06',
        `Cannot create schema ${quoteName(m[1] as string)} because it already exists.`,
      ),
  ],
  [
    /^Catalog Error: .*with name "?([^"\s]+?)"? already exists/,
    (m) =>
      new SqlError(
        'TABLE_OR_VIEW_ALREADY_EXISTS',
        '42P07',
        `Cannot create table or view ${quoteName(m[1] as string)} because it already exists.`,
      ),
  ],
  [/^Constraint Error/, (m) => new SqlError('CONSTRAINT_VIOLATION', '23000', strip(m.input))],
  [
    /^Binder Error: .*(No function matches|Cannot compare|Cannot mix|cannot be applied)/,
    (m) => new SqlError('DATATYPE_MISMATCH', '42K09', strip(m.input)),
  ],
  [/^Binder Error/, (m) => new SqlError('ANALYSIS_ERROR', '42000', strip(m.input))],
  [/^Not implemented Error/, (m) => new SqlError('UNSUPPORTED_FEATURE', '0A000', strip(m.input))],
  [/^Invalid Input Error/, (m) => new SqlError('INVALID_PARAMETER_VALUE', '22023', strip(m.input))],
  [/^Catalog Error/, (m) => new SqlError('ANALYSIS_ERROR', '42000', strip(m.input))],
];

/** Classify any error thrown by DuckDB (or pass through a SqlError). */
export function classifyError(err: unknown, ctx: ErrorContext = {}): SqlError {
  if (err instanceof SqlError) return err;
  const raw = err instanceof Error ? err.message : String(err);
  const msg = externalize(raw, ctx);
  const first = msg.split('\n')[0] ?? msg;
  for (const [re, make] of RULES) {
    const m = re.exec(first);
    if (m) return make(m, ctx, msg);
  }
  return new SqlError('INTERNAL_ERROR', 'XX000', first);
}

/** DuckDB internal physical type names in messages → Spark names. */
function sparkTypeName(t: string): string {
  const m: Record<string, string> = {
    INT8: 'TINYINT',
    INT16: 'SMALLINT',
    INT32: 'INT',
    INT64: 'BIGINT',
    INT128: 'BIGINT',
    INTEGER: 'INT',
    VARCHAR: 'STRING',
    BLOB: 'BINARY',
    FLOAT: 'FLOAT',
    DOUBLE: 'DOUBLE',
    BOOL: 'BOOLEAN',
    BOOLEAN: 'BOOLEAN',
  };
  return m[t.toUpperCase()] ?? t.toUpperCase();
}
