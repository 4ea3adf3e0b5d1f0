/**
 * Request shapes and answer parsing with an injected fetch that answers in Databricks' documented
 * wire format (no network): what each kind of index sends, paging, upsert batching, deletes,
 * filters, documents, and the typed errors of Databricks' error codes.
 */
import { Embeddings } from '@langchain/core/embeddings';
import { describe, expect, it } from 'vitest';
import { VectorSearchClient } from './client.js';
import {
  IndexNotFoundError,
  IndexNotReadyError,
  VectorSearchError,
  VectorSearchPartialFailureError,
  VectorSearchPermissionError,
  VectorSearchRateLimitError,
  VectorSearchValidationError,
} from './errors.js';
import { VectorSearchRetrieverTool } from './retriever_tool.js';
import type { IndexInfo } from './types.js';
import { DatabricksVectorSearch } from './vector_store.js';

const HOST = 'https://example.cloud.databricks.com';
const TOKEN = 'dapi0123456789abcdef';

interface Sent {
  method: string;
  path: string;
  query: URLSearchParams;
  body: any;
  authorization: string | null;
}

type Answer =
  | { status?: number; body: unknown }
  | ((sent: Sent) => { status?: number; body: unknown });

/** A fetch that records requests and answers from a table of `METHOD /path` → answer. */
function fakeWorkspace(routes: Record<string, Answer | Answer[]>) {
  const sent: Sent[] = [];
  const fetch = async (url: string | URL | Request, init?: RequestInit): Promise<Response> => {
    const target = new URL(String(url));
    const headers = new Headers(init?.headers);
    const record: Sent = {
      method: init?.method ?? 'GET',
      path: decodeURIComponent(target.pathname),
      query: target.searchParams,
      body: typeof init?.body === 'string' && init.body ? JSON.parse(init.body) : undefined,
      authorization: headers.get('authorization'),
    };
    sent.push(record);
    const key = `${record.method} ${record.path}`;
    let answer = routes[key];
    if (Array.isArray(answer)) answer = answer.shift();
    if (!answer)
      return new Response(
        JSON.stringify({ error_code: 'ENDPOINT_NOT_FOUND', message: `no route ${key}` }),
        { status: 404 },
      );
    const { status = 200, body } = typeof answer === 'function' ? answer(record) : answer;
    return new Response(JSON.stringify(body), {
      status,
      headers: { 'content-type': 'application/json' },
    });
  };
  return { fetch: fetch as typeof globalThis.fetch, sent };
}

class CountingEmbeddings extends Embeddings {
  calls: string[] = [];
  constructor(private readonly dimension: number) {
    super({});
  }
  async embedDocuments(texts: string[]) {
    this.calls.push(...texts);
    return texts.map((text) =>
      Array.from({ length: this.dimension }, (_, i) => (text.length + i) / 10),
    );
  }
  async embedQuery(text: string) {
    return (await this.embedDocuments([text]))[0] as number[];
  }
}

const managedIndex: IndexInfo = {
  name: 'main.docs.chunks_index',
  endpoint_name: 'vs',
  primary_key: 'id',
  index_type: 'DELTA_SYNC',
  delta_sync_index_spec: {
    source_table: 'main.docs.chunks',
    embedding_source_columns: [
      { name: 'text', embedding_model_endpoint_name: 'databricks-gte-large-en' },
    ],
    columns_to_sync: ['title', 'url', 'year'],
  },
  status: { ready: true, detailed_state: 'ONLINE_NO_PENDING_UPDATE' },
};

const directIndex: IndexInfo = {
  name: 'main.docs.notes',
  endpoint_name: 'vs',
  primary_key: 'id',
  index_type: 'DIRECT_ACCESS',
  direct_access_index_spec: {
    embedding_vector_columns: [{ name: 'vector', embedding_dimension: 3 }],
    schema_json: JSON.stringify({
      id: 'string',
      text: 'string',
      source: 'string',
      vector: 'array<float>',
    }),
  },
  status: { ready: true, detailed_state: 'ONLINE_DIRECT_ACCESS' },
};

const answer = (columns: string[], rows: unknown[][], nextPageToken = '') => ({
  body: {
    manifest: { column_count: columns.length, columns: columns.map((name) => ({ name })) },
    result: { row_count: rows.length, data_array: rows },
    next_page_token: nextPageToken,
  },
});

