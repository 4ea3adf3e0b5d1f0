/**
 * `DatabricksSqlDatabase`: a drop-in `SqlDatabase` (from `@langchain/classic/sql_db`) backed by
 * a Databricks SQL warehouse or cluster through the `@databricks/sql` driver, or (option
 * `transport: 'rest'`) through the SQL Statement Execution API. TypeORM is not
 * needed: the base class only reads `appDataSource.options`, and `SqlDatabaseChain` calls
 * `appDataSource.query(sql)`, so a small shim stands in for the TypeORM `DataSource` and routes
 * queries through the same guarded, capped path as `run()`.
 */
import {
  DatabricksConfigError,
  type DatabricksConfigOptions,
  redactForInspection,
} from '@lakechain/core';
import { SqlDatabase } from '@langchain/classic/sql_db';
import type { ExecuteOptions, QueryColumn, QueryParams, StatementResult } from './connection.js';
import { DatabricksSqlError } from './errors.js';
import type { FunctionsMode } from './function_policy.js';
import { assertReadOnly } from './guard.js';
import { type IntrospectionStrategy, loadTables, SchemaCache } from './introspection.js';
// Transports (issue 17): `node_runtime.ts` holds the Thrift driver and is swapped for
// `edge_runtime.ts` in the edge build (`@lakechain/databricks-sql/rest`).
import {
  createThriftConnection,
  DEFAULT_TRANSPORT,
  resolveWorkspaceConfig,
} from './node_runtime.js';
import {
  coreOptionsOf,
  type DatabricksSqlDatabaseOptions,
  httpPathFor,
  parseSqlOptions,
  type ResolvedSqlOptions,
} from './options.js';
import { DatabricksRowStream } from './row_stream.js';
import { pageSizeOf, type StatementConnection } from './statement_connection.js';
import { RestConnection } from './statement_execution/rest_connection.js';
import {
  buildSampleQuery,
  formatTableInfo,
  splitSampleRows,
  type TableInfo,
  type TableSample,
} from './table_info.js';
import { type JsonValue, toJsonRow } from './values.js';

/** Options of `DatabricksSqlDatabase.query()`. */
export interface DatabricksQueryOptions {
  /** Named (`:name`) parameters as an object, or positional (`?`) ones as an array. */
  params?: QueryParams;
  /** Rows to return at most (the fetch stops after one more). Default 10 000. */
  maxRows?: number;
  signal?: AbortSignal;
  /** Seconds; defaults to the database's `queryTimeout`. */
  queryTimeout?: number;
}

/** Options of `DatabricksSqlDatabase.stream()`. */
export interface DatabricksStreamOptions {
  /** Named (`:name`) parameters as an object, or positional (`?`) ones as an array (Thrift). */
  params?: QueryParams;
  /**
   * Rows per page, 1 to 100 000 (default 10 000): what memory holds at a time. On Thrift one
   * fetch per page; on REST the warehouse's chunks are cut into pages of this size.
   */
  batchRows?: number;
  /** Rows to read at most; the stream ends there and `truncated` says whether there were more. Default: all. */
  maxRows?: number;
  /** Aborting it cancels the statement on the warehouse; the loop then throws a `canceled` error. */
  signal?: AbortSignal;
  /**
   * Seconds the warehouse may take for the statement and for each page (your loop's own time does
   * not count); defaults to the database's `queryTimeout`.
   */
  queryTimeout?: number;
}

/** Result of `DatabricksSqlDatabase.query()`: driver values as-is (bigint, Date, Buffer...). */
export interface DatabricksQueryResult {
  columns: QueryColumn[];
  rows: Array<Record<string, unknown>>;
  truncated: boolean;
}

/** What `serialize()` returns: configuration only, never credentials. */
export interface SerializedDatabricksSqlDatabase {
  _type: 'databricks_sql_database';
  appDataSourceOptions: { type: 'databricks' };
  host?: string;
  httpPath?: string;
  catalog: string;
  schema: string;
  includesTables: string[];
  ignoreTables: string[];
  sampleRowsInTableInfo: number;
  customDescription?: Record<string, string>;
  maxStringLength: number;
  maxRows: number;
  queryTimeout?: number;
  readOnly: boolean;
  /** The guard's function mode (`'denylist'` or `'builtin-safe'`). */
  functions: FunctionsMode;
  allowFunctions: string[];
  transport: 'thrift' | 'rest';
}

