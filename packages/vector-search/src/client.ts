/**
 * The Vector Search REST API through core's `DatabricksClient`: endpoints and indexes
 * (`VectorSearchClient`) and one index's data plane (`VectorSearchIndex`: query with paging,
 * scan, upsert, delete, sync). `DatabricksVectorSearch` and `VectorSearchRetrieverTool` are built
 * on these; they are public for management scripts, exports and tests.
 */
import { abortableSleep } from '@lakechain/core';
import { z } from 'zod';
import {
  type VectorSearchAuthOptions,
  VectorSearchConnection,
  type VectorSearchHttpClient,
} from './connection.js';
import {
  EndpointNotReadyError,
  IndexNotReadyError,
  malformedResponse,
  type VectorSearchError,
  VectorSearchValidationError,
  wrapVectorSearchError,
} from './errors.js';
import type {
  DataOperationResponse,
  EndpointInfo,
  EndpointType,
  IndexInfo,
  PipelineType,
  QueryRequest,
  QueryResponse,
  ScanResponse,
  ScanValue,
} from './types.js';

const BASE = '/api/2.0/vector-search';

/** Full index names have three parts, like every Unity Catalog securable. */
const INDEX_NAME = /^[^.\s]+\.[^.\s]+\.[^.\s]+$/;

export function checkIndexName(name: unknown, parameter = 'indexName'): string {
  if (typeof name !== 'string' || !INDEX_NAME.test(name))
    throw new VectorSearchValidationError(
      `Invalid index name ${JSON.stringify(name)}: use the full Unity Catalog name "catalog.schema.index".`,
      { parameter },
    );
  return name;
}

function segment(name: string): string {
  return encodeURIComponent(name);
}

/** Databricks documents no upsert limits; these stay well under any HTTP gateway's body limit. */
export const DEFAULT_UPSERT_ROWS_PER_REQUEST = 1000;
export const DEFAULT_UPSERT_BYTES_PER_REQUEST = 8 * 1024 * 1024;
/** Primary keys per delete request: they travel in the query string, which proxies cap at ~8 KB. */
export const DEFAULT_DELETE_KEYS_PER_REQUEST = 100;
const DELETE_QUERY_BYTES = 4096;

export interface WaitOptions {
  /** Give up after this long (default 20 minutes). */
  timeoutMs?: number;
  /** Time between polls (default 5 s; Python's client polls every 30 s). */
  pollIntervalMs?: number;
  signal?: AbortSignal;
}

export interface CreateDeltaSyncIndexOptions {
  endpointName: string;
  indexName: string;
  primaryKey: string;
  /** `catalog.schema.table` to index. */
  sourceTable: string;
  pipelineType?: PipelineType;
  /** Managed embeddings: the text column Databricks embeds, and the serving endpoint that does it. */
  embeddingSourceColumn?: string;
  embeddingModelEndpointName?: string;
  /** A different endpoint to embed queries with (same model family). */
  modelEndpointNameForQuery?: string;
  /** Self-managed embeddings: the table's vector column and its dimension. */
  embeddingVectorColumn?: string;
  embeddingDimension?: number;
  /** Columns to sync besides the primary key and embedding columns (default: all). */
  columnsToSync?: string[];
  indexSubtype?: 'HYBRID' | 'FULL_TEXT';
}

/** Direct Access column types, as `schema_json` spells them. */
export type DirectAccessColumnType =
  | 'integer'
  | 'long'
  | 'float'
  | 'double'
  | 'boolean'
  | 'string'
  | 'date'
  | 'timestamp'
  | 'array<float>'
  | 'array<double>'
  | 'array<string>'
  | (string & {});

export interface CreateDirectAccessIndexOptions {
  endpointName: string;
  indexName: string;
  primaryKey: string;
  embeddingVectorColumn: string;
  embeddingDimension: number;
  /** Every column and its type, the vector column included (`array<float>`). */
  schema: Record<string, DirectAccessColumnType>;
  /** An embedding endpoint for `query_text` queries (optional). */
  embeddingModelEndpointName?: string;
}