describe('DatabricksVectorSearch on a managed-embeddings index', () => {
  it('sends the query text, the columns and the filter as filters_json, and builds documents', async () => {
    const { fetch, sent } = fakeWorkspace({
      'GET /api/2.0/vector-search/indexes/main.docs.chunks_index': { body: managedIndex },
      'POST /api/2.0/vector-search/indexes/main.docs.chunks_index/query': answer(
        ['title', 'id', 'text', 'url', 'score'],
        [['Sync', 7, 'Indexes sync from Delta tables.', 'https://docs/sync', 0.91]],
      ),
    });
    const store = new DatabricksVectorSearch({
      host: HOST,
      token: TOKEN,
      fetch,
      indexName: 'main.docs.chunks_index',
      columns: ['title'],
      docUri: 'url',
      includeScore: true,
    });
    const [[document, score]] = (await store.similaritySearchWithScore('how do indexes sync?', 3, {
      'year >=': 2023,
      title: ['Sync', 'Indexes'],
    })) as [[{ pageContent: string; metadata: Record<string, unknown>; id?: string }, number]];
    const query = sent.find((request) => request.path.endsWith('/query'));
    expect(query?.authorization).toBe(`Bearer ${TOKEN}`);
    expect(query?.body).toEqual({
      columns: ['title', 'id', 'text', 'url'],
      num_results: 3,
      query_text: 'how do indexes sync?',
      filters_json: JSON.stringify({ 'year >=': 2023, title: ['Sync', 'Indexes'] }),
    });
    expect(document.pageContent).toBe('Indexes sync from Delta tables.');
    expect(document.metadata).toEqual({
      title: 'Sync',
      id: 7,
      doc_uri: 'https://docs/sync',
      score: 0.91,
    });
    expect(document.id).toBe('7');
    expect(score).toBe(0.91);
  });

  it('sends HYBRID, score_threshold, columns_to_rerank and a SQL-like filter as filter_string', async () => {
    const { fetch, sent } = fakeWorkspace({
      'GET /api/2.0/vector-search/indexes/main.docs.chunks_index': { body: managedIndex },
      'POST /api/2.0/vector-search/indexes/main.docs.chunks_index/query': answer(
        ['id', 'text', 'score'],
        [],
      ),
    });
    const store = new DatabricksVectorSearch({
      host: HOST,
      token: TOKEN,
      fetch,
      indexName: 'main.docs.chunks_index',
      queryType: 'HYBRID',
      scoreThreshold: 0.2,
      reranker: { columnsToRerank: ['text'] },
    });
    await store.similaritySearch('photon', 2, "year > 2020 AND title LIKE 'P%'");
    expect(sent.at(-1)?.body).toEqual({
      columns: ['id', 'text'],
      num_results: 2,
      query_text: 'photon',
      filter_string: "year > 2020 AND title LIKE 'P%'",
      query_type: 'HYBRID',
      score_threshold: 0.2,
      columns_to_rerank: ['text'],
    });
  });

  it('refuses an embeddings object, a foreign text column and unknown filter columns before querying', async () => {
    const routes = () => ({
      'GET /api/2.0/vector-search/indexes/main.docs.chunks_index': { body: managedIndex },
    });
    const withEmbeddings = fakeWorkspace(routes());
    await expect(
      new DatabricksVectorSearch({
        host: HOST,
        token: TOKEN,
        fetch: withEmbeddings.fetch,
        indexName: 'main.docs.chunks_index',
        embeddings: new CountingEmbeddings(3),
      }).initialize(),
    ).rejects.toThrow(/do not pass embeddings/);
    const textColumn = fakeWorkspace(routes());
    await expect(
      new DatabricksVectorSearch({
        host: HOST,
        token: TOKEN,
        fetch: textColumn.fetch,
        indexName: 'main.docs.chunks_index',
        textColumn: 'title',
      }).initialize(),
    ).rejects.toThrow(/textColumn must be that column/);
    const badFilter = fakeWorkspace(routes());
    const store = new DatabricksVectorSearch({
      host: HOST,
      token: TOKEN,
      fetch: badFilter.fetch,
      indexName: 'main.docs.chunks_index',
    });
    const error = await store
      .similaritySearch('x', 2, { 'colour <': 3 })
      .catch((caught: unknown) => caught);
    expect(VectorSearchValidationError.isInstance(error)).toBe(true);
    expect((error as Error).message).toMatch(/colour.*Columns: id, text, title, url, year/);
    expect(badFilter.sent.filter((request) => request.path.endsWith('/query'))).toEqual([]);
    expect(
      () => new DatabricksVectorSearch({ host: HOST, token: TOKEN, indexName: 'chunks_index' }),
    ).toThrow(/catalog.schema.index/);
  });

  it('follows next_page_token with query-next-page until num_results rows', async () => {
    const { fetch, sent } = fakeWorkspace({
      'GET /api/2.0/vector-search/indexes/main.docs.chunks_index': { body: managedIndex },
      'POST /api/2.0/vector-search/indexes/main.docs.chunks_index/query': answer(
        ['id', 'text', 'score'],
        [
          [1, 'a', 0.9],
          [2, 'b', 0.8],
        ],
        'page-2',
      ),
      'POST /api/2.0/vector-search/indexes/main.docs.chunks_index/query-next-page': [
        answer(
          ['id', 'text', 'score'],
          [
            [3, 'c', 0.7],
            [4, 'd', 0.6],
          ],
          'page-3',
        ),
        answer(['id', 'text', 'score'], [[5, 'e', 0.5]]),
      ],
    });
    const store = new DatabricksVectorSearch({
      host: HOST,
      token: TOKEN,
      fetch,
      indexName: 'main.docs.chunks_index',
    });
    const documents = await store.similaritySearch('letters', 5);
    expect(documents.map((document) => document.pageContent)).toEqual(['a', 'b', 'c', 'd', 'e']);
    expect(
      sent
        .filter((request) => request.path.endsWith('query-next-page'))
        .map((request) => request.body),
    ).toEqual([
      { endpoint_name: 'vs', page_token: 'page-2' },
      { endpoint_name: 'vs', page_token: 'page-3' },
    ]);
  });

  it('turns Databricks error codes into typed errors that say what to do', async () => {
    const errorFor = async (status: number, body: unknown) => {
      const { fetch } = fakeWorkspace({
        'GET /api/2.0/vector-search/indexes/main.docs.chunks_index': { status, body },
      });
      return new DatabricksVectorSearch({
        host: HOST,
        token: TOKEN,
        fetch,
        retry: false,
        indexName: 'main.docs.chunks_index',
      })
        .similaritySearch('x')
        .catch((error: unknown) => error);
    };
    const missing = await errorFor(404, {
      error_code: 'RESOURCE_DOES_NOT_EXIST',
      message: 'Index main.docs.chunks_index does not exist.',
    });
    expect(IndexNotFoundError.isInstance(missing)).toBe(true);
    expect((missing as Error).message).toMatch(/catalog.schema.index/);
    const notReady = await errorFor(400, {
      error_code: 'FAILED_PRECONDITION',
      message: 'Index main.docs.chunks_index is not ready: it is PROVISIONING_INITIAL_SNAPSHOT.',
    });
    expect(IndexNotReadyError.isInstance(notReady)).toBe(true);
    expect((notReady as Error).message).toMatch(/waitForIndex/);
    expect(
      VectorSearchPermissionError.isInstance(
        await errorFor(403, { error_code: 'PERMISSION_DENIED', message: 'no' }),
      ),
    ).toBe(true);
    const limited = await errorFor(429, {
      error_code: 'REQUEST_LIMIT_EXCEEDED',
      message: 'slow down',
    });
    expect(VectorSearchRateLimitError.isInstance(limited)).toBe(true);
    expect(VectorSearchError.isInstance(limited) && limited.retryable).toBe(true);
    // The token never appears in what an error shows.
    for (const error of [missing, notReady, limited])
      expect(JSON.stringify(error) + String(error)).not.toContain(TOKEN);
  });
});

