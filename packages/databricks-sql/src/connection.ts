/**
 * One `@databricks/sql` client and one session, reused by every statement; reopened
 * transparently when the warehouse has closed the session; statements cancelled on the warehouse
 * (CancelOperation) when an AbortSignal fires or `queryTimeout` elapses; results fetched in
 * chunks with a row cap so a huge result is never downloaded; statements retried by what a replay
 * would do (see `execute`).
 */
import { readFileSync } from 'node:fs';
import { Agent } from 'node:https';
import { createSecureContext, rootCertificates } from 'node:tls';
import type { DBSQLClient } from '@databricks/sql';
import type IConnectionProvider from '@databricks/sql/dist/connection/contracts/IConnectionProvider';
import type { ConnectionOptions } from '@databricks/sql/dist/contracts/IDBSQLClient';
import {
  type FailureClass,
  mayReplay,
  REPLAY_CLASS,
  type ReplayClass,
  retryWithBackoff,
} from '@lakechain/core';
import {
  classifyStatementFailure,
  DatabricksSqlError,
  isSessionGoneError,
  toDatabricksSqlError,
} from './errors.js';
import { checkReadOnly } from './guard.js';
import {
  MAX_PAGE_ROWS,
  pageSizeOf,
  rowCapOf,
  type StatementPage,
  type StreamOptions,
} from './statement_connection.js';

/** The parts of a driver operation this package uses (`IOperation` satisfies it). */
export interface SqlOperationLike {
  fetchChunk(options?: { maxRows?: number; disableBuffering?: boolean }): Promise<object[]>;
  hasMoreRows(): Promise<boolean>;
  getSchema(): Promise<unknown>;
  cancel(): Promise<unknown>;
  close(): Promise<unknown>;
}

/** The parts of a driver session this package uses (`IDBSQLSession` satisfies it). */
export interface SqlSessionLike {
  executeStatement(
    statement: string,
    // biome-ignore lint/suspicious/noExplicitAny: the driver's option types are deep imports
    options?: any,
  ): Promise<SqlOperationLike>;
  getColumns(request: {
    catalogName?: string;
    schemaName?: string;
    tableName?: string;
    columnName?: string;
  }): Promise<SqlOperationLike>;
  close(): Promise<unknown>;
}

/** The parts of a connected driver client this package uses (`DBSQLClient` satisfies it). */
export interface SqlClientLike {
  openSession(request?: {
    initialCatalog?: string;
    initialSchema?: string;
    configuration?: Record<string, string>;
  }): Promise<SqlSessionLike>;
  close(): Promise<unknown>;
}

export interface QueryColumn {
  name: string;
  /** Databricks type name (`BIGINT`, `DECIMAL(10,2)`, `ARRAY`, ...). */
  type: string;
}

export interface StatementResult {
  columns: QueryColumn[];
  rows: Array<Record<string, unknown>>;
  /** True when the result had more than `maxRows` rows; only the first `maxRows` are here. */
  truncated: boolean;
}

export type QueryParams = Record<string, unknown> | ReadonlyArray<unknown>;

export interface ExecuteOptions {
  /** Named (`:name`) parameters as an object, or positional (`?`) ones as an array. */
  params?: QueryParams;
  /** Fetch at most this many rows (plus one, to know whether there were more). */
  maxRows?: number;
  signal?: AbortSignal;
  /** Seconds; the statement is cancelled on the warehouse after this long. */
  queryTimeout?: number;
  /**
   * Whether running the statement twice is harmless: decides whether it runs again after a
   * failure that may have reached the warehouse (a reset connection, HTTP 500/502/504, the driver
   * giving up while polling or fetching). Default: core's `REPLAY_CLASS.readOnlyStatement`
   * (`'safe'`) when the read-only guard accepts the statement (with only built-in safe functions),
   * else `REPLAY_CLASS.writeStatement` (`'unsafe'`).
   */
  replay?: ReplayClass;
}

