/**
 * The JSON of Databricks' SQL Statement Execution API (`/api/2.0/sql/statements`), as the
 * Databricks SDKs define it (`sql.py`: `ExecuteStatementRequest`, `StatementResponse`,
 * `ResultManifest`, `ResultData`, `ExternalLink`). Field names are the wire's snake_case.
 */

export type StatementState = 'PENDING' | 'RUNNING' | 'SUCCEEDED' | 'FAILED' | 'CANCELED' | 'CLOSED';

export type Disposition = 'INLINE' | 'EXTERNAL_LINKS';

export type ResultFormat = 'JSON_ARRAY' | 'ARROW_STREAM' | 'CSV';

export type OnWaitTimeout = 'CONTINUE' | 'CANCEL';

/** A named parameter: `value` omitted (or null) is SQL NULL; `type` defaults to STRING. */
export interface StatementParameter {
  name: string;
  value?: string | null;
  /** `INT`, `BIGINT`, `DECIMAL(10,2)`, `DATE`, `TIMESTAMP`, ... (no ARRAY, MAP or STRUCT). */
  type?: string;
}

export interface ExecuteStatementRequest {
  statement: string;
  warehouse_id: string;
  catalog?: string;
  schema?: string;
  parameters?: StatementParameter[];
  /** `"0s"`, or `"5s"` to `"50s"`. Default `"10s"`. */
  wait_timeout?: string;
  on_wait_timeout?: OnWaitTimeout;
  disposition?: Disposition;
  format?: ResultFormat;
  row_limit?: number;
  byte_limit?: number;
}

export interface ServiceError {
  error_code?: string;
  message?: string;
}

export interface StatementStatus {
  state: StatementState;
  error?: ServiceError;
  sql_state?: string;
}

export interface ResultColumnInfo {
  name: string;
  position: number;
  /** `LONG`, `INT`, `DECIMAL`, `ARRAY`, ... */
  type_name?: string;
  /** `BIGINT`, `DECIMAL(10,2)`, `ARRAY<INT>`, ... */
  type_text?: string;
  type_precision?: number;
  type_scale?: number;
  type_interval_type?: string;
}

export interface ChunkInfo {
  chunk_index: number;
  row_offset: number;
  row_count: number;
  byte_count?: number;
}

export interface ResultManifest {
  format?: ResultFormat;
  schema?: { column_count?: number; columns?: ResultColumnInfo[] };
  total_chunk_count?: number;
  chunks?: ChunkInfo[];
  total_row_count?: number;
  total_byte_count?: number;
  truncated?: boolean;
}

export interface ExternalLink {
  external_link: string;
  /** ISO 8601 time after which the link no longer works. */
  expiration?: string;
  chunk_index: number;
  row_offset?: number;
  row_count?: number;
  byte_count?: number;
  next_chunk_index?: number;
  next_chunk_internal_link?: string;
  /** Headers to send with the download (never the workspace's Authorization). */
  http_headers?: Record<string, string>;
}

export interface ResultData {
  chunk_index?: number;
  row_offset?: number;
  row_count?: number;
  byte_count?: number;
  /** INLINE JSON_ARRAY: every non-null value as a string. */
  data_array?: Array<Array<string | null>>;
  external_links?: ExternalLink[];
  next_chunk_index?: number;
  next_chunk_internal_link?: string;
}

export interface StatementResponse {
  statement_id: string;
  status: StatementStatus;
  manifest?: ResultManifest;
  result?: ResultData;
}

export const TERMINAL_STATES: ReadonlySet<StatementState> = new Set([
  'SUCCEEDED',
  'FAILED',
  'CANCELED',
  'CLOSED',
]);
