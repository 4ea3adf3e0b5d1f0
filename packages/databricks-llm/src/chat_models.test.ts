import {
  AIMessage,
  type AIMessageChunk,
  HumanMessage,
  SystemMessage,
  ToolMessage,
} from '@langchain/core/messages';
import { tool } from '@langchain/core/tools';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { z } from 'zod';
import { ChatDatabricks, DatabricksServingError } from './index.js';
import {
  authFor,
  bodyAt,
  chatCompletion,
  deltaChunk,
  hangingSse,
  json,
  mockFetch,
  sse,
  TOKEN,
} from './testing/helpers.js';

const ENDPOINT = 'databricks-meta-llama-3-3-70b-instruct';

afterEach(() => {
  vi.useRealTimers();
});

function chatWith(handler: Parameters<typeof mockFetch>[0], extra: Record<string, unknown> = {}) {
  const mock = mockFetch(handler);
  // These tests are about the chat completions protocol: no endpoint metadata lookup.
  const model = new ChatDatabricks({
    model: ENDPOINT,
    endpointApi: 'chat-completions',
    maxRetries: 0,
    ...authFor(mock.fetch),
    ...extra,
  });
  return { model, ...mock };
}

describe('ChatDatabricks invoke', () => {
  it('POSTs OpenAI chat to the invocations URL with only the set parameters', async () => {
    const { model, calls } = chatWith(
      () => json(chatCompletion({ content: 'Delta Lake is a storage layer.' })),
      {
        temperature: 0.2,
        maxTokens: 64,
        extraParams: { top_p: 0.9 },
      },
    );
    const reply = await model.invoke('What is Delta Lake?');
    expect(reply.content).toBe('Delta Lake is a storage layer.');
    expect(calls).toHaveLength(1);
    const call = calls[0];
    expect(call?.path).toBe(`/serving-endpoints/${ENDPOINT}/invocations`);
    expect(call?.headers.authorization).toBe(`Bearer ${TOKEN}`);
    expect(call?.body).toEqual({
      messages: [{ role: 'user', content: 'What is Delta Lake?' }],
      temperature: 0.2,
      max_tokens: 64,
      top_p: 0.9,
    });
  });

  it('never sends unset parameters (stop: null breaks Anthropic endpoints)', async () => {
    const { model, calls } = chatWith(() => json(chatCompletion({ content: 'ok' })));
    await model.invoke('hi');
    const body = calls[0]?.body as Record<string, unknown>;
    expect(Object.keys(body)).toEqual(['messages']);
  });

  it('passes stop sequences from the constructor and per call (per call wins)', async () => {
    const { model, calls } = chatWith(() => json(chatCompletion({ content: 'ok' })), {
      stop: ['END'],
    });
    await model.invoke('a');
    await model.invoke('b', { stop: ['###'] });
    expect(bodyAt<{ stop: string[] }>(calls, 0).stop).toEqual(['END']);
    expect(bodyAt<{ stop: string[] }>(calls, 1).stop).toEqual(['###']);
  });

  it('reports usage_metadata, model_name and finish_reason', async () => {
    const { model } = chatWith(() => json(chatCompletion({ content: 'hi' })));
    const reply = await model.invoke([new SystemMessage('be brief'), new HumanMessage('hello')]);
    expect(reply.usage_metadata).toEqual({ input_tokens: 10, output_tokens: 5, total_tokens: 15 });
    expect(reply.response_metadata.model_name).toBe('meta-llama-3.3-70b-instruct-082724');
    expect(reply.response_metadata.finish_reason).toBe('stop');
  });

  it('counts Claude cache tokens as input tokens with details', async () => {
    const { model } = chatWith(() =>
      json(
        chatCompletion(
          { content: 'hi' },
          {
            usage: {
              prompt_tokens: 10,
              completion_tokens: 4,
              total_tokens: 14,
              cache_read_input_tokens: 100,
              cache_creation_input_tokens: 6,
            },
          },
        ),
      ),
    );
    const reply = await model.invoke('x');
    expect(reply.usage_metadata).toEqual({
      input_tokens: 116,
      output_tokens: 4,
      total_tokens: 120,
      input_token_details: { cache_read: 100, cache_creation: 6 },
    });
  });

  it('turns reasoning content arrays into text plus reasoning in additional_kwargs', async () => {
    const { model } = chatWith(() =>
      json(
        chatCompletion({
          content: [
            { type: 'reasoning', summary: [{ type: 'summary_text', text: 'Think about tables.' }] },
            { type: 'text', text: 'Delta tables.' },
          ],
        }),
      ),
    );
    const reply = await model.invoke('x');
    expect(reply.content).toBe('Delta tables.');
    expect(reply.additional_kwargs.reasoning_content).toBe('Think about tables.');
    expect(reply.additional_kwargs.reasoning).toHaveLength(1);
  });

  it('sends customInputs as custom_inputs and surfaces custom_outputs', async () => {
    const { model, calls } = chatWith(() =>
      json(chatCompletion({ content: 'ok' }, { custom_outputs: { trace_id: 't-1' } })),
    );
    const reply = await model.invoke('x', { customInputs: { user_id: 'u-7' } });
    expect(bodyAt<Record<string, unknown>>(calls, 0).custom_inputs).toEqual({ user_id: 'u-7' });
    expect(reply.response_metadata.custom_outputs).toEqual({ trace_id: 't-1' });
    expect(reply.additional_kwargs.custom_outputs).toEqual({ trace_id: 't-1' });
  });

  it('n > 1 returns every choice; usage is attached once', async () => {
    const { model, calls } = chatWith(
      () =>
        json({
          model: 'm',
          choices: [
            { index: 0, message: { role: 'assistant', content: 'first' }, finish_reason: 'stop' },
            { index: 1, message: { role: 'assistant', content: 'second' }, finish_reason: 'stop' },
          ],
          usage: { prompt_tokens: 4, completion_tokens: 2, total_tokens: 6 },
        }),
      { n: 2 },
    );
    const result = await model.generate([[new HumanMessage('x')]]);
    const generations = result.generations[0] ?? [];
    expect(generations.map((generation) => generation.text)).toEqual(['first', 'second']);
    expect(bodyAt(calls).n).toBe(2);
    const messages = generations.map(
      (generation) => (generation as unknown as { message: AIMessage }).message,
    );
    expect(messages[0]?.usage_metadata?.total_tokens).toBe(6);
    expect(messages[1]?.usage_metadata).toBeUndefined();
  });

  it('understands Databricks agent (ChatAgent) answers', async () => {
    const { model } = chatWith(() =>
      json({
        messages: [
          { role: 'assistant', content: 'Looking it up.', id: 'm1' },
          { role: 'tool', content: '42', tool_call_id: 't1', id: 'm2' },
          { role: 'assistant', content: 'The answer is 42.', id: 'm3' },
        ],
        custom_outputs: { thread: 't' },
      }),
    );
    const reply = await model.invoke('x');
    expect(reply.content).toBe('Looking it up.\n\nThe answer is 42.');
    expect(reply.response_metadata.custom_outputs).toEqual({ thread: 't' });
  });

  it('batch sends one request per input', async () => {
    const { model, calls } = chatWith((request) => {
      const messages = (request.body as { messages: { content: string }[] }).messages;
      return json(chatCompletion({ content: `echo ${messages[0]?.content}` }));
    });
    const replies = await model.batch(['one', 'two', 'three']);
    expect(replies.map((reply) => reply.content)).toEqual(['echo one', 'echo two', 'echo three']);
    expect(calls).toHaveLength(3);
  });

  it('parses tool calls and keeps bad arguments as invalid_tool_calls', async () => {
    const { model } = chatWith(() =>
      json(
        chatCompletion({
          content: null,
          tool_calls: [
            {
              id: 'call_1',
              type: 'function',
              function: { name: 'get_weather', arguments: '{"city":"Paris"}' },
            },
            {
              id: 'call_2',
              type: 'function',
              function: { name: 'get_weather', arguments: '{"city":' },
            },
          ],
        }),
      ),
    );
    const reply = await model.invoke('weather?');
    expect(reply.content).toBe('');
    expect(reply.tool_calls).toEqual([
      { id: 'call_1', name: 'get_weather', args: { city: 'Paris' }, type: 'tool_call' },
    ]);
    expect(reply.invalid_tool_calls?.[0]?.id).toBe('call_2');
  });

  it('rejects a 2xx answer without choices with an error naming the endpoint', async () => {
    const { model } = chatWith(() => json({ unexpected: true }));
    await expect(model.invoke('x')).rejects.toThrow(
      new RegExp(`Malformed response from Databricks endpoint ${ENDPOINT}`),
    );
  });

  it('rejects a 2xx body that claims JSON but is not, naming the endpoint', async () => {
    const { model } = chatWith(
      () =>
        new Response('{"choices": [', {
          status: 200,
          headers: { 'content-type': 'application/json' },
        }),
    );
    await expect(model.invoke('x')).rejects.toThrow(
      `Malformed response from Databricks endpoint ${ENDPOINT}`,
    );
  });

  it('rejects a 2xx non-JSON answer with an error naming the endpoint', async () => {
    const { model } = chatWith(
      () =>
        new Response('<html>oops</html>', {
          status: 200,
          headers: { 'content-type': 'text/html' },
        }),
    );
    await expect(model.invoke('x')).rejects.toThrow(ENDPOINT);
  });
});

