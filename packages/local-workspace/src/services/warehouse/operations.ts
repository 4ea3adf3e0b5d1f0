/**
 * One operation of the warehouse (a statement or a metadata call): it runs asynchronously after
 * the RPC that created it has answered, moves through INITIALIZED → RUNNING → FINISHED / ERROR /
 * CANCELED → CLOSED, and hands out its result page by page (never materialised whole).
 */
import {
  type ColumnMetadata,
  type EngineResult,
  type EngineValue,
  SqlError,
} from '../../engine/sql_engine.js';
import {
  newHandleIdentifier,
  OperationState,
  type OperationStateValue,
  type ThriftStruct,
} from './thrift_types.js';

export interface OperationError {
  message: string;
  sqlState?: string;
  errorClass?: string;
}

export interface Page {
  rows: EngineValue[][];
  startRowOffset: number;
  hasMoreRows: boolean;
}

/** Thrown for requests an operation cannot serve in its state; becomes an ERROR_STATUS. */
export class OperationRequestError extends Error {
  constructor(
    message: string,
    readonly sqlState = 'HY000',
  ) {
    super(message);
    this.name = 'OperationRequestError';
  }
}

function describeError(error: unknown): OperationError {
  if (error instanceof SqlError) {
    return { message: error.message, sqlState: error.sqlState, errorClass: error.errorClass };
  }
  const sqlError = error as { errorClass?: unknown; sqlState?: unknown; message?: unknown };
  if (typeof sqlError?.errorClass === 'string' && typeof sqlError.sqlState === 'string') {
    return {
      message: String(sqlError.message),
      sqlState: sqlError.sqlState,
      errorClass: sqlError.errorClass,
    };
  }
  const message = error instanceof Error ? error.message : String(error);
  return {
    message: `[INTERNAL_ERROR] ${message} SQLSTATE: XX000`,
    sqlState: 'XX000',
    errorClass: 'INTERNAL_ERROR',
  };
}

export class Operation {
  readonly identifier: ThriftStruct = newHandleIdentifier();
  readonly key: string = Buffer.from(this.identifier.guid).toString('hex');
  readonly startedAt = Date.now();
  completedAt: number | undefined;
  state: OperationStateValue = OperationState.INITIALIZED;
  error: OperationError | undefined;
  private result: EngineResult | undefined;
  private resultColumns: ColumnMetadata[] = [];
  private resultAffectedRows: number | undefined;
  private readonly abort = new AbortController();
  private readonly settled: Promise<void>;
  private rowOffset = 0;
  private fetchedOnce = false;
  private exhausted = false;
  /** Serialises fetches: an EngineResult is a cursor. */
  private queue: Promise<unknown> = Promise.resolve();

  constructor(
    readonly sessionKey: string,
    readonly operationType: number,
    run: (signal: AbortSignal) => Promise<EngineResult>,
    /** Statement timeout (queryTimeout / STATEMENT_TIMEOUT) in ms; 0 = none. */
    timeoutMs = 0,
  ) {
    this.state = OperationState.RUNNING;
    if (timeoutMs > 0) {
      const timer = setTimeout(() => {
        if (!this.running) return;
        this.state = OperationState.TIMEDOUT;
        this.completedAt = Date.now();
        this.error = {
          message: `The statement was canceled: it exceeded its timeout of ${timeoutMs / 1000} seconds.`,
          sqlState: 'HYT00',
        };
        this.abort.abort(new Error('Statement timeout'));
      }, timeoutMs);
      timer.unref();
    }
    this.settled = (async () => {
      try {
        const result = await run(this.abort.signal);
        if (this.state !== OperationState.RUNNING) {
          await result.close().catch(() => undefined);
          return;
        }
        this.result = result;
        this.resultColumns = result.columns;
        this.resultAffectedRows = result.affectedRows;
        this.state = OperationState.FINISHED;
      } catch (error) {
        if (this.state !== OperationState.RUNNING) return;
        this.error = describeError(error);
        this.state = OperationState.ERROR;
      } finally {
        this.completedAt ??= Date.now();
      }
    })();
  }

