/**
 * Dolly on Hugging Face through `@huggingface/inference`'s `InferenceClient` (text generation):
 * a dedicated Inference Endpoint (`endpointUrl`, e.g. TGI serving databricks/dolly-v2-3b) or an
 * inference provider (`provider` + `model`). The serverless `api-inference` host is gone and the
 * router has no provider for Dolly v2, so a dedicated endpoint is the route that works today.
 *
 * One attempt per call: retries belong to the `Dolly` LLM's AsyncCaller (`maxRetries`), the one
 * retry layer of LangChain classes, so the client's own 503 loop (immediate, unbounded) is off.
 * Each attempt has a timeout (`timeout`, until the answer or, when streaming, the first token).
 * Failures become `DollyError`s that say whether they are worth retrying; a 503 "model is
 * loading" carries the wait the server estimates (`retryAfterMs`, which the caller honours).
 */
import { InferenceClient } from '@huggingface/inference';
import { parseRetryAfter, redactSecrets } from '@lakechain/core';
import { DollyError } from '../errors.js';
import type { DollyBackend, DollyGenerationRequest } from './types.js';

export interface DollyHuggingFaceBackendOptions {
  type: 'huggingface';
  /** A dedicated Inference Endpoint (or any TGI server) URL. Cannot be combined with `provider`. */
  endpointUrl?: string;
  /** Hub model id, for an inference provider (e.g. `databricks/dolly-v2-3b`). */
  model?: string;
  /** Inference provider (`hf-inference`, `featherless-ai`, ... or `auto`). Needs `model`. */
  provider?: string;
  /** Access token. Default: the `HF_TOKEN` environment variable. Never serialised or logged. */
  token?: string;
  /** `fetch` for every request (tests, proxies). */
  fetch?: typeof fetch;
  /** Environment to read `HF_TOKEN` from instead of `process.env`. */
  env?: Record<string, string | undefined>;
  /**
   * Milliseconds one attempt may take: until the answer, or until the first token when
   * streaming (default 120 000). A timed-out attempt is retried like a 5xx (`maxRetries`).
   */
  timeout?: number;
}

/** Per attempt, like databricks-llm's invocations: generation can be slow. */
export const DEFAULT_HUGGING_FACE_TIMEOUT_MS = 120_000;

/** Longest server-requested wait honoured (`estimated_time`, `Retry-After`). */
const MAX_RETRY_AFTER_MS = 60_000;

/** Statuses worth another attempt: timeouts, rate limits, and the server side being unwell. */
const RETRYABLE_STATUS = new Set([408, 425, 429, 500, 502, 503, 504]);

interface HttpErrorShape {
  message?: string;
  httpResponse?: { status?: number; body?: unknown };
}

function statusOf(error: unknown): number | undefined {
  return (error as HttpErrorShape | null)?.httpResponse?.status;
}

function estimatedSeconds(error: unknown): number | undefined {
  const body = (error as HttpErrorShape | null)?.httpResponse?.body as
    | { estimated_time?: unknown }
    | undefined;
  const value = body?.estimated_time;
  return typeof value === 'number' && Number.isFinite(value) && value >= 0 ? value : undefined;
}

/** One attempt's signal: the caller's, plus this attempt's timeout. */
interface Attempt {
  signal: AbortSignal;
  /** True once the timeout fired. */
  readonly timedOut: boolean;
  /** Stops the timeout (the answer, or the first token, arrived). */
  settle(): void;
  /** Ends the attempt: stops the timeout and closes the connection if it is still open. */
  close(): void;
  /** `Retry-After` of the last response of this attempt, in ms. */
  retryAfterMs?: number;
}

function startAttempt(timeoutMs: number, callerSignal?: AbortSignal): Attempt {
  const controller = new AbortController();
  let timedOut = false;
  // A cleared timer rather than AbortSignal.timeout: it must stop once the first token is in.
  const timer = setTimeout(() => {
    timedOut = true;
    controller.abort(new DOMException(`no answer within ${timeoutMs} ms`, 'TimeoutError'));
  }, timeoutMs);
  const onAbort = () => controller.abort(callerSignal?.reason);
  if (callerSignal?.aborted) onAbort();
  else callerSignal?.addEventListener('abort', onAbort, { once: true });
  return {
    signal: controller.signal,
    get timedOut() {
      return timedOut;
    },
    settle() {
      clearTimeout(timer);
    },
    close() {
      clearTimeout(timer);
      callerSignal?.removeEventListener('abort', onAbort);
      if (!controller.signal.aborted) controller.abort(new DOMException('done', 'AbortError'));
    },
  };
}