describe('message conversion on the wire', () => {
  it('converts every message type (no name field, JSON-string args, tool role)', async () => {
    const { model, calls } = chatWith(() => json(chatCompletion({ content: 'done' })));
    await model.invoke([
      new SystemMessage({ content: 'sys', name: 'ignored' }),
      new HumanMessage({ content: 'hi', name: 'alice' }),
      new AIMessage({
        content: '',
        tool_calls: [{ id: 'call_1', name: 'lookup', args: { q: 'delta' }, type: 'tool_call' }],
      }),
      new ToolMessage({ content: 'result', tool_call_id: 'call_1', name: 'lookup' }),
      new AIMessage('plain answer'),
      new HumanMessage({
        content: [
          { type: 'text', text: 'part 1 ' },
          { type: 'text', text: 'part 2' },
        ],
      }),
    ]);
    expect(bodyAt<{ messages: unknown[] }>(calls, 0).messages).toEqual([
      { role: 'system', content: 'sys' },
      { role: 'user', content: 'hi' },
      {
        role: 'assistant',
        content: null,
        tool_calls: [
          {
            id: 'call_1',
            type: 'function',
            function: { name: 'lookup', arguments: '{"q":"delta"}' },
          },
        ],
      },
      { role: 'tool', content: 'result', tool_call_id: 'call_1' },
      { role: 'assistant', content: 'plain answer' },
      { role: 'user', content: 'part 1 part 2' },
    ]);
  });

  it('sends " " instead of empty content next to tool calls for Claude endpoints', async () => {
    const mock = mockFetch(() => json(chatCompletion({ content: 'ok' })));
    const model = new ChatDatabricks({
      model: 'databricks-claude-sonnet-4',
      endpointApi: 'chat-completions',
      ...authFor(mock.fetch),
    });
    await model.invoke([
      new HumanMessage('x'),
      new AIMessage({
        content: '',
        tool_calls: [{ id: 'c', name: 't', args: {}, type: 'tool_call' }],
      }),
      new ToolMessage({ content: 'r', tool_call_id: 'c' }),
    ]);
    const messages = bodyAt<{ messages: { content: unknown }[] }>(mock.calls, 0).messages;
    expect(messages[1]?.content).toBe(' ');
  });
});

