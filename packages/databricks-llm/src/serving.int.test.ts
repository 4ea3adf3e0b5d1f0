/**
 * Against @lakechain/local-workspace: real HTTPS, real auth (PAT and OAuth M2M), scripted serving
 * endpoints that record what they receive, and fault injection. Request shapes are asserted on
 * the server side.
 */
import {
  type LocalWorkspace,
  scriptedChat,
  scriptedCompletions,
  scriptedCustomModel,
  scriptedEmbeddings,
  startLocalWorkspace,
} from '@lakechain/local-workspace';
import type { AIMessageChunk } from '@langchain/core/messages';
import { tool } from '@langchain/core/tools';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { z } from 'zod';
import {
  ChatDatabricks,
  Databricks,
  DatabricksEmbeddings,
  databricksFailedAttemptHandler,
} from './index.js';
import { bodyAt } from './testing/helpers.js';

let ws: LocalWorkspace;

const weatherTool = tool(async ({ city }) => `sunny in ${city}`, {
  name: 'get_weather',
  description: 'Weather for a city',
  schema: z.object({ city: z.string() }),
});

beforeAll(async () => {
  ws = await startLocalWorkspace({
    samples: false,
    clusterId: '0101-000000-llmtests',
    servingEndpoints: [
      {
        name: 'chat',
        task: 'llm/v1/chat',
        model: 'meta-llama-3.3-70b-instruct',
        handler: scriptedChat((messages, body) => {
          const last = messages[messages.length - 1];
          if (last?.role === 'tool') return `The tool said: ${String(last.content)}`;
          if (Array.isArray(body.tools) && body.tools.length > 0) {
            return { toolCalls: [{ name: 'get_weather', arguments: { city: 'Rome' } }] };
          }
          if (body.response_format) return { content: '{"name":"Ada","age":36}' };
          return { content: `Echo: ${String(last?.content)}`, model: 'llama-3.3-70b-2025' };
        }),
      },
      {
        name: 'databricks-claude-sonnet',
        task: 'llm/v1/chat',
        handler: scriptedChat(() => 'Claude streams usage on every chunk', {
          usageStyle: 'claude',
        }),
      },
      {
        name: 'completions',
        task: 'llm/v1/completions',
        endpointType: 'EXTERNAL_MODEL',
        handler: scriptedCompletions((prompt) => `completed(${prompt})`),
      },
      {
        name: 'dolly',
        task: 'custom',
        handler: scriptedCustomModel((input) =>
          (input as { prompt: string }[]).map((record) => `dolly: ${record.prompt}`),
        ),
      },
      {
        name: 'embed',
        task: 'llm/v1/embeddings',
        handler: scriptedEmbeddings({ dimensions: 16, maxInputs: 8 }),
      },
    ],
    driverProxyApps: [
      {
        port: 7777,
        handler: (body) => {
          const { prompt, stop } = body as { prompt: string; stop?: string[] };
          return `proxy answer to "${prompt}"${stop ? ` stop=${stop.join('|')}` : ''}`;
        },
      },
    ],
  });
}, 120_000);

afterAll(async () => {
  await ws?.stop();
});

beforeEach(() => {
  ws.serving.clearRequests();
  ws.faults.setRules([]);
  ws.faults.resetCounts();
});

const pat = () => ({ host: ws.host, token: ws.token, caCert: ws.caCert, env: {} });
const m2m = () => ({
  host: ws.host,
  clientId: ws.oauth.clientId,
  clientSecret: ws.oauth.clientSecret,
  caCert: ws.caCert,
  env: {},
});

