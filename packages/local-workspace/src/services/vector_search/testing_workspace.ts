/**
 * Test support (not exported from the package): the workspace the Vector Search integration
 * tests run against, and the Direct Access index several of them query. Each test file starts
 * its own workspace, so the files run in any order and in parallel.
 */
import { afterAll, beforeAll, expect } from 'vitest';
import { type LocalWorkspace, startLocalWorkspace } from '../../workspace.js';
import { call, type HttpResult } from '../mlflow/testing_http.js';
import { embedText, scriptedEmbeddings } from '../serving/scripted.js';

export const DIMENSION = 8;

export type VectorSearchApi = (
  method: string,
  path: string,
  body?: unknown,
) => Promise<Pick<HttpResult, 'status' | 'json'>>;

export interface VectorSearchTestWorkspace {
  readonly ws: LocalWorkspace;
  /** Calls the REST API with the workspace's token, as a client does. */
  api: VectorSearchApi;
  /** Runs a statement on the workspace's SQL engine. */
  sql(statement: string): Promise<void>;
}

/**
 * Starts a workspace before the file's tests and stops it after them: serving endpoints `embed`
 * (scripted embeddings of `DIMENSION` dimensions) and `chat`, query pages of 3 rows, and the
 * table `main.rag.docs` with five rows. `setUp` runs once the workspace is up.
 */
export function useVectorSearchWorkspace(
  setUp?: (workspace: VectorSearchTestWorkspace) => Promise<void>,
): VectorSearchTestWorkspace {
  let ws: LocalWorkspace | undefined;
  const started = (): LocalWorkspace => {
    if (!ws) throw new Error('The Vector Search test workspace is not started yet.');
    return ws;
  };
  const workspace: VectorSearchTestWorkspace = {
    get ws() {
      return started();
    },
    async api(method, path, body) {
      const text = body === undefined ? undefined : JSON.stringify(body);
      const result = await call(started(), path, {
        method,
        // An explicit length: Node frames no body on GET and DELETE by itself (Python's requests does).
        headers: {
          authorization: `Bearer ${started().token}`,
          'content-type': 'application/json',
          ...(text === undefined ? {} : { 'content-length': String(Buffer.byteLength(text)) }),
        },
        body: text,
      });
      return { status: result.status, json: result.json };
    },
    async sql(statement) {
      const session = await started().engine.openSession({});
      try {
        const result = await session.execute(statement, {}, new AbortController().signal);
        await result.close();
      } finally {
        await session.close();
      }
    },
  };

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
    await workspace.sql('CREATE SCHEMA IF NOT EXISTS main.rag');
    await workspace.sql(
      'CREATE TABLE main.rag.docs (id BIGINT, title STRING, body STRING, year INT, tags ARRAY<STRING>)',
    );
    await workspace.sql(`INSERT INTO main.rag.docs VALUES
      (1, 'Delta Lake', 'Delta Lake brings ACID transactions to data lakes', 2019, array('storage', 'acid')),
      (2, 'Unity Catalog', 'Unity Catalog governs tables models and volumes', 2021, array('governance')),
      (3, 'Vector Search', 'Vector Search finds similar embeddings with HNSW', 2023, array('ai', 'search')),
      (4, 'Model Serving', 'Model Serving hosts models behind REST endpoints', 2022, array('ai')),
      (5, 'Photon', 'Photon is a vectorized query engine', 2020, array('engine'))`);
    await setUp?.(workspace);
  });

  afterAll(async () => {
    await ws?.stop();
  });

  return workspace;
}

/** Creates the STANDARD endpoint `vs` the indexes of the tests live on. */
export async function createStandardEndpoint(api: VectorSearchApi): Promise<void> {
  const created = await api('POST', '/api/2.0/vector-search/endpoints', {
    name: 'vs',
    endpoint_type: 'STANDARD',
  });
  expect(created.status).toBe(200);
}

export const NOTES_INDEX = 'main.rag.notes';
export const noteVector = (text: string) => embedText(text, DIMENSION);
export const NOTES = [
  { id: 'a', text: 'red apples', color: 'red', price: 3, vector: noteVector('a') },
  { id: 'b', text: 'green apples and pears', color: 'green', price: 5, vector: noteVector('b') },
  { id: 'c', text: 'red cherries', color: 'red', price: 12, vector: noteVector('c') },
  { id: 'd', text: 'blue berries', color: 'blue', price: 8, vector: noteVector('d') },
  { id: 'e', text: 'yellow bananas', color: 'yellow', price: 1, vector: noteVector('e') },
];

/** The Direct Access index `main.rag.notes` on endpoint `vs`, holding `NOTES`. */
export async function createNotesIndex(api: VectorSearchApi): Promise<void> {
  const created = await api('POST', '/api/2.0/vector-search/indexes', {
    name: NOTES_INDEX,
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
  const upserted = await api('POST', `/api/2.0/vector-search/indexes/${NOTES_INDEX}/upsert-data`, {
    inputs_json: JSON.stringify(NOTES),
  });
  expect(upserted.json).toEqual({
    status: 'SUCCESS',
    result: { success_row_count: 5, failed_primary_keys: [] },
  });
}
