/**
 * The DuckDB-backed `SqlEngine`: one in-process DuckDB instance, one attached in-memory database
 * per Unity Catalog catalog, and per session its own connections (so `USE` and interrupt are per
 * session).
 */
import { readdir, stat } from 'node:fs/promises';
import { extname, join } from 'node:path';
import {
  type DuckDBConnection,
  DuckDBInstance,
  type DuckDBResult,
  StatementType,
} from '@duckdb/node-api';
import { CatalogRegistry } from './catalogs.js';
import { resultComments, type SourceColumns, sourceColumns } from './column_comments.js';
import { columnMetadata, simpleColumn } from './databricks_types.js';
import {
  canceledError,
  catalogNotFound,
  classifyError,
  type ErrorContext,
  SqlError,
  schemaNotFound,
} from './errors.js';
import { installInformationSchema, refreshTypeNames } from './information_schema.js';
import { significant } from './lexer.js';
import * as metadata from './metadata.js';
import { checkParameters, completeParameterType } from './parameters.js';
import { MaterializedResult, StreamingResult } from './result.js';
import { loadSamples } from './samples/index.js';
import type {
  EngineResult,
  EngineSession,
  ParameterValue,
  SqlEngine,
  SqlEngineOptions,
  StatementParameters,
} from './sql_engine.js';
import { identQuote, sqlQuote } from './sql_quoting.js';
import { runEmulatedStatement } from './statements.js';
import { translate } from './translate.js';

interface PooledConnection {
  conn: DuckDBConnection;
  busy: boolean;
  /** Namespace last applied with USE ("internal.schema"). */
  ns: string;
}

export class DuckDbEngine implements SqlEngine {
  readonly registry = new CatalogRegistry();
  readonly errorContext: ErrorContext;
  private readonly sessions = new Set<DuckDbSession>();
  /** The boot connection runs one statement at a time: a promise chain serialises its users. */
  private bootQueue: Promise<unknown> = Promise.resolve();
  private closed = false;

  private constructor(
    readonly instance: DuckDBInstance,
    /** Connection used for start-up and catalog DDL. */
    readonly boot: DuckDBConnection,
    readonly options: SqlEngineOptions,
  ) {
    this.errorContext = { externalCatalog: (internal) => this.registry.externalName(internal) };
  }

  static async create(options: SqlEngineOptions = {}): Promise<DuckDbEngine> {
    const instance = await DuckDBInstance.create(':memory:');
    const boot = await instance.connect();
    const engine = new DuckDbEngine(instance, boot, options);
    try {
      await engine.init();
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
    for (const d of this.options.data ?? []) await this.loadFile(d.table, d.path, d.comment);
    if (this.options.dataDir) await this.loadDataDir(this.options.dataDir);
    await refreshTypeNames(c);
  }

  /** Load a CSV or Parquet file into `catalog.schema.table` (created or replaced). */
  async loadFile(table: string, path: string, comment?: string): Promise<void> {
    const parts = table.split('.').map((p) => p.replace(/^`|`$/g, ''));
    const [cat, sch, tbl] =
      parts.length === 3
        ? (parts as [string, string, string])
        : parts.length === 2
          ? [this.defaultCatalog, parts[0] as string, parts[1] as string]
          : [this.defaultCatalog, this.defaultSchema, parts[0] as string];
    const c = this.boot;
    const internal = await this.registry.create(c, cat);
    await c.run(
      `CREATE SCHEMA IF NOT EXISTS ${identQuote(internal)}.${identQuote(sch.toLowerCase())}`,
    );
    const ext = extname(path).toLowerCase();
    const reader =
      ext === '.parquet' || ext === '.pq'
        ? `read_parquet(${sqlQuote(path)})`
        : ext === '.json' || ext === '.ndjson' || ext === '.jsonl'
          ? `read_json_auto(${sqlQuote(path)})`
          : `read_csv_auto(${sqlQuote(path)}, header = true)`;
    const fq = `${identQuote(internal)}.${identQuote(sch.toLowerCase())}.${identQuote(tbl.toLowerCase())}`;
    try {
      await c.run(`CREATE OR REPLACE TABLE ${fq} AS SELECT * FROM ${reader}`);
      if (comment) await c.run(`COMMENT ON TABLE ${fq} IS ${sqlQuote(comment)}`);
    } catch (e) {
      throw classifyError(e, this.errorContext);
    }
  }

  private async loadDataDir(dir: string): Promise<void> {
    for (const cat of (await readdir(dir)).sort()) {
      const catDir = join(dir, cat);
      if (!(await stat(catDir)).isDirectory()) continue;
      for (const sch of (await readdir(catDir)).sort()) {
        const schDir = join(catDir, sch);
        if (!(await stat(schDir)).isDirectory()) continue;
        for (const f of (await readdir(schDir)).sort()) {
          const ext = extname(f).toLowerCase();
          if (!['.csv', '.parquet', '.tsv', '.json', '.ndjson', '.jsonl'].includes(ext)) continue;
          await this.loadFile(`${cat}.${sch}.${f.slice(0, -ext.length)}`, join(schDir, f));
        }
      }
    }
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

/** DuckDB's names for some expressions → Spark's. */
function sparkColumnName(name: string): string {
  if (name === 'count_star()') return 'count(1)';
  const lit = /^'((?:[^']|'')*)'$/.exec(name);
  if (lit) return (lit[1] as string).replace(/''/g, "'");
  return name;
}

