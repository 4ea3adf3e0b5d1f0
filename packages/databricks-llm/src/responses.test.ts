/**
 * The Responses API and agent protocols, offline: request shapes (with the three bugs of
 * Python's `ChatDatabricks(use_responses_api=True)` as regression tests), answers, streams with
 * usage counted once, agent endpoints detected from their task, AI Gateway routes and apps.
 */
import {
  AIMessage,
  type AIMessageChunk,
  HumanMessage,
  SystemMessage,
  ToolMessage,
} from '@langchain/core/messages';
import { tool } from '@langchain/core/tools';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { ChatDatabricks, DatabricksContentBlockError, DatabricksServingError } from './index.js';
import { convertMessagesToResponsesInput, itemId } from './responses.js';
import { authFor, bodyAt, json, mockFetch, sse } from './testing/helpers.js';

const weather = tool(async ({ city }) => `sunny in ${city}`, {
  name: 'get_weather',
  description: 'Current weather',
  schema: z.object({ city: z.string() }),
});

function describeEndpoint(name: string, task: string) {
  return json({
    name,
    task,
    endpoint_type: task.startsWith('agent/') ? 'CUSTOM_MODEL' : 'FOUNDATION_MODEL_API',
  });
}

/** A model whose endpoint has `task`; `answer` serves the POSTs. */
function modelFor(
  task: string,
  answer: Parameters<typeof mockFetch>[0],
  extra: Record<string, unknown> = {},
) {
  const mock = mockFetch((request, index) =>
    request.method === 'GET' ? describeEndpoint('ep', task) : answer(request, index),
  );
  const model = new ChatDatabricks({
    model: 'ep',
    maxRetries: 0,
    ...authFor(mock.fetch),
    ...extra,
  });
  return { model, ...mock };
}

const completed = (
  output: unknown[],
  usage = { input_tokens: 12, output_tokens: 7, total_tokens: 19 },
) => ({
  id: 'resp_1',
  object: 'response',
  created_at: 1,
  model: 'gpt-oss-120b',
  status: 'completed',
  output,
  usage: {
    ...usage,
    input_tokens_details: { cached_tokens: 2 },
    output_tokens_details: { reasoning_tokens: 3 },
  },
});

const message = (text: string, id = 'msg_1') => ({
  type: 'message',
  id,
  role: 'assistant',
  status: 'completed',
  content: [{ type: 'output_text', text, annotations: [] }],
});