/** A Unity Catalog column, as `GET /api/2.1/unity-catalog/tables/{name}` lists it. */
export interface TableColumn {
  name: string;
  type_name?: string;
  type_text?: string;
  comment?: string;
}

export interface TableInfo {
  name?: string;
  full_name?: string;
  comment?: string;
  columns?: TableColumn[];
  [key: string]: unknown;
}

/**
 * Endpoints and indexes of one workspace.
 *
 * @example
 * ```ts
 * const client = new VectorSearchClient(); // DATABRICKS_HOST + credentials, like every lakechain package
 * await client.createEndpoint({ name: 'vs' });
 * await client.createDirectAccessIndex({
 *   endpointName: 'vs', indexName: 'main.default.notes', primaryKey: 'id',
 *   embeddingVectorColumn: 'vector', embeddingDimension: 1024,
 *   schema: { id: 'string', text: 'string', vector: 'array<float>' },
 * });
 * await client.waitForIndex('main.default.notes');
 * ```
 */
export class VectorSearchClient {
  readonly #connection: VectorSearchConnection;

  /** `connection` is internal: the vector store and the tool share theirs with their client. */
  constructor(options: VectorSearchAuthOptions = {}, connection?: VectorSearchConnection) {
    this.#connection = connection ?? new VectorSearchConnection(options);
  }

  /** @internal */
  get connection(): VectorSearchConnection {
    return this.#connection;
  }

  /** The underlying HTTP client (core's `DatabricksClient` unless one was passed in). */
  httpClient(): Promise<VectorSearchHttpClient> {
    return this.connection.client();
  }

