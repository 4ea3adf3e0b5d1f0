/**
 * The Hugging Face backend against a local `node:http` server that behaves like a dedicated
 * Inference Endpoint running TGI. `@huggingface/inference` (4.13.17 and later) calls an endpoint
 * URL on TGI's OpenAI-compatible route, `POST {endpointUrl}/v1/completions`, mapping
 * `parameters.max_new_tokens` to `max_tokens` and passing the other parameters through; the
 * server implements that route (JSON and SSE) and the 503 "model is loading" answer.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { Dolly, DollyError, formatDollyPrompt } from './index.js';

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

  it('retries a 503 "model is loading", waiting the estimated_time', async () => {
    let calls = 0;
    script = (_request, response) => {
      calls++;
      if (calls <= 2) loading(response, 0.1);
      else json(response, 200, completion('Ready.'));
    };
    const started = Date.now();
    expect(await dolly().invoke('Are you up?')).toBe('Ready.');
    expect(received).toHaveLength(3);
    expect(Date.now() - started).toBeGreaterThanOrEqual(180);
  });

  it('retries a 503 before a stream starts', async () => {
    let calls = 0;
    script = (request, response) => {
      calls++;
      if (calls === 1) return loading(response, 0.01);
      return streamTokens(request, response, ['Up', ' now.', '### End']);
    };
    const chunks: string[] = [];
    for await (const chunk of await dolly().stream('Are you up?')) chunks.push(chunk);
    expect(chunks.join('')).toBe('Up now.');
    expect(received).toHaveLength(2);
  });

  it('gives up after the bounded retries with a clear error', async () => {
    script = (_request, response) => loading(response, 0.01);
    const error = await dolly({ loadingRetry: { maxRetries: 2 } })
      .invoke('Still loading?')
      .catch((e: unknown) => e);
    expect(DollyError.isInstance(error)).toBe(true);
    expect((error as DollyError).kind).toBe('model-loading');
    expect((error as Error).message).toMatch(
      /still loading the model \(HTTP 503\) after 2 retries/,
    );
    expect(received).toHaveLength(3);
  });

  it('caps a long estimated_time by the total timeout instead of hanging', async () => {
    script = (_request, response) => loading(response, 3600);
    const started = Date.now();
    const error = await dolly({ loadingRetry: { timeoutMs: 200 } })
      .invoke('x')
      .catch((e: unknown) => e);
    expect((error as DollyError).kind).toBe('model-loading');
    expect((error as Error).message).toMatch(/estimates 3600 s more/);
    expect(Date.now() - started).toBeLessThan(1000);
    expect(received).toHaveLength(1);
  });

  it('loadingRetry: false fails at once', async () => {
    script = (_request, response) => loading(response);
    await expect(dolly({ loadingRetry: false }).invoke('x')).rejects.toThrow(/still loading/);
    expect(received).toHaveLength(1);
  });

  it('other HTTP errors are not retried and never show the token', async () => {
    script = (request, response) =>
      json(response, 400, {
        error: `Input validation error: bad request (auth was ${String(request.headers.authorization)})`,
      });
    const error = await dolly()
      .invoke('x')
      .catch((e: unknown) => e);
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
