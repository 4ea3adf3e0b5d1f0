import { afterEach, describe, expect, it } from 'vitest';
import { createFaultInjector } from '../../platform/faults.js';
import {
  json,
  jsonEvents,
  readSse,
  startRestServer,
  TEST_CLUSTER,
  TEST_PAT,
  type TestRestServer,
} from '../../platform/testing_server.js';
import { createTokenRegistry } from '../../platform/tokens.js';
import { reply, ServingError, streamReply } from './reply.js';
import {
  echoChat,
  scriptedChat,
  scriptedCompletions,
  scriptedCustomModel,
  scriptedEmbeddings,
  streamOf,
} from './scripted.js';
import type { ServingEndpointDefinition } from './types.js';

const weather = scriptedChat((messages) => {
  const last = messages.at(-1);
  if (last?.role === 'tool') return `It is ${String(last.content)} in Paris.`;
  return { toolCalls: [{ name: 'get_weather', arguments: { city: 'Paris', unit: 'celsius' } }] };
});

const endpoints: ServingEndpointDefinition[] = [
  {
    name: 'chat',
    task: 'llm/v1/chat',
    model: 'databricks-meta-llama-3-3-70b-instruct',
    handler: scriptedChat((messages) => `Hello there, ${messages.length} messages received.`),
  },
  { name: 'weather', task: 'llm/v1/chat', handler: weather },
  {
    name: 'claude',
    task: 'llm/v1/chat',
    handler: scriptedChat(() => 'Partial usage on every chunk.', { usageStyle: 'claude' }),
  },
  {
    name: 'gpt',
    task: 'llm/v1/chat',
    endpointType: 'EXTERNAL_MODEL',
    model: 'gpt-4o-mini',
    handler: echoChat(),
  },
  {
    name: 'complete',
    task: 'llm/v1/completions',
    handler: scriptedCompletions((prompt) => `${prompt} and then some`),
  },
  {
    name: 'embed',
    task: 'llm/v1/embeddings',
    handler: scriptedEmbeddings({ dimensions: 16, maxInputs: 3 }),
  },
  {
    name: 'dolly',
    task: 'custom',
    model: 'main.default.dolly',
    handler: scriptedCustomModel((rows) =>
      (rows as { prompt: string }[]).map((row) => `Dolly says: ${row.prompt}`),
    ),
  },
];

let server: TestRestServer;
afterEach(async () => {
  await server?.close();
});

describe('serving endpoints API', () => {
  it('lists endpoints and describes one like Databricks', async () => {
    server = await startRestServer({ servingEndpoints: endpoints });
    const list = await server.call('/api/2.0/serving-endpoints');
    expect(list.status).toBe(200);
    const { endpoints: listed } = (await json(list)) as { endpoints: Record<string, unknown>[] };
    expect(listed.map((endpoint) => endpoint.name)).toEqual(endpoints.map((e) => e.name));

    const chat = await json(await server.call('/api/2.0/serving-endpoints/chat'));
    expect(chat).toMatchObject({
      name: 'chat',
      task: 'llm/v1/chat',
      endpoint_type: 'FOUNDATION_MODEL_API',
      state: { ready: 'READY', config_update: 'NOT_UPDATING' },
      permission_level: 'CAN_QUERY',
      config: {
        served_entities: [{ foundation_model: { name: 'databricks-meta-llama-3-3-70b-instruct' } }],
      },
    });
    expect(chat.id).toMatch(/^[0-9a-f]{32}$/);
    expect(typeof chat.creation_timestamp).toBe('number');

    const gpt = await json(await server.call('/api/2.0/serving-endpoints/gpt'));
    expect(gpt.endpoint_type).toBe('EXTERNAL_MODEL');
    expect(gpt.config.served_entities[0].external_model).toEqual({
      name: 'gpt-4o-mini',
      provider: 'openai',
      task: 'llm/v1/chat',
    });

    const dolly = await json(await server.call('/api/2.0/serving-endpoints/dolly'));
    expect(dolly.endpoint_type).toBe('CUSTOM_MODEL');
    expect(dolly).not.toHaveProperty('task');
    expect(dolly.config.served_entities[0]).toMatchObject({
      entity_name: 'main.default.dolly',
      entity_version: '1',
    });
  });

  it('answers 404 RESOURCE_DOES_NOT_EXIST for an unknown endpoint', async () => {
    server = await startRestServer({ servingEndpoints: endpoints });
    for (const response of [
      await server.call('/api/2.0/serving-endpoints/nope'),
      await server.post('/serving-endpoints/nope/invocations', { messages: [] }),
      await server.post('/serving-endpoints/chat/completions', {
        model: 'nope',
        messages: [{ role: 'user', content: 'hi' }],
      }),
    ]) {
      expect(response.status).toBe(404);
      expect(await json(response)).toEqual({
        error_code: 'RESOURCE_DOES_NOT_EXIST',
        message: "Serving endpoint with name 'nope' does not exist.",
      });
    }
  });

  it('returns false for paths that are not REST routes', async () => {
    server = await startRestServer();
    const response = await server.call('/api/2.0/clusters/list');
    expect(response.status).toBe(404);
    expect((await json(response)).error_code).toBe('ENDPOINT_NOT_FOUND');
  });
});

