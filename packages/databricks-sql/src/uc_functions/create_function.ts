/**
 * `createSqlFunction` and `createPythonFunction`: `CREATE [OR REPLACE] FUNCTION` statements built
 * from parts. Names are quoted as identifiers, comments and literal defaults as SQL strings, types
 * parsed and re-rendered (so a type cannot smuggle SQL in); the body is code by design: a SQL
 * expression or query after `RETURN`, or Python between `$$` delimiters.
 */
import { type DatabricksSqlDatabase, databaseInternals } from '../sql_database.js';
import { UCFunctionError } from './errors.js';
import { splitFullName } from './function_client.js';
import { parseTypeText, quoteIdentifier, quoteString, typeSql } from './uc_types.js';

/** One parameter of a function to create. */
export interface FunctionParameterSpec {
  name: string;
  /** SQL type: `STRING`, `DECIMAL(10,2)`, `ARRAY<STRUCT<id: BIGINT, tag: STRING>>`... */
  type: string;
  /** Shown to the model as the parameter's description. */
  comment?: string;
  /**
   * A default, which makes the parameter optional: a string, number, boolean or null literal, or
   * `{ sql: 'current_date()' }` for an expression.
   */
  default?: string | number | boolean | null | { sql: string };
}

/** A column of a table function's result. */
export interface FunctionColumnSpec {
  name: string;
  type: string;
  comment?: string;
}

interface FunctionSpecBase {
  /** `catalog.schema.function`. */
  name: string;
  parameters?: FunctionParameterSpec[];
  /** Shown to the model as the tool's description. */
  comment?: string;
  /** `CREATE OR REPLACE` (default true: re-running a setup script keeps working). */
  replace?: boolean;
  /** `DETERMINISTIC` / `NOT DETERMINISTIC`; left out when undefined. */
  deterministic?: boolean;
  signal?: AbortSignal;
}

export interface SqlFunctionSpec extends FunctionSpecBase {
  /** A SQL type for a scalar function, or the result's columns for a table function. */
  returns: string | { columns: FunctionColumnSpec[] };
  /** The SQL expression (scalar) or query (table) after `RETURN`; a leading `RETURN` is allowed. */
  body: string;
}

export interface PythonFunctionSpec extends FunctionSpecBase {
  /** The SQL type the Python function returns. */
  returns: string;
  /** The function's body: Python that `return`s the result; parameters are its variables. */
  body: string;
}

function invalid(spec: { name: string }, message: string): UCFunctionError {
  return new UCFunctionError(`Cannot create ${spec.name}: ${message}`, {
    reason: 'invalid',
    functionName: spec.name,
  });
}

function typeOf(spec: { name: string }, text: string, what: string): string {
  if (typeof text !== 'string' || text.trim() === '') throw invalid(spec, `${what} needs a type.`);
  try {
    return typeSql(parseTypeText(text), { comments: true });
  } catch (error) {
    throw invalid(spec, `${what}: ${(error as Error).message}`);
  }
}

function identifier(spec: { name: string }, name: unknown, what: string): string {
  if (typeof name !== 'string' || name.trim() === '') throw invalid(spec, `${what} needs a name.`);
  return quoteIdentifier(name);
}

function literal(spec: { name: string }, value: FunctionParameterSpec['default']): string {
  if (value === null) return 'NULL';
  switch (typeof value) {
    case 'string':
      return quoteString(value);
    case 'boolean':
      return value ? 'TRUE' : 'FALSE';
    case 'number':
      if (!Number.isFinite(value))
        throw invalid(spec, `the default ${value} is not a number SQL can write.`);
      return String(value);
    default:
      if (value && typeof value === 'object' && typeof value.sql === 'string' && value.sql.trim())
        return value.sql;
      throw invalid(spec, 'a default is a string, number, boolean, null or { sql: "expression" }.');
  }
}

function comment(text: string | undefined): string {
  return text === undefined ? '' : ` COMMENT ${quoteString(text)}`;
}

/** `CREATE ... FUNCTION c.s.f(params) RETURNS type` up to the language (shared by both kinds). */
function head(spec: FunctionSpecBase, returns: string): string {
  const [catalog, schema, name] = splitFullName(spec.name);
  const parameters = (spec.parameters ?? []).map((parameter, index) => {
    const what = `parameter ${index + 1}${typeof parameter?.name === 'string' ? ` (${parameter.name})` : ''}`;
    return `${identifier(spec, parameter?.name, what)} ${typeOf(spec, parameter.type, what)}${
      parameter.default !== undefined ? ` DEFAULT ${literal(spec, parameter.default)}` : ''
    }${comment(parameter.comment)}`;
  });
  const fullName = [catalog, schema, name].map(quoteIdentifier).join('.');
  return `CREATE ${spec.replace === false ? '' : 'OR REPLACE '}FUNCTION ${fullName}(${parameters.join(', ')}) RETURNS ${returns}`;
}

