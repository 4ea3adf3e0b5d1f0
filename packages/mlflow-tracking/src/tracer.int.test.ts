import { Document } from '@langchain/core/documents';
import {
  type AIMessage,
  type BaseMessage,
  HumanMessage,
  ToolMessage,
} from '@langchain/core/messages';
import { StringOutputParser } from '@langchain/core/output_parsers';
import { ChatPromptTemplate } from '@langchain/core/prompts';
import { BaseRetriever } from '@langchain/core/retrievers';
import { RunnableLambda, RunnableSequence } from '@langchain/core/runnables';
import { tool } from '@langchain/core/tools';
import { beforeAll, describe, expect, inject, it } from 'vitest';
import { z } from 'zod';
import { MlflowTracer, TraceExporter } from './index.js';
import { coreTransport } from './testing/core_transport.js';
import {
  attr,
  byName,
  getTraceArtifactViaUiEndpoint,
  readTrace,
  readWithPython,
  treeOf,
} from './testing/read_back.js';
import { ScriptedChatModel } from './testing/scripted_chat_model.js';

const url = inject('mlflowUrl');
const usage = { input_tokens: 11, output_tokens: 7, total_tokens: 18 };

let tracer: MlflowTracer;

beforeAll(async () => {
  tracer = new MlflowTracer({
    trackingUri: url,
    experimentName: `tracer-int-${Date.now()}`,
    env: {},
    transport: await coreTransport(),
    tags: { suite: 'tracer' },
  });
});

async function lastTrace() {
  await tracer.flush();
  const id = tracer.lastTraceId;
  if (!id) throw new Error('no trace');
  expect(tracer.exporter.stats.dropped).toBe(0);
  return readTrace(url, id);
}