describe('DatabricksVectorSearch on a Direct Access index', () => {
  it('embeds the query, checks the dimension, and runs MMR locally over fetchK vectors', async () => {
    const embeddings = new CountingEmbeddings(3);
    const { fetch, sent } = fakeWorkspace({
      'GET /api/2.0/vector-search/indexes/main.docs.notes': { body: directIndex },
      'POST /api/2.0/vector-search/indexes/main.docs.notes/query': answer(
        ['id', 'text', 'vector', 'score'],
        [
          // The query embeds to [0.5, 0.6, 0.7]: a is it, b nearly a copy of a, c different.
          ['a', 'alpha', [0.5, 0.6, 0.7], 0.9],
          ['b', 'alpha again', [0.5, 0.6, 0.71], 0.89],
          ['c', 'gamma', [0.7, 0.1, 0.2], 0.5],
        ],
      ),
    });
    const store = new DatabricksVectorSearch({
      host: HOST,
      token: TOKEN,
      fetch,
      indexName: 'main.docs.notes',
      embeddings,
      textColumn: 'text',
    });
    const documents = await store.maxMarginalRelevanceSearch(
      'alpha',
      { k: 2, fetchK: 3, lambda: 0.3 },
      undefined,
    );
    expect(documents.map((document) => document.id)).toEqual(['a', 'c']);
    expect(documents[0]?.metadata).toEqual({ id: 'a' });
    expect(sent.at(-1)?.body).toMatchObject({
      columns: ['id', 'text', 'vector'],
      num_results: 3,
      query_vector: expect.any(Array),
    });
    await expect(store.similaritySearchVectorWithScore([1, 2], 2)).rejects.toThrow(
      /2 dimensions; the index's vectors have 3/,
    );
  });

  it('upserts in batches with inputs_json, returns the ids, and reports partial failures', async () => {
    const { fetch, sent } = fakeWorkspace({
      'GET /api/2.0/vector-search/indexes/main.docs.notes': { body: directIndex },
      'POST /api/2.0/vector-search/indexes/main.docs.notes/upsert-data': [
        { body: { status: 'SUCCESS', result: { success_row_count: 2, failed_primary_keys: [] } } },
        { body: { status: 'SUCCESS', result: { success_row_count: 1, failed_primary_keys: [] } } },
        {
          body: {
            status: 'PARTIAL_SUCCESS',
            result: { success_row_count: 0, failed_primary_keys: ['x'] },
          },
        },
      ],
      'DELETE /api/2.0/vector-search/indexes/main.docs.notes/delete-data': {
        body: { status: 'SUCCESS', result: { success_row_count: 2, failed_primary_keys: [] } },
      },
    });
    const store = new DatabricksVectorSearch({
      host: HOST,
      token: TOKEN,
      fetch,
      indexName: 'main.docs.notes',
      embeddings: new CountingEmbeddings(3),
      textColumn: 'text',
      upsertBatchSize: 2,
    });
    const ids = await store.addDocuments(
      [
        { pageContent: 'one', metadata: { source: 's1' } },
        { pageContent: 'two', metadata: {}, id: 'doc-2' },
        { pageContent: 'three', metadata: {} },
      ],
      { ids: ['id-1', 'id-2', 'id-3'] },
    );
    expect(ids).toEqual(['id-1', 'id-2', 'id-3']);
    const upserts = sent.filter((request) => request.path.endsWith('/upsert-data'));
    expect(upserts).toHaveLength(2);
    expect(typeof upserts[0]?.body.inputs_json).toBe('string');
    expect(JSON.parse(upserts[0]?.body.inputs_json)).toEqual([
      { source: 's1', id: 'id-1', text: 'one', vector: [0.3, 0.4, 0.5] },
      { id: 'id-2', text: 'two', vector: [0.3, 0.4, 0.5] },
    ]);
    const partial = await store
      .addVectors([[1, 2, 3]], [{ pageContent: 'x', metadata: {} }], { ids: ['x'] })
      .catch((error: unknown) => error);
    expect(
      VectorSearchPartialFailureError.isInstance(partial) && partial.failedPrimaryKeys,
    ).toEqual(['x']);
    await expect(
      store.addDocuments([{ pageContent: 'x', metadata: { colour: 'red' } }]),
    ).rejects.toThrow(/"colour" is not a column/);
    await store.delete({ ids: ['id-1', 'id-2'] });
    expect(sent.at(-1)?.query.getAll('primary_keys')).toEqual(['id-1', 'id-2']);
  });

  it('refuses writes to Delta Sync indexes and text search without embeddings', async () => {
    const { fetch } = fakeWorkspace({
      'GET /api/2.0/vector-search/indexes/main.docs.chunks_index': { body: managedIndex },
      'GET /api/2.0/vector-search/indexes/main.docs.notes': { body: directIndex },
    });
    const managed = new DatabricksVectorSearch({
      host: HOST,
      token: TOKEN,
      fetch,
      indexName: 'main.docs.chunks_index',
    });
    await expect(managed.addVectors([[1]], [{ pageContent: 'x', metadata: {} }])).rejects.toThrow(
      /only Direct Access indexes take writes/,
    );
    const direct = new DatabricksVectorSearch({
      host: HOST,
      token: TOKEN,
      fetch,
      indexName: 'main.docs.notes',
      textColumn: 'text',
    });
    await expect(direct.similaritySearch('x')).rejects.toThrow(/pass embeddings/);
  });
});

