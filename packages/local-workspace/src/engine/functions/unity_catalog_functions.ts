/**
 * The function catalog as the rest of the workspace sees it (the seam's `SqlEngine.functions`):
 * a module of its own so that the seam can name it without importing the catalog's
 * implementation and, through it, the dialect layer.
 */
import type { FunctionDefinition, FunctionReturns, FunctionSpec } from './function_definition.js';

/** What the functions REST API and the statements need of the catalog. */
export interface UnityCatalogFunctions {
  /** The functions of a schema, sorted by name (`system.ai` holds the built-in ones). */
  list(catalog: string, schema: string): FunctionDefinition[];
  /** A function by `catalog.schema.name` (any case), or undefined. */
  get(fullName: string): FunctionDefinition | undefined;
  /** Throws NO_SUCH_CATALOG_EXCEPTION / SCHEMA_NOT_FOUND unless the schema exists. */
  checkNamespace(catalog: string, schema: string): Promise<void>;
  /**
   * Creates a function (`returns` may be left out for a SQL scalar function: it is inferred).
   * SQL bodies resolve unqualified names in `namespace` (default: the function's own schema).
   * Throws `SqlError`: ROUTINE_ALREADY_EXISTS, SCHEMA_NOT_FOUND, or what compiling the body says.
   */
  create(
    spec: Omit<FunctionSpec, 'returns'> & { returns?: FunctionReturns },
    options?: {
      replace?: boolean;
      ifNotExists?: boolean;
      namespace?: { catalog: string; schema: string };
    },
  ): Promise<FunctionDefinition>;
  /** Drops a function; ROUTINE_NOT_FOUND unless `ifExists`. */
  drop(fullName: string, options?: { ifExists?: boolean }): Promise<void>;
  /** Changes a function's owner (the only field the REST API's PATCH changes). */
  setOwner(fullName: string, owner: string): FunctionDefinition;
  /** Runs a Python function (or `system.ai.python_exec`) with arguments as JSON text. */
  runPython(
    definition: FunctionDefinition,
    argumentsJson: Array<string | null>,
    signal?: AbortSignal,
  ): Promise<string | null>;
}