  get columns(): ColumnMetadata[] {
    return this.resultColumns;
  }

  get hasResultSet(): boolean {
    if (this.state === OperationState.RUNNING || this.state === OperationState.INITIALIZED)
      return true;
    return this.columns.length > 0;
  }

  get affectedRows(): number | undefined {
    return this.resultAffectedRows;
  }

  get running(): boolean {
    return this.state === OperationState.RUNNING || this.state === OperationState.INITIALIZED;
  }

  /** Resolves true when the operation left RUNNING within `ms`. */
  async settledWithin(ms: number): Promise<boolean> {
    if (!this.running) return true;
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<false>((resolve) => {
      timer = setTimeout(() => resolve(false), ms);
    });
    try {
      return await Promise.race([this.settled.then(() => true as const), timeout]);
    } finally {
      clearTimeout(timer);
    }
  }

  async waitUntilSettled(): Promise<void> {
    await this.settled;
  }

  /** The next page of at most `maxRows` rows. */
  fetch(maxRows: number, fromStart: boolean): Promise<Page> {
    const next = this.queue.then(() => this.fetchNow(maxRows, fromStart));
    this.queue = next.catch(() => undefined);
    return next;
  }

  private async fetchNow(maxRows: number, fromStart: boolean): Promise<Page> {
    await this.settled;
    this.assertReadable();
    if (fromStart && this.fetchedOnce && this.rowOffset > 0) {
      throw new OperationRequestError(
        'FETCH_FIRST is only supported before the first rows were fetched: results stream forward only.',
      );
    }
    this.fetchedOnce = true;
    const result = this.result;
    if (!result || this.exhausted || this.columns.length === 0) {
      return { rows: [], startRowOffset: this.rowOffset, hasMoreRows: false };
    }
    const limit = Math.max(1, Math.floor(maxRows));
    const rows = await result.fetch(limit);
    this.assertReadable();
    const startRowOffset = this.rowOffset;
    this.rowOffset += rows.length;
    const hasMoreRows = rows.length > 0 && result.hasMoreRows();
    if (!hasMoreRows) {
      this.exhausted = true;
      // Free the cursor as soon as the last page is out.
      await result.close().catch(() => undefined);
    }
    return { rows, startRowOffset, hasMoreRows };
  }

  private assertReadable(): void {
    switch (this.state) {
      case OperationState.FINISHED:
        return;
      case OperationState.ERROR:
      case OperationState.TIMEDOUT:
        throw new OperationRequestError(
          this.error?.message ?? 'The operation failed.',
          this.error?.sqlState,
        );
      case OperationState.CANCELED:
        throw new OperationRequestError('The operation was canceled.', 'HY008');
      case OperationState.CLOSED:
        throw new OperationRequestError('The operation was closed.', 'HY010');
      default:
        throw new OperationRequestError('The operation has not finished yet.', 'HY010');
    }
  }

  /** CancelOperation: aborts the engine query; results are discarded. */
  async cancel(): Promise<void> {
    if (this.state === OperationState.CLOSED) return;
    if (this.running || this.state === OperationState.FINISHED) {
      this.state = OperationState.CANCELED;
      this.completedAt ??= Date.now();
      this.abort.abort(new Error('Operation canceled'));
      await this.releaseResult();
    }
  }

  /** CloseOperation: like cancel for a running operation, then CLOSED. */
  async close(): Promise<void> {
    if (this.state === OperationState.CLOSED) return;
    if (this.running) this.abort.abort(new Error('Operation closed'));
    this.state = OperationState.CLOSED;
    this.completedAt ??= Date.now();
    await this.releaseResult();
  }

  private async releaseResult(): Promise<void> {
    const result = this.result;
    this.result = undefined;
    this.exhausted = true;
    if (!result) return;
    // Close behind any fetch in flight: the cursor must not be closed under a running fetch.
    const closing = this.queue.then(() => result.close()).catch(() => undefined);
    this.queue = closing;
    await closing;
  }
}