describe('authentication', () => {
  it('answers 401 without a bearer token and 403 for an unknown one', async () => {
    server = await startRestServer({ servingEndpoints: endpoints });
    const none = await fetch(`${server.base}/api/2.0/serving-endpoints`);
    expect(none.status).toBe(401);
    expect(await json(none)).toEqual({
      error_code: '401',
      message: 'Credential was not sent or was of an unsupported type for this API.',
    });
    const wrong = await server.call('/api/2.0/serving-endpoints', {
      headers: { authorization: 'Bearer dapi-wrong' },
    });
    expect(wrong.status).toBe(403);
    expect(await json(wrong)).toEqual({ error_code: '403', message: 'Invalid access token.' });
    expect(server.rest.serving.requests()).toHaveLength(0);
  });

  it('rejects an expired OAuth token with 403 (or 401 when configured)', async () => {
    let clock = 1_000_000;
    const tokens = createTokenRegistry({ personalAccessTokens: [TEST_PAT], now: () => clock });
    server = await startRestServer({ servingEndpoints: endpoints, tokens });
    const { token } = tokens.issue('sp', 60);
    const auth = { authorization: `Bearer ${token}` };
    expect((await server.call('/api/2.0/serving-endpoints', { headers: auth })).status).toBe(200);
    clock += 61_000;
    const expired = await server.call('/api/2.0/serving-endpoints', { headers: auth });
    expect(expired.status).toBe(403);
    expect((await json(expired)).message).toBe('Invalid access token.');
    await server.close();

    server = await startRestServer({ tokens, expiredTokenStatus: 401 });
    expect((await server.call('/api/2.0/serving-endpoints', { headers: auth })).status).toBe(401);
  });

  it('can reject tokens that expire within a skew, like Azure Databricks', async () => {
    let clock = 0;
    const tokens = createTokenRegistry({
      personalAccessTokens: [],
      now: () => clock,
      expirySkewSeconds: 30,
    });
    server = await startRestServer({ tokens });
    const { token } = tokens.issue('sp', 60);
    const auth = { authorization: `Bearer ${token}` };
    clock = 29_000;
    expect((await server.call('/api/2.0/serving-endpoints', { headers: auth })).status).toBe(200);
    clock = 31_000;
    expect((await server.call('/api/2.0/serving-endpoints', { headers: auth })).status).toBe(403);
  });

  it('answers 403 PERMISSION_DENIED on an endpoint the caller may only view', async () => {
    server = await startRestServer({
      servingEndpoints: [{ ...endpoints[0]!, name: 'locked', permissionLevel: 'CAN_VIEW' }],
    });
    const response = await server.post('/serving-endpoints/locked/invocations', {
      messages: [{ role: 'user', content: 'hi' }],
    });
    expect(response.status).toBe(403);
    expect((await json(response)).error_code).toBe('PERMISSION_DENIED');
  });
});