describe('ChatDatabricks against the local workspace', () => {
  it('invoke: request shape and response metadata', async () => {
    const chat = new ChatDatabricks({
      model: 'chat',
      temperature: 0.1,
      maxTokens: 50,
      ...pat(),
    });
    const reply = await chat.invoke('hello');
    expect(reply.content).toBe('Echo: hello');
    expect(reply.response_metadata.model_name).toBe('llama-3.3-70b-2025');
    expect(reply.usage_metadata?.total_tokens).toBeGreaterThan(0);
    const [record] = ws.serving.requestsFor('chat');
    expect(record?.path).toBe('/serving-endpoints/chat/invocations');
    expect(record?.body).toEqual({
      messages: [{ role: 'user', content: 'hello' }],
      temperature: 0.1,
      max_tokens: 50,
    });
  });

  it('OAuth M2M credentials work (token minted by the workspace)', async () => {
    const chat = new ChatDatabricks({ model: 'chat', ...m2m() });
    await expect(chat.invoke('m2m')).resolves.toMatchObject({ content: 'Echo: m2m' });
  });

  it('streams content with usage reported once', async () => {
    const chat = new ChatDatabricks({ model: 'chat', ...pat() });
    const chunks: AIMessageChunk[] = [];
    for await (const chunk of await chat.stream('stream me please')) chunks.push(chunk);
    expect(chunks.filter((chunk) => String(chunk.content) !== '').length).toBeGreaterThan(1);
    expect(chunks.filter((chunk) => chunk.usage_metadata)).toHaveLength(1);
    const merged = chunks.reduce((a, b) => a.concat(b));
    expect(merged.content).toBe('Echo: stream me please');
    expect(merged.usage_metadata?.output_tokens).toBeGreaterThan(0);
    const [record] = ws.serving.requestsFor('chat');
    expect(record?.body).toMatchObject({ stream: true, stream_options: { include_usage: true } });
  });

  it('Claude-style usage on every chunk is not double counted', async () => {
    const chat = new ChatDatabricks({ model: 'databricks-claude-sonnet', ...pat() });
    const chunks: AIMessageChunk[] = [];
    for await (const chunk of await chat.stream('x')) chunks.push(chunk);
    const merged = chunks.reduce((a, b) => a.concat(b));
    const nonStreamed = await chat.invoke('x');
    expect(merged.usage_metadata?.total_tokens).toBe(nonStreamed.usage_metadata?.total_tokens);
    expect(merged.usage_metadata?.output_tokens).toBe(nonStreamed.usage_metadata?.output_tokens);
  });

  it('streams tool-call deltas into complete tool calls; tools pass FMAPI validation', async () => {
    const chat = new ChatDatabricks({ model: 'chat', ...pat() });
    let merged: AIMessageChunk | undefined;
    for await (const chunk of await chat
      .bindTools([weatherTool], { tool_choice: 'any' })
      .stream('weather?')) {
      merged = merged ? merged.concat(chunk) : chunk;
    }
    expect(merged?.tool_calls?.[0]).toMatchObject({ name: 'get_weather', args: { city: 'Rome' } });
    const body = ws.serving.requestsFor('chat')[0]?.body as Record<string, unknown>;
    expect(body.tool_choice).toBe('required');
    expect((body.tools as { function: Record<string, unknown> }[])[0]?.function).not.toHaveProperty(
      'strict',
    );
  });

  it('tool round trip: the ToolMessage reaches the endpoint as role tool', async () => {
    const chat = new ChatDatabricks({ model: 'chat', ...pat() }).bindTools([weatherTool]);
    const first = await chat.invoke('weather in Rome?');
    const call = first.tool_calls?.[0];
    expect(call).toMatchObject({ name: 'get_weather', args: { city: 'Rome' }, type: 'tool_call' });
    const result = await weatherTool.invoke(call as NonNullable<typeof call>);
    const final = await chat.invoke(['weather in Rome?', first, result]);
    expect(final.content).toBe('The tool said: sunny in Rome');
    const sent = bodyAt<{ messages: Record<string, unknown>[] }>(
      ws.serving.requestsFor('chat'),
      1,
    ).messages;
    expect(sent[1]).toMatchObject({ role: 'assistant', content: null });
    expect(sent[2]).toMatchObject({ role: 'tool', tool_call_id: call?.id });
  });

  it('structured output in the three methods', async () => {
    const Person = z.object({ name: z.string(), age: z.number() });
    const chat = new ChatDatabricks({ model: 'chat', ...pat() });
    await expect(
      chat.withStructuredOutput(Person, { method: 'jsonMode' }).invoke('Ada?'),
    ).resolves.toEqual({ name: 'Ada', age: 36 });
    await expect(
      chat.withStructuredOutput(Person, { method: 'jsonSchema', name: 'person' }).invoke('Ada?'),
    ).resolves.toEqual({
      name: 'Ada',
      age: 36,
    });
    const viaTools = await chat
      .withStructuredOutput(z.object({ city: z.string() }), { name: 'get_weather' })
      .invoke('x');
    expect(viaTools).toEqual({ city: 'Rome' });
  });

  it('a 429 storm with Retry-After is ridden out by AsyncCaller', async () => {
    ws.faults.setRules([
      { route: 'serving-invocations', rate429: 1, retryAfterSeconds: 1, times: 2 },
    ]);
    // What the models' caller reads to wait Retry-After before the next attempt.
    const waits: unknown[] = [];
    const chat = new ChatDatabricks({
      model: 'chat',
      maxRetries: 4,
      ...pat(),
      onFailedAttempt: (error) => {
        waits.push((error as { retryAfterMs?: number }).retryAfterMs);
        databricksFailedAttemptHandler(error);
      },
    });
    await expect(chat.invoke('after the storm')).resolves.toMatchObject({
      content: 'Echo: after the storm',
    });
    expect(waits).toEqual([1000, 1000]);
    expect(ws.faults.counts()['serving-invocations']).toBe(3);
  });

  it('a 503 is retried; maxRetries 0 surfaces it with its status', async () => {
    ws.faults.setRules([{ route: 'serving-invocations', rate503: 1, times: 1 }]);
    const failing = new ChatDatabricks({ model: 'chat', maxRetries: 0, ...pat() });
    await expect(failing.invoke('x')).rejects.toMatchObject({ status: 503 });
    ws.faults.setRules([{ route: 'serving-invocations', rate503: 1, times: 1 }]);
    const retrying = new ChatDatabricks({ model: 'chat', maxRetries: 2, ...pat() });
    await expect(retrying.invoke('x')).resolves.toMatchObject({ content: 'Echo: x' });
  });

  it('a cut stream is an error, not a short answer', async () => {
    ws.faults.setRules([{ route: 'serving-invocations', cutStreamRate: 1, times: 1 }]);
    const chat = new ChatDatabricks({ model: 'chat', ...pat() });
    const consume = async () => {
      for await (const _ of await chat.stream(
        'a long answer that will be cut in the middle somewhere',
      )) {
        // drain
      }
    };
    await expect(consume()).rejects.toThrow(/ended before completion|Could not/);
  });

  it('unknown endpoint → MODEL_NOT_FOUND, not retried', async () => {
    const chat = new ChatDatabricks({ model: 'nope', maxRetries: 3, ...pat() });
    await expect(chat.invoke('x')).rejects.toMatchObject({
      status: 404,
      lc_error_code: 'MODEL_NOT_FOUND',
    });
  });

  it('a wrong OAuth client secret → MODEL_AUTHENTICATION, not retried', async () => {
    const before = ws.faults.counts()['oauth-token'] ?? 0;
    const chat = new ChatDatabricks({
      model: 'chat',
      maxRetries: 3,
      ...m2m(),
      clientSecret: 'wrong-secret',
    });
    await expect(chat.invoke('x')).rejects.toMatchObject({ lc_error_code: 'MODEL_AUTHENTICATION' });
    const tokenRequests = (ws.faults.counts()['oauth-token'] ?? 0) - before;
    expect(tokenRequests).toBeGreaterThanOrEqual(1);
    expect(tokenRequests).toBeLessThanOrEqual(2);
  });

  it('a bad token → MODEL_AUTHENTICATION', async () => {
    const chat = new ChatDatabricks({
      model: 'chat',
      maxRetries: 3,
      ...pat(),
      token: 'dapi-wrong',
    });
    await expect(chat.invoke('x')).rejects.toMatchObject({ lc_error_code: 'MODEL_AUTHENTICATION' });
  });
});

