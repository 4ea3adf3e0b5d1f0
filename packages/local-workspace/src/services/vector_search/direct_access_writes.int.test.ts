/**
 * Writes to a Direct Access index over HTTPS: upsert-data with per-row failures reported by
 * primary key, and delete-data by query string (the SDK) or JSON body (Python's client).
 */
import { describe, expect, it } from 'vitest';
import {
  createNotesIndex,
  createStandardEndpoint,
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
      expect(workspace.ws.vectorSearch.rows(name).map((row) => row.id)).toEqual([
        'a',
        'b',
        'c',
        'd',
        'e',
      ]);
    });
  });
});