function toBindValue(v: ParameterValue, typed: boolean): unknown {
  if (v === null) return null;
  if (typed) return typeof v === 'string' ? v : String(v);
  if (typeof v === 'number' && Number.isSafeInteger(v)) return BigInt(v);
  return v;
}

export class DuckDbSession implements EngineSession {
  private pool: PooledConnection[] = [];
  private closed = false;
  readonly configuration: Record<string, string>;

  constructor(
    readonly engine: DuckDbEngine,
    public currentCatalog: string,
    public currentSchema: string,
    configuration: Record<string, string>,
  ) {
    this.configuration = { ...configuration };
  }

  get registry(): CatalogRegistry {
    return this.engine.registry;
  }
  get errorContext(): ErrorContext {
    return this.engine.errorContext;
  }

  /** Change the current namespace (validated). */
  async use(catalog: string, schema: string): Promise<void> {
    await this.engine.checkNamespace(catalog, schema);
    this.currentCatalog = catalog.toLowerCase();
    this.currentSchema = schema.toLowerCase();
  }

  /** Set the namespace without validation (USE CATALOG). */
  setNamespace(catalog: string, schema: string): void {
    this.currentCatalog = catalog.toLowerCase();
    this.currentSchema = schema.toLowerCase();
  }

  private nsKey(): string {
    return `${this.registry.internalName(this.currentCatalog)}.${this.currentSchema}`;
  }

  /** Take an idle connection of this session (or open one) set to the current namespace. */
  async acquire(): Promise<PooledConnection> {
    if (this.closed) throw new SqlError('INTERNAL_ERROR', 'XX000', 'The session is closed.');
    let pc = this.pool.find((p) => !p.busy);
    if (!pc) {
      pc = { conn: await this.engine.instance.connect(), busy: false, ns: '' };
      this.pool.push(pc);
    }
    pc.busy = true;
    const ns = this.nsKey();
    if (pc.ns !== ns) {
      const internal = this.registry.internalName(this.currentCatalog) as string;
      const schema = this.currentSchema === 'information_schema' ? 'main' : this.currentSchema;
      try {
        await pc.conn.run(`USE ${identQuote(internal)}.${identQuote(schema)}`);
      } catch {
        await pc.conn.run(`USE ${identQuote(internal)}.main`).catch(() => undefined);
      }
      pc.ns = ns;
    }
    return pc;
  }

  release(pc: PooledConnection): void {
    pc.busy = false;
    if (this.closed) {
      // closed while this connection was running: close it now that DuckDB is done with it
      try {
        pc.conn.closeSync();
      } catch {
        /* ignore */
      }
    }
  }

  /** Run a small query on an idle connection of this session; JS rows. */
  async query(sql: string): Promise<unknown[][]> {
    const pc = await this.acquire();
    try {
      return await this.engine.queryOn(pc.conn, sql);
    } finally {
      this.release(pc);
    }
  }

