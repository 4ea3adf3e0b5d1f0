/**
 * Constructor options of the three models against LangChain's conventions: LangChain's standard
 * options work, unknown ones are typed errors naming the option, and the endpoint has one name
 * (`model`) everywhere, with the old names as deprecated aliases.
 */
import { DatabricksConfigError } from '@lakechain/core';
import { afterEach, describe, expect, it, vi } from 'vitest';
import {
  ChatDatabricks,
  Databricks,
  DatabricksEmbeddings,
  DatabricksServingError,
} from './index.js';
import { authFor, bodyAt, chatCompletion, json, mockFetch, sse } from './testing/helpers.js';

type Constructor = new (fields: Record<string, unknown>) => object;

const CLASSES: [name: string, Cls: Constructor][] = [
  ['ChatDatabricks', ChatDatabricks as unknown as Constructor],
  ['Databricks', Databricks as unknown as Constructor],
  ['DatabricksEmbeddings', DatabricksEmbeddings as unknown as Constructor],
];

function thrown(action: () => unknown): unknown {
  try {
    action();
  } catch (error) {
    return error;
  }
  throw new Error('expected the call to throw');
}

/** A fetch that never answers but rejects with the signal's reason when aborted. */
function silentFetch() {
  const calls: string[] = [];
  const fetch = (input: string | URL | Request, init?: RequestInit) => {
    calls.push(String(input));
    return new Promise<Response>((_resolve, reject) => {
      const signal = init?.signal;
      if (signal?.aborted) reject(signal.reason);
      signal?.addEventListener('abort', () => reject(signal.reason), { once: true });
    });
  };
  return { fetch: fetch as typeof globalThis.fetch, calls };
}

afterEach(() => {
  vi.useRealTimers();
  vi.restoreAllMocks();
});

describe.each(CLASSES)('%s options', (name, Cls) => {
  it('rejects an unknown option with a typed error naming it and what to use instead', () => {
    const error = thrown(() => new Cls({ model: 'm', apiKey: 'sk-not-a-databricks-token' }));
    expect(DatabricksConfigError.isInstance(error)).toBe(true);
    expect((error as DatabricksConfigError).option).toBe('apiKey');
    expect((error as Error).message).toBe(
      `${name}: unknown option "apiKey": pass \`token\` (a Databricks personal access token), or set DATABRICKS_TOKEN.`,
    );
    // The value of the unknown option is never echoed (it may be a secret).
    expect((error as Error).message).not.toContain('sk-not-a-databricks-token');
    expect(() => new Cls({ model: 'm', temprature: 0.2 })).toThrow(
      `${name}: unknown option "temprature": see the ${name} options in the @lakechain/databricks-llm README.`,
    );
  });

  it('accepts LangChain base options (callbacks, tags, retries, concurrency...)', () => {
    const instance = new Cls({
      model: 'm',
      maxRetries: 1,
      maxConcurrency: 2,
      onFailedAttempt: () => undefined,
      ...(name === 'DatabricksEmbeddings'
        ? {}
        : { callbacks: [], tags: ['t'], metadata: { a: 1 }, verbose: false, cache: false }),
      ...(name === 'ChatDatabricks' ? { disableStreaming: true, outputVersion: 'v0' } : {}),
    }) as { caller: { maxRetries: number; maxConcurrency: number } };
    expect(instance.caller.maxRetries).toBe(1);
    expect(instance.caller.maxConcurrency).toBe(2);
  });

  it('takes the endpoint as `model`; `endpoint` and `endpointName` are deprecated aliases that warn once', () => {
    const warn = vi.spyOn(process, 'emitWarning').mockImplementation(() => undefined);
    const model = (instance: object) => (instance as { model: string }).model;
    expect(model(new Cls({ model: 'm1' }))).toBe('m1');
    expect(warn).not.toHaveBeenCalled();
    expect(model(new Cls({ endpoint: 'm2' }))).toBe('m2');
    expect(model(new Cls({ endpoint: 'm3' }))).toBe('m3');
    expect(model(new Cls({ endpointName: 'm4' }))).toBe('m4');
    expect(warn.mock.calls).toEqual([
      [
        `${name}: option "endpoint" is deprecated; use "model" (same meaning).`,
        { type: 'DeprecationWarning', code: 'LAKECHAIN_DEPRECATED_OPTION' },
      ],
      [
        `${name}: option "endpointName" is deprecated; use "model" (same meaning).`,
        { type: 'DeprecationWarning', code: 'LAKECHAIN_DEPRECATED_OPTION' },
      ],
    ]);
    // The same value under two names is fine; two different values cannot both be meant.
    expect(model(new Cls({ model: 'same', endpoint: 'same' }))).toBe('same');
    const error = thrown(() => new Cls({ model: 'a', endpointName: 'b' }));
    expect(DatabricksConfigError.isInstance(error)).toBe(true);
    expect((error as Error).message).toMatch(
      /"model" and "endpointName" are the same setting .* different values: set only "model"/,
    );
  });

  it('`timeout` is the per-attempt timeout (LangChain name of `timeoutMs`)', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    const { fetch, calls } = silentFetch();
    const instance = new Cls({ model: 'm', timeout: 5_000, maxRetries: 0, ...authFor(fetch) });
    const call =
      instance instanceof DatabricksEmbeddings
        ? instance.embedQuery('x')
        : (instance as ChatDatabricks).invoke('x');
    const outcome = call.catch((error: unknown) => error);
    await vi.advanceTimersByTimeAsync(4_999);
    expect(calls.length).toBeGreaterThan(0);
    await vi.advanceTimersByTimeAsync(1);
    const error = await outcome;
    expect(DatabricksServingError.isInstance(error)).toBe(true);
    expect((error as Error).message).toMatch(/timed out after 5000 ms/);
    expect(() => new Cls({ model: 'm', timeout: 5, timeoutMs: 6 })).toThrow(
      /"timeoutMs" and "timeout" are the same setting/,
    );
  });
});