  async #call<T>(
    resource: string,
    kind: 'index' | 'endpoint',
    request: Parameters<VectorSearchConnection['request']>[0],
  ): Promise<T> {
    try {
      return await this.connection.request<T>(request);
    } catch (error) {
      throw wrapVectorSearchError(error, resource, kind);
    }
  }

  createEndpoint(options: {
    name: string;
    endpointType?: EndpointType;
    signal?: AbortSignal;
  }): Promise<EndpointInfo> {
    return this.#call(options.name, 'endpoint', {
      method: 'POST',
      path: `${BASE}/endpoints`,
      body: { name: options.name, endpoint_type: options.endpointType ?? 'STANDARD' },
      signal: options.signal,
    });
  }

  getEndpoint(name: string, signal?: AbortSignal): Promise<EndpointInfo> {
    return this.#call(name, 'endpoint', {
      method: 'GET',
      path: `${BASE}/endpoints/${segment(name)}`,
      signal,
    });
  }

  /** Every endpoint, following `next_page_token`. */
  async listEndpoints(signal?: AbortSignal): Promise<EndpointInfo[]> {
    const endpoints: EndpointInfo[] = [];
    let pageToken: string | undefined;
    do {
      const page = await this.#call<{ endpoints?: EndpointInfo[]; next_page_token?: string }>(
        'endpoints',
        'endpoint',
        {
          method: 'GET',
          path: `${BASE}/endpoints`,
          query: pageToken ? { page_token: pageToken } : undefined,
          signal,
        },
      );
      endpoints.push(...(page?.endpoints ?? []));
      pageToken = page?.next_page_token || undefined;
    } while (pageToken);
    return endpoints;
  }

  async deleteEndpoint(name: string, signal?: AbortSignal): Promise<void> {
    await this.#call(name, 'endpoint', {
      method: 'DELETE',
      path: `${BASE}/endpoints/${segment(name)}`,
      signal,
    });
  }

  /** Polls until the endpoint is ONLINE; throws `EndpointNotReadyError` if it goes OFFLINE or times out. */
  async waitForEndpoint(name: string, options: WaitOptions = {}): Promise<EndpointInfo> {
    return poll(
      () => this.getEndpoint(name, options.signal),
      (endpoint) => {
        const state = endpoint.endpoint_status?.state ?? '';
        if (state === 'ONLINE') return true;
        if (state === 'OFFLINE' || state === 'RED_STATE' || state === 'DELETED')
          throw notReady(
            name,
            'endpoint_not_ready',
            `Vector Search endpoint ${name} is ${state}${endpoint.endpoint_status?.message ? `: ${endpoint.endpoint_status.message}` : ''}.`,
          );
        return false;
      },
      (endpoint) =>
        notReady(
          name,
          'endpoint_not_ready',
          `Vector Search endpoint ${name} is still ${endpoint?.endpoint_status?.state ?? 'not ONLINE'}; wait longer (timeoutMs) or check it in the workspace.`,
        ),
      options,
    );
  }

  createDeltaSyncIndex(
    options: CreateDeltaSyncIndexOptions & { signal?: AbortSignal },
  ): Promise<IndexInfo> {
    checkIndexName(options.indexName);
    const managed = options.embeddingSourceColumn !== undefined;
    const selfManaged = options.embeddingVectorColumn !== undefined;
    if (managed === selfManaged && options.indexSubtype !== 'FULL_TEXT')
      throw new VectorSearchValidationError(
        'Pass either embeddingSourceColumn + embeddingModelEndpointName (Databricks computes the embeddings) or embeddingVectorColumn + embeddingDimension (the table has them).',
        {
          parameter: managed ? 'embeddingVectorColumn' : 'embeddingSourceColumn',
          indexName: options.indexName,
        },
      );
    if (managed && !options.embeddingModelEndpointName)
      throw new VectorSearchValidationError(
        'embeddingSourceColumn needs embeddingModelEndpointName: the serving endpoint that computes the embeddings.',
        { parameter: 'embeddingModelEndpointName', indexName: options.indexName },
      );
    if (selfManaged && !options.embeddingDimension)
      throw new VectorSearchValidationError('embeddingVectorColumn needs embeddingDimension.', {
        parameter: 'embeddingDimension',
        indexName: options.indexName,
      });
    const spec: Record<string, unknown> = {
      source_table: options.sourceTable,
      pipeline_type: (options.pipelineType ?? 'TRIGGERED').toUpperCase(),
    };
    if (managed)
      spec.embedding_source_columns = [
        {
          name: options.embeddingSourceColumn,
          embedding_model_endpoint_name: options.embeddingModelEndpointName,
          ...(options.modelEndpointNameForQuery
            ? { model_endpoint_name_for_query: options.modelEndpointNameForQuery }
            : {}),
        },
      ];
    if (selfManaged)
      spec.embedding_vector_columns = [
        { name: options.embeddingVectorColumn, embedding_dimension: options.embeddingDimension },
      ];
    if (options.columnsToSync) spec.columns_to_sync = options.columnsToSync;
    return this.#call(options.indexName, 'index', {
      method: 'POST',
      path: `${BASE}/indexes`,
      body: {
        name: options.indexName,
        endpoint_name: options.endpointName,
        primary_key: options.primaryKey,
        index_type: 'DELTA_SYNC',
        delta_sync_index_spec: spec,
        ...(options.indexSubtype ? { index_subtype: options.indexSubtype } : {}),
      },
      signal: options.signal,
    });
  }

  createDirectAccessIndex(
    options: CreateDirectAccessIndexOptions & { signal?: AbortSignal },
  ): Promise<IndexInfo> {
    checkIndexName(options.indexName);
    for (const column of [options.primaryKey, options.embeddingVectorColumn])
      if (!(column in options.schema))
        throw new VectorSearchValidationError(
          `schema must list column "${column}" (the primary key and the vector column are columns too).`,
          { parameter: 'schema', indexName: options.indexName },
        );
    return this.#call(options.indexName, 'index', {
      method: 'POST',
      path: `${BASE}/indexes`,
      body: {
        name: options.indexName,
        endpoint_name: options.endpointName,
        primary_key: options.primaryKey,
        index_type: 'DIRECT_ACCESS',
        direct_access_index_spec: {
          embedding_vector_columns: [
            {
              name: options.embeddingVectorColumn,
              embedding_dimension: options.embeddingDimension,
            },
          ],
          schema_json: JSON.stringify(options.schema),
          ...(options.embeddingModelEndpointName
            ? {
                embedding_source_columns: [
                  { embedding_model_endpoint_name: options.embeddingModelEndpointName },
                ],
              }
            : {}),
        },
      },
      signal: options.signal,
    });
  }

  getIndex(name: string, signal?: AbortSignal): Promise<IndexInfo> {
    checkIndexName(name);
    return this.#call(name, 'index', {
      method: 'GET',
      path: `${BASE}/indexes/${segment(name)}`,
      signal,
    });
  }

  /** The indexes of one endpoint (every page). */
  async listIndexes(endpointName: string, signal?: AbortSignal): Promise<IndexInfo[]> {
    const indexes: IndexInfo[] = [];
    let pageToken: string | undefined;
    do {
      const page = await this.#call<{ vector_indexes?: IndexInfo[]; next_page_token?: string }>(
        endpointName,
        'endpoint',
        {
          method: 'GET',
          path: `${BASE}/indexes`,
          query: { endpoint_name: endpointName, ...(pageToken ? { page_token: pageToken } : {}) },
          signal,
        },
      );
      indexes.push(...(page?.vector_indexes ?? []));
      pageToken = page?.next_page_token || undefined;
    } while (pageToken);
    return indexes;
  }

  async deleteIndex(name: string, signal?: AbortSignal): Promise<void> {
    checkIndexName(name);
    await this.#call(name, 'index', {
      method: 'DELETE',
      path: `${BASE}/indexes/${segment(name)}`,
      signal,
    });
  }

  /** Starts a sync of a TRIGGERED Delta Sync index (returns at once; wait with `waitForIndex`). */
  async syncIndex(name: string, signal?: AbortSignal): Promise<void> {
    checkIndexName(name);
    await this.#call(name, 'index', {
      method: 'POST',
      path: `${BASE}/indexes/${segment(name)}/sync`,
      body: {},
      signal,
    });
  }

  /**
   * Polls until the index is ready (`status.ready`, or a `detailed_state` with ONLINE). With
   * `waitForUpdates`, also until no update is pending (as Python's `wait_until_ready`).
   */
  async waitForIndex(
    name: string,
    options: WaitOptions & { waitForUpdates?: boolean } = {},
  ): Promise<IndexInfo> {
    return poll(
      () => this.getIndex(name, options.signal),
      (index) => {
        const state = index.status?.detailed_state ?? '';
        if (state.includes('OFFLINE'))
          throw notReady(
            name,
            'index_not_ready',
            `Vector Search index ${name} is ${state}${index.status?.message ? `: ${index.status.message}` : ''}.`,
          );
        const online = state ? state.includes('ONLINE') : index.status?.ready === true;
        if (!online) return false;
        if (!options.waitForUpdates) return true;
        return (
          !state || ['ONLINE', 'ONLINE_NO_PENDING_UPDATE', 'ONLINE_DIRECT_ACCESS'].includes(state)
        );
      },
      (index) =>
        notReady(
          name,
          'index_not_ready',
          `Vector Search index ${name} is still ${index?.status?.detailed_state ?? 'not ready'}${index?.status?.message ? ` (${index.status.message})` : ''}; wait longer (timeoutMs).`,
        ),
      options,
    );
  }

  /**
   * Columns of a Unity Catalog table (an index is one too): what the retriever tool describes to
   * the model. `undefined` when the workspace does not answer it.
   */
  async getTable(name: string, signal?: AbortSignal): Promise<TableInfo> {
    return this.#call(name, 'index', {
      method: 'GET',
      path: `/api/2.1/unity-catalog/tables/${segment(name)}`,
      signal,
    });
  }

  /** The data plane of one index. */
  index(name: string, options: { endpointName?: string } = {}): VectorSearchIndex {
    return new VectorSearchIndex(this, checkIndexName(name), options.endpointName);
  }

  /** Closes the HTTP client this object created (not one passed in). */
  close(): Promise<void> {
    return this.connection.close();
  }

  /** @internal */
  call<T>(resource: string, request: Parameters<VectorSearchConnection['request']>[0]): Promise<T> {
    return this.#call<T>(resource, 'index', request);
  }
}

