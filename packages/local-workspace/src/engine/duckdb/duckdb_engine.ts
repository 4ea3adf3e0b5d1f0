/**
 * The DuckDB-backed `SqlEngine`: one in-process DuckDB instance, one attached in-memory database
 * per Unity Catalog catalog, and per session its own connections (so `USE` and interrupt are per
 * session; see duckdb_session.ts).
 */
import { type DuckDBConnection, DuckDBInstance } from '@duckdb/node-api';
import {
  duckDbSettingNames,
  type HostAccessPolicy,
  lockHostAccess,
} from '../dialect/host_access.js';
import { identQuote, sqlQuote } from '../dialect/sql_quoting.js';
import {
  catalogNotFound,
  classifyError,
  type ErrorContext,
  SqlError,
  schemaNotFound,
} from '../errors.js';
import { FunctionCatalog } from '../functions/function_catalog.js';
import { PythonRunner } from '../functions/python_runner.js';
import { loadSamples } from '../samples/index.js';
import type { EngineSession, SqlEngine, SqlEngineOptions } from '../sql_engine.js';
import { CatalogRegistry } from '../statements/catalogs.js';
import { ColumnCommentCache } from '../statements/column_comments.js';
import { installInformationSchema, refreshTypeNames } from '../statements/information_schema.js';
import { type DataLoadTarget, loadDataDirectory, loadDataFile } from './data_loading.js';
import { DuckDbSession, type SessionHost } from './duckdb_session.js';

export class DuckDbEngine implements SqlEngine, SessionHost {
  readonly registry = new CatalogRegistry();
  readonly errorContext: ErrorContext;
  /** The Unity Catalog functions (shared by every session and the functions REST API). */
  readonly functions: FunctionCatalog;
  /** Table column comments of query results, for every session of this engine (not shared). */
  readonly columnComments = new ColumnCommentCache();
  /** DuckDB's built-in function names (set by `init`). */
  private readonly builtinNames = new Set<string>();
  private readonly sessions = new Set<DuckDbSession>();
  /** The boot connection runs one statement at a time: a promise chain serialises its users. */
  private bootQueue: Promise<unknown> = Promise.resolve();
  private closed = false;
  /** Set by `init` (DuckDB's setting names are read from the instance). */
  private hostAccessPolicy: HostAccessPolicy = {
    allowLocalFileAccess: false,
    duckDbSettings: new Set(),
  };

  private constructor(
    readonly instance: DuckDBInstance,
    /** Connection used for start-up and catalog DDL. */
    readonly boot: DuckDBConnection,
    readonly options: SqlEngineOptions,
  ) {
    this.errorContext = { externalCatalog: (internal) => this.registry.externalName(internal) };
    const python = options.pythonFunctions ?? {};
    this.functions = new FunctionCatalog({
      catalogs: this.registry,
      checkNamespace: (catalog, schema) => this.checkNamespace(catalog, schema),
      runDdl: (sql) =>
        this.columnComments.whileChanging(() => this.withBoot((boot) => this.queryOn(boot, sql))),
      builtinNames: this.builtinNames,
      python: new PythonRunner(python),
      pythonEnabled: python.enabled !== false,
    });
  }

  static async create(options: SqlEngineOptions = {}): Promise<DuckDbEngine> {
    const instance = await DuckDBInstance.create(':memory:');
    const boot = await instance.connect();
    const engine = new DuckDbEngine(instance, boot, options);
    try {
      // The loaders (samples, data files) create tables: nothing read before them is kept.
      await engine.columnComments.whileChanging(() => engine.init());
    } catch (e) {
      boot.closeSync();
      instance.closeSync?.();
      throw e;
    }
    return engine;
  }

  get defaultCatalog(): string {
    return (this.options.defaultCatalog ?? 'main').toLowerCase();
  }
  get defaultSchema(): string {
    return (this.options.defaultSchema ?? 'default').toLowerCase();
  }
  get hostAccess(): HostAccessPolicy {
    return this.hostAccessPolicy;
  }