export interface ConnectionSettings {
  /**
   * Driver connect options (host, path, auth); resolved on first use. `release`, when present,
   * is called by `close()` after the client's: core's config, with its token-request pool.
   */
  connectOptions?: () => Promise<ConnectionOptions & { release?: () => Promise<void> }>;
  /** A connected client to use instead of creating one (not closed by `close()`). */
  client?: SqlClientLike;
  /** A session to use as-is (not reopened, not closed by `close()`). */
  session?: SqlSessionLike;
  catalog?: string;
  schema?: string;
  /** Spark confs for the session. */
  sessionConfiguration?: Record<string, string>;
  /**
   * Retries of a statement: refused by the warehouse with HTTP 503 or 429 (it did not run), or,
   * for a statement that is safe to replay (a read), interrupted after it may have run. Default
   * 10, within 2 minutes, with full-jitter backoff from 1 s (capped at 20 s) or the server's
   * `Retry-After`.
   */
  statementRetries?: number;
}

/**
 * Backoff and deadline of statement retries. Ten retries with full jitter from 1 s ride out a
 * warehouse that refuses statements for ten seconds or more; the deadline ends them long before
 * they add up.
 */
const STATEMENT_RETRY = {
  maxAttempts: 11,
  initialDelayMs: 1_000,
  maxDelayMs: 20_000,
  totalTimeoutMs: 120_000,
};

/**
 * What running `statement` again would do: a statement the read-only guard accepts is a read.
 * The guard runs here in its strictest mode (built-in safe functions only), whatever the
 * database's own guard settings, so a call to a user function is never replayed.
 */
export function replayClassOfStatement(statement: string): ReplayClass {
  return checkReadOnly(statement, { functions: 'builtin-safe' }).ok
    ? REPLAY_CLASS.readOnlyStatement
    : REPLAY_CLASS.writeStatement;
}

const silentLogger = { log() {} };

/**
 * The driver, loaded when the first client this package creates connects: requiring it loads
 * about 540 CommonJS modules (its Thrift client, its own apache-arrow copy, OAuth, logging), some
 * 200 ms, which a process that imports this package for the REST transport, the guard or the
 * prompts should not pay.
 */
let driverModule: Promise<typeof import('@databricks/sql')> | undefined;
function loadDriver(): Promise<typeof import('@databricks/sql')> {
  driverModule ??= import('@databricks/sql');
  return driverModule;
}

/**
 * The trust store the driver builds for `customCaCert` (Node's roots, `NODE_EXTRA_CA_CERTS`, the
 * certificate: `customCaCert` adds to the roots), as one TLS secure context. The driver passes
 * that list as the `ca` option of its keep-alive agent instead, and Node then joins the ~150 PEMs
 * (about 200 KB) into the agent's pool key on every request, three times, and parses them all
 * again for every new socket: 1 to 2.5 ms of CPU per statement (PROFILE.md of local-workspace's
 * bench). A `secureContext` is not part of
 * the key and is built once. Same verification (`rejectUnauthorized`, TLS 1.2 at least).
 */
function sharedTrustAgent(customCaCert: Buffer | string, socketTimeout: number): Agent {
  const extra: string[] = [];
  const extraFile = process.env.NODE_EXTRA_CA_CERTS;
  if (extraFile) {
    try {
      extra.push(readFileSync(extraFile, 'utf8'));
    } catch {
      // Node ignores an unreadable NODE_EXTRA_CA_CERTS, and so does the driver.
    }
  }
  const secureContext = createSecureContext({
    ca: [...rootCertificates, ...extra, customCaCert],
    minVersion: 'TLSv1.2',
  });
  // The driver's own agent settings (HttpConnection.getAgentDefaultOptions), `ca` aside.
  return new Agent({
    keepAlive: true,
    keepAliveMsecs: 10_000,
    maxSockets: Number.POSITIVE_INFINITY,
    timeout: socketTimeout,
    minVersion: 'TLSv1.2',
    rejectUnauthorized: true,
    secureContext,
  });
}

