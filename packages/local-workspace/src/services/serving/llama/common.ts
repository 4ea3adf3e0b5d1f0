/** Helpers shared by the llama chat and completions handlers. */
import { ServingError } from '../reply.js';
import type { LlamaBackendOptions } from './runtime.js';

export type Json = Record<string, unknown>;

export function asObject(value: unknown): Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
    ? (value as Json)
    : {};
}

let sequence = 0;
export const nextId = (prefix: string) =>
  `${prefix}-llama-${(++sequence).toString().padStart(6, '0')}`;

/** OpenAI `finish_reason` for a node-llama-cpp stop reason. */
export function finishReason(stopReason: string): string {
  return stopReason === 'maxTokens' ? 'length' : 'stop';
}

export function stopTriggers(body: Json): string[] | undefined {
  const stop = body.stop;
  if (typeof stop === 'string') return stop ? [stop] : undefined;
  if (Array.isArray(stop)) {
    const list = stop.filter((item): item is string => typeof item === 'string' && item !== '');
    return list.length > 0 ? list : undefined;
  }
  return undefined;
}

export interface SamplingOptions {
  maxTokens: number;
  temperature: number;
  topP?: number;
  topK?: number;
  seed?: number;
  customStopTriggers?: string[];
  repeatPenalty?: { presencePenalty?: number; frequencyPenalty?: number };
}

/**
 * Sampling settings from an OpenAI body and the backend defaults. `max_tokens` is capped by the
 * room left in the context; a prompt that does not fit answers 400 like a real endpoint.
 */
export function sampling(
  body: Json,
  options: LlamaBackendOptions,
  promptTokens: number,
  contextSize: number,
): SamplingOptions {
  const room = contextSize - promptTokens;
  if (room <= 0)
    throw new ServingError(
      400,
      'BAD_REQUEST',
      `This model's maximum context length is ${contextSize} tokens. However, you requested ${promptTokens} tokens in the prompt. Please reduce the length of the prompt.`,
    );
  const requested =
    typeof body.max_tokens === 'number'
      ? body.max_tokens
      : typeof body.max_completion_tokens === 'number'
        ? body.max_completion_tokens
        : (options.maxTokens ?? 512);
  if (!Number.isInteger(requested) || requested < 1)
    throw new ServingError(400, 'BAD_REQUEST', 'max_tokens must be a positive integer');
  const result: SamplingOptions = {
    maxTokens: Math.min(requested, room),
    temperature:
      typeof body.temperature === 'number' ? body.temperature : (options.temperature ?? 0),
  };
  if (typeof body.top_p === 'number') result.topP = body.top_p;
  if (typeof body.top_k === 'number') result.topK = body.top_k;
  const seed = typeof body.seed === 'number' ? body.seed : options.seed;
  if (seed !== undefined) result.seed = seed;
  const stop = stopTriggers(body);
  if (stop) result.customStopTriggers = stop;
  if (typeof body.presence_penalty === 'number' || typeof body.frequency_penalty === 'number')
    result.repeatPenalty = {
      ...(typeof body.presence_penalty === 'number'
        ? { presencePenalty: body.presence_penalty }
        : {}),
      ...(typeof body.frequency_penalty === 'number'
        ? { frequencyPenalty: body.frequency_penalty }
        : {}),
    };
  return result;
}

export function rejectN(body: Json): void {
  if (typeof body.n === 'number' && body.n > 1)
    throw new ServingError(
      400,
      'BAD_REQUEST',
      'n > 1 is not supported by the local llama backend (one sequence at a time)',
    );
}

/** A push-based async iterable: the generation pushes chunks, the HTTP stream pulls them. */
export class Channel<T> implements AsyncIterable<T> {
  private readonly items: T[] = [];
  private wake?: () => void;
  private closed = false;
  private failure?: unknown;

  push(item: T): void {
    this.items.push(item);
    this.wake?.();
  }

  close(error?: unknown): void {
    this.closed = true;
    this.failure = error;
    this.wake?.();
  }

  async *[Symbol.asyncIterator](): AsyncIterator<T> {
    while (true) {
      while (this.items.length > 0) yield this.items.shift() as T;
      if (this.closed) {
        if (this.failure !== undefined) throw this.failure;
        return;
      }
      await new Promise<void>((resolve) => {
        this.wake = resolve;
      });
      this.wake = undefined;
    }
  }
}

/** An AbortController that also aborts when `signal` does. */
export function linkedController(signal: AbortSignal): AbortController {
  const controller = new AbortController();
  if (signal.aborted) controller.abort();
  else signal.addEventListener('abort', () => controller.abort(), { once: true });
  return controller;
}

/** Wraps an unexpected failure (e.g. node-llama-cpp missing) as a Databricks-shaped 500. */
export function asServingError(error: unknown): unknown {
  if (error instanceof ServingError) return error;
  if (error instanceof Error && error.name === 'AbortError') return error;
  const message = error instanceof Error ? error.message : String(error);
  return new ServingError(500, 'INTERNAL_ERROR', message);
}

/** OpenAI `usage` for one or more generations. */
export function usageOf(promptTokens: number, completionTokens: number) {
  return {
    prompt_tokens: promptTokens,
    completion_tokens: completionTokens,
    total_tokens: promptTokens + completionTokens,
  };
}
