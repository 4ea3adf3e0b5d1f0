import type { Serialized } from '@langchain/core/load/serializable';
import { AIMessage, HumanMessage, SystemMessage, ToolMessage } from '@langchain/core/messages';
import { FakeLLM } from '@langchain/core/utils/testing';
import { describe, expect, it } from 'vitest';
import type { TraceExporter } from './exporter.js';
import type { FinishedTrace } from './spans.js';
import { MlflowTracer } from './tracer.js';

function capture() {
  const traces: FinishedTrace[] = [];
  const exporter = { enqueue: (t: FinishedTrace) => traces.push(t) } as unknown as TraceExporter;
  return { traces, tracer: new MlflowTracer({ exporter, runId: 'run-1', tags: { env: 'test' } }) };
}

const attr = (t: FinishedTrace, name: string, key: string) => {
  const span = t.spans.find((s) => s.name === name);
  const raw = span?.attributes[key];
  return raw === undefined ? undefined : JSON.parse(raw);
};

describe('MlflowTracer (no server)', () => {
  it('LLM runs: prompts in, legacy llmOutput.tokenUsage as fallback, provider from _type', () => {
    const { traces, tracer } = capture();
    const ser = { lc: 1, type: 'not_implemented', id: ['x', 'OpenAI'] } as Serialized;
    tracer.handleLLMStart(ser, ['hello'], 'r1', undefined, {
      invocation_params: { model_name: 'gpt-x', _type: 'openai-chat' },
    });
    tracer.handleLLMEnd(
      {
        generations: [[{ text: 'hi' }]],
        llmOutput: { tokenUsage: { promptTokens: 3, completionTokens: 1, totalTokens: 4 } },
      },
      'r1',
    );
    const t = traces[0]!;
    expect(attr(t, 'OpenAI', 'mlflow.spanType')).toBe('LLM');
    expect(attr(t, 'OpenAI', 'mlflow.spanInputs')).toEqual({ prompts: ['hello'] });
    expect(attr(t, 'OpenAI', 'mlflow.llm.model')).toBe('gpt-x');
    expect(attr(t, 'OpenAI', 'mlflow.llm.provider')).toBe('openai');
    expect(attr(t, 'OpenAI', 'mlflow.chat.tokenUsage')).toEqual({
      input_tokens: 3,
      output_tokens: 1,
      total_tokens: 4,
    });
    expect(attr(t, 'OpenAI', 'mlflow.spanOutputs')).toEqual({
      choices: [{ index: 0, message: { role: 'assistant', content: 'hi' }, finish_reason: null }],
    });
    expect(t.metadata['mlflow.sourceRun']).toBe('run-1');
    expect(t.tags).toEqual({ env: 'test' });
  });

  it('chat messages: roles, tool calls, tool results, cache token details, ls_* metadata', () => {
    const { traces, tracer } = capture();
    tracer.handleChatModelStart(
      { lc: 1, type: 'not_implemented', id: ['x', 'ChatThing'] },
      [
        [
          new SystemMessage('sys'),
          new HumanMessage({
            content: [
              { type: 'text', text: 'look' },
              { type: 'image_url', image_url: { url: 'http://i' } },
            ],
          }),
          new AIMessage({ content: '', tool_calls: [{ id: 'c1', name: 'f', args: { a: 1 } }] }),
          new ToolMessage({ content: 'r', tool_call_id: 'c1' }),
        ],
      ],
      'r1',
      undefined,
      {
        invocation_params: {
          tools: [{ name: 'f', description: 'd', input_schema: { type: 'object' } }],
        },
      },
      [],
      { ls_provider: 'anthropic', ls_model_name: 'claude-x', thread_id: 'th-9' },
    );
    tracer.handleLLMEnd(
      {
        generations: [
          [
            {
              text: 'ok',
              message: new AIMessage({
                content: 'ok',
                usage_metadata: {
                  input_tokens: 5,
                  output_tokens: 2,
                  total_tokens: 7,
                  input_token_details: { cache_read: 4 },
                },
              }),
            } as never,
          ],
        ],
      },
      'r1',
    );
    const t = traces[0]!;
    expect(attr(t, 'ChatThing', 'mlflow.spanInputs')).toEqual({
      messages: [
        { role: 'system', content: 'sys' },
        {
          role: 'user',
          content: [
            { type: 'text', text: 'look' },
            { type: 'image_url', image_url: { url: 'http://i' } },
          ],
        },
        {
          role: 'assistant',
          content: null,
          tool_calls: [
            { id: 'c1', type: 'function', function: { name: 'f', arguments: '{"a":1}' } },
          ],
        },
        { role: 'tool', content: 'r', tool_call_id: 'c1' },
      ],
    });
    expect(attr(t, 'ChatThing', 'mlflow.chat.tools')).toEqual([
      {
        type: 'function',
        function: { name: 'f', description: 'd', parameters: { type: 'object' } },
      },
    ]);
    expect(attr(t, 'ChatThing', 'mlflow.llm.provider')).toBe('anthropic');
    expect(attr(t, 'ChatThing', 'mlflow.llm.model')).toBe('claude-x');
    expect(attr(t, 'ChatThing', 'mlflow.chat.tokenUsage')).toEqual({
      input_tokens: 5,
      output_tokens: 2,
      total_tokens: 7,
      cache_read_input_tokens: 4,
    });
    expect(t.metadata['mlflow.trace.session']).toBe('th-9');
  });

  it('agent action/finish, text and retry become events on the run span (no new spans)', () => {
    const { traces, tracer } = capture();
    const ser = { lc: 1, type: 'not_implemented', id: ['x', 'AgentExecutor'] } as Serialized;
    tracer.handleChainStart(ser, { input: 'q' }, 'a', undefined, [], {}, 'chain');
    tracer.handleAgentAction({ tool: 'search', toolInput: { q: 'x' }, log: 'thinking' }, 'a');
    tracer.handleText('some text', 'a');
    tracer.handleRetry('a', { attempt: 2, slept: 1.5, error: new Error('429') });
    tracer.handleAgentEnd({ returnValues: { output: 'done' }, log: 'final' }, 'a');
    tracer.handleChainEnd({ output: 'done' }, 'a');
    const span = traces[0]!.spans[0]!;
    expect(traces[0]!.spans).toHaveLength(1);
    expect(JSON.parse(span.attributes['mlflow.spanType']!)).toBe('AGENT');
    expect(span.events.map((e) => e.name)).toEqual([
      'agent_action',
      'text',
      'retry',
      'agent_finish',
    ]);
    expect(span.events[0]!.attributes).toEqual({
      tool: 'search',
      tool_input: '{"q":"x"}',
      log: 'thinking',
    });
    expect(span.events[2]!.attributes).toMatchObject({
      attempt: 2,
      outcome: 'failed',
      exception: '429',
    });
  });

  it('unfinished children are closed when the root ends; unknown parents start a new trace', async () => {
    const { traces, tracer } = capture();
    const ser = { lc: 1, type: 'not_implemented', id: ['x', 'C'] } as Serialized;
    tracer.handleChainStart(ser, {}, 'root', undefined, [], {}, 'chain', 'Root');
    tracer.handleChainStart(ser, {}, 'child', 'root', [], {}, 'chain', 'Child');
    tracer.handleChainEnd({}, 'root');
    expect(traces[0]!.spans.map((s) => [s.name, s.endNs !== undefined])).toEqual([
      ['Root', true],
      ['Child', true],
    ]);
    tracer.handleChainStart(ser, {}, 'orphan', 'never-seen', [], {}, 'chain', 'Orphan');
    tracer.handleChainEnd({}, 'orphan');
    expect(traces[1]!.rootSpan.name).toBe('Orphan');
    expect(traces[1]!.traceIdHex).not.toBe(traces[0]!.traceIdHex);
    // LangChain's own LLM also works end to end through the callback manager.
    await new FakeLLM({}).invoke('p', { callbacks: [tracer] });
    expect(traces[2]!.rootSpan.name).toBe('FakeLLM');
  });

  it('stale traces (root never ends) are exported by the sweep and late ends are ignored', () => {
    const traces: FinishedTrace[] = [];
    const exporter = { enqueue: (t: FinishedTrace) => traces.push(t) } as unknown as TraceExporter;
    const tracer = new MlflowTracer({ exporter, staleTraceMs: 1000 });
    const ser = { lc: 1, type: 'not_implemented', id: ['x', 'S'] } as Serialized;
    tracer.handleChainStart(ser, {}, 'stuck', undefined, [], {}, 'chain', 'Stuck');
    expect(tracer.sweepStaleTraces(Date.now())).toBe(0);
    expect(tracer.sweepStaleTraces(Date.now() + 5000)).toBe(1);
    expect(traces.map((t) => t.rootSpan.name)).toEqual(['Stuck']);
    tracer.handleChainEnd({}, 'stuck');
    expect(traces).toHaveLength(1);
  });
});
