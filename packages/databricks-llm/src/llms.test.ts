import { describe, expect, it } from 'vitest';
import { Databricks } from './index.js';
import { authFor, bodyAt, json, mockFetch, sse, TOKEN } from './testing/helpers.js';

function describeEndpoint(name: string, task: string, endpointType: string) {
  return { name, task, endpoint_type: endpointType, state: { ready: 'READY' } };
}

function endpointFetch(task: string, endpointType: string, answer: (body: unknown) => Response) {
  return mockFetch((request) => {
    if (request.method === 'GET') return json(describeEndpoint('ep', task, endpointType));
    return answer(request.body);
  });
}

describe('Databricks LLM: serving endpoint mode', () => {
  it('chat task: sends messages, parses choices[0].message.content, detects the task once', async () => {
    const mock = endpointFetch('llm/v1/chat', 'FOUNDATION_MODEL_API', () =>
      json({ choices: [{ message: { role: 'assistant', content: 'Paris' } }] }),
    );
    const llm = new Databricks({ model: 'ep', maxRetries: 0, ...authFor(mock.fetch) });
    expect(await llm.invoke('Capital of France?')).toBe('Paris');
    expect(await llm.invoke('Again?')).toBe('Paris');
    expect(mock.calls.filter((call) => call.method === 'GET')).toHaveLength(1);
    expect(mock.calls[0]?.path).toBe('/api/2.0/serving-endpoints/ep');
    expect(mock.invocations()[0]?.body).toEqual({
      messages: [{ role: 'user', content: 'Capital of France?' }],
    });
  });

  it('completions task: sends prompt with only the set params, parses choices[0].text', async () => {
    const mock = endpointFetch('llm/v1/completions', 'EXTERNAL_MODEL', () =>
      json({ choices: [{ text: ' 42' }] }),
    );
    const llm = new Databricks({
      model: 'ep',
      maxTokens: 16,
      temperature: 0.1,
      stop: ['\n'],
      extraParams: { top_p: 0.5 },
      ...authFor(mock.fetch),
    });
    expect(await llm.invoke('The answer is')).toBe(' 42');
    expect(mock.invocations()[0]?.body).toEqual({
      prompt: 'The answer is',
      max_tokens: 16,
      temperature: 0.1,
      stop: ['\n'],
      top_p: 0.5,
    });
  });

  it('never sends stop: null or defaults that were not set', async () => {
    const mock = endpointFetch('llm/v1/completions', 'EXTERNAL_MODEL', () =>
      json({ choices: [{ text: 'x' }] }),
    );
    await new Databricks({ model: 'ep', ...authFor(mock.fetch) }).invoke('p');
    expect(mock.invocations()[0]?.body).toEqual({ prompt: 'p' });
  });

  it('per-call stop overrides the constructor stop', async () => {
    const mock = endpointFetch('llm/v1/completions', 'EXTERNAL_MODEL', () =>
      json({ choices: [{ text: 'x' }] }),
    );
    await new Databricks({ model: 'ep', stop: ['A'], ...authFor(mock.fetch) }).invoke('p', {
      stop: ['B'],
    });
    expect(bodyAt<{ stop: string[] }>(mock.invocations(), 0).stop).toEqual(['B']);
  });

  it('custom MLflow model: dataframe_records in, predictions[0] out', async () => {
    const mock = endpointFetch('custom', 'CUSTOM_MODEL', () =>
      json({ predictions: ['Dolly says hi'] }),
    );
    const llm = new Databricks({ model: 'ep', stop: ['### End'], ...authFor(mock.fetch) });
    expect(await llm.invoke('Say hi')).toBe('Dolly says hi');
    expect(mock.invocations()[0]?.body).toEqual({
      dataframe_records: [{ prompt: 'Say hi', stop: ['### End'] }],
    });
  });

  it('llama2/chat custom model: predictions[0].candidates[0].text', async () => {
    const mock = endpointFetch('llama2/chat', 'CUSTOM_MODEL', () =>
      json({ predictions: [{ candidates: [{ text: 'llama' }] }] }),
    );
    expect(await new Databricks({ model: 'ep', ...authFor(mock.fetch) }).invoke('x')).toBe('llama');
  });

  it('a predictions object (not a list) is used as is, through transformOutputFn', async () => {
    const mock = endpointFetch('custom', 'CUSTOM_MODEL', () =>
      json({ predictions: { generated: 'obj' } }),
    );
    const llm = new Databricks({
      model: 'ep',
      transformOutputFn: (output) => (output as { generated: string }).generated,
      ...authFor(mock.fetch),
    });
    expect(await llm.invoke('x')).toBe('obj');
  });

  it('transformInputFn builds the body (wrapped in dataframe_records for custom models)', async () => {
    const mock = endpointFetch('custom', 'CUSTOM_MODEL', () => json({ predictions: ['ok'] }));
    const llm = new Databricks({
      model: 'ep',
      transformInputFn: ({ prompt, ...rest }) => ({ instruction: prompt.toUpperCase(), ...rest }),
      extraParams: { max_new_tokens: 5 },
      ...authFor(mock.fetch),
    });
    await llm.invoke('hello');
    expect(mock.invocations()[0]?.body).toEqual({
      dataframe_records: [{ instruction: 'HELLO', max_new_tokens: 5 }],
    });
  });

  it('an explicit task skips nothing but is used instead of the detected one', async () => {
    const mock = endpointFetch('custom', 'FOUNDATION_MODEL_API', () =>
      json({ choices: [{ message: { content: 'chat!' } }] }),
    );
    const llm = new Databricks({ model: 'ep', task: 'llm/v1/chat', ...authFor(mock.fetch) });
    expect(await llm.invoke('x')).toBe('chat!');
    expect(mock.invocations()[0]?.body).toHaveProperty('messages');
  });

  it('modelKwargs works alone (no Python B1 bug)', async () => {
    const mock = endpointFetch('llm/v1/completions', 'EXTERNAL_MODEL', () =>
      json({ choices: [{ text: 'x' }] }),
    );
    await new Databricks({
      model: 'ep',
      modelKwargs: { top_k: 3 },
      ...authFor(mock.fetch),
    }).invoke('p');
    expect(mock.invocations()[0]?.body).toEqual({ prompt: 'p', top_k: 3 });
  });

  it('streams chat endpoints token by token', async () => {
    const mock = endpointFetch('llm/v1/chat', 'FOUNDATION_MODEL_API', () =>
      sse([
        { choices: [{ index: 0, delta: { content: 'Hel' } }] },
        { choices: [{ index: 0, delta: { content: 'lo' }, finish_reason: 'stop' }] },
      ]),
    );
    const llm = new Databricks({ model: 'ep', ...authFor(mock.fetch) });
    const parts: string[] = [];
    for await (const part of await llm.stream('x')) parts.push(part);
    expect(parts).toEqual(['Hel', 'lo']);
    expect(mock.invocations()[0]?.body).toMatchObject({ stream: true });
  });

  it('a cut stream is an error', async () => {
    const mock = endpointFetch('llm/v1/chat', 'FOUNDATION_MODEL_API', () =>
      sse([{ choices: [{ index: 0, delta: { content: 'Hel' } }] }], { done: false }),
    );
    const llm = new Databricks({ model: 'ep', ...authFor(mock.fetch) });
    const consume = async () => {
      for await (const _ of await llm.stream('x')) {
        // drain
      }
    };
    await expect(consume()).rejects.toThrow('stream from endpoint ep ended before completion');
  });

  it('a custom model streams as one chunk', async () => {
    const mock = endpointFetch('custom', 'CUSTOM_MODEL', () => json({ predictions: ['whole'] }));
    const parts: string[] = [];
    for await (const part of await new Databricks({
      model: 'ep',
      ...authFor(mock.fetch),
    }).stream('x'))
      parts.push(part);
    expect(parts).toEqual(['whole']);
  });

  it('unparseable output names the endpoint', async () => {
    const mock = endpointFetch('llm/v1/chat', 'FOUNDATION_MODEL_API', () => json({ weird: 1 }));
    await expect(
      new Databricks({ model: 'ep', maxRetries: 0, ...authFor(mock.fetch) }).invoke('x'),
    ).rejects.toThrow(/Malformed response from Databricks endpoint ep/);
  });

  it('a missing endpoint is MODEL_NOT_FOUND', async () => {
    const mock = mockFetch(() =>
      json({ error_code: 'RESOURCE_DOES_NOT_EXIST', message: 'Endpoint nope does not exist' }, 404),
    );
    const error = await new Databricks({
      model: 'nope',
      maxRetries: 2,
      ...authFor(mock.fetch),
    })
      .invoke('x')
      .catch((e: unknown) => e);
    expect(error).toMatchObject({ status: 404, lc_error_code: 'MODEL_NOT_FOUND' });
    expect(mock.calls).toHaveLength(1);
  });
});