describe('Databricks LLM against the local workspace', () => {
  it('chat endpoint: messages on the wire', async () => {
    const llm = new Databricks({ model: 'chat', ...pat() });
    await expect(llm.invoke('hi')).resolves.toBe('Echo: hi');
    expect(ws.serving.requestsFor('chat')[0]?.body).toEqual({
      messages: [{ role: 'user', content: 'hi' }],
    });
  });

  it('completions endpoint: prompt on the wire, stop passed, streaming', async () => {
    const llm = new Databricks({
      model: 'completions',
      stop: ['\n'],
      maxTokens: 20,
      ...pat(),
    });
    await expect(llm.invoke('2+2=')).resolves.toBe('completed(2+2=)');
    expect(ws.serving.requestsFor('completions')[0]?.body).toEqual({
      prompt: '2+2=',
      stop: ['\n'],
      max_tokens: 20,
    });
    const parts: string[] = [];
    for await (const part of await llm.stream('streamed words here')) parts.push(part);
    expect(parts.join('')).toBe('completed(streamed words here)');
    expect(parts.length).toBeGreaterThan(1);
  });

  it('custom model: dataframe_records on the wire', async () => {
    const llm = new Databricks({ model: 'dolly', stop: ['### End'], ...pat() });
    await expect(llm.invoke('Say hi')).resolves.toBe('dolly: Say hi');
    expect(ws.serving.requestsFor('dolly')[0]?.body).toEqual({
      dataframe_records: [{ prompt: 'Say hi', stop: ['### End'] }],
    });
  });

  it('driver proxy app (cluster id from the workspace env), with OAuth M2M', async () => {
    const llm = new Databricks({
      clusterDriverPort: 7777,
      ...m2m(),
      env: { DATABRICKS_CLUSTER_ID: ws.clusterId },
    });
    await expect(llm.invoke('Hello', { stop: ['END'] })).resolves.toBe(
      'proxy answer to "Hello" stop=END',
    );
  });
});