const weather = tool(async ({ city }) => `sunny in ${city}`, {
  name: 'get_weather',
  description: 'Weather for a city',
  schema: z.object({ city: z.string().describe('City name') }),
});

describe('bindTools', () => {
  it('sends OpenAI tools without strict and always with parameters', async () => {
    const { model, calls } = chatWith(() => json(chatCompletion({ content: 'ok' })));
    const bound = model.bindTools([
      weather,
      { type: 'function', function: { name: 'now', description: 'time', strict: true } },
      {
        name: 'search',
        description: 'search docs',
        schema: { type: 'object', properties: { q: { type: 'string' } } },
      },
    ]);
    await bound.invoke('x');
    const tools = bodyAt<{ tools: { function: Record<string, unknown> }[] }>(calls, 0).tools;
    expect(tools.map((t) => t.function.name)).toEqual(['get_weather', 'now', 'search']);
    for (const t of tools) {
      expect(t.function).not.toHaveProperty('strict');
      expect(t.function.parameters).toBeTypeOf('object');
    }
    expect(tools[0]?.function.parameters).toMatchObject({
      type: 'object',
      properties: { city: { type: 'string', description: 'City name' } },
      required: ['city'],
    });
    expect(tools[0]?.function.parameters).not.toHaveProperty('$schema');
    expect(tools[1]?.function.parameters).toEqual({ type: 'object', properties: {} });
    expect(bodyAt<Record<string, unknown>>(calls, 0).tool_choice).toBeUndefined();
  });

  it.each([
    ['any', 'required'],
    ['auto', 'auto'],
    ['none', 'none'],
    ['required', 'required'],
    ['get_weather', { type: 'function', function: { name: 'get_weather' } }],
    [
      { type: 'function', function: { name: 'get_weather' } },
      { type: 'function', function: { name: 'get_weather' } },
    ],
  ])('maps tool_choice %j to %j', async (choice, expected) => {
    const { model, calls } = chatWith(() => json(chatCompletion({ content: 'ok' })));
    await model.bindTools([weather], { tool_choice: choice }).invoke('x');
    expect(bodyAt<Record<string, unknown>>(calls, 0).tool_choice).toEqual(expected);
  });

  it('rejects a tool_choice naming an unknown tool at bind time', () => {
    const { model } = chatWith(() => json({}));
    expect(() => model.bindTools([weather], { tool_choice: 'nope' })).toThrow(
      /not one of the bound tools/,
    );
  });

  it('round-trips a tool call: call → ToolMessage → answer', async () => {
    const { model, calls } = chatWith((_req, index) =>
      index === 0
        ? json(
            chatCompletion({
              content: null,
              tool_calls: [
                {
                  id: 'call_9',
                  type: 'function',
                  function: { name: 'get_weather', arguments: '{"city":"Oslo"}' },
                },
              ],
            }),
          )
        : json(chatCompletion({ content: 'It is sunny in Oslo.' })),
    );
    const bound = model.bindTools([weather]);
    const first = await bound.invoke('weather in Oslo?');
    const call = first.tool_calls?.[0];
    expect(call?.args).toEqual({ city: 'Oslo' });
    const toolMessage = await weather.invoke(call as NonNullable<typeof call>);
    const second = await bound.invoke([new HumanMessage('weather in Oslo?'), first, toolMessage]);
    expect(second.content).toBe('It is sunny in Oslo.');
    const sent = bodyAt<{ messages: Record<string, unknown>[] }>(calls, 1).messages;
    expect(sent[2]).toEqual({ role: 'tool', content: 'sunny in Oslo', tool_call_id: 'call_9' });
  });
});

