/**
 * `DatabricksVectorSearch`: a LangChain `VectorStore` over a Databricks Vector Search index, for
 * the three kinds of index. The index's own description supplies what is not given (primary key,
 * text and vector columns, dimension), and combinations that cannot work are refused before any
 * query is sent.
 */
import { randomUUID } from 'node:crypto';
import type { Callbacks } from '@langchain/core/callbacks/manager';
import { Document, type DocumentInterface } from '@langchain/core/documents';
import type { EmbeddingsInterface } from '@langchain/core/embeddings';
import { maximalMarginalRelevance } from '@langchain/core/utils/math';
import { type MaxMarginalRelevanceSearchOptions, VectorStore } from '@langchain/core/vectorstores';
import { z } from 'zod';
import {
  checkIndexName,
  DEFAULT_UPSERT_ROWS_PER_REQUEST,
  VectorSearchClient,
  type VectorSearchIndex,
} from './client.js';
import {
  authOptionsShape,
  type VectorSearchAuthOptions,
  VectorSearchConnection,
  validateOptions,
} from './connection.js';
import {
  malformedResponse,
  VectorSearchPartialFailureError,
  VectorSearchValidationError,
} from './errors.js';
import { filterRequestFields, type VectorSearchFilter, validateFilter } from './filters.js';
import { type IndexSpec, indexSpecOf } from './index_spec.js';
import type { QueryRequest, QueryResponse, QueryType } from './types.js';

export interface DatabricksVectorSearchInput extends VectorSearchAuthOptions {
  /** `catalog.schema.index`. */
  indexName: string;
  /**
   * The embeddings of self-managed and Direct Access indexes (e.g. `DatabricksEmbeddings` on the
   * same model as the index). Must not be given for indexes whose embeddings Databricks computes.
   */
  embeddings?: EmbeddingsInterface;
  /** The column holding the text (`pageContent`). Default for managed indexes: the embedded column. */
  textColumn?: string;
  /** More columns to return in `metadata` (the primary key and text column always are). */
  columns?: string[];
  /** A column with the source document's URI; returned in `metadata.doc_uri`. */
  docUri?: string;
  /** A column identifying the chunk; returned in `metadata.chunk_id`. */
  primaryKey?: string;
  /** Put the score in `metadata.score` too. Default false. */
  includeScore?: boolean;
  /** `ANN` (default), `HYBRID` (vector + keyword, fused by rank) or `FULL_TEXT`. */
  queryType?: QueryType;
  /** Rerank the top results on these columns with Databricks' reranker. */
  reranker?: { columnsToRerank: string[] };
  /** Drop results scoring below this (applied by Databricks before reranking). */
  scoreThreshold?: number;
  /** Rows per upsert request (default 1000). */
  upsertBatchSize?: number;
  /** A client to share (its connection is used; auth options are then ignored). */
  vectorSearchClient?: VectorSearchClient;
}

/** Per-call options of `search`, beyond LangChain's `(query, k, filter)`. */
export interface VectorSearchOptions {
  k?: number;
  filter?: VectorSearchFilter;
  queryType?: QueryType;
  scoreThreshold?: number;
  reranker?: { columnsToRerank: string[] };
  signal?: AbortSignal;
}

const inputSchema = z
  .object({
    ...authOptionsShape,
    indexName: z.string({ error: 'option "indexName" (catalog.schema.index) is required' }),
    embeddings: z
      .custom<EmbeddingsInterface>(
        (value) =>
          typeof value === 'object' &&
          value !== null &&
          typeof (value as EmbeddingsInterface).embedQuery === 'function',
        'must be a LangChain Embeddings object',
      )
      .optional(),
    textColumn: z.string().min(1).optional(),
    columns: z.array(z.string().min(1)).optional(),
    docUri: z.string().min(1).optional(),
    primaryKey: z.string().min(1).optional(),
    includeScore: z.boolean().optional(),
    queryType: z.enum(['ANN', 'HYBRID', 'FULL_TEXT']).optional(),
    reranker: z.object({ columnsToRerank: z.array(z.string().min(1)).min(1) }).optional(),
    scoreThreshold: z.number().optional(),
    upsertBatchSize: z.number().int().positive().optional(),
    vectorSearchClient: z
      .custom<VectorSearchClient>(
        (value) => value instanceof VectorSearchClient,
        'must be a VectorSearchClient',
      )
      .optional(),
  })
  .passthrough();

