/**
 * Our own version of LangChain's standard chat-model tests (ChatModelUnitTests and
 * ChatModelIntegrationTests in @langchain/standard-tests, which is private): the same checks,
 * run against a scripted endpoint of the local workspace.
 */
import { type LocalWorkspace, scriptedChat, startLocalWorkspace } from '@lakechain/local-workspace';
import {
  AIMessage,
  AIMessageChunk,
  HumanMessage,
  SystemMessage,
  ToolMessage,
} from '@langchain/core/messages';
import { RunnableLambda } from '@langchain/core/runnables';
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

beforeAll(async () => {
  ws = await startLocalWorkspace({
    samples: false,
    servingEndpoints: [
      {
        name: 'std-chat',
        task: 'llm/v1/chat',
        handler: scriptedChat((messages, body) => {
          const text = lastText(messages);
          if (messages[messages.length - 1]?.role === 'tool') return `result is ${text}`;
          if (Array.isArray(body.tools) && /parallel/.test(text)) {
            return {
              toolCalls: [
                { name: 'add', arguments: { a: 1, b: 2 } },
                { name: 'add', arguments: { a: 3, b: 4 } },
              ],
            };
          }
          if (Array.isArray(body.tools) && body.tools.length > 0) {
            const first = body.tools[0] as { function: { name: string } };
            if (first.function.name === 'add')
              return { toolCalls: [{ name: 'add', arguments: { a: 2, b: 3 } }] };
            return {
              toolCalls: [
                { name: first.function.name, arguments: { setup: 'Why?', punchline: 'Because.' } },
              ],
            };
          }
          return `Echo: ${text}`;
        }),
      },
    ],
  });
}, 120_000);

afterAll(async () => {
  await ws?.stop();
});

const model = (extra: Record<string, unknown> = {}) =>
  new ChatDatabricks({
    endpoint: 'std-chat',
    host: ws.host,
    token: ws.token,
    caCert: ws.caCert,
    env: {},
    ...extra,
  });

describe('standard unit checks', () => {
  it('initialises with minimal args, and with streaming', () => {
    expect(model()).toBeInstanceOf(ChatDatabricks);
    expect(model({ streaming: true }).streaming).toBe(true);
  });

  it('has the standard LangSmith params', () => {
    const params = model({ temperature: 0.3, maxTokens: 20, stop: ['x'] }).getLsParams({} as never);
    expect(params).toEqual({
      ls_provider: 'databricks',
      ls_model_name: 'std-chat',
      ls_model_type: 'chat',
      ls_temperature: 0.3,
      ls_max_tokens: 20,
      ls_stop: ['x'],
    });
  });

  it('bindTools and withStructuredOutput return runnables', () => {
    expect(typeof model().bindTools([adder]).invoke).toBe('function');
    expect(typeof model().withStructuredOutput(z.object({ a: z.string() })).invoke).toBe(
      'function',
    );
  });

  it('is serialisable (lc_serializable, lc_id, secrets as markers)', () => {
    const chat = model();
    const json = JSON.parse(JSON.stringify(chat)) as {
      lc: number;
      type: string;
      id: string[];
      kwargs: Record<string, unknown>;
    };
    expect(json.lc).toBe(1);
    expect(json.type).toBe('constructor');
    expect(json.id.at(-1)).toBe('ChatDatabricks');
    expect(json.kwargs.token).toEqual({ lc: 1, type: 'secret', id: ['DATABRICKS_TOKEN'] });
  });
});

