/**
 * `EngineResult` implementations: a streaming one over a DuckDB result (chunks pulled on demand)
 * and an in-memory one for emulated statements and metadata.
 */
import {
  type DuckDBDataChunk,
  DuckDBMaterializedResult,
  type DuckDBResult,
  type DuckDBType,
} from '@duckdb/node-api';
import { canceledError, classifyError, type ErrorContext } from '../errors.js';
import type { ColumnMetadata, EngineResult, EngineValue } from '../sql_engine.js';
import { converterFor } from './engine_values.js';

export class MaterializedResult implements EngineResult {
  private pos = 0;
  constructor(
    readonly columns: ColumnMetadata[],
    private rows: EngineValue[][],
    readonly affectedRows?: number,
  ) {}
  async fetch(maxRows: number): Promise<EngineValue[][]> {
    const n = Math.max(0, Math.floor(maxRows));
    const out = this.rows.slice(this.pos, this.pos + n);
    this.pos += out.length;
    return out;
  }
  hasMoreRows(): boolean {
    return this.pos < this.rows.length;
  }
  async close(): Promise<void> {
    this.rows = [];
    this.pos = 0;
  }
}

export interface StreamingResultOptions {
  result: DuckDBResult;
  columns: ColumnMetadata[];
  types: DuckDBType[];
  signal: AbortSignal;
  errorContext: ErrorContext;
  /** Called once when the result is exhausted, closed or failed (releases the connection). */
  onDone: () => void;
  /** Aborted: interrupt the query. */
  interrupt: () => void;
}

export class StreamingResult implements EngineResult {
  readonly columns: ColumnMetadata[];
  private chunkRows: EngineValue[][] = [];
  private chunkPos = 0;
  private exhausted = false;
  private closed = false;
  private aborted = false;
  private released = false;
  /** The next chunk to read of a materialized result. */
  private materializedChunk = 0;
  /** A DuckDB fetch is running: the connection is released only after it settles. */
  private inFlight = false;
  private readonly onAbort: () => void;
  /** Per column: undefined when DuckDB's JS value already is the EngineValue. */
  private readonly converters: Array<((v: unknown) => EngineValue) | undefined>;

  constructor(private readonly o: StreamingResultOptions) {
    this.columns = o.columns;
    this.converters = o.types.map((t) => converterFor(t));
    this.onAbort = () => {
      this.aborted = true;
      o.interrupt();
      this.finish();
    };
    o.signal.addEventListener('abort', this.onAbort, { once: true });
    if (o.signal.aborted) this.onAbort();
  }

  private release() {
    if (this.released || this.inFlight) return;
    this.released = true;
    this.o.onDone();
  }

  private finish() {
    if (!this.closed) {
      this.closed = true;
      this.exhausted = true;
      this.chunkRows = [];
      this.o.signal.removeEventListener('abort', this.onAbort);
    }
    this.release();
  }

  private convertChunk(chunk: DuckDBDataChunk): EngineValue[][] {
    const cols = chunk.getColumns();
    const n = chunk.rowCount;
    const width = this.converters.length;
    const converted: EngineValue[][] = new Array(width);
    for (let c = 0; c < width; c++) {
      const conv = this.converters[c];
      const src = cols[c] as unknown[];
      converted[c] = conv ? src.map((v) => conv(v)) : (src as EngineValue[]);
    }
    const out: EngineValue[][] = new Array(n);
    for (let r = 0; r < n; r++) {
      const row: EngineValue[] = new Array(width);
      for (let c = 0; c < width; c++) row[c] = (converted[c] as EngineValue[])[r] as EngineValue;
      out[r] = row;
    }
    return out;
  }

  /**
   * The next chunk: read in place from a materialized result (the session materializes queries
   * known to be small: no thread-pool hop per chunk), fetched from a streaming one.
   */
  private async nextChunk(): Promise<DuckDBDataChunk | null> {
    const result = this.o.result;
    if (result instanceof DuckDBMaterializedResult) {
      return this.materializedChunk < result.chunkCount
        ? result.getChunk(this.materializedChunk++)
        : null;
    }
    return result.fetchChunk();
  }

  async fetch(maxRows: number): Promise<EngineValue[][]> {
    if (this.aborted) throw canceledError();
    const want = Math.max(0, Math.floor(maxRows));
    const out: EngineValue[][] = [];
    while (out.length < want && !this.exhausted) {
      if (this.chunkPos < this.chunkRows.length) {
        const take = Math.min(want - out.length, this.chunkRows.length - this.chunkPos);
        for (let k = 0; k < take; k++) out.push(this.chunkRows[this.chunkPos + k] as EngineValue[]);
        this.chunkPos += take;
        continue;
      }
      let next: DuckDBDataChunk | null;
      this.inFlight = true;
      try {
        next = await this.nextChunk();
      } catch (e) {
        this.inFlight = false;
        this.finish();
        if (this.aborted) throw canceledError();
        throw classifyError(e, this.o.errorContext);
      }
      this.inFlight = false;
      if (this.aborted || this.closed) {
        this.finish();
        if (this.aborted) throw canceledError();
        break;
      }
      if (!next || next.rowCount === 0) {
        this.finish();
        break;
      }
      this.chunkRows = this.convertChunk(next);
      this.chunkPos = 0;
    }
    return out;
  }

  hasMoreRows(): boolean {
    return !this.exhausted;
  }

  async close(): Promise<void> {
    this.finish();
  }
}