describe('Databricks LLM: cluster driver proxy mode', () => {
  it('POSTs {prompt, stop, ...} to /driver-proxy-api/o/0/{cluster}/{port}, string answer', async () => {
    const mock = mockFetch(() => json('a string answer'));
    const llm = new Databricks({
      clusterId: '0123-456789-abc',
      clusterDriverPort: 7777,
      stop: ['\n\n'],
      extraParams: { temperature: 0.3 },
      ...authFor(mock.fetch),
    });
    expect(await llm.invoke('Hi')).toBe('a string answer');
    expect(mock.calls[0]?.path).toBe('/driver-proxy-api/o/0/0123-456789-abc/7777');
    expect(mock.calls[0]?.headers.authorization).toBe(`Bearer ${TOKEN}`);
    expect(mock.calls[0]?.body).toEqual({ prompt: 'Hi', stop: ['\n\n'], temperature: 0.3 });
  });

  it('JSON answers go through transformOutputFn; without it they are an error', async () => {
    const mock = mockFetch(() => json({ output: 'json answer' }));
    const llm = new Databricks({
      clusterId: 'c',
      clusterDriverPort: '8000',
      transformOutputFn: (o) => (o as { output: string }).output,
      ...authFor(mock.fetch),
    });
    expect(await llm.invoke('x')).toBe('json answer');
    const bare = new Databricks({
      clusterId: 'c',
      clusterDriverPort: 8000,
      ...authFor(mock.fetch),
    });
    await expect(bare.invoke('x')).rejects.toThrow(/driver-proxy c:8000/);
  });

  it('takes the cluster id from the resolved config (DATABRICKS_CLUSTER_ID)', async () => {
    const mock = mockFetch(() => json('ok'));
    const llm = new Databricks({
      clusterDriverPort: 7777,
      ...authFor(mock.fetch),
      env: { DATABRICKS_CLUSTER_ID: 'env-cluster' },
    });
    expect(await llm.invoke('x')).toBe('ok');
    expect(mock.calls[0]?.path).toBe('/driver-proxy-api/o/0/env-cluster/7777');
  });

  it('no cluster id anywhere → error naming clusterId', async () => {
    const mock = mockFetch(() => json('ok'));
    await expect(
      new Databricks({ clusterDriverPort: 7777, ...authFor(mock.fetch) }).invoke('x'),
    ).rejects.toThrow(/clusterId is required/);
  });
});

