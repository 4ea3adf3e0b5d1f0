import { describe, expect, it, vi } from 'vitest';
import { ANY_JSON, toGrammarSchema, toolCallSchema } from './schema.js';

describe('toGrammarSchema', () => {
  it('keeps what node-llama-cpp supports and closes declared objects', () => {
    expect(
      toGrammarSchema({
        type: 'object',
        properties: {
          name: { type: 'string', minLength: 1, maxLength: 20, pattern: '^a' },
          when: { type: 'string', format: 'date' },
          kind: { type: 'string', enum: ['a', 'b'] },
          tags: { type: 'array', items: { type: 'integer', minimum: 0 }, maxItems: 3 },
          maybe: { type: ['number', 'null'] },
        },
        required: ['name'],
      }),
    ).toEqual({
      type: 'object',
      properties: {
        name: { type: 'string', minLength: 1, maxLength: 20 },
        when: { type: 'string', format: 'date' },
        kind: { enum: ['a', 'b'] },
        tags: { type: 'array', items: { type: 'integer' }, maxItems: 3 },
        maybe: { type: ['number', 'null'] },
      },
    });
  });

  it('maps anyOf, nullable strings, refs and definitions', () => {
    expect(toGrammarSchema({ anyOf: [{ type: 'string' }, { type: 'null' }] })).toEqual({
      oneOf: [{ type: 'string' }, { type: 'null' }],
    });
    expect(toGrammarSchema({ type: ['string', 'null'] })).toEqual({
      oneOf: [{ type: 'string' }, { type: 'null' }],
    });
    expect(
      toGrammarSchema({
        type: 'object',
        properties: { item: { $ref: '#/definitions/Item' } },
        definitions: { Item: { type: 'object', properties: { id: { type: 'integer' } } } },
      }),
    ).toEqual({
      type: 'object',
      properties: { item: { $ref: '#/$defs/Item' } },
      $defs: { Item: { type: 'object', properties: { id: { type: 'integer' } } } },
    });
  });

  it('relaxes what it cannot express to any JSON', () => {
    expect(toGrammarSchema({})).toEqual(ANY_JSON);
    expect(toGrammarSchema(true)).toEqual(ANY_JSON);
    expect(toGrammarSchema({ type: 'object' })).toEqual({
      type: 'object',
      additionalProperties: true,
    });
    expect(toGrammarSchema({ not: { type: 'string' } })).toEqual(ANY_JSON);
  });

  it('merges allOf objects', () => {
    expect(
      toGrammarSchema({
        allOf: [
          { type: 'object', properties: { a: { type: 'boolean' } } },
          { properties: { b: { const: 1 } } },
        ],
      }),
    ).toEqual({
      type: 'object',
      properties: { a: { type: 'boolean' }, b: { const: 1 } },
    });
  });

  it('builds the forced tool-call schema', () => {
    expect(toolCallSchema([{ name: 'f' }, { name: 'g', parameters: { type: 'object' } }])).toEqual({
      oneOf: [
        {
          type: 'object',
          properties: { name: { const: 'f' }, arguments: { type: 'object', properties: {} } },
        },
        {
          type: 'object',
          properties: {
            name: { const: 'g' },
            arguments: { type: 'object', additionalProperties: true },
          },
        },
      ],
    });
  });
});

describe('without node-llama-cpp', () => {
  it('says to install it', async () => {
    vi.resetModules();
    vi.doMock('node-llama-cpp', () => {
      throw Object.assign(new Error("Cannot find package 'node-llama-cpp'"), {
        code: 'ERR_MODULE_NOT_FOUND',
      });
    });
    const { llamaChat } = await import('./chat.js');
    const handler = llamaChat({ modelPath: '/x.gguf' });
    await expect(handler.load()).rejects.toThrow(/install node-llama-cpp to use llamaChat/);
    await expect(
      handler({
        endpoint: 'e',
        task: 'llm/v1/chat',
        api: 'invocations',
        body: { messages: [{ role: 'user', content: 'hi' }] },
        headers: {},
        signal: new AbortController().signal,
      }),
    ).rejects.toMatchObject({ status: 500, message: /install node-llama-cpp/ });
    vi.doUnmock('node-llama-cpp');
  });
});
