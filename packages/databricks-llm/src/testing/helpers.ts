/** Offline test helpers: an injected fetch that records requests and answers from a script. */
export interface RecordedRequest {
  url: string;
  path: string;
  method: string;
  headers: Record<string, string>;
  body: unknown;
}

export type FetchHandler = (
  request: RecordedRequest,
  index: number,
) => Response | Promise<Response>;

export function mockFetch(handler: FetchHandler) {
  const calls: RecordedRequest[] = [];
  const fetch = async (input: string | URL | Request, init?: RequestInit): Promise<Response> => {
    const url =
      typeof input === 'string' ? input : input instanceof URL ? input.toString() : input.url;
    const headers: Record<string, string> = {};
    new Headers(init?.headers).forEach((value, key) => {
      headers[key] = value;
    });
    let body: unknown;
    if (typeof init?.body === 'string') {
      try {
        body = JSON.parse(init.body);
      } catch {
        body = init.body;
      }
    } else if (init?.body instanceof Uint8Array) {
      body = JSON.parse(new TextDecoder().decode(init.body));
    }
    const request: RecordedRequest = {
      url,
      path: new URL(url).pathname,
      method: init?.method ?? 'GET',
      headers,
      body,
    };
    calls.push(request);
    init?.signal?.throwIfAborted();
    return handler(request, calls.length - 1);
  };
  /** Requests other than endpoint metadata lookups. */
  const invocations = () => calls.filter((call) => call.method === 'POST');
  return { fetch: fetch as typeof globalThis.fetch, calls, invocations };
}

export function json(body: unknown, status = 200, headers: Record<string, string> = {}): Response {
  return new Response(JSON.stringify(body), {
    status,
    headers: { 'content-type': 'application/json', ...headers },
  });
}

/** An SSE response: each item is JSON-encoded into one `data:` event (strings are sent raw). */
export function sse(
  events: unknown[],
  options: { done?: boolean; cutAfter?: number } = {},
): Response {
  const encoder = new TextEncoder();
  const lines = events.map(
    (event) => `data: ${typeof event === 'string' ? event : JSON.stringify(event)}\n\n`,
  );
  if (options.done !== false) lines.push('data: [DONE]\n\n');
  let next = 0;
  // Pull-based, so queued events reach the reader before a simulated connection cut.
  const stream = new ReadableStream<Uint8Array>({
    pull(controller) {
      if (options.cutAfter !== undefined && next >= options.cutAfter) {
        controller.error(new TypeError('terminated: other side closed'));
        return;
      }
      const line = lines[next++];
      if (line === undefined) controller.close();
      else controller.enqueue(encoder.encode(line));
    },
  });
  return new Response(stream, { status: 200, headers: { 'content-type': 'text/event-stream' } });
}

/** A stream that sends `first` events and then never finishes (for abort tests). */
export function hangingSse(first: unknown[]): Response {
  const encoder = new TextEncoder();
  const stream = new ReadableStream<Uint8Array>({
    start(controller) {
      for (const event of first)
        controller.enqueue(encoder.encode(`data: ${JSON.stringify(event)}\n\n`));
    },
  });
  return new Response(stream, { status: 200, headers: { 'content-type': 'text/event-stream' } });
}

export const HOST = 'https://adb-1234.5.azuredatabricks.net';
export const TOKEN = 'dapi-super-secret-token-123';

/** Auth options that never read the real environment or ~/.databrickscfg. */
export function authFor(fetch: typeof globalThis.fetch) {
  return { host: HOST, token: TOKEN, fetch, env: {} as Record<string, string | undefined> };
}

export function chatCompletion(
  message: Record<string, unknown>,
  extra: Record<string, unknown> = {},
): Record<string, unknown> {
  return {
    id: 'chatcmpl-1',
    object: 'chat.completion',
    model: 'meta-llama-3.3-70b-instruct-082724',
    choices: [{ index: 0, message: { role: 'assistant', ...message }, finish_reason: 'stop' }],
    usage: { prompt_tokens: 10, completion_tokens: 5, total_tokens: 15 },
    ...extra,
  };
}

export function deltaChunk(delta: Record<string, unknown>, extra: Record<string, unknown> = {}) {
  return {
    id: 'chatcmpl-s',
    object: 'chat.completion.chunk',
    model: 'gpt-5-2025',
    choices: [{ index: 0, delta, finish_reason: null }],
    ...extra,
  };
}

/** The parsed JSON body of the `index`-th recorded request (fails the test when absent). */
export function bodyAt<T = Record<string, unknown>>(records: { body?: unknown }[], index = 0): T {
  const record = records[index];
  if (!record) throw new Error(`no request #${index} was recorded`);
  return record.body as T;
}
