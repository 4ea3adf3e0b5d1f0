/**
 * The package against @lakechain/local-workspace's Vector Search over HTTPS: management through
 * `VectorSearchClient`, a Direct Access index written with `addDocuments` and searched with
 * filters and MMR, a managed Delta Sync index over a table of the workspace, the retriever in a
 * chain, the tool, and the RETRIEVER span that `@lakechain/mlflow-tracking` records for it.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  embedText,
  type LocalWorkspace,
  scriptedEmbeddings,
  startLocalWorkspace,
} from '@lakechain/local-workspace';
import { MlflowTracer } from '@lakechain/mlflow-tracking';
import { Embeddings } from '@langchain/core/embeddings';
import { RunnableLambda, RunnableSequence } from '@langchain/core/runnables';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { VectorSearchClient } from './client.js';
import { IndexNotFoundError, IndexNotReadyError } from './errors.js';
import { VectorSearchRetrieverTool } from './retriever_tool.js';
import { DatabricksVectorSearch } from './vector_store.js';

const DIMENSION = 16;

/** The same deterministic vectors as the workspace's `scriptedEmbeddings` endpoint. */
class LocalEmbeddings extends Embeddings {
  constructor() {
    super({});
  }
  async embedDocuments(texts: string[]) {
    return texts.map((text) => embedText(text, DIMENSION));
  }
  async embedQuery(text: string) {
    return embedText(text, DIMENSION);
  }
}

let ws: LocalWorkspace;
let env: Record<string, string>;
let auth: { host: string; token: string; caCert: string };

async function sql(statement: string) {
  const session = await ws.engine.openSession({});
  try {
    await (await session.execute(statement, {}, new AbortController().signal)).close();
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
          handler: scriptedEmbeddings({ dimensions: DIMENSION }),
        },
      ],
    },
  });
  auth = { host: ws.host, token: ws.token, caCert: ws.caCert };
  const dir = mkdtempSync(join(tmpdir(), 'vector-search-'));
  writeFileSync(join(dir, 'ca.pem'), ws.caCert);
  env = {
    ...ws.env(),
    DATABRICKS_CA_CERT_FILE: join(dir, 'ca.pem'),
    DATABRICKS_CONFIG_FILE: join(dir, 'none.cfg'),
    HOME: dir,
    MLFLOW_TRACKING_URI: 'databricks',
  };
  await sql('CREATE SCHEMA main.docs');
  await sql(
    'CREATE TABLE main.docs.chunks (id BIGINT, title STRING, url STRING, text STRING, year INT)',
  );
  await sql(`INSERT INTO main.docs.chunks VALUES
    (1, 'Delta Lake', 'https://docs/delta', 'Delta Lake keeps a transaction log next to Parquet files', 2019),
    (2, 'Unity Catalog', 'https://docs/uc', 'Unity Catalog grants privileges on catalogs schemas and tables', 2021),
    (3, 'Vector Search', 'https://docs/vs', 'Vector Search indexes embeddings and answers similarity queries', 2023),
    (4, 'Model Serving', 'https://docs/serving', 'Model Serving exposes models as REST endpoints', 2022)`);
  const client = new VectorSearchClient(auth);
  await client.createEndpoint({ name: 'vs' });
  await client.waitForEndpoint('vs', { pollIntervalMs: 10 });
  await client.createDeltaSyncIndex({
    endpointName: 'vs',
    indexName: 'main.docs.chunks_index',
    primaryKey: 'id',
    sourceTable: 'main.docs.chunks',
    embeddingSourceColumn: 'text',
    embeddingModelEndpointName: 'embed',
  });
  await client.waitForIndex('main.docs.chunks_index', { pollIntervalMs: 20 });
  // The SQL-like filter string is the syntax of storage-optimized endpoints.
  await client.createEndpoint({ name: 'vs-so', endpointType: 'STORAGE_OPTIMIZED' });
  await client.createDeltaSyncIndex({
    endpointName: 'vs-so',
    indexName: 'main.docs.chunks_so',
    primaryKey: 'id',
    sourceTable: 'main.docs.chunks',
    embeddingSourceColumn: 'text',
    embeddingModelEndpointName: 'embed',
  });
  await client.waitForIndex('main.docs.chunks_so', { pollIntervalMs: 20 });
  await client.createDirectAccessIndex({
    endpointName: 'vs',
    indexName: 'main.docs.notes',
    primaryKey: 'id',
    embeddingVectorColumn: 'vector',
    embeddingDimension: DIMENSION,
    schema: { id: 'string', text: 'string', topic: 'string', vector: 'array<float>' },
  });
  await client.close();
});

