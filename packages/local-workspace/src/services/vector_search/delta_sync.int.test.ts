/**
 * Delta Sync indexes of the local Vector Search over HTTPS: managed embeddings through the
 * serving endpoint (text, filtered, HYBRID and FULL_TEXT queries, an incremental re-sync that
 * embeds only what changed), self-managed vectors read from the source table, and the specs
 * refused with what is wrong.
 */
import { describe, expect, it } from 'vitest';
import { embedText } from '../serving/scripted.js';
import {
  createNotesIndex,
  createStandardEndpoint,
  useVectorSearchWorkspace,
} from './testing_workspace.js';

describe('local Vector Search', () => {
  // The Direct Access index main.rag.notes is there for the sync refusal of the last test.
  const workspace = useVectorSearchWorkspace(async ({ api }) => {
    await createStandardEndpoint(api);
    await createNotesIndex(api);
  });
  const { api, sql } = workspace;

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
      const view = await workspace.ws.vectorSearch.waitForSync('main.rag.docs_index');
      expect(view).toMatchObject({
        ready: true,
        rowCount: 5,
        detailedState: 'ONLINE_NO_PENDING_UPDATE',
        embeddedTexts: 5,
      });
      expect(workspace.ws.serving.requestsFor('embed').at(-1)?.body).toMatchObject({
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
      const synced = await workspace.ws.vectorSearch.waitForSync('main.rag.docs_index');
      // Only the new row was embedded again.
      expect(synced).toMatchObject({ rowCount: 5, syncCount: 2, embeddedTexts: 6 });
      expect(workspace.ws.vectorSearch.rows('main.rag.docs_index').map((row) => row.id)).toEqual([
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
      await workspace.ws.vectorSearch.waitForSync('main.rag.vectors_index');
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
