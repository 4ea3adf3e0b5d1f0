/**
 * `CREATE [OR REPLACE] [TEMPORARY] FUNCTION [IF NOT EXISTS] name (params) RETURNS ... RETURN ...`
 * and its `LANGUAGE PYTHON ... AS $$ ... $$` form, parsed into a `FunctionSpec`, as Databricks
 * documents the statement (sql-ref-syntax-ddl-create-sql-function):
 *
 *   function_parameter: name data_type [DEFAULT expression] [COMMENT 'text']
 *   returns:            RETURNS data_type | RETURNS TABLE [(column data_type [COMMENT 'text'], ...)]
 *   characteristics:    LANGUAGE SQL|PYTHON, [NOT] DETERMINISTIC, COMMENT 'text',
 *                       CONTAINS SQL | READS SQL DATA | NO SQL, SQL SECURITY DEFINER,
 *                       ENVIRONMENT (key = 'value', ...), DEFAULT COLLATION name
 *   body:               RETURN expression | RETURN query | AS $$ python $$
 */
import type { Token } from '../dialect/lexer.js';
import { readFields, readType, type SparkType, splitTypeMarkers } from '../dialect/spark_types.js';
import { parseError, SqlError, unsupportedFeature } from '../errors.js';
import type {
  DataAccess,
  FunctionParameter,
  FunctionReturns,
  FunctionSpec,
} from './function_definition.js';

export interface CreateFunctionStatement {
  /** The function; `returns` is undefined when a SQL scalar function leaves its type implicit. */
  spec: Omit<FunctionSpec, 'returns'> & { returns?: FunctionReturns };
  replace: boolean;
  ifNotExists: boolean;
}

/** Name parts as written → catalog, schema, name (lower case) against the session namespace. */
export function functionName(
  parts: string[],
  namespace: { catalog: string; schema: string },
): { catalog: string; schema: string; name: string } {
  const lower = parts.map((part) => part.toLowerCase());
  if (lower.length === 3) return { catalog: lower[0]!, schema: lower[1]!, name: lower[2]! };
  if (lower.length === 2) return { catalog: namespace.catalog, schema: lower[0]!, name: lower[1]! };
  if (lower.length === 1)
    return { catalog: namespace.catalog, schema: namespace.schema, name: lower[0]! };
  throw new SqlError(
    'INVALID_FUNCTION_NAME',
    '42601',
    `Function name ${parts.join('.')} has too many parts: use catalog.schema.function.`,
  );
}

class Cursor {
  i = 0;
  constructor(
    readonly tokens: Token[],
    readonly sql: string,
  ) {}
  peek(offset = 0): Token | undefined {
    return this.tokens[this.i + offset];
  }
  word(offset = 0): string {
    const token = this.peek(offset);
    return token?.kind === 'ident' ? token.value.toUpperCase() : '';
  }
  accept(...words: string[]): boolean {
    for (let k = 0; k < words.length; k++) if (this.word(k) !== words[k]) return false;
    this.i += words.length;
    return true;
  }
  expect(text: string): void {
    const token = this.peek();
    if (token?.text !== text && token?.value.toUpperCase() !== text)
      throw parseError(token?.text ?? 'end of input');
    this.i++;
  }
  string(): string {
    const token = this.peek();
    if (token?.kind !== 'string') throw parseError(token?.text ?? 'end of input');
    this.i++;
    return token.value;
  }
  name(): string[] {
    const parts: string[] = [];
    for (;;) {
      const token = this.peek();
      if (token?.kind !== 'ident' && token?.kind !== 'qident')
        throw parseError(token?.text ?? 'end of input');
      parts.push(token.value);
      this.i++;
      if (this.peek()?.text !== '.') return parts;
      this.i++;
    }
  }
  type(): SparkType {
    const { type, end } = readType(this.tokens, this.i);
    this.i = end;
    return type;
  }
  /** The source text of tokens [from, to). */
  text(from: number, to: number): string {
    const first = this.tokens[from];
    if (!first) return '';
    const last = this.tokens[to - 1] as Token;
    return this.sql.slice(first.pos, last.pos + last.text.length).trim();
  }
}