describe('MlflowTracer against a real MLflow server', () => {
  it('prompt -> chat model -> parser', async () => {
    const prompt = ChatPromptTemplate.fromMessages([
      ['system', 'You are terse.'],
      ['human', 'Tell me about {topic}'],
    ]);
    const model = new ScriptedChatModel([{ content: 'Otters hold hands.', usage }]);
    const chain = prompt.pipe(model).pipe(new StringOutputParser());
    const out = await chain.invoke({ topic: 'otters' }, { callbacks: [tracer] });
    expect(out).toBe('Otters hold hands.');

    const trace = await lastTrace();
    expect(trace.info.state).toBe('OK');
    expect(trace.info.tags['mlflow.traceName']).toBe('RunnableSequence');
    expect(trace.info.tags.suite).toBe('tracer');
    expect(trace.info.trace_metadata['mlflow.trace_schema.version']).toBe('3');
    expect(JSON.parse(trace.info.trace_metadata['mlflow.trace.tokenUsage'] ?? '{}')).toEqual(usage);
    expect(trace.info.request_preview).toContain('otters');
    expect(trace.info.response_preview).toContain('Otters hold hands.');

    expect(treeOf(trace.spans)).toEqual({
      RunnableSequence: null,
      ChatPromptTemplate: 'RunnableSequence',
      ScriptedChatModel: 'RunnableSequence',
      StrOutputParser: 'RunnableSequence',
    });
    const chat = byName(trace.spans, 'ScriptedChatModel');
    expect(attr(chat, 'mlflow.spanType')).toBe('CHAT_MODEL');
    expect(attr(chat, 'mlflow.message.format')).toBe('langchain');
    expect(attr(chat, 'mlflow.llm.model')).toBe('scripted-1');
    expect(attr(chat, 'mlflow.chat.tokenUsage')).toEqual(usage);
    expect(attr(chat, 'mlflow.spanInputs')).toEqual({
      messages: [
        { role: 'system', content: 'You are terse.' },
        { role: 'user', content: 'Tell me about otters' },
      ],
    });
    expect(attr(chat, 'mlflow.spanOutputs')).toEqual({
      choices: [
        {
          index: 0,
          message: { role: 'assistant', content: 'Otters hold hands.' },
          finish_reason: 'stop',
        },
      ],
    });
    expect(attr(byName(trace.spans, 'StrOutputParser'), 'mlflow.spanType')).toBe('PARSER');
    expect(attr(byName(trace.spans, 'RunnableSequence'), 'mlflow.spanType')).toBe('CHAIN');
    for (const span of trace.spans) {
      expect(span.status.code).toBe('STATUS_CODE_OK');
      expect(attr(span, 'mlflow.traceRequestId')).toBe(trace.info.trace_id);
    }
    // Nanosecond timestamps survive as exact integers (> 2^53) in the stored JSON text.
    expect(trace.spansJsonText).toMatch(/"start_time_unix_nano":\s*\d{19}/);

    // What the UI loads for this trace, and MLflow's own Python client parsing every span.
    expect(await getTraceArtifactViaUiEndpoint(url, trace.info.trace_id)).toContain(
      'ScriptedChatModel',
    );
    const py = await readWithPython(url, trace.info.trace_id);
    expect(py.state).toContain('OK');
    expect(py.token_usage).toEqual(usage);
    const pyChat = py.spans.find((s) => s.name === 'ScriptedChatModel');
    expect(pyChat).toMatchObject({
      span_type: 'CHAT_MODEL',
      parent: 'RunnableSequence',
      token_usage: usage,
    });
    expect(py.spans.find((s) => s.name === 'StrOutputParser')?.span_type).toBe('PARSER');
  });

  it('tool-calling agent loop with a real tool', async () => {
    const calls: string[] = [];
    const weather = tool(
      async ({ city }: { city: string }) => {
        calls.push(city);
        return `Sunny in ${city}`;
      },
      {
        name: 'get_weather',
        description: 'Weather for a city',
        schema: z.object({ city: z.string() }),
      },
    );
    const model = new ScriptedChatModel([
      {
        content: '',
        toolCalls: [{ id: 'call_1', name: 'get_weather', args: { city: 'Paris' } }],
        usage,
      },
      {
        content: 'It is sunny in Paris.',
        usage: { input_tokens: 20, output_tokens: 5, total_tokens: 25 },
      },
    ]).bindTools([weather]);

    // A minimal agent executor: model → tools → model until no tool calls.
    const agent = RunnableLambda.from(async (question: string, config) => {
      const messages: BaseMessage[] = [new HumanMessage(question)];
      for (let i = 0; i < 4; i++) {
        const reply = (await model.invoke(messages, config)) as AIMessage;
        messages.push(reply);
        if (!reply.tool_calls?.length) return reply.content;
        for (const call of reply.tool_calls) {
          const result = await weather.invoke(call.args as { city: string }, config);
          messages.push(new ToolMessage({ content: String(result), tool_call_id: call.id ?? '' }));
        }
      }
      return 'gave up';
    }).withConfig({ runName: 'WeatherAgent' });

    const answer = await agent.invoke('Weather in Paris?', { callbacks: [tracer] });
    expect(answer).toBe('It is sunny in Paris.');
    expect(calls).toEqual(['Paris']);

    const trace = await lastTrace();
    const root = trace.spans.find((s) => s.parent_span_id === null);
    expect(root?.name).toBe('WeatherAgent');
    expect(attr(root ?? trace.spans[0]!, 'mlflow.spanType')).toBe('AGENT');
    const chats = trace.spans.filter((s) => attr(s, 'mlflow.spanType') === 'CHAT_MODEL');
    expect(chats).toHaveLength(2);
    const toolSpan = byName(trace.spans, 'get_weather');
    expect(attr(toolSpan, 'mlflow.spanType')).toBe('TOOL');
    expect(attr(toolSpan, 'mlflow.spanInputs')).toEqual({ city: 'Paris' });
    expect(JSON.stringify(attr(toolSpan, 'mlflow.spanOutputs'))).toContain('Sunny in Paris');
    expect(treeOf(trace.spans).get_weather).toBe('WeatherAgent');

    const first = chats[0]!;
    expect(attr(first, 'mlflow.chat.tools')).toEqual([
      {
        type: 'function',
        function: expect.objectContaining({
          name: 'get_weather',
          description: 'Weather for a city',
        }),
      },
    ]);
    const out = attr<{ choices: { message: { tool_calls: unknown[]; content: unknown } }[] }>(
      first,
      'mlflow.spanOutputs',
    );
    expect(out?.choices[0]?.message.content).toBeNull();
    expect(out?.choices[0]?.message.tool_calls).toEqual([
      {
        id: 'call_1',
        type: 'function',
        function: { name: 'get_weather', arguments: '{"city":"Paris"}' },
      },
    ]);
    const second = attr<{ messages: { role: string; tool_call_id?: string }[] }>(
      chats[1]!,
      'mlflow.spanInputs',
    );
    expect(second?.messages.map((m) => m.role)).toEqual(['user', 'assistant', 'tool']);
    expect(second?.messages[2]?.tool_call_id).toBe('call_1');
    expect(JSON.parse(trace.info.trace_metadata['mlflow.trace.tokenUsage'] ?? '{}')).toEqual({
      input_tokens: 31,
      output_tokens: 12,
      total_tokens: 43,
    });
  });

  it('retriever chain', async () => {
    class StaticRetriever extends BaseRetriever {
      lc_namespace = ['test'];
      override async _getRelevantDocuments(query: string) {
        return [
          new Document({
            pageContent: `About ${query}`,
            metadata: { source: 'a.txt' },
            id: 'doc-1',
          }),
          new Document({ pageContent: 'More', metadata: { source: 'b.txt' } }),
        ];
      }
    }
    const retriever = new StaticRetriever();
    const chain = RunnableSequence.from([
      (q: string) => q,
      retriever,
      (docs: Document[]) => docs.map((d) => d.pageContent).join('\n'),
    ]);
    await chain.invoke('lakes', { callbacks: [tracer] });
    const trace = await lastTrace();
    const span = byName(trace.spans, 'StaticRetriever');
    expect(attr(span, 'mlflow.spanType')).toBe('RETRIEVER');
    expect(attr(span, 'mlflow.spanInputs')).toBe('lakes');
    expect(attr(span, 'mlflow.spanOutputs')).toEqual([
      { page_content: 'About lakes', metadata: { source: 'a.txt' }, id: 'doc-1' },
      { page_content: 'More', metadata: { source: 'b.txt' }, id: null },
    ]);
  });

  it('streaming call records new_token events and the final usage', async () => {
    const model = new ScriptedChatModel([{ content: 'one two three', usage }]);
    const chunks: string[] = [];
    for await (const chunk of await model.stream('count', { callbacks: [tracer] })) {
      chunks.push(String(chunk.content));
    }
    expect(chunks.join('')).toBe('one two three');
    const trace = await lastTrace();
    expect(trace.spans).toHaveLength(1);
    const span = trace.spans[0]!;
    expect(attr(span, 'mlflow.spanType')).toBe('CHAT_MODEL');
    const tokens = span.events.filter((e) => e.name === 'new_token').map((e) => e.attributes.token);
    expect(tokens).toEqual(['one ', 'two ', 'three']);
    expect(attr(span, 'mlflow.chat.tokenUsage')).toEqual(usage);
    expect(JSON.parse(trace.info.trace_metadata['mlflow.trace.tokenUsage'] ?? '{}')).toEqual(usage);
  });

  it('error inside a nested chain marks spans and trace ERROR, exception propagates unchanged', async () => {
    const failing = RunnableLambda.from(() => {
      throw new TypeError('boom in inner');
    }).withConfig({ runName: 'Inner' });
    const middle = RunnableSequence.from([(x: string) => x, failing]).withConfig({
      runName: 'Middle',
    });
    const outer = RunnableSequence.from([(x: string) => x.toUpperCase(), middle]).withConfig({
      runName: 'Outer',
    });
    await expect(outer.invoke('x', { callbacks: [tracer] })).rejects.toThrow('boom in inner');

    const trace = await lastTrace();
    expect(trace.info.state).toBe('ERROR');
    const inner = byName(trace.spans, 'Inner');
    expect(inner.status).toEqual({ code: 'STATUS_CODE_ERROR', message: 'boom in inner' });
    const event = inner.events.find((e) => e.name === 'exception');
    expect(event?.attributes['exception.type']).toBe('TypeError');
    expect(event?.attributes['exception.message']).toBe('boom in inner');
    expect(String(event?.attributes['exception.stacktrace'])).toContain('boom in inner');
    expect(byName(trace.spans, 'Middle').status.code).toBe('STATUS_CODE_ERROR');
    expect(byName(trace.spans, 'Outer').status.code).toBe('STATUS_CODE_ERROR');
    expect(treeOf(trace.spans).Inner).toBe('Middle');
    expect(treeOf(trace.spans).Middle).toBe('Outer');
  });

  it('close() hands over a trace still open and exports the queue; a shared exporter stays open', async () => {
    const exporter = new TraceExporter({
      trackingUri: url,
      experimentName: `tracer-close-${Date.now()}`,
      env: {},
      transport: await coreTransport(),
    });
    const perRequest = new MlflowTracer({ exporter });
    // A root run that never reports its end (an abandoned stream): close() still exports it.
    perRequest.handleChainStart(
      { lc: 1, type: 'not_implemented', id: ['Abandoned'] },
      { q: 'left open' },
      'open-run',
    );
    await perRequest.close();
    const abandoned = await readTrace(url, perRequest.lastTraceId as string);
    expect(abandoned.spans.map((span) => span.name)).toEqual(['Abandoned']);

    // The shared exporter was only flushed: the next per-request tracer still exports through it.
    {
      await using next = new MlflowTracer({ exporter });
      await RunnableLambda.from((x: number) => x + 1).invoke(1, { callbacks: [next] });
    }
    expect(exporter.stats).toEqual({ exported: 2, dropped: 0, queued: 0 });
    await exporter.close();
    const late = new MlflowTracer({ exporter });
    await RunnableLambda.from((x: number) => x + 1).invoke(2, { callbacks: [late] });
    expect(exporter.stats).toEqual({ exported: 2, dropped: 1, queued: 0 });
  });
});
