/**
 * Unity Catalog functions in the dialect layer.
 *
 * Calls: `c.s.f(a, b)`, `s.f(a)`, `f(a)` (after the built-ins) and named arguments
 * (`f(x => 1)`) are matched to the function's parameters, omitted ones get their `DEFAULT`, and
 * each argument is cast to its parameter's type, as Databricks does. A SQL function becomes a
 * call of its DuckDB macro with every argument in order; a Python function becomes a parameter
 * marker whose value the session computes before the statement runs (see duckdb_session.ts).
 *
 * Bodies: while a SQL function's body is compiled into a macro, unqualified table names resolve
 * in the namespace the function was created in (DuckDB would resolve them at each call, in the
 * caller's), and parameter names become the macro's own parameter names.
 */
import type { FunctionDefinition } from '../functions/function_definition.js';
import { SqlError } from '../sql_error.js';
import { isSignificant, type Token } from './lexer.js';
import { duckDbType, type SparkType } from './spark_types.js';
import { identQuote } from './sql_quoting.js';

/** Resolves the names of calls to Unity Catalog functions. */
export interface RoutineResolver {
  /**
   * The function `parts` (1 to 3 name parts as written) names, from the session's namespace, or
   * undefined (a built-in or an unknown name: the call is left as written).
   */
  resolve(parts: string[], catalog: string, schema: string): FunctionDefinition | undefined;
}

/** What compiling a SQL function's body needs (TranslateContext.routineBody). */
export interface RoutineBody {
  /** Namespace unqualified table names resolve in. */
  catalog: string;
  schema: string;
  /** The function's name (a parameter may be written `function.parameter`). */
  functionName: string;
  /** Parameter name (lower case) → the macro parameter it becomes. */
  parameters: ReadonlyMap<string, string>;
  /** Parameters (lower case) of STRUCT type: `point.x` reads a field of one. */
  structParameters?: ReadonlySet<string>;
  /** Names of the body's common table expressions (never qualified). */
  commonTables: ReadonlySet<string>;
}

/** A Python function call, evaluated by the session before the statement runs. */
export interface PythonCall {
  /** Named parameter (without `$`) that receives the result as text. */
  marker: string;
  definition: FunctionDefinition;
  /** DuckDB SQL of each argument, cast to its parameter's type, in parameter order. */
  arguments: string[];
  /** The `?` markers the arguments use: [first, end) positional indexes. */
  positional: [number, number];
}

/** The macro of a SQL function, as DuckDB names it. */
export function macroName(definition: FunctionDefinition, internalCatalog: string): string {
  return `${identQuote(internalCatalog)}.${identQuote(definition.schema)}.${identQuote(definition.name)}`;
}

/** The macro parameter a function parameter becomes (never equal to a column name). */
export function macroParameter(name: string): string {
  return identQuote(`lc_p_${name.toLowerCase()}`);
}

/** SQL reading a text value (a Python function's result) as a value of `type`. */
export function textAs(marker: string, type: SparkType): string {
  if (type.kind !== 'primitive') return `CAST(CAST(${marker} AS JSON) AS ${duckDbType(type)})`;
  switch (type.name) {
    case 'BINARY':
      return `from_base64(${marker})`;
    case 'TIMESTAMP':
      return `CAST(CAST(${marker} AS TIMESTAMPTZ) AS TIMESTAMP)`;
    case 'VARIANT':
      return `CAST(${marker} AS JSON)`;
    default:
      return `CAST(${marker} AS ${duckDbType(type)})`;
  }
}

function routineError(errorClass: string, sqlState: string, message: string): SqlError {
  return new SqlError(errorClass, sqlState, message);
}

/** Argument expressions of a call, by position or name (`name => expr`). */
export interface CallArguments {
  positional: string[];
  named: Map<string, string>;
}

/**
 * Splits the argument ranges of a call into positional and named ones; `translate` turns a token
 * range into DuckDB SQL.
 */
export function callArguments(
  tokens: Token[],
  ranges: Array<[number, number]>,
  nextSignificant: (from: number, end: number) => number,
  translate: (from: number, to: number) => string,
  routine: string,
): CallArguments {
  const out: CallArguments = { positional: [], named: new Map() };
  for (const [from, to] of ranges) {
    const first = nextSignificant(from, to);
    const arrow = first >= 0 ? nextSignificant(first + 1, to) : -1;
    const firstToken = tokens[first];
    if (
      firstToken &&
      (firstToken.kind === 'ident' || firstToken.kind === 'qident') &&
      tokens[arrow]?.text === '=>'
    ) {
      const key = firstToken.value.toLowerCase();
      if (out.named.has(key))
        throw routineError(
          'DUPLICATE_ROUTINE_PARAMETER_ASSIGNMENT.DOUBLE_NAMED_ARGUMENT_REFERENCE',
          '4274K',
          `Call to routine \`${routine}\` is invalid because it includes multiple argument assignments to the same parameter name \`${firstToken.value}\`.`,
        );
      out.named.set(key, translate(arrow + 1, to).trim());
      continue;
    }
    if (out.named.size > 0)
      throw routineError(
        'UNEXPECTED_POSITIONAL_ARGUMENT',
        '4274K',
        `Cannot invoke routine \`${routine}\` because it contains positional argument(s) following the named argument assigned to \`${[...out.named.keys()].pop()}\`; please rearrange them so the positional arguments come first and then retry the query again.`,
      );
    const text = translate(from, to).trim();
    if (text === '' && ranges.length === 1) continue;
    out.positional.push(text);
  }
  return out;
}

