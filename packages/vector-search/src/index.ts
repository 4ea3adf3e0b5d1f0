// Public API of @lakechain/vector-search: an explicit list.
export {
  checkIndexName,
  DEFAULT_DELETE_KEYS_PER_REQUEST,
  DEFAULT_UPSERT_BYTES_PER_REQUEST,
  DEFAULT_UPSERT_ROWS_PER_REQUEST,
  scanValue,
  VectorSearchClient,
  VectorSearchIndex,
} from './client.js';
export type {
  CreateDeltaSyncIndexOptions,
  CreateDirectAccessIndexOptions,
  DataOperationResult,
  DirectAccessColumnType,
  QueryOptions,
  TableColumn,
  TableInfo,
  UpsertOptions,
  WaitOptions,
} from './client.js';
export type {
  VectorSearchAuthOptions,
  VectorSearchClientRequest,
  VectorSearchHttpClient,
} from './connection.js';
export {
  EndpointNotReadyError,
  IndexNotFoundError,
  IndexNotReadyError,
  VectorSearchError,
  VectorSearchPartialFailureError,
  VectorSearchPermissionError,
  VectorSearchRateLimitError,
  VectorSearchValidationError,
} from './errors.js';
export type { VectorSearchErrorOptions, VectorSearchErrorReason } from './errors.js';
export {
  columnsOfFilterString,
  FILTER_OPERATORS,
  filterRequestFields,
  parseFilterKey,
  validateFilter,
} from './filters.js';
export type {
  FilterOperator,
  ParsedFilterKey,
  VectorSearchFilter,
  VectorSearchFilterDict,
  VectorSearchFilterScalar,
  VectorSearchFilterValue,
} from './filters.js';
export { indexSpecOf } from './index_spec.js';
export type { IndexKind, IndexSpec } from './index_spec.js';
export { toolNameOfIndex, VectorSearchRetrieverTool } from './retriever_tool.js';
export type { VectorSearchRetrieverToolInput } from './retriever_tool.js';
export type {
  DataOperationResponse,
  DeltaSyncIndexSpec,
  DirectAccessIndexSpec,
  EmbeddingSourceColumn,
  EmbeddingVectorColumn,
  EndpointInfo,
  EndpointState,
  EndpointType,
  IndexInfo,
  IndexStatus,
  IndexType,
  PipelineType,
  QueryRequest,
  QueryResponse,
  QueryType,
  ScanResponse,
  ScanValue,
} from './types.js';
export { DatabricksVectorSearch } from './vector_store.js';
export type { DatabricksVectorSearchInput, VectorSearchOptions } from './vector_store.js';
export { VERSION } from './version.js';
