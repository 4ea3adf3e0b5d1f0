/**
 * One SQL session on the DuckDB engine: its namespace (`USE`), configuration (`SET`) and
 * connections, and the path of a statement: emulated statements first (`statements.ts`), else
 * translation (`translate.ts`) and a DuckDB run whose result is shaped like Databricks'
 * (`duckdb_results.ts`).
 */
import type {
  DuckDBConnection,
  DuckDBInstance,
  DuckDBPreparedStatement,
  DuckDBResult,
} from '@duckdb/node-api';
import { type HostAccessPolicy, refusedHostAccess } from '../dialect/host_access.js';
import { significant } from '../dialect/lexer.js';
import { checkParameters, completeParameterType } from '../dialect/parameters.js';
import { isReadOnly, transactionChange } from '../dialect/read_only.js';
import { isSmallResult } from '../dialect/result_bound.js';
import { type PythonCall, translate } from '../dialect/translate.js';
import type { TranslateContext } from '../dialect/translate_context.js';
import { canceledError, classifyError, type ErrorContext } from '../errors.js';
import type { FunctionCatalog } from '../functions/function_catalog.js';
import type { SessionContext } from '../session_context.js';
import {
  type EngineResult,
  type EngineSession,
  type ParameterValue,
  SqlError,
  type StatementParameters,
} from '../sql_engine.js';
import type { CatalogRegistry } from '../statements/catalogs.js';
import {
  type ColumnCommentCache,
  type SourceColumns,
  sourceColumns,
  type TableColumnComment,
  tableColumnComments,
} from '../statements/column_comments.js';
import { refreshTypeNames } from '../statements/information_schema.js';
import * as metadata from '../statements/metadata.js';
import { runEmulatedStatement } from '../statements/statements.js';
import { engineResultOf } from './duckdb_results.js';
import { SessionConnections } from './session_connections.js';

/** What a session needs of the engine that opened it. */
export interface SessionHost {
  readonly instance: DuckDBInstance;
  readonly registry: CatalogRegistry;
  readonly errorContext: ErrorContext;
  readonly defaultCatalog: string;
  readonly defaultSchema: string;
  /** What sessions may reach of the machine (see host_access.ts). */
  readonly hostAccess: HostAccessPolicy;
  checkNamespace(catalog: string, schema?: string): Promise<void>;
  /** Run a small query to completion on `conn` and return JS rows (errors classified). */
  queryOn(conn: DuckDBConnection, sql: string): Promise<unknown[][]>;
  /** Run `fn` with the engine's boot connection, one caller at a time. */
  withBoot<T>(fn: (conn: DuckDBConnection) => Promise<T>): Promise<T>;
  /** The Unity Catalog functions. */
  readonly functions: FunctionCatalog;
  /** The engine's cache of table column comments (invalidated by whatever may change the catalog). */
  readonly columnComments: ColumnCommentCache;
  /** The session closed. */
  forget(session: DuckDbSession): void;
}

/** A parameter value as DuckDB binds it: typed values as text (their marker carries a CAST). */
function toBindValue(v: ParameterValue, typed: boolean): unknown {
  if (v === null) return null;
  if (typed) return typeof v === 'string' ? v : String(v);
  if (typeof v === 'number' && Number.isSafeInteger(v)) return BigInt(v);
  return v;
}

/** Values of the named markers a prepared statement has (it may have fewer than were given). */
function namedBindValues(
  prepared: DuckDBPreparedStatement,
  parameters: StatementParameters,
): Record<string, unknown> {
  const values: Record<string, unknown> = {};
  for (let index = 1; index <= prepared.parameterCount; index++) {
    const name = prepared.parameterName(index);
    const p = parameters.named?.[name];
    values[name] = toBindValue(p?.value ?? null, !!p?.type);
  }
  return values;
}

export class DuckDbSession implements EngineSession, SessionContext {
  private readonly connections: SessionConnections;
  private closed = false;
  /**
   * Set by `BEGIN` / `START TRANSACTION`, cleared by a `COMMIT` or `ROLLBACK` that succeeded:
   * while set, this session neither reads nor fills the engine's column comment cache (its
   * uncommitted catalog changes are its own).
   */
  private transactionMayBeOpen = false;
  readonly configuration: Record<string, string>;