/** What the first call learns from the index description, then reuses. */
interface ResolvedIndex {
  spec: IndexSpec;
  textColumn: string;
  /** Columns requested in every query, in order. */
  columns: string[];
  /** Columns filters may name (undefined: unknown, the server checks). */
  filterColumns?: string[];
}

/** Stands in for `embeddings` on managed indexes, where the query text is sent as is. */
const managedEmbeddings: EmbeddingsInterface = {
  embedQuery: () => {
    throw new VectorSearchValidationError(
      'This index computes its embeddings in Databricks (managed embeddings): query it with text (similaritySearch), not with vectors.',
      { parameter: 'embeddings' },
    );
  },
  embedDocuments: () => {
    throw new VectorSearchValidationError(
      'This index computes its embeddings in Databricks: add rows to its source table and sync it instead.',
      { parameter: 'embeddings' },
    );
  },
};

/**
 * A Databricks Vector Search index as a LangChain vector store and retriever.
 *
 * - Delta Sync with managed embeddings: queries send the text (`query_text`); no embeddings object.
 * - Delta Sync with self-managed embeddings, and Direct Access: queries send `query_vector` from
 *   `embeddings`; Direct Access indexes also take `addDocuments`/`addVectors`/`delete`.
 *
 * @example
 * ```ts
 * const store = new DatabricksVectorSearch({ indexName: 'main.docs.chunks_index', columns: ['title', 'url'], docUri: 'url' });
 * const docs = await store.similaritySearch('How do I sync an index?', 4, { 'title LIKE': 'sync' });
 * const retriever = store.asRetriever({ k: 5, searchType: 'mmr' });
 * ```
 */
export class DatabricksVectorSearch extends VectorStore {
  declare FilterType: VectorSearchFilter;

  readonly indexName: string;
  textColumn?: string;
  columns: string[];
  docUri?: string;
  primaryKey?: string;
  includeScore: boolean;
  queryType: QueryType;
  reranker?: { columnsToRerank: string[] };
  scoreThreshold?: number;
  upsertBatchSize: number;
  /** Whether the caller passed an embeddings object (`embeddings` is a stand-in otherwise). */
  readonly hasEmbeddings: boolean;

  readonly #client: VectorSearchClient;
  readonly #index: VectorSearchIndex;
  #resolved?: Promise<ResolvedIndex>;

  _vectorstoreType(): string {
    return 'databricks_vector_search';
  }

  constructor(fields: DatabricksVectorSearchInput) {
    const options = validateOptions('DatabricksVectorSearch', inputSchema, fields);
    const indexName = checkIndexName(options.indexName);
    // Only public, credential-free settings go to LangChain's serializable kwargs.
    super(options.embeddings ?? managedEmbeddings, {
      indexName,
      textColumn: options.textColumn,
      columns: options.columns,
      docUri: options.docUri,
      primaryKey: options.primaryKey,
      includeScore: options.includeScore,
      queryType: options.queryType,
    });
    this.indexName = indexName;
    this.hasEmbeddings = options.embeddings !== undefined;
    this.textColumn = options.textColumn;
    this.columns = options.columns ?? [];
    this.docUri = options.docUri;
    this.primaryKey = options.primaryKey;
    this.includeScore = options.includeScore ?? false;
    this.queryType = options.queryType ?? 'ANN';
    this.reranker = options.reranker;
    this.scoreThreshold = options.scoreThreshold;
    this.upsertBatchSize = options.upsertBatchSize ?? DEFAULT_UPSERT_ROWS_PER_REQUEST;
    this.#client =
      options.vectorSearchClient ??
      new VectorSearchClient({}, new VectorSearchConnection(fields as VectorSearchAuthOptions));
    this.#index = this.#client.index(indexName);
  }

  /** The client this store talks through (for management calls on the same connection). */
  get client(): VectorSearchClient {
    return this.#client;
  }

  /**
   * Reads the index description and checks the options against it. Called by the first search;
   * call it yourself to fail fast at startup.
   */
  async initialize(signal?: AbortSignal): Promise<IndexSpec> {
    return (await this.#resolve(signal)).spec;
  }

  #resolve(signal?: AbortSignal): Promise<ResolvedIndex> {
    if (!this.#resolved) {
      const pending = this.#describe(signal);
      pending.catch(() => {
        this.#resolved = undefined;
      });
      this.#resolved = pending;
    }
    return this.#resolved;
  }