const queryResponseSchema = z.object({
  manifest: z.object({
    column_count: z.number().optional(),
    columns: z.array(z.object({ name: z.string() }).passthrough()),
  }),
  result: z
    .object({
      row_count: z.number().optional(),
      data_array: z.array(z.array(z.unknown())).nullish(),
    })
    .passthrough()
    .optional(),
  next_page_token: z.string().nullish(),
});

export interface QueryOptions {
  /** The endpoint, for `query-next-page` (default: the index description's). */
  endpointName?: string;
  signal?: AbortSignal;
  /** Follow `next_page_token` until `num_results` rows (default true). */
  allPages?: boolean;
}

export interface UpsertOptions {
  maxRowsPerRequest?: number;
  maxBytesPerRequest?: number;
  signal?: AbortSignal;
}

/** The outcome of an upsert or delete across all of its requests. */
export interface DataOperationResult {
  status: 'SUCCESS' | 'PARTIAL_SUCCESS' | 'FAILURE';
  successRowCount: number;
  failedPrimaryKeys: unknown[];
}

/**
 * One index's data plane: `query` (with `query-next-page`), `scan`, `upsert-data`,
 * `delete-data`, `sync`, `describe`.
 */
export class VectorSearchIndex {
  readonly name: string;
  #endpointName?: string;
  readonly #client: VectorSearchClient;

