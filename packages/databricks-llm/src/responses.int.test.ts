/**
 * LangChain's chat-model conventions on both Databricks APIs, chat completions and the Responses
 * API, against the local workspace's endpoints (whose validation rejects what Databricks rejects),
 * then agent endpoints (ResponsesAgent, ChatAgent) found from their task, and AI Gateway routes.
 * The three bugs of Python's `ChatDatabricks(use_responses_api=True)` are regression tests here
 * against the endpoint's own checks.
 */
import {
  type LocalWorkspace,
  scriptedChat,
  scriptedChatAgent,
  scriptedResponses,
  startLocalWorkspace,
} from '@lakechain/local-workspace';
import {
  AIMessage,
  AIMessageChunk,
  HumanMessage,
  SystemMessage,
  ToolMessage,
} from '@langchain/core/messages';
import { tool } from '@langchain/core/tools';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { ChatDatabricks } from './index.js';
import { bodyAt } from './testing/helpers.js';

let ws: LocalWorkspace;

const adder = tool(async ({ a, b }) => String(a + b), {
  name: 'add',
  description: 'Add two numbers',
  schema: z.object({ a: z.number(), b: z.number() }),
});

function lastText(messages: { role: string; content?: unknown }[]): string {
  const last = messages[messages.length - 1];
  if (typeof last?.content === 'string') return last.content;
  return JSON.stringify(last?.content ?? '');
}

/** One script for both APIs: the endpoint answers chat completions and the Responses API. */
const script = scriptedChat((messages, body) => {
  const text = lastText(messages);
  if (messages[messages.length - 1]?.role === 'tool') return `result is ${text}`;
  const tools = Array.isArray(body.tools) ? (body.tools as { function: { name: string } }[]) : [];
  if (tools.length > 0 && /parallel/.test(text))
    return {
      toolCalls: [
        { name: 'add', arguments: { a: 1, b: 2 } },
        { name: 'add', arguments: { a: 3, b: 4 } },
      ],
    };
  if (tools[0]?.function.name === 'add')
    return { toolCalls: [{ name: 'add', arguments: { a: 2, b: 3 } }] };
  if (tools[0])
    return {
      toolCalls: [
        { name: tools[0].function.name, arguments: { setup: 'Why?', punchline: 'Because.' } },
      ],
    };
  const format = body.response_format as { type?: string } | undefined;
  if (format?.type === 'json_schema')
    return JSON.stringify({ setup: 'Why?', punchline: 'Because.' });
  return `Echo: ${text}`;
});

beforeAll(async () => {
  ws = await startLocalWorkspace({
    catalog: { samples: false },
    serving: {
      endpoints: [
        { name: 'fm', task: 'llm/v1/chat', handler: script },
        { name: 'databricks-claude-sonnet-4', task: 'llm/v1/chat', handler: script },
        {
          name: 'support-agent',
          task: 'agent/v1/responses',
          handler: scriptedResponses(
            (input, body) => ({
              steps: [
                { name: 'search_docs', arguments: { q: 'delta' }, output: 'Delta Lake docs' },
              ],
              content: `Agent saw ${input.length} items.`,
              customOutputs: { user: (body.custom_inputs as { user?: string })?.user ?? null },
              usage: false,
            }),
            { eventStyle: 'mlflow' },
          ),
        },
        {
          name: 'chat-agent',
          task: 'agent/v2/chat',
          handler: scriptedChatAgent((messages) => ({
            steps: [{ name: 'lookup', arguments: {}, output: 'found' }],
            content: `Agent read ${messages.length} messages.`,
            customOutputs: { turns: messages.length },
          })),
        },
      ],
    },
  });
}, 120_000);

afterAll(async () => {
  await ws?.stop();
});

const auth = () => ({ host: ws.host, token: ws.token, caCert: ws.caCert, env: {} });

