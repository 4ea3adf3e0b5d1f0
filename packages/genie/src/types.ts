/**
 * The Genie Conversation API's wire shapes (`/api/2.0/genie/spaces/{space_id}/...`), in
 * Databricks' snake_case, as the Databricks SDK describes them. Only what this package reads is
 * typed; everything else passes through untouched.
 */

/** `SUBMITTED` → `FETCHING_METADATA` → `FILTERING_CONTEXT` → `ASKING_AI` → `PENDING_WAREHOUSE` → `EXECUTING_QUERY` → a terminal state. */
export type GenieMessageStatus =
  | 'SUBMITTED'
  | 'FETCHING_METADATA'
  | 'FILTERING_CONTEXT'
  | 'ASKING_AI'
  | 'PENDING_WAREHOUSE'
  | 'EXECUTING_QUERY'
  | 'COMPLETED'
  | 'FAILED'
  | 'CANCELLED'
  | 'QUERY_RESULT_EXPIRED';

/** The states after which a message no longer changes. */
export const TERMINAL_MESSAGE_STATUSES: readonly GenieMessageStatus[] = [
  'COMPLETED',
  'FAILED',
  'CANCELLED',
  'QUERY_RESULT_EXPIRED',
];

export interface GenieQueryAttachment {
  query?: string;
  description?: string;
  title?: string;
  statement_id?: string;
  query_result_metadata?: { row_count?: number; is_truncated?: boolean };
  parameters?: { keyword?: string; sql_type?: string; value?: string }[];
  [key: string]: unknown;
}

export interface GenieAttachment {
  attachment_id?: string;
  query?: GenieQueryAttachment;
  text?: { content?: string; purpose?: string; [key: string]: unknown };
  suggested_questions?: { questions?: string[] };
  [key: string]: unknown;
}

export interface GenieMessage {
  message_id: string;
  /** Legacy identifier, same as `message_id`. */
  id?: string;
  space_id: string;
  conversation_id: string;
  content: string;
  status?: GenieMessageStatus;
  attachments?: GenieAttachment[];
  /** `type` is one of about 70 `*_EXCEPTION` values, e.g. `SQL_EXECUTION_EXCEPTION`. */
  error?: { error?: string; type?: string };
  created_timestamp?: number;
  last_updated_timestamp?: number;
  user_id?: number;
  [key: string]: unknown;
}

export interface GenieConversation {
  conversation_id: string;
  space_id: string;
  title?: string;
  created_timestamp?: number;
  last_updated_timestamp?: number;
  [key: string]: unknown;
}

export interface GenieStartConversationResponse {
  conversation_id: string;
  message_id: string;
  conversation?: GenieConversation;
  message?: GenieMessage;
}

export interface GenieSpace {
  space_id: string;
  title?: string;
  description?: string;
  warehouse_id?: string;
  serialized_space?: string;
  [key: string]: unknown;
}

/** A column of a Statement Execution manifest. */
export interface StatementColumn {
  name: string;
  position?: number;
  /** `LONG`, `INT`, `DECIMAL`, `STRING`, `DATE`, `TIMESTAMP`, `BOOLEAN`, `ARRAY`, ... */
  type_name?: string;
  /** The SQL type: `BIGINT`, `DECIMAL(10,2)`, `ARRAY<STRING>`, ... */
  type_text?: string;
  [key: string]: unknown;
}

/**
 * A Statement Execution API `StatementResponse`, as the query-result endpoints wrap it in
 * `{statement_response}`. With the `JSON_ARRAY` format every non-null value is a string.
 */
export interface StatementResponse {
  statement_id?: string;
  status?: {
    state?: 'PENDING' | 'RUNNING' | 'SUCCEEDED' | 'FAILED' | 'CANCELED' | 'CLOSED';
    error?: { error_code?: string; message?: string };
    sql_state?: string;
  };
  manifest?: {
    format?: string;
    schema?: { column_count?: number; columns?: StatementColumn[] };
    total_row_count?: number;
    total_chunk_count?: number;
    truncated?: boolean;
    [key: string]: unknown;
  };
  result?: {
    chunk_index?: number;
    row_offset?: number;
    row_count?: number;
    data_array?: (string | null)[][];
    [key: string]: unknown;
  };
  [key: string]: unknown;
}

export interface GenieQueryResultResponse {
  statement_response?: StatementResponse;
}
