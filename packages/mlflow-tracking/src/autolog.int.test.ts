import { StringOutputParser } from '@langchain/core/output_parsers';
import { ChatPromptTemplate } from '@langchain/core/prompts';
import { RunnableLambda } from '@langchain/core/runnables';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { autolog, getAutologTracer } from './index.js';
import { coreTransport } from './testing/core_transport.js';
import { attr, readTrace, treeOf } from './testing/read_back.js';
import { ScriptedChatModel } from './testing/scripted_chat_model.js';

const url = inject('mlflowUrl');

afterAll(() => {
  autolog({ disable: true });
});

describe('autolog()', () => {
  it('traces a chain that was given no callbacks at all', async () => {
    const tracer = autolog({
      trackingUri: url,
      experimentName: `autolog-${Date.now()}`,
      env: {},
      transport: await coreTransport(),
    });
    expect(tracer).toBe(getAutologTracer());

    // Application code, unchanged: no callbacks, no config.
    const prompt = ChatPromptTemplate.fromMessages([['human', 'Say hi to {name}']]);
    const model = new ScriptedChatModel([
      { content: 'Hi Ada', usage: { input_tokens: 3, output_tokens: 2, total_tokens: 5 } },
    ]);
    const post = RunnableLambda.from((s: string) => s.toUpperCase()).withConfig({
      runName: 'Upper',
    });
    const chain = prompt.pipe(model).pipe(new StringOutputParser()).pipe(post);
    expect(await chain.invoke({ name: 'Ada' })).toBe('HI ADA');

    await tracer?.flush();
    const id = tracer?.lastTraceId;
    expect(id).toMatch(/^tr-[0-9a-f]{32}$/);
    const trace = await readTrace(url, id ?? '');
    expect(treeOf(trace.spans)).toEqual({
      RunnableSequence: null,
      ChatPromptTemplate: 'RunnableSequence',
      ScriptedChatModel: 'RunnableSequence',
      StrOutputParser: 'RunnableSequence',
      Upper: 'RunnableSequence',
    });
    expect(
      attr(trace.spans.find((s) => s.name === 'ScriptedChatModel')!, 'mlflow.chat.tokenUsage'),
    ).toEqual({
      input_tokens: 3,
      output_tokens: 2,
      total_tokens: 5,
    });
  });

  it('does not double-trace when the tracer is also passed explicitly, and can be disabled', async () => {
    const tracer = getAutologTracer();
    if (!tracer) throw new Error('autolog not active');
    const chain = RunnableLambda.from((x: number) => x + 1).withConfig({ runName: 'Inc' });
    const seen: number[] = [];
    const spy = RunnableLambda.from((x: number) => x);
    await chain.pipe(spy).invoke(1, { callbacks: [tracer] });
    await tracer.flush();
    const trace = await readTrace(url, tracer.lastTraceId ?? '');
    seen.push(trace.spans.length);
    expect(seen).toEqual([3]); // sequence + Inc + spy, once each

    autolog({ disable: true });
    const before = tracer.lastTraceId;
    await chain.invoke(1);
    expect(tracer.lastTraceId).toBe(before);
  });
});