describe('Databricks LLM: options', () => {
  it.each([
    [{ model: 'e', clusterId: 'c' }, 'Cannot set both model and clusterId'],
    [{ model: 'e', clusterDriverPort: 1 }, 'Cannot set both model and clusterDriverPort'],
    [{ clusterId: 'c' }, 'clusterDriverPort is required'],
    [{ clusterId: 'c', clusterDriverPort: 0 }, 'clusterDriverPort must be a positive integer'],
    [{ clusterId: 'c', clusterDriverPort: -5 }, 'clusterDriverPort must be a positive integer'],
    [{ clusterId: 'c', clusterDriverPort: 'abc' }, 'clusterDriverPort must be a positive integer'],
    [{}, 'set model (the serving endpoint name)'],
    [
      { model: 'e', extraParams: { a: 1 }, modelKwargs: { b: 2 } },
      'set extraParams or modelKwargs',
    ],
    [{ model: 'e', extraParams: { prompt: 'x' } }, 'extraParams must not contain "prompt"'],
    [{ model: 'e', modelKwargs: { stop: ['x'] } }, 'modelKwargs must not contain "stop"'],
    [{ model: 'e', maxTokens: 0 }, '"maxTokens"'],
  ])('%j → %s', (options, message) => {
    expect(() => new Databricks(options as ConstructorParameters<typeof Databricks>[0])).toThrow(
      message,
    );
  });

  it('serialises without secrets or functions', () => {
    const llm = new Databricks({
      model: 'e',
      token: TOKEN,
      clientSecret: 'very-secret',
      transformInputFn: (r) => r,
      temperature: 0.5,
    });
    const text = JSON.stringify(llm);
    expect(text).not.toContain(TOKEN);
    expect(text).not.toContain('very-secret');
    expect(text).not.toContain('transformInputFn');
    expect(text).toContain('"model":"e"');
  });
});