describe('Responses API requests', () => {
  it('multi-block system and user content uses input_text, never text (Python issue #368)', () => {
    const input = convertMessagesToResponsesInput([
      new SystemMessage({
        content: [
          { type: 'text', text: 'You are terse.' },
          { type: 'text', text: 'Answer in English.' },
        ],
      }),
      new HumanMessage({
        content: [
          { type: 'text', text: 'Describe' },
          { type: 'image_url', image_url: { url: 'https://example.com/a.png', detail: 'low' } },
        ],
      }),
    ]);
    expect(input).toEqual([
      {
        role: 'system',
        content: [
          { type: 'input_text', text: 'You are terse.' },
          { type: 'input_text', text: 'Answer in English.' },
        ],
      },
      {
        role: 'user',
        content: [
          { type: 'input_text', text: 'Describe' },
          { type: 'input_image', image_url: 'https://example.com/a.png', detail: 'low' },
        ],
      },
    ]);
    expect(JSON.stringify(input)).not.toContain('"type":"text"');
  });

  it('a tool-call turn sends no empty text block (Python PR #333: Claude answers 400)', () => {
    const input = convertMessagesToResponsesInput([
      new HumanMessage('Weather in Rome?'),
      new AIMessage({
        content: [{ type: 'text', text: '' }],
        tool_calls: [{ id: 'call_1', name: 'get_weather', args: { city: 'Rome' } }],
      }),
      new ToolMessage({ content: 'sunny', tool_call_id: 'call_1' }),
      new AIMessage({ content: '', tool_calls: [{ id: 'call_2', name: 'get_weather', args: {} }] }),
    ]);
    expect(input).toEqual([
      { role: 'user', content: 'Weather in Rome?' },
      {
        type: 'function_call',
        call_id: 'call_1',
        name: 'get_weather',
        arguments: '{"city":"Rome"}',
      },
      { type: 'function_call_output', call_id: 'call_1', output: 'sunny' },
      { type: 'function_call', call_id: 'call_2', name: 'get_weather', arguments: '{}' },
    ]);
    expect(JSON.stringify(input)).not.toMatch(/"text":""/);
  });

  it('passes reasoning items, message ids and function-call item ids back as they came', () => {
    const reply = new AIMessage({
      content: [
        {
          type: 'reasoning',
          id: 'rs_1',
          reasoning: 'think',
          summary: [{ type: 'summary_text', text: 'think' }],
        },
        { type: 'text', text: 'Checking.', id: 'msg_9', annotations: [] },
      ],
      tool_calls: [{ id: 'call_1', name: 'get_weather', args: { city: 'Oslo' } }],
      additional_kwargs: { function_call_ids: { call_1: 'fc_77' } },
    });
    expect(convertMessagesToResponsesInput([reply])).toEqual([
      { type: 'reasoning', id: 'rs_1', summary: [{ type: 'summary_text', text: 'think' }] },
      {
        type: 'message',
        role: 'assistant',
        id: 'msg_9',
        content: [{ type: 'output_text', text: 'Checking.', annotations: [] }],
      },
      {
        type: 'function_call',
        id: 'fc_77',
        call_id: 'call_1',
        name: 'get_weather',
        arguments: '{"city":"Oslo"}',
      },
    ]);
  });

  it('ids get the msg_ / fc_ prefix and at most 64 characters', () => {
    expect(itemId('msg_', 'abc')).toBe('msg_abc');
    expect(itemId('fc_', 'fc_x')).toBe('fc_x');
    expect(itemId('msg_', 'x'.repeat(100))).toHaveLength(64);
    const [item] = convertMessagesToResponsesInput([
      new AIMessage({ content: 'hi', id: 'run-'.padEnd(90, 'z') }),
    ]);
    expect(item).toMatchObject({ type: 'message', id: expect.stringMatching(/^msg_run-z+$/) });
    expect(String((item as { id: string }).id)).toHaveLength(64);
  });

  it('audio is refused before anything is sent', () => {
    expect(() =>
      convertMessagesToResponsesInput([
        new HumanMessage({
          content: [
            {
              type: 'audio',
              source_type: 'base64',
              data: 'UklGRigAAABXQVZF',
              mime_type: 'audio/wav',
            },
          ],
        }),
      ]),
    ).toThrow(DatabricksContentBlockError);
  });

  it('POSTs /serving-endpoints/responses with the endpoint as model, flat tools and text.format', async () => {
    const { model, invocations } = modelFor('llm/v1/chat', () => json(completed([message('ok')])), {
      useResponsesApi: true,
      temperature: 0.3,
      maxTokens: 50,
    });
    await model
      .bindTools([weather], { tool_choice: 'get_weather' })
      .invoke('hi', { customInputs: { user: 'u1' } });
    const [call] = invocations();
    expect(call?.path).toBe('/serving-endpoints/responses');
    expect(call?.body).toEqual({
      model: 'ep',
      input: [{ role: 'user', content: 'hi' }],
      temperature: 0.3,
      max_output_tokens: 50,
      tools: [
        {
          type: 'function',
          name: 'get_weather',
          description: 'Current weather',
          parameters: expect.objectContaining({ type: 'object' }),
        },
      ],
      tool_choice: { type: 'function', name: 'get_weather' },
      custom_inputs: { user: 'u1' },
    });
    await model
      .withStructuredOutput(z.object({ answer: z.string() }), {
        method: 'jsonSchema',
        name: 'reply',
      })
      .invoke('x')
      .catch(() => undefined);
    expect(bodyAt<{ text: unknown }>(invocations(), 1).text).toEqual({
      format: {
        type: 'json_schema',
        name: 'reply',
        schema: expect.objectContaining({ type: 'object' }),
        strict: true,
      },
    });
  });

  it('stop and n > 1 fail with the option named (the Responses API has neither)', async () => {
    const { model } = modelFor('llm/v1/chat', () => json(completed([message('ok')])), {
      useResponsesApi: true,
    });
    await expect(model.invoke('x', { stop: ['END'] })).rejects.toMatchObject({ option: 'stop' });
  });
});

