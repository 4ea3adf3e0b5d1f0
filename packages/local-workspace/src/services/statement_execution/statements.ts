/**
 * Statements of the Statement Execution API and their lifecycle: PENDING (accepted) → RUNNING
 * (the engine runs it and its result is read into chunks) → SUCCEEDED | FAILED | CANCELED, then
 * CLOSED when the result is dropped (after `resultLifetimeMs`, or when newer results need the
 * memory). Results are read from the engine page by page and stored already encoded, chunk by
 * chunk, so any chunk can be served again later, in any order, as Databricks allows.
 */
import { randomUUID } from 'node:crypto';
import type {
  ColumnMetadata,
  EngineSession,
  SqlEngine,
  StatementParameters,
} from '../../engine/sql_engine.js';
import { SqlError } from '../../engine/sql_engine.js';
import { type ChunkWriter, createChunkWriter, type ResultFormat } from './encoding.js';

export type StatementState = 'PENDING' | 'RUNNING' | 'SUCCEEDED' | 'FAILED' | 'CANCELED' | 'CLOSED';
export type Disposition = 'INLINE' | 'EXTERNAL_LINKS';

export const TERMINAL: ReadonlySet<StatementState> = new Set([
  'SUCCEEDED',
  'FAILED',
  'CANCELED',
  'CLOSED',
]);

/** A validated `POST /api/2.0/sql/statements` body. */
export interface StatementRequest {
  statement: string;
  catalog?: string;
  schema?: string;
  parameters: StatementParameters;
  waitTimeoutSeconds: number;
  onWaitTimeout: 'CONTINUE' | 'CANCEL';
  disposition: Disposition;
  format: ResultFormat;
  rowLimit?: number;
  byteLimit?: number;
}

export interface StoredChunk {
  rowOffset: number;
  rowCount: number;
  byteCount: number;
  /** EXTERNAL_LINKS: the chunk as downloaded. */
  bytes?: Buffer;
  /** INLINE: the rows as strings. */
  dataArray?: Array<Array<string | null>>;
}

export interface StatementSettings {
  /** Rows read from the engine per page. */
  pageRows: number;
  /** A chunk is closed once it holds this many bytes. */
  chunkBytes: number;
  /** INLINE results larger than this fail, as on Databricks (25 MiB). */
  inlineLimitBytes: number;
  now: () => number;
}

/** The pieces of a statement the API and the tests read. */
export class Statement {
  readonly id = randomUUID();
  state: StatementState = 'PENDING';
  error?: { error_code: string; message: string };
  sqlState?: string;
  columns: ColumnMetadata[] = [];
  chunks: StoredChunk[] = [];
  truncated = false;
  totalRows = 0;
  totalBytes = 0;
  readonly createdAt: number;
  finishedAt?: number;
  /** Settles when the statement reaches a terminal state. */
  readonly done: Promise<void>;
  private settle!: () => void;
  private readonly controller = new AbortController();

  constructor(
    readonly request: StatementRequest,
    now: number,
  ) {
    this.createdAt = now;
    this.done = new Promise((resolve) => {
      this.settle = resolve;
    });
  }

  get terminal(): boolean {
    return TERMINAL.has(this.state);
  }

  private finish(state: StatementState, now: number): void {
    if (this.terminal) return;
    this.state = state;
    this.finishedAt = now;
    this.settle();
  }

  /** Stops the engine query; the statement is CANCELED at once unless it already ended. */
  cancel(now: number, message = 'The statement was cancelled.'): void {
    if (this.terminal) return;
    this.error = { error_code: 'CANCELLED', message };
    this.finish('CANCELED', now);
    this.controller.abort(new Error(message));
  }

  /** Drops the stored result (CLOSED), or cancels a statement that is still running. */
  close(now: number): void {
    if (!this.terminal) this.cancel(now, 'The statement was closed.');
    this.chunks = [];
    this.state = 'CLOSED';
  }

  /** Runs the statement on a fresh engine session and stores its result chunk by chunk. */
  async run(engine: SqlEngine, settings: StatementSettings): Promise<void> {
    let session: EngineSession | undefined;
    const { request } = this;
    try {
      session = await engine.openSession({ catalog: request.catalog, schema: request.schema });
      if (this.terminal) return;
      this.state = 'RUNNING';
      const signal = this.controller.signal;
      const result = await session.execute(request.statement, request.parameters, signal);
      try {
        this.columns = result.columns;
        await this.readChunks(result, settings);
      } finally {
        await result.close().catch(() => {});
      }
      if (this.state === 'RUNNING') this.finish('SUCCEEDED', settings.now());
    } catch (error) {
      if (this.terminal) return; // cancelled meanwhile: the abort is what failed the query
      this.chunks = [];
      if (error instanceof SqlError) {
        this.error = { error_code: 'BAD_REQUEST', message: error.message };
        this.sqlState = error.sqlState;
      } else if (error instanceof InlineLimitError) {
        this.error = { error_code: 'BAD_REQUEST', message: error.message };
      } else {
        this.error = {
          error_code: 'INTERNAL_ERROR',
          message: error instanceof Error ? error.message : String(error),
        };
      }
      this.finish('FAILED', settings.now());
    } finally {
      await session?.close().catch(() => {});
    }
  }

