/**
 * The local Vector Search over HTTPS, in Databricks' wire shapes: endpoints, Direct Access and
 * Delta Sync indexes (managed and self-managed embeddings, read from the SQL engine), ANN, HYBRID
 * and FULL_TEXT queries, both filter syntaxes, paging, scan, upsert, delete, sync, the
 * endpoint-scoped paths and GET-with-body of Python's client, and the error shapes.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type LocalWorkspace, startLocalWorkspace } from '../../workspace.js';
import { call } from '../mlflow/testing_http.js';
import { embedText, scriptedEmbeddings } from '../serving/scripted.js';

const DIMENSION = 8;

describe('local Vector Search', () => {
  let ws: LocalWorkspace;
  const api = async (
    method: string,
    path: string,
    body?: unknown,
  ): Promise<{ status: number; json: any }> => {
    const text = body === undefined ? undefined : JSON.stringify(body);
    const result = await call(ws, path, {
      method,
      // An explicit length: Node frames no body on GET and DELETE by itself (Python's requests does).
      headers: {
        authorization: `Bearer ${ws.token}`,
        'content-type': 'application/json',
        ...(text === undefined ? {} : { 'content-length': String(Buffer.byteLength(text)) }),
      },
      body: text,
    });
    return { status: result.status, json: result.json };
  };

  async function sql(statement: string) {
    const session = await ws.engine.openSession({});
    try {
      const result = await session.execute(statement, {}, new AbortController().signal);
      await result.close();
    } finally {
      await session.close();
    }
  }

  beforeAll(async () => {
    ws = await startLocalWorkspace({
      catalog: { samples: false },
      serving: {
        endpoints: [
          {
            name: 'embed',
            task: 'llm/v1/embeddings',
            handler: scriptedEmbeddings({ dimensions: DIMENSION, maxInputs: 16 }),
          },
          { name: 'chat', task: 'llm/v1/chat', handler: () => ({}) },
        ],
      },
      vectorSearch: { pageSize: 3, embeddingBatchSize: 16 },
    });
    await sql('CREATE SCHEMA IF NOT EXISTS main.rag');
    await sql(
      'CREATE TABLE main.rag.docs (id BIGINT, title STRING, body STRING, year INT, tags ARRAY<STRING>)',
    );
    await sql(`INSERT INTO main.rag.docs VALUES
      (1, 'Delta Lake', 'Delta Lake brings ACID transactions to data lakes', 2019, array('storage', 'acid')),
      (2, 'Unity Catalog', 'Unity Catalog governs tables models and volumes', 2021, array('governance')),
      (3, 'Vector Search', 'Vector Search finds similar embeddings with HNSW', 2023, array('ai', 'search')),
      (4, 'Model Serving', 'Model Serving hosts models behind REST endpoints', 2022, array('ai')),
      (5, 'Photon', 'Photon is a vectorized query engine', 2020, array('engine'))`);
  });

  afterAll(async () => {
    await ws?.stop();
  });

  it('creates, lists, reads and deletes endpoints', async () => {
    const created = await api('POST', '/api/2.0/vector-search/endpoints', {
      name: 'vs',
      endpoint_type: 'STANDARD',
    });
    expect(created.status).toBe(200);
    expect(created.json).toMatchObject({
      name: 'vs',
      endpoint_type: 'STANDARD',
      endpoint_status: { state: 'ONLINE' },
    });
    expect(
      (await api('POST', '/api/2.0/vector-search/endpoints', { name: 'vs' })).json.error_code,
    ).toBe('RESOURCE_ALREADY_EXISTS');
    expect(
      (await api('GET', '/api/2.0/vector-search/endpoints')).json.endpoints.map(
        (e: { name: string }) => e.name,
      ),
    ).toContain('vs');
    await api('POST', '/api/2.0/vector-search/endpoints', { name: 'temporary' });
    expect((await api('DELETE', '/api/2.0/vector-search/endpoints/temporary')).status).toBe(200);
    const missing = await api('GET', '/api/2.0/vector-search/endpoints/temporary');
    expect(missing).toMatchObject({ status: 404, json: { error_code: 'RESOURCE_DOES_NOT_EXIST' } });
  });

  describe('Direct Access', () => {
    const name = 'main.rag.notes';
    const vector = (text: string) => embedText(text, DIMENSION);
    const rows = [
      { id: 'a', text: 'red apples', color: 'red', price: 3, vector: vector('a') },
      { id: 'b', text: 'green apples and pears', color: 'green', price: 5, vector: vector('b') },
      { id: 'c', text: 'red cherries', color: 'red', price: 12, vector: vector('c') },
      { id: 'd', text: 'blue berries', color: 'blue', price: 8, vector: vector('d') },
      { id: 'e', text: 'yellow bananas', color: 'yellow', price: 1, vector: vector('e') },
    ];

    beforeAll(async () => {
      const created = await api('POST', '/api/2.0/vector-search/indexes', {
        name,
        endpoint_name: 'vs',
        primary_key: 'id',
        index_type: 'DIRECT_ACCESS',
        direct_access_index_spec: {
          embedding_vector_columns: [{ name: 'vector', embedding_dimension: DIMENSION }],
          schema_json: JSON.stringify({
            id: 'string',
            text: 'string',
            color: 'string',
            price: 'integer',
            vector: 'array<float>',
          }),
        },
      });
      expect(created.status).toBe(200);
      expect(created.json.status).toMatchObject({
        ready: true,
        detailed_state: 'ONLINE_DIRECT_ACCESS',
      });
      expect(JSON.parse(created.json.direct_access_index_spec.schema_json).price).toBe('int');
      const upserted = await api('POST', `/api/2.0/vector-search/indexes/${name}/upsert-data`, {
        inputs_json: JSON.stringify(rows),
      });
      expect(upserted.json).toEqual({
        status: 'SUCCESS',
        result: { success_row_count: 5, failed_primary_keys: [] },
      });
    });

    const query = (body: unknown) =>
      api('POST', `/api/2.0/vector-search/indexes/${name}/query`, body);
    /** Every row of a query, following next_page_token (pages hold 3 rows here). */
    const allRows = async (body: unknown) => {
      let page = await query(body);
      const rows = [...page.json.result.data_array];
      while (page.json.next_page_token) {
        page = await api('POST', `/api/2.0/vector-search/indexes/${name}/query-next-page`, {
          endpoint_name: 'vs',
          page_token: page.json.next_page_token,
        });
        rows.push(...page.json.result.data_array);
      }
      return rows;
    };

    it('answers ANN queries with the score last, 1/(1+L2 distance)', async () => {
      const target = vector('c');
      const result = await query({
        columns: ['id', 'color'],
        query_vector: target,
        num_results: 2,
      });
      expect(result.status).toBe(200);
      expect(result.json.manifest.columns).toEqual([
        { name: 'id' },
        { name: 'color' },
        { name: 'score' },
      ]);
      expect(result.json.result.data_array[0]).toEqual(['c', 'red', 1]);
      const [, second] = result.json.result.data_array;
      const other = rows.find((row) => row.id === second[0]) as (typeof rows)[number];
      const distance = Math.hypot(
        ...target.map((value, position) => value - (other.vector[position] as number)),
      );
      expect(second[2]).toBeCloseTo(1 / (1 + distance), 5);
      expect(result.json.next_page_token).toBe('');
    });

    it('evaluates dictionary filters exactly', async () => {
      const ids = async (filter: unknown) =>
        (
          await allRows({
            columns: ['id'],
            query_vector: vector('x'),
            num_results: 10,
            filters_json: JSON.stringify(filter),
          })
        )
          .map((row: unknown[]) => row[0])
          .sort();
      expect(await ids({ color: 'red' })).toEqual(['a', 'c']);
      expect(await ids({ color: ['red', 'blue'] })).toEqual(['a', 'c', 'd']);
      expect(await ids({ 'color NOT': 'red' })).toEqual(['b', 'd', 'e']);
      expect(await ids({ 'price <': 5 })).toEqual(['a', 'e']);
      expect(await ids({ 'price >=': 5, 'price <=': 8 })).toEqual(['b', 'd']);
      expect(await ids({ 'text LIKE': 'apples' })).toEqual(['a', 'b']);
      expect(await ids({ 'text LIKE': 'apple' })).toEqual([]);
      // A value with % is a pattern (Databricks' "JSON pattern LIKE").
      expect(await ids({ 'text LIKE': '%apple%' })).toEqual(['a', 'b']);
      expect(await ids({ 'text LIKE': 'red %' })).toEqual(['a', 'c']);
      expect(await ids({ 'color OR price': ['blue', 1] })).toEqual(['d', 'e']);
    });

    it('evaluates SQL-like filter strings exactly (storage-optimized endpoints)', async () => {
      // Databricks documents the string syntax for storage-optimized endpoints: the same rows in
      // an index on one.
      await api('POST', '/api/2.0/vector-search/endpoints', {
        name: 'vs-so',
        endpoint_type: 'STORAGE_OPTIMIZED',
      });
      const created = await api('POST', '/api/2.0/vector-search/indexes', {
        name: 'main.rag.notes_so',
        endpoint_name: 'vs-so',
        primary_key: 'id',
        index_type: 'DIRECT_ACCESS',
        direct_access_index_spec: {
          embedding_vector_columns: [{ name: 'vector', embedding_dimension: DIMENSION }],
          schema_json: JSON.stringify({
            id: 'string',
            text: 'string',
            color: 'string',
            price: 'integer',
            vector: 'array<float>',
          }),
        },
      });
      expect(created.status).toBe(200);
      await api('POST', '/api/2.0/vector-search/indexes/main.rag.notes_so/upsert-data', {
        inputs_json: JSON.stringify(rows),
      });
      const query = (body: unknown) =>
        api('POST', '/api/2.0/vector-search/indexes/main.rag.notes_so/query', body);
      const ids = async (filter: string) => {
        let page = await query({
          columns: ['id'],
          query_vector: vector('x'),
          num_results: 10,
          filter_string: filter,
        });
        const found = [...page.json.result.data_array];
        while (page.json.next_page_token) {
          page = await api(
            'POST',
            '/api/2.0/vector-search/indexes/main.rag.notes_so/query-next-page',
            {
              page_token: page.json.next_page_token,
            },
          );
          found.push(...page.json.result.data_array);
        }
        return found.map((row: unknown[]) => row[0]).sort();
      };
      expect(await ids("color = 'red' AND price > 5")).toEqual(['c']);
      expect(await ids("color IN ('red', 'blue') OR price BETWEEN 4 AND 6")).toEqual([
        'a',
        'b',
        'c',
        'd',
      ]);
      expect(await ids("NOT (color = 'red') AND text LIKE '%an%'")).toEqual(['b', 'e']);
      const bad = await query({
        columns: ['id'],
        query_vector: vector('x'),
        filter_string: 'colour = 1',
      });
      expect(bad).toMatchObject({ status: 400, json: { error_code: 'INVALID_PARAMETER_VALUE' } });
      expect(bad.json.message).toContain('colour');
      // Each endpoint type takes its own syntax; the other is refused, naming the right one.
      const dictionary = await query({
        columns: ['id'],
        query_vector: vector('x'),
        filters_json: JSON.stringify({ color: 'red' }),
      });
      expect(dictionary).toMatchObject({
        status: 400,
        json: { error_code: 'INVALID_PARAMETER_VALUE' },
      });
      expect(dictionary.json.message).toContain('STORAGE_OPTIMIZED endpoint');
      expect(dictionary.json.message).toContain('filter_string');
      const onStandard = await api('POST', `/api/2.0/vector-search/indexes/${name}/query`, {
        columns: ['id'],
        query_vector: vector('x'),
        filter_string: "color = 'red'",
      });
      expect(onStandard).toMatchObject({
        status: 400,
        json: { error_code: 'INVALID_PARAMETER_VALUE' },
      });
      expect(onStandard.json.message).toContain('STANDARD endpoint');
      expect(onStandard.json.message).toContain('filters_json');
      await api('DELETE', '/api/2.0/vector-search/indexes/main.rag.notes_so');
    });

    it('pages with query-next-page and scans in primary-key order', async () => {
      const first = await query({ columns: ['id'], query_vector: vector('x'), num_results: 5 });
      expect(first.json.result.row_count).toBe(3);
      expect(first.json.next_page_token).not.toBe('');
      const next = await api('POST', `/api/2.0/vector-search/indexes/${name}/query-next-page`, {
        endpoint_name: 'vs',
        page_token: first.json.next_page_token,
      });
      expect(next.json.result.row_count).toBe(2);
      expect(next.json.next_page_token).toBe('');
      const all = [...first.json.result.data_array, ...next.json.result.data_array]
        .map((row: unknown[]) => row[0])
        .sort();
      expect(all).toEqual(['a', 'b', 'c', 'd', 'e']);
      const scanned = await api('POST', `/api/2.0/vector-search/indexes/${name}/scan`, {
        num_results: 2,
        last_primary_key: 'b',
        endpoint_name: 'vs',
      });
      expect(scanned.json.last_primary_key).toBe('d');
      expect(
        scanned.json.data.map(
          (row: { fields: { key: string; value: unknown }[] }) =>
            row.fields.find((field) => field.key === 'id')?.value,
        ),
      ).toEqual([{ string_value: 'c' }, { string_value: 'd' }]);
    });

    it('serves the endpoint-scoped paths with GET and a JSON body, as Python sends', async () => {
      const info = await api('GET', `/api/2.0/vector-search/endpoints/vs/indexes/${name}`);
      expect(info.json.status.index_url).toMatch(
        new RegExp(`/api/2.0/vector-search/endpoints/vs/indexes/${name}$`),
      );
      const result = await api('GET', `/api/2.0/vector-search/endpoints/vs/indexes/${name}/query`, {
        columns: ['id'],
        query_vector: vector('e'),
        num_results: 1,
        filters_json: null,
        filter_string: null,
        debug_level: 1,
      });
      expect(result.json.result.data_array).toEqual([['e', 1]]);
      expect(
        (await api('GET', `/api/2.0/vector-search/endpoints/other/indexes/${name}`)).status,
      ).toBe(404);
    });

    it('upserts with partial failures, and deletes by query string or JSON body', async () => {
      const partial = await api('POST', `/api/2.0/vector-search/indexes/${name}/upsert-data`, {
        inputs_json: JSON.stringify([
          { id: 'f', text: 'figs', color: 'purple', price: 4, vector: vector('f') },
          { id: 'g', text: 'grapes', vector: [1, 2] },
          { id: 'h', text: 'honeydew', weight: 3, vector: vector('h') },
        ]),
      });
      expect(partial.json).toEqual({
        status: 'PARTIAL_SUCCESS',
        result: { success_row_count: 1, failed_primary_keys: ['g', 'h'] },
      });
      expect(
        (await api('DELETE', `/api/2.0/vector-search/indexes/${name}/delete-data?primary_keys=f`))
          .json.status,
      ).toBe('SUCCESS');
      await api('POST', `/api/2.0/vector-search/indexes/${name}/upsert-data`, {
        inputs_json: JSON.stringify([{ id: 'z', text: 'zucchini', vector: vector('z') }]),
      });
      await api('DELETE', `/api/2.0/vector-search/endpoints/vs/indexes/${name}/delete-data`, {
        primary_keys: ['z'],
      });
      expect(ws.vectorSearch.rows(name).map((row) => row.id)).toEqual(['a', 'b', 'c', 'd', 'e']);
    });

    it('answers Databricks error shapes', async () => {
      expect(await query({ columns: ['id'], query_vector: [1, 2, 3] })).toMatchObject({
        status: 400,
        json: { error_code: 'INVALID_PARAMETER_VALUE' },
      });
      expect(await query({ columns: ['nope'], query_vector: vector('x') })).toMatchObject({
        status: 400,
      });
      expect(
        await api('POST', '/api/2.0/vector-search/indexes/main.rag.missing/query', {
          columns: ['id'],
        }),
      ).toMatchObject({
        status: 404,
        json: { error_code: 'RESOURCE_DOES_NOT_EXIST' },
      });
      const badName = await api('POST', '/api/2.0/vector-search/indexes', {
        name: 'main.rag.bad-name',
        endpoint_name: 'vs',
        primary_key: 'id',
        index_type: 'DIRECT_ACCESS',
      });
      expect(badName).toMatchObject({
        status: 400,
        json: {
          error_code: 'INVALID_PARAMETER_VALUE',
          message:
            'Invalid index name. Must specify the full index name <catalog>.<schema>.<table>. Only alphanumerics and underscores are allowed.',
        },
      });
      const fullTextOnStandard = await api('POST', '/api/2.0/vector-search/indexes', {
        name: 'main.rag.keywords',
        endpoint_name: 'vs',
        primary_key: 'id',
        index_type: 'DIRECT_ACCESS',
        index_subtype: 'FULL_TEXT',
        direct_access_index_spec: { schema_json: JSON.stringify({ id: 'string', text: 'string' }) },
      });
      expect(fullTextOnStandard.status).toBe(400);
      expect(fullTextOnStandard.json.message).toMatch(/only supported on STORAGE_OPTIMIZED/);
      ws.vectorSearch.setEndpointState('vs', 'PROVISIONING');
      const notReady = await query({ columns: ['id'], query_vector: vector('x') });
      ws.vectorSearch.setEndpointState('vs', 'ONLINE');
      expect(notReady).toMatchObject({ status: 400, json: { error_code: 'FAILED_PRECONDITION' } });
      expect(notReady.json.message).toMatch(/endpoint vs is not ready/);
      const unauthenticated = await call(ws, `/api/2.0/vector-search/indexes/${name}`, {
        headers: { authorization: 'Bearer nope' },
      });
      expect(unauthenticated.status).toBe(403);
    });

    it('reranks the top 50 candidates before keeping num_results', async () => {
      // ANN puts a first; the (lexical stand-in for the) reranker prefers the row whose text
      // matches the query, which is in the top 50 but not in the top 1.
      const result = await query({
        columns: ['id'],
        query_vector: vector('a'),
        query_text: 'blue berries',
        num_results: 1,
        reranker: {
          model: 'databricks_reranker',
          model_type: 'MODEL_TYPE_BASE',
          parameters: { columns_to_rerank: ['text'] },
        },
      });
      expect(result.json.result.data_array.map((row: unknown[]) => row[0])).toEqual(['d']);
    });

    it('returns at most 200 rows for HYBRID queries', async () => {
      const many = 'main.rag.many';
      await api('POST', '/api/2.0/vector-search/indexes', {
        name: many,
        endpoint_name: 'vs',
        primary_key: 'id',
        index_type: 'DIRECT_ACCESS',
        direct_access_index_spec: {
          embedding_vector_columns: [{ name: 'vector', embedding_dimension: DIMENSION }],
          schema_json: JSON.stringify({ id: 'integer', text: 'string', vector: 'array<float>' }),
        },
      });
      await api('POST', `/api/2.0/vector-search/indexes/${many}/upsert-data`, {
        inputs_json: JSON.stringify(
          Array.from({ length: 250 }, (_, id) => ({
            id,
            text: `note ${id}`,
            vector: vector(`note ${id}`),
          })),
        ),
      });
      const count = async (queryType: string) => {
        let page = await api('POST', `/api/2.0/vector-search/indexes/${many}/query`, {
          columns: ['id'],
          query_vector: vector('note'),
          query_text: 'note',
          query_type: queryType,
          num_results: 300,
        });
        let total = page.json.result.row_count;
        while (page.json.next_page_token) {
          page = await api('POST', `/api/2.0/vector-search/indexes/${many}/query-next-page`, {
            page_token: page.json.next_page_token,
          });
          total += page.json.result.row_count;
        }
        return total;
      };
      expect(await count('HYBRID')).toBe(200);
      expect(await count('ANN')).toBe(250);
      await api('DELETE', `/api/2.0/vector-search/indexes/${many}`);
    });

    it('describes the index as a Unity Catalog table', async () => {
      const table = await api('GET', `/api/2.1/unity-catalog/tables/${name}`);
      expect(
        table.json.columns.map(
          (column: { name: string; type_text: string }) => `${column.name}:${column.type_text}`,
        ),
      ).toEqual(['id:string', 'text:string', 'color:string', 'price:int', 'vector:array<float>']);
      // type_name is Unity Catalog's ColumnTypeName enum.
      expect(table.json.columns.map((column: { type_name: string }) => column.type_name)).toEqual([
        'STRING',
        'STRING',
        'STRING',
        'INT',
        'ARRAY',
      ]);
      expect(
        (await api('GET', '/api/2.1/unity-catalog/tables/main.rag.docs')).json.error_code,
      ).toBe('TABLE_DOES_NOT_EXIST');
    });
  });

  describe('Delta Sync', () => {
    it('embeds the source column through the serving endpoint, answers text queries and re-syncs', async () => {
      const created = await api('POST', '/api/2.0/vector-search/endpoints/vs/indexes', {
        name: 'main.rag.docs_index',
        primary_key: 'id',
        index_type: 'DELTA_SYNC',
        delta_sync_index_spec: {
          source_table: 'main.rag.docs',
          pipeline_type: 'TRIGGERED',
          embedding_source_columns: [{ name: 'body', embedding_model_endpoint_name: 'embed' }],
          columns_to_sync: ['title', 'year', 'tags'],
        },
      });
      expect(created.status).toBe(200);
      expect(created.json.status.ready).toBe(false);
      expect(created.json.delta_sync_index_spec.pipeline_id).toBeTruthy();
      const view = await ws.vectorSearch.waitForSync('main.rag.docs_index');
      expect(view).toMatchObject({
        ready: true,
        rowCount: 5,
        detailedState: 'ONLINE_NO_PENDING_UPDATE',
        embeddedTexts: 5,
      });
      expect(ws.serving.requestsFor('embed').at(-1)?.body).toMatchObject({
        input: expect.arrayContaining(['Photon is a vectorized query engine']),
      });

      const text = 'Unity Catalog governs tables models and volumes';
      const ann = await api('POST', '/api/2.0/vector-search/indexes/main.rag.docs_index/query', {
        columns: ['id', 'title'],
        query_text: text,
        num_results: 1,
      });
      expect(ann.json.result.data_array).toEqual([[2, 'Unity Catalog', 1]]);

      const filtered = await api(
        'POST',
        '/api/2.0/vector-search/indexes/main.rag.docs_index/query',
        {
          columns: ['id'],
          query_text: text,
          num_results: 5,
          filters_json: JSON.stringify({ tags: ['ai', 'acid'], 'year >': 2019 }),
        },
      );
      expect(filtered.json.result.data_array.map((row: unknown[]) => row[0]).sort()).toEqual([
        3, 4,
      ]);

      const hybrid = await api('POST', '/api/2.0/vector-search/indexes/main.rag.docs_index/query', {
        columns: ['id'],
        query_text: 'vectorized query engine',
        query_type: 'HYBRID',
        num_results: 2,
      });
      // Photon is first by keywords; RRF scores are 1/(60+rank) summed over the two lists.
      expect(hybrid.json.result.data_array[0][0]).toBe(5);
      expect(hybrid.json.result.data_array[0][1]).toBeGreaterThanOrEqual(1 / 61);
      expect(hybrid.json.result.data_array[0][1]).toBeLessThanOrEqual(2 / 61);
      const fullText = await api(
        'POST',
        '/api/2.0/vector-search/indexes/main.rag.docs_index/query',
        {
          columns: ['id'],
          query_text: 'models',
          query_type: 'FULL_TEXT',
          num_results: 5,
        },
      );
      expect(fullText.json.result.data_array.map((row: unknown[]) => row[0]).sort()).toEqual([
        2, 4,
      ]);

      await sql(
        "INSERT INTO main.rag.docs VALUES (6, 'MLflow Tracking', 'MLflow tracks experiments and traces', 2018, array('ai'))",
      );
      await sql('DELETE FROM main.rag.docs WHERE id = 1');
      expect(
        (await api('POST', '/api/2.0/vector-search/indexes/main.rag.docs_index/sync', {})).status,
      ).toBe(200);
      // A second sync while the pipeline runs is refused, as Databricks answers it.
      const again = await api(
        'POST',
        '/api/2.0/vector-search/indexes/main.rag.docs_index/sync',
        {},
      );
      expect(again.status).toBe(400);
      expect(again.json.message).toMatch(
        /^Index is not ready to sync yet\. Pipeline is in state RUNNING/,
      );
      const synced = await ws.vectorSearch.waitForSync('main.rag.docs_index');
      // Only the new row was embedded again.
      expect(synced).toMatchObject({ rowCount: 5, syncCount: 2, embeddedTexts: 6 });
      expect(ws.vectorSearch.rows('main.rag.docs_index').map((row) => row.id)).toEqual([
        2, 3, 4, 5, 6,
      ]);
      // Keywords cover every synced text column, not only the embedded one: "tracking" is only in
      // the new row's title.
      const byTitle = await api(
        'POST',
        '/api/2.0/vector-search/indexes/main.rag.docs_index/query',
        {
          columns: ['id'],
          query_text: 'tracking',
          query_type: 'FULL_TEXT',
          num_results: 5,
        },
      );
      expect(byTitle.json.result.data_array.map((row: unknown[]) => row[0])).toEqual([6]);
    });

    it('indexes a table that has its own vectors (self-managed embeddings)', async () => {
      await sql('CREATE TABLE main.rag.vectors (key STRING, label STRING, embedding ARRAY<FLOAT>)');
      await sql(
        `INSERT INTO main.rag.vectors VALUES ('k1', 'one', array(${embedText('one', 4).join(', ')})), ('k2', 'two', array(${embedText('two', 4).join(', ')}))`,
      );
      const created = await api('POST', '/api/2.0/vector-search/indexes', {
        name: 'main.rag.vectors_index',
        endpoint_name: 'vs',
        primary_key: 'key',
        index_type: 'DELTA_SYNC',
        delta_sync_index_spec: {
          source_table: 'main.rag.vectors',
          pipeline_type: 'TRIGGERED',
          embedding_vector_columns: [{ name: 'embedding', embedding_dimension: 4 }],
        },
      });
      expect(created.status).toBe(200);
      await ws.vectorSearch.waitForSync('main.rag.vectors_index');
      const result = await api(
        'POST',
        '/api/2.0/vector-search/indexes/main.rag.vectors_index/query',
        {
          columns: ['key', 'label'],
          query_vector: embedText('two', 4),
          num_results: 1,
        },
      );
      expect(result.json.result.data_array[0].slice(0, 2)).toEqual(['k2', 'two']);
      expect(result.json.result.data_array[0][2]).toBeCloseTo(1, 5);
      const noText = await api(
        'POST',
        '/api/2.0/vector-search/indexes/main.rag.vectors_index/query',
        { columns: ['key'], query_text: 'two' },
      );
      expect(noText.json.message).toMatch(/query_vector is required/);
    });

    it('refuses specs that cannot work, naming what is wrong', async () => {
      const create = (spec: unknown, extra: object = {}) =>
        api('POST', '/api/2.0/vector-search/indexes', {
          name: 'main.rag.bad',
          endpoint_name: 'vs',
          primary_key: 'id',
          index_type: 'DELTA_SYNC',
          delta_sync_index_spec: spec,
          ...extra,
        });
      expect(
        (
          await create({
            source_table: 'main.rag.nope',
            embedding_source_columns: [{ name: 'body', embedding_model_endpoint_name: 'embed' }],
          })
        ).json.error_code,
      ).toBe('RESOURCE_DOES_NOT_EXIST');
      expect(
        (
          await create({
            source_table: 'main.rag.docs',
            embedding_source_columns: [{ name: 'year', embedding_model_endpoint_name: 'embed' }],
          })
        ).json.message,
      ).toMatch(/must be a STRING column/);
      expect(
        (
          await create({
            source_table: 'main.rag.docs',
            embedding_source_columns: [{ name: 'body', embedding_model_endpoint_name: 'chat' }],
          })
        ).json.message,
      ).toMatch(/llm\/v1\/embeddings/);
      expect(
        (
          await api('POST', '/api/2.0/vector-search/indexes', {
            name: 'nodots',
            endpoint_name: 'vs',
            primary_key: 'id',
            index_type: 'DIRECT_ACCESS',
          })
        ).json.error_code,
      ).toBe('INVALID_PARAMETER_VALUE');
      expect(
        (await api('POST', '/api/2.0/vector-search/indexes/main.rag.notes/sync', {})).json
          .error_code,
      ).toBe('BAD_REQUEST');
    });
  });
});