describe('chat', () => {
  it('answers a chat.completion and records the request', async () => {
    server = await startRestServer({ servingEndpoints: endpoints });
    const body = {
      messages: [
        { role: 'system', content: 'Be brief.' },
        { role: 'user', content: 'Hi' },
      ],
      temperature: 0,
      max_tokens: 100,
      stop: ['\n\n'],
      custom_inputs: { user_id: 'u-1' },
    };
    const response = await server.post('/serving-endpoints/chat/invocations', body, {
      'x-trace': 'abc',
    });
    expect(response.status).toBe(200);
    const completion = await json(response);
    expect(completion).toMatchObject({
      object: 'chat.completion',
      model: 'chat',
      choices: [
        {
          index: 0,
          message: { role: 'assistant', content: 'Hello there, 2 messages received.' },
          finish_reason: 'stop',
        },
      ],
    });
    const { prompt_tokens, completion_tokens, total_tokens } = completion.usage;
    expect(prompt_tokens).toBeGreaterThan(0);
    expect(total_tokens).toBe(prompt_tokens + completion_tokens);

    const [record] = server.rest.serving.requestsFor('chat');
    expect(record).toMatchObject({
      endpoint: 'chat',
      api: 'invocations',
      method: 'POST',
      path: '/serving-endpoints/chat/invocations',
      body,
      status: 200,
      streamed: false,
    });
    expect(record!.headers['x-trace']).toBe('abc');
    expect(record!.headers).not.toHaveProperty('authorization');
  });

  it('streams role, content deltas, a finish chunk and [DONE]; usage only when asked', async () => {
    server = await startRestServer({ servingEndpoints: endpoints });
    const request = { messages: [{ role: 'user', content: 'Hi' }], stream: true };
    const response = await server.post('/serving-endpoints/chat/invocations', request);
    expect(response.headers.get('content-type')).toMatch(/^text\/event-stream/);
    const events = await readSse(response);
    expect(events.at(-1)).toBe('[DONE]');
    const chunks = jsonEvents(events);
    expect(chunks[0]!.choices[0].delta).toEqual({ role: 'assistant', content: '' });
    const contentChunks = chunks.filter((chunk) => chunk.choices[0]?.delta.content);
    expect(contentChunks.length).toBeGreaterThan(2);
    expect(contentChunks.map((chunk) => chunk.choices[0].delta.content).join('')).toBe(
      'Hello there, 1 messages received.',
    );
    expect(chunks.at(-1)!.choices[0].finish_reason).toBe('stop');
    expect(chunks.every((chunk) => chunk.object === 'chat.completion.chunk')).toBe(true);
    expect(chunks.some((chunk) => 'usage' in chunk)).toBe(false);

    const withUsage = jsonEvents(
      await readSse(
        await server.post('/serving-endpoints/chat/invocations', {
          ...request,
          stream_options: { include_usage: true },
        }),
      ),
    );
    const last = withUsage.at(-1)!;
    expect(last.choices).toEqual([]);
    expect(last.usage.total_tokens).toBe(last.usage.prompt_tokens + last.usage.completion_tokens);
    expect(withUsage.slice(0, -1).every((chunk) => chunk.usage === null)).toBe(true);
    expect(server.rest.serving.requestsFor('chat').at(-1)!.streamed).toBe(true);
  });

  it('streams tool calls with the id only in the first delta', async () => {
    server = await startRestServer({ servingEndpoints: endpoints });
    const tools = [
      {
        type: 'function',
        function: {
          name: 'get_weather',
          description: 'Weather for a city',
          parameters: { type: 'object', properties: { city: { type: 'string' } } },
        },
      },
    ];
    const messages = [{ role: 'user', content: 'Weather in Paris?' }];
    const plain = await json(
      await server.post('/serving-endpoints/weather/invocations', { messages, tools }),
    );
    expect(plain.choices[0].finish_reason).toBe('tool_calls');
    expect(plain.choices[0].message.content).toBeNull();
    const call = plain.choices[0].message.tool_calls[0];
    expect(call).toMatchObject({ type: 'function', function: { name: 'get_weather' } });
    expect(JSON.parse(call.function.arguments)).toEqual({ city: 'Paris', unit: 'celsius' });

    const chunks = jsonEvents(
      await readSse(
        await server.post('/serving-endpoints/weather/invocations', {
          messages,
          tools,
          tool_choice: 'auto',
          stream: true,
        }),
      ),
    );
    const deltas = chunks.flatMap((chunk) => chunk.choices[0]?.delta.tool_calls ?? []);
    expect(deltas.length).toBeGreaterThan(2);
    expect(deltas[0]).toMatchObject({ index: 0, id: call.id, function: { name: 'get_weather' } });
    expect(deltas.slice(1).every((delta) => delta.id === undefined)).toBe(true);
    expect(JSON.parse(deltas.map((delta) => delta.function.arguments).join(''))).toEqual({
      city: 'Paris',
      unit: 'celsius',
    });
    expect(chunks.at(-1)!.choices[0].finish_reason).toBe('tool_calls');

    const answer = await json(
      await server.post('/serving-endpoints/weather/invocations', {
        messages: [
          ...messages,
          { role: 'assistant', content: null, tool_calls: [call] },
          { role: 'tool', tool_call_id: call.id, content: '21°C' },
        ],
        tools,
      }),
    );
    expect(answer.choices[0].message.content).toBe('It is 21°C in Paris.');
  });

  it('puts partial usage on every chunk in the Claude style', async () => {
    server = await startRestServer({ servingEndpoints: endpoints });
    const chunks = jsonEvents(
      await readSse(
        await server.post('/serving-endpoints/claude/invocations', {
          messages: [{ role: 'user', content: 'Hi' }],
          stream: true,
        }),
      ),
    );
    expect(chunks.slice(0, -1).every((chunk) => chunk.usage.completion_tokens === null)).toBe(true);
    expect(chunks.at(-1)!.usage.completion_tokens).toBeGreaterThan(0);
    expect(chunks.at(-1)!.choices[0].finish_reason).toBe('stop');
  });

  it('serves the OpenAI-compatible routes with model = endpoint name', async () => {
    server = await startRestServer({ servingEndpoints: endpoints });
    const chat = await server.post('/serving-endpoints/chat/completions', {
      model: 'gpt',
      messages: [{ role: 'user', content: 'ping' }],
    });
    expect((await json(chat)).choices[0].message.content).toBe('You said: ping');
    expect(server.rest.serving.requestsFor('gpt')[0]!.api).toBe('chat/completions');

    const completion = await json(
      await server.post('/serving-endpoints/completions', {
        model: 'complete',
        prompt: ['One', 'Two'],
        max_tokens: 5,
      }),
    );
    expect(completion.object).toBe('text_completion');
    expect(completion.choices.map((choice: { text: string }) => choice.text)).toEqual([
      'One and then some',
      'Two and then some',
    ]);

    const missingModel = await server.post('/serving-endpoints/embeddings', { input: 'x' });
    expect(missingModel.status).toBe(400);

    const wrongTask = await server.post('/serving-endpoints/embeddings', {
      model: 'chat',
      input: 'x',
    });
    expect(wrongTask.status).toBe(400);
    expect((await json(wrongTask)).error_code).toBe('BAD_REQUEST');
  });

  it('streams completions', async () => {
    server = await startRestServer({ servingEndpoints: endpoints });
    const chunks = jsonEvents(
      await readSse(
        await server.post('/serving-endpoints/complete/invocations', {
          prompt: 'Once',
          stream: true,
          stream_options: { include_usage: true },
        }),
      ),
    );
    const text = chunks
      .flatMap((chunk) => chunk.choices)
      .map((choice) => choice.text)
      .join('');
    expect(text).toBe('Once and then some');
    expect(chunks.at(-1)!.usage.completion_tokens).toBeGreaterThan(0);
  });
});