/**
 * A driver client whose connection uses `sharedTrustAgent` when `customCaCert` is set (without a
 * proxy, for which the driver builds a proxy agent). The driver has no option for an agent, so
 * the client's `getConnectionProvider` (public; its Thrift backend calls it before opening the
 * connection) is wrapped on this instance to give the provider that `getAgent`, which every driver
 * request (Thrift, staging, CloudFetch) asks for its agent. Should a later driver stop asking,
 * its own agent (with the `ca` list) is used: slower, same trust.
 */
async function createDriverClient(options: ConnectionOptions): Promise<DBSQLClient> {
  const { DBSQLClient } = await loadDriver();
  const customCaCert = (options as { customCaCert?: Buffer | string }).customCaCert;
  if (customCaCert === undefined || options.proxy !== undefined) {
    return new DBSQLClient({ logger: silentLogger });
  }
  let agent: Agent | undefined;
  const patched = new WeakSet<IConnectionProvider>();
  const client = new DBSQLClient({ logger: silentLogger });
  const getConnectionProvider = client.getConnectionProvider.bind(client);
  client.getConnectionProvider = async () => {
    const provider = await getConnectionProvider();
    if (!patched.has(provider)) {
      patched.add(provider);
      provider.getAgent = async () => {
        agent ??= sharedTrustAgent(customCaCert, client.getConfig().socketTimeout);
        return agent;
      };
    }
    return provider;
  };
  return client;
}

const CANCEL_WAIT_MS = 5_000;

/**
 * Databricks type names by Thrift `TTypeId` (the Hive protocol's numeric enum: `BOOLEAN_TYPE` = 0
 * ... `INTERVAL_DAY_TIME_TYPE` = 21, without the `_TYPE` suffix). Written out rather than derived
 * from the driver's generated enum so that reading a schema does not need the driver loaded;
 * `connection.test.ts` checks it against that enum.
 */
export const THRIFT_TYPE_NAMES: readonly string[] = [
  'BOOLEAN',
  'TINYINT',
  'SMALLINT',
  'INT',
  'BIGINT',
  'FLOAT',
  'DOUBLE',
  'STRING',
  'TIMESTAMP',
  'BINARY',
  'ARRAY',
  'MAP',
  'STRUCT',
  'UNION',
  'UDT',
  'DECIMAL',
  'VOID',
  'DATE',
  'VARCHAR',
  'CHAR',
  'INTERVAL_YEAR_MONTH',
  'INTERVAL_DAY_TIME',
];

interface SchemaLike {
  columns?: Array<{
    columnName?: string;
    typeDesc?: {
      types?: Array<{
        primitiveEntry?: {
          type?: number;
          typeQualifiers?: { qualifiers?: Record<string, { i32Value?: number } | undefined> };
        };
      }>;
    };
  }>;
}

/** Column names and types from a Thrift `TTableSchema`. */
export function columnsFromSchema(schema: unknown): QueryColumn[] {
  const columns = (schema as SchemaLike | null)?.columns ?? [];
  return columns.map((c) => {
    const entry = c.typeDesc?.types?.[0]?.primitiveEntry;
    let type = entry?.type !== undefined ? (THRIFT_TYPE_NAMES[entry.type] ?? 'UNKNOWN') : 'UNKNOWN';
    const q = entry?.typeQualifiers?.qualifiers;
    if (type === 'DECIMAL' && q?.precision?.i32Value !== undefined) {
      type = `DECIMAL(${q.precision.i32Value},${q.scale?.i32Value ?? 0})`;
    }
    return { name: c.columnName ?? '', type };
  });
}

function abortReason(signal: AbortSignal): string {
  const r: unknown = signal.reason;
  if (r instanceof Error && r.name !== 'AbortError') return r.message;
  return typeof r === 'string' ? r : 'aborted';
}

