/**
 * The seam inside the SQL warehouse:
 *   protocol side (`services/warehouse/*.ts`): TCLIService RPCs, handles, operation states,
 *     paging, result encoding to TColumn / Arrow, Thrift status errors;
 *   engine side (`engine/*.ts`): DuckDB, Unity Catalog names, the Spark SQL dialect layer,
 *     information_schema / SHOW / DESCRIBE emulation, sample data, error classification.
 * The protocol side knows nothing of DuckDB; the engine side knows nothing of Thrift.
 */

export { SqlError } from './sql_error.js';

import type { UnityCatalogFunctions } from './functions/unity_catalog_functions.js';

/**
 * A Databricks SQL type as Databricks reports it: `BIGINT`, `DECIMAL(10,2)`, `DATE`, `TIMESTAMP`,
 * `STRING`, `BINARY`, `ARRAY<STRING>`, `MAP<STRING,INT>`, `STRUCT<a:INT,b:STRING>`, ...
 */
export type DatabricksTypeName = string;

export interface ColumnMetadata {
  name: string;
  /** Full Databricks type, e.g. `DECIMAL(12,2)` or `ARRAY<STRING>`. */
  type: DatabricksTypeName;
  /** Base type name without parameters: `DECIMAL`, `ARRAY`, `STRING`, ... */
  baseType: string;
  precision?: number;
  scale?: number;
  nullable: boolean;
  comment?: string;
}

/**
 * JavaScript values produced by the engine for each Databricks type (the protocol side encodes
 * them to the wire):
 * - BOOLEAN → boolean; TINYINT/SMALLINT/INT → number; BIGINT → bigint; FLOAT/DOUBLE → number
 * - DECIMAL → string in plain decimal notation with exactly `scale` fraction digits ("12.50")
 * - DATE → 'YYYY-MM-DD'; TIMESTAMP → 'YYYY-MM-DD HH:MM:SS[.ffffff]' (session time zone, UTC)
 * - STRING → string; BINARY → Uint8Array
 * - ARRAY / MAP / STRUCT → plain JS arrays / objects (MAP as object with string keys), whose
 *   leaves follow the same rules (bigint leaves allowed)
 * - INTERVAL → string; NULL → null
 */
export type EngineValue =
  | null
  | boolean
  | number
  | bigint
  | string
  | Uint8Array
  | EngineValue[]
  | { [key: string]: EngineValue };

export type ParameterValue = null | boolean | number | bigint | string;

export interface StatementParameters {
  /** `:name` markers. Values arrive already typed by the protocol side (see TSparkParameter). */
  named?: Record<string, { value: ParameterValue; type?: string }>;
  /** `?` markers, in order. */
  positional?: Array<{ value: ParameterValue; type?: string }>;
}

/** A statement's result, pulled page by page: never materialised whole. */
export interface EngineResult {
  readonly columns: ColumnMetadata[];
  /** Rows affected for DML, when known. */
  readonly affectedRows?: number;
  /**
   * Up to `maxRows` next rows (row-major, values in `columns` order). Returns an empty array when
   * the result is exhausted.
   */
  fetch(maxRows: number): Promise<EngineValue[][]>;
  /** Whether rows remain (may be true until a fetch returns fewer than asked). */
  hasMoreRows(): boolean;
  close(): Promise<void>;
}

export interface EngineSession {
  readonly currentCatalog: string;
  readonly currentSchema: string;
  /**
   * Run one Spark/Databricks SQL statement. Rejects with `SqlError` (Databricks error class and
   * SQLSTATE). `signal` aborts the running DuckDB query (CancelOperation).
   */
  execute(sql: string, parameters: StatementParameters, signal: AbortSignal): Promise<EngineResult>;
  /** Metadata RPC support; patterns are JDBC-style (`%`, `_`), undefined = any. */
  getCatalogs(): Promise<EngineResult>;
  getSchemas(filter: { catalogName?: string; schemaName?: string }): Promise<EngineResult>;
  getTables(filter: {
    catalogName?: string;
    schemaName?: string;
    tableName?: string;
    tableTypes?: string[];
  }): Promise<EngineResult>;
  getColumns(filter: {
    catalogName?: string;
    schemaName?: string;
    tableName?: string;
    columnName?: string;
  }): Promise<EngineResult>;
  getTableTypes(): Promise<EngineResult>;
  getTypeInfo(): Promise<EngineResult>;
  getFunctions(filter: {
    catalogName?: string;
    schemaName?: string;
    functionName: string;
  }): Promise<EngineResult>;
  getPrimaryKeys(filter: {
    catalogName?: string;
    schemaName: string;
    tableName: string;
  }): Promise<EngineResult>;
  close(): Promise<void>;
}

export interface DataSource {
  /** `catalog.schema.table` to create. */
  table: string;
  /** A CSV or Parquet file (by extension) to load. */
  path: string;
  comment?: string;
}

/** Python functions (`LANGUAGE PYTHON`, `system.ai.python_exec`); see functions/python_runner.ts. */
export interface PythonFunctionOptions {
  /** Allow creating and calling Python functions. Default true. */
  enabled?: boolean;
  /** The interpreter. Default `$LAKECHAIN_PYTHON`, else `python3`. */
  python?: string;
  /** Wall-clock limit of one call, in ms. Default 30 000. */
  timeoutMs?: number;
  /** Address-space limit of one call's process, in bytes (POSIX). Default 2 GiB. */
  memoryBytes?: number;
}

export interface SqlEngineOptions {
  /** Generate the `samples` catalog (nyctaxi, tpch). Default true. */
  samples?: boolean;
  /** Scale of generated samples: 1 = the default sizes (tens of thousands of trips). */
  sampleScale?: number;
  /** User data to load at start. */
  data?: DataSource[];
  /** A directory of files laid out as `<catalog>/<schema>/<table>.(csv|parquet)`. */
  dataDir?: string;
  /** Catalog and schema of a session that names none. Default `main.default`. */
  defaultCatalog?: string;
  defaultSchema?: string;
  /**
   * Let SQL read and write files of this machine (`COPY ... TO`, `read_csv`, `read_parquet`,
   * `FROM 'file'`). Default false: anyone with the workspace's token can send SQL, so the engine
   * is locked once `data` and `dataDir` are loaded (see host_access.ts). Meant for tests that
   * write fixture files with SQL; extensions, ATTACH, PRAGMA and DuckDB settings stay refused.
   */
  allowLocalFileAccess?: boolean;
  /**
   * How Python functions run: each call in a Python process of its own with a timeout, no
   * network and no file writes. A development stand-in for Databricks' sandbox, not a sandbox.
   */
  pythonFunctions?: PythonFunctionOptions;
}

export interface SqlEngine {
  /**
   * The Unity Catalog functions of the workspace (CREATE FUNCTION and the functions REST API
   * share them). Engines without functions (test doubles) leave it out.
   */
  readonly functions?: UnityCatalogFunctions;
  openSession(options: {
    catalog?: string;
    schema?: string;
    configuration?: Record<string, string>;
  }): Promise<EngineSession>;
  close(): Promise<void>;
}