  /** The columns and comments of a table named as in a query (1 to 3 parts), or undefined. */
  private async tableColumnComments(
    pc: PooledConnection,
    parts: string[],
  ): Promise<Array<{ name: string; comment: string | null }> | undefined> {
    const table = parts[parts.length - 1] as string;
    const schema = parts.length >= 2 ? (parts[parts.length - 2] as string) : this.currentSchema;
    const catalog = parts.length === 3 ? (parts[0] as string) : this.currentCatalog;
    const internal = this.registry.internalName(catalog);
    if (internal === undefined) return undefined;
    try {
      const rows = await this.engine.queryOn(
        pc.conn,
        `SELECT column_name, comment FROM duckdb_columns() WHERE database_name = ${sqlQuote(internal)}
           AND lower(schema_name) = lower(${sqlQuote(schema)}) AND lower(table_name) = lower(${sqlQuote(table)})
           ORDER BY column_index`,
      );
      if (rows.length === 0) return undefined;
      return rows.map(([name, comment]) => ({
        name: String(name),
        comment:
          comment === null || comment === undefined || comment === '' ? null : String(comment),
      }));
    } catch {
      return undefined;
    }
  }

  translateContext(parameters?: StatementParameters) {
    const namedTypes: Record<string, string | undefined> = {};
    for (const [k, v] of Object.entries(parameters?.named ?? {}))
      namedTypes[k] = completeParameterType(v.type, v.value);
    return {
      catalogs: this.registry,
      currentCatalog: this.currentCatalog,
      currentSchema: this.currentSchema,
      namedTypes,
      positionalTypes: (parameters?.positional ?? []).map((p) =>
        completeParameterType(p.type, p.value),
      ),
    };
  }

  async execute(
    sql: string,
    parameters: StatementParameters,
    signal: AbortSignal,
  ): Promise<EngineResult> {
    if (signal?.aborted) throw canceledError();
    const sig = significant(sql);
    const emulated = await runEmulatedStatement(this, sql, sig, parameters ?? {}, signal);
    if (emulated) return emulated;
    return this.executeDuckDb(sql, parameters ?? {}, signal);
  }