describe('DatabricksEmbeddings against the local workspace', () => {
  it('N texts → ceil(N / batchSize) requests, bounded by the endpoint batch limit', async () => {
    const embeddings = new DatabricksEmbeddings({
      model: 'embed',
      batchSize: 8,
      maxConcurrency: 2,
      ...pat(),
    });
    const texts = Array.from({ length: 19 }, (_, i) => `document ${i}`);
    const vectors = await embeddings.embedDocuments(texts);
    expect(vectors).toHaveLength(19);
    expect(vectors[0]).toHaveLength(16);
    const records = ws.serving.requestsFor('embed');
    expect(records).toHaveLength(3);
    expect(
      records.map((record) => (record.body as { input: string[] }).input.length).sort(),
    ).toEqual([3, 8, 8]);
    const [again] = await embeddings.embedDocuments(['document 0']);
    expect(again).toEqual(vectors[0]);
  });

  it('query params and dimensions reach the endpoint', async () => {
    const embeddings = new DatabricksEmbeddings({
      model: 'embed',
      queryInputParams: { instruction: 'q' },
      ...pat(),
    });
    await embeddings.embedQuery('what is delta?');
    expect(ws.serving.requestsFor('embed')[0]?.body).toEqual({
      instruction: 'q',
      input: ['what is delta?'],
    });
  });
});

describe('OAuth tokens refresh mid-session', () => {
  let short: LocalWorkspace;
  beforeAll(async () => {
    // Core refreshes 40 s ahead of expiry, so a 41 s token is "fresh" for about one second.
    short = await startLocalWorkspace({
      samples: false,
      oauth: { tokenLifetimeSeconds: 41 },
      servingEndpoints: [{ name: 'chat', task: 'llm/v1/chat', handler: scriptedChat(() => 'ok') }],
    });
  }, 120_000);
  afterAll(async () => {
    await short?.stop();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('one model instance keeps working across token refreshes, one token per refresh', async () => {
    // 41 s tokens are refreshed 40 s before expiry: the test moves the clock (the client's and the
    // in-process workspace's alike) past that point instead of waiting for it.
    vi.useFakeTimers({ toFake: ['Date'] });
    const chat = new ChatDatabricks({
      model: 'chat',
      host: short.host,
      clientId: short.oauth.clientId,
      clientSecret: short.oauth.clientSecret,
      caCert: short.caCert,
      env: {},
    });
    const before = short.tokens.issuedCount;
    await Promise.all([chat.invoke('a'), chat.invoke('b'), chat.invoke('c')]);
    expect(short.tokens.issuedCount - before).toBe(1);
    vi.setSystemTime(Date.now() + 1_500);
    await expect(chat.invoke('d')).resolves.toMatchObject({ content: 'ok' });
    expect(short.tokens.issuedCount - before).toBe(2);
  });
});