const QUERY_DEFAULT_MAX_ROWS = 10_000;
const SAMPLE_FALLBACK_CONCURRENCY = 8;

/** The stand-in for TypeORM's `DataSource` that the base class and `SqlDatabaseChain` touch. */
interface DataSourceShim {
  options: { type: 'databricks' };
  isInitialized: true;
  initialize(): Promise<DataSourceShim>;
  query(sql: string): Promise<Array<Record<string, JsonValue>>>;
  destroy(): Promise<void>;
}

/**
 * Models often wrap SQL in a Markdown fence or repeat the `SQLQuery:` label of the prompt; strip
 * those (only at the very start and end) before the guard sees the text.
 */
export function cleanModelSql(text: string): string {
  let sql = text.trim();
  const fence = /^```[a-zA-Z]*[ \t]*\r?\n([\s\S]*?)\r?\n?```$/.exec(sql);
  if (fence) sql = fence[1]!.trim();
  sql = sql.replace(/^SQLQuery:\s*/i, '');
  return sql.trim();
}

/** Strips quotes and a `catalog.schema.` prefix from a table name the model or user wrote. */
function normaliseTableName(name: string): string {
  const parts = name
    .trim()
    .split('.')
    .map((p) => p.trim().replace(/^[`"[]|[`"\]]$/g, ''));
  return parts[parts.length - 1] ?? '';
}

/**
 * What the package's own helpers (the Unity Catalog function tools) use of a database; not part
 * of the public API.
 */
export interface DatabaseInternals {
  /**
   * Runs a statement the package wrote (a function call with named parameters, a CREATE
   * FUNCTION), not one the model wrote: the read-only guard is for model SQL and does not apply.
   * The statement's replay class is still judged by the connection (calls to user functions are
   * never replayed).
   */
  execute(statement: string, options?: ExecuteOptions): Promise<StatementResult>;
  /** The workspace and auth options the database was made with, for core's REST client. */
  workspaceOptions(): DatabricksConfigOptions;
}

let internalsOf: (db: DatabricksSqlDatabase) => DatabaseInternals;

/** The internals of `db` (see `DatabaseInternals`). */
export function databaseInternals(db: DatabricksSqlDatabase): DatabaseInternals {
  return internalsOf(db);
}

/**
 * A LangChain `SqlDatabase` for Databricks.
 *
 * @example
 * ```ts
 * import { DatabricksSqlDatabase, DATABRICKS_SQL_PROMPT } from '@lakechain/databricks-sql';
 * import { createSqlQueryChain } from '@langchain/classic/chains/sql_db';
 *
 * const db = await DatabricksSqlDatabase.fromDatabricks({
 *   host: 'https://adb-123.azuredatabricks.net', token: process.env.DATABRICKS_TOKEN,
 *   warehouseId: 'abc123', catalog: 'samples', schema: 'tpch',
 * });
 * const chain = await createSqlQueryChain({ llm, db, prompt: DATABRICKS_SQL_PROMPT });
 * const sql = await chain.invoke({ question: 'How many orders are there?' });
 * console.log(await db.run(sql));
 * await db.close();
 * ```
 */
export class DatabricksSqlDatabase extends SqlDatabase {
  /**
   * What `console.log` / `util.inspect` show: this object with credential-bearing fields masked
   * (LangChain keeps constructor arguments, tokens included, in plain fields).
   */
  [Symbol.for('nodejs.util.inspect.custom')](): unknown {
    return redactForInspection(this);
  }

  static override lc_name(): string {
    return 'DatabricksSqlDatabase';
  }

  static {
    // A static block may read private members: the package's helpers get them without a public
    // method on the class.
    internalsOf = (db) => ({
      execute: (statement, options = {}) =>
        db.connection.execute(statement, { queryTimeout: db.queryTimeout, ...options }),
      workspaceOptions: () => coreOptionsOf(db.settings.connection),
    });
  }

  readonly catalog: string;
  readonly schema: string;
  readonly maxStringLength: number;
  readonly maxRows: number;
  readonly queryTimeout?: number;
  readonly readOnly: boolean;

  private readonly settings: ResolvedSqlOptions;
  private readonly connection: StatementConnection;
  private readonly cache: SchemaCache;
  private strategy: IntrospectionStrategy = 'information_schema+keys';
  private samples = new Map<string, { sample: TableSample; at: number }>();
  private resolvedHost?: string;
  private resolvedPath?: string;
  private listsChecked = false;

  protected constructor(settings: ResolvedSqlOptions, connection?: StatementConnection) {
    const shim: DataSourceShim & { target?: DatabricksSqlDatabase } = {
      options: { type: 'databricks' },
      isInitialized: true,
      initialize: async () => shim,
      query: (sql: string) => shim.target!.queryForChain(sql),
      destroy: () => shim.target!.close(),
    };
    super({
      // biome-ignore lint/suspicious/noExplicitAny: TypeORM's DataSource type (optional peer)
      appDataSource: shim as any,
      includesTables: settings.includeTables.length ? settings.includeTables : undefined,
      ignoreTables: settings.ignoreTables.length ? settings.ignoreTables : undefined,
      sampleRowsInTableInfo: settings.sampleRowsInTableInfo,
      customDescription: settings.customDescription,
    });
    shim.target = this;
    this.settings = settings;
    this.customDescription = settings.customDescription;
    this.catalog = settings.catalog;
    this.schema = settings.schema;
    this.maxStringLength = settings.maxStringLength;
    this.maxRows = settings.maxRows;
    this.queryTimeout = settings.queryTimeout;
    this.readOnly = settings.readOnly;
    this.connection = connection ?? this.openConnection(settings);
    this.cache = new SchemaCache(() => this.introspect(), settings.cacheTtlMs);
  }

  /** How statements reach the warehouse (option `transport`). */
  get transport(): 'thrift' | 'rest' {
    return this.settings.connection.transport ?? DEFAULT_TRANSPORT;
  }

  /** The connection of the chosen transport, created lazily (nothing connects before use). */
  private openConnection(settings: ResolvedSqlOptions): StatementConnection {
    const options = settings.connection;
    const onResolved = (target: { host: string; httpPath?: string }) => {
      this.resolvedHost = target.host;
      this.resolvedPath = target.httpPath;
    };
    if ((options.transport ?? DEFAULT_TRANSPORT) !== 'rest')
      return createThriftConnection(settings, onResolved);
    return new RestConnection({
      config: () => resolveWorkspaceConfig(coreOptionsOf(options)),
      warehouseId: options.warehouseId,
      httpPath: httpPathFor(options),
      catalog: settings.catalog,
      schema: settings.schema,
      settings: options.statementExecution,
      statementRetries: options.statementRetries,
      onResolved,
    });
  }

  /**
   * Connects, loads the schema's table list (one metadata query) and checks `includeTables` /
   * `ignoreTables`. Sample rows are fetched later, when `getTableInfo()` first needs them.
   */
  static async fromDatabricks(
    options: DatabricksSqlDatabaseOptions = {},
  ): Promise<DatabricksSqlDatabase> {
    const settings = parseSqlOptions(options);
    const db = new DatabricksSqlDatabase(settings);
    try {
      await db.ensureLoaded();
    } catch (error) {
      await db.close().catch(() => {});
      throw error;
    }
    return db;
  }

  /** Always `'databricks'` (the Python integration's dialect name). */
  get dialect(): string {
    return 'databricks';
  }

  private async introspect(): Promise<TableInfo[]> {
    const { tables, strategy } = await loadTables(
      {
        query: async (sql) =>
          (await this.connection.execute(sql, { queryTimeout: this.queryTimeout })).rows,
        getColumns: (catalog, schema) => this.connection.getColumns(catalog, schema),
      },
      this.catalog,
      this.schema,
      this.strategy,
    );
    this.strategy = strategy;
    this.samples.clear();
    this.allTables = tables.map((t) => ({
      tableName: t.name,
      columns: t.columns.map((c) => ({
        columnName: c.name,
        dataType: c.type,
        isNullable: c.nullable,
      })),
    }));
    this.checkTableLists(tables);
    return tables;
  }

  /** Maps include/ignore names to real table names; unknown names are a configuration error. */
  private checkTableLists(tables: TableInfo[]): void {
    if (this.listsChecked) return;
    const byLower = new Map(tables.map((t) => [t.name.toLowerCase(), t.name]));
    const resolve = (names: string[], option: string): string[] => {
      const unknown: string[] = [];
      const out = names.map((n) => {
        const real = byLower.get(normaliseTableName(n).toLowerCase());
        if (!real) unknown.push(n);
        return real ?? n;
      });
      if (unknown.length) {
        const available = tables.map((t) => t.name).join(', ') || '(none)';
        throw new DatabricksConfigError(
          `Invalid option \`${option}\`: ${unknown.map((u) => `'${u}'`).join(', ')} not found in ${this.catalog}.${this.schema}. Available tables: ${available}.`,
          { option },
        );
      }
      return out;
    };
    this.includesTables = resolve(this.settings.includeTables, 'includeTables');
    this.ignoreTables = resolve(this.settings.ignoreTables, 'ignoreTables');
    if (this.customDescription) {
      this.customDescription = Object.fromEntries(
        Object.entries(this.customDescription).flatMap(([k, v]) => {
          const real = byLower.get(normaliseTableName(k).toLowerCase());
          return real ? [[real, v]] : [];
        }),
      );
    }
    this.listsChecked = true;
  }

  /** Loads table metadata if it is not cached (or the cache expired). */
  async ensureLoaded(): Promise<void> {
    await this.cache.get();
  }

  /** Reloads table metadata and forgets cached sample rows. */
  async refresh(): Promise<void> {
    this.samples.clear();
    await this.cache.refresh();
  }

  private usable(tables: TableInfo[]): TableInfo[] {
    const include = new Set(this.includesTables);
    const ignore = new Set(this.ignoreTables);
    return tables.filter((t) => (include.size === 0 || include.has(t.name)) && !ignore.has(t.name));
  }

  /** Names of the tables the model may use, sorted. */
  getUsableTableNames(): string[] {
    const include = new Set(this.includesTables);
    const ignore = new Set(this.ignoreTables);
    return this.allTables
      .map((t) => t.tableName)
      .filter((n) => (include.size === 0 || include.has(n)) && !ignore.has(n))
      .sort();
  }

  /**
   * DDL (with Databricks types and comments) and sample rows for the given tables, or for every
   * usable table. Names may be qualified or backticked; unknown (or ignored) tables throw.
   */
  override async getTableInfo(targetTables?: string[]): Promise<string> {
    const usable = this.usable(await this.cache.get());
    let selected = usable;
    const targets = (targetTables ?? []).map((t) => t.trim()).filter((t) => t.length > 0);
    if (targets.length > 0) {
      const byLower = new Map(usable.map((t) => [t.name.toLowerCase(), t]));
      const missing: string[] = [];
      const picked = new Map<string, TableInfo>();
      for (const target of targets) {
        const table = byLower.get(normaliseTableName(target).toLowerCase());
        if (table) picked.set(table.name, table);
        else missing.push(target);
      }
      if (missing.length > 0) {
        throw new DatabricksSqlError(
          `Wrong target table name: the table${missing.length > 1 ? 's' : ''} ${missing.join(', ')} ${missing.length > 1 ? 'were' : 'was'} not found in ${this.catalog}.${this.schema}. Available tables: ${usable.map((t) => t.name).join(', ') || '(none)'}.`,
          { kind: 'sql', errorClass: 'TABLE_OR_VIEW_NOT_FOUND' },
        );
      }
      selected = [...picked.values()];
    }
    const samples =
      this.sampleRowsInTableInfo > 0
        ? await this.samplesFor(selected)
        : new Map<string, TableSample>();
    return selected
      .map((table) =>
        formatTableInfo(table, {
          customDescription: this.customDescription?.[table.name],
          sample: samples.get(table.name),
        }),
      )
      .join('\n\n');
  }

  /** Sample rows for `tables`: cached ones reused, the rest in one batched statement. */
  private async samplesFor(tables: TableInfo[]): Promise<Map<string, TableSample>> {
    const now = Date.now();
    const ttl = this.settings.cacheTtlMs;
    const missing = tables.filter((t) => {
      const hit = this.samples.get(t.name);
      return !hit || now - hit.at >= ttl;
    });
    if (missing.length > 0) {
      const fetched = await this.fetchSamples(missing);
      for (const [name, sample] of fetched) this.samples.set(name, { sample, at: Date.now() });
    }
    const out = new Map<string, TableSample>();
    for (const t of tables) {
      const hit = this.samples.get(t.name);
      if (hit) out.set(t.name, hit.sample);
    }
    return out;
  }

  private async fetchSamples(tables: TableInfo[]): Promise<Map<string, TableSample>> {
    const n = this.sampleRowsInTableInfo;
    const sql = buildSampleQuery(tables, n, this.maxStringLength);
    if (!sql) return new Map();
    try {
      const result = await this.connection.execute(sql, { queryTimeout: this.queryTimeout });
      return splitSampleRows(tables, result.rows, this.maxStringLength);
    } catch (error) {
      if (DatabricksSqlError.isInstance(error) && error.kind !== 'sql') throw error;
      // One table failed (no permission, broken view...): fetch per table, a few at a time, and
      // leave the failing ones without sample rows.
      const out = new Map<string, TableSample>();
      let next = 0;
      const worker = async () => {
        while (next < tables.length) {
          const table = tables[next++]!;
          const one = buildSampleQuery([table], n, this.maxStringLength)!;
          try {
            const result = await this.connection.execute(one, { queryTimeout: this.queryTimeout });
            out.set(
              table.name,
              splitSampleRows([table], result.rows, this.maxStringLength).get(table.name)!,
            );
          } catch {
            out.set(table.name, { columns: table.columns.map((c) => c.name), rows: [] });
          }
        }
      };
      await Promise.all(
        Array.from({ length: Math.min(SAMPLE_FALLBACK_CONCURRENCY, tables.length) }, worker),
      );
      return out;
    }
  }

  /** Applies the read-only guard (when on); returns the statement to send. */
  private prepare(command: string): string {
    if (this.readOnly) return assertReadOnly(command, this.settings.guard);
    const trimmed = command.trim();
    if (!trimmed) throw new DatabricksSqlError('The statement is empty.');
    return trimmed;
  }

  private async execute(
    command: string,
    options: {
      maxRows?: number;
      params?: QueryParams;
      signal?: AbortSignal;
      queryTimeout?: number;
    },
  ): Promise<StatementResult> {
    const statement = this.prepare(command);
    return this.connection.execute(statement, {
      maxRows: options.maxRows,
      params: options.params,
      signal: options.signal,
      queryTimeout: options.queryTimeout ?? this.queryTimeout,
    });
  }

  private jsonRows(result: StatementResult): Array<Record<string, JsonValue>> {
    const types = Object.fromEntries(result.columns.map((c) => [c.name, c.type]));
    return result.rows.map((row) =>
      toJsonRow(row, { maxStringLength: this.maxStringLength, types }),
    );
  }

  /**
   * Runs a statement for the model (a surrounding Markdown code fence is ignored): a JSON array of rows (or the first row as JSON with
   * `fetch: 'one'`, or `""` when there are no rows). At most `maxRows` rows; when there were
   * more, a line after the JSON says so. Throws a real `Error` (`DatabricksSqlError` or
   * `SqlGuardError`) whose message carries the Databricks error class.
   */
  override async run(command: string, fetch: 'all' | 'one' = 'all'): Promise<string> {
    const result = await this.execute(cleanModelSql(command), {
      maxRows: fetch === 'one' ? 1 : this.maxRows,
    });
    const rows = this.jsonRows(result);
    if (rows.length === 0) return '';
    if (fetch === 'one') return JSON.stringify(rows[0]);
    let text = JSON.stringify(rows);
    if (result.truncated) {
      text += `\n(Showing the first ${rows.length} rows; the result has more. Add a LIMIT or aggregate.)`;
    }
    return text;
  }

  /** Like `run()`, but returns `"Error: <message>"` instead of throwing. */
  async runNoThrow(command: string, fetch: 'all' | 'one' = 'all'): Promise<string> {
    try {
      return await this.run(command, fetch);
    } catch (error) {
      return `Error: ${error instanceof Error ? error.message : String(error)}`;
    }
  }

  /** Typed query API for application code; rows keep the driver's JS values. */
  async query(sql: string, options: DatabricksQueryOptions = {}): Promise<DatabricksQueryResult> {
    const result = await this.execute(sql, {
      maxRows: options.maxRows ?? QUERY_DEFAULT_MAX_ROWS,
      params: options.params,
      signal: options.signal,
      queryTimeout: options.queryTimeout,
    });
    return { columns: result.columns, rows: result.rows, truncated: result.truncated };
  }

  /**
   * Streams the rows of a statement: `for await (const row of db.stream(sql)) { ... }`. Rows are
   * read from the warehouse a page (`batchRows`) at a time as the loop asks for them, so memory
   * holds one page whatever the result's size; rows keep the driver's JS values, as in `query()`.
   * The same guard as `query()` (read-only check and function policy, thrown here, before
   * anything runs); nothing is sent until the loop starts. Leaving the loop early (`break`,
   * `return`, a throw in its body) or calling `close()` closes the statement on the warehouse;
   * aborting `signal` cancels it. Without `maxRows` every row is read. `batches()` on the returned
   * stream gives whole pages instead of rows. A stream runs once.
   */
  stream(sql: string, options: DatabricksStreamOptions = {}): DatabricksRowStream {
    const statement = this.prepare(sql);
    const batchRows = pageSizeOf(options.batchRows);
    return new DatabricksRowStream(() =>
      this.connection.stream(statement, {
        batchRows,
        maxRows: options.maxRows,
        params: options.params,
        signal: options.signal,
        queryTimeout: options.queryTimeout ?? this.queryTimeout,
      }),
    );
  }

  /** `appDataSource.query()` for `SqlDatabaseChain`: guarded, capped, JSON-safe rows. */
  private async queryForChain(sql: string): Promise<Array<Record<string, JsonValue>>> {
    return this.jsonRows(await this.execute(cleanModelSql(sql), { maxRows: this.maxRows }));
  }

  /** `{ table_info, table_names }`, as Python's `SQLDatabase.get_context()`. */
  async getContext(): Promise<{ table_info: string; table_names: string }> {
    let tableInfo: string;
    try {
      tableInfo = await this.getTableInfo();
    } catch (error) {
      tableInfo = `Error: ${error instanceof Error ? error.message : String(error)}`;
    }
    return { table_info: tableInfo, table_names: this.getUsableTableNames().join(', ') };
  }

  /** Configuration without secrets. */
  override serialize(): SerializedDatabricksSqlDatabase {
    const options = this.settings.connection;
    const host = this.resolvedHost ?? options.host;
    return {
      _type: 'databricks_sql_database',
      appDataSourceOptions: { type: 'databricks' },
      host: host?.replace(/^https?:\/\//, '').replace(/\/.*$/, ''),
      httpPath: this.resolvedPath,
      catalog: this.catalog,
      schema: this.schema,
      includesTables: [...this.includesTables],
      ignoreTables: [...this.ignoreTables],
      sampleRowsInTableInfo: this.sampleRowsInTableInfo,
      customDescription: this.customDescription,
      maxStringLength: this.maxStringLength,
      maxRows: this.maxRows,
      queryTimeout: this.queryTimeout,
      readOnly: this.readOnly,
      functions: this.settings.guard.functions ?? 'denylist',
      allowFunctions: [...(this.settings.guard.allowFunctions ?? [])],
      transport: this.transport,
    };
  }

  /** Cancels running statements and closes the session (and the client this object created). */
  async close(): Promise<void> {
    await this.connection.close();
  }
}
