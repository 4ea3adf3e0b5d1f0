/**
 * `DatabricksSqlDatabase`'s `'rest'` transport: each statement is one Statement Execution API
 * call (plus polls while it runs, plus chunk fetches for large results), with the same contract
 * as the Thrift `SqlConnection`: typed values, a row cap that stops the fetch (the cap travels as
 * `row_limit`, so the warehouse never produces more), cancellation on the warehouse when an
 * AbortSignal fires or `queryTimeout` elapses, and typed errors carrying the Databricks error
 * class.
 */
import {
  DatabricksApiError,
  DatabricksClient,
  type DatabricksConfig,
  DatabricksConnectionError,
  LakechainError,
} from '@lakechain/core';
import type { ExecuteOptions, QueryParams, StatementResult } from '../connection.js';
import { DatabricksSqlError, toDatabricksSqlError } from '../errors.js';
import {
  pageSizeOf,
  type ResolvedTarget,
  rowCapOf,
  type StatementConnection,
  type StatementPage,
  type StreamOptions,
} from '../statement_connection.js';
import { quoteIdentifier } from '../table_info.js';
import { StatementExecutionClient } from './client.js';
import type { StatementExecutionSettings } from './settings.js';
import { queryColumnOf } from './types.js';
import type {
  Disposition,
  ExecuteStatementRequest,
  ResultFormat,
  StatementParameter,
  StatementResponse,
} from './wire.js';

export interface RestConnectionSettings {
  /** Resolves the workspace (host, credentials, fetch, CA) on first use. */
  config: () => Promise<DatabricksConfig>;
  /** The warehouse; else the config's, else the id in `httpPath`. */
  warehouseId?: string;
  httpPath?: string;
  catalog?: string;
  schema?: string;
  settings?: StatementExecutionSettings;
  /**
   * Retries of a statement the workspace refused with 429 or 503 (not run). Default 4, with
   * backoff from 1 s (capped at 20 s) or the server's `Retry-After`, as on the Thrift transport.
   */
  statementRetries?: number;
  /** Told where the workspace resolved to. */
  onResolved?: ResolvedTarget;
}

const DEFAULT_INLINE_MAX_ROWS = 10_000;
/** Under the 25 MiB an INLINE result may have; past it the result is cut rather than failed. */
const INLINE_BYTE_LIMIT = 16 * 1024 * 1024;
const DESCRIBE_CONCURRENCY = 8;
const INT32_MAX = 2 ** 31 - 1;

function abortReason(signal: AbortSignal): string {
  const reason: unknown = signal.reason;
  if (reason instanceof Error && reason.name !== 'AbortError' && reason.name !== 'TimeoutError')
    return reason.message;
  return typeof reason === 'string' ? reason : 'aborted';
}

/**
 * Named parameters as the API takes them: a string value and a SQL type. Plain values get the
 * type the Thrift driver would give them; `{ type, value }` (a `DBSQLParameter` too) keeps its type.
 */
export function toStatementParameters(
  params: QueryParams | undefined,
  statement?: string,
): StatementParameter[] | undefined {
  if (params === undefined) return undefined;
  if (Array.isArray(params)) {
    if (params.length === 0) return undefined;
    throw new DatabricksSqlError(
      'The Statement Execution API takes named parameters only (`:name` markers with `params: { name: value }`), not positional `?` ones. Rewrite the statement with named markers, or use the Thrift transport.',
      { kind: 'sql', errorClass: 'UNSUPPORTED_POSITIONAL_PARAMETERS', statement },
    );
  }
  return Object.entries(params as Record<string, unknown>).map(([name, value]) =>
    toParameter(name, value, statement),
  );
}

function toParameter(name: string, value: unknown, statement?: string): StatementParameter {
  if (value === null || value === undefined) return { name };
  switch (typeof value) {
    case 'boolean':
      return { name, value: String(value), type: 'BOOLEAN' };
    case 'bigint':
      return { name, value: value.toString(), type: 'BIGINT' };
    case 'string':
      return { name, value, type: 'STRING' };
    case 'number':
      if (Number.isInteger(value))
        return {
          name,
          value: String(value),
          type: Math.abs(value) <= INT32_MAX ? 'INT' : 'BIGINT',
        };
      return { name, value: String(value), type: 'DOUBLE' };
    default:
      break;
  }
  if (value instanceof Date) return { name, value: value.toISOString(), type: 'TIMESTAMP' };
  const typed = value as { type?: unknown; value?: unknown };
  if (typeof typed === 'object' && typeof typed.type === 'string' && 'value' in typed) {
    const inner = typed.value;
    if (inner === null || inner === undefined) return { name, type: typed.type };
    const text = inner instanceof Date ? inner.toISOString() : String(inner);
    return { name, value: text, type: typed.type };
  }
  throw new DatabricksSqlError(
    `Parameter :${name} has a value the Statement Execution API cannot carry (${Object.prototype.toString.call(value)}). Pass a string, number, bigint, boolean, Date or null, or { type: 'DECIMAL(10,2)', value: '1.50' }.`,
    { kind: 'sql', statement },
  );
}

