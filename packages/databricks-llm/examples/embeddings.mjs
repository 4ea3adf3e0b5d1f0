// node examples/embeddings.mjs: batched, bounded-concurrency embeddings.
import { DatabricksEmbeddings } from '@lakechain/databricks-llm';
import { localWorkspace } from './_local.mjs';

const { ws, auth } = await localWorkspace();
try {
  const embeddings = new DatabricksEmbeddings({
    model: 'databricks-gte-large-en',
    batchSize: 16,
    maxConcurrency: 4,
    ...auth,
  });
  const docs = Array.from({ length: 50 }, (_, i) => `document number ${i}`);
  const vectors = await embeddings.embedDocuments(docs);
  const query = await embeddings.embedQuery('document number 7');
  console.log(
    `${vectors.length} vectors of ${vectors[0].length} dims in ${ws.serving.requestsFor('databricks-gte-large-en').length - 1} batch requests`,
  );
  const cosine = (a, b) => a.reduce((sum, x, i) => sum + x * b[i], 0);
  console.log(
    'closest to the query:',
    docs[
      vectors
        .map((v) => cosine(v, query))
        .reduce((best, s, i, all) => (s > all[best] ? i : best), 0)
    ],
  );
} finally {
  await ws.stop();
}
