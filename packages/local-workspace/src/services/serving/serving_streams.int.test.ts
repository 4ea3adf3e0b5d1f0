/** Scripted errors and streams: reply(), ServingError, failing and abandoned streams. */
import { afterEach, describe, expect, it } from 'vitest';
import {
  json,
  readSse,
  startRestServer,
  TEST_PAT,
  type TestRestServer,
} from '../../platform/testing_server.js';
import { reply, ServingError, streamReply } from './reply.js';
import { scriptedChat, streamOf } from './scripted.js';

let server: TestRestServer;
afterEach(async () => {
  await server?.close();
});

describe('scripted errors and streams', () => {
  it('sends reply() and ServingError as Databricks error bodies', async () => {
    server = await startRestServer({
      servingEndpoints: [
        {
          name: 'replying',
          task: 'custom',
          handler: () =>
            reply({
              status: 400,
              body: { error_code: 'BAD_REQUEST', message: 'scripted' },
              headers: { 'x-request-id': 'r-1' },
            }),
        },
        {
          name: 'throwing',
          task: 'llm/v1/chat',
          handler: () => {
            throw new ServingError(429, 'REQUEST_LIMIT_EXCEEDED', 'slow down', {
              headers: { 'retry-after': '2' },
            });
          },
        },
        {
          name: 'raw',
          task: 'custom',
          handler: () => streamReply(streamOf(['{"ok":1}', 'not json']), { done: false }),
        },
      ],
    });
    const replied = await server.post('/serving-endpoints/replying/invocations', { inputs: [] });
    expect(replied.status).toBe(400);
    expect(replied.headers.get('x-request-id')).toBe('r-1');
    expect(await json(replied)).toEqual({ error_code: 'BAD_REQUEST', message: 'scripted' });
    const thrown = await server.post('/serving-endpoints/throwing/invocations', {
      messages: [{ role: 'user', content: 'x' }],
    });
    expect(thrown.status).toBe(429);
    expect(thrown.headers.get('retry-after')).toBe('2');
    expect(server.rest.serving.requestsFor('throwing')[0]!.status).toBe(429);
    const raw = await readSse(await server.post('/serving-endpoints/raw/invocations', {}));
    expect(raw).toEqual(['{"ok":1}', 'not json']);
  });

  it('answers a stream that fails at once with its status, and a later failure as an event', async () => {
    server = await startRestServer({
      servingEndpoints: [
        {
          name: 'limited',
          task: 'custom',
          handler: () =>
            (async function* () {
              await Promise.resolve();
              throw new ServingError(429, 'REQUEST_LIMIT_EXCEEDED', 'too many');
              // biome-ignore lint/correctness/noUnreachable: the generator must be one.
              yield undefined;
            })(),
        },
        {
          name: 'midway',
          task: 'custom',
          handler: () =>
            (async function* () {
              yield { n: 1 };
              throw new ServingError(500, 'INTERNAL_ERROR', 'model crashed');
            })(),
        },
      ],
    });
    const limited = await server.post('/serving-endpoints/limited/invocations', { inputs: [] });
    expect(limited.status).toBe(429);
    expect(await json(limited)).toEqual({
      error_code: 'REQUEST_LIMIT_EXCEEDED',
      message: 'too many',
    });
    expect(limited.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
    expect(server.rest.serving.requestsFor('limited')[0]).toMatchObject({
      status: 429,
      streamed: false,
    });
    const midway = await readSse(await server.post('/serving-endpoints/midway/invocations', {}));
    expect(midway.map((data) => JSON.parse(data))).toEqual([
      { n: 1 },
      { error_code: 'INTERNAL_ERROR', message: 'model crashed' },
    ]);
  });

  it('aborts the handler signal when the client leaves a slow stream', async () => {
    let aborted!: () => void;
    const wasAborted = new Promise<void>((resolve) => {
      aborted = resolve;
    });
    server = await startRestServer({
      servingEndpoints: [
        {
          name: 'slow',
          task: 'llm/v1/chat',
          handler: (request) => {
            request.signal.addEventListener('abort', () => aborted());
            return scriptedChat(() => 'one two three four five six seven eight', {
              delayMs: 50,
            })(request);
          },
        },
      ],
    });
    const controller = new AbortController();
    const response = await fetch(`${server.base}/serving-endpoints/slow/invocations`, {
      method: 'POST',
      headers: { authorization: `Bearer ${TEST_PAT}`, 'content-type': 'application/json' },
      body: JSON.stringify({ messages: [{ role: 'user', content: 'x' }], stream: true }),
      signal: controller.signal,
    });
    const reader = response.body!.getReader();
    await reader.read();
    controller.abort();
    await expect(wasAborted).resolves.toBeUndefined();
  });
});