describe.each([
  ['chat completions', false],
  ['the Responses API', true],
])('LangChain conventions on %s', (_label, useResponsesApi) => {
  const model = (extra: Record<string, unknown> = {}) =>
    new ChatDatabricks({ model: 'fm', maxRetries: 0, useResponsesApi, ...auth(), ...extra });
  const lastRequest = () => ws.serving.requestsFor('fm').at(-1);

  it('invoke, batch and a conversation', async () => {
    expect((await model().invoke('Hello')).text).toBe('Echo: Hello');
    expect((await model().batch(['a', 'b'])).map((reply) => reply.text)).toEqual([
      'Echo: a',
      'Echo: b',
    ]);
    const reply = await model().invoke([
      new SystemMessage({
        content: [
          { type: 'text', text: 'Be nice.' },
          { type: 'text', text: 'Be brief.' },
        ],
      }),
      new HumanMessage('hello'),
      new AIMessage('hi there'),
      new HumanMessage('how are you'),
    ]);
    expect(reply.text).toBe('Echo: how are you');
    expect(lastRequest()?.api).toBe(useResponsesApi ? 'responses' : 'invocations');
  });

  it('streams chunks that add up to the answer, with usage once and equal to invoke', async () => {
    const reply = await model().invoke('count me');
    const chunks: AIMessageChunk[] = [];
    for await (const chunk of await model().stream('count me')) chunks.push(chunk);
    expect(chunks.length).toBeGreaterThan(2);
    expect(chunks.every((chunk) => AIMessageChunk.isInstance(chunk))).toBe(true);
    const merged = chunks.reduce((a, b) => a.concat(b));
    expect(merged.text).toBe('Echo: count me');
    expect(chunks.filter((chunk) => chunk.usage_metadata)).toHaveLength(1);
    const counts = (usage?: {
      input_tokens: number;
      output_tokens: number;
      total_tokens: number;
    }) => [usage?.input_tokens, usage?.output_tokens, usage?.total_tokens];
    expect(counts(merged.usage_metadata)).toEqual(counts(reply.usage_metadata));
    expect(reply.usage_metadata?.input_tokens).toBeGreaterThan(0);
    expect(merged.response_metadata.model_name).toBe('fm');
  });

  it('tool calls, a tool-result turn, parallel calls', async () => {
    const first = await model().bindTools([adder]).invoke('what is 2 + 3?');
    expect(first.tool_calls).toEqual([
      { id: expect.any(String), name: 'add', args: { a: 2, b: 3 }, type: 'tool_call' },
    ]);
    const result = await adder.invoke(first.tool_calls?.[0] as never);
    const second = await model()
      .bindTools([adder])
      .invoke([new HumanMessage('what is 2 + 3?'), first, result as ToolMessage]);
    expect(second.text).toBe('result is 5');
    const parallel = await model().bindTools([adder]).invoke('parallel please');
    expect(parallel.tool_calls?.map((call) => call.args)).toEqual([
      { a: 1, b: 2 },
      { a: 3, b: 4 },
    ]);
  });

  it('streaming with tool-call chunks assembles the calls', async () => {
    let merged: AIMessageChunk | undefined;
    let sawToolCallChunks = false;
    for await (const chunk of await model().bindTools([adder]).stream('add things')) {
      if ((chunk.tool_call_chunks ?? []).length > 0) sawToolCallChunks = true;
      merged = merged ? merged.concat(chunk) : chunk;
    }
    expect(sawToolCallChunks).toBe(true);
    expect(merged?.tool_calls?.[0]).toMatchObject({ name: 'add', args: { a: 2, b: 3 } });
    expect(merged?.response_metadata.finish_reason).toBe('tool_calls');
    // The streamed message goes back as history, and the endpoint accepts it.
    const next = await model()
      .bindTools([adder])
      .invoke([
        new HumanMessage('add things'),
        merged as AIMessageChunk,
        new ToolMessage({ content: '5', tool_call_id: merged?.tool_calls?.[0]?.id ?? '' }),
      ]);
    expect(next.text).toBe('result is 5');
  });

  it('structured output by tool calling and by JSON schema', async () => {
    const Joke = z.object({ setup: z.string(), punchline: z.string() });
    const expected = { setup: 'Why?', punchline: 'Because.' };
    expect(await model().withStructuredOutput(Joke, { name: 'Joke' }).invoke('joke')).toEqual(
      expected,
    );
    expect(
      await model()
        .withStructuredOutput(Joke, { name: 'Joke', method: 'jsonSchema' })
        .invoke('joke'),
    ).toEqual(expected);
    const sent = lastRequest()?.body as Record<string, unknown>;
    if (useResponsesApi)
      expect(sent.text).toMatchObject({ format: { type: 'json_schema', name: 'Joke' } });
    else expect(sent.response_format).toMatchObject({ type: 'json_schema' });
    const withRaw = await model()
      .withStructuredOutput(Joke, { name: 'Joke', includeRaw: true })
      .invoke('joke');
    expect(withRaw.parsed).toEqual(expected);
  });

  it('streamEvents emits stream events; an aborted call sends nothing', async () => {
    const events: string[] = [];
    for await (const event of model().streamEvents('events please', { version: 'v2' }))
      events.push(event.event);
    expect(events.filter((name) => name === 'on_chat_model_stream').length).toBeGreaterThan(1);
    const controller = new AbortController();
    controller.abort();
    ws.serving.clearRequests('fm');
    await expect(model().invoke('x', { signal: controller.signal })).rejects.toThrow();
    expect(ws.serving.requestsFor('fm')).toHaveLength(0);
  });
});

