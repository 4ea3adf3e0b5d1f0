/**
 * The Databricks backend against @lakechain/local-workspace (HTTPS, PAT auth): a custom-model
 * endpoint serving Dolly (`dataframe_records` in, `predictions` out) and a completions endpoint.
 * Request bodies are asserted on the server side.
 */
import {
  type LocalWorkspace,
  scriptedCompletions,
  scriptedCustomModel,
  startLocalWorkspace,
} from '@lakechain/local-workspace';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { DOLLY_PROMPT, Dolly, DollyOutputParser, formatDollyPrompt } from './index.js';
import { settleWithFakeTime, useFakeTimeouts } from './testing/fake_time.js';

let ws: LocalWorkspace;
let customAnswer = 'Delta Lake is an open table format.\n\n### End';

beforeAll(async () => {
  ws = await startLocalWorkspace({
    samples: false,
    servingEndpoints: [
      {
        name: 'dolly-v2-3b',
        task: 'custom',
        model: 'main.default.dolly_v2_3b',
        handler: scriptedCustomModel((input) => (input as unknown[]).map(() => customAnswer)),
      },
      {
        name: 'dolly-completions',
        task: 'llm/v1/completions',
        endpointType: 'EXTERNAL_MODEL',
        handler: scriptedCompletions(() => 'Parquet files plus a transaction log. ### End ignored'),
      },
    ],
  });
});

afterAll(async () => {
  await ws?.stop();
});

afterEach(() => {
  vi.useRealTimers();
});

beforeEach(() => {
  ws.serving.clearRequests();
  customAnswer = 'Delta Lake is an open table format.\n\n### End';
});

const auth = () => ({ host: ws.host, token: ws.token, caCert: ws.caCert, env: {} });

