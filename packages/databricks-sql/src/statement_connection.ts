/**
 * The seam between `DatabricksSqlDatabase` and how statements reach the warehouse: the Thrift
 * driver (`connection.ts`, `SqlConnection`) or the Statement Execution API
 * (`statement_execution/rest_connection.ts`). Everything above it (guard, introspection, sample
 * rows, row caps, JSON for the model) is shared, so both transports answer alike.
 */
import type { ExecuteOptions, StatementResult } from './connection.js';

export interface StatementConnection {
  /** Runs one statement; at most `maxRows` rows (the fetch stops there), cancellable. */
  execute(statement: string, options?: ExecuteOptions): Promise<StatementResult>;
  /** JDBC-style column rows of a schema (introspection's last fallback). */
  getColumns(catalog: string, schema: string): Promise<Array<Record<string, unknown>>>;
  /** Cancels running statements and releases what the connection opened. */
  close(): Promise<void>;
}

/** Where a connection resolved its workspace to (for `serialize()`). */
export type ResolvedTarget = (target: { host: string; httpPath?: string }) => void;