afterAll(async () => {
  await ws?.stop();
});

describe('DatabricksVectorSearch against the local workspace', () => {
  it('writes a Direct Access index, searches it with filters and MMR, scans and deletes', async () => {
    const store = new DatabricksVectorSearch({
      ...auth,
      indexName: 'main.docs.notes',
      embeddings: new LocalEmbeddings(),
      textColumn: 'text',
      columns: ['topic'],
    });
    const ids = await store.addDocuments([
      { pageContent: 'apples are red', metadata: { topic: 'fruit' } },
      { pageContent: 'apples are red and sweet', metadata: { topic: 'fruit' } },
      { pageContent: 'carrots are orange', metadata: { topic: 'vegetable' } },
    ]);
    expect(ids).toHaveLength(3);
    const [[best, score]] = (await store.similaritySearchWithScore(
      'carrots are orange',
      1,
    )) as unknown as [[{ pageContent: string; id?: string }, number]];
    expect(best.pageContent).toBe('carrots are orange');
    expect(best.id).toBe(ids[2]);
    expect(score).toBeCloseTo(1, 5);
    const fruit = await store.similaritySearch('carrots are orange', 3, { topic: 'fruit' });
    expect(fruit.map((document) => document.metadata.topic)).toEqual(['fruit', 'fruit']);
    const notFruit = await store.similaritySearch('x', 3, { 'topic NOT': 'fruit' });
    expect(notFruit.map((document) => document.pageContent)).toEqual(['carrots are orange']);
    // A standard endpoint takes dictionaries; the string syntax is refused with what to use.
    await expect(store.similaritySearch('x', 3, "topic = 'vegetable'")).rejects.toThrow(
      /STANDARD endpoint, which takes a dictionary in filters_json/,
    );
    const diverse = await store.maxMarginalRelevanceSearch(
      'apples are red',
      { k: 2, fetchK: 3, lambda: 0.5 },
      undefined,
    );
    expect(diverse).toHaveLength(2);
    expect(diverse[0]?.pageContent).toBe('apples are red');
    const scanned = [];
    for await (const row of store.scan({ pageSize: 2 })) scanned.push(row.id);
    expect(scanned).toEqual([...ids].sort());
    await store.delete({ ids: [ids[0] as string] });
    expect(ws.vectorSearch.rows('main.docs.notes').map((row) => row.id)).not.toContain(ids[0]);
    await store.close();
  });

  it('searches managed Delta Sync indexes by text, with both filter syntaxes and HYBRID', async () => {
    const store = new DatabricksVectorSearch({
      ...auth,
      indexName: 'main.docs.chunks_index',
      columns: ['title'],
      docUri: 'url',
      primaryKey: 'id',
    });
    const spec = await store.initialize();
    expect(spec).toMatchObject({
      kind: 'managed',
      primaryKey: 'id',
      embeddingSourceColumn: 'text',
      sourceTable: 'main.docs.chunks',
    });
    const [top] = await store.similaritySearch(
      'Unity Catalog grants privileges on catalogs schemas and tables',
      1,
    );
    expect(top?.metadata).toEqual({
      title: 'Unity Catalog',
      id: 2,
      chunk_id: 2,
      doc_uri: 'https://docs/uc',
    });
    const recent = await store.similaritySearch('anything', 4, { 'year >=': 2022 });
    expect(recent.map((document) => document.metadata.id).sort()).toEqual([3, 4]);
    // The same table indexed on a storage-optimized endpoint, filtered with a SQL-like string.
    const optimized = new DatabricksVectorSearch({
      ...auth,
      indexName: 'main.docs.chunks_so',
      columns: ['title'],
    });
    const hybrid = await optimized.search('transaction log', {
      k: 1,
      queryType: 'HYBRID',
      filter: 'year < 2022',
    });
    expect(hybrid[0]?.[0].metadata.title).toBe('Delta Lake');
    await optimized.close();
    await expect(store.similaritySearch('x', 2, { colour: 'red' })).rejects.toThrow(/colour/);
  });

  it('surfaces typed errors: an index that does not exist, an index still provisioning', async () => {
    const missing = new DatabricksVectorSearch({ ...auth, indexName: 'main.docs.nothing' });
    expect(
      IndexNotFoundError.isInstance(
        await missing.similaritySearch('x').catch((error: unknown) => error),
      ),
    ).toBe(true);
    ws.vectorSearch.setIndexState('main.docs.chunks_index', 'PROVISIONING_INITIAL_SNAPSHOT');
    try {
      const store = new DatabricksVectorSearch({ ...auth, indexName: 'main.docs.chunks_index' });
      expect(
        IndexNotReadyError.isInstance(
          await store.similaritySearch('x').catch((error: unknown) => error),
        ),
      ).toBe(true);
    } finally {
      ws.vectorSearch.setIndexState('main.docs.chunks_index', 'ONLINE_NO_PENDING_UPDATE');
    }
  });
});