/** The driver's `executeStatement` options of a statement; `directRows`: rows of its first page. */
function driverOptionsOf(
  options: ExecuteOptions,
  directRows: number | undefined,
): Record<string, unknown> {
  const execOptions: Record<string, unknown> = {};
  if (options.params !== undefined) {
    if (Array.isArray(options.params)) execOptions.ordinalParameters = options.params;
    else execOptions.namedParameters = options.params;
  }
  if (directRows !== undefined) execOptions.maxRows = directRows;
  if (options.queryTimeout !== undefined) execOptions.queryTimeout = options.queryTimeout;
  return execOptions;
}

/**
 * The next page of at most `maxRows` rows and whether more follow. The driver may answer a fetch
 * with no rows while saying more follow; three such answers in a row end the result.
 */
async function nextPage(
  operation: SqlOperationLike,
  maxRows: number,
): Promise<{ rows: Array<Record<string, unknown>>; more: boolean }> {
  for (let empty = 0; ; empty++) {
    const rows = (await operation.fetchChunk({ maxRows })) as Array<Record<string, unknown>>;
    const more = await operation.hasMoreRows();
    if (rows.length > 0 || !more || empty >= 2) return { rows, more: more && rows.length > 0 };
  }
}

/** One client, one reusable session, cancellable capped statements. */
export class SqlConnection {
  private clientPromise?: Promise<SqlClientLike>;
  private sessionPromise?: Promise<SqlSessionLike>;
  private currentSession?: SqlSessionLike;
  private readonly active = new Set<SqlOperationLike>();
  private closed = false;
  /** Releases what resolving the connect options opened (see `ConnectionSettings`). */
  private release?: () => Promise<void>;
  /** The driver's connection pool (its keep-alive agent), which its `close()` leaves open. */
  private driverAgent?: () => Promise<{ destroy(): void } | undefined>;
  /** Sessions opened so far (1 normally; more after the warehouse closed one). */
  sessionsOpened = 0;

  constructor(private readonly settings: ConnectionSettings) {}

  private client(): Promise<SqlClientLike> {
    if (this.settings.client) return Promise.resolve(this.settings.client);
    this.clientPromise ??= (async () => {
      const resolve = this.settings.connectOptions;
      if (!resolve) throw new DatabricksSqlError('No connection options and no client given.');
      const { release, ...options } = await resolve();
      let client: DBSQLClient;
      try {
        client = await createDriverClient(options);
        await client.connect(options);
      } catch (error) {
        await release?.().catch(() => {});
        throw error;
      }
      this.release = release;
      this.driverAgent = async () => (await client.getConnectionProvider()).getAgent();
      return client as unknown as SqlClientLike;
    })().catch((error: unknown) => {
      this.clientPromise = undefined;
      throw toDatabricksSqlError(error);
    });
    return this.clientPromise;
  }

  private session(): Promise<SqlSessionLike> {
    if (this.settings.session) return Promise.resolve(this.settings.session);
    this.sessionPromise ??= (async () => {
      const client = await this.client();
      const session = await client.openSession({
        initialCatalog: this.settings.catalog,
        initialSchema: this.settings.schema,
        configuration: this.settings.sessionConfiguration,
      });
      this.sessionsOpened++;
      this.currentSession = session;
      return session;
    })().catch((error: unknown) => {
      this.sessionPromise = undefined;
      throw toDatabricksSqlError(error);
    });
    return this.sessionPromise;
  }

  /** Drops a session the warehouse no longer knows, so the next call opens a new one. */
  private forgetSession(session: SqlSessionLike): void {
    if (this.currentSession !== session) return; // another caller already replaced it
    this.currentSession = undefined;
    this.sessionPromise = undefined;
    session.close().catch(() => {});
  }

  private ensureOpen(): void {
    if (this.closed)
      throw new DatabricksSqlError('The Databricks SQL database was closed.', { kind: 'canceled' });
  }

