/**
 * ServingConnection: what `close()` releases and leaves to its owner, and what a model call
 * replays (an invocation is safe to replay: resets and 5xx are retried by the model's caller; a
 * stream only until its first token, after which a break carries the text received).
 */
import { DatabricksClient } from '@lakechain/core';
import type { AIMessageChunk } from '@langchain/core/messages';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import {
  ChatDatabricks,
  Databricks,
  DatabricksEmbeddings,
  DatabricksServingError,
} from './index.js';
import { ServingConnection, type ServingHttpClient, streamedText } from './serving.js';
import { authFor, chatCompletion, deltaChunk, json, mockFetch, sse } from './testing/helpers.js';

afterEach(() => {
  vi.restoreAllMocks();
});

describe('ServingConnection.close()', () => {
  it('closes the DatabricksClient it made, once; later calls fail with kind closed', async () => {
    const close = vi.spyOn(DatabricksClient.prototype, 'close');
    const mock = mockFetch(() => json({ ok: true }));
    const connection = new ServingConnection(authFor(mock.fetch), 'ChatDatabricks');
    await connection.postJson('ep', connection.invocationsPath('ep'), {});
    await Promise.all([connection.close(), connection[Symbol.asyncDispose]()]);
    expect(close).toHaveBeenCalledTimes(1);
    expect(connection.closed).toBe(true);
    const error = await connection
      .postJson('ep', connection.invocationsPath('ep'), {})
      .catch((caught: unknown) => caught);
    expect(DatabricksServingError.isInstance(error)).toBe(true);
    expect(error).toMatchObject({ kind: 'closed', endpoint: 'ep', retryable: false });
    await expect(connection.describeEndpoint('ep')).rejects.toMatchObject({ kind: 'closed' });
    expect(mock.calls).toHaveLength(1);
  });

  it('never made a client: nothing to close', async () => {
    const close = vi.spyOn(DatabricksClient.prototype, 'close');
    await new ServingConnection(authFor(mockFetch(() => json({})).fetch)).close();
    expect(close).not.toHaveBeenCalled();
  });

  it('leaves a client passed in the options to its owner', async () => {
    const client: ServingHttpClient & { close: () => Promise<void> } = {
      request: async <T>() => ({ ok: true }) as T,
      stream: async () => new Response(''),
      close: vi.fn(async () => undefined),
    };
    const connection = new ServingConnection({ client });
    await connection.postJson('ep', '/x', {});
    await connection.close();
    expect(client.close).not.toHaveBeenCalled();
  });
});

/** What undici's fetch throws when the server resets the connection. */
function connectionReset(): never {
  throw new TypeError('fetch failed', {
    cause: Object.assign(new Error('read ECONNRESET'), { code: 'ECONNRESET' }),
  });
}

const finished = (content: string) => ({
  ...deltaChunk({ content }),
  choices: [{ index: 0, delta: { content }, finish_reason: 'stop' }],
});

