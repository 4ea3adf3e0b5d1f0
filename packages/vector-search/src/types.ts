/**
 * The Vector Search REST API's wire shapes (`/api/2.0/vector-search/...`), as Databricks documents
 * them, in snake_case. Only fields this package reads are typed strictly; the rest pass through.
 */

export type EndpointType = 'STANDARD' | 'STORAGE_OPTIMIZED';
export type EndpointState =
  | 'PROVISIONING'
  | 'ONLINE'
  | 'OFFLINE'
  | 'YELLOW_STATE'
  | 'RED_STATE'
  | 'DELETED'
  | (string & {});

export interface EndpointInfo {
  name: string;
  id?: string;
  endpoint_type?: EndpointType;
  endpoint_status?: { state?: EndpointState; message?: string };
  creator?: string;
  creation_timestamp?: number;
  last_updated_timestamp?: number;
  num_indexes?: number;
  [key: string]: unknown;
}

export type IndexType = 'DELTA_SYNC' | 'DIRECT_ACCESS';
export type PipelineType = 'TRIGGERED' | 'CONTINUOUS';
export type QueryType = 'ANN' | 'HYBRID' | 'FULL_TEXT';

export interface EmbeddingSourceColumn {
  name?: string;
  embedding_model_endpoint_name?: string;
  model_endpoint_name_for_query?: string;
}

export interface EmbeddingVectorColumn {
  name: string;
  embedding_dimension: number;
}

export interface DeltaSyncIndexSpec {
  source_table: string;
  pipeline_type?: PipelineType;
  embedding_source_columns?: EmbeddingSourceColumn[];
  embedding_vector_columns?: EmbeddingVectorColumn[];
  columns_to_sync?: string[];
  embedding_writeback_table?: string;
  pipeline_id?: string;
}

export interface DirectAccessIndexSpec {
  embedding_vector_columns?: EmbeddingVectorColumn[];
  embedding_source_columns?: EmbeddingSourceColumn[];
  /** A JSON string: column name → type (`integer`, `long`, `float`, `double`, `boolean`, `string`, `date`, `timestamp`, `array<float>`...). */
  schema_json?: string;
}

export interface IndexStatus {
  ready?: boolean;
  indexed_row_count?: number;
  message?: string;
  index_url?: string;
  /** Not in the SDK schema, but what Python's `wait_until_ready` reads (`ONLINE...`, `PROVISIONING...`, `OFFLINE...`). */
  detailed_state?: string;
}

export interface IndexInfo {
  name: string;
  endpoint_name?: string;
  primary_key: string;
  index_type: IndexType;
  index_subtype?: string;
  creator?: string;
  delta_sync_index_spec?: DeltaSyncIndexSpec;
  direct_access_index_spec?: DirectAccessIndexSpec;
  status?: IndexStatus;
  [key: string]: unknown;
}

export interface QueryRequest {
  columns: string[];
  num_results?: number;
  query_text?: string;
  query_vector?: number[];
  /** A JSON string of a dictionary filter (standard endpoints). */
  filters_json?: string;
  /** A SQL-like filter (storage-optimized endpoints). */
  filter_string?: string;
  query_type?: QueryType;
  score_threshold?: number;
  columns_to_rerank?: string[];
  debug_level?: number;
}

export interface QueryResponse {
  manifest: { column_count?: number; columns: { name: string; type?: string }[] };
  result: { row_count: number; data_array: unknown[][] };
  next_page_token?: string | null;
  debug_info?: unknown;
}

/** One `google.protobuf.Value`, as `scan` returns field values. */
export interface ScanValue {
  string_value?: string;
  number_value?: number;
  bool_value?: boolean;
  null_value?: unknown;
  list_value?: { values?: ScanValue[] };
  struct_value?: { fields?: { key: string; value: ScanValue }[] } | Record<string, ScanValue>;
}

export interface ScanResponse {
  data?: { fields?: { key: string; value: ScanValue }[] }[];
  last_primary_key?: string | null;
}

export interface DataOperationResponse {
  status?: 'SUCCESS' | 'PARTIAL_SUCCESS' | 'FAILURE';
  result?: { success_row_count?: number; failed_primary_keys?: unknown[] };
}