  private async readChunks(
    result: { fetch(maxRows: number): Promise<unknown[][]>; hasMoreRows(): boolean },
    settings: StatementSettings,
  ): Promise<void> {
    const { request } = this;
    const rowLimit = request.rowLimit ?? Number.POSITIVE_INFINITY;
    const byteLimit = request.byteLimit ?? Number.POSITIVE_INFINITY;
    const stored = request.disposition === 'INLINE' ? 'dataArray' : 'bytes';
    let writer: ChunkWriter | undefined;
    let bytesPerRow = 0;
    const open = () =>
      createChunkWriter(request.format, this.columns, { header: this.chunks.length === 0 });
    const close = () => {
      if (!writer) return;
      const chunk: StoredChunk = {
        rowOffset: this.totalRows - writer.rowCount,
        rowCount: writer.rowCount,
        byteCount: 0,
      };
      if (stored === 'bytes') {
        chunk.bytes = writer.bytes();
        chunk.byteCount = chunk.bytes.length;
      } else {
        chunk.dataArray = writer.dataArray();
        chunk.byteCount = writer.byteCount;
      }
      this.chunks.push(chunk);
      writer = undefined;
    };
    for (;;) {
      if (this.terminal) return;
      const room = rowLimit - this.totalRows;
      // One row past the limit says whether the result was cut.
      const rows = (await result.fetch(Math.min(settings.pageRows, room + 1))) as Parameters<
        ChunkWriter['add']
      >[0];
      if (rows.length === 0) break;
      if (rows.length > room) {
        rows.length = room;
        this.truncated = true;
      }
      // Rows go into chunks in slices sized from the bytes per row seen so far, so a chunk
      // closes near `chunkBytes` whatever the page size.
      let reachedByteLimit = false;
      for (let offset = 0; offset < rows.length; ) {
        writer ??= open();
        const left = rows.length - offset;
        const room = Math.max(1, settings.chunkBytes - writer.byteCount);
        const count =
          bytesPerRow > 0
            ? Math.min(left, Math.max(1, Math.ceil(room / bytesPerRow)))
            : Math.min(left, 100);
        const before = writer.byteCount;
        writer.add(rows.slice(offset, offset + count));
        offset += count;
        const added = writer.byteCount - before;
        bytesPerRow = added / count || bytesPerRow;
        this.totalRows += count;
        this.totalBytes += added;
        if (request.disposition === 'INLINE' && this.totalBytes > settings.inlineLimitBytes) {
          throw new InlineLimitError(settings.inlineLimitBytes);
        }
        if (this.totalBytes >= byteLimit) {
          this.truncated ||= offset < rows.length || result.hasMoreRows();
          reachedByteLimit = true;
          break;
        }
        if (writer.byteCount >= settings.chunkBytes) close();
      }
      if (this.truncated || reachedByteLimit || !result.hasMoreRows()) break;
    }
    // An empty result still has one (empty) chunk: for ARROW_STREAM it carries the schema.
    writer ??= this.chunks.length === 0 ? open() : undefined;
    close();
    if (stored === 'bytes') {
      this.totalBytes = this.chunks.reduce((sum, chunk) => sum + chunk.byteCount, 0);
    }
  }
}

class InlineLimitError extends Error {
  constructor(limit: number) {
    super(
      `The result is larger than ${Math.round(limit / 1024 / 1024)} MiB, the limit of the INLINE disposition. Use the EXTERNAL_LINKS disposition, or set row_limit / byte_limit.`,
    );
  }
}

/** Statements by id, with results dropped after their lifetime or when memory is needed. */
export class StatementRegistry {
  private readonly statements = new Map<string, Statement>();

  constructor(
    private readonly limits: { resultLifetimeMs: number; maxRetainedBytes: number },
    private readonly now: () => number,
  ) {}

  add(statement: Statement): void {
    this.statements.set(statement.id, statement);
    this.sweep();
  }

  get(id: string): Statement | undefined {
    this.sweep();
    return this.statements.get(id);
  }

  all(): Statement[] {
    return [...this.statements.values()];
  }

  /** CLOSED for results past their lifetime; then the oldest results while over the memory cap. */
  private sweep(): void {
    const now = this.now();
    let retained = 0;
    const kept: Statement[] = [];
    for (const statement of this.statements.values()) {
      if (statement.state !== 'SUCCEEDED') continue;
      if (now - (statement.finishedAt ?? now) > this.limits.resultLifetimeMs) statement.close(now);
      else {
        retained += statement.totalBytes;
        kept.push(statement);
      }
    }
    for (const statement of kept) {
      if (retained <= this.limits.maxRetainedBytes) break;
      retained -= statement.totalBytes;
      statement.close(now);
    }
  }

  /** Cancels what still runs and drops every result. */
  closeAll(): void {
    const now = this.now();
    for (const statement of this.statements.values()) statement.close(now);
  }
}