describe('FMAPI validation', () => {
  const messages = [{ role: 'user', content: 'hi' }];
  const tool = (fn: Record<string, unknown>) => [{ type: 'function', function: fn }];

  it.each([
    [{ messages: [] }, 'messages must contain at least one message'],
    [{}, 'Missing required field: messages'],
    [{ prompt: 'hi' }, 'Bad request: json: unknown field "prompt"'],
    [{ messages, stop: null }, 'stop was not of type List[String]: null'],
    [
      { messages, tools: tool({ name: 'f', parameters: { type: 'object' }, strict: true }) },
      'tools.0.function.strict: Extra inputs are not permitted',
    ],
    [{ messages, tools: tool({ name: 'f' }) }, 'tools.0.function.parameters: Field required'],
    [
      { messages, tools: tool({ name: 'f', parameters: {} }), tool_choice: 'any' },
      'tool_choice: Input should be',
    ],
    [
      { messages, response_format: { type: 'json_schema', json_schema: { name: 'x' } } },
      'response_format.json_schema.schema: Field required',
    ],
  ])('rejects %j', async (body, message) => {
    server = await startRestServer({ servingEndpoints: endpoints });
    const response = await server.post('/serving-endpoints/chat/invocations', body);
    expect(response.status).toBe(400);
    const error = await json(response);
    expect(error.error_code).toBe('BAD_REQUEST');
    expect(error.message).toContain(message);
  });

  it('accepts the documented options, strict tools when allowed, and bad JSON as 400', async () => {
    server = await startRestServer({
      servingEndpoints: [
        ...endpoints,
        { name: 'lenient', task: 'llm/v1/chat', allowStrictTools: true, handler: echoChat() },
      ],
    });
    const ok = await server.post('/serving-endpoints/chat/invocations', {
      messages,
      n: 2,
      temperature: 0.5,
      max_tokens: 10,
      stop: 'END',
      tools: tool({ name: 'f', parameters: { type: 'object' } }),
      tool_choice: { type: 'function', function: { name: 'f' } },
      response_format: {
        type: 'json_schema',
        json_schema: { name: 'answer', schema: { type: 'object' }, strict: true },
      },
      custom_inputs: { a: 1 },
    });
    expect(ok.status).toBe(200);
    expect((await json(ok)).choices).toHaveLength(2);
    const strict = await server.post('/serving-endpoints/lenient/invocations', {
      messages,
      tools: tool({ name: 'f', parameters: { type: 'object' }, strict: true }),
    });
    expect(strict.status).toBe(200);
    const bad = await server.call('/serving-endpoints/chat/invocations', {
      method: 'POST',
      body: '{"messages": [',
    });
    expect(bad.status).toBe(400);
    expect((await json(bad)).error_code).toBe('MALFORMED_REQUEST');
  });
});