  private async submitOnce(
    statement: string,
    options: Record<string, unknown>,
  ): Promise<SqlOperationLike> {
    const session = await this.session();
    try {
      return await session.executeStatement(statement, options);
    } catch (error) {
      if (this.settings.session || !isSessionGoneError(error)) throw error;
      this.forgetSession(session);
      const fresh = await this.session();
      return fresh.executeStatement(statement, options);
    }
  }

  /**
   * Runs one statement and returns at most `maxRows` rows (all rows when unset). Retried, with
   * core's backoff, up to `statementRetries` times within 2 minutes: when the warehouse refused
   * it (HTTP 503 or 429: it did not run; the driver, rightly, never retries ExecuteStatement),
   * and, when running it again is safe (`options.replay`: a read), after a failure that may have
   * reached the warehouse (a reset connection, HTTP 500/502/504, a status or fetch call the driver
   * gave up on). A session the warehouse dropped is reopened once per attempt.
   */
  async execute(statement: string, options: ExecuteOptions = {}): Promise<StatementResult> {
    this.ensureOpen();
    if (options.signal?.aborted) throw this.cancelError('canceled', statement, options.signal);
    const cap = rowCapOf(options.maxRows);
    const execOptions = driverOptionsOf(
      options,
      cap === undefined ? undefined : Math.min(cap + 1, MAX_PAGE_ROWS),
    );
    return this.withStatementRetries(statement, options, (attempt) =>
      this.runOnce(statement, execOptions, cap, options, attempt),
    );
  }

  /**
   * Runs `attempt` (a submission and what follows it) with the retries `execute` documents, and
   * converts what it finally throws to the package's typed error.
   */
  private async withStatementRetries<T>(
    statement: string,
    options: ExecuteOptions,
    run: (attempt: { phase: 'submit' | 'fetch' }) => Promise<T>,
  ): Promise<T> {
    const { signal } = options;
    // Classified on the first failure that needs it: the happy path does not run the guard.
    let replay = options.replay;
    const replayClass = () => {
      replay ??= replayClassOfStatement(statement);
      return replay;
    };
    const attempt: { phase: 'submit' | 'fetch' } = { phase: 'submit' };
    let failure: FailureClass | undefined;
    const retries = this.settings.statementRetries ?? STATEMENT_RETRY.maxAttempts - 1;
    try {
      return await retryWithBackoff(() => run(attempt), {
        ...STATEMENT_RETRY,
        maxAttempts: retries + 1,
        signal,
        shouldRetry: (error) => {
          const verdict = classifyStatementFailure(error, attempt.phase);
          failure = verdict.failure;
          if (this.closed || !mayReplay(verdict.failure, replayClass())) return false;
          return { retryAfterMs: verdict.retryAfterMs };
        },
      });
    } catch (error) {
      // Aborted while waiting to retry: nothing runs on the warehouse.
      if (signal?.aborted && !DatabricksSqlError.isInstance(error)) {
        throw this.cancelError('canceled', statement, signal);
      }
      throw toDatabricksSqlError(error, { statement, replay, failure });
    }
  }

  /** One attempt: submit, then fetch under cancellation; `attempt.phase` says how far it got. */
  private async runOnce(
    statement: string,
    execOptions: Record<string, unknown>,
    cap: number | undefined,
    options: ExecuteOptions,
    attempt: { phase: 'submit' | 'fetch' },
  ): Promise<StatementResult> {
    attempt.phase = 'submit';
    // Closed while waiting to retry: open nothing new.
    this.ensureOpen();
    if (options.signal?.aborted) throw this.cancelError('canceled', statement, options.signal);
    const operation = await this.submitOnce(statement, execOptions);
    attempt.phase = 'fetch';
    this.active.add(operation);
    try {
      return await this.withCancellation(
        operation,
        statement,
        () => this.fetch(operation, cap),
        options.signal,
        options.queryTimeout,
      );
    } finally {
      this.active.delete(operation);
      await operation.close().catch(() => {});
    }
  }