describe('withStructuredOutput', () => {
  const Person = z.object({ name: z.string(), age: z.number() }).describe('A person');

  it('functionCalling (default): forces the tool and parses its arguments', async () => {
    const { model, calls } = chatWith(() =>
      json(
        chatCompletion({
          content: null,
          tool_calls: [
            {
              id: 'c1',
              type: 'function',
              function: { name: 'Person', arguments: '{"name":"Ada","age":36}' },
            },
          ],
        }),
      ),
    );
    const structured = model.withStructuredOutput(Person, { name: 'Person' });
    await expect(structured.invoke('Ada is 36')).resolves.toEqual({ name: 'Ada', age: 36 });
    const body = calls[0]?.body as Record<string, unknown>;
    expect(body.tool_choice).toEqual({ type: 'function', function: { name: 'Person' } });
    expect(
      (body.tools as { function: { name: string; description: string } }[])[0]?.function,
    ).toMatchObject({
      name: 'Person',
      description: 'A person',
    });
  });

  it('accepts python-style method names', async () => {
    const { model, calls } = chatWith(() =>
      json(chatCompletion({ content: '{"name":"Bo","age":3}' })),
    );
    await expect(
      model.withStructuredOutput(Person, { method: 'json_mode' }).invoke('x'),
    ).resolves.toEqual({ name: 'Bo', age: 3 });
    expect(bodyAt<Record<string, unknown>>(calls, 0).response_format).toEqual({
      type: 'json_object',
    });
  });

  it('jsonSchema: sends an OpenAI json_schema response_format', async () => {
    const { model, calls } = chatWith(() =>
      json(chatCompletion({ content: '{"name":"Cy","age":40}' })),
    );
    const out = await model
      .withStructuredOutput(Person, { method: 'jsonSchema', name: 'person' })
      .invoke('x');
    expect(out).toEqual({ name: 'Cy', age: 40 });
    const format = bodyAt<{
      response_format: { type: string; json_schema: Record<string, unknown> };
    }>(calls).response_format;
    expect(format.type).toBe('json_schema');
    expect(format.json_schema).toMatchObject({
      name: 'person',
      strict: true,
      schema: { type: 'object', required: ['name', 'age'] },
    });
    expect(calls[0]?.body).not.toHaveProperty('tools');
  });

  it('works with a plain JSON schema', async () => {
    const { model } = chatWith(() =>
      json(
        chatCompletion({
          content: null,
          tool_calls: [
            { id: 'c1', type: 'function', function: { name: 'answer', arguments: '{"value":42}' } },
          ],
        }),
      ),
    );
    const schema = {
      title: 'answer',
      type: 'object',
      properties: { value: { type: 'number' } },
      required: ['value'],
    };
    await expect(model.withStructuredOutput(schema).invoke('x')).resolves.toEqual({ value: 42 });
  });

  it('includeRaw returns raw, parsed and parsing_error', async () => {
    const { model } = chatWith(() => json(chatCompletion({ content: '{"name":"Di","age":7}' })));
    const out = await model
      .withStructuredOutput(Person, { method: 'jsonMode', includeRaw: true })
      .invoke('x');
    expect(out.parsed).toEqual({ name: 'Di', age: 7 });
    expect(AIMessage.isInstance(out.raw)).toBe(true);
  });

  it('a parse failure throws, or is reported with includeRaw', async () => {
    const { model } = chatWith(() => json(chatCompletion({ content: '{"name":"Ed"}' })));
    const error = await model
      .withStructuredOutput(Person, { method: 'jsonMode' })
      .invoke('x')
      .catch((caught: unknown) => caught);
    expect((error as Error).message).toMatch(/^Failed to parse\. Text: "\{"name":"Ed"\}"/);
    expect((error as Error).message).toContain('age');
    const out = (await model
      .withStructuredOutput(Person, { method: 'jsonMode', includeRaw: true })
      .invoke('x')) as {
      raw: AIMessage;
      parsed: unknown;
      parsing_error?: unknown;
    };
    expect(out.parsed).toBeNull();
    expect(out.parsing_error).toBeInstanceOf(Error);
    expect(out.raw.content).toBe('{"name":"Ed"}');
  });

  it('rejects an unknown method', () => {
    const { model } = chatWith(() => json({}));
    expect(() => model.withStructuredOutput(Person, { method: 'xml' })).toThrow(
      /unknown method "xml"/,
    );
  });
});