describe('embeddings and custom models', () => {
  it('embeds batches deterministically and enforces the batch limit', async () => {
    server = await startRestServer({ servingEndpoints: endpoints });
    const first = await json(
      await server.post('/serving-endpoints/embed/invocations', { input: ['a', 'b', 'a'] }),
    );
    expect(first).toMatchObject({ object: 'list', model: 'embed' });
    expect(first.data.map((item: { index: number }) => item.index)).toEqual([0, 1, 2]);
    expect(first.data[0].object).toBe('embedding');
    expect(first.data[0].embedding).toHaveLength(16);
    expect(first.data[0].embedding).toEqual(first.data[2].embedding);
    expect(first.data[0].embedding).not.toEqual(first.data[1].embedding);
    const norm = Math.hypot(...(first.data[1].embedding as number[]));
    expect(norm).toBeCloseTo(1, 6);
    const second = await json(
      await server.post('/serving-endpoints/embeddings', { model: 'embed', input: 'b' }),
    );
    expect(second.data[0].embedding).toEqual(first.data[1].embedding);
    const tooMany = await server.post('/serving-endpoints/embed/invocations', {
      input: ['1', '2', '3', '4'],
    });
    expect(tooMany.status).toBe(400);
  });

  it('answers custom models with predictions from records or a split frame', async () => {
    server = await startRestServer({ servingEndpoints: endpoints });
    const records = await server.post('/serving-endpoints/dolly/invocations', {
      dataframe_records: [{ prompt: 'hi', stop: ['###'] }],
    });
    expect(await json(records)).toEqual({ predictions: ['Dolly says: hi'] });
    const split = await server.post('/serving-endpoints/dolly/invocations', {
      dataframe_split: { columns: ['prompt'], data: [['a'], ['b']] },
    });
    expect(await json(split)).toEqual({ predictions: ['Dolly says: a', 'Dolly says: b'] });
    const wrong = await server.post('/serving-endpoints/dolly/invocations', { prompt: 'hi' });
    expect(wrong.status).toBe(400);
    expect((await json(wrong)).message).toContain('dataframe_records');
  });
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

describe('driver proxy', () => {
  it('routes to the app on the port, for any org id and sub-path', async () => {
    server = await startRestServer({
      driverProxyApps: [
        {
          port: 7777,
          handler: (body, request) => {
            const { prompt } = body as { prompt: string };
            return request.subpath === '/raw'
              ? reply({ text: 'plain text', status: 201 })
              : `${prompt.toUpperCase()}!`;
          },
        },
      ],
    });
    const ok = await server.post(`/driver-proxy-api/o/0/${TEST_CLUSTER}/7777`, {
      prompt: 'hi',
      stop: ['\n'],
    });
    expect(ok.status).toBe(200);
    expect(await json(ok)).toBe('HI!');
    const raw = await server.post(`/driver-proxy-api/o/1234567/${TEST_CLUSTER}/7777/raw`, {
      prompt: 'x',
    });
    expect(raw.status).toBe(201);
    expect(await raw.text()).toBe('plain text');

    expect(server.rest.serving.requestsFor('driver-proxy:7777')[0]).toMatchObject({
      api: 'driver-proxy',
      body: { prompt: 'hi', stop: ['\n'] },
      status: 200,
    });
    const wrongCluster = await server.post('/driver-proxy-api/o/0/other-cluster/7777', {});
    expect(wrongCluster.status).toBe(404);
    expect((await json(wrongCluster)).error_code).toBe('RESOURCE_DOES_NOT_EXIST');
    const noApp = await server.post(`/driver-proxy-api/o/0/${TEST_CLUSTER}/8000`, {});
    expect(noApp.status).toBe(502);
    const noAuth = await fetch(`${server.base}/driver-proxy-api/o/0/${TEST_CLUSTER}/7777`, {
      method: 'POST',
    });
    expect(noAuth.status).toBe(401);
  });
});

describe('faults', () => {
  const chatRequest = { messages: [{ role: 'user', content: 'Hi' }] };

  it('answers 429 with Retry-After, then recovers after `times`', async () => {
    const faults = createFaultInjector({
      rules: [{ route: 'serving-invocations', rate429: 1, retryAfterSeconds: 3, times: 2 }],
    });
    server = await startRestServer({ servingEndpoints: endpoints, faults });
    for (let i = 0; i < 2; i++) {
      const limited = await server.post('/serving-endpoints/chat/invocations', chatRequest);
      expect(limited.status).toBe(429);
      expect(limited.headers.get('retry-after')).toBe('3');
      expect((await json(limited)).error_code).toBe('REQUEST_LIMIT_EXCEEDED');
    }
    expect((await server.post('/serving-endpoints/chat/invocations', chatRequest)).status).toBe(
      200,
    );
    expect(faults.counts()['serving-invocations']).toBe(3);
    // The listing route is another route: untouched.
    expect((await server.call('/api/2.0/serving-endpoints')).status).toBe(200);
  });

  it('answers 503 TEMPORARILY_UNAVAILABLE, also on the token endpoint', async () => {
    const faults = createFaultInjector({ rules: [{ route: 'oauth-token', rate503: 1 }] });
    server = await startRestServer({ faults });
    const response = await fetch(`${server.base}/oidc/v1/token`, {
      method: 'POST',
      body: 'grant_type=client_credentials',
    });
    expect(response.status).toBe(503);
    expect((await json(response)).error_code).toBe('TEMPORARILY_UNAVAILABLE');
  });

  it('resets the connection', async () => {
    const faults = createFaultInjector({ rules: [{ route: '/serving-endpoints/', resetRate: 1 }] });
    server = await startRestServer({ servingEndpoints: endpoints, faults });
    await expect(server.post('/serving-endpoints/chat/invocations', chatRequest)).rejects.toThrow();
  });

  it('cuts a stream halfway: the client sees an incomplete stream', async () => {
    const faults = createFaultInjector();
    server = await startRestServer({ servingEndpoints: endpoints, faults });
    const request = { ...chatRequest, stream: true };
    const full = jsonEvents(
      await readSse(await server.post('/serving-endpoints/weather/invocations', request)),
    );
    faults.setRules([{ route: 'serving-invocations', cutStreamRate: 1, times: 1 }]);
    const cut = await server.post('/serving-endpoints/weather/invocations', request);
    expect(cut.status).toBe(200);
    const events: string[] = [];
    await expect(
      (async () => {
        const { createParser } = await import('eventsource-parser');
        const parser = createParser({ onEvent: (event) => events.push(event.data) });
        const reader = cut.body!.getReader();
        const decoder = new TextDecoder();
        for (;;) {
          const { done, value } = await reader.read();
          if (done) break;
          parser.feed(decoder.decode(value, { stream: true }));
        }
      })(),
    ).rejects.toThrow();
    expect(events).not.toContain('[DONE]');
    expect(full.length).toBeGreaterThan(0);
    expect(events.length).toBeGreaterThan(0);
    expect(events.length).toBeLessThan(full.length);
    // times: 1, so the next stream is whole again.
    const again = await readSse(
      await server.post('/serving-endpoints/weather/invocations', request),
    );
    expect(again.at(-1)).toBe('[DONE]');
  });

  it('adds latency', async () => {
    const faults = createFaultInjector({ rules: [{ route: 'serving-endpoints', latencyMs: 120 }] });
    server = await startRestServer({ servingEndpoints: endpoints, faults });
    const started = performance.now();
    expect((await server.call('/api/2.0/serving-endpoints')).status).toBe(200);
    expect(performance.now() - started).toBeGreaterThanOrEqual(100);
  });
});