/** A statement that ended FAILED, CANCELED or CLOSED, as the package's typed error. */
function terminalError(response: StatementResponse, statement: string): LakechainError {
  const { state, error, sql_state: sqlState } = response.status;
  if (state === 'FAILED') {
    return toDatabricksSqlError(
      {
        message: error?.message ?? 'The statement failed without a message.',
        sqlState,
        code: error?.error_code,
      },
      { statement },
    );
  }
  return new DatabricksSqlError(
    state === 'CANCELED'
      ? `The statement was cancelled on the warehouse${error?.message ? `: ${error.message}` : '.'}`
      : 'The statement result was closed on the warehouse before it was read. Run the statement again.',
    { kind: 'canceled', driverCode: state, statement },
  );
}

/** HTTP-level failures of the API (the statement was refused, or never answered). */
function requestError(error: unknown, statement: string): LakechainError {
  if (DatabricksApiError.isInstance(error)) {
    const status = error.statusCode;
    if (status === 401 || status === 403) {
      return new DatabricksSqlError(
        `Databricks rejected the credentials (HTTP ${status}). Check the token, service principal or profile, and that it may use this SQL warehouse.`,
        { kind: 'auth', driverCode: String(status), statement, cause: error },
      );
    }
    if (status === 404) {
      return new DatabricksSqlError(
        `The SQL warehouse or statement was not found (HTTP 404${error.errorCode ? ` ${error.errorCode}` : ''}): ${error.message} Check warehouseId.`,
        { kind: 'connection', driverCode: '404', statement, cause: error },
      );
    }
    if (status === 429 || status >= 500) {
      return new DatabricksSqlError(
        `The Statement Execution API answered HTTP ${status}; try again later. ${error.message}`,
        {
          kind: 'connection',
          driverCode: String(status),
          statement,
          retryable: true,
          cause: error,
        },
      );
    }
    return toDatabricksSqlError(
      { message: error.message, code: error.errorCode ?? String(status) },
      { statement },
    );
  }
  if (DatabricksConnectionError.isInstance(error)) {
    return new DatabricksSqlError(
      `Could not reach the Databricks SQL warehouse: ${error.message}`,
      {
        kind: 'connection',
        driverCode: error.code,
        statement,
        retryable: error.retryable,
        cause: error,
      },
    );
  }
  return toDatabricksSqlError(error, { statement });
}

/** The REST transport of one `DatabricksSqlDatabase`. */
/** One statement as `run` and `submit` send it: what, where, how many rows, how, until when. */
interface Submission {
  api: StatementExecutionClient;
  warehouseId: string;
  statement: string;
  parameters: StatementParameter[] | undefined;
  /** The rows asked for; one more is fetched to tell whether there were more. */
  cap: number | undefined;
  plan: { disposition: Disposition; format: ResultFormat };
  signal: AbortSignal;
}

export class RestConnection implements StatementConnection {
  private clientPromise?: Promise<{ api: StatementExecutionClient; warehouseId: string }>;
  private readonly running = new Map<symbol, AbortController>();
  private closed = false;
  /** Statements sent so far (`executeStatement` calls). */
  statementsExecuted = 0;

  constructor(private readonly settings: RestConnectionSettings) {}