describe('Responses API answers', () => {
  it('output items become content blocks, tool calls and usage', async () => {
    const { model } = modelFor(
      'llm/v1/chat',
      () =>
        json(
          completed([
            {
              type: 'reasoning',
              id: 'rs_1',
              summary: [{ type: 'summary_text', text: 'Need weather.' }],
            },
            message('Let me check.'),
            {
              type: 'function_call',
              id: 'fc_1',
              call_id: 'call_1',
              name: 'get_weather',
              arguments: '{"city":"Rome"}',
            },
            {
              type: 'function_call',
              id: 'fc_2',
              call_id: 'call_2',
              name: 'get_weather',
              arguments: '{bad',
            },
          ]),
        ),
      { useResponsesApi: true },
    );
    const reply = await model.invoke('weather?');
    expect(reply.content).toEqual([
      {
        type: 'reasoning',
        id: 'rs_1',
        summary: [{ type: 'summary_text', text: 'Need weather.' }],
        reasoning: 'Need weather.',
      },
      { type: 'text', text: 'Let me check.', annotations: [], id: 'msg_1' },
    ]);
    expect(reply.text).toBe('Let me check.');
    expect(reply.tool_calls).toEqual([
      { id: 'call_1', name: 'get_weather', args: { city: 'Rome' }, type: 'tool_call' },
    ]);
    expect(reply.invalid_tool_calls).toHaveLength(1);
    expect(reply.additional_kwargs.function_call_ids).toEqual({ call_1: 'fc_1', call_2: 'fc_2' });
    expect(reply.usage_metadata).toEqual({
      input_tokens: 12,
      output_tokens: 7,
      total_tokens: 19,
      input_token_details: { cache_read: 2 },
      output_token_details: { reasoning: 3 },
    });
    expect(reply.response_metadata).toMatchObject({
      id: 'resp_1',
      model_name: 'gpt-oss-120b',
      finish_reason: 'tool_calls',
      model_provider: 'databricks',
    });
  });

  it('a failed response is a typed error', async () => {
    const { model } = modelFor(
      'llm/v1/chat',
      () =>
        json({
          ...completed([]),
          status: 'failed',
          error: { code: 'server_error', message: 'boom' },
        }),
      { useResponsesApi: true },
    );
    const error = await model.invoke('x').catch((caught: unknown) => caught);
    expect(DatabricksServingError.isInstance(error)).toBe(true);
    expect(error).toMatchObject({ kind: 'response_failed', errorCode: 'server_error' });
  });
});

/** An OpenAI-style Responses stream: text in deltas, a function call with argument deltas. */
function openAiStream() {
  return [
    {
      type: 'response.created',
      response: { id: 'resp_s', model: 'gpt-oss-120b', status: 'in_progress', output: [] },
    },
    {
      type: 'response.output_item.added',
      output_index: 0,
      item: { type: 'message', id: 'msg_s', role: 'assistant', content: [] },
    },
    {
      type: 'response.output_text.delta',
      output_index: 0,
      item_id: 'msg_s',
      content_index: 0,
      delta: 'Checking ',
    },
    {
      type: 'response.output_text.delta',
      output_index: 0,
      item_id: 'msg_s',
      content_index: 0,
      delta: 'Rome.',
    },
    {
      type: 'response.output_item.done',
      output_index: 0,
      item: message('Checking Rome.', 'msg_s'),
    },
    {
      type: 'response.output_item.added',
      output_index: 1,
      item: {
        type: 'function_call',
        id: 'fc_s',
        call_id: 'call_s',
        name: 'get_weather',
        arguments: '',
      },
    },
    {
      type: 'response.function_call_arguments.delta',
      output_index: 1,
      item_id: 'fc_s',
      delta: '{"city":',
    },
    {
      type: 'response.function_call_arguments.delta',
      output_index: 1,
      item_id: 'fc_s',
      delta: '"Rome"}',
    },
    {
      type: 'response.output_item.done',
      output_index: 1,
      item: {
        type: 'function_call',
        id: 'fc_s',
        call_id: 'call_s',
        name: 'get_weather',
        arguments: '{"city":"Rome"}',
      },
    },
    {
      type: 'response.completed',
      response: completed([
        message('Checking Rome.', 'msg_s'),
        {
          type: 'function_call',
          id: 'fc_s',
          call_id: 'call_s',
          name: 'get_weather',
          arguments: '{"city":"Rome"}',
        },
      ]),
    },
  ];
}