  async #describe(signal?: AbortSignal): Promise<ResolvedIndex> {
    const spec = indexSpecOf(await this.#index.describe(signal));
    const fail = (parameter: string, message: string) =>
      new VectorSearchValidationError(`DatabricksVectorSearch(${this.indexName}): ${message}`, {
        parameter,
        indexName: this.indexName,
      });
    if (spec.kind === 'managed' && this.hasEmbeddings)
      throw fail(
        'embeddings',
        `the index computes its embeddings from column "${spec.embeddingSourceColumn}" in Databricks; do not pass embeddings (queries send the text).`,
      );
    if (
      spec.kind === 'managed' &&
      this.textColumn &&
      this.textColumn !== spec.embeddingSourceColumn
    )
      throw fail(
        'textColumn',
        `the index embeds column "${spec.embeddingSourceColumn}"; textColumn must be that column or left out.`,
      );
    const textColumn = this.textColumn ?? spec.embeddingSourceColumn;
    if (!textColumn)
      throw fail(
        'textColumn',
        `pass textColumn: the column that holds the text of each row (the index stores vectors in "${spec.embeddingVectorColumn}").`,
      );
    let filterColumns = spec.columns;
    if (!filterColumns) {
      // Delta Sync indexes that sync every column list none: ask Unity Catalog for the index's columns.
      filterColumns = await this.#client
        .getTable(this.indexName, signal)
        .then((table) => table.columns?.map((column) => column.name))
        .catch(() => undefined);
    }
    const requested = [
      ...new Set(
        [...this.columns, spec.primaryKey, textColumn, this.docUri, this.primaryKey].filter(
          (column): column is string => typeof column === 'string',
        ),
      ),
    ];
    if (filterColumns) {
      const known = new Set(filterColumns);
      const unknown = requested.filter((column) => !known.has(column));
      if (unknown.length > 0)
        throw fail(
          unknown.includes(textColumn) ? 'textColumn' : 'columns',
          `column${unknown.length > 1 ? 's' : ''} ${unknown.map((column) => `"${column}"`).join(', ')} ${unknown.length > 1 ? 'are' : 'is'} not in the index. Columns: ${filterColumns.join(', ')}.`,
        );
    }
    return { spec, textColumn, columns: requested, filterColumns };
  }

  /**
   * The general search: LangChain's `similaritySearch*` methods call it. Managed indexes send the
   * text; the others embed it (HYBRID and FULL_TEXT send the text too, for the keyword side).
   */
  async search(query: string, options: VectorSearchOptions = {}): Promise<[Document, number][]> {
    const resolved = await this.#resolve(options.signal);
    const queryType = options.queryType ?? this.queryType;
    const request: Partial<QueryRequest> = {};
    if (resolved.spec.kind === 'managed' || queryType === 'FULL_TEXT') request.query_text = query;
    else {
      if (!this.hasEmbeddings)
        throw new VectorSearchValidationError(
          `DatabricksVectorSearch(${this.indexName}): the index holds vectors you computed (column "${resolved.spec.embeddingVectorColumn}"); pass embeddings (the same model) to search it with text.`,
          { parameter: 'embeddings', indexName: this.indexName },
        );
      request.query_vector = this.#checkVector(await this.embeddings.embedQuery(query), resolved);
      if (queryType === 'HYBRID') request.query_text = query;
    }
    return this.#query(resolved, request, { ...options, queryType });
  }