/**
 * Each parameter's argument (given, or its default translated by `translateDefault`), cast to
 * the parameter's type, in parameter order; Databricks' errors for wrong calls.
 */
export function boundArguments(
  definition: FunctionDefinition,
  call: CallArguments,
  translateDefault: (sql: string) => string,
): string[] {
  const routine = definition.fullName;
  const parameters = definition.parameters;
  if (call.positional.length > parameters.length) {
    const required = parameters.filter((p) => p.defaultSql === undefined).length;
    throw routineError(
      'WRONG_NUM_ARGS.WITHOUT_SUGGESTION',
      '42605',
      `The \`${routine}\` requires ${required === parameters.length ? parameters.length : `[${required}, ${parameters.length}]`} parameters but the actual number is ${call.positional.length}.`,
    );
  }
  for (const key of call.named.keys()) {
    const index = parameters.findIndex((p) => p.name.toLowerCase() === key);
    if (index < 0)
      throw routineError(
        'UNRECOGNIZED_PARAMETER_NAME',
        '4274K',
        `Cannot invoke routine \`${routine}\` because the routine call included a named argument reference for the argument named \`${key}\`, but this routine does not include any signature containing an argument with this name. Did you mean one of the following? [${parameters.map((p) => `\`${p.name}\``).join(', ')}].`,
      );
    if (index < call.positional.length)
      throw routineError(
        'DUPLICATE_ROUTINE_PARAMETER_ASSIGNMENT.BOTH_POSITIONAL_AND_NAMED',
        '4274K',
        `Call to routine \`${routine}\` is invalid because it includes multiple argument assignments to the same parameter name \`${key}\`. A positional argument and named argument both referred to the same parameter.`,
      );
  }
  return parameters.map((parameter, index) => {
    let sql = index < call.positional.length ? call.positional[index] : undefined;
    sql ??= call.named.get(parameter.name.toLowerCase());
    if (sql === undefined) {
      if (parameter.defaultSql === undefined)
        throw routineError(
          'REQUIRED_PARAMETER_NOT_FOUND',
          '4274K',
          `Cannot invoke routine \`${routine}\` because the parameter named \`${parameter.name}\` is required, but the routine call did not supply a value. Please update the routine call to supply an argument value (either positionally at index ${index} or by name) and retry the query again.`,
        );
      sql = translateDefault(parameter.defaultSql);
    }
    return `CAST((${sql}) AS ${duckDbType(parameter.type)})`;
  });
}

const RELATION_CLAUSE_END = new Set([
  'SELECT',
  'WHERE',
  'GROUP',
  'HAVING',
  'ORDER',
  'LIMIT',
  'ON',
  'USING',
  'WINDOW',
  'QUALIFY',
  'UNION',
  'EXCEPT',
  'INTERSECT',
  'VALUES',
  'SET',
]);

const upper = (token: Token | undefined) =>
  token?.kind === 'ident' ? token.value.toUpperCase() : '';

/**
 * Whether the name starting at `index` is in a FROM list (`FROM t`, `JOIN t`, `FROM a, t`), so
 * that it names a table.
 */
export function isRelationPosition(tokens: Token[], index: number): boolean {
  let k = index - 1;
  while (k >= 0 && !isSignificant(tokens[k] as Token)) k--;
  const previous = tokens[k];
  if (!previous) return false;
  const word = upper(previous);
  if (word === 'FROM' || word === 'JOIN') return true;
  if (previous.text !== ',') return false;
  let depth = 0;
  for (k -= 1; k >= 0; k--) {
    const token = tokens[k] as Token;
    if (!isSignificant(token)) continue;
    if (token.text === ')') depth++;
    else if (token.text === '(') {
      if (depth === 0) return false;
      depth--;
    } else if (depth === 0) {
      const w = upper(token);
      if (w === 'FROM') return true;
      if (RELATION_CLAUSE_END.has(w)) return false;
    }
  }
  return false;
}

/** Names a body defines with `WITH name [(columns)] AS (...)`. */
export function commonTableNames(tokens: Token[]): Set<string> {
  const significant = tokens.filter(isSignificant);
  const names = new Set<string>();
  significant.forEach((token, index) => {
    if (token.kind !== 'ident' && token.kind !== 'qident') return;
    const before = significant[index - 1];
    if (!(upper(before) === 'WITH' || upper(before) === 'RECURSIVE' || before?.text === ','))
      return;
    let k = index + 1;
    if (significant[k]?.text === '(') {
      let depth = 0;
      for (; k < significant.length; k++) {
        if (significant[k]?.text === '(') depth++;
        else if (significant[k]?.text === ')' && --depth === 0) break;
      }
      k++;
    }
    if (upper(significant[k]) === 'AS' && significant[k + 1]?.text === '(')
      names.add(token.value.toLowerCase());
  });
  return names;
}