async function collect(stream: AsyncIterable<AIMessageChunk>) {
  const chunks: AIMessageChunk[] = [];
  for await (const chunk of stream) chunks.push(chunk);
  return { chunks, merged: chunks.reduce((a, b) => a.concat(b)) };
}

describe('Responses API streams', () => {
  it('text deltas, tool-call chunks as arguments arrive, usage once (Python issue #434)', async () => {
    const { model, invocations } = modelFor('llm/v1/chat', () => sse(openAiStream()), {
      useResponsesApi: true,
    });
    const { chunks, merged } = await collect(await model.bindTools([weather]).stream('x'));
    expect(bodyAt(invocations())).toMatchObject({ stream: true });
    expect(chunks.map((chunk) => chunk.text).filter(Boolean)).toEqual(['Checking ', 'Rome.']);
    expect(chunks.filter((chunk) => chunk.tool_call_chunks?.length).length).toBeGreaterThanOrEqual(
      3,
    );
    expect(chunks.filter((chunk) => chunk.usage_metadata)).toHaveLength(1);
    expect(merged.text).toBe('Checking Rome.');
    expect(merged.tool_calls).toEqual([
      { id: 'call_s', name: 'get_weather', args: { city: 'Rome' }, type: 'tool_call' },
    ]);
    expect(merged.usage_metadata).toMatchObject({
      input_tokens: 12,
      output_tokens: 7,
      total_tokens: 19,
    });
    expect(merged.response_metadata).toMatchObject({
      finish_reason: 'tool_calls',
      model_name: 'gpt-oss-120b',
    });
    expect(merged.additional_kwargs.function_call_ids).toEqual({ call_s: 'fc_s' });
    // The merged chunk goes back as the next turn's history.
    expect(convertMessagesToResponsesInput([merged])).toEqual([
      expect.objectContaining({ type: 'message', id: 'msg_s' }),
      {
        type: 'function_call',
        id: 'fc_s',
        call_id: 'call_s',
        name: 'get_weather',
        arguments: '{"city":"Rome"}',
      },
    ]);
  });

  it('an MLflow agent that repeats the text in output_item.done is not read twice', async () => {
    const { model } = modelFor('agent/v1/responses', () =>
      sse([
        { type: 'response.output_text.delta', item_id: 'm1', delta: 'Hello ' },
        { type: 'response.output_text.delta', item_id: 'm1', delta: 'world' },
        { type: 'response.output_item.done', item: message('Hello world', 'm1') },
        {
          type: 'response.output_item.done',
          item: { type: 'function_call', id: 'f1', call_id: 'c1', name: 'lookup', arguments: '{}' },
        },
        {
          type: 'response.output_item.done',
          item: { type: 'function_call_output', call_id: 'c1', output: '42' },
        },
        { type: 'response.output_item.done', item: message('It is 42.', 'm2') },
        { trace_id: 'tr-abc' },
      ]),
    );
    const { merged } = await collect(await model.stream('x'));
    expect(merged.text).toBe('Hello worldIt is 42.');
    // The agent ran lookup itself: not a call for the caller.
    expect(merged.tool_calls).toEqual([]);
    expect(merged.content).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ type: 'function_call', call_id: 'c1' }),
        expect.objectContaining({ type: 'function_call_output', call_id: 'c1', output: '42' }),
      ]),
    );
    expect(merged.response_metadata.trace_id).toBe('tr-abc');
  });

  it('an error event is a typed error; a stream cut before response.completed is incomplete', async () => {
    const failing = modelFor(
      'llm/v1/chat',
      () => sse([{ type: 'error', code: 'rate_limit', message: 'slow down' }]),
      { useResponsesApi: true },
    );
    const read = async (model: ChatDatabricks) => collect(await model.stream('x'));
    await expect(read(failing.model)).rejects.toMatchObject({
      kind: 'response_failed',
      errorCode: 'rate_limit',
    });
    const cut = modelFor('llm/v1/chat', () => sse(openAiStream().slice(0, 4), { done: false }), {
      useResponsesApi: true,
    });
    await expect(read(cut.model)).rejects.toMatchObject({
      kind: 'stream_incomplete',
    });
  });
});