  /** Searches with a vector you computed (self-managed and Direct Access indexes). */
  async searchByVector(
    vector: number[],
    options: VectorSearchOptions & { queryText?: string } = {},
  ): Promise<[Document, number][]> {
    const resolved = await this.#resolve(options.signal);
    if (resolved.spec.kind === 'managed')
      throw new VectorSearchValidationError(
        `DatabricksVectorSearch(${this.indexName}): the index computes its embeddings in Databricks; search it with text, not a vector.`,
        { parameter: 'query', indexName: this.indexName },
      );
    return this.#query(
      resolved,
      {
        query_vector: this.#checkVector(vector, resolved),
        ...(options.queryText !== undefined ? { query_text: options.queryText } : {}),
      },
      options,
    );
  }

  override async similaritySearchVectorWithScore(
    query: number[],
    k: number,
    filter?: VectorSearchFilter,
  ): Promise<[Document, number][]> {
    return this.searchByVector(query, { k, filter });
  }

  override async similaritySearchWithScore(
    query: string,
    k = 4,
    filter?: VectorSearchFilter,
    _callbacks?: Callbacks,
  ): Promise<[DocumentInterface, number][]> {
    return this.search(query, { k, filter });
  }

  override async similaritySearch(
    query: string,
    k = 4,
    filter?: VectorSearchFilter,
    _callbacks?: Callbacks,
  ): Promise<DocumentInterface[]> {
    return (await this.search(query, { k, filter })).map(([document]) => document);
  }

  /**
   * Fetches `fetchK` results with their vectors and picks `k` of them that are relevant and
   * diverse (maximal marginal relevance, computed here). Needs the index's vectors, so not for
   * managed indexes.
   */
  override async maxMarginalRelevanceSearch(
    query: string,
    options: MaxMarginalRelevanceSearchOptions<VectorSearchFilter> & { queryType?: QueryType },
    _callbacks?: Callbacks,
  ): Promise<DocumentInterface[]> {
    const resolved = await this.#resolve();
    const vectorColumn = resolved.spec.embeddingVectorColumn;
    if (resolved.spec.kind === 'managed' || !vectorColumn)
      throw new VectorSearchValidationError(
        `DatabricksVectorSearch(${this.indexName}): maximal marginal relevance needs the stored vectors, which indexes with Databricks-managed embeddings do not return. Use similaritySearch, or a reranker.`,
        { parameter: 'searchType', indexName: this.indexName },
      );
    if (!this.hasEmbeddings)
      throw new VectorSearchValidationError(
        `DatabricksVectorSearch(${this.indexName}): pass embeddings to run a maximal marginal relevance search.`,
        { parameter: 'embeddings', indexName: this.indexName },
      );
    const k = options.k ?? 4;
    const fetchK = Math.max(options.fetchK ?? 20, k);
    const queryType = options.queryType ?? this.queryType;
    const queryVector = this.#checkVector(await this.embeddings.embedQuery(query), resolved);
    const results = await this.#query(
      resolved,
      { query_vector: queryVector, ...(queryType === 'HYBRID' ? { query_text: query } : {}) },
      { k: fetchK, filter: options.filter, queryType, includeVectors: true },
    );
    const vectors = results.map(([document]) => {
      const vector = document.metadata[vectorColumn];
      if (!Array.isArray(vector))
        throw malformedResponse(
          this.indexName,
          `rows came back without their "${vectorColumn}" vectors`,
        );
      return vector.map(Number);
    });
    const picked = maximalMarginalRelevance(queryVector, vectors, options.lambda ?? 0.5, k);
    return picked.map((position) => {
      const document = results[position]?.[0] as Document;
      const { [vectorColumn]: _vector, ...metadata } = document.metadata;
      return new Document({ pageContent: document.pageContent, metadata, id: document.id });
    });
  }

  #checkVector(vector: number[], resolved: ResolvedIndex): number[] {
    const dimension = resolved.spec.dimension;
    if (
      !Array.isArray(vector) ||
      vector.some((value) => typeof value !== 'number' || !Number.isFinite(value))
    )
      throw new VectorSearchValidationError(
        `DatabricksVectorSearch(${this.indexName}): a query vector is an array of finite numbers.`,
        { parameter: 'query', indexName: this.indexName },
      );
    if (dimension !== undefined && vector.length !== dimension)
      throw new VectorSearchValidationError(
        `DatabricksVectorSearch(${this.indexName}): the query vector has ${vector.length} dimensions; the index's vectors have ${dimension}. Use the embedding model the index was built with.`,
        { parameter: 'query', indexName: this.indexName },
      );
    return vector;
  }

  async #query(
    resolved: ResolvedIndex,
    request: Partial<QueryRequest>,
    options: VectorSearchOptions & { includeVectors?: boolean },
  ): Promise<[Document, number][]> {
    const k = options.k ?? 4;
    if (!Number.isInteger(k) || k < 1)
      throw new VectorSearchValidationError(`k must be a positive integer, not ${k}.`, {
        parameter: 'k',
        indexName: this.indexName,
      });
    if (options.filter !== undefined)
      validateFilter(options.filter, resolved.filterColumns, this.indexName);
    const vectorColumn = resolved.spec.embeddingVectorColumn;
    const columns =
      options.includeVectors && vectorColumn && !resolved.columns.includes(vectorColumn)
        ? [...resolved.columns, vectorColumn]
        : resolved.columns;
    const queryType = options.queryType ?? this.queryType;
    const scoreThreshold = options.scoreThreshold ?? this.scoreThreshold;
    const reranker = options.reranker ?? this.reranker;
    const body: QueryRequest = {
      columns,
      num_results: k,
      ...request,
      ...filterRequestFields(options.filter),
      ...(queryType !== 'ANN' ? { query_type: queryType } : {}),
      ...(scoreThreshold !== undefined ? { score_threshold: scoreThreshold } : {}),
      ...(reranker ? { columns_to_rerank: reranker.columnsToRerank } : {}),
    };
    const response = await this.#index.query(body, {
      endpointName: resolved.spec.endpointName,
      signal: options.signal,
    });
    return this.#documents(response, resolved);
  }

  #documents(response: QueryResponse, resolved: ResolvedIndex): [Document, number][] {
    const names = response.manifest.columns.map((column) => column.name);
    const scoreAt = names.length - 1;
    if (names[scoreAt] !== 'score')
      throw malformedResponse(this.indexName, 'the last column of a query answer is not "score"');
    const primaryKey = resolved.spec.primaryKey;
    return response.result.data_array.map((row) => {
      const metadata: Record<string, unknown> = {};
      let pageContent = '';
      for (let position = 0; position < scoreAt; position++) {
        const name = names[position] as string;
        const value = row[position];
        // The index's primary key keeps its name; the docUri / primaryKey columns are renamed to
        // MLflow's retriever schema (doc_uri, chunk_id); the text column becomes pageContent.
        if (name === resolved.textColumn)
          pageContent = value === null || value === undefined ? '' : String(value);
        if (name === this.docUri) metadata.doc_uri = value;
        if (name === this.primaryKey) metadata.chunk_id = value;
        const renamed = name === this.docUri || name === this.primaryKey;
        if (name === primaryKey || (!renamed && name !== resolved.textColumn))
          metadata[name] = value;
      }
      const score = Number(row[scoreAt]);
      if (this.includeScore) metadata.score = score;
      const id = row[names.indexOf(primaryKey)];
      return [
        new Document({
          pageContent,
          metadata,
          id: id === null || id === undefined ? undefined : String(id),
        }),
        score,
      ];
    });
  }

  /**
   * Upserts vectors and their documents (Direct Access indexes). Each row is `{primaryKey: id,
   * textColumn: pageContent, vectorColumn: vector, ...metadata}`; ids come from `options.ids`,
   * then `document.id`, then a new UUID. Returns the ids written.
   */
  async addVectors(
    vectors: number[][],
    documents: DocumentInterface[],
    options: { ids?: string[]; signal?: AbortSignal } = {},
  ): Promise<string[]> {
    const resolved = await this.#resolve(options.signal);
    const { spec } = resolved;
    if (spec.kind !== 'direct-access' || !spec.embeddingVectorColumn)
      throw new VectorSearchValidationError(
        `DatabricksVectorSearch(${this.indexName}): only Direct Access indexes take writes; a Delta Sync index follows its source table (${spec.sourceTable ?? 'unknown'}): write there and sync.`,
        { parameter: 'documents', indexName: this.indexName },
      );
    if (vectors.length !== documents.length)
      throw new VectorSearchValidationError(
        `addVectors got ${vectors.length} vectors for ${documents.length} documents.`,
        { parameter: 'vectors', indexName: this.indexName },
      );
    if (options.ids && options.ids.length !== documents.length)
      throw new VectorSearchValidationError(
        `addVectors got ${options.ids.length} ids for ${documents.length} documents.`,
        { parameter: 'ids', indexName: this.indexName },
      );
    const types = spec.columnTypes ?? {};
    const numericKey = /^(int|integer|long|bigint|short|smallint)$/i.test(
      types[spec.primaryKey] ?? '',
    );
    const ids = documents.map(
      (document, position) => options.ids?.[position] ?? document.id ?? randomUUID(),
    );
    const rows = documents.map((document, position) => {
      const extra = Object.keys(document.metadata ?? {}).filter(
        (key) => spec.columnTypes && !(key in spec.columnTypes),
      );
      if (extra.length > 0)
        throw new VectorSearchValidationError(
          `DatabricksVectorSearch(${this.indexName}): metadata key${extra.length > 1 ? 's' : ''} ${extra.map((key) => `"${key}"`).join(', ')} ${extra.length > 1 ? 'are' : 'is'} not a column of the index (columns: ${Object.keys(types).join(', ')}).`,
          { parameter: 'documents', indexName: this.indexName },
        );
      const id = ids[position] as string;
      return {
        ...document.metadata,
        [spec.primaryKey]: numericKey ? Number(id) : id,
        [resolved.textColumn]: document.pageContent,
        [spec.embeddingVectorColumn as string]: this.#checkVector(
          vectors[position] as number[],
          resolved,
        ),
      };
    });
    const result = await this.#index.upsert(rows, {
      maxRowsPerRequest: this.upsertBatchSize,
      signal: options.signal,
    });
    const failed = new Set(result.failedPrimaryKeys.map(String));
    const succeeded = ids.filter((id) => !failed.has(id));
    if (failed.size > 0)
      throw new VectorSearchPartialFailureError(
        `Upsert into ${this.indexName} failed for ${failed.size} of ${ids.length} rows (primary keys ${[...failed].slice(0, 10).join(', ')}${failed.size > 10 ? ', ...' : ''}); the others were written.`,
        {
          reason: 'request_failed',
          resource: this.indexName,
          failedPrimaryKeys: result.failedPrimaryKeys,
          succeededIds: succeeded,
        },
      );
    return succeeded;
  }

  /** Embeds the documents' text with `embeddings`, then `addVectors`. */
  async addDocuments(
    documents: DocumentInterface[],
    options: { ids?: string[]; signal?: AbortSignal } = {},
  ): Promise<string[]> {
    const resolved = await this.#resolve(options.signal);
    if (resolved.spec.kind !== 'direct-access') return this.addVectors([], documents, options);
    if (!this.hasEmbeddings)
      throw new VectorSearchValidationError(
        `DatabricksVectorSearch(${this.indexName}): pass embeddings to add documents (or call addVectors with your own vectors).`,
        { parameter: 'embeddings', indexName: this.indexName },
      );
    const vectors = await this.embeddings.embedDocuments(
      documents.map((document) => document.pageContent),
    );
    return this.addVectors(vectors, documents, options);
  }

  /** Deletes rows by primary key (Direct Access indexes). */
  override async delete(params: { ids: string[]; signal?: AbortSignal }): Promise<void> {
    if (!params || !Array.isArray(params.ids))
      throw new VectorSearchValidationError('delete takes { ids: [...] }.', {
        parameter: 'ids',
        indexName: this.indexName,
      });
    const resolved = await this.#resolve(params.signal);
    if (resolved.spec.kind !== 'direct-access')
      throw new VectorSearchValidationError(
        `DatabricksVectorSearch(${this.indexName}): only Direct Access indexes take deletes; delete from the source table and sync.`,
        { parameter: 'ids', indexName: this.indexName },
      );
    const numericKey = /^(int|integer|long|bigint|short|smallint)$/i.test(
      resolved.spec.columnTypes?.[resolved.spec.primaryKey] ?? '',
    );
    const result = await this.#index.delete(
      params.ids.map((id) => (numericKey ? Number(id) : id)),
      { signal: params.signal },
    );
    if (result.failedPrimaryKeys.length > 0) {
      const failed = new Set(result.failedPrimaryKeys.map(String));
      throw new VectorSearchPartialFailureError(
        `Delete from ${this.indexName} failed for ${failed.size} of ${params.ids.length} rows.`,
        {
          reason: 'request_failed',
          resource: this.indexName,
          failedPrimaryKeys: result.failedPrimaryKeys,
          succeededIds: params.ids.filter((id) => !failed.has(id)),
        },
      );
    }
  }

  /** Every row of the index (primary-key order), for export. */
  scan(options: { pageSize?: number; signal?: AbortSignal } = {}) {
    return this.#index.scanAll(options);
  }

  /** Closes the HTTP client this store created. */
  close(): Promise<void> {
    return this.#client.close();
  }

  /** Adds texts to an existing Direct Access index and returns the store. */
  static override async fromTexts(
    texts: string[],
    metadatas: object[] | object,
    embeddings: EmbeddingsInterface,
    options: DatabricksVectorSearchInput,
  ): Promise<DatabricksVectorSearch> {
    const documents = texts.map(
      (text, position) =>
        new Document({
          pageContent: text,
          metadata: (Array.isArray(metadatas) ? metadatas[position] : metadatas) ?? {},
        }),
    );
    return DatabricksVectorSearch.fromDocuments(documents, embeddings, options);
  }

  /** Adds documents to an existing Direct Access index and returns the store. */
  static override async fromDocuments(
    documents: DocumentInterface[],
    embeddings: EmbeddingsInterface,
    options: DatabricksVectorSearchInput,
  ): Promise<DatabricksVectorSearch> {
    const store = new DatabricksVectorSearch({ ...options, embeddings });
    await store.addDocuments(documents);
    return store;
  }
}
