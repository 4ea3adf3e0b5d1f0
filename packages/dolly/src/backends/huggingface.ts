/**
 * Dolly on Hugging Face through `@huggingface/inference`'s `InferenceClient` (text generation):
 * a dedicated Inference Endpoint (`endpointUrl`, e.g. TGI serving databricks/dolly-v2-3b) or an
 * inference provider (`provider` + `model`). The serverless `api-inference` host is gone and the
 * router has no provider for Dolly v2, so a dedicated endpoint is the route that works today.
 *
 * A 503 (the endpoint is starting or the model is loading) is retried here, waiting the
 * `estimated_time` the server sends (bounded); the client's own 503 loop (immediate, unbounded) is
 * turned off.
 */
import { InferenceClient } from '@huggingface/inference';
import { redactSecrets } from '@lakechain/core';
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
   * Retry while the endpoint answers 503 (loading / scaling up from zero): at most `maxRetries`
   * retries (default 5), each waiting the server's `estimated_time` (default 2 s when absent)
   * capped at `maxWaitMs` (default 30 s), and never past `timeoutMs` in total (default 120 s).
   * `false` turns the retry off (the 503 becomes an error at once).
   */
  loadingRetry?: false | { maxRetries?: number; maxWaitMs?: number; timeoutMs?: number };
}

/** What a 503 "model is loading" retry did, for the error message. */
interface LoadingState {
  attempts: number;
  started: number;
  lastEstimate?: number;
}

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

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) {
      reject(signal.reason);
      return;
    }
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal?.reason);
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });
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
  const env = options.env ?? process.env;
  const token = options.token ?? env.HF_TOKEN ?? undefined;
  const client = new InferenceClient(token || undefined);
  const retry = options.loadingRetry === false ? undefined : (options.loadingRetry ?? {});
  const maxRetries = retry ? (retry.maxRetries ?? 5) : 0;
  const maxWaitMs = retry?.maxWaitMs ?? 30_000;
  const timeoutMs = retry?.timeoutMs ?? 120_000;
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
  const callOptions = (signal?: AbortSignal) => ({
    retry_on_error: false,
    ...(options.fetch ? { fetch: options.fetch } : {}),
    ...(signal ? { signal } : {}),
  });

  /** Decides whether a failed attempt is retried; throws the final error otherwise. */
  const onFailure = async (
    error: unknown,
    state: LoadingState,
    signal?: AbortSignal,
  ): Promise<void> => {
    if (signal?.aborted) throw signal.reason ?? error;
    if (statusOf(error) !== 503) throw wrap(error);
    const estimate = estimatedSeconds(error);
    state.lastEstimate = estimate;
    const elapsed = Date.now() - state.started;
    const wait = Math.min(estimate !== undefined ? estimate * 1000 : 2000, maxWaitMs);
    if (state.attempts >= maxRetries || elapsed + wait > timeoutMs) {
      throw new DollyError(
        'model-loading',
        `Hugging Face endpoint ${target} is still loading the model (HTTP 503) after ${state.attempts} ${
          state.attempts === 1 ? 'retry' : 'retries'
        } in ${Math.round(elapsed / 100) / 10} s${
          estimate !== undefined ? `; it estimates ${estimate} s more` : ''
        }. Try again later, or raise backend.loadingRetry (maxRetries ${maxRetries}, timeoutMs ${timeoutMs}).`,
        { cause: error },
      );
    }
    state.attempts++;
    await sleep(wait, signal);
  };

  const wrap = (error: unknown): unknown => {
    if (DollyError.isInstance(error)) return error;
    const message = redactSecrets((error as HttpErrorShape | null)?.message ?? String(error), [
      token,
    ]);
    const status = statusOf(error);
    return new DollyError(
      'backend',
      `Hugging Face ${target}${status ? ` (HTTP ${status})` : ''}: ${message}`,
      { cause: error },
    );
  };

  return {
    type: 'huggingface',
    async generate(request) {
      const state: LoadingState = { attempts: 0, started: Date.now() };
      for (;;) {
        try {
          const output = await client.textGeneration(
            args(request) as Parameters<InferenceClient['textGeneration']>[0],
            callOptions(request.signal),
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
          await onFailure(error, state, request.signal);
        }
      }
    },
    async *stream(request) {
      const state: LoadingState = { attempts: 0, started: Date.now() };
      // Our own controller: leaving the loop early (stop marker found) closes the connection.
      const controller = new AbortController();
      const onAbort = () => controller.abort(request.signal?.reason);
      request.signal?.addEventListener('abort', onAbort, { once: true });
      try {
        for (;;) {
          let yielded = false;
          try {
            const events = client.textGenerationStream(
              args(request) as Parameters<InferenceClient['textGenerationStream']>[0],
              callOptions(controller.signal),
            );
            for await (const event of events) {
              const text = chunkText(event);
              if (text) {
                yielded = true;
                yield text;
              }
            }
            return;
          } catch (error) {
            // Once text went out, a failure cannot be retried without repeating it.
            if (yielded) throw wrap(error);
            await onFailure(error, state, request.signal);
          }
        }
      } finally {
        request.signal?.removeEventListener('abort', onAbort);
        controller.abort();
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
