/**
 * The local Vector Search's REST surface over HTTPS, in Databricks' wire shapes: endpoints, the
 * endpoint-scoped paths and GET-with-body of Python's client, the error shapes, and an index as
 * a Unity Catalog table. Queries, writes and Delta Sync have test files of their own
 * (`query.int.test.ts`, `direct_access_writes.int.test.ts`, `delta_sync.int.test.ts`).
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { call } from '../mlflow/testing_http.js';
import {
  createNotesIndex,
  NOTES_INDEX,
  noteVector,
  useVectorSearchWorkspace,
} from './testing_workspace.js';

describe('local Vector Search', () => {
  const workspace = useVectorSearchWorkspace();
  const { api } = workspace;

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
    const name = NOTES_INDEX;
    const vector = noteVector;

    // The endpoint `vs` is the one the test above created.
    beforeAll(async () => {
      await createNotesIndex(api);
    });

    const query = (body: unknown) =>
      api('POST', `/api/2.0/vector-search/indexes/${name}/query`, body);

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
      workspace.ws.vectorSearch.setEndpointState('vs', 'PROVISIONING');
      const notReady = await query({ columns: ['id'], query_vector: vector('x') });
      workspace.ws.vectorSearch.setEndpointState('vs', 'ONLINE');
      expect(notReady).toMatchObject({ status: 400, json: { error_code: 'FAILED_PRECONDITION' } });
      expect(notReady.json.message).toMatch(/endpoint vs is not ready/);
      const unauthenticated = await call(workspace.ws, `/api/2.0/vector-search/indexes/${name}`, {
        headers: { authorization: 'Bearer nope' },
      });
      expect(unauthenticated.status).toBe(403);
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
});
