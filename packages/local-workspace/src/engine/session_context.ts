/**
 * What a statement or metadata handler needs of the session it runs in. The emulated statements
 * (`statements.ts` and the `*_statements.ts` beside it) and the metadata result sets
 * (`metadata.ts`) depend on this interface only; `DuckDbSession` implements it and calls them,
 * so the handlers never import the session (no import circle).
 */

import type { TranslateContext } from './dialect/translate_context.js';
import type { ErrorContext } from './errors.js';
import type { FunctionCatalog } from './functions/function_catalog.js';
import type { EngineResult, StatementParameters } from './sql_engine.js';

/** The engine's Unity Catalog catalogs and their internal DuckDB database names. */
export interface CatalogNames {
  /** Internal DuckDB name of a catalog, or undefined when no such catalog. */
  internalName(name: string): string | undefined;
  /** Unity Catalog name of an internal DuckDB database name (itself when not mapped). */
  externalName(internal: string): string;
  has(name: string): boolean;
  /** Catalog names, sorted. */
  list(): string[];
}

export interface SessionContext {
  /** Current catalog and schema (lower case). */
  readonly currentCatalog: string;
  readonly currentSchema: string;
  /** The engine's default namespace (where DROP CATALOG of the current catalog moves to). */
  readonly defaultCatalog: string;
  readonly defaultSchema: string;
  /** Session configuration (`SET key = value`); never reaches DuckDB. */
  readonly configuration: Record<string, string>;
  readonly catalogs: CatalogNames;
  readonly errorContext: ErrorContext;
  /** The engine's Unity Catalog functions. */
  readonly functions: FunctionCatalog;

  /** Run a small query on an idle connection of this session and return JS rows. */
  query(sql: string): Promise<unknown[][]>;
  /** Change the current namespace; NO_SUCH_CATALOG_EXCEPTION / SCHEMA_NOT_FOUND when missing. */
  use(catalog: string, schema: string): Promise<void>;
  /** Change the current namespace without validation (USE CATALOG of a catalog without `default`). */
  setNamespace(catalog: string, schema: string): void;
  /** Throws NO_SUCH_CATALOG_EXCEPTION / SCHEMA_NOT_FOUND; `schema` undefined checks the catalog only. */
  checkNamespace(catalog: string, schema?: string): Promise<void>;

  /** Create a catalog (an attached in-memory database with a `default` schema). */
  createCatalog(name: string, comment?: string): Promise<void>;
  dropCatalog(name: string): Promise<void>;
  /** Run catalog-level DDL (CREATE/DROP SCHEMA) written in DuckDB SQL, one at a time. */
  runCatalogDdl(sql: string): Promise<void>;

  /** The context in which this session translates a statement with these parameters. */
  translateContext(parameters?: StatementParameters): TranslateContext;
  /** Translate a statement to DuckDB SQL and run it (what non-emulated statements do). */
  executeTranslated(
    sql: string,
    parameters: StatementParameters,
    signal: AbortSignal,
  ): Promise<EngineResult>;
}