describe('what a model call replays', () => {
  beforeEach(() => {
    // Every backoff draw is 0 ms: the retries are real, the waits are not.
    vi.spyOn(Math, 'random').mockReturnValue(0);
  });

  it('a chat invocation whose connection was reset is sent again (POST included) and answers once', async () => {
    const mock = mockFetch((_request, index) =>
      index === 0 ? connectionReset() : json(chatCompletion({ content: 'second try' })),
    );
    const model = new ChatDatabricks({
      model: 'chat',
      endpointApi: 'chat-completions',
      maxRetries: 2,
      ...authFor(mock.fetch),
    });
    await expect(model.invoke('x')).resolves.toMatchObject({ content: 'second try' });
    expect(mock.invocations()).toHaveLength(2);
  });

  it.each([500, 502, 504])('a chat invocation answered HTTP %i is sent again', async (status) => {
    const mock = mockFetch((_request, index) =>
      index === 0
        ? json({ error_code: 'INTERNAL_ERROR', message: 'model server crashed' }, status)
        : json(chatCompletion({ content: 'recovered' })),
    );
    const model = new ChatDatabricks({
      model: 'chat',
      endpointApi: 'chat-completions',
      maxRetries: 2,
      ...authFor(mock.fetch),
    });
    await expect(model.invoke('x')).resolves.toMatchObject({ content: 'recovered' });
    expect(mock.invocations()).toHaveLength(2);
  });

  it('embeddings and completions invocations are replayed after a reset too', async () => {
    const embeddingsMock = mockFetch((_request, index) =>
      index === 0 ? connectionReset() : json({ data: [{ index: 0, embedding: [0.5, 0.25] }] }),
    );
    const embeddings = new DatabricksEmbeddings({
      model: 'embed',
      maxRetries: 1,
      ...authFor(embeddingsMock.fetch),
    });
    await expect(embeddings.embedQuery('x')).resolves.toEqual([0.5, 0.25]);
    expect(embeddingsMock.invocations()).toHaveLength(2);

    const completionsMock = mockFetch((request, index) => {
      if (request.method === 'GET') {
        return json({
          name: 'complete',
          task: 'llm/v1/completions',
          endpoint_type: 'FOUNDATION_MODEL_API',
        });
      }
      return index === 1 ? connectionReset() : json({ choices: [{ text: 'done', index: 0 }] });
    });
    const llm = new Databricks({
      model: 'complete',
      maxRetries: 1,
      ...authFor(completionsMock.fetch),
    });
    await expect(llm.invoke('x')).resolves.toBe('done');
    expect(completionsMock.invocations()).toHaveLength(2);
  });

  it('a stream that breaks before its first token is replayed; the caller sees one whole answer', async () => {
    const mock = mockFetch((_request, index) =>
      index === 0
        ? // Headers, a bare role delta (no output yet), then the connection breaks.
          sse([deltaChunk({ role: 'assistant', content: '' }), deltaChunk({ content: 'lost' })], {
            cutAfter: 1,
          })
        : sse([deltaChunk({ role: 'assistant', content: 'Hel' }), finished('lo')]),
    );
    const model = new ChatDatabricks({
      model: 'chat',
      endpointApi: 'chat-completions',
      maxRetries: 2,
      ...authFor(mock.fetch),
    });
    const chunks: AIMessageChunk[] = [];
    for await (const chunk of await model.stream('x')) chunks.push(chunk);
    expect(chunks.map((chunk) => chunk.content).join('')).toBe('Hello');
    expect(mock.invocations()).toHaveLength(2);
  });

  it('a stream that breaks after its first token is not replayed: the error carries the text received', async () => {
    const mock = mockFetch(() =>
      sse(
        [deltaChunk({ content: 'Delta ' }), deltaChunk({ content: 'Lake ' }), finished('rocks')],
        {
          cutAfter: 2,
        },
      ),
    );
    const model = new ChatDatabricks({
      model: 'chat',
      endpointApi: 'chat-completions',
      maxRetries: 3,
      ...authFor(mock.fetch),
    });
    const seen: string[] = [];
    const error = await (async () => {
      for await (const chunk of await model.stream('x')) seen.push(String(chunk.content));
    })().catch((caught: unknown) => caught);
    expect(DatabricksServingError.isInstance(error)).toBe(true);
    expect(error).toMatchObject({
      kind: 'stream_incomplete',
      retryable: false,
      partialText: 'Delta Lake ',
    });
    expect((error as Error).message).toContain('after 11 characters of output');
    expect(seen.join('')).toBe('Delta Lake ');
    expect(mock.invocations()).toHaveLength(1);
    expect(JSON.stringify(error)).not.toContain('Delta Lake');

    // The same through invoke with streaming: true.
    const streaming = new ChatDatabricks({
      model: 'chat',
      endpointApi: 'chat-completions',
      maxRetries: 3,
      streaming: true,
      ...authFor(mock.fetch),
    });
    await expect(streaming.invoke('x')).rejects.toMatchObject({ partialText: 'Delta Lake ' });
    expect(mock.invocations()).toHaveLength(2);
  });

  it('a stream that never gets going ends as a retryable error once maxRetries is spent', async () => {
    const mock = mockFetch(() => sse([deltaChunk({ content: 'never' })], { cutAfter: 0 }));
    const model = new ChatDatabricks({
      model: 'chat',
      endpointApi: 'chat-completions',
      maxRetries: 1,
      ...authFor(mock.fetch),
    });
    const error = await (async () => {
      for await (const _ of await model.stream('x')) {
        // nothing arrives
      }
    })().catch((caught: unknown) => caught);
    expect(error).toMatchObject({ kind: 'stream_incomplete', retryable: true });
    expect((error as DatabricksServingError).partialText).toBeUndefined();
    expect((error as Error).message).toContain('before any output');
    expect(mock.invocations()).toHaveLength(2);
  });
});

describe('streamedText', () => {
  it('reads chat deltas, whole messages, completions and Responses API text deltas', () => {
    expect(streamedText(deltaChunk({ content: 'a' }))).toBe('a');
    expect(
      streamedText(deltaChunk({ content: [{ type: 'reasoning' }, { type: 'text', text: 'b' }] })),
    ).toBe('b');
    expect(streamedText({ choices: [{ message: { content: 'c' } }] })).toBe('c');
    expect(streamedText({ choices: [{ text: 'd' }] })).toBe('d');
    expect(streamedText({ type: 'response.output_text.delta', delta: 'e' })).toBe('e');
    expect(streamedText(deltaChunk({ role: 'assistant' }))).toBe('');
    expect(streamedText({ choices: [], usage: {} })).toBe('');
  });
});