describe('Databricks backend', () => {
  it('custom model: dataframe_records with prompt, stop and Dolly parameters', async () => {
    const dolly = new Dolly({
      backend: { type: 'databricks', model: 'dolly-v2-3b', ...auth() },
      maxRetries: 0,
    });
    expect(await dolly.invoke('What is Delta Lake?')).toBe('Delta Lake is an open table format.');
    const [record] = ws.serving.requestsFor('dolly-v2-3b');
    expect(record?.body).toEqual({
      dataframe_records: [
        {
          prompt: formatDollyPrompt({ instruction: 'What is Delta Lake?' }),
          stop: ['### End'],
          max_new_tokens: 256,
          top_p: 0.92,
          do_sample: true,
        },
      ],
    });
    expect(record?.path).toBe('/serving-endpoints/dolly-v2-3b/invocations');
  });

  it('custom model: overrides, temperature and call-time stop; streaming gives one clean chunk', async () => {
    customAnswer = 'One.\nTwo.\n### End';
    const dolly = new Dolly({
      backend: { type: 'databricks', model: 'dolly-v2-3b', ...auth() },
      maxNewTokens: 32,
      temperature: 0.2,
      topK: 50,
      maxRetries: 0,
    });
    const chunks: string[] = [];
    for await (const chunk of await dolly.stream('Count.', { stop: ['Two'] })) chunks.push(chunk);
    expect(chunks).toEqual(['One.']);
    expect(ws.serving.requestsFor('dolly-v2-3b')[0]?.body).toEqual({
      dataframe_records: [
        {
          prompt: formatDollyPrompt({ instruction: 'Count.' }),
          stop: ['### End', 'Two'],
          max_new_tokens: 32,
          top_p: 0.92,
          do_sample: true,
          temperature: 0.2,
          top_k: 50,
        },
      ],
    });
  });

  it('works in a chain with DOLLY_PROMPT and the output parser', async () => {
    customAnswer = 'It stores tables.\n### End';
    const dolly = new Dolly({
      backend: { type: 'databricks', model: 'dolly-v2-3b', ...auth() },
      maxRetries: 0,
    });
    const chain = DOLLY_PROMPT.pipe(dolly).pipe(new DollyOutputParser());
    const input = { instruction: 'What does it do?', context: 'Delta Lake stores tables.' };
    expect(await chain.invoke(input)).toBe('It stores tables.');
    const body = ws.serving.requestsFor('dolly-v2-3b')[0]?.body as {
      dataframe_records: { prompt: string }[];
    };
    expect(body.dataframe_records[0]?.prompt).toBe(formatDollyPrompt(input));
  });

  it('completions endpoint: OpenAI parameter names, streamed, cut at ### End', async () => {
    const dolly = new Dolly({
      backend: { type: 'databricks', model: 'dolly-completions', ...auth() },
      maxRetries: 0,
    });
    expect(await dolly.invoke('What is Delta Lake made of?')).toBe(
      'Parquet files plus a transaction log.',
    );
    expect(ws.serving.requestsFor('dolly-completions')[0]?.body).toEqual({
      prompt: formatDollyPrompt({ instruction: 'What is Delta Lake made of?' }),
      stop: ['### End'],
      max_tokens: 256,
      top_p: 0.92,
    });
    const chunks: string[] = [];
    for await (const chunk of await dolly.stream('Again?')) chunks.push(chunk);
    expect(chunks.join('')).toBe('Parquet files plus a transaction log.');
    expect(chunks.join('')).not.toContain('###');
    expect(chunks.length).toBeGreaterThan(1);
    expect(ws.serving.requestsFor('dolly-completions')[1]?.body).toMatchObject({ stream: true });
  });

  it('an explicit task picks the parameter names; extraParams are merged', async () => {
    const dolly = new Dolly({
      backend: {
        type: 'databricks',
        model: 'dolly-v2-3b',
        task: 'custom',
        extraParams: { repetition_penalty: 1.1 },
        ...auth(),
      },
      maxRetries: 0,
    });
    await dolly.invoke('Hi');
    expect(ws.serving.requestsFor('dolly-v2-3b')[0]?.body).toMatchObject({
      dataframe_records: [{ max_new_tokens: 256, repetition_penalty: 1.1 }],
    });
  });

  it('errors name the endpoint and never contain the token', async () => {
    const dolly = new Dolly({
      backend: { type: 'databricks', model: 'no-such-endpoint', ...auth() },
      maxRetries: 0,
    });
    const error = await dolly.invoke('x').catch((caught: unknown) => caught);
    expect(error).toMatchObject({ name: 'DatabricksApiError', statusCode: 404 });
    expect((error as Error).message).toMatch(/no-such-endpoint/);
    expect(String((error as Error).stack)).not.toContain(ws.token);
  });

  it('never serialises the Databricks token', () => {
    const dolly = new Dolly({
      backend: { type: 'databricks', model: 'dolly-v2-3b', ...auth() },
    });
    const text = JSON.stringify(dolly);
    expect(text).not.toContain(ws.token);
    expect(JSON.stringify(dolly.lc_kwargs)).not.toContain(ws.token);
    expect(JSON.parse(text).kwargs.backend).toEqual({
      type: 'databricks',
      model: 'dolly-v2-3b',
      host: ws.host,
    });
  });

  it('requires the endpoint name', () => {
    expect(() => new Dolly({ backend: { type: 'databricks' } })).toThrow(
      'Dolly: backend "databricks" needs a non-empty "model" (the serving endpoint name)',
    );
  });

  it('endpointName is a deprecated alias of model: it works and warns once', async () => {
    const warn = vi.spyOn(process, 'emitWarning').mockImplementation(() => undefined);
    try {
      const make = () =>
        new Dolly({
          backend: { type: 'databricks', endpointName: 'dolly-v2-3b', ...auth() },
          maxRetries: 0,
        });
      const dolly = make();
      make();
      expect(await dolly.invoke('Hi')).toBe('Delta Lake is an open table format.');
      expect(dolly.backend).toMatchObject({ type: 'databricks', model: 'dolly-v2-3b' });
      expect(warn.mock.calls).toEqual([
        [
          'Dolly: backend "databricks": option "endpointName" is deprecated; use "model" (same meaning).',
          { type: 'DeprecationWarning', code: 'LAKECHAIN_DEPRECATED_OPTION' },
        ],
      ]);
      expect(
        () =>
          new Dolly({
            backend: { type: 'databricks', model: 'a', endpointName: 'b', ...auth() },
          }),
      ).toThrow(/"model" and "endpointName" \(its deprecated alias\) were given different values/);
    } finally {
      warn.mockRestore();
    }
  });

  it('one retry layer: maxRetries counts the invocations, the inner LLM does not retry again', async () => {
    useFakeTimeouts();
    for (const [maxRetries, invocations, succeeds] of [
      [1, 2, false],
      [2, 3, true],
    ] as const) {
      ws.faults.resetCounts();
      ws.faults.setRules([{ route: 'serving-invocations', rate503: 1, times: 2 }]);
      const dolly = new Dolly({
        backend: { type: 'databricks', model: 'dolly-v2-3b', task: 'custom', ...auth() },
        maxRetries,
      });
      const outcome = await settleWithFakeTime(dolly.invoke('Hi'));
      expect(ws.faults.counts()['serving-invocations']).toBe(invocations);
      if (succeeds) expect(outcome.value).toBe('Delta Lake is an open table format.');
      else expect(outcome.error).toMatchObject({ status: 503 });
      await dolly.close();
    }
    ws.faults.setRules([]);
  });

  it('close() releases the HTTP client made for caCert; a closed Dolly refuses calls', async () => {
    const handles = () =>
      process.getActiveResourcesInfo().filter((kind) => kind !== 'Timeout' && kind !== 'Immediate')
        .length;
    const warm = new Dolly({
      backend: { type: 'databricks', model: 'dolly-v2-3b', task: 'custom', ...auth() },
    });
    await warm.invoke('Hi');
    await warm.close();
    // The count once the sockets closed above have finished closing.
    let before = handles();
    for (let unchanged = 0; unchanged < 5; ) {
      await new Promise((resolve) => setTimeout(resolve, 10));
      unchanged = handles() === before ? unchanged + 1 : 0;
      before = handles();
    }
    const models = Array.from(
      { length: 5 },
      () =>
        new Dolly({
          backend: { type: 'databricks', model: 'dolly-v2-3b', task: 'custom', ...auth() },
        }),
    );
    await Promise.all(models.map((model) => model.invoke('Hi')));
    // Each backend's pool keeps a keep-alive socket open until closed.
    expect(handles()).toBeGreaterThanOrEqual(before + 5);
    await Promise.all(models.map((model) => model.close()));
    await expect.poll(handles).toBeLessThanOrEqual(before);
    await expect(models[0]?.invoke('Hi')).rejects.toMatchObject({ kind: 'closed' });
  });
});