  private async init(): Promise<void> {
    const c = this.boot;
    await c.run("SET GLOBAL TimeZone = 'UTC'");
    await c.run('SET GLOBAL ieee_floating_point_ops = false');
    await CatalogRegistry.install(c);
    await installInformationSchema(c);
    await this.registry.create(c, 'main', 'Main catalog (local workspace)');
    if (this.defaultCatalog !== 'main') await this.registry.create(c, this.defaultCatalog);
    const defInternal = this.registry.internalName(this.defaultCatalog) as string;
    await c.run(
      `CREATE SCHEMA IF NOT EXISTS ${identQuote(defInternal)}.${identQuote(this.defaultSchema)}`,
    );
    if (this.options.samples !== false) {
      const internal = await this.registry.create(
        c,
        'samples',
        'Sample datasets (generated deterministically)',
        false,
        false,
      );
      await loadSamples(c, internal, this.options.sampleScale ?? 1);
    }
    for (const d of this.options.data ?? [])
      await loadDataFile(this.dataLoadTarget, d.table, d.path, d.comment);
    if (this.options.dataDir) await loadDataDirectory(this.dataLoadTarget, this.options.dataDir);
    await refreshTypeNames(c);
    const builtins = await c.runAndReadAll(
      'SELECT DISTINCT lower(function_name) FROM duckdb_functions() WHERE internal',
    );
    for (const [name] of builtins.getRows()) this.builtinNames.add(String(name));
    // Everything that reads files is done: lock the engine (see host_access.ts).
    const allowLocalFileAccess = this.options.allowLocalFileAccess === true;
    this.hostAccessPolicy = { allowLocalFileAccess, duckDbSettings: await duckDbSettingNames(c) };
    await lockHostAccess(c, { allowLocalFileAccess });
  }

  /** Where `data` and `dataDir` files are loaded (before the engine is locked). */
  private get dataLoadTarget(): DataLoadTarget {
    return {
      connection: this.boot,
      registry: this.registry,
      errorContext: this.errorContext,
      defaultCatalog: this.defaultCatalog,
      defaultSchema: this.defaultSchema,
    };
  }

  async openSession(options: {
    catalog?: string;
    schema?: string;
    configuration?: Record<string, string>;
  }): Promise<EngineSession> {
    if (this.closed) throw new SqlError('INTERNAL_ERROR', 'XX000', 'The engine is closed.');
    const catalog = (options.catalog ?? this.defaultCatalog).toLowerCase();
    const schema = (
      options.schema ?? (options.catalog ? 'default' : this.defaultSchema)
    ).toLowerCase();
    // Like Databricks, a catalog without a `default` schema can be opened without naming one.
    await this.checkNamespace(
      catalog,
      options.schema === undefined && schema === 'default' ? undefined : schema,
    );
    const s = new DuckDbSession(this, catalog, schema, options.configuration ?? {});
    this.sessions.add(s);
    return s;
  }

  /** Throws NO_SUCH_CATALOG_EXCEPTION / SCHEMA_NOT_FOUND. */
  async checkNamespace(catalog: string, schema?: string): Promise<void> {
    const internal = this.registry.internalName(catalog);
    if (!internal) throw catalogNotFound(catalog);
    if (schema === undefined) return;
    if (schema.toLowerCase() === 'information_schema') return;
    const r = await this.withBoot((boot) =>
      this.queryOn(
        boot,
        `SELECT 1 FROM duckdb_schemas() WHERE database_name = ${sqlQuote(internal)} AND schema_name = ${sqlQuote(schema)}`,
      ),
    );
    if (r.length === 0) throw schemaNotFound(`${catalog}.${schema}`);
  }

  /** Run a small query to completion and return JS rows. */
  async queryOn(conn: DuckDBConnection, sql: string): Promise<unknown[][]> {
    try {
      const r = await conn.runAndReadAll(sql);
      return r.getRows() as unknown[][];
    } catch (e) {
      throw classifyError(e, this.errorContext);
    }
  }

  /** Run `fn` with the boot connection, one caller at a time. */
  withBoot<T>(fn: (conn: DuckDBConnection) => Promise<T>): Promise<T> {
    const run = this.bootQueue.then(() => fn(this.boot));
    this.bootQueue = run.catch(() => undefined);
    return run;
  }

  forget(s: DuckDbSession): void {
    this.sessions.delete(s);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const s of [...this.sessions]) await s.close();
    try {
      this.boot.closeSync();
    } catch {
      /* ignore */
    }
    try {
      this.instance.closeSync();
    } catch {
      /* ignore */
    }
  }
}