  private async fetch(
    operation: SqlOperationLike,
    cap: number | undefined,
  ): Promise<StatementResult> {
    const rows: Array<Record<string, unknown>> = [];
    for (;;) {
      const want = cap === undefined ? MAX_PAGE_ROWS : Math.max(1, cap + 1 - rows.length);
      const page = await nextPage(operation, want);
      for (const row of page.rows) rows.push(row);
      if (cap !== undefined && rows.length > cap) break;
      if (!page.more) break;
    }
    const columns = columnsFromSchema(await operation.getSchema());
    const truncated = cap !== undefined && rows.length > cap;
    return { columns, rows: truncated ? rows.slice(0, cap) : rows, truncated };
  }

  /**
   * Runs one statement and yields its rows a page (`batchRows`) at a time: one page is fetched
   * when the consumer asks for it, so memory holds one page whatever the result's size. The
   * submission and the first page are retried as in `execute` (nothing has reached the caller
   * yet); a failure after a page was yielded is not (a replay would yield rows twice). Ending the
   * iteration early (`break`, `return()`), aborting `signal` or a failure closes the operation on
   * the warehouse (CloseOperation; CancelOperation first on abort).
   */
  async *stream(
    statement: string,
    options: StreamOptions = {},
  ): AsyncGenerator<StatementPage, void, undefined> {
    this.ensureOpen();
    const { signal } = options;
    if (signal?.aborted) throw this.cancelError('canceled', statement, signal);
    const cap = rowCapOf(options.maxRows);
    const pageSize = pageSizeOf(options.batchRows);
    // One row past the cap says whether there were more.
    const want = (delivered: number) =>
      cap === undefined ? pageSize : Math.max(1, Math.min(pageSize, cap + 1 - delivered));
    const execOptions = driverOptionsOf(options, want(0));
    const started = await this.withStatementRetries(statement, options, async (attempt) => {
      attempt.phase = 'submit';
      this.ensureOpen();
      if (signal?.aborted) throw this.cancelError('canceled', statement, signal);
      const operation = await this.submitOnce(statement, execOptions);
      attempt.phase = 'fetch';
      this.active.add(operation);
      try {
        const page = await this.withCancellation(
          operation,
          statement,
          () => nextPage(operation, want(0)),
          signal,
          options.queryTimeout,
        );
        const columns = columnsFromSchema(await operation.getSchema());
        return { operation, page, columns };
      } catch (error) {
        this.active.delete(operation);
        await operation.close().catch(() => {});
        throw error;
      }
    });
    const { operation, columns } = started;
    // An abort while the consumer works on a page stops the statement at once, not at the next
    // fetch; the next `next()` then throws the cancellation.
    const onAbort = () => void operation.cancel().catch(() => {});
    signal?.addEventListener('abort', onAbort, { once: true });
    try {
      let page = started.page;
      let delivered = 0;
      for (;;) {
        let rows = page.rows;
        const truncated = cap !== undefined && delivered + rows.length > cap;
        if (truncated) rows = rows.slice(0, cap - delivered);
        delivered += rows.length;
        if (rows.length > 0 || truncated || !page.more) yield { columns, rows, truncated };
        if (truncated || !page.more) return;
        this.ensureOpen();
        if (signal?.aborted) throw this.cancelError('canceled', statement, signal);
        try {
          page = await this.withCancellation(
            operation,
            statement,
            () => nextPage(operation, want(delivered)),
            signal,
            options.queryTimeout,
          );
        } catch (error) {
          const { failure } = classifyStatementFailure(error, 'fetch');
          throw toDatabricksSqlError(error, { statement, replay: 'unsafe', failure });
        }
      }
    } finally {
      signal?.removeEventListener('abort', onAbort);
      this.active.delete(operation);
      await operation.close().catch(() => {});
    }
  }