  /** Translate and run on DuckDB, streaming. */
  async executeDuckDb(
    sql: string,
    parameters: StatementParameters,
    signal: AbortSignal,
  ): Promise<EngineResult> {
    const tr = translate(sql, this.translateContext(parameters));
    if (tr.sql.trim() === '')
      throw new SqlError('PARSE_SYNTAX_ERROR', '42601', 'Syntax error at or near end of input.');
    checkParameters(tr, parameters.named, parameters.positional?.length ?? 0);
    const pc = await this.acquire();
    let released = false;
    const release = () => {
      if (!released) {
        released = true;
        this.release(pc);
      }
    };
    const interrupt = () => {
      try {
        pc.conn.interrupt();
      } catch {
        /* ignore */
      }
    };
    signal?.addEventListener('abort', interrupt, { once: true });
    let result: DuckDBResult;
    let source: SourceColumns | undefined;
    let tableColumns: Array<{ name: string; comment: string | null }> | undefined;
    try {
      if (/\binformation_schema\b|lc_is_/i.test(tr.sql)) await refreshTypeNames(pc.conn);
      source = sourceColumns(significant(sql));
      tableColumns = source ? await this.tableColumnComments(pc, source.table) : undefined;
      const hasParams = tr.namedParams.length > 0 || tr.positionalCount > 0;
      if (hasParams) {
        const prepared = await pc.conn.prepare(tr.sql);
        if (tr.namedParams.length > 0) {
          const values: Record<string, unknown> = {};
          for (const n of tr.namedParams) {
            const p = parameters.named?.[n];
            values[n] = toBindValue(p?.value ?? null, !!p?.type);
          }
          prepared.bind(values as never);
        } else {
          const values = (parameters.positional ?? [])
            .slice(0, tr.positionalCount)
            .map((p) => toBindValue(p.value, !!p.type));
          prepared.bind(values as never);
        }
        result = await prepared.stream();
      } else {
        result = await pc.conn.stream(tr.sql);
      }
    } catch (e) {
      signal?.removeEventListener('abort', interrupt);
      release();
      if (signal?.aborted) throw canceledError();
      throw classifyError(e, { ...this.errorContext, sql });
    } finally {
      signal?.removeEventListener('abort', interrupt);
    }
    if (signal?.aborted) {
      release();
      throw canceledError();
    }
    // If the namespace changed through DuckDB (should not happen: USE is emulated), forget it.
    const st = result.statementType;
    if (
      st === StatementType.INSERT ||
      st === StatementType.UPDATE ||
      st === StatementType.DELETE ||
      st === StatementType.MERGE_INTO
    ) {
      let count = 0;
      try {
        const chunk = await result.fetchChunk();
        const v = chunk && chunk.rowCount > 0 ? chunk.getRows()[0]?.[0] : 0;
        count = Number(v ?? 0);
      } catch (e) {
        release();
        throw classifyError(e, this.errorContext);
      }
      release();
      const cols = [simpleColumn('num_affected_rows', 'BIGINT')];
      const row: bigint[] = [BigInt(count)];
      if (st === StatementType.INSERT) {
        cols.push(simpleColumn('num_inserted_rows', 'BIGINT'));
        row.push(BigInt(count));
      }
      return new MaterializedResult(cols, [row], count);
    }
    if (
      st !== StatementType.SELECT &&
      st !== StatementType.EXPLAIN &&
      st !== StatementType.CALL &&
      st !== StatementType.PRAGMA &&
      st !== StatementType.RELATION
    ) {
      // DDL and the like: drain and return an empty result without columns.
      try {
        while (await result.fetchChunk().then((c) => c && c.rowCount > 0)) {
          /* drain */
        }
        const ddl = tr.ddlComments;
        if (ddl && st === StatementType.CREATE) {
          if (ddl.tableComment !== undefined) {
            await pc.conn.run(`COMMENT ON TABLE ${ddl.table} IS ${sqlQuote(ddl.tableComment)}`);
          }
          for (const [col, comment] of ddl.columns) {
            await pc.conn.run(
              `COMMENT ON COLUMN ${ddl.table}.${identQuote(col)} IS ${sqlQuote(comment)}`,
            );
          }
        }
      } catch (e) {
        release();
        throw classifyError(e, { ...this.errorContext, sql });
      }
      release();
      return new MaterializedResult([], []);
    }
    const types = result.columnTypes();
    const names = result.deduplicatedColumnNames?.() ?? result.columnNames();
    const columns = types.map((t, i) => columnMetadata(sparkColumnName(names[i] as string), t));
    if (source && tableColumns?.some((c) => c.comment)) {
      resultComments(
        source,
        tableColumns,
        columns.map((c) => c.name),
      ).forEach((comment, i) => {
        const column = columns[i];
        if (column && comment) column.comment = comment;
      });
    }
    return new StreamingResult({
      result,
      columns,
      types,
      signal: signal ?? new AbortController().signal,
      errorContext: { ...this.errorContext, sql },
      onDone: release,
      interrupt,
    });
  }

  getCatalogs(): Promise<EngineResult> {
    return metadata.getCatalogs(this);
  }
  getSchemas(filter: { catalogName?: string; schemaName?: string }): Promise<EngineResult> {
    return metadata.getSchemas(this, filter);
  }
  getTables(filter: {
    catalogName?: string;
    schemaName?: string;
    tableName?: string;
    tableTypes?: string[];
  }): Promise<EngineResult> {
    return metadata.getTables(this, filter);
  }
  getColumns(filter: {
    catalogName?: string;
    schemaName?: string;
    tableName?: string;
    columnName?: string;
  }): Promise<EngineResult> {
    return metadata.getColumns(this, filter);
  }
  getTableTypes(): Promise<EngineResult> {
    return metadata.getTableTypes();
  }
  getTypeInfo(): Promise<EngineResult> {
    return metadata.getTypeInfo();
  }
  getFunctions(filter: {
    catalogName?: string;
    schemaName?: string;
    functionName: string;
  }): Promise<EngineResult> {
    return metadata.getFunctions(this, filter);
  }
  getPrimaryKeys(filter: {
    catalogName?: string;
    schemaName: string;
    tableName: string;
  }): Promise<EngineResult> {
    return metadata.getPrimaryKeys(this, filter);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const pc of this.pool) {
      try {
        if (pc.busy) pc.conn.interrupt();
        else pc.conn.closeSync();
      } catch {
        /* ignore */
      }
    }
    this.pool = [];
    this.engine.forget(this);
  }
}