describe('streaming', () => {
  const toolDeltas: unknown[] = [
    deltaChunk({ role: 'assistant', content: '' }),
    deltaChunk({
      tool_calls: [
        {
          index: 0,
          id: 'call_a',
          type: 'function',
          function: { name: 'get_weather', arguments: '' },
        },
      ],
    }),
    deltaChunk({ tool_calls: [{ index: 0, function: { arguments: '{"ci' } }] }),
    deltaChunk({ tool_calls: [{ index: 0, function: { arguments: 'ty":"Rome"}' } }] }),
    deltaChunk({
      tool_calls: [
        {
          index: 1,
          id: 'call_b',
          type: 'function',
          function: { name: 'get_weather', arguments: '{"city":"Pisa"}' },
        },
      ],
    }),
    { ...deltaChunk({}), choices: [{ index: 0, delta: {}, finish_reason: 'tool_calls' }] },
    {
      id: 'chatcmpl-s',
      model: 'gpt-5-2025',
      choices: [],
      usage: { prompt_tokens: 20, completion_tokens: 9, total_tokens: 29 },
    },
  ];

  it('sends stream + stream_options and yields content incrementally', async () => {
    const { model, calls } = chatWith(() =>
      sse([
        deltaChunk({ role: 'assistant', content: 'Del' }),
        deltaChunk({ content: 'ta ' }),
        deltaChunk({ content: 'Lake' }),
        { ...deltaChunk({}), choices: [{ index: 0, delta: {}, finish_reason: 'stop' }] },
        {
          model: 'gpt-5-2025',
          choices: [],
          usage: { prompt_tokens: 3, completion_tokens: 3, total_tokens: 6 },
        },
      ]),
    );
    const chunks: AIMessageChunk[] = [];
    for await (const chunk of await model.stream('x')) chunks.push(chunk);
    expect(chunks.map((chunk) => chunk.content).filter(Boolean)).toEqual(['Del', 'ta ', 'Lake']);
    expect(calls[0]?.body).toMatchObject({ stream: true, stream_options: { include_usage: true } });
    const merged = chunks.reduce((a, b) => a.concat(b));
    expect(merged.content).toBe('Delta Lake');
    expect(merged.usage_metadata).toMatchObject({
      input_tokens: 3,
      output_tokens: 3,
      total_tokens: 6,
    });
    expect(merged.response_metadata.model_name).toBe('gpt-5-2025');
    expect(merged.response_metadata.finish_reason).toBe('stop');
  });

  it('assembles tool-call deltas split across chunks, by index', async () => {
    const { model } = chatWith(() => sse(toolDeltas));
    let merged: AIMessageChunk | undefined;
    for await (const chunk of await model.bindTools([weather]).stream('x'))
      merged = merged ? merged.concat(chunk) : chunk;
    expect(merged?.tool_calls).toEqual([
      { id: 'call_a', name: 'get_weather', args: { city: 'Rome' }, type: 'tool_call' },
      { id: 'call_b', name: 'get_weather', args: { city: 'Pisa' }, type: 'tool_call' },
    ]);
    expect(merged?.usage_metadata?.total_tokens).toBe(29);
  });

  it('reports usage once when the endpoint repeats usage on every chunk (Databricks Claude)', async () => {
    const partial = { prompt_tokens: 50, completion_tokens: null, total_tokens: null };
    const { model } = chatWith(() =>
      sse([
        deltaChunk({ content: 'a' }, { usage: partial }),
        deltaChunk({ content: 'b' }, { usage: partial }),
        {
          ...deltaChunk({ content: 'c' }),
          choices: [{ index: 0, delta: { content: 'c' }, finish_reason: 'stop' }],
          usage: { prompt_tokens: 50, completion_tokens: 3, total_tokens: 53 },
        },
      ]),
    );
    const chunks: AIMessageChunk[] = [];
    for await (const chunk of await model.stream('x')) chunks.push(chunk);
    expect(chunks.filter((chunk) => chunk.usage_metadata)).toHaveLength(1);
    const merged = chunks.reduce((a, b) => a.concat(b));
    expect(merged.usage_metadata).toMatchObject({
      input_tokens: 50,
      output_tokens: 3,
      total_tokens: 53,
    });
  });

  it('streamUsage: false does not ask for usage', async () => {
    const { model, calls } = chatWith(
      () =>
        sse([
          {
            ...deltaChunk({ content: 'x' }),
            choices: [{ index: 0, delta: { content: 'x' }, finish_reason: 'stop' }],
          },
        ]),
      { streamUsage: false },
    );
    for await (const _ of await model.stream('x')) {
      // drain
    }
    expect(calls[0]?.body).not.toHaveProperty('stream_options');
  });

  it('invoke with streaming: true aggregates the stream and calls handleLLMNewToken per chunk', async () => {
    const { model } = chatWith(
      () =>
        sse(
          toolDeltas.slice(0, 1).concat([
            deltaChunk({ content: 'hi' }),
            deltaChunk({ content: '!' }),
            {
              ...deltaChunk({}),
              choices: [{ index: 0, delta: {}, finish_reason: 'stop' }],
              usage: { prompt_tokens: 1, completion_tokens: 2, total_tokens: 3 },
            },
          ]),
        ),
      {
        streaming: true,
      },
    );
    const tokens: string[] = [];
    const reply = await model.invoke('x', {
      callbacks: [
        {
          handleLLMNewToken: (token: string) => {
            tokens.push(token);
          },
        },
      ],
    });
    expect(reply.content).toBe('hi!');
    expect(tokens.filter(Boolean)).toEqual(['hi', '!']);
    expect(reply.usage_metadata?.total_tokens).toBe(3);
  });

  it('a stream that ends without [DONE] or finish_reason is an error, not a short answer', async () => {
    const { model } = chatWith(() => sse([deltaChunk({ content: 'partial' })], { done: false }));
    const consume = async () => {
      for await (const _ of await model.stream('x')) {
        // drain
      }
    };
    await expect(consume()).rejects.toThrow(
      `stream from endpoint ${ENDPOINT} ended before completion`,
    );
  });

  it('a connection cut mid-stream is an error (stream and non-streaming invoke)', async () => {
    const cut = () =>
      sse(
        [deltaChunk({ content: 'a' }), deltaChunk({ content: 'b' }), deltaChunk({ content: 'c' })],
        { cutAfter: 2 },
      );
    const { model } = chatWith(cut);
    const seen: string[] = [];
    const consume = async () => {
      for await (const chunk of await model.stream('x')) seen.push(String(chunk.content));
    };
    await expect(consume()).rejects.toThrow(/ended before completion/);
    expect(seen).toEqual(['a', 'b']);
    const streamingModel = chatWith(cut, { streaming: true }).model;
    await expect(streamingModel.invoke('x')).rejects.toThrow(/ended before completion/);
  });

  it('a stream that ends with finish_reason but no [DONE] is complete', async () => {
    const { model } = chatWith(() =>
      sse(
        [
          {
            ...deltaChunk({ content: 'ok' }),
            choices: [{ index: 0, delta: { content: 'ok' }, finish_reason: 'stop' }],
          },
        ],
        { done: false },
      ),
    );
    let text = '';
    for await (const chunk of await model.stream('x')) text += chunk.content;
    expect(text).toBe('ok');
  });

  it('malformed SSE JSON names the endpoint', async () => {
    const { model } = chatWith(() => sse([deltaChunk({ content: 'a' }), '{not json']));
    const consume = async () => {
      for await (const _ of await model.stream('x')) {
        // drain
      }
    };
    await expect(consume()).rejects.toThrow(
      `Malformed response from Databricks endpoint ${ENDPOINT}: stream event is not JSON`,
    );
  });

  it('an error event inside the stream is raised', async () => {
    const { model } = chatWith(() =>
      sse([
        deltaChunk({ content: 'a' }),
        { error: { message: 'model overloaded', code: 'OVERLOADED' } },
      ]),
    );
    const consume = async () => {
      for await (const _ of await model.stream('x')) {
        // drain
      }
    };
    await expect(consume()).rejects.toThrow(/model overloaded/);
  });
});