describe('agent endpoints', () => {
  it('a ResponsesAgent (task agent/v1/responses) gets Responses requests on its invocations URL', async () => {
    const { model, calls } = modelFor('agent/v1/responses', () =>
      json({
        ...completed([message('Hi from the agent')]),
        custom_outputs: { thread: 't1' },
        databricks_output: { trace: { info: { trace_id: 'tr-1' } } },
      }),
    );
    const reply = await model.invoke('Hello', { customInputs: { session: 's' } });
    expect(calls.map((call) => `${call.method} ${call.path}`)).toEqual([
      'GET /api/2.0/serving-endpoints/ep',
      'POST /serving-endpoints/ep/invocations',
    ]);
    expect(bodyAt(calls, 1)).toEqual({
      input: [{ role: 'user', content: 'Hello' }],
      custom_inputs: { session: 's' },
    });
    expect(reply.text).toBe('Hi from the agent');
    expect(reply.response_metadata.custom_outputs).toEqual({ thread: 't1' });
    expect(reply.response_metadata.databricks_output).toEqual({
      trace: { info: { trace_id: 'tr-1' } },
    });
    // The task is read once per model.
    await model.invoke('again');
    expect(calls.filter((call) => call.method === 'GET')).toHaveLength(1);
  });

  it('a ChatAgent (task agent/v2/chat): its own tool calls stay in its turn, text is joined', async () => {
    const turn = [
      {
        role: 'assistant',
        content: 'Looking it up.',
        id: 'a1',
        tool_calls: [{ id: 't1', type: 'function', function: { name: 'lookup', arguments: '{}' } }],
      },
      { role: 'tool', content: '42', name: 'lookup', tool_call_id: 't1', id: 'a2' },
      { role: 'assistant', content: 'The answer is 42.', id: 'a3' },
    ];
    const { model, invocations } = modelFor(
      'agent/v2/chat',
      () =>
        json({
          messages: turn,
          custom_outputs: { k: 1 },
          usage: { prompt_tokens: 4, completion_tokens: 6, total_tokens: 10 },
        }),
      { temperature: 0.5 },
    );
    const reply = await model.invoke([new HumanMessage('q')], { customInputs: { a: 1 } });
    expect(bodyAt(invocations())).toEqual({
      messages: [{ role: 'user', content: 'q' }],
      custom_inputs: { a: 1 },
    });
    expect(reply.content).toBe('Looking it up.\n\nThe answer is 42.');
    expect(reply.tool_calls).toEqual([]);
    expect(reply.usage_metadata?.total_tokens).toBe(10);
    expect(reply.additional_kwargs.custom_outputs).toEqual({ k: 1 });
    // Next turn: the agent's own messages go back as they came.
    await model.invoke([new HumanMessage('q'), reply, new HumanMessage('and?')]);
    expect(bodyAt<{ messages: unknown[] }>(invocations(), 1).messages).toEqual([
      { role: 'user', content: 'q' },
      ...turn,
      { role: 'user', content: 'and?' },
    ]);
    await expect(model.bindTools([weather]).invoke('x')).rejects.toMatchObject({ option: 'tools' });
  });

  it('a ChatAgent stream: delta chunks by id, usage and custom outputs once at the end', async () => {
    const { model } = modelFor('agent/v2/chat', () =>
      sse(
        [
          { delta: { role: 'assistant', content: 'Hel', id: 'x1' } },
          {
            delta: { role: 'assistant', content: 'lo', id: 'x1' },
            usage: { prompt_tokens: 3, completion_tokens: 1, total_tokens: 4 },
          },
          {
            delta: { role: 'assistant', content: 'Bye', id: 'x2' },
            usage: { prompt_tokens: 3, completion_tokens: 2, total_tokens: 5 },
          },
          {
            delta: { role: 'assistant', content: '', id: 'x2' },
            finish_reason: 'stop',
            custom_outputs: { n: 2 },
          },
        ],
        { done: false },
      ),
    );
    const { chunks, merged } = await collect(await model.stream('x'));
    expect(merged.text).toBe('Hello\n\nBye');
    expect(chunks.filter((chunk) => chunk.usage_metadata)).toHaveLength(1);
    expect(merged.usage_metadata?.total_tokens).toBe(5);
    expect(merged.response_metadata.custom_outputs).toEqual({ n: 2 });
  });

  it('endpointApi skips the metadata lookup', async () => {
    const mock = mockFetch(() => json(completed([message('direct')])));
    const model = new ChatDatabricks({
      model: 'ep',
      endpointApi: 'responses-agent',
      maxRetries: 0,
      ...authFor(mock.fetch),
    });
    expect((await model.invoke('x')).text).toBe('direct');
    expect(mock.calls.map((call) => call.method)).toEqual(['POST']);
  });
});

