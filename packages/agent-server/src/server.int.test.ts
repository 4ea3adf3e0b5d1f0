/**
 * AgentServer over HTTP with real peers: a `createAgent` agent (from `langchain`) whose model is
 * ChatDatabricks on a local workspace endpoint, traced to the workspace's MLflow; plain chains
 * through MLflow scoring; the limits (body size, concurrency, queue) and a graceful drain.
 */

import { parseSseStream, resolveConfig } from '@lakechain/core';
import { ChatDatabricks } from '@lakechain/databricks-llm';
import { type LocalWorkspace, scriptedChat, startLocalWorkspace } from '@lakechain/local-workspace';
import { RunnableLambda } from '@langchain/core/runnables';
import { tool } from '@langchain/core/tools';
import { createAgent } from 'langchain';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { AgentServer } from './index.js';

type Json = Record<string, any>;

let ws: LocalWorkspace;
let server: AgentServer;
let url: string;

const weather = tool(async ({ city }) => `sunny in ${city}`, {
  name: 'get_weather',
  description: 'Current weather in a city',
  schema: z.object({ city: z.string() }),
});

async function post(
  base: string,
  path: string,
  body: unknown,
  headers: Record<string, string> = {},
) {
  return fetch(`${base}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
}

async function events(response: Response): Promise<string[]> {
  const out: string[] = [];
  for await (const event of parseSseStream(response.body as ReadableStream<Uint8Array>))
    out.push(event.data);
  return out;
}

beforeAll(async () => {
  ws = await startLocalWorkspace({
    catalog: { samples: false },
    serving: {
      endpoints: [
        {
          name: 'fm',
          task: 'llm/v1/chat',
          handler: scriptedChat((messages, body) => {
            const last = messages.at(-1);
            if (last?.role === 'tool') return `It is ${String(last.content)}.`;
            if (Array.isArray(body.tools) && body.tools.length > 0)
              return { toolCalls: [{ name: 'get_weather', arguments: { city: 'Rome' } }] };
            return 'Hello from the model.';
          }),
        },
      ],
    },
  });
  const config = await resolveConfig({
    host: ws.host,
    token: ws.token,
    caCert: ws.caCert,
    env: {},
  });
  const model = new ChatDatabricks({ model: 'fm', config, maxRetries: 0 });
  server = new AgentServer({
    agent: createAgent({ model, tools: [weather] }),
    name: 'weather-agent',
    tracing: {
      trackingUri: 'databricks',
      databricksConfig: config,
      experimentName: '/Shared/agents',
      flushOnExit: false,
    },
  });
  ({ url } = await server.listen({ port: 0 }));
}, 120_000);

afterAll(async () => {
  await server?.close();
  await ws?.stop();
});

describe('a createAgent agent on the Responses API', () => {
  it('answers the turn: its tool call, the tool result, the answer, usage of both model calls', async () => {
    const response = await post(url, '/responses', {
      input: [{ role: 'user', content: 'Weather in Rome?' }],
    });
    expect(response.status).toBe(200);
    const body = (await response.json()) as Json;
    expect(body).toMatchObject({ object: 'response', status: 'completed', model: 'weather-agent' });
    expect(body.output.map((item: Json) => item.type)).toEqual([
      'function_call',
      'function_call_output',
      'message',
    ]);
    expect(body.output[0]).toMatchObject({ name: 'get_weather', arguments: '{"city":"Rome"}' });
    expect(body.output[1]).toMatchObject({
      call_id: body.output[0].call_id,
      output: 'sunny in Rome',
    });
    expect(body.output[2].content[0].text).toBe('It is sunny in Rome.');
    expect(body.output[2].id).toMatch(/^msg_/);
    const calls = ws.serving.requestsFor('fm').slice(-2);
    const expectedInput = calls.reduce(
      (sum, call) => sum + (JSON.parse(JSON.stringify(call.body)).messages ? 1 : 0),
      0,
    );
    expect(expectedInput).toBe(2);
    expect(body.usage.input_tokens).toBeGreaterThan(0);
    expect(body.usage.total_tokens).toBe(body.usage.input_tokens + body.usage.output_tokens);
  });

  it('streams Responses events: the tool call, its output, text deltas, completed, trace id, [DONE]', async () => {
    const response = await post(
      url,
      '/invocations',
      { input: [{ role: 'user', content: 'Weather in Rome?' }], stream: true },
      { 'x-mlflow-return-trace-id': 'true' },
    );
    expect(response.headers.get('content-type')).toMatch(/text\/event-stream/);
    const raw = await events(response);
    expect(raw.at(-1)).toBe('[DONE]');
    const parsed = raw.slice(0, -1).map((data) => JSON.parse(data) as Json);
    const types = parsed.map((event) => event.type);
    expect(types[0]).toBe('response.created');
    expect(types).toContain('response.function_call_arguments.delta');
    expect(types.filter((type) => type === 'response.output_text.delta').length).toBeGreaterThan(1);
    const completed = parsed.find((event) => event.type === 'response.completed');
    expect(completed?.response.output.map((item: Json) => item.type)).toEqual([
      'function_call',
      'function_call_output',
      'message',
    ]);
    const text = parsed
      .filter((event) => event.type === 'response.output_text.delta')
      .map((event) => event.delta)
      .join('');
    expect(text).toBe('It is sunny in Rome.');
    const traceId = parsed.at(-1)?.trace_id;
    expect(traceId).toMatch(/^tr-[0-9a-f]{32}$/);
    // The trace reaches the workspace's MLflow, spans included.
    await expect
      .poll(() => (ws.mlflow.trace(traceId)?.data as Json | undefined)?.spans?.length ?? 0, {
        timeout: 20_000,
      })
      .toBeGreaterThan(2);
  });

  it('returns the trace as Databricks does: databricks_output.trace', async () => {
    const response = await post(url, '/responses', {
      input: 'hello',
      databricks_options: { return_trace: true },
      context: { conversation_id: 'conv-1', user_id: 'ada' },
    });
    const body = (await response.json()) as Json;
    const trace = body.databricks_output.trace;
    expect(trace.info.trace_id).toMatch(/^tr-/);
    expect(trace.info.trace_metadata['mlflow.trace.session']).toBe('conv-1');
    expect(trace.info.trace_metadata['mlflow.trace.user']).toBe('ada');
    expect(trace.data.spans.length).toBeGreaterThan(0);
  });

  it('a ChatAgent request gets the turn as ChatAgent messages, and streams delta chunks', async () => {
    const response = await post(url, '/invocations', {
      messages: [{ role: 'user', content: 'Weather?' }],
    });
    const body = (await response.json()) as Json;
    expect(body.messages.map((message: Json) => message.role)).toEqual([
      'assistant',
      'tool',
      'assistant',
    ]);
    expect(body.messages[1]).toMatchObject({ name: 'get_weather', content: 'sunny in Rome' });
    expect(new Set(body.messages.map((message: Json) => message.id)).size).toBe(3);
    const stream = await post(url, '/invocations', {
      messages: [{ role: 'user', content: 'Weather?' }],
      stream: true,
    });
    const chunks = (await events(stream))
      .filter((data) => data !== '[DONE]')
      .map((data) => JSON.parse(data) as Json);
    const text = chunks
      .filter((chunk) => chunk.delta.role === 'assistant' && !chunk.delta.tool_calls)
      .map((chunk) => chunk.delta.content)
      .join('');
    expect(text).toBe('It is sunny in Rome.');
    expect(chunks.at(-1)).toMatchObject({ finish_reason: 'stop' });
  });
});

describe('plain chains, limits and lifecycle', () => {
  it('a chat model served as it is: its own stream, usage in response.completed', async () => {
    const config = await resolveConfig({
      host: ws.host,
      token: ws.token,
      caCert: ws.caCert,
      env: {},
    });
    const local = new AgentServer({
      agent: new ChatDatabricks({ model: 'fm', config, maxRetries: 0 }),
      tracing: false,
    });
    const { url: base } = await local.listen({ port: 0 });
    try {
      const parsed = (await events(await post(base, '/responses', { input: 'hi', stream: true })))
        .filter((data) => data !== '[DONE]')
        .map((data) => JSON.parse(data) as Json);
      const deltas = parsed.filter((event) => event.type === 'response.output_text.delta');
      expect(deltas.length).toBeGreaterThan(1);
      expect(deltas.map((event) => event.delta).join('')).toBe('Hello from the model.');
      const completed = parsed.find((event) => event.type === 'response.completed');
      expect(completed?.response.output[0].content[0].text).toBe('Hello from the model.');
      expect(completed?.response.usage.total_tokens).toBeGreaterThan(0);
      expect(await (await fetch(`${base}/agent/info`)).json()).toMatchObject({
        input_style: 'messages',
      });
    } finally {
      await local.close();
    }
  });

  it('a stream that fails midway ends with one error event, then [DONE], and nothing after', async () => {
    const failing = RunnableLambda.from(async function* (_input: unknown) {
      yield 'partial ';
      throw new Error('the model went away');
    });
    const local = new AgentServer({ agent: failing, tracing: false });
    const { url: base } = await local.listen({ port: 0 });
    try {
      const response = await post(base, '/responses', { input: 'hi', stream: true });
      expect(response.status).toBe(200);
      const data = await events(response);
      expect(data.at(-1)).toBe('[DONE]');
      expect(data.filter((item) => item === '[DONE]')).toHaveLength(1);
      const parsed = data.slice(0, -1).map((item) => JSON.parse(item) as Json);
      expect(parsed.at(-1)).toEqual({
        type: 'error',
        code: 'INTERNAL_ERROR',
        message: 'the model went away',
      });
      expect(parsed.filter((event) => event.type === 'error')).toHaveLength(1);
      expect(
        parsed
          .filter((event) => event.type === 'response.output_text.delta')
          .map((event) => event.delta)
          .join(''),
      ).toBe('partial ');
    } finally {
      await local.close();
    }
  });

  it('a client that leaves mid-stream aborts the run and frees its slot', async () => {
    let aborted!: () => void;
    const sawAbort = new Promise<void>((resolve) => (aborted = resolve));
    const waiting = RunnableLambda.from(async function* (_input: unknown, config) {
      yield 'first ';
      const signal = config?.signal as AbortSignal;
      await new Promise<void>((resolve) => signal.addEventListener('abort', () => resolve()));
      aborted();
    });
    const local = new AgentServer({ agent: waiting, tracing: false, maxConcurrency: 1 });
    const { url: base } = await local.listen({ port: 0 });
    try {
      const client = new AbortController();
      const response = await fetch(`${base}/responses`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ input: 'hi', stream: true }),
        signal: client.signal,
      });
      const reader = (response.body as ReadableStream<Uint8Array>).getReader();
      let text = '';
      while (!text.includes('response.output_text.delta')) {
        const { value } = await reader.read();
        text += new TextDecoder().decode(value);
      }
      expect(text).toContain('"delta":"first "');
      expect(local.load.running).toBe(1);
      client.abort();
      await sawAbort;
      await expect.poll(() => local.load.running).toBe(0);
    } finally {
      await local.close();
    }
  });

  it('MLflow scoring shapes, custom_inputs in the config, custom_outputs back', async () => {
    const chain = RunnableLambda.from(async (input: Json, config) => ({
      custom_outputs: { seen: config?.configurable?.custom_inputs ?? null },
      echo: input,
    }));
    const local = new AgentServer({ agent: chain, tracing: false });
    const { url: base } = await local.listen({ port: 0 });
    try {
      for (const body of [
        { dataframe_records: [{ q: 'a' }, { q: 'b' }] },
        { dataframe_split: { columns: ['q'], data: [['a'], ['b']] } },
        { inputs: { q: ['a', 'b'] } },
      ]) {
        const predictions = ((await (await post(base, '/invocations', body)).json()) as Json)
          .predictions;
        expect(predictions.map((prediction: Json) => prediction.echo)).toEqual([
          { q: 'a' },
          { q: 'b' },
        ]);
      }
      const answer = (await (
        await post(base, '/responses', { input: 'hi', custom_inputs: { thread_id: 't-9' } })
      ).json()) as Json;
      expect(answer.custom_outputs).toEqual({ seen: { thread_id: 't-9' } });
      expect(JSON.parse(answer.output[0].content[0].text).echo.input).toBe('hi');
      // A chunked body (no Content-Length) under the limit is read as any other.
      const chunked = await fetch(`${base}/responses`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: new Blob([JSON.stringify({ input: 'chunked' })]).stream(),
        duplex: 'half',
      } as RequestInit);
      const chunkedText = ((await chunked.json()) as Json).output[0].content[0].text;
      expect(JSON.parse(chunkedText).echo.input).toBe('chunked');
      const bad = await post(base, '/invocations', { prompt: 'x' });
      expect(bad.status).toBe(400);
      expect(((await bad.json()) as Json).message).toMatch(/expected "input"/);
      expect((await fetch(`${base}/health`)).status).toBe(200);
      expect(await (await fetch(`${base}/agent/info`)).json()).toMatchObject({
        use_case: 'agent',
        agent_api: 'responses',
        input_style: 'chain',
      });
    } finally {
      await local.close();
    }
  });

  it('refuses large bodies (413), a full queue (429 with Retry-After), and drains on close', async () => {
    let open!: () => void;
    const gate = new Promise<void>((resolve) => (open = resolve));
    const slow = RunnableLambda.from(async () => {
      await gate;
      return 'done';
    });
    const local = new AgentServer({
      agent: slow,
      tracing: false,
      maxConcurrency: 1,
      maxQueue: 0,
      maxBodyBytes: 1024,
    });
    const { url: base } = await local.listen({ port: 0 });
    const large = await post(base, '/responses', { input: 'x'.repeat(4096) });
    expect(large.status).toBe(413);
    // Without a Content-Length (chunked), the body is counted as it arrives.
    const chunked = (text: string) =>
      fetch(`${base}/responses`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: new Blob([text]).stream(),
        duplex: 'half',
      } as RequestInit);
    expect((await chunked(JSON.stringify({ input: 'x'.repeat(4096) }))).status).toBe(413);
    const first = post(base, '/responses', { input: 'one' });
    await expect.poll(() => local.load.running).toBe(1);
    const refused = await post(base, '/responses', { input: 'two' });
    expect(refused.status).toBe(429);
    expect(refused.headers.get('retry-after')).toBe('1');
    const closing = local.close();
    await expect
      .poll(async () => (await fetch(`${base}/ready`).catch(() => undefined))?.status ?? 0)
      .not.toBe(200);
    open();
    const answer = await first;
    expect(answer.status).toBe(200);
    expect(((await answer.json()) as Json).output[0].content[0].text).toBe('done');
    await closing;
    await expect(fetch(`${base}/health`)).rejects.toThrow();
  });
});