/** The parameters between `(` and `)`; the cursor is at `(`. */
function parameters(cursor: Cursor): FunctionParameter[] {
  cursor.expect('(');
  const out: FunctionParameter[] = [];
  while (cursor.peek() && cursor.peek()?.text !== ')') {
    const nameToken = cursor.peek() as Token;
    if (nameToken.kind !== 'ident' && nameToken.kind !== 'qident') throw parseError(nameToken.text);
    cursor.i++;
    const parameter: FunctionParameter = { name: nameToken.value, type: cursor.type() };
    for (;;) {
      if (cursor.accept('DEFAULT')) {
        const start = cursor.i;
        let depth = 0;
        while (cursor.peek()) {
          const token = cursor.peek() as Token;
          if (token.text === '(') depth++;
          else if (token.text === ')') {
            if (depth === 0) break;
            depth--;
          } else if (depth === 0 && (token.text === ',' || cursor.word() === 'COMMENT')) break;
          cursor.i++;
        }
        if (cursor.i === start) throw parseError(cursor.peek()?.text ?? 'end of input');
        parameter.defaultSql = cursor.text(start, cursor.i);
      } else if (cursor.accept('COMMENT')) parameter.comment = cursor.string();
      else if (cursor.accept('NOT', 'NULL')) {
        // accepted and ignored, as Databricks does for parameters
      } else break;
    }
    if (out.some((p) => p.name.toLowerCase() === parameter.name.toLowerCase()))
      throw new SqlError(
        'DUPLICATE_ROUTINE_PARAMETER_NAMES',
        '42734',
        `Found duplicate name(s) in the parameter list of the user-defined routine: \`${parameter.name}\`.`,
      );
    out.push(parameter);
    if (cursor.peek()?.text === ',') cursor.i++;
    else break;
  }
  cursor.expect(')');
  return out;
}

/**
 * Parses a CREATE FUNCTION statement (`tokens`: its significant tokens, `sql` its text), or
 * returns undefined when the statement creates something else.
 */