describe('AI Gateway and apps', () => {
  it('useAiGateway and useAiGatewayNativeApi use the gateway routes (Python base URLs)', async () => {
    const mock = mockFetch((request) =>
      request.path.endsWith('/responses')
        ? json(completed([message('gw')]))
        : json({
            choices: [
              { index: 0, message: { role: 'assistant', content: 'gw' }, finish_reason: 'stop' },
            ],
          }),
    );
    const auth = { maxRetries: 0, ...authFor(mock.fetch) };
    await new ChatDatabricks({ model: 'route-a', useAiGateway: true, ...auth }).invoke('x');
    await new ChatDatabricks({
      model: 'route-b',
      useAiGateway: true,
      useResponsesApi: true,
      ...auth,
    }).invoke('x');
    await new ChatDatabricks({ model: 'route-c', useAiGatewayNativeApi: true, ...auth }).invoke(
      'x',
    );
    expect(mock.calls.map((call) => [call.path, (call.body as { model?: string }).model])).toEqual([
      ['/ai-gateway/mlflow/v1/chat/completions', 'route-a'],
      ['/ai-gateway/mlflow/v1/responses', 'route-b'],
      ['/ai-gateway/openai/v1/chat/completions', 'route-c'],
    ]);
    expect(
      () =>
        new ChatDatabricks({
          model: 'r',
          useAiGateway: true,
          useAiGatewayNativeApi: true,
          ...auth,
        }),
    ).toThrow(/either/);
  });

  it('model "apps/<name>" posts to the app URL with OAuth, and refuses a personal access token', async () => {
    const mock = mockFetch((request) => {
      if (request.path === '/oidc/.well-known/oauth-authorization-server')
        return json({ token_endpoint: 'https://adb-1234.5.azuredatabricks.net/oidc/v1/token' });
      if (request.path === '/oidc/v1/token')
        return json({ access_token: 'oauth-token-1', token_type: 'Bearer', expires_in: 3600 });
      if (request.path === '/api/2.0/apps/my-agent')
        return json({ name: 'my-agent', url: 'https://my-agent-1234.aws.databricksapps.com' });
      return json(completed([message('from the app')]));
    });
    const oauth = {
      host: 'https://adb-1234.5.azuredatabricks.net',
      clientId: 'sp',
      clientSecret: 'sp-secret',
      fetch: mock.fetch,
      env: {},
    };
    const model = new ChatDatabricks({ model: 'apps/my-agent', maxRetries: 0, ...oauth });
    expect((await model.invoke('hi')).text).toBe('from the app');
    const post = mock.calls.find(
      (call) => call.method === 'POST' && call.url.includes('databricksapps'),
    );
    expect(post?.url).toBe('https://my-agent-1234.aws.databricksapps.com/responses');
    expect(post?.headers.authorization).toBe('Bearer oauth-token-1');
    expect(post?.body).toEqual({ input: [{ role: 'user', content: 'hi' }] });
    await model.close();

    const withPat = new ChatDatabricks({
      model: 'apps/my-agent',
      maxRetries: 0,
      ...authFor(mock.fetch),
    });
    await expect(withPat.invoke('hi')).rejects.toThrow(/OAuth tokens only/);
  });
});