  constructor(client: VectorSearchClient, name: string, endpointName?: string) {
    this.#client = client;
    this.name = name;
    this.#endpointName = endpointName;
  }

  get #path(): string {
    return `${BASE}/indexes/${segment(this.name)}`;
  }

  describe(signal?: AbortSignal): Promise<IndexInfo> {
    return this.#client.getIndex(this.name, signal).then((info) => {
      this.#endpointName ??= info.endpoint_name;
      return info;
    });
  }

  sync(signal?: AbortSignal): Promise<void> {
    return this.#client.syncIndex(this.name, signal);
  }

  async #endpoint(endpointName: string | undefined, signal?: AbortSignal): Promise<string> {
    if (endpointName) return endpointName;
    if (this.#endpointName) return this.#endpointName;
    const info = await this.describe(signal);
    if (!info.endpoint_name)
      throw malformedResponse(this.name, 'the index description has no endpoint_name');
    return info.endpoint_name;
  }

  /**
   * Runs a query. Large `num_results` come back in pages; unless `allPages: false`, the pages
   * are fetched with `query-next-page` and concatenated (as Python's client does), so the
   * response holds every row and no `next_page_token`.
   */
  async query(request: QueryRequest, options: QueryOptions = {}): Promise<QueryResponse> {
    const first = await this.#queryPage({
      method: 'POST',
      path: `${this.#path}/query`,
      body: request,
      signal: options.signal,
    });
    if (options.allPages === false) return first;
    const wanted = request.num_results ?? Number.POSITIVE_INFINITY;
    let token = first.next_page_token || undefined;
    const rows = first.result.data_array;
    while (token && rows.length < wanted) {
      const endpointName = await this.#endpoint(options.endpointName, options.signal);
      const page = await this.#queryPage({
        method: 'POST',
        path: `${this.#path}/query-next-page`,
        body: { endpoint_name: endpointName, page_token: token },
        signal: options.signal,
      });
      rows.push(...page.result.data_array);
      token = page.next_page_token || undefined;
    }
    return {
      ...first,
      result: { row_count: rows.length, data_array: rows },
      next_page_token: token ?? '',
    };
  }

  /** One page after `query`: `POST .../query-next-page`. */
  async queryNextPage(
    pageToken: string,
    options: { endpointName?: string; signal?: AbortSignal } = {},
  ): Promise<QueryResponse> {
    const endpointName = await this.#endpoint(options.endpointName, options.signal);
    return this.#queryPage({
      method: 'POST',
      path: `${this.#path}/query-next-page`,
      body: { endpoint_name: endpointName, page_token: pageToken },
      signal: options.signal,
    });
  }

  async #queryPage(request: {
    method: 'POST';
    path: string;
    body: unknown;
    signal?: AbortSignal;
  }): Promise<QueryResponse> {
    // A query reads only: safe to replay after a reset connection.
    const raw = await this.#client.call<unknown>(this.name, { ...request, idempotent: true });
    const parsed = queryResponseSchema.safeParse(raw);
    if (!parsed.success)
      throw malformedResponse(
        this.name,
        'a query answer needs manifest.columns and result.data_array',
      );
    return {
      manifest: parsed.data.manifest,
      result: {
        row_count: parsed.data.result?.row_count ?? parsed.data.result?.data_array?.length ?? 0,
        data_array: [...(parsed.data.result?.data_array ?? [])],
      },
      next_page_token: parsed.data.next_page_token ?? '',
    };
  }

  /** One page of rows in primary-key order after `lastPrimaryKey`, as plain objects. */
  async scan(
    options: {
      numResults?: number;
      lastPrimaryKey?: string;
      endpointName?: string;
      signal?: AbortSignal;
    } = {},
  ): Promise<{ rows: Record<string, unknown>[]; lastPrimaryKey?: string }> {
    const endpointName = await this.#endpoint(options.endpointName, options.signal);
    const response = await this.#client.call<ScanResponse>(this.name, {
      method: 'POST',
      path: `${this.#path}/scan`,
      body: {
        endpoint_name: endpointName,
        num_results: options.numResults ?? 100,
        ...(options.lastPrimaryKey !== undefined
          ? { last_primary_key: options.lastPrimaryKey }
          : {}),
      },
      signal: options.signal,
      idempotent: true,
    });
    const rows = (response?.data ?? []).map((row) =>
      Object.fromEntries((row.fields ?? []).map((field) => [field.key, scanValue(field.value)])),
    );
    return { rows, lastPrimaryKey: response?.last_primary_key ?? undefined };
  }

  /** Every row of the index, page by page (for export). */
  async *scanAll(
    options: { pageSize?: number; signal?: AbortSignal } = {},
  ): AsyncGenerator<Record<string, unknown>, void, undefined> {
    let lastPrimaryKey: string | undefined;
    for (;;) {
      const page = await this.scan({
        numResults: options.pageSize ?? 100,
        lastPrimaryKey,
        signal: options.signal,
      });
      yield* page.rows;
      if (page.rows.length === 0 || !page.lastPrimaryKey || page.lastPrimaryKey === lastPrimaryKey)
        return;
      lastPrimaryKey = page.lastPrimaryKey;
    }
  }

  /**
   * Upserts rows (Direct Access indexes), in requests of at most `maxRowsPerRequest` rows and
   * `maxBytesPerRequest` bytes of `inputs_json`. Rows with the same primary key are replaced.
   */
  async upsert(
    rows: readonly Record<string, unknown>[],
    options: UpsertOptions = {},
  ): Promise<DataOperationResult> {
    const maxRows = options.maxRowsPerRequest ?? DEFAULT_UPSERT_ROWS_PER_REQUEST;
    const maxBytes = options.maxBytesPerRequest ?? DEFAULT_UPSERT_BYTES_PER_REQUEST;
    const total: DataOperationResult = {
      status: 'SUCCESS',
      successRowCount: 0,
      failedPrimaryKeys: [],
    };
    for (const batch of batches(rows, maxRows, maxBytes, this.name)) {
      const response = await this.#client.call<DataOperationResponse>(this.name, {
        method: 'POST',
        path: `${this.#path}/upsert-data`,
        body: { inputs_json: batch },
        signal: options.signal,
        // Upserting the same rows twice leaves the index as upserting them once.
        idempotent: true,
      });
      merge(total, response);
    }
    return total;
  }

  /** Deletes rows by primary key (Direct Access indexes). */
  async delete(
    primaryKeys: readonly (string | number)[],
    options: { signal?: AbortSignal } = {},
  ): Promise<DataOperationResult> {
    const total: DataOperationResult = {
      status: 'SUCCESS',
      successRowCount: 0,
      failedPrimaryKeys: [],
    };
    let start = 0;
    while (start < primaryKeys.length) {
      let end = start;
      let bytes = 0;
      while (
        end < primaryKeys.length &&
        end - start < DEFAULT_DELETE_KEYS_PER_REQUEST &&
        (end === start ||
          bytes + encodeURIComponent(String(primaryKeys[end])).length + 14 <= DELETE_QUERY_BYTES)
      ) {
        bytes += encodeURIComponent(String(primaryKeys[end])).length + 14;
        end++;
      }
      const response = await this.#client.call<DataOperationResponse>(this.name, {
        method: 'DELETE',
        path: `${this.#path}/delete-data`,
        query: { primary_keys: primaryKeys.slice(start, end).map(String) },
        signal: options.signal,
      });
      merge(total, response);
      start = end;
    }
    return total;
  }
}