describe('standard integration checks', () => {
  it('invoke with a string and with messages', async () => {
    const reply = await model().invoke('Hello');
    expect(AIMessage.isInstance(reply)).toBe(true);
    expect(reply.content).toBe('Echo: Hello');
    const again = await model().invoke([new SystemMessage('be nice'), new HumanMessage('Hi')]);
    expect(again.content).toBe('Echo: Hi');
  });

  it('stream yields AIMessageChunks that add up to the answer', async () => {
    let text = '';
    let count = 0;
    for await (const chunk of await model().stream('one two three')) {
      expect(AIMessageChunk.isInstance(chunk)).toBe(true);
      text += chunk.content;
      count += 1;
    }
    expect(text).toBe('Echo: one two three');
    expect(count).toBeGreaterThan(1);
  });

  it('batch', async () => {
    const replies = await model().batch(['a', 'b']);
    expect(replies.map((reply) => reply.content)).toEqual(['Echo: a', 'Echo: b']);
  });

  it('conversation (several turns)', async () => {
    const reply = await model().invoke([
      new HumanMessage('hello'),
      new AIMessage('hi there'),
      new HumanMessage('how are you'),
    ]);
    expect(reply.content).toBe('Echo: how are you');
  });

  it('usage metadata on invoke and on stream', async () => {
    const reply = await model().invoke('count me');
    expect(reply.usage_metadata?.input_tokens).toBeGreaterThan(0);
    expect(reply.usage_metadata?.output_tokens).toBeGreaterThan(0);
    let merged: AIMessageChunk | undefined;
    for await (const chunk of await model().stream('count me'))
      merged = merged ? merged.concat(chunk) : chunk;
    expect(merged?.usage_metadata?.input_tokens).toBe(reply.usage_metadata?.input_tokens);
    expect(merged?.usage_metadata?.output_tokens).toBe(reply.usage_metadata?.output_tokens);
    expect(merged?.usage_metadata?.total_tokens).toBe(reply.usage_metadata?.total_tokens);
  });

  it('stop sequences reach the endpoint', async () => {
    ws.serving.clearRequests();
    await model().invoke('x', { stop: ['STOP'] });
    expect(bodyAt<{ stop: string[] }>(ws.serving.requestsFor('std-chat')).stop).toEqual(['STOP']);
  });

  it('tool message histories with string and list content', async () => {
    const toolCall = {
      id: 'call_1',
      name: 'add',
      args: { a: 1, b: 2 },
      type: 'tool_call' as const,
    };
    for (const aiContent of ['', [{ type: 'text' as const, text: 'Let me add.' }]]) {
      const reply = await model()
        .bindTools([adder])
        .invoke([
          new HumanMessage('what is 1 + 2?'),
          new AIMessage({ content: aiContent, tool_calls: [toolCall] }),
          new ToolMessage({ content: '3', tool_call_id: 'call_1', name: 'add' }),
        ]);
      expect(reply.content).toBe('result is 3');
    }
  });

  it('bindTools with OpenAI-formatted tools and RunnableToolLike', async () => {
    const openAiTool = {
      type: 'function' as const,
      function: {
        name: 'add',
        description: 'Add',
        parameters: {
          type: 'object',
          properties: { a: { type: 'number' }, b: { type: 'number' } },
        },
      },
    };
    const fromOpenAi = await model().bindTools([openAiTool]).invoke('add 2 and 3');
    expect(fromOpenAi.tool_calls?.[0]).toMatchObject({ name: 'add', args: { a: 2, b: 3 } });
    const runnableTool = RunnableLambda.from(
      async ({ a, b }: { a: number; b: number }) => a + b,
    ).asTool({
      name: 'add',
      description: 'Add',
      schema: z.object({ a: z.number(), b: z.number() }),
    });
    const fromRunnable = await model().bindTools([runnableTool]).invoke('add 2 and 3');
    expect(fromRunnable.tool_calls?.[0]?.name).toBe('add');
  });

  it('parallel tool calls', async () => {
    const reply = await model().bindTools([adder]).invoke('parallel please');
    expect(reply.tool_calls).toHaveLength(2);
    expect(reply.tool_calls?.map((call) => call.args)).toEqual([
      { a: 1, b: 2 },
      { a: 3, b: 4 },
    ]);
  });

  it('streams tokens with tool calls', async () => {
    let merged: AIMessageChunk | undefined;
    let sawChunkWithToolCallChunks = false;
    for await (const chunk of await model().bindTools([adder]).stream('add things')) {
      if ((chunk.tool_call_chunks ?? []).length > 0) sawChunkWithToolCallChunks = true;
      merged = merged ? merged.concat(chunk) : chunk;
    }
    expect(sawChunkWithToolCallChunks).toBe(true);
    expect(merged?.tool_calls?.[0]).toMatchObject({ name: 'add', args: { a: 2, b: 3 } });
  });

  it('withStructuredOutput and includeRaw', async () => {
    const Joke = z.object({ setup: z.string(), punchline: z.string() }).describe('A joke');
    const joke = await model()
      .withStructuredOutput(Joke, { name: 'Joke' })
      .invoke('tell me a joke');
    expect(joke).toEqual({ setup: 'Why?', punchline: 'Because.' });
    const withRaw = await model()
      .withStructuredOutput(Joke, { name: 'Joke', includeRaw: true })
      .invoke('joke');
    expect(withRaw.parsed).toEqual({ setup: 'Why?', punchline: 'Because.' });
    expect(AIMessage.isInstance(withRaw.raw) || AIMessageChunk.isInstance(withRaw.raw)).toBe(true);
  });

  it('streamEvents emits on_chat_model_stream events', async () => {
    const events: string[] = [];
    for await (const event of model().streamEvents('events please', { version: 'v2' })) {
      events.push(event.event);
    }
    expect(events).toContain('on_chat_model_start');
    expect(events.filter((name) => name === 'on_chat_model_stream').length).toBeGreaterThan(1);
    expect(events).toContain('on_chat_model_end');
  });

  it('abort with a signal', async () => {
    const controller = new AbortController();
    controller.abort();
    await expect(model().invoke('x', { signal: controller.signal })).rejects.toThrow();
  });
});