export function createHuggingFaceBackend(options: DollyHuggingFaceBackendOptions): DollyBackend {
  const { endpointUrl, model, provider } = options;
  if (!endpointUrl && !model) {
    throw new DollyError(
      'config',
      'Dolly: backend "huggingface" needs "endpointUrl" (a dedicated Inference Endpoint) or "model" (with an inference "provider")',
    );
  }
  if (endpointUrl && provider) {
    throw new DollyError(
      'config',
      'Dolly: backend "huggingface": set "endpointUrl" or "provider", not both (an endpoint URL is called directly)',
    );
  }
  if (endpointUrl) {
    try {
      new URL(endpointUrl);
    } catch {
      throw new DollyError(
        'config',
        `Dolly: backend "huggingface": invalid endpointUrl "${endpointUrl}"`,
      );
    }
  }
  if ('loadingRetry' in options) {
    throw new DollyError(
      'config',
      'Dolly: backend "huggingface": "loadingRetry" was removed: a 503 "model is loading" is retried by the Dolly LLM (maxRetries, LangChain\'s retry layer), waiting the estimated_time the endpoint sends; set backend.timeout for the per-attempt timeout',
    );
  }
  const timeoutMs = options.timeout ?? DEFAULT_HUGGING_FACE_TIMEOUT_MS;
  if (!Number.isInteger(timeoutMs) || timeoutMs <= 0) {
    throw new DollyError(
      'config',
      `Dolly: backend "huggingface": timeout must be a positive integer (milliseconds per attempt), got ${String(options.timeout)}`,
    );
  }
  const env = options.env ?? process.env;
  const token = options.token ?? env.HF_TOKEN ?? undefined;
  const client = new InferenceClient(token || undefined);
  const baseFetch: typeof fetch = options.fetch ?? ((input, init) => fetch(input, init));
  const target = endpointUrl ?? `${model}${provider ? ` (provider ${provider})` : ''}`;

  const args = (request: DollyGenerationRequest) => {
    const parameters: Record<string, unknown> = {
      max_new_tokens: request.maxNewTokens,
      top_p: request.topP,
      do_sample: request.doSample,
      stop: request.stop,
      return_full_text: false,
    };
    if (request.temperature !== undefined) parameters.temperature = request.temperature;
    // top_k 0 means "off" to transformers; TGI rejects 0, so it is only sent when positive.
    if (request.topK > 0) parameters.top_k = request.topK;
    return {
      ...(endpointUrl ? { endpointUrl } : { model: model as string }),
      ...(provider ? { provider: provider as never } : {}),
      inputs: request.prompt,
      parameters,
    };
  };
  const callOptions = (attempt: Attempt) => ({
    retry_on_error: false,
    signal: attempt.signal,
    // Keeps the attempt's Retry-After (the client's errors do not carry response headers).
    fetch: async (input: string | URL | Request, init?: RequestInit) => {
      const response = await baseFetch(input, init);
      const retryAfter = parseRetryAfter(response.headers.get('retry-after'), Date.now());
      if (retryAfter !== undefined) attempt.retryAfterMs = retryAfter;
      return response;
    },
  });

  /** What a failed attempt means: the caller's abort, a timeout, or a typed backend error. */
  const failure = (error: unknown, attempt: Attempt, callerSignal?: AbortSignal): unknown => {
    if (callerSignal?.aborted) return callerSignal.reason ?? error;
    if (DollyError.isInstance(error)) return error;
    if (attempt.timedOut) {
      return new DollyError(
        'backend',
        `Hugging Face ${target}: no answer within ${timeoutMs} ms (backend.timeout)`,
        { cause: error, retryable: true },
      );
    }
    const status = statusOf(error);
    const serverWaitMs = estimatedSeconds(error);
    const retryAfterMs = (() => {
      const wait = serverWaitMs !== undefined ? serverWaitMs * 1000 : attempt.retryAfterMs;
      return wait === undefined ? undefined : Math.min(wait, MAX_RETRY_AFTER_MS);
    })();
    if (status === 503 && serverWaitMs !== undefined) {
      return new DollyError(
        'model-loading',
        `Hugging Face endpoint ${target} is loading the model (HTTP 503); it estimates ${serverWaitMs} s more. The Dolly LLM retries it (maxRetries) after that wait.`,
        { cause: error, status, retryable: true, retryAfterMs },
      );
    }
    const message = redactSecrets((error as HttpErrorShape | null)?.message ?? String(error), [
      token,
    ]);
    return new DollyError(
      'backend',
      `Hugging Face ${target}${status ? ` (HTTP ${status})` : ''}: ${message}`,
      {
        cause: error,
        status,
        // No status: the request never got an answer (connection refused or reset).
        retryable: status === undefined || RETRYABLE_STATUS.has(status),
        retryAfterMs,
      },
    );
  };

  return {
    type: 'huggingface',
    async generate(request) {
      const attempt = startAttempt(timeoutMs, request.signal);
      try {
        const output = await client.textGeneration(
          args(request) as Parameters<InferenceClient['textGeneration']>[0],
          callOptions(attempt),
        );
        const text = (output as { generated_text?: unknown } | undefined)?.generated_text;
        if (typeof text !== 'string') {
          throw new DollyError(
            'backend',
            `Hugging Face ${target}: the response has no generated_text`,
          );
        }
        return text;
      } catch (error) {
        throw failure(error, attempt, request.signal);
      } finally {
        attempt.close();
      }
    },
    async *stream(request) {
      // The attempt's controller also closes the connection when the caller stops reading early
      // (the stop marker was found).
      const attempt = startAttempt(timeoutMs, request.signal);
      try {
        const events = client.textGenerationStream(
          args(request) as Parameters<InferenceClient['textGenerationStream']>[0],
          callOptions(attempt),
        );
        for await (const event of events) {
          // The first event ends the timeout: generating the rest may take as long as it takes.
          attempt.settle();
          const text = chunkText(event);
          if (text) yield text;
        }
      } catch (error) {
        throw failure(error, attempt, request.signal);
      } finally {
        attempt.close();
      }
    },
  };
}

/**
 * The text of one stream event: TGI's native shape (`{token: {text, special}, generated_text}`)
 * or the OpenAI completions shape (`{choices: [{text}]}`) that recent clients request.
 */
function chunkText(event: unknown): string {
  const record = event as {
    token?: { text?: unknown; special?: unknown };
    choices?: { text?: unknown }[];
  } | null;
  if (record?.token && typeof record.token.text === 'string') {
    // Special tokens (`<|endoftext|>`) are not text; Dolly's `### End` is handled by the caller.
    if (record.token.special === true && record.token.text !== '### End') return '';
    return record.token.text;
  }
  const text = record?.choices?.[0]?.text;
  return typeof text === 'string' ? text : '';
}