  private cancelError(
    kind: 'canceled' | 'timeout',
    statement: string,
    signal?: AbortSignal,
    timeoutSeconds?: number,
    cause?: unknown,
  ): DatabricksSqlError {
    const message =
      kind === 'timeout'
        ? `Query timed out after ${timeoutSeconds} s and was cancelled on the warehouse. Simplify the query, add filters or a LIMIT, or raise queryTimeout.`
        : `Query cancelled (${signal ? abortReason(signal) : 'aborted'}); it was stopped on the warehouse.`;
    return new DatabricksSqlError(message, { kind, statement, cause });
  }

  /** Runs `work`, cancelling `operation` on the warehouse on abort or timeout. */
  private withCancellation<T>(
    operation: SqlOperationLike,
    statement: string,
    work: () => Promise<T>,
    signal: AbortSignal | undefined,
    timeoutSeconds: number | undefined,
  ): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      let settled = false;
      let reason: 'canceled' | 'timeout' | undefined;
      let timer: NodeJS.Timeout | undefined;
      const finish = (fn: () => void) => {
        if (settled) return;
        settled = true;
        if (timer) clearTimeout(timer);
        signal?.removeEventListener('abort', onAbort);
        fn();
      };
      const trigger = (why: 'canceled' | 'timeout') => {
        if (settled || reason) return;
        reason = why;
        const cancelled = operation.cancel().catch(() => {});
        const bounded = new Promise((r) => setTimeout(r, CANCEL_WAIT_MS).unref());
        void Promise.race([cancelled, bounded]).then(() =>
          finish(() => reject(this.cancelError(why, statement, signal, timeoutSeconds))),
        );
      };
      const onAbort = () => trigger('canceled');
      if (signal) {
        if (signal.aborted) {
          trigger('canceled');
        } else {
          signal.addEventListener('abort', onAbort, { once: true });
        }
      }
      if (timeoutSeconds !== undefined && timeoutSeconds > 0) {
        timer = setTimeout(() => trigger('timeout'), timeoutSeconds * 1000);
      }
      work().then(
        (value) => finish(() => resolve(value)),
        (error: unknown) => {
          if (reason) return; // the cancellation path rejects
          // Left as the driver threw it: `execute` classifies it and converts it once.
          finish(() => reject(error));
        },
      );
    });
  }

  /** GetColumns metadata call for a whole schema (introspection fallback). */
  async getColumns(catalog: string, schema: string): Promise<Array<Record<string, unknown>>> {
    this.ensureOpen();
    const session = await this.session();
    let operation: SqlOperationLike;
    try {
      operation = await session.getColumns({ catalogName: catalog, schemaName: schema });
    } catch (error) {
      throw toDatabricksSqlError(error);
    }
    try {
      return (await this.fetch(operation, undefined)).rows;
    } catch (error) {
      throw toDatabricksSqlError(error);
    } finally {
      await operation.close().catch(() => {});
    }
  }

  /**
   * Cancels running statements and closes the session and client this object opened (with the
   * driver's idle keep-alive sockets), then what resolving its connect options opened (core's
   * config).
   */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await Promise.all([...this.active].map((op) => op.cancel().catch(() => {})));
    if (this.sessionPromise) {
      const session = await this.sessionPromise.catch(() => undefined);
      await session?.close().catch(() => {});
      this.sessionPromise = undefined;
    }
    if (this.clientPromise) {
      const client = await this.clientPromise.catch(() => undefined);
      // Asked before close(), which forgets the connection provider.
      const agent = await this.driverAgent?.().catch(() => undefined);
      await client?.close().catch(() => {});
      // The driver's close() leaves its keep-alive sockets open until the server drops them
      // (each with its TLS state and a context built from `customCaCert`): close them now.
      agent?.destroy();
      this.driverAgent = undefined;
      this.clientPromise = undefined;
    }
    await this.release?.().catch(() => {});
    this.release = undefined;
  }
}