describe('VectorSearchRetrieverTool', () => {
  it('derives its name and description from the index, and takes filters from the model', async () => {
    const { fetch, sent } = fakeWorkspace({
      'GET /api/2.0/vector-search/indexes/main.docs.chunks_index': { body: managedIndex },
      'GET /api/2.1/unity-catalog/tables/main.docs.chunks_index': {
        body: {
          columns: [
            { name: 'id', type_text: 'bigint' },
            { name: 'title', type_text: 'string' },
            { name: 'year', type_text: 'int' },
          ],
        },
      },
      'POST /api/2.0/vector-search/indexes/main.docs.chunks_index/query': answer(
        ['id', 'text', 'url', 'score'],
        [[7, 'Indexes sync.', 'https://docs/sync', 0.9]],
      ),
    });
    const tool = await VectorSearchRetrieverTool.create({
      host: HOST,
      token: TOKEN,
      fetch,
      indexName: 'main.docs.chunks_index',
      docUri: 'url',
      primaryKey: 'id',
      numResults: 3,
      dynamicFilter: true,
    });
    expect(tool.name).toBe('main__docs__chunks_index');
    expect(tool.description).toContain('source table main.docs.chunks');
    expect(tool.description).toContain('year (int)');
    const message = await tool.invoke({
      type: 'tool_call',
      id: 'call_1',
      name: tool.name,
      args: { query: 'sync', filters: [{ key: 'year >', value: 2020 }] },
    });
    expect(JSON.parse(String(message.content))).toEqual([
      {
        page_content: 'Indexes sync.',
        metadata: { id: 7, chunk_id: 7, doc_uri: 'https://docs/sync' },
        id: '7',
      },
    ]);
    expect(sent.at(-1)?.body).toMatchObject({ num_results: 3, filters_json: '{"year >":2020}' });
    expect(
      () =>
        new VectorSearchRetrieverTool({
          host: HOST,
          token: TOKEN,
          indexName: 'main.docs.chunks_index',
          dynamicFilter: true,
          filters: { year: 1 },
        }),
    ).toThrow(/not both/);
  });
});

