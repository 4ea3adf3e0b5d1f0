import { afterEach, describe, expect, it, vi } from 'vitest';
import { DatabricksEmbeddings } from './index.js';
import { authFor, json, mockFetch, TOKEN } from './testing/helpers.js';

function embeddingAnswer(body: unknown) {
  const input = (body as { input: string[] }).input;
  // Reverse order with explicit indexes: the client must sort by index.
  return json({
    object: 'list',
    data: input
      .map((text, index) => ({ object: 'embedding', index, embedding: [text.length, index] }))
      .reverse(),
    usage: { prompt_tokens: input.length, total_tokens: input.length },
  });
}

afterEach(() => {
  vi.useRealTimers();
});

describe('DatabricksEmbeddings', () => {
  it('batches N texts into ceil(N / batchSize) requests and keeps order', async () => {
    const mock = mockFetch((request) => embeddingAnswer(request.body));
    const embeddings = new DatabricksEmbeddings({
      model: 'databricks-gte-large-en',
      batchSize: 4,
      ...authFor(mock.fetch),
    });
    const texts = Array.from({ length: 10 }, (_, i) => 'x'.repeat(i + 1));
    const vectors = await embeddings.embedDocuments(texts);
    expect(mock.calls).toHaveLength(3);
    expect(mock.calls.map((call) => (call.body as { input: string[] }).input.length)).toEqual([
      4, 4, 2,
    ]);
    expect(vectors.map((vector) => vector[0])).toEqual(texts.map((text) => text.length));
    expect(mock.calls[0]?.path).toBe('/serving-endpoints/databricks-gte-large-en/invocations');
  });

  it('defaults to batches of 20', async () => {
    const mock = mockFetch((request) => embeddingAnswer(request.body));
    await new DatabricksEmbeddings({ model: 'e', ...authFor(mock.fetch) }).embedDocuments(
      Array.from({ length: 41 }, () => 't'),
    );
    expect(mock.calls).toHaveLength(3);
  });

  it('bounds concurrency with maxConcurrency', async () => {
    // Requests are held until two are in flight, then answered together: without a bound all
    // six would be in flight at once; with a bound of 2 never more than two.
    let inFlight = 0;
    let peak = 0;
    let release: (() => void)[] = [];
    const mock = mockFetch(async (request) => {
      inFlight += 1;
      peak = Math.max(peak, inFlight);
      await new Promise<void>((resolve) => {
        release.push(resolve);
        if (release.length === 2) {
          for (const answer of release) answer();
          release = [];
        }
      });
      inFlight -= 1;
      return embeddingAnswer(request.body);
    });
    const embeddings = new DatabricksEmbeddings({
      model: 'e',
      batchSize: 1,
      maxConcurrency: 2,
      ...authFor(mock.fetch),
    });
    await embeddings.embedDocuments(['a', 'b', 'c', 'd', 'e', 'f']);
    expect(mock.calls).toHaveLength(6);
    expect(peak).toBe(2);
  });

  it('sends documentInputParams, queryInputParams and dimensions', async () => {
    const mock = mockFetch((request) => embeddingAnswer(request.body));
    const embeddings = new DatabricksEmbeddings({
      model: 'e',
      documentInputParams: { instruction: 'doc' },
      queryInputParams: { instruction: 'query' },
      dimensions: 256,
      ...authFor(mock.fetch),
    });
    await embeddings.embedDocuments(['a']);
    await embeddings.embedQuery('q');
    expect(mock.calls[0]?.body).toEqual({ instruction: 'doc', input: ['a'], dimensions: 256 });
    expect(mock.calls[1]?.body).toEqual({ instruction: 'query', input: ['q'], dimensions: 256 });
  });

  it('retries a 429 then succeeds', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    const mock = mockFetch((request, index) =>
      index === 0
        ? json({ error_code: 'REQUEST_LIMIT_EXCEEDED', message: 'slow' }, 429, {
            'retry-after': '0',
          })
        : embeddingAnswer(request.body),
    );
    const embeddings = new DatabricksEmbeddings({
      model: 'e',
      maxRetries: 2,
      ...authFor(mock.fetch),
    });
    const vector = embeddings.embedQuery('q');
    await vi.runAllTimersAsync();
    await expect(vector).resolves.toHaveLength(2);
    expect(mock.calls).toHaveLength(2);
  });

  it('a wrong number of vectors is a clear error', async () => {
    const mock = mockFetch(() => json({ data: [{ index: 0, embedding: [1] }] }));
    await expect(
      new DatabricksEmbeddings({
        model: 'e',
        maxRetries: 0,
        ...authFor(mock.fetch),
      }).embedDocuments(['a', 'b']),
    ).rejects.toThrow(/endpoint e: expected 2 embeddings, got 1/);
  });

  it('validates options and never serialises secrets', () => {
    expect(() => new DatabricksEmbeddings({ model: 'e', batchSize: 5000 })).toThrow(/"batchSize"/);
    expect(() => new DatabricksEmbeddings({ model: '' })).toThrow(/"model"/);
    expect(() => new DatabricksEmbeddings({})).toThrow(
      /"model" \(the serving endpoint name\) is required/,
    );
    expect(
      () => new DatabricksEmbeddings({ model: 'e', queryInputParams: { input: 'x' } }),
    ).toThrow(/queryInputParams/);
    const text = JSON.stringify(new DatabricksEmbeddings({ model: 'e', token: TOKEN }));
    expect(text).not.toContain(TOKEN);
  });
});
