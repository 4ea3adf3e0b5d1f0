/**
 * The serving service: the endpoints API, chat and completions, FMAPI validation, embeddings and
 * custom models.
 */
import { afterEach, describe, expect, it } from 'vitest';
import {
  json,
  jsonEvents,
  readSse,
  startRestServer,
  type TestRestServer,
} from '../../platform/testing_server.js';
import { echoChat } from './scripted.js';
import { endpoints } from './testing_endpoints.js';

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
