import { describe, expect, it } from 'vitest';
import { ServingError } from './reply.js';
import {
  embedText,
  scriptedChat,
  scriptedCustomModel,
  scriptedEmbeddings,
  splitWords,
} from './scripted.js';
import type { ServingRequest } from './types.js';
import { validateServingRequest } from './validate.js';

const request = (body: unknown, endpoint = 'ep'): ServingRequest => ({
  endpoint,
  task: 'llm/v1/chat',
  api: 'invocations',
  body,
  headers: {},
  signal: new AbortController().signal,
});

async function collect(iterable: unknown): Promise<any[]> {
  const chunks: any[] = [];
  for await (const chunk of iterable as AsyncIterable<unknown>) chunks.push(chunk);
  return chunks;
}

const messages = [{ role: 'user', content: 'Why?' }];

describe('scriptedChat', () => {
  it('returns content arrays with a reasoning item when the script has reasoning', async () => {
    const handler = scriptedChat(() => ({ reasoning: 'Because.', content: 'Yes.' }));
    const response: any = await handler(request({ messages }));
    expect(response.choices[0].message.content).toEqual([
      { type: 'reasoning', summary: [{ type: 'summary_text', text: 'Because.' }] },
      { type: 'text', text: 'Yes.' },
    ]);
    const chunks = await collect(await handler(request({ messages, stream: true })));
    expect(chunks[1].choices[0].delta.content[0].type).toBe('reasoning');
    expect(chunks.at(-1).choices[0].finish_reason).toBe('stop');
  });

  it('answers n choices, overrides usage, and can send no usage at all', async () => {
    const handler = scriptedChat((_, __, { choiceIndex }) => ({
      content: `choice ${choiceIndex}`,
      usage: { prompt_tokens: 7, completion_tokens: 3 },
      customOutputs: { trace: 't' },
    }));
    const response: any = await handler(request({ messages, n: 2 }));
    expect(response.choices.map((c: any) => c.message.content)).toEqual(['choice 0', 'choice 1']);
    expect(response.usage).toEqual({ prompt_tokens: 7, completion_tokens: 3, total_tokens: 10 });
    expect(response.custom_outputs).toEqual({ trace: 't' });

    const silent = scriptedChat(() => ({ content: 'x', usage: false }));
    expect(await silent(request({ messages }))).not.toHaveProperty('usage');
    const chunks = await collect(
      await silent(request({ messages, stream: true, stream_options: { include_usage: true } })),
    );
    expect(chunks.some((chunk) => chunk.usage)).toBe(false);
  });

  it('passes errors thrown by the script through', async () => {
    const handler = scriptedChat(() => {
      throw new ServingError(400, 'BAD_REQUEST', 'no');
    });
    await expect(handler(request({ messages }))).rejects.toMatchObject({ status: 400 });
  });

  it('splits text into word-sized pieces that join back', () => {
    const text = ' Hello,  big\nworld! ';
    expect(splitWords(text).join('')).toBe(text);
    expect(splitWords('Hello big world')).toEqual(['Hello ', 'big ', 'world']);
  });
});

describe('embeddings and custom models', () => {
  it('makes deterministic unit vectors', () => {
    expect(embedText('a', 40)).toEqual(embedText('a', 40));
    expect(embedText('a', 40)).toHaveLength(40);
    expect(Math.hypot(...embedText('b', 40))).toBeCloseTo(1, 9);
  });

  it('honours a single string input', async () => {
    const response: any = await scriptedEmbeddings(4)(request({ input: 'one' }));
    expect(response.data).toHaveLength(1);
    expect(response.data[0].embedding).toHaveLength(4);
  });

  it('reads instances and inputs as they are, with params', async () => {
    const handler = scriptedCustomModel((input, { format, params }) => ({ input, format, params }));
    expect(await handler(request({ instances: [1, 2], params: { k: 1 } }))).toEqual({
      predictions: { input: [1, 2], format: 'instances', params: { k: 1 } },
    });
    await expect(
      Promise.resolve().then(() => handler(request({ inputs: 1, instances: 2 }))),
    ).rejects.toMatchObject({ status: 400 });
  });
});

describe('validation', () => {
  const chat = { name: 'c', task: 'llm/v1/chat', handler: () => null };
  it('skips custom endpoints and endpoints that opt out', () => {
    expect(() =>
      validateServingRequest({ anything: 1 }, { ...chat, endpointType: 'CUSTOM_MODEL' }),
    ).not.toThrow();
    expect(() =>
      validateServingRequest({ prompt: 'x' }, { ...chat, validation: 'none' }),
    ).not.toThrow();
    expect(() => validateServingRequest({ prompt: 'x' }, chat)).toThrow(/unknown field "prompt"/);
  });

  it('validates completions and embeddings bodies', () => {
    const completions = { ...chat, task: 'llm/v1/completions' };
    expect(() =>
      validateServingRequest({ prompt: ['a', 'b'], max_tokens: 5 }, completions),
    ).not.toThrow();
    expect(() => validateServingRequest({ messages }, completions)).toThrow(/messages/);
    expect(() => validateServingRequest({ prompt: 'a', max_tokens: 0 }, completions)).toThrow(
      /max_tokens/,
    );
    const embeddings = { ...chat, task: 'llm/v1/embeddings' };
    expect(() => validateServingRequest({ input: [] }, embeddings)).toThrow(/input/);
    expect(() => validateServingRequest({ input: 'x', dataframe_records: [] }, embeddings)).toThrow(
      /dataframe_records/,
    );
    expect(() =>
      validateServingRequest({ input: 'x', extra: 1 }, { ...embeddings, extraFields: ['extra'] }),
    ).not.toThrow();
  });

  it('accepts assistant messages with tool calls and null content, and tool results', () => {
    expect(() =>
      validateServingRequest(
        {
          messages: [
            ...messages,
            { role: 'assistant', content: null, tool_calls: [{ id: '1' }] },
            { role: 'tool', tool_call_id: '1', content: 'ok' },
            { role: 'user', content: [{ type: 'text', text: 'and?' }] },
          ],
        },
        chat,
      ),
    ).not.toThrow();
    expect(() =>
      validateServingRequest({ messages: [{ role: 'tool', content: 'x' }] }, chat),
    ).toThrow(/tool_call_id/);
  });
});