describe("Python's Responses-API bugs, against the endpoint's own checks", () => {
  const responses = (model: string) =>
    new ChatDatabricks({ model, maxRetries: 0, useResponsesApi: true, ...auth() });

  it('multi-block system and user content is accepted (input_text parts; issue #368)', async () => {
    const reply = await responses('fm').invoke([
      new SystemMessage({
        content: [
          { type: 'text', text: 'A.' },
          { type: 'text', text: 'B.' },
        ],
      }),
      new HumanMessage({
        content: [
          { type: 'text', text: 'one' },
          { type: 'text', text: 'two' },
        ],
      }),
    ]);
    expect(reply.text).toMatch(/^Echo: /);
    const input = bodyAt<{ input: { content: { type: string }[] }[] }>(
      ws.serving.requestsFor('fm').slice(-1),
    ).input;
    expect(input.flatMap((item) => item.content.map((part) => part.type))).toEqual([
      'input_text',
      'input_text',
      'input_text',
      'input_text',
    ]);
  });

  it('a Claude endpoint takes a tool-call turn with empty text (PR #333)', async () => {
    const chat = responses('databricks-claude-sonnet-4').bindTools([adder]);
    const reply = await chat.invoke([
      new HumanMessage('add'),
      new AIMessage({
        content: [{ type: 'text', text: '' }],
        tool_calls: [{ id: 'call_1', name: 'add', args: { a: 1, b: 1 } }],
      }),
      new ToolMessage({ content: '2', tool_call_id: 'call_1' }),
    ]);
    expect(reply.text).toBe('result is 2');
  });

  it('usage is counted once when a streamed answer is summed (issue #434)', async () => {
    const reply = await responses('fm').invoke('usage');
    let total = 0;
    for await (const chunk of await responses('fm').stream('usage'))
      total += chunk.usage_metadata?.total_tokens ?? 0;
    expect(total).toBe(reply.usage_metadata?.total_tokens);
  });
});

describe('agent endpoints, found from their task', () => {
  it('a ResponsesAgent: custom_inputs in, custom_outputs out, its own tool calls kept apart', async () => {
    const agent = new ChatDatabricks({ model: 'support-agent', maxRetries: 0, ...auth() });
    const reply = await agent.invoke('How do I vacuum?', { customInputs: { user: 'ada' } });
    expect(reply.text).toBe('Agent saw 1 items.');
    expect(reply.tool_calls).toEqual([]);
    expect(reply.response_metadata.custom_outputs).toEqual({ user: 'ada' });
    const [request] = ws.serving.requestsFor('support-agent');
    expect(request).toMatchObject({ api: 'invocations', body: { custom_inputs: { user: 'ada' } } });
    let merged: AIMessageChunk | undefined;
    for await (const chunk of await agent.stream([
      new HumanMessage('q'),
      reply,
      new HumanMessage('more'),
    ]))
      merged = merged ? merged.concat(chunk) : chunk;
    // The previous turn went back whole: the agent saw its call, output and answer too.
    expect(merged?.text).toBe('Agent saw 5 items.');
    expect(merged?.tool_calls).toEqual([]);
  });

  it('a ChatAgent: text joined, its turn sent back as it came, stream by message id', async () => {
    const agent = new ChatDatabricks({ model: 'chat-agent', maxRetries: 0, ...auth() });
    const reply = await agent.invoke('hi');
    expect(reply.text).toBe('Agent read 1 messages.');
    expect(reply.response_metadata.custom_outputs).toEqual({ turns: 1 });
    let merged: AIMessageChunk | undefined;
    for await (const chunk of await agent.stream([
      new HumanMessage('hi'),
      reply,
      new HumanMessage('again'),
    ]))
      merged = merged ? merged.concat(chunk) : chunk;
    expect(merged?.text).toBe('Agent read 5 messages.');
    expect(merged?.response_metadata.custom_outputs).toEqual({ turns: 5 });
  });
});

describe('AI Gateway', () => {
  it('useAiGateway and useAiGatewayNativeApi reach the routes on both APIs', async () => {
    for (const gateway of [{ useAiGateway: true }, { useAiGatewayNativeApi: true }])
      for (const useResponsesApi of [false, true]) {
        const chat = new ChatDatabricks({
          model: 'fm',
          maxRetries: 0,
          useResponsesApi,
          ...gateway,
          ...auth(),
        });
        expect((await chat.invoke('gw')).text).toBe('Echo: gw');
        const path = ws.serving.requestsFor('fm').at(-1)?.path;
        expect(path).toBe(
          `/ai-gateway/${'useAiGateway' in gateway ? 'mlflow' : 'openai'}/v1/${useResponsesApi ? 'responses' : 'chat/completions'}`,
        );
      }
  });
});