function characteristics(spec: FunctionSpecBase): string {
  const deterministic =
    spec.deterministic === undefined
      ? ''
      : spec.deterministic
        ? ' DETERMINISTIC'
        : ' NOT DETERMINISTIC';
  return `${deterministic}${comment(spec.comment)}`;
}

/** The `CREATE FUNCTION` statement of a SQL function (exported for tests and inspection). */
export function sqlFunctionStatement(spec: SqlFunctionSpec): string {
  let returns: string;
  if (typeof spec.returns === 'string') returns = typeOf(spec, spec.returns, 'the return type');
  else if (Array.isArray(spec.returns?.columns) && spec.returns.columns.length > 0)
    returns = `TABLE(${spec.returns.columns
      .map((column, index) => {
        const what = `column ${index + 1}${typeof column?.name === 'string' ? ` (${column.name})` : ''}`;
        return `${identifier(spec, column?.name, what)} ${typeOf(spec, column.type, what)}${comment(column.comment)}`;
      })
      .join(', ')})`;
  else throw invalid(spec, '`returns` is a SQL type, or { columns: [...] } for a table function.');
  if (typeof spec.body !== 'string' || spec.body.trim() === '')
    throw invalid(spec, 'the body is empty: give the SQL expression or query to RETURN.');
  const body = spec.body.trim().replace(/^RETURN\s+/i, '');
  return `${head(spec, returns)} LANGUAGE SQL${characteristics(spec)} RETURN ${body}`;
}

/** The `CREATE FUNCTION` statement of a Python function (exported for tests and inspection). */
export function pythonFunctionStatement(spec: PythonFunctionSpec): string {
  if (typeof spec.returns !== 'string')
    throw invalid(
      spec,
      '`returns` of a Python function is a SQL type (Python functions are scalar).',
    );
  const returns = typeOf(spec, spec.returns, 'the return type');
  if (typeof spec.body !== 'string' || spec.body.trim() === '')
    throw invalid(spec, 'the body is empty: give the Python code that returns the result.');
  if (spec.body.includes('$$'))
    throw invalid(
      spec,
      'the body contains `$$`, which would end the `AS $$ ... $$` block: write it differently (for example "$" + "$").',
    );
  return `${head(spec, returns)} LANGUAGE PYTHON${characteristics(spec)} AS $$\n${dedent(spec.body)}\n$$`;
}

/** Removes the indentation every line shares (bodies are often written inside a template). */
function dedent(code: string): string {
  const lines = code
    .replace(/^\s*\n/, '')
    .replace(/\s+$/, '')
    .split('\n');
  const indents = lines
    .filter((line) => line.trim() !== '')
    .map((line) => /^[ \t]*/.exec(line)![0].length);
  const common = indents.length ? Math.min(...indents) : 0;
  return lines.map((line) => line.slice(common)).join('\n');
}

/**
 * Creates (by default, creates or replaces) a SQL function in Unity Catalog and returns its full
 * name. The statement runs on the database's warehouse as written here, without the read-only
 * guard (it guards SQL a model writes; this is your code): the database's credentials need
 * CREATE FUNCTION on the schema.
 *
 * @example
 * ```ts
 * await createSqlFunction(db, {
 *   name: 'main.tools.add_tax',
 *   parameters: [{ name: 'amount', type: 'DECIMAL(10,2)' }, { name: 'rate', type: 'DOUBLE', default: 0.2 }],
 *   returns: 'DECIMAL(12,2)',
 *   body: 'amount * (1 + rate)',
 *   comment: 'The amount with tax',
 * });
 * ```
 */
export async function createSqlFunction(
  database: DatabricksSqlDatabase,
  spec: SqlFunctionSpec,
): Promise<string> {
  return run(database, spec, sqlFunctionStatement(spec));
}

/**
 * Creates (by default, creates or replaces) a `LANGUAGE PYTHON` function and returns its full
 * name; as `createSqlFunction`.
 */
export async function createPythonFunction(
  database: DatabricksSqlDatabase,
  spec: PythonFunctionSpec,
): Promise<string> {
  return run(database, spec, pythonFunctionStatement(spec));
}

async function run(
  database: DatabricksSqlDatabase,
  spec: FunctionSpecBase,
  statement: string,
): Promise<string> {
  const [catalog, schema, name] = splitFullName(spec.name);
  await databaseInternals(database).execute(statement, { signal: spec.signal, maxRows: 1 });
  return `${catalog}.${schema}.${name}`;
}
