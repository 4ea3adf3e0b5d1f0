/**
 * Conformance: Databricks' own Python client `databricks-vectorsearch` 0.68 (the last full
 * client), unchanged, against the local Vector Search. `node scripts/python-venv.mjs
 * vector-search` creates packages/local-workspace/.venv-vector-search once. Under CI a missing
 * Python or venv fails with that command; elsewhere the test says why it skips.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type LocalWorkspace, startLocalWorkspace } from '../../workspace.js';
import { scriptedEmbeddings } from '../serving/scripted.js';

const run = promisify(execFile);
const packageDir = join(import.meta.dirname, '..', '..', '..');
const script = join(import.meta.dirname, 'testing', 'vectorsearch_client.py');
const SETUP = 'node packages/local-workspace/scripts/python-venv.mjs vector-search';

describe('Python databricks-vectorsearch 0.68', () => {
  let ws: LocalWorkspace;
  let python = '';
  let directory = '';
  let unavailable = '';

  beforeAll(async () => {
    try {
      const setup = await run(
        'node',
        [join(packageDir, 'scripts', 'python-venv.mjs'), 'vector-search'],
        { timeout: 600_000 },
      );
      python = setup.stdout.trim().split('\n').pop() ?? '';
    } catch (error) {
      unavailable = `the Python client could not be installed (${(error as Error).message.split('\n')[0]}); run \`${SETUP}\``;
      if (process.env.CI) throw new Error(unavailable);
      return;
    }
    ws = await startLocalWorkspace({
      catalog: { samples: false },
      serving: {
        endpoints: [
          {
            name: 'embed',
            task: 'llm/v1/embeddings',
            handler: scriptedEmbeddings({ dimensions: 8 }),
          },
        ],
      },
      vectorSearch: { pageSize: 2 },
    });
    const session = await ws.engine.openSession({});
    for (const statement of [
      'CREATE TABLE main.default.py_docs (id BIGINT, title STRING, text STRING)',
      `INSERT INTO main.default.py_docs VALUES (1, 'Delta', 'Delta Lake keeps a transaction log'),
        (2, 'Photon', 'Photon is a vectorized query engine'), (3, 'Unity', 'Unity Catalog governs data')`,
    ])
      await (await session.execute(statement, {}, new AbortController().signal)).close();
    await session.close();
    directory = mkdtempSync(join(tmpdir(), 'lakechain-py-vs-'));
    writeFileSync(join(directory, 'ca.pem'), ws.caCert);
  }, 660_000);

  afterAll(async () => {
    await ws?.stop();
    if (directory) rmSync(directory, { recursive: true, force: true });
  });

  it('manages endpoints and indexes, upserts, queries (filters, paging, HYBRID), scans and deletes', async (context) => {
    if (unavailable) {
      console.warn(`skipping: ${unavailable}`);
      context.skip();
    }
    const { stdout } = await run(python, [script, ws.host, ws.token], {
      timeout: 120_000,
      env: {
        ...process.env,
        REQUESTS_CA_BUNDLE: join(directory, 'ca.pem'),
        DATABRICKS_HOST: '',
        DATABRICKS_TOKEN: '',
      },
    });
    const out = JSON.parse(stdout.trim().split('\n').pop() ?? '{}');
    expect(out.endpoint_state).toBe('ONLINE');
    expect(out.endpoints).toContain('py-vs');
    expect(out.upsert).toEqual({
      status: 'SUCCESS',
      result: { success_row_count: 7, failed_primary_keys: [] },
    });
    expect(out.manifest).toEqual([{ name: 'id' }, { name: 'color' }, { name: 'score' }]);
    expect(out.dict_filter).toEqual([
      [3, 'red', 1],
      [1, 'red', 1 / 3],
      [5, 'red', 1 / 3],
    ]);
    expect(out.string_filter_ids).toEqual([2, 4, 5, 6, 7]);
    expect(out.string_filter_on_standard).toMatch(/STANDARD endpoint, which takes a dictionary/);
    expect(out.paged_row_count).toBe(7);
    expect(out.paged_ids).toEqual([1, 2, 3, 4, 5, 6, 7]);
    expect(out.scan.last_primary_key).toBe('5');
    expect(
      out.scan.data.map(
        (row: { fields: { key: string; value: { number_value: number } }[] }) =>
          row.fields[0]?.value.number_value,
      ),
    ).toEqual([3, 4, 5]);
    expect(out.after_delete).toBe(5);
    expect(out.managed_top).toEqual([2, 'Photon', 1]);
    expect(out.hybrid_ids[0]).toBe(2);
    expect(out.get_index_endpoint).toBe('py-vs');
    expect(out.listed).toEqual(['main.default.py_docs_index', 'main.default.py_notes']);
    expect(out.missing_error).toBe('NotFound');
    expect(out.bad_vector_error).toMatch(/2 dimensions/);
    expect(out.after_delete_index).toBe(false);
    // The client sent its queries as GET with a JSON body to the workspace-scoped index paths.
    expect(ws.faults.counts()['vector-search-data']).toBeGreaterThan(5);
  }, 300_000);
});