describe('VectorSearchClient', () => {
  it('creates indexes with the documented bodies and polls until ready', async () => {
    const { fetch, sent } = fakeWorkspace({
      'POST /api/2.0/vector-search/indexes': ({ body }) => ({
        body: { ...body, status: { ready: false } },
      }),
      'GET /api/2.0/vector-search/indexes/main.docs.notes': [
        {
          body: { ...directIndex, status: { ready: false, detailed_state: 'PROVISIONING_INDEX' } },
        },
        { body: directIndex },
      ],
    });
    const client = new VectorSearchClient({ host: HOST, token: TOKEN, fetch });
    await client.createDirectAccessIndex({
      endpointName: 'vs',
      indexName: 'main.docs.notes',
      primaryKey: 'id',
      embeddingVectorColumn: 'vector',
      embeddingDimension: 3,
      schema: { id: 'string', text: 'string', vector: 'array<float>' },
    });
    expect(sent[0]?.body).toEqual({
      name: 'main.docs.notes',
      endpoint_name: 'vs',
      primary_key: 'id',
      index_type: 'DIRECT_ACCESS',
      direct_access_index_spec: {
        embedding_vector_columns: [{ name: 'vector', embedding_dimension: 3 }],
        schema_json: '{"id":"string","text":"string","vector":"array<float>"}',
      },
    });
    const ready = await client.waitForIndex('main.docs.notes', { pollIntervalMs: 1 });
    expect(ready.status?.ready).toBe(true);
    expect(() =>
      client.createDeltaSyncIndex({
        endpointName: 'vs',
        indexName: 'main.docs.x',
        primaryKey: 'id',
        sourceTable: 'main.docs.t',
      }),
    ).toThrow(/either embeddingSourceColumn/);
  });
});
