import { ChatPromptTemplate } from '@langchain/core/prompts';
import { RunnableLambda } from '@langchain/core/runnables';
import { describe, expect, inject, it, vi } from 'vitest';
// @ts-expect-error: plain ESM script without type declarations
import { startMlflowServer } from '../scripts/mlflow-server.mjs';
import { MlflowTracer } from './index.js';
import { coreTransport } from './testing/core_transport.js';
import { readTrace } from './testing/read_back.js';
import { ScriptedChatModel } from './testing/scripted_chat_model.js';

const url = inject('mlflowUrl');

describe('server outages', () => {
  it('server stopped: the chain keeps working; traces wait for a retry, and are dropped with one warning at shutdown', async () => {
    const server = (await startMlflowServer()) as { url: string; stop(): Promise<void> };
    const warnings: string[] = [];
    const tracer = new MlflowTracer({
      trackingUri: `http://alice:s3cret-pass@${server.url.slice('http://'.length)}`,
      experimentName: 'outage',
      env: {},
      transport: await coreTransport({
        retry: { maxAttempts: 2, initialDelayMs: 10, maxDelayMs: 20 },
      }),
      warn: (m) => warnings.push(m),
    });
    const chain = RunnableLambda.from((x: string) => `${x}!`).withConfig({ runName: 'Bang' });

    expect(await chain.invoke('up', { callbacks: [tracer] })).toBe('up!');
    await tracer.flush();
    expect(tracer.exporter.stats).toMatchObject({ exported: 1, dropped: 0 });
    await readTrace(server.url, tracer.lastTraceId ?? ''); // really stored

    await server.stop();
    const consoleWarn = vi.spyOn(console, 'warn');
    for (let i = 0; i < 5; i++) {
      expect(await chain.invoke(`down${i}`, { callbacks: [tracer] })).toBe(`down${i}!`);
    }
    await tracer.flush();
    // Still within the retry window: nothing is lost yet, nothing is reported yet.
    expect(tracer.exporter.stats).toMatchObject({ exported: 1, dropped: 0, queued: 5 });
    expect(warnings).toHaveLength(0);
    await tracer.exporter.shutdown();
    expect(tracer.exporter.stats).toMatchObject({ exported: 1, dropped: 5, queued: 0 });
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toContain('Could not export traces');
    expect(warnings[0]).not.toContain('s3cret-pass');
    expect(consoleWarn).not.toHaveBeenCalled();
  });

  it('a missing tracking URI never throws into the chain', async () => {
    const warnings: string[] = [];
    const tracer = new MlflowTracer({ env: {}, warn: (m) => warnings.push(m) });
    const chain = RunnableLambda.from((x: number) => x * 2);
    expect(await chain.invoke(21, { callbacks: [tracer] })).toBe(42);
    await tracer.flush();
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toContain('MLFLOW_TRACKING_URI');
  });
});

describe('secrets', () => {
  it('tokens and credential-named values never reach spans, metadata or previews', async () => {
    const token = 'dapi-super-secret-token-123456';
    const tracer = new MlflowTracer({
      trackingUri: url,
      experimentName: 'secrets',
      env: { MLFLOW_TRACKING_TOKEN: token },
      transport: await coreTransport(),
    });
    const prompt = ChatPromptTemplate.fromMessages([['human', '{question}']]);
    const model = new ScriptedChatModel([{ content: `echo ${token}` }]);
    const chain = RunnableLambda.from(
      async (input: { question: string; apiKey: string; password: string }, config) =>
        prompt.pipe(model).invoke({ question: input.question }, config),
    ).withConfig({ runName: 'Leaky' });
    await chain.invoke(
      {
        question: `my token is ${token}`,
        apiKey: 'sk-live-abcdef123456',
        password: 'hunter2-hunter2',
      },
      { callbacks: [tracer], metadata: { openai_api_key: 'sk-meta-999999', user_id: 'u1' } },
    );
    await tracer.flush();
    const trace = await readTrace(url, tracer.lastTraceId ?? '');
    const everything = trace.spansJsonText + JSON.stringify(trace.info);
    for (const secret of [token, 'sk-live-abcdef123456', 'hunter2-hunter2', 'sk-meta-999999']) {
      expect(everything).not.toContain(secret);
    }
    expect(everything).toContain('[REDACTED]');
    expect(trace.info.trace_metadata['mlflow.trace.user']).toBe('u1');
  });
});