function merge(total: DataOperationResult, response: DataOperationResponse | undefined): void {
  const failed = response?.result?.failed_primary_keys ?? [];
  total.successRowCount += response?.result?.success_row_count ?? 0;
  total.failedPrimaryKeys.push(...failed);
  const status = response?.status ?? (failed.length ? 'PARTIAL_SUCCESS' : 'SUCCESS');
  if (status === 'SUCCESS') {
    if (total.status === 'FAILURE' && total.successRowCount > 0) total.status = 'PARTIAL_SUCCESS';
    return;
  }
  if (status === 'FAILURE' && total.successRowCount === 0) total.status = 'FAILURE';
  else total.status = 'PARTIAL_SUCCESS';
}

/** JSON arrays of rows, each within both limits; a single row over the byte limit is an error. */
function* batches(
  rows: readonly Record<string, unknown>[],
  maxRows: number,
  maxBytes: number,
  indexName: string,
): Generator<string> {
  let current: string[] = [];
  let bytes = 2;
  for (const row of rows) {
    const json = JSON.stringify(row);
    const size = Buffer.byteLength(json) + 1;
    if (size + 2 > maxBytes)
      throw new VectorSearchValidationError(
        `A row of ${size} bytes is over the upsert request limit of ${maxBytes} bytes; shorten its text or raise maxBytesPerRequest.`,
        { parameter: 'rows', indexName },
      );
    if (current.length > 0 && (current.length >= maxRows || bytes + size > maxBytes)) {
      yield `[${current.join(',')}]`;
      current = [];
      bytes = 2;
    }
    current.push(json);
    bytes += size;
  }
  if (current.length > 0) yield `[${current.join(',')}]`;
}