describe('errors and retries (one retry layer: AsyncCaller)', () => {
  it('400 keeps status and error_code and is not retried', async () => {
    const mock = mockFetch(() =>
      json({ error_code: 'BAD_REQUEST', message: 'Invalid parameter: max_tokens' }, 400),
    );
    const model = new ChatDatabricks({
      model: ENDPOINT,
      endpointApi: 'chat-completions',
      maxRetries: 3,
      ...authFor(mock.fetch),
    });
    const error = await model.invoke('x').catch((e: unknown) => e);
    expect(DatabricksServingError.isInstance(error)).toBe(true);
    expect(error).toMatchObject({
      status: 400,
      statusCode: 400,
      error_code: 'BAD_REQUEST',
      endpoint: ENDPOINT,
    });
    expect((error as Error).message).toMatch(/Invalid parameter: max_tokens/);
    expect(mock.invocations()).toHaveLength(1);
  });

  it.each([
    [401, 'MODEL_AUTHENTICATION', { error_code: 'UNAUTHENTICATED', message: 'bad token' }],
    [403, 'MODEL_AUTHENTICATION', { error_code: 'PERMISSION_DENIED', message: 'no CAN_QUERY' }],
    [
      404,
      'MODEL_NOT_FOUND',
      { error_code: 'RESOURCE_DOES_NOT_EXIST', message: 'no such endpoint' },
    ],
  ])('%i → lc_error_code %s, not retried', async (status, code, body) => {
    const mock = mockFetch(() => json(body, status));
    const model = new ChatDatabricks({
      model: ENDPOINT,
      endpointApi: 'chat-completions',
      maxRetries: 3,
      ...authFor(mock.fetch),
    });
    const error = await model.invoke('x').catch((e: unknown) => e);
    expect(error).toMatchObject({ status, lc_error_code: code });
    // 401/403 get one immediate replay with a refreshed token inside core; never a backoff retry.
    expect(mock.invocations().length).toBeLessThanOrEqual(2);
  });

  it('429 with Retry-After is retried by AsyncCaller and then succeeds', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    const mock = mockFetch((_req, index) =>
      index < 2
        ? json({ error_code: 'REQUEST_LIMIT_EXCEEDED', message: 'rate limit' }, 429, {
            'retry-after': '0',
          })
        : json(chatCompletion({ content: 'finally' })),
    );
    const model = new ChatDatabricks({
      model: ENDPOINT,
      endpointApi: 'chat-completions',
      maxRetries: 3,
      ...authFor(mock.fetch),
    });
    const reply = model.invoke('x');
    await vi.runAllTimersAsync();
    await expect(reply).resolves.toMatchObject({ content: 'finally' });
    expect(mock.invocations()).toHaveLength(3);
  });

  it('honours a Retry-After longer than the default backoff', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    const mock = mockFetch((_req, index) =>
      index === 0
        ? json({ error_code: 'REQUEST_LIMIT_EXCEEDED', message: 'slow down' }, 429, {
            'retry-after': '3',
          })
        : json(chatCompletion({ content: 'ok' })),
    );
    const model = new ChatDatabricks({
      model: ENDPOINT,
      endpointApi: 'chat-completions',
      maxRetries: 2,
      ...authFor(mock.fetch),
    });
    const reply = model.invoke('x');
    // The backoff alone would wait at most 500 ms here: the 3 s wait comes from Retry-After.
    await vi.advanceTimersByTimeAsync(2_999);
    expect(mock.invocations()).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(1);
    await expect(reply).resolves.toMatchObject({ content: 'ok' });
    expect(mock.invocations()).toHaveLength(2);
  });

  it('429 exhausts maxRetries and surfaces MODEL_RATE_LIMIT', async () => {
    const mock = mockFetch(() =>
      json({ error_code: 'REQUEST_LIMIT_EXCEEDED', message: 'rate limit' }, 429, {
        'retry-after': '0',
      }),
    );
    const model = new ChatDatabricks({
      model: ENDPOINT,
      endpointApi: 'chat-completions',
      maxRetries: 1,
      ...authFor(mock.fetch),
    });
    const error = await model.invoke('x').catch((e: unknown) => e);
    expect(error).toMatchObject({
      status: 429,
      lc_error_code: 'MODEL_RATE_LIMIT',
      retryable: true,
    });
    expect(mock.invocations()).toHaveLength(2);
  });

  it('503 is retried', async () => {
    const mock = mockFetch((_req, index) =>
      index === 0
        ? json({ error_code: 'TEMPORARILY_UNAVAILABLE', message: 'scaling from zero' }, 503)
        : json(chatCompletion({ content: 'up' })),
    );
    const model = new ChatDatabricks({
      model: ENDPOINT,
      endpointApi: 'chat-completions',
      maxRetries: 2,
      ...authFor(mock.fetch),
    });
    await expect(model.invoke('x')).resolves.toMatchObject({ content: 'up' });
    expect(mock.invocations()).toHaveLength(2);
  });

  it('core does not retry on its own (retry: false): maxRetries 0 means one request', async () => {
    const mock = mockFetch(() => json({ message: 'busy' }, 503));
    const model = new ChatDatabricks({
      model: ENDPOINT,
      endpointApi: 'chat-completions',
      maxRetries: 0,
      ...authFor(mock.fetch),
    });
    await expect(model.invoke('x')).rejects.toMatchObject({ status: 503 });
    expect(mock.invocations()).toHaveLength(1);
  });
});

