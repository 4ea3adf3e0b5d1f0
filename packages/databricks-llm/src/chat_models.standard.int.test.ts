/**
 * Our own version of LangChain's standard chat-model tests (ChatModelUnitTests and
 * ChatModelIntegrationTests in langchainjs' libs/langchain-standard-tests, which is not published
 * to npm): the same checks, with the same fixtures where they matter (the adder schema written
 * with `zod/v3`, the content-block payloads), run against a scripted endpoint of the local
 * workspace. Each check names the standard test it mirrors.
 */
import { type LocalWorkspace, scriptedChat, startLocalWorkspace } from '@lakechain/local-workspace';
import { BaseCallbackHandler } from '@langchain/core/callbacks/base';
import {
  AIMessage,
  AIMessageChunk,
  HumanMessage,
  SystemMessage,
  ToolMessage,
} from '@langchain/core/messages';
import { ChatPromptTemplate } from '@langchain/core/prompts';
import { Runnable, RunnableBinding, RunnableLambda } from '@langchain/core/runnables';
import { tool } from '@langchain/core/tools';
import { toJsonSchema } from '@langchain/core/utils/json_schema';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { z as z3 } from 'zod/v3';
import { ChatDatabricks, DatabricksContentBlockError } from './index.js';
import { bodyAt } from './testing/helpers.js';

let ws: LocalWorkspace;

// The standard suite's content-block fixtures (URLs are only passed through, never fetched).
const TEST_IMAGE_URL =
  'https://upload.wikimedia.org/wikipedia/commons/thumb/3/30/RedDisc.svg/24px-RedDisc.svg.png';
const TEST_IMAGE_BASE64 =
  'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAQAAAC1HAwCAAAAC0lEQVR42mNkYAAAAAYAAjCB0C8AAAAASUVORK5CYII=';
const TEST_AUDIO_URL =
  'https://upload.wikimedia.org/wikipedia/commons/e/ef/Phylloscopus_collybita_-_Common_Chiffchaff_XC170664.mp3';
const TEST_AUDIO_BASE64 = 'UklGRigAAABXQVZFZm10IBAAAAABAAEARKwAAIhYAQACABAAAABkYXRhAgAAAAEA';
const TEST_FILE_TEXT_BASE64 = 'SGVsbG8sIFdvcmxkIQ==';

const adder = tool(async ({ a, b }) => String(a + b), {
  name: 'add',
  description: 'Add two numbers',
  schema: z.object({ a: z.number(), b: z.number() }),
});

/** The standard suite's `adderSchema`, written with zod v3 as the suite writes it. */
const adderSchema = z3
  .object({
    a: z3.number().int().describe('The first integer to add.'),
    b: z3.number().int().describe('The second integer to add.'),
  })
  .describe('Add two integers');

const MATH_ADDITION_PROMPT = ChatPromptTemplate.fromMessages([
  ['system', 'You are bad at math and must ALWAYS call the {toolName} function.'],
  ['human', 'What is the sum of 1836281973 and 19973286?'],
]);

