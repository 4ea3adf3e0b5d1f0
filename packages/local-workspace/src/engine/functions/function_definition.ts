/**
 * A Unity Catalog function as the engine keeps it: what `CREATE FUNCTION` says and what the
 * functions REST API's `FunctionInfo` reports, in one record. SQL functions are also DuckDB macros
 * (compile_function.ts); Python functions run in a Python process (python_runner.ts).
 */
import type { SparkStructField, SparkType } from '../dialect/spark_types.js';

export interface FunctionParameter {
  name: string;
  type: SparkType;
  /** The `DEFAULT` expression as written (Spark SQL), for SQL functions. */
  defaultSql?: string;
  comment?: string;
}

export type FunctionReturns =
  | { kind: 'scalar'; type: SparkType }
  | { kind: 'table'; columns: SparkStructField[] };

export type DataAccess = 'CONTAINS_SQL' | 'READS_SQL_DATA' | 'NO_SQL';

/** What creating a function needs (from CREATE FUNCTION or the REST API). */
export interface FunctionSpec {
  /** Unity Catalog names, lower case. */
  catalog: string;
  schema: string;
  name: string;
  parameters: FunctionParameter[];
  returns: FunctionReturns;
  language: 'SQL' | 'PYTHON';
  /** SQL: the expression or query after `RETURN`. Python: the body between `$$`. */
  body: string;
  deterministic: boolean;
  dataAccess: DataAccess;
  comment?: string;
  /** `ENVIRONMENT (dependencies = '...', environment_version = '...')` of a Python function. */
  environment?: Record<string, string>;
  /** `properties` of the REST API's FunctionInfo. */
  properties?: Record<string, string>;
  /** Owner to record; default the workspace user. */
  owner?: string;
}

/** A function in the catalog. */
export interface FunctionDefinition extends FunctionSpec {
  /** `catalog.schema.name`. */
  fullName: string;
  functionId: string;
  owner: string;
  createdAt: number;
  createdBy: string;
  updatedAt: number;
  updatedBy: string;
  /** The namespace unqualified names of a SQL body resolved in, as `` `catalog`.`schema` ``. */
  sqlPath: string;
  /** Built-in functions of the `system` catalog (`system.ai.python_exec`), run by the engine. */
  builtin?: 'python_exec';
}

/** The user every object of the local workspace belongs to. */
export const LOCAL_USER = 'local-user@localhost';

export function fullNameOf(catalog: string, schema: string, name: string): string {
  return `${catalog}.${schema}.${name}`;
}