describe('abort', () => {
  it('aborts a pending invoke', async () => {
    let reached!: () => void;
    const requestSent = new Promise<void>((resolve) => {
      reached = resolve;
    });
    const mock = mockFetch(() => {
      reached();
      return new Promise<Response>(() => {
        // never answers
      });
    });
    const model = new ChatDatabricks({
      model: ENDPOINT,
      endpointApi: 'chat-completions',
      maxRetries: 0,
      ...authFor(mock.fetch),
    });
    const controller = new AbortController();
    const pending = model.invoke('x', { signal: controller.signal });
    await requestSent;
    controller.abort();
    await expect(pending).rejects.toThrow(/abort/i);
  });

  it('aborts a stream in the middle', async () => {
    const { model } = chatWith(() => hangingSse([deltaChunk({ content: 'first' })]));
    const controller = new AbortController();
    const seen: string[] = [];
    const consume = async () => {
      for await (const chunk of await model.stream('x', { signal: controller.signal })) {
        seen.push(String(chunk.content));
        controller.abort();
      }
    };
    await expect(consume()).rejects.toThrow(/abort/i);
    expect(seen).toEqual(['first']);
  });
});

describe('options and serialisation', () => {
  it('validates options at construction, naming the option', () => {
    expect(() => new ChatDatabricks({ model: ENDPOINT, temperature: -1 })).toThrow(/"temperature"/);
    expect(() => new ChatDatabricks({ model: ENDPOINT, maxTokens: 1.5 })).toThrow(/"maxTokens"/);
    expect(() => new ChatDatabricks({})).toThrow(
      /"model" \(the serving endpoint name\) is required/,
    );
  });

  it('never serialises secrets', () => {
    const fetch = vi.fn();
    const model = new ChatDatabricks({
      model: ENDPOINT,
      host: 'https://h.cloud.databricks.com',
      token: TOKEN,
      clientId: 'sp-id',
      clientSecret: 'sp-super-secret',
      fetch,
      temperature: 0.1,
    });
    const text = JSON.stringify(model);
    expect(text).not.toContain(TOKEN);
    expect(text).not.toContain('sp-super-secret');
    expect(text).toContain('DATABRICKS_TOKEN');
    expect(text).toContain('DATABRICKS_CLIENT_SECRET');
    expect(text).toContain(ENDPOINT);
    const json = model.toJSON() as { kwargs: Record<string, unknown> };
    expect(json.kwargs.temperature).toBe(0.1);
    expect(json.kwargs).not.toHaveProperty('fetch');
  });

  it('resolves auth lazily through core: missing host names the option', async () => {
    const model = new ChatDatabricks({ model: ENDPOINT, env: {}, maxRetries: 0 });
    await expect(model.invoke('x')).rejects.toThrow(/host/i);
  });
});