export function parseCreateFunction(
  tokens: Token[],
  sql: string,
  namespace: { catalog: string; schema: string },
): CreateFunctionStatement | undefined {
  const cursor = new Cursor(splitTypeMarkers(tokens), sql);
  if (!cursor.accept('CREATE')) return undefined;
  const replace = cursor.accept('OR', 'REPLACE');
  const temporary = cursor.accept('TEMPORARY') || cursor.accept('TEMP');
  if (!cursor.accept('FUNCTION')) return undefined;
  if (temporary)
    throw unsupportedFeature(
      'CREATE TEMPORARY FUNCTION (session functions; create a Unity Catalog function instead)',
    );
  const ifNotExists = cursor.accept('IF', 'NOT', 'EXISTS');
  if (replace && ifNotExists)
    throw new SqlError(
      'INVALID_SQL_SYNTAX.CREATE_ROUTINE_WITH_IF_NOT_EXISTS_AND_REPLACE',
      '42000',
      'Invalid SQL syntax: Cannot create a routine with both IF NOT EXISTS and REPLACE specified.',
    );
  const { catalog, schema, name } = functionName(cursor.name(), namespace);
  const params = parameters(cursor);
  let returns: FunctionReturns | undefined;
  if (cursor.accept('RETURNS')) {
    if (cursor.accept('TABLE')) {
      let columns: FunctionReturns & { kind: 'table' } = { kind: 'table', columns: [] };
      if (cursor.peek()?.text === '(') {
        cursor.i++;
        const read = readFields(cursor.tokens, cursor.i, ')');
        cursor.i = read.end;
        cursor.expect(')');
        columns = { kind: 'table', columns: read.fields };
      }
      if (columns.columns.length === 0)
        throw unsupportedFeature('RETURNS TABLE without a column list');
      returns = columns;
    } else returns = { kind: 'scalar', type: cursor.type() };
  }
  let language: 'SQL' | 'PYTHON' = 'SQL';
  let deterministic = true;
  let comment: string | undefined;
  let dataAccess: DataAccess | undefined;
  const environment: Record<string, string> = {};
  for (;;) {
    if (cursor.accept('LANGUAGE')) {
      const word = cursor.word();
      if (word !== 'SQL' && word !== 'PYTHON')
        throw unsupportedFeature(`LANGUAGE ${cursor.peek()?.text ?? ''}`);
      language = word;
      cursor.i++;
    } else if (cursor.accept('NOT', 'DETERMINISTIC')) deterministic = false;
    else if (cursor.accept('DETERMINISTIC')) deterministic = true;
    else if (cursor.accept('COMMENT')) comment = cursor.string();
    else if (cursor.accept('CONTAINS', 'SQL')) dataAccess = 'CONTAINS_SQL';
    else if (cursor.accept('READS', 'SQL', 'DATA')) dataAccess = 'READS_SQL_DATA';
    else if (cursor.accept('NO', 'SQL')) dataAccess = 'NO_SQL';
    else if (cursor.accept('SQL', 'SECURITY')) cursor.expect('DEFINER');
    else if (cursor.accept('DEFAULT', 'COLLATION')) cursor.i++;
    else if (cursor.accept('ENVIRONMENT')) {
      cursor.expect('(');
      while (cursor.peek() && cursor.peek()?.text !== ')') {
        const key = cursor.peek() as Token;
        cursor.i++;
        cursor.expect('=');
        environment[key.value.toLowerCase()] = cursor.string();
        if (cursor.peek()?.text === ',') cursor.i++;
      }
      cursor.expect(')');
    } else break;
  }
  let body: string;
  if (cursor.accept('AS')) {
    body = cursor.string();
    if (language !== 'PYTHON')
      throw new SqlError(
        'INVALID_SQL_SYNTAX',
        '42000',
        'Invalid SQL syntax: a function body given with AS $$ ... $$ needs LANGUAGE PYTHON (SQL functions use RETURN).',
      );
  } else if (cursor.accept('RETURN')) {
    if (language === 'PYTHON')
      throw new SqlError(
        'INVALID_SQL_SYNTAX',
        '42000',
        'Invalid SQL syntax: a LANGUAGE PYTHON function has its body in AS $$ ... $$, not RETURN.',
      );
    const start = cursor.i;
    let end = cursor.tokens.length;
    while (end > start && cursor.tokens[end - 1]?.text === ';') end--;
    body = cursor.text(start, end);
    cursor.i = cursor.tokens.length;
    if (!body) throw parseError('end of input');
  } else throw parseError(cursor.peek()?.text ?? 'end of input');
  if (cursor.peek()?.text === ';') cursor.i++;
  if (cursor.peek()) throw parseError(cursor.peek()?.text ?? '');
  if (language === 'PYTHON') {
    if (!returns)
      throw new SqlError(
        'INVALID_SQL_SYNTAX',
        '42000',
        'Invalid SQL syntax: a LANGUAGE PYTHON function needs RETURNS <type>.',
      );
    if (returns.kind === 'table')
      throw unsupportedFeature('A LANGUAGE PYTHON table function (Python UDTF)');
    const withDefault = params.find((p) => p.defaultSql !== undefined);
    if (withDefault)
      throw new SqlError(
        'NOT_SUPPORTED_WITH_PYTHON_UDF',
        '0A000',
        `Parameter default value is not supported for external user-defined functions (parameter \`${withDefault.name}\`).`,
      );
  }
  return {
    replace,
    ifNotExists,
    spec: {
      catalog,
      schema,
      name,
      parameters: params,
      ...(returns ? { returns } : {}),
      language,
      body,
      deterministic,
      dataAccess:
        dataAccess ??
        (language === 'PYTHON'
          ? 'NO_SQL'
          : returns?.kind === 'table'
            ? 'READS_SQL_DATA'
            : 'CONTAINS_SQL'),
      ...(comment !== undefined ? { comment } : {}),
      ...(Object.keys(environment).length > 0 ? { environment } : {}),
    },
  };
}