describe('retriever and tool', () => {
  it('the retriever feeds a chain', async () => {
    const store = new DatabricksVectorSearch({
      ...auth,
      indexName: 'main.docs.chunks_index',
      columns: ['title'],
    });
    const chain = RunnableSequence.from([
      store.asRetriever({ k: 2 }),
      RunnableLambda.from((documents: { metadata: Record<string, unknown> }[]) =>
        documents.map((document) => document.metadata.title).join(' | '),
      ),
    ]);
    expect(await chain.invoke('Model Serving exposes models as REST endpoints')).toMatch(
      /^Model Serving \| /,
    );
  });

  it('the tool shows up as a TOOL span with a RETRIEVER span in MLflow document format', async () => {
    const tool = await VectorSearchRetrieverTool.create({
      ...auth,
      indexName: 'main.docs.chunks_index',
      columns: ['title'],
      docUri: 'url',
      primaryKey: 'id',
      numResults: 2,
      dynamicFilter: true,
    });
    expect(tool.name).toBe('main__docs__chunks_index');
    expect(tool.description).toMatch(/source table main\.docs\.chunks.*title \(string\)/);
    const warnings: string[] = [];
    const tracer = new MlflowTracer({
      env,
      experimentName: 'vector-search',
      warn: (message) => warnings.push(message),
    });
    const message = await tool.invoke(
      {
        type: 'tool_call',
        id: 'call_1',
        name: tool.name,
        args: { query: 'REST endpoints', filters: [{ key: 'year >=', value: 2022 }] },
      },
      { callbacks: [tracer] },
    );
    const documents = JSON.parse(String(message.content)) as {
      metadata: Record<string, unknown>;
      id: string;
    }[];
    expect(documents.map((document) => document.metadata.doc_uri).sort()).toEqual([
      'https://docs/serving',
      'https://docs/vs',
    ]);
    await tracer.flush();
    expect(warnings).toEqual([]);
    const stored = ws.mlflow.trace(tracer.lastTraceId ?? '');
    const data = stored?.data as
      | { spans: { name: string; attributes: Record<string, string> }[] }
      | undefined;
    const spans = data?.spans ?? [];
    const retriever = spans.find(
      (span) => JSON.parse(span.attributes['mlflow.spanType'] ?? '""') === 'RETRIEVER',
    );
    const toolSpan = spans.find(
      (span) => JSON.parse(span.attributes['mlflow.spanType'] ?? '""') === 'TOOL',
    );
    expect(toolSpan?.name).toBe('main__docs__chunks_index');
    expect(retriever).toBeDefined();
    const outputs = JSON.parse(retriever?.attributes['mlflow.spanOutputs'] ?? '[]') as {
      page_content: string;
      metadata: Record<string, unknown>;
      id: string;
    }[];
    expect(outputs).toHaveLength(2);
    expect(outputs[0]).toEqual({
      page_content: expect.any(String),
      metadata: expect.objectContaining({
        doc_uri: expect.any(String),
        chunk_id: expect.any(Number),
      }),
      id: expect.any(String),
    });
  });
});