describe('LangChain standard options reach the wire', () => {
  it('ChatDatabricks: stopSequences is stop; streaming streams; serialised under canonical names', async () => {
    const mock = mockFetch((request) =>
      (request.body as { stream?: boolean }).stream
        ? sse([
            {
              model: 'm-1',
              choices: [{ index: 0, delta: { content: 'hi' }, finish_reason: 'stop' }],
            },
          ])
        : json(chatCompletion({ content: 'ok' })),
    );
    const chat = new ChatDatabricks({
      endpoint: 'ep',
      endpointApi: 'chat-completions',
      stopSequences: ['END'],
      streaming: true,
      timeout: 1_000,
      ...authFor(mock.fetch),
    });
    expect((await chat.invoke('x')).content).toBe('hi');
    expect(bodyAt(mock.calls)).toMatchObject({ stop: ['END'], stream: true });
    const kwargs = (chat.toJSON() as { kwargs: Record<string, unknown> }).kwargs;
    expect(kwargs).toMatchObject({ model: 'ep', stop: ['END'], streaming: true });
    expect(Object.keys(kwargs)).not.toContain('endpoint');
    expect(Object.keys(kwargs)).not.toContain('stop_sequences');
    expect(() => new ChatDatabricks({ model: 'ep', stop: ['a'], stopSequences: ['b'] })).toThrow(
      /"stop" and "stopSequences" are the same setting/,
    );
  });

  it('Databricks: stopSequences is stop', async () => {
    const mock = mockFetch(() => json({ choices: [{ text: 'ok' }] }));
    const llm = new Databricks({
      model: 'ep',
      task: 'llm/v1/completions',
      stopSequences: ['###'],
      ...authFor(mock.fetch),
    });
    await llm.invoke('p');
    expect(bodyAt(mock.invocations())).toMatchObject({ prompt: 'p', stop: ['###'] });
  });

  it('maxRetries 1 means two attempts, 0 means one', async () => {
    for (const [maxRetries, attempts] of [
      [0, 1],
      [1, 2],
    ] as const) {
      const mock = mockFetch(() =>
        json({ error_code: 'TEMPORARILY_UNAVAILABLE', message: 'busy' }, 503, {
          'retry-after': '0',
        }),
      );
      vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
      const chat = new ChatDatabricks({
        model: 'ep',
        endpointApi: 'chat-completions',
        maxRetries,
        ...authFor(mock.fetch),
      });
      const outcome = chat.invoke('x').catch((error: unknown) => error);
      await vi.runAllTimersAsync();
      expect(await outcome).toMatchObject({ status: 503 });
      expect(mock.invocations()).toHaveLength(attempts);
      vi.useRealTimers();
    }
  });
});
