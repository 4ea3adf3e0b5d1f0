/**
 * The Hugging Face backend against a local `node:http` server that behaves like a dedicated
 * Inference Endpoint running TGI. `@huggingface/inference` (4.13.17 and later) calls an endpoint
 * URL on TGI's OpenAI-compatible route, `POST {endpointUrl}/v1/completions`, mapping
 * `parameters.max_new_tokens` to `max_tokens` and passing the other parameters through; the
 * server implements that route (JSON and SSE), the 503 "model is loading" answer, failures for
 * the first N requests, and requests held until the test releases them.
 *
 * Retries, concurrency and timeouts are the Dolly LLM's (its AsyncCaller: `maxRetries`,
 * `maxConcurrency`) and the backend's (`timeout`, per attempt). Waits run on fake timers.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { Dolly, DollyError, formatDollyPrompt } from './index.js';
import { settleWithFakeTime, stepUntil, useFakeTimeouts } from './testing/fake_time.js';

interface Received {
  method: string;
  url: string;
  headers: IncomingMessage['headers'];
  body: Record<string, unknown>;
  closedEarly?: boolean;
}

type Script = (request: Received, response: ServerResponse) => void | Promise<void>;

let server: Server;
let baseUrl: string;
let received: Received[] = [];
let script: Script;

const TOKEN = 'hf_test_secret_token_123';

function completion(text: string): Record<string, unknown> {
  return {
    id: '',
    object: 'text_completion',
    created: 1_700_000_000,
    model: 'databricks/dolly-v2-3b',
    system_fingerprint: '3.3.6-native',
    choices: [{ index: 0, text, logprobs: null, finish_reason: 'stop' }],
    usage: { prompt_tokens: 40, completion_tokens: 5, total_tokens: 45 },
  };
}

function json(response: ServerResponse, status: number, body: unknown): void {
  response.writeHead(status, { 'content-type': 'application/json' });
  response.end(JSON.stringify(body));
}

/** TGI's SSE for /v1/completions: one OpenAI completion chunk per token, then [DONE]. */
async function streamTokens(
  request: Received,
  response: ServerResponse,
  tokens: string[],
): Promise<void> {
  response.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
  response.on('close', () => {
    if (!response.writableFinished) request.closedEarly = true;
  });
  for (const [index, text] of tokens.entries()) {
    if (response.destroyed) return;
    const last = index === tokens.length - 1;
    const chunk = {
      id: '',
      object: 'text_completion',
      created: 1_700_000_000,
      model: 'databricks/dolly-v2-3b',
      system_fingerprint: '3.3.6-native',
      choices: [{ index: 0, text, logprobs: null, finish_reason: last ? 'length' : null }],
    };
    response.write(`data: ${JSON.stringify(chunk)}\n\n`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
  if (!response.destroyed) response.end('data: [DONE]\n\n');
}

const loading = (response: ServerResponse, estimated = 0.05) =>
  json(response, 503, {
    error: 'Model databricks/dolly-v2-3b is currently loading',
    estimated_time: estimated,
  });

beforeAll(async () => {
  server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', async () => {
      const text = Buffer.concat(chunks).toString('utf8');
      const record: Received = {
        method: req.method ?? '',
        url: req.url ?? '',
        headers: req.headers,
        body: text ? (JSON.parse(text) as Record<string, unknown>) : {},
      };
      received.push(record);
      if (req.method !== 'POST' || req.url !== '/v1/completions') {
        json(res, 404, { error: `no route ${req.method} ${req.url}` });
        return;
      }
      try {
        await script(record, res);
      } catch (error) {
        json(res, 500, { error: String(error) });
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

beforeEach(() => {
  received = [];
});

afterEach(() => {
  vi.useRealTimers();
});

function dolly(extra: Record<string, unknown> = {}, fields: Record<string, unknown> = {}) {
  return new Dolly({
    backend: { type: 'huggingface', endpointUrl: baseUrl, token: TOKEN, ...extra },
    ...fields,
  });
}

describe('Hugging Face backend (TGI-compatible endpoint)', () => {
  it('sends the Dolly prompt with Dolly defaults and returns the text before ### End', async () => {
    script = (_request, response) => json(response, 200, completion(' Blue.\n\n### End\nrambling'));
    const answer = await dolly().invoke('Name a colour.');
    expect(answer).toBe('Blue.');
    expect(received).toHaveLength(1);
    const [request] = received;
    expect(request?.url).toBe('/v1/completions');
    expect(request?.headers.authorization).toBe(`Bearer ${TOKEN}`);
    expect(request?.body).toEqual({
      model: baseUrl,
      prompt: formatDollyPrompt({ instruction: 'Name a colour.' }),
      max_tokens: 256,
      top_p: 0.92,
      do_sample: true,
      stop: ['### End'],
      return_full_text: false,
    });
    // top_k 0 and an unset temperature are not sent.
    expect(request?.body).not.toHaveProperty('top_k');
    expect(request?.body).not.toHaveProperty('temperature');
  });

  it('sends overrides and call-time stop sequences (### End always first)', async () => {
    script = (_request, response) => json(response, 200, completion('A\nB'));
    const llm = dolly(
      {},
      { maxNewTokens: 64, topP: 0.5, topK: 40, temperature: 0.7, doSample: false },
    );
    expect(await llm.invoke('List two letters.', { stop: ['\n'] })).toBe('A');
    expect(received[0]?.body).toMatchObject({
      max_tokens: 64,
      top_p: 0.5,
      top_k: 40,
      temperature: 0.7,
      do_sample: false,
      stop: ['### End', '\n'],
    });
  });

  it('passes an already formatted Dolly prompt through unchanged', async () => {
    script = (_request, response) => json(response, 200, completion('ok'));
    const prompt = formatDollyPrompt({ instruction: 'Summarise.', context: 'Some text.' });
    await dolly().invoke(prompt);
    expect(received[0]?.body.prompt).toBe(prompt);
  });

  it('streams text and never emits the end marker, closing the stream early', async () => {
    script = (request, response) =>
      streamTokens(request, response, [
        ' The',
        ' sky',
        ' is',
        ' blue.',
        '\n\n###',
        ' End',
        ' junk',
        ' more',
      ]);
    const chunks: string[] = [];
    for await (const chunk of await dolly().stream('Describe the sky.')) chunks.push(chunk);
    expect(chunks.join('')).toBe('The sky is blue.');
    expect(chunks.some((chunk) => chunk.includes('#'))).toBe(false);
    expect(chunks.length).toBeGreaterThan(1);
    expect(received[0]?.body).toMatchObject({ stream: true, max_tokens: 256, stop: ['### End'] });
    await expect.poll(() => received[0]?.closedEarly).toBe(true);
  });

  it('streams everything when no end marker comes', async () => {
    script = (request, response) => streamTokens(request, response, ['Hello', ' there', '  ']);
    const chunks: string[] = [];
    for await (const chunk of await dolly().stream('Greet me.')) chunks.push(chunk);
    expect(chunks.join('')).toBe('Hello there');
  });

  it('the model is loading (503): retried by maxRetries after the estimated_time', async () => {
    useFakeTimeouts();
    let calls = 0;
    script = (_request, response) => {
      calls++;
      if (calls <= 2) loading(response, 5);
      else json(response, 200, completion('Ready.'));
    };
    const answer = dolly({}, { maxRetries: 2 }).invoke('Are you up?');
    await stepUntil(() => received.length === 1);
    // LangChain's own backoff is at most 2 s before the first retry: 4.75 s without a second
    // request shows the 5 s estimate is honoured.
    for (let step = 0; step < 19; step++) {
      await new Promise((resolve) => setImmediate(resolve));
      await vi.advanceTimersByTimeAsync(250);
    }
    expect(received).toHaveLength(1);
    const outcome = await settleWithFakeTime(answer);
    expect(outcome.value).toBe('Ready.');
    expect(received).toHaveLength(3);
  });

  it('a 503 before a stream starts is retried; the stream then runs', async () => {
    useFakeTimeouts();
    let calls = 0;
    script = (request, response) => {
      calls++;
      if (calls === 1) return loading(response, 0.01);
      return streamTokens(request, response, ['Up', ' now.', '### End']);
    };
    const collect = async () => {
      const chunks: string[] = [];
      for await (const chunk of await dolly({}, { maxRetries: 1 }).stream('Are you up?'))
        chunks.push(chunk);
      return chunks.join('');
    };
    const outcome = await settleWithFakeTime(collect());
    expect(outcome.value).toBe('Up now.');
    expect(received).toHaveLength(2);
  });

  it('still loading after maxRetries: a model-loading error with the estimate', async () => {
    useFakeTimeouts();
    script = (_request, response) => loading(response, 3600);
    const outcome = await settleWithFakeTime(
      dolly({}, { maxRetries: 2 }).invoke('Still loading?'),
      5_000,
    );
    const error = outcome.error as DollyError;
    expect(DollyError.isInstance(error)).toBe(true);
    expect(error.kind).toBe('model-loading');
    expect(error.message).toMatch(/is loading the model \(HTTP 503\); it estimates 3600 s more/);
    expect(error.retryable).toBe(true);
    // An hour-long estimate is capped: no call waits more than a minute between attempts.
    expect(error.retryAfterMs).toBe(60_000);
    expect(received).toHaveLength(3);
  });

  it('a server that fails N times: maxRetries N succeeds, N - 1 surfaces the error', async () => {
    useFakeTimeouts();
    for (const [maxRetries, expected] of [
      [2, 'ok'],
      [1, 'error'],
    ] as const) {
      received = [];
      let calls = 0;
      script = (_request, response) => {
        calls++;
        if (calls <= 2) json(response, calls === 1 ? 500 : 429, { error: 'try later' });
        else json(response, 200, completion('ok'));
      };
      const outcome = await settleWithFakeTime(dolly({}, { maxRetries }).invoke('x'));
      if (expected === 'ok') {
        expect(outcome.value).toBe('ok');
        expect(received).toHaveLength(3);
      } else {
        expect((outcome.error as DollyError).kind).toBe('backend');
        expect((outcome.error as Error).message).toMatch(/HTTP 429/);
        expect(received).toHaveLength(2);
      }
    }
  });

  it('each attempt times out after backend.timeout, and a timed-out attempt is retried', async () => {
    useFakeTimeouts();
    const closed: boolean[] = [];
    script = (_request, response) => {
      // Never answers; records whether the client hung up.
      response.on('close', () => closed.push(true));
    };
    const answer = dolly({ timeout: 5_000 }, { maxRetries: 1 }).invoke('x');
    const outcome = await settleWithFakeTime(answer);
    const error = outcome.error as DollyError;
    expect(DollyError.isInstance(error)).toBe(true);
    expect(error.message).toBe(
      `Hugging Face ${baseUrl}: no answer within 5000 ms (backend.timeout)`,
    );
    expect(error.retryable).toBe(true);
    expect(received).toHaveLength(2);
    await expect.poll(() => closed.length).toBe(2);
  });

  it('a stream has until its first token: slow tokens after it do not time out', async () => {
    useFakeTimeouts();
    let release!: () => void;
    const released = new Promise<void>((resolve) => {
      release = resolve;
    });
    script = async (request, response) => {
      response.writeHead(200, { 'content-type': 'text/event-stream' });
      const event = (text: string, last = false) =>
        `data: ${JSON.stringify({ choices: [{ index: 0, text, finish_reason: last ? 'length' : null }] })}\n\n`;
      response.write(event('First'));
      await released;
      if (request.closedEarly) return;
      response.end(`${event(' second', true)}data: [DONE]\n\n`);
    };
    const collect = async () => {
      const chunks: string[] = [];
      for await (const chunk of await dolly({ timeout: 1_000 }, { maxRetries: 0 }).stream('x'))
        chunks.push(chunk);
      return chunks.join('');
    };
    const pending = collect();
    await stepUntil(() => received.length === 1);
    // Ten timeouts' worth of fake time between the first token and the next.
    for (let step = 0; step < 40; step++) {
      await new Promise((resolve) => setImmediate(resolve));
      await vi.advanceTimersByTimeAsync(250);
    }
    release();
    const outcome = await settleWithFakeTime(pending);
    expect(outcome.value).toBe('First second');

    // Without a first token in time, the attempt fails.
    received = [];
    script = (_request, response) => {
      response.writeHead(200, { 'content-type': 'text/event-stream' });
    };
    const silent = await settleWithFakeTime(collect());
    expect((silent.error as Error).message).toMatch(/no answer within 1000 ms/);
  });

  it('maxConcurrency bounds the requests in flight', async () => {
    // Each answer waits until no other request has come in for a while: without a bound, the
    // other requests of the batch arrive meanwhile and are in flight together.
    let arrivals = 0;
    let inFlight = 0;
    let peak = 0;
    const quiet = async () => {
      let seen = arrivals;
      for (let still = 0; still < 20; ) {
        await new Promise((resolve) => setTimeout(resolve, 1));
        still = arrivals === seen ? still + 1 : 0;
        seen = arrivals;
      }
    };
    script = async (_request, response) => {
      arrivals++;
      inFlight++;
      peak = Math.max(peak, inFlight);
      await quiet();
      inFlight--;
      json(response, 200, completion('ok'));
    };
    const answers = await dolly({}, { maxConcurrency: 2 }).batch(['a', 'b', 'c', 'd', 'e', 'f']);
    expect(answers).toEqual(['ok', 'ok', 'ok', 'ok', 'ok', 'ok']);
    expect(received).toHaveLength(6);
    expect(peak).toBe(2);
  });

  it('the removed loadingRetry option is a clear error', () => {
    expect(() => dolly({ loadingRetry: false })).toThrow(
      /"loadingRetry" was removed: a 503 "model is loading" is retried by the Dolly LLM \(maxRetries/,
    );
  });

  it('other 4xx errors are not retried and never show the token', async () => {
    script = (request, response) =>
      json(response, 400, {
        error: `Input validation error: bad request (auth was ${String(request.headers.authorization)})`,
      });
    const error = await dolly()
      .invoke('x')
      .catch((caught: unknown) => caught);
    expect(DollyError.isInstance(error)).toBe(true);
    expect((error as DollyError).kind).toBe('backend');
    expect((error as Error).message).toMatch(/HTTP 400/);
    expect((error as Error).message).not.toContain(TOKEN);
    expect(received).toHaveLength(1);
  });

  it('reads the token from HF_TOKEN when none is given', async () => {
    script = (_request, response) => json(response, 200, completion('ok'));
    const llm = new Dolly({
      backend: { type: 'huggingface', endpointUrl: baseUrl, env: { HF_TOKEN: 'hf_from_env' } },
    });
    await llm.invoke('x');
    expect(received[0]?.headers.authorization).toBe('Bearer hf_from_env');
  });

  it('uses an injected fetch', async () => {
    script = (_request, response) => json(response, 200, completion('ok'));
    const urls: string[] = [];
    const llm = dolly({
      fetch: (input: string | URL | Request, init?: RequestInit) => {
        urls.push(String(input));
        return fetch(input, init);
      },
    });
    expect(await llm.invoke('x')).toBe('ok');
    expect(urls).toEqual([`${baseUrl}/v1/completions`]);
  });

  it('provider + model: resolves the provider mapping, then calls the router (fetch injected)', async () => {
    const calls: { url: string; body?: Record<string, unknown>; auth?: string | null }[] = [];
    const fakeFetch = async (input: string | URL | Request, init?: RequestInit) => {
      const url = String(input);
      calls.push({
        url,
        body: init?.body ? (JSON.parse(String(init.body)) as Record<string, unknown>) : undefined,
        auth: new Headers(init?.headers).get('authorization'),
      });
      const payload = url.includes('/api/models/')
        ? {
            id: 'databricks/dolly-v2-3b',
            inferenceProviderMapping: {
              'featherless-ai': {
                status: 'live',
                providerId: 'databricks/dolly-v2-3b',
                task: 'text-generation',
              },
            },
          }
        : {
            model: 'databricks/dolly-v2-3b',
            choices: [{ index: 0, text: 'From a provider.\n### End', finish_reason: 'stop' }],
          };
      return new Response(JSON.stringify(payload), {
        headers: { 'content-type': 'application/json' },
      });
    };
    const llm = new Dolly({
      backend: {
        type: 'huggingface',
        provider: 'featherless-ai',
        model: 'databricks/dolly-v2-3b',
        token: TOKEN,
        fetch: fakeFetch as typeof fetch,
      },
    });
    expect(await llm.invoke('Hello?')).toBe('From a provider.');
    expect(calls.map((call) => call.url)).toEqual([
      'https://huggingface.co/api/models/databricks/dolly-v2-3b?expand[]=inferenceProviderMapping',
      'https://router.huggingface.co/featherless-ai/v1/completions',
    ]);
    expect(calls[1]?.auth).toBe(`Bearer ${TOKEN}`);
    expect(calls[1]?.body).toMatchObject({
      model: 'databricks/dolly-v2-3b',
      max_tokens: 256,
      top_p: 0.92,
      stop: ['### End'],
    });
  });

  it('never serialises the token', () => {
    const llm = dolly();
    const text = JSON.stringify(llm);
    expect(text).not.toContain(TOKEN);
    expect(JSON.stringify(llm.lc_kwargs)).not.toContain(TOKEN);
    expect(JSON.parse(text).kwargs.backend).toEqual({ type: 'huggingface', endpointUrl: baseUrl });
  });

  it('validates the backend options', () => {
    expect(() => new Dolly({ backend: { type: 'huggingface' } })).toThrow(/endpointUrl.*model/);
    expect(
      () =>
        new Dolly({
          backend: { type: 'huggingface', endpointUrl: baseUrl, provider: 'together' },
        }),
    ).toThrow(/not both/);
    expect(() => new Dolly({ backend: { type: 'huggingface', endpointUrl: 'not a url' } })).toThrow(
      /invalid endpointUrl/,
    );
  });
});
