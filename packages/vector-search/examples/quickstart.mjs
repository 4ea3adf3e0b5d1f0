// Runs offline: a local workspace with an embeddings endpoint, a table, a Direct Access index and
// a Delta Sync index, searched with filters, a retriever in a chain, and the tool.
// pnpm build && node packages/vector-search/examples/quickstart.mjs
import { embedText, scriptedEmbeddings, startLocalWorkspace } from '@lakechain/local-workspace';
import {
  DatabricksVectorSearch,
  VectorSearchClient,
  VectorSearchRetrieverTool,
} from '@lakechain/vector-search';
import { RunnableLambda, RunnableSequence } from '@langchain/core/runnables';

const ws = await startLocalWorkspace({
  catalog: { samples: false },
  serving: {
    endpoints: [
      { name: 'embed', task: 'llm/v1/embeddings', handler: scriptedEmbeddings({ dimensions: 16 }) },
    ],
  },
});
const auth = { host: ws.host, token: ws.token, caCert: ws.caCert };
try {
  const session = await ws.engine.openSession({});
  for (const statement of [
    'CREATE SCHEMA main.docs',
    'CREATE TABLE main.docs.chunks (id BIGINT, title STRING, url STRING, text STRING)',
    `INSERT INTO main.docs.chunks VALUES
      (1, 'Delta Lake', 'https://docs/delta', 'Delta Lake keeps a transaction log next to Parquet files'),
      (2, 'Vector Search', 'https://docs/vs', 'Vector Search indexes embeddings and answers similarity queries')`,
  ])
    await (await session.execute(statement, {}, new AbortController().signal)).close();
  await session.close();

  const client = new VectorSearchClient(auth);
  await client.createEndpoint({ name: 'vs' });
  // Delta Sync: Databricks (here, the local workspace) embeds `text` with the `embed` endpoint.
  await client.createDeltaSyncIndex({
    endpointName: 'vs',
    indexName: 'main.docs.chunks_index',
    primaryKey: 'id',
    sourceTable: 'main.docs.chunks',
    embeddingSourceColumn: 'text',
    embeddingModelEndpointName: 'embed',
  });
  await client.waitForIndex('main.docs.chunks_index', { pollIntervalMs: 100 });
  // Direct Access: you write the vectors.
  await client.createDirectAccessIndex({
    endpointName: 'vs',
    indexName: 'main.docs.notes',
    primaryKey: 'id',
    embeddingVectorColumn: 'vector',
    embeddingDimension: 16,
    schema: { id: 'string', text: 'string', topic: 'string', vector: 'array<float>' },
  });

  const embeddings = {
    embedQuery: async (t) => embedText(t, 16),
    embedDocuments: async (ts) => ts.map((t) => embedText(t, 16)),
  };
  const notes = new DatabricksVectorSearch({
    ...auth,
    indexName: 'main.docs.notes',
    embeddings,
    textColumn: 'text',
    columns: ['topic'],
  });
  await notes.addDocuments([
    { pageContent: 'apples are red', metadata: { topic: 'fruit' } },
    { pageContent: 'carrots are orange', metadata: { topic: 'vegetable' } },
  ]);
  console.log(await notes.similaritySearch('carrots are orange', 1, { topic: 'vegetable' }));

  const docs = new DatabricksVectorSearch({
    ...auth,
    indexName: 'main.docs.chunks_index',
    columns: ['title'],
    docUri: 'url',
  });
  // A standard endpoint takes dictionary filters (storage-optimized ones take "title LIKE 'Delta%'").
  console.log(await docs.similaritySearch('transaction log', 1, { 'title LIKE': 'delta' }));
  const chain = RunnableSequence.from([
    docs.asRetriever({ k: 2 }),
    RunnableLambda.from((found) => found.map((document) => document.metadata.title).join(', ')),
  ]);
  console.log('retrieved:', await chain.invoke('How are embeddings indexed?'));

  const tool = await VectorSearchRetrieverTool.create({
    ...auth,
    indexName: 'main.docs.chunks_index',
    docUri: 'url',
    dynamicFilter: true,
  });
  console.log(tool.name, '-', tool.description);
  console.log(await tool.invoke({ query: 'similarity queries' }));
  await Promise.all([client.close(), notes.close(), docs.close(), tool.vectorStore.close()]);
} finally {
  await ws.stop();
}
