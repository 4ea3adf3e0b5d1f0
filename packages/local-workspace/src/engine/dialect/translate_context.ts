/** What the translation of one statement needs to know about the session that runs it. */
import type { RoutineBody, RoutineResolver } from './routine_calls.js';

export interface Catalogs {
  /** Internal DuckDB name of a Unity Catalog catalog, or undefined when no such catalog. */
  internalName(name: string): string | undefined;
}

export interface TranslateContext {
  catalogs: Catalogs;
  /** Current Unity Catalog catalog (external name). */
  currentCatalog: string;
  currentSchema: string;
  /** Parameter types, applied as casts. */
  namedTypes?: Record<string, string | undefined>;
  positionalTypes?: Array<string | undefined>;
  /** Schema holding the information_schema table macros. */
  infoSchemaPrefix?: string;
  /** Unity Catalog functions that calls may name (see routine_calls.ts). */
  functions?: RoutineResolver;
  /** Values of named parameters (a `from_json` schema may be a parameter). */
  namedValues?: Record<string, unknown>;
  /** Set while a SQL function's body is compiled into a macro (see routine_calls.ts). */
  routineBody?: RoutineBody;
}

/** Where the engine installs its macros (information_schema views, `lc_nonzero`). */
export const DEFAULT_MACRO_SCHEMA = 'memory.main';
