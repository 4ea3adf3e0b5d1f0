/**
 * `DatabricksRowStream`, what `DatabricksSqlDatabase.stream()` returns: the rows of one statement,
 * read from the warehouse a page at a time as the loop asks for them, so a result of any size
 * runs in the memory of one page. It is an `AsyncIterable` of rows, like Node's `Readable` in
 * object mode, `pg-query-stream` or `mysql2`'s `.stream()`: `for await (const row of stream)`.
 * `batches()` gives the same pages as arrays, for code that works on many rows at once (inserts,
 * Arrow builders) or wants to skip one `await` per row.
 */
import type { QueryColumn } from './connection.js';
import { DatabricksSqlError } from './errors.js';
import type { StatementPage } from './statement_connection.js';

export type DatabricksRow = Record<string, unknown>;

export class DatabricksRowStream implements AsyncIterable<DatabricksRow> {
  readonly #open: () => AsyncGenerator<StatementPage, void, undefined>;
  #pages?: AsyncGenerator<StatementPage, void, undefined>;
  #columns?: QueryColumn[];
  #truncated = false;
  #rowCount = 0;
  #closed = false;

  /** `open` starts the statement; it is called once, when the iteration starts. */
  constructor(open: () => AsyncGenerator<StatementPage, void, undefined>) {
    this.#open = open;
  }

  /** The result's columns, known once the first page has arrived. */
  get columns(): QueryColumn[] | undefined {
    return this.#columns;
  }

  /** True once the iteration has ended because `maxRows` cut the result (there were more). */
  get truncated(): boolean {
    return this.#truncated;
  }

  /** Rows handed out so far. */
  get rowCount(): number {
    return this.#rowCount;
  }

  /** The rows, one page (`batchRows` at most) per step. */
  batches(): AsyncGenerator<DatabricksRow[], void, undefined> {
    if (this.#pages) {
      throw new DatabricksSqlError(
        'This stream was already read: a stream runs its statement once. Call db.stream() again to run it again.',
        { kind: 'unknown' },
      );
    }
    this.#pages = this.#open();
    return this.#batchesOf(this.#pages);
  }

  async *#batchesOf(
    pages: AsyncGenerator<StatementPage, void, undefined>,
  ): AsyncGenerator<DatabricksRow[], void, undefined> {
    // `for await` calls `pages.return()` when the consumer leaves early: the statement is closed.
    for await (const page of pages) {
      if (this.#closed) return;
      this.#columns = page.columns;
      if (page.truncated) this.#truncated = true;
      this.#rowCount += page.rows.length;
      if (page.rows.length > 0) yield page.rows;
    }
  }

  async *[Symbol.asyncIterator](): AsyncGenerator<DatabricksRow, void, undefined> {
    for await (const batch of this.batches()) {
      for (const row of batch) {
        // Closed while this page was being read: the rest of it is dropped too.
        if (this.#closed) return;
        yield row;
      }
    }
  }

  /**
   * Stops reading and closes the statement on the warehouse, as `break` out of the loop does.
   * For a stream handed to code that may not finish its loop; harmless when it has ended.
   */
  async close(): Promise<void> {
    this.#closed = true;
    await this.#pages?.return();
  }
}