  constructor(
    private readonly engine: SessionHost,
    public currentCatalog: string,
    public currentSchema: string,
    configuration: Record<string, string>,
  ) {
    this.configuration = { ...configuration };
    this.connections = new SessionConnections(engine.instance);
  }

  get catalogs(): CatalogRegistry {
    return this.engine.registry;
  }
  get errorContext(): ErrorContext {
    return this.engine.errorContext;
  }
  get defaultCatalog(): string {
    return this.engine.defaultCatalog;
  }
  get defaultSchema(): string {
    return this.engine.defaultSchema;
  }
  get functions(): FunctionCatalog {
    return this.engine.functions;
  }

  checkNamespace(catalog: string, schema?: string): Promise<void> {
    return this.engine.checkNamespace(catalog, schema);
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

  async createCatalog(name: string, comment?: string): Promise<void> {
    await this.engine.columnComments.whileChanging(() =>
      this.engine.withBoot((boot) => this.catalogs.create(boot, name, comment)),
    );
  }

  async dropCatalog(name: string): Promise<void> {
    await this.engine.columnComments.whileChanging(() =>
      this.engine.withBoot((boot) => this.catalogs.drop(boot, name)),
    );
  }

  async runCatalogDdl(sql: string): Promise<void> {
    await this.engine.columnComments.whileChanging(() =>
      this.engine.withBoot((boot) => this.engine.queryOn(boot, sql)),
    );
  }

  /** An idle connection of this session set to the current namespace. */
  private acquire() {
    return this.connections.acquire(
      this.catalogs.internalName(this.currentCatalog) as string,
      this.currentSchema,
    );
  }

  /** Run a small query on an idle connection of this session; JS rows. */
  async query(sql: string): Promise<unknown[][]> {
    const pc = await this.acquire();
    try {
      return await this.engine.queryOn(pc.conn, sql);
    } finally {
      this.connections.release(pc);
    }
  }

  translateContext(parameters?: StatementParameters): TranslateContext {
    const namedTypes: Record<string, string | undefined> = {};
    const namedValues: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(parameters?.named ?? {})) {
      namedTypes[k] = completeParameterType(v.type, v.value);
      namedValues[k] = v.value;
    }
    return {
      catalogs: this.catalogs,
      currentCatalog: this.currentCatalog,
      currentSchema: this.currentSchema,
      functions: this.engine.functions,
      namedValues,
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
    // Before anything runs, emulated or not: a refused statement has no effect at all.
    const refusal = refusedHostAccess(sig, this.engine.hostAccess);
    if (refusal) throw refusal;
    const run = async () =>
      (await runEmulatedStatement(this, sql, sig, parameters ?? {}, signal)) ??
      this.executeTranslated(sql, parameters ?? {}, signal);
    if (isReadOnly(sig)) return run();
    // Anything but a read may change the catalog (see ColumnCommentCache), failed or not.
    const transaction = transactionChange(sig);
    if (transaction === 'begin') this.transactionMayBeOpen = true;
    const result = await this.engine.columnComments.whileChanging(run);
    if (transaction === 'end') this.transactionMayBeOpen = false;
    return result;
  }

  /** Translate and run on DuckDB, streaming. */
  async executeTranslated(
    sql: string,
    parameters: StatementParameters,
    signal: AbortSignal,
  ): Promise<EngineResult> {
    const tr = translate(sql, this.translateContext(parameters));
    if (tr.sql.trim() === '')
      throw new SqlError('PARSE_SYNTAX_ERROR', '42601', 'Syntax error at or near end of input.');
    const markers = Object.fromEntries(tr.pythonCalls.map((call) => [call.marker, null]));
    checkParameters(tr, { ...parameters.named, ...markers }, parameters.positional?.length ?? 0);
    if (tr.pythonCalls.length > 0 && tr.positionalCount > 0)
      throw new SqlError(
        'UNSUPPORTED_FEATURE',
        '0A000',
        'A statement that calls a Python function takes named parameters (:name) here, not positional ones (?).',
      );
    const bound =
      tr.pythonCalls.length > 0
        ? await this.evaluatePythonCalls(tr.pythonCalls, parameters, signal)
        : parameters;
    const sig = significant(sql);
    // A statement that is not a read may still be changing the catalog while its result is read.
    const changes = !isReadOnly(sig);
    const pc = await this.acquire();
    let released = false;
    const release = () => {
      if (!released) {
        released = true;
        this.connections.release(pc);
        if (changes) this.engine.columnComments.invalidate();
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
    let tableColumns: TableColumnComment[] | undefined;
    try {
      if (/\binformation_schema\b|lc_is_/i.test(tr.sql)) await refreshTypeNames(pc.conn);
      source = sourceColumns(sig);
      tableColumns = source
        ? await tableColumnComments(
            pc.conn,
            this,
            source.table,
            this.transactionMayBeOpen ? undefined : this.engine.columnComments,
          )
        : undefined;
      const hasParams = tr.namedParams.length > 0 || tr.positionalCount > 0;
      if (hasParams) {
        const prepared = await pc.conn.prepare(tr.sql);
        if (tr.namedParams.length > 0) {
          prepared.bind(namedBindValues(prepared, bound) as never);
        } else {
          const values = (bound.positional ?? [])
            .slice(0, tr.positionalCount)
            .map((p) => toBindValue(p.value, !!p.type));
          prepared.bind(values as never);
        }
        result = await prepared.stream();
      } else if (isSmallResult(sig)) {
        // One thread-pool call instead of five; read in place by StreamingResult.
        result = await pc.conn.run(tr.sql);
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
    return engineResultOf({
      result,
      connection: pc.conn,
      release,
      interrupt,
      signal: signal ?? new AbortController().signal,
      errorContext: { ...this.errorContext, sql },
      ddlComments: tr.ddlComments,
      source,
      tableColumns,
    });
  }

  /**
   * Computes the result of each Python function call of a statement, arguments first (a call's
   * arguments may hold an earlier call's result), and returns the parameters with each result
   * bound to its call's marker, as text.
   */
  private async evaluatePythonCalls(
    calls: PythonCall[],
    parameters: StatementParameters,
    signal: AbortSignal,
  ): Promise<StatementParameters> {
    const named: NonNullable<StatementParameters['named']> = { ...parameters.named };
    for (const call of calls) {
      let texts: Array<string | null> = [];
      if (call.arguments.length > 0) {
        // Each argument as JSON text (BINARY as base64), computed by DuckDB with the statement's
        // parameters; an argument that reads a column fails here (no FROM).
        const select = call.arguments
          .map((argument, index) => {
            const type = call.definition.parameters[index]?.type;
            const json =
              type?.kind === 'primitive' && type.name === 'BINARY'
                ? `to_base64(${argument})`
                : `CAST(to_json(${argument}) AS VARCHAR)`;
            return `${json} AS "a${index}"`;
          })
          .join(', ');
        const pc = await this.acquire();
        try {
          const prepared = await pc.conn.prepare(`SELECT ${select}`);
          if (prepared.parameterCount > 0) {
            const positional = (parameters.positional ?? []).slice(...call.positional);
            if (positional.length > 0)
              prepared.bind(positional.map((p) => toBindValue(p.value, !!p.type)) as never);
            else prepared.bind(namedBindValues(prepared, { named }) as never);
          }
          const reader = await prepared.runAndReadAll();
          texts = (reader.getRows()[0] ?? []).map((value) =>
            value === null || value === undefined ? null : String(value),
          );
        } catch (error) {
          const classified = classifyError(error, this.errorContext);
          if (/FROM clause is missing|Referenced column/i.test(String((error as Error).message)))
            throw new SqlError(
              'UNSUPPORTED_FEATURE',
              '0A000',
              `Calling the Python function ${call.definition.fullName} with column values is not supported by the local warehouse: pass literals or parameters (one call per statement), or use a SQL function.`,
            );
          throw classified;
        } finally {
          this.connections.release(pc);
        }
      }
      const result = await this.engine.functions.runPython(call.definition, texts, signal);
      named[call.marker] = { value: result, type: 'STRING' };
    }
    return { ...parameters, named };
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
    this.connections.close();
    this.engine.forget(this);
  }
}