/** A `google.protobuf.Value` as JSON. */
export function scanValue(value: ScanValue | undefined): unknown {
  if (value === undefined || value === null) return null;
  if ('string_value' in value) return value.string_value;
  if ('number_value' in value) return value.number_value;
  if ('bool_value' in value) return value.bool_value;
  if ('list_value' in value) return (value.list_value?.values ?? []).map(scanValue);
  if ('struct_value' in value) {
    const struct = value.struct_value as { fields?: unknown };
    if (Array.isArray(struct?.fields))
      return Object.fromEntries(
        (struct.fields as { key: string; value: ScanValue }[]).map((field) => [
          field.key,
          scanValue(field.value),
        ]),
      );
    const fields = (struct?.fields ?? struct) as Record<string, ScanValue>;
    return Object.fromEntries(Object.entries(fields).map(([key, item]) => [key, scanValue(item)]));
  }
  return null;
}

async function poll<T>(
  read: () => Promise<T>,
  done: (value: T) => boolean,
  timedOut: (last: T | undefined) => Error,
  options: WaitOptions,
): Promise<T> {
  const timeoutMs = options.timeoutMs ?? 20 * 60_000;
  const interval = options.pollIntervalMs ?? 5_000;
  const deadline = Date.now() + timeoutMs;
  let last: T | undefined;
  for (;;) {
    last = await read();
    if (done(last)) return last;
    if (Date.now() + interval > deadline) throw timedOut(last);
    await abortableSleep(interval, options.signal);
  }
}

function notReady(
  resource: string,
  reason: 'index_not_ready' | 'endpoint_not_ready',
  message: string,
): VectorSearchError {
  const ErrorClass = reason === 'index_not_ready' ? IndexNotReadyError : EndpointNotReadyError;
  return new ErrorClass(message, { reason, resource, retryable: true });
}
