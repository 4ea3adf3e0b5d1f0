/**
 * A SQL function → its DuckDB macro, through the dialect layer: the body is translated like any
 * statement, with unqualified table names resolved in the function's namespace and parameters
 * renamed to the macro's parameters (see dialect/routine_calls.ts). Callers pass every argument,
 * already cast to its parameter's type, so the macro itself has no defaults and no types:
 *
 *   scalar  CREATE OR REPLACE MACRO "cat"."sch"."f"("lc_p_x") AS (CAST((<expression>) AS <type>))
 *   table   CREATE OR REPLACE MACRO "cat"."sch"."f"("lc_p_x") AS TABLE
 *             SELECT CAST("lc_q"."a" AS <type>) AS "a", ... FROM (<query>) AS "lc_q"("a", ...)
 */
import { isSignificant, tokenize } from '../dialect/lexer.js';
import {
  commonTableNames,
  macroName,
  macroParameter,
  type RoutineResolver,
} from '../dialect/routine_calls.js';
import { duckDbType, parseTypeText } from '../dialect/spark_types.js';
import { identQuote } from '../dialect/sql_quoting.js';
import { translate } from '../dialect/translate.js';
import type { Catalogs } from '../dialect/translate_context.js';
import { databricksTypeFromString } from '../duckdb/duckdb_type_strings.js';
import { SqlError } from '../sql_error.js';
import type { FunctionDefinition, FunctionReturns, FunctionSpec } from './function_definition.js';

export interface CompileTarget {
  catalogs: Catalogs;
  functions: RoutineResolver;
  /** Runs DuckDB SQL (one statement) and returns its rows. */
  run(sql: string): Promise<unknown[][]>;
}

const QUERY_WORDS = new Set(['SELECT', 'WITH', 'VALUES', 'FROM', 'TABLE']);

function bodyIsQuery(body: string): boolean {
  const first = tokenize(body).find(isSignificant);
  return first?.kind === 'ident' && QUERY_WORDS.has(first.value.toUpperCase());
}

/** The body translated to DuckDB SQL, each parameter read as `parameter(name)`. */
function translateBody(
  spec: Omit<FunctionSpec, 'returns'>,
  namespace: { catalog: string; schema: string },
  target: CompileTarget,
  parameter: (name: string) => string,
): string {
  const translation = translate(spec.body, {
    catalogs: target.catalogs,
    currentCatalog: namespace.catalog,
    currentSchema: namespace.schema,
    functions: target.functions,
    routineBody: {
      catalog: namespace.catalog,
      schema: namespace.schema,
      functionName: spec.name,
      parameters: new Map(spec.parameters.map((p) => [p.name.toLowerCase(), parameter(p.name)])),
      structParameters: new Set(
        spec.parameters.filter((p) => p.type.kind === 'struct').map((p) => p.name.toLowerCase()),
      ),
      commonTables: commonTableNames(tokenize(spec.body)),
    },
  });
  if (translation.namedParams.length > 0 || translation.positionalCount > 0)
    throw new SqlError(
      'INVALID_SQL_SYNTAX',
      '42000',
      `Invalid SQL syntax: the body of function ${spec.name} has parameter markers (:name or ?); refer to the function's parameters by name.`,
    );
  return translation.sql.trim();
}

/** The type of a scalar body that declares none (`RETURNS` left out), as DuckDB infers it. */
async function inferReturnType(
  spec: Omit<FunctionSpec, 'returns'>,
  namespace: { catalog: string; schema: string },
  target: CompileTarget,
): Promise<FunctionReturns> {
  const types = new Map(spec.parameters.map((p) => [p.name.toLowerCase(), p.type]));
  const expression = translateBody(
    spec,
    namespace,
    target,
    (name) => `CAST(NULL AS ${duckDbType(types.get(name.toLowerCase())!)})`,
  );
  const rows = await target.run(`DESCRIBE SELECT (${expression}) AS v`);
  const duckType = String(rows[0]?.[1] ?? 'VARCHAR');
  return { kind: 'scalar', type: parseTypeText(databricksTypeFromString(duckType).name) };
}

/**
 * Creates (or replaces) the macro of a SQL function; returns its return type (inferred when the
 * statement gave none). DuckDB checks the body here, so errors surface at CREATE, as on Databricks.
 */
export async function compileSqlFunction(
  spec: Omit<FunctionSpec, 'returns'> & { returns?: FunctionReturns },
  namespace: { catalog: string; schema: string },
  target: CompileTarget,
): Promise<FunctionReturns> {
  const returns = spec.returns ?? (await inferReturnType(spec, namespace, target));
  const isQuery = bodyIsQuery(spec.body);
  const body = translateBody(spec, namespace, target, macroParameter);
  const internal = target.catalogs.internalName(spec.catalog) ?? spec.catalog;
  const name = macroName(spec as FunctionDefinition, internal);
  const parameters = spec.parameters.map((p) => macroParameter(p.name)).join(', ');
  let macro: string;
  if (returns.kind === 'scalar') {
    macro = `CREATE OR REPLACE MACRO ${name}(${parameters}) AS (CAST((${body}) AS ${duckDbType(returns.type)}))`;
  } else {
    if (!isQuery)
      throw new SqlError(
        'INVALID_SQL_SYNTAX',
        '42000',
        `Invalid SQL syntax: the body of table function ${spec.name} must be a query (RETURN SELECT ...).`,
      );
    const columns = returns.columns.map((column) => identQuote(column.name));
    const projection = returns.columns
      .map(
        (column, index) =>
          `CAST("lc_q".${columns[index]} AS ${duckDbType(column.type)}) AS ${columns[index]}`,
      )
      .join(', ');
    macro = `CREATE OR REPLACE MACRO ${name}(${parameters}) AS TABLE SELECT ${projection} FROM (${body}) AS "lc_q"(${columns.join(', ')})`;
  }
  await target.run(macro);
  return returns;
}

/** DuckDB SQL that drops a SQL function's macro (nothing for Python functions). */
export function dropMacroSql(definition: FunctionDefinition, internalCatalog: string): string {
  const kind = definition.returns.kind === 'table' ? 'MACRO TABLE' : 'MACRO';
  return `DROP ${kind} IF EXISTS ${macroName(definition, internalCatalog)}`;
}