/** Like the suite's TestCallbackHandler: keeps the `extraParams` of the chat model start. */
class ExtraParamsHandler extends BaseCallbackHandler {
  name = 'extra-params';
  extraParams: Record<string, unknown> = {};
  override handleChatModelStart(
    _llm: unknown,
    _messages: unknown,
    _runId: string,
    _parentRunId?: string,
    extraParams?: Record<string, unknown>,
  ) {
    this.extraParams = extraParams ?? {};
  }
}

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
            if (first.function.name === 'math_addition')
              return { toolCalls: [{ name: 'math_addition', arguments: { a: 1, b: 2 } }] };
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
    model: 'std-chat',
    maxRetries: 0,
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

  it('bindTools binds the tools in OpenAI format; withStructuredOutput is a runnable', () => {
    const bound = model().bindTools([adder]);
    expect(RunnableBinding.isRunnableBinding(bound)).toBe(true);
    expect((bound as RunnableBinding<unknown, unknown>).config).toMatchObject({
      tools: [
        {
          type: 'function',
          function: {
            name: 'add',
            description: 'Add two numbers',
            parameters: { type: 'object', required: ['a', 'b'] },
          },
        },
      ],
    });
    expect(Runnable.isRunnable(model().withStructuredOutput(z.object({ a: z.string() })))).toBe(
      true,
    );
  });

  it('testChatModelInitStreaming / standard params: timeout, stop, stopSequences, maxRetries', () => {
    const chat = model({ streaming: true, timeout: 30_000, stopSequences: ['x'], maxRetries: 2 });
    expect(chat.streaming).toBe(true);
    expect(chat.stop).toEqual(['x']);
    expect((chat.caller as unknown as { maxRetries: number }).maxRetries).toBe(2);
    expect(() => model({ apiKey: 'x' })).toThrow(/unknown option "apiKey"/);
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
    ws.serving.clearRequests();
    const error = await model()
      .invoke('x', { signal: controller.signal })
      .catch((caught: unknown) => caught);
    expect((error as Error).name).toMatch(/AbortError/);
    expect(ws.serving.requestsFor('std-chat')).toHaveLength(0);
  });

  it('testUsageMetadata: response_metadata.model is the model name, on invoke and on stream', async () => {
    const reply = await model().invoke('Hello');
    expect(reply.response_metadata.model).toBe('std-chat');
    expect(reply.response_metadata.model_name).toBe('std-chat');
    let merged: AIMessageChunk | undefined;
    for await (const chunk of await model().stream('Hello'))
      merged = merged ? merged.concat(chunk) : chunk;
    expect(merged?.response_metadata.model).toBe('std-chat');
    expect(merged?.response_metadata.model_name).toBe('std-chat');
    // The same through `streaming: true` (invoke assembled from the stream).
    const streamed = await model({ streaming: true }).invoke('Hello');
    expect(streamed.response_metadata.model).toBe('std-chat');
  });

  it('testStopSequence: stop at call time and in the constructor', async () => {
    ws.serving.clearRequests();
    await model().invoke('hi', { stop: ['you'] });
    await model({ stop: ['you'] }).invoke('hi');
    const requests = ws.serving.requestsFor('std-chat');
    expect(requests.map((request) => (request.body as { stop?: unknown }).stop)).toEqual([
      ['you'],
      ['you'],
    ]);
  });

  it('testCacheComplexMessageTypes: cache: true serves the second call from the cache', async () => {
    ws.serving.clearRequests();
    const chat = model({ cache: true });
    const message = new HumanMessage({ content: [{ type: 'text', text: 'Hello there!' }] });
    const first = await chat.invoke([message]);
    const second = await chat.invoke([message]);
    expect(second).toEqual(first);
    expect(ws.serving.requestsFor('std-chat')).toHaveLength(1);
  });

  it.each([
    ['zod v3 (the suite)', adderSchema],
    [
      'zod v4',
      z
        .object({ a: z.number().int().describe('first'), b: z.number().int().describe('second') })
        .describe('Add two integers'),
    ],
  ])(
    'testWithStructuredOutput(IncludeRaw): the traced schema is the full JSON schema (%s)',
    async (_label, schema) => {
      for (const includeRaw of [false, true]) {
        const handler = new ExtraParamsHandler();
        const structured = model().withStructuredOutput(
          schema as typeof adderSchema,
          {
            name: 'math_addition',
            includeRaw,
          } as never,
        );
        const result = (await MATH_ADDITION_PROMPT.pipe(structured).invoke(
          { toolName: 'math_addition' },
          { callbacks: [handler] },
        )) as { a?: number; parsed?: { a: number; b: number } };
        expect(includeRaw ? result.parsed : result).toEqual({ a: 1, b: 2 });
        const format = (
          handler.extraParams.options as {
            ls_structured_output_format: { kwargs: { method: string }; schema: unknown };
          }
        ).ls_structured_output_format;
        expect(format.kwargs.method).toBe('functionCalling');
        const full = toJsonSchema(schema as typeof adderSchema) as Record<string, unknown>;
        expect(format.schema).toEqual(full);
        expect(full.$schema).toEqual(expect.any(String));
      }
      // The wire still gets the tool's parameters without the meta keys.
      ws.serving.clearRequests();
      await model()
        .withStructuredOutput(schema as typeof adderSchema, { name: 'math_addition' })
        .invoke('x');
      const sent = bodyAt<{ tools: { function: { parameters: Record<string, unknown> } }[] }>(
        ws.serving.requestsFor('std-chat'),
      ).tools[0]?.function.parameters;
      expect(sent).not.toHaveProperty('$schema');
      expect(sent).toMatchObject({ type: 'object', required: ['a', 'b'] });
    },
  );

  it('testStandardImageContentBlocks (url, base64 with mime_type, dataUrl)', async () => {
    ws.serving.clearRequests();
    const blocks = [
      { type: 'image', source_type: 'url', url: TEST_IMAGE_URL },
      { type: 'image', source_type: 'base64', data: TEST_IMAGE_BASE64, mime_type: 'image/png' },
      { type: 'image', source_type: 'url', url: `data:image/png;base64,${TEST_IMAGE_BASE64}` },
    ];
    for (const block of blocks) {
      const reply = await model().invoke([new HumanMessage({ content: [block] as never })]);
      expect(reply.text).not.toBe('');
    }
    const urls = ws.serving
      .requestsFor('std-chat')
      .map(
        (request) =>
          (request.body as { messages: { content: { image_url: { url: string } }[] }[] })
            .messages[0]?.content[0]?.image_url.url,
      );
    expect(urls).toEqual([
      TEST_IMAGE_URL,
      `data:image/png;base64,${TEST_IMAGE_BASE64}`,
      `data:image/png;base64,${TEST_IMAGE_BASE64}`,
    ]);
  });

  it('testStandardAudioContentBlocks (base64, dataUrl) as input_audio; a URL is a typed error', async () => {
    ws.serving.clearRequests();
    for (const block of [
      { type: 'audio', source_type: 'base64', data: TEST_AUDIO_BASE64, mime_type: 'audio/wav' },
      {
        type: 'audio',
        source_type: 'url',
        url: `data:audio/wav;base64,${TEST_AUDIO_BASE64}`,
        mime_type: 'audio/wav',
      },
    ]) {
      const reply = await model().invoke([new HumanMessage({ content: [block] as never })]);
      expect(reply.text).not.toBe('');
    }
    for (const request of ws.serving.requestsFor('std-chat')) {
      expect((request.body as { messages: { content: unknown }[] }).messages[0]?.content).toEqual([
        { type: 'input_audio', input_audio: { data: TEST_AUDIO_BASE64, format: 'wav' } },
      ]);
    }
    const error = await model()
      .invoke([
        new HumanMessage({
          content: [{ type: 'audio', source_type: 'url', url: TEST_AUDIO_URL }] as never,
        }),
      ])
      .catch((caught: unknown) => caught);
    expect(DatabricksContentBlockError.isInstance(error)).toBe(true);
    expect((error as DatabricksContentBlockError).blockType).toBe('audio');
  });

  it('testStandardFileContentBlocks (dataUrl with filename, text)', async () => {
    ws.serving.clearRequests();
    const reply = await model().invoke([
      new HumanMessage({
        content: [
          {
            type: 'file',
            source_type: 'url',
            url: `data:text/plain;base64,${TEST_FILE_TEXT_BASE64}`,
            mime_type: 'text/plain',
            metadata: { filename: 'hello.txt' },
          },
        ] as never,
      }),
    ]);
    expect(reply.text).not.toBe('');
    const asText = await model().invoke([
      new HumanMessage({
        content: [
          {
            type: 'file',
            source_type: 'text',
            text: 'Hello, World! (file as text block)',
            metadata: { filename: 'hello.txt' },
          },
        ] as never,
      }),
    ]);
    expect(asText.text).toBe('Echo: Hello, World! (file as text block)');
    expect(
      bodyAt<{ messages: { content: unknown }[] }>(ws.serving.requestsFor('std-chat')).messages[0]
        ?.content,
    ).toEqual([
      {
        type: 'file',
        file: {
          file_data: `data:text/plain;base64,${TEST_FILE_TEXT_BASE64}`,
          filename: 'hello.txt',
        },
      },
    ]);
  });
});
