/**
 * The seam between `DatabricksSqlDatabase` and how statements reach the warehouse: the Thrift
 * driver (`connection.ts`, `SqlConnection`) or the Statement Execution API
 * (`statement_execution/rest_connection.ts`). Everything above it (guard, introspection, sample
 * rows, row caps, JSON for the model) is shared, so both transports answer alike.
 */

import { DatabricksConfigError } from '@lakechain/core';
import type { ExecuteOptions, QueryColumn, StatementResult } from './connection.js';

/** One page of a streamed result (see `StatementConnection.stream`). */
export interface StatementPage {
  columns: QueryColumn[];
  rows: Array<Record<string, unknown>>;
  /** True on the last page when `maxRows` cut the result (there were more rows). */
  truncated: boolean;
}

/** Options of a streamed statement: those of `execute`, plus the page size. */
export interface StreamOptions extends ExecuteOptions {
  /** Rows per page at most (one fetch per page on Thrift). Default 10 000. */
  batchRows?: number;
}

/** Default rows per page of a stream: one fetch round trip per 10 000 rows. */
export const DEFAULT_BATCH_ROWS = 10_000;

/** The most rows one driver fetch asks for (also a statement's fetch size without a cap). */
export const MAX_PAGE_ROWS = 100_000;

/** `maxRows` as a whole number of rows, or undefined for no cap. */
export function rowCapOf(maxRows: number | undefined): number | undefined {
  return maxRows !== undefined && Number.isFinite(maxRows)
    ? Math.max(0, Math.floor(maxRows))
    : undefined;
}

/** `batchRows` as a whole number of rows from 1 to 100 000 (the driver's largest page). */
export function pageSizeOf(batchRows: number | undefined): number {
  if (batchRows === undefined) return DEFAULT_BATCH_ROWS;
  if (!Number.isFinite(batchRows) || batchRows < 1) {
    throw new DatabricksConfigError(
      `Invalid option \`batchRows\` (${batchRows}): pass a whole number of rows from 1 to ${MAX_PAGE_ROWS}.`,
      { option: 'batchRows' },
    );
  }
  return Math.min(Math.floor(batchRows), MAX_PAGE_ROWS);
}

export interface StatementConnection {
  /** Runs one statement; at most `maxRows` rows (the fetch stops there), cancellable. */
  execute(statement: string, options?: ExecuteOptions): Promise<StatementResult>;
  /**
   * Runs one statement and yields its rows page by page as the consumer asks for them; ending the
   * iteration early stops it on the warehouse.
   */
  stream(
    statement: string,
    options?: StreamOptions,
  ): AsyncGenerator<StatementPage, void, undefined>;
  /** JDBC-style column rows of a schema (introspection's last fallback). */
  getColumns(catalog: string, schema: string): Promise<Array<Record<string, unknown>>>;
  /** Cancels running statements and releases what the connection opened. */
  close(): Promise<void>;
}

/** Where a connection resolved its workspace to (for `serialize()`). */
export type ResolvedTarget = (target: { host: string; httpPath?: string }) => void;
