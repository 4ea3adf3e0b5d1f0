/**
 * Queries of the local Vector Search over HTTPS: ANN scores, both filter syntaxes evaluated
 * exactly (and each refused on the other endpoint type), paging with query-next-page, scan in
 * primary-key order, the reranker, and the row cap of HYBRID queries.
 */
import { describe, expect, it } from 'vitest';
import {
  createNotesIndex,
  createStandardEndpoint,
  DIMENSION,
  NOTES,
  NOTES_INDEX,
  noteVector,
  useVectorSearchWorkspace,
} from './testing_workspace.js';

describe('local Vector Search', () => {
  const workspace = useVectorSearchWorkspace(async ({ api }) => {
    await createStandardEndpoint(api);
    await createNotesIndex(api);
  });
  const { api } = workspace;

  describe('Direct Access', () => {
    const name = NOTES_INDEX;
    const vector = noteVector;
    const rows = NOTES;

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
  });
});