  /** The API client, built on first use from the resolved workspace. */
  client(): Promise<{ api: StatementExecutionClient; warehouseId: string }> {
    this.clientPromise ??= (async () => {
      const config = await this.settings.config();
      const warehouseId =
        this.settings.warehouseId ??
        config.warehouseId ??
        /\/warehouses\/([^/?#]+)/.exec(this.settings.httpPath ?? '')?.[1];
      if (!warehouseId) {
        throw new DatabricksSqlError(
          'The REST transport needs a SQL warehouse: pass `warehouseId` (or `httpPath` /sql/1.0/warehouses/<id>), or set DATABRICKS_WAREHOUSE_ID. All-purpose clusters are reached over Thrift only.',
          { kind: 'connection' },
        );
      }
      const client = new DatabricksClient({ config, userAgent: 'lakechain-databricks-sql/rest' });
      this.settings.onResolved?.({
        host: config.host,
        httpPath: `/sql/1.0/warehouses/${warehouseId}`,
      });
      const api = new StatementExecutionClient({
        client,
        fetch: config.fetch,
        caCert: config.caCert,
        maxConcurrentDownloads: this.settings.settings?.maxConcurrentDownloads,
      });
      return { api, warehouseId };
    })().catch((error: unknown) => {
      this.clientPromise = undefined;
      throw LakechainError.isInstance(error) ? error : toDatabricksSqlError(error);
    });
    return this.clientPromise;
  }

  private ensureOpen(): void {
    if (this.closed)
      throw new DatabricksSqlError('The Databricks SQL database was closed.', { kind: 'canceled' });
  }

  private plan(cap: number | undefined): { disposition: Disposition; format: ResultFormat } {
    const settings = this.settings.settings ?? {};
    const linksFormat = settings.format ?? 'ARROW_STREAM';
    const wanted = settings.disposition ?? 'auto';
    if (wanted === 'INLINE') return { disposition: 'INLINE', format: 'JSON_ARRAY' };
    if (wanted === 'EXTERNAL_LINKS') return { disposition: 'EXTERNAL_LINKS', format: linksFormat };
    // Uncapped statements are the package's own (metadata, sample rows): small, so INLINE; one
    // that outgrows INLINE's byte limit is asked again with links (see `execute`).
    const inlineMax = settings.inlineMaxRows ?? DEFAULT_INLINE_MAX_ROWS;
    return cap === undefined || cap + 1 <= inlineMax
      ? { disposition: 'INLINE', format: 'JSON_ARRAY' }
      : { disposition: 'EXTERNAL_LINKS', format: linksFormat };
  }

  async execute(statement: string, options: ExecuteOptions = {}): Promise<StatementResult> {
    this.ensureOpen();
    if (options.signal?.aborted) throw this.cancelError('canceled', statement, options.signal);
    const cap = rowCapOf(options.maxRows);
    const parameters = toStatementParameters(options.params, statement);
    const { api, warehouseId } = await this.client();
    const scope = this.scope(statement, options);
    try {
      const submission = { api, warehouseId, statement, parameters, cap, signal: scope.signal };
      let plan = this.plan(cap);
      let result = await this.run({ ...submission, plan });
      if (
        result.cutByBytes &&
        plan.disposition === 'INLINE' &&
        (this.settings.settings?.disposition ?? 'auto') === 'auto'
      ) {
        // The INLINE answer hit its byte limit before the row cap: ask again with links, which
        // carry up to 100 GiB (a read is safe to repeat; writes return one small row).
        plan = {
          disposition: 'EXTERNAL_LINKS',
          format: this.settings.settings?.format ?? 'ARROW_STREAM',
        };
        result = await this.run({ ...submission, plan });
      }
      return result.result;
    } catch (error) {
      throw scope.fail(error);
    } finally {
      scope.end();
    }
  }

  /**
   * Runs one statement and yields its rows at most `batchRows` at a time, reading the result
   * chunk by chunk (`next_chunk_index`) as the consumer asks: memory holds the chunk being read
   * and the one downloading behind it, whatever the result's size. Results come as links
   * (EXTERNAL_LINKS, unless the settings force INLINE), so no result is cut at INLINE's 25 MiB.
   * Ending the iteration early stops the downloads and cancels the statement on the warehouse.
   */
  async *stream(
    statement: string,
    options: StreamOptions = {},
  ): AsyncGenerator<StatementPage, void, undefined> {
    this.ensureOpen();
    if (options.signal?.aborted) throw this.cancelError('canceled', statement, options.signal);
    const cap = rowCapOf(options.maxRows);
    const pageSize = pageSizeOf(options.batchRows);
    const parameters = toStatementParameters(options.params, statement);
    const { api, warehouseId } = await this.client();
    const scope = this.scope(statement, options);
    const settings = this.settings.settings ?? {};
    const plan: { disposition: Disposition; format: ResultFormat } =
      settings.disposition === 'INLINE'
        ? { disposition: 'INLINE', format: 'JSON_ARRAY' }
        : { disposition: 'EXTERNAL_LINKS', format: settings.format ?? 'ARROW_STREAM' };
    let statementId: string | undefined;
    let finished = false;
    try {
      const done = await this.submit({
        api,
        warehouseId,
        statement,
        parameters,
        cap,
        plan,
        signal: scope.signal,
      });
      statementId = done.statement_id;
      const described = (done.manifest?.schema?.columns ?? [])
        .slice()
        .sort((a, b) => a.position - b.position);
      const columns = described.map(queryColumnOf);
      const names = described.map((column) => column.name);
      let delivered = 0;
      let rows: Array<Record<string, unknown>> = [];
      // One chunk downloads behind the one being read: bounded memory, no wait between chunks.
      for await (const chunk of api.chunks(done, { signal: scope.signal, prefetch: 1 })) {
        for (const values of chunk.rows) {
          if (cap !== undefined && delivered + rows.length === cap) {
            // One row past the cap: there were more.
            finished = true;
            yield { columns, rows, truncated: true };
            return;
          }
          const row: Record<string, unknown> = {};
          for (let index = 0; index < names.length; index += 1) row[names[index]!] = values[index];
          rows.push(row);
          if (rows.length === pageSize) {
            // Pages cut from a chunk in hand need no request: check the signal here.
            scope.signal.throwIfAborted();
            delivered += rows.length;
            yield { columns, rows, truncated: false };
            rows = [];
          }
        }
      }
      finished = true;
      // Also true when the warehouse cut the result by bytes (INLINE only) before the cap.
      yield { columns, rows, truncated: done.manifest?.truncated === true };
    } catch (error) {
      throw scope.fail(error);
    } finally {
      scope.end();
      // Left before the end: the downloads have stopped (the chunk reader's own `finally`); tell
      // the warehouse too (a statement that already succeeded keeps its result until it expires).
      if (!finished && statementId !== undefined) await api.cancelQuietly(statementId);
    }
  }

  /**
   * What every statement shares: one controller that the caller's signal, `queryTimeout` and
   * `close()` all abort; `fail` turns what the statement threw into the package's typed error
   * (a cancellation when the controller fired); `end` releases the timer and listener.
   */
  private scope(
    statement: string,
    options: ExecuteOptions,
  ): { signal: AbortSignal; fail: (error: unknown) => LakechainError; end: () => void } {
    const { signal } = options;
    const controller = new AbortController();
    const key = Symbol(statement);
    this.running.set(key, controller);
    let why: 'canceled' | 'timeout' | undefined;
    const onAbort = () => {
      why ??= 'canceled';
      controller.abort(signal?.reason);
    };
    signal?.addEventListener('abort', onAbort, { once: true });
    const timer =
      options.queryTimeout !== undefined && options.queryTimeout > 0
        ? setTimeout(() => {
            why ??= 'timeout';
            controller.abort(new Error('queryTimeout'));
          }, options.queryTimeout * 1000)
        : undefined;
    return {
      signal: controller.signal,
      fail: (error) => {
        if (controller.signal.aborted) {
          return this.cancelError(
            why ?? 'canceled',
            statement,
            signal,
            options.queryTimeout,
            error,
          );
        }
        if (LakechainError.isInstance(error)) {
          return DatabricksSqlError.isInstance(error) ? error : requestError(error, statement);
        }
        return requestError(error, statement);
      },
      end: () => {
        if (timer) clearTimeout(timer);
        signal?.removeEventListener('abort', onAbort);
        this.running.delete(key);
      },
    };
  }

  /**
   * Submits the statement, waits for it and reads at most `cap + 1` rows. The submission itself
   * is not aborted by `signal` (the statement id only arrives with its answer): the caller is
   * released at once, and the statement is cancelled as soon as its id is known (`submit`).
   */
  private async run(
    submission: Submission,
  ): Promise<{ result: StatementResult; cutByBytes: boolean }> {
    const { api, cap, signal } = submission;
    const done = await this.submit(submission);
    const columns = (done.manifest?.schema?.columns ?? [])
      .slice()
      .sort((a, b) => a.position - b.position);
    const names = columns.map((column) => column.name);
    const rows: Array<Record<string, unknown>> = [];
    const limit = cap === undefined ? Number.POSITIVE_INFINITY : cap + 1;
    for await (const chunk of api.chunks(done, { signal })) {
      for (const values of chunk.rows) {
        if (rows.length >= limit) break;
        const row: Record<string, unknown> = {};
        for (let index = 0; index < names.length; index += 1) row[names[index]!] = values[index];
        rows.push(row);
      }
      if (rows.length >= limit) break;
    }
    const truncated = cap !== undefined && rows.length > cap;
    const serverTruncated = done.manifest?.truncated === true;
    return {
      result: {
        columns: columns.map(queryColumnOf),
        rows: truncated ? rows.slice(0, cap) : rows,
        // Also true when the warehouse cut the result by bytes before the cap was reached.
        truncated: truncated || serverTruncated,
      },
      cutByBytes: serverTruncated && !truncated,
    };
  }

  /** Submits the statement (at most `cap + 1` rows) and waits until it SUCCEEDED. */
  private async submit({
    api,
    warehouseId,
    statement,
    parameters,
    cap,
    plan,
    signal,
  }: Submission): Promise<StatementResponse> {
    const request: ExecuteStatementRequest = {
      statement,
      warehouse_id: warehouseId,
      catalog: this.settings.catalog,
      schema: this.settings.schema,
      parameters,
      wait_timeout: `${this.settings.settings?.waitTimeoutSeconds ?? 10}s`,
      on_wait_timeout: 'CONTINUE',
      disposition: plan.disposition,
      format: plan.format,
    };
    // One row past the cap says whether there were more, whatever the server reports.
    if (cap !== undefined) request.row_limit = cap + 1;
    if (plan.disposition === 'INLINE') request.byte_limit = INLINE_BYTE_LIMIT;
    this.statementsExecuted += 1;
    const submitted = api.executeStatement(request, {
      retry: {
        maxAttempts: (this.settings.statementRetries ?? 4) + 1,
        initialDelayMs: 1_000,
        maxDelayMs: 20_000,
        totalTimeoutMs: 120_000,
      },
    });
    const answered = await new Promise<StatementResponse>((resolve, reject) => {
      if (signal.aborted) {
        reject(signal.reason);
        return;
      }
      const onAbort = () => reject(signal.reason);
      signal.addEventListener('abort', onAbort, { once: true });
      submitted.then(
        (response) => {
          signal.removeEventListener('abort', onAbort);
          resolve(response);
        },
        (error: unknown) => {
          signal.removeEventListener('abort', onAbort);
          reject(error);
        },
      );
    }).catch((error: unknown) => {
      if (signal.aborted) {
        // Cancel the statement once its id arrives (it may still be running then).
        submitted
          .then(async (late) => {
            if (late.status.state === 'PENDING' || late.status.state === 'RUNNING')
              await api.cancelQuietly(late.statement_id);
          })
          .catch(() => {});
      }
      throw error;
    });
    const done = await api.waitForStatement(answered, { signal });
    if (done.status.state !== 'SUCCEEDED') throw terminalError(done, statement);
    return done;
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
        : `Query cancelled (${signal?.aborted ? abortReason(signal) : 'aborted'}); it was stopped on the warehouse.`;
    return new DatabricksSqlError(message, { kind, statement, cause });
  }

  /**
   * Columns of every table of a schema without the driver's GetColumns RPC: `SHOW TABLES`, then
   * `DESCRIBE TABLE` per table (a few at a time), in the JDBC shape introspection reads.
   */
  async getColumns(catalog: string, schema: string): Promise<Array<Record<string, unknown>>> {
    const qualifiedSchema = `${quoteIdentifier(catalog)}.${quoteIdentifier(schema)}`;
    const tables = (await this.execute(`SHOW TABLES IN ${qualifiedSchema}`)).rows
      .filter((row) => row.isTemporary !== true)
      .map((row) => String(row.tableName ?? row.table_name ?? ''))
      .filter((name) => name !== '');
    const out: Array<Record<string, unknown>> = [];
    let next = 0;
    const worker = async () => {
      while (next < tables.length) {
        const table = tables[next++]!;
        const described = await this.execute(
          `DESCRIBE TABLE ${qualifiedSchema}.${quoteIdentifier(table)}`,
        );
        let position = 0;
        for (const row of described.rows) {
          const column = String(row.col_name ?? '');
          // The column list ends at the first blank or `# Partition Information` line.
          if (column === '' || column.startsWith('#')) break;
          out.push({
            TABLE_NAME: table,
            COLUMN_NAME: column,
            TYPE_NAME: row.data_type,
            REMARKS: row.comment ?? null,
            ORDINAL_POSITION: position++,
          });
        }
      }
    };
    await Promise.all(
      Array.from({ length: Math.min(DESCRIBE_CONCURRENCY, tables.length) }, worker),
    );
    return out;
  }

  /** Cancels running statements and releases the link-download pool. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const controller of this.running.values()) controller.abort(new Error('closed'));
    const client = await this.clientPromise?.catch(() => undefined);
    await client?.api.close();
  }
}
