import { redactForInspection } from '@lakechain/core';
import { databricksFailedAttemptHandler } from '@lakechain/databricks-llm';
import type { CallbackManagerForLLMRun } from '@langchain/core/callbacks/manager';
import {
  type BaseLLMCallOptions,
  type BaseLLMParams,
  LLM,
} from '@langchain/core/language_models/llms';
import { GenerationChunk } from '@langchain/core/outputs';
import {
  createDatabricksBackend,
  type DollyDatabricksBackendOptions,
} from './backends/databricks.js';
import {
  createHuggingFaceBackend,
  type DollyHuggingFaceBackendOptions,
} from './backends/huggingface.js';
import { createLocalBackend, type DollyLocalBackendOptions } from './backends/local.js';
import type { DollyBackend, DollyGenerationRequest } from './backends/types.js';
import { DollyError } from './errors.js';
import { DOLLY_END_KEY, DOLLY_RESPONSE_KEY, formatDollyPrompt } from './prompt.js';

export type DollyBackendOptions =
  | DollyDatabricksBackendOptions
  | DollyHuggingFaceBackendOptions
  | DollyLocalBackendOptions;

/** Dolly's pipeline defaults (`InstructionTextGenerationPipeline`). */
export const DOLLY_DEFAULTS = {
  maxNewTokens: 256,
  topP: 0.92,
  topK: 0,
  doSample: true,
} as const;

export interface DollyCallOptions extends BaseLLMCallOptions {
  maxNewTokens?: number;
  topP?: number;
  topK?: number;
  doSample?: boolean;
  temperature?: number;
  /** Local backend: sampling seed for this call. */
  seed?: number;
}

export interface DollyInput extends BaseLLMParams {
  /** Where Dolly runs. */
  backend: DollyBackendOptions;
  /** Maximum generated tokens (default 256). */
  maxNewTokens?: number;
  /** Nucleus sampling (default 0.92). */
  topP?: number;
  /** Top-k sampling; 0 (default) disables it and is not sent over HTTP. */
  topK?: number;
  /** Sample (default true); false is greedy decoding. */
  doSample?: boolean;
  /** Unset by default (the backend's default, 1.0 for transformers and TGI). */
  temperature?: number;
  /** Stop sequences added to `### End` (which is always applied). */
  stop?: string[];
  /** Local backend: sampling seed. */
  seed?: number;
  /**
   * How a prompt reaches the model. `'auto'` (default): a prompt that already contains
   * `### Response:` (e.g. from `DOLLY_PROMPT`) is sent as is, anything else is treated as an
   * instruction and wrapped with `formatDollyPrompt`. `true`: always wrap. `false`: never.
   */
  formatPrompt?: boolean | 'auto';
}

function checkNumber(
  name: string,
  value: number | undefined,
  valid: (value: number) => boolean,
  expected: string,
): void {
  if (value !== undefined && (typeof value !== 'number' || !valid(value))) {
    throw new DollyError('config', `Dolly: "${name}" must be ${expected}, got ${String(value)}`);
  }
}

function checkParams(params: Partial<DollyCallOptions>): void {
  checkNumber(
    'maxNewTokens',
    params.maxNewTokens,
    (v) => Number.isInteger(v) && v > 0,
    'a positive integer',
  );
  checkNumber('topP', params.topP, (v) => v > 0 && v <= 1, 'in (0, 1]');
  checkNumber('topK', params.topK, (v) => Number.isInteger(v) && v >= 0, 'a non-negative integer');
  checkNumber('temperature', params.temperature, (v) => v >= 0, 'a non-negative number');
}

/**
 * Cuts a stream at the first stop sequence without ever emitting (part of) it, and trims the
 * result like `invoke` does: leading whitespace is dropped, trailing whitespace is held back until
 * more text follows.
 */
export class StopSequenceCutter {
  #buffer = '';
  #started = false;
  #done = false;
  readonly #stops: string[];

  constructor(stops: string[]) {
    this.#stops = stops.filter((stop) => stop.length > 0);
  }

  get done(): boolean {
    return this.#done;
  }

  /** Text that is safe to emit now. */
  push(text: string): string {
    if (this.#done) return '';
    this.#buffer += text;
    if (!this.#started) {
      this.#buffer = this.#buffer.trimStart();
      if (this.#buffer === '') return '';
      this.#started = true;
    }
    let cut = -1;
    for (const stop of this.#stops) {
      const index = this.#buffer.indexOf(stop);
      if (index !== -1 && (cut === -1 || index < cut)) cut = index;
    }
    if (cut !== -1) {
      this.#done = true;
      const out = this.#buffer.slice(0, cut).trimEnd();
      this.#buffer = '';
      return out;
    }
    // Hold back a suffix that could be the start of a stop sequence.
    let hold = 0;
    for (const stop of this.#stops) {
      for (let length = Math.min(stop.length - 1, this.#buffer.length); length > hold; length--) {
        if (this.#buffer.endsWith(stop.slice(0, length))) {
          hold = length;
          break;
        }
      }
    }
    const safe = this.#buffer.slice(0, this.#buffer.length - hold).trimEnd();
    this.#buffer = this.#buffer.slice(safe.length);
    return safe;
  }

  /** At the end of the stream: what was held back, minus trailing whitespace. */
  flush(): string {
    if (this.#done) return '';
    this.#done = true;
    const out = this.#buffer.trimEnd();
    this.#buffer = '';
    return out;
  }
}

/** Cuts finished text at the first stop sequence, trimmed (Dolly's pipeline strips its output). */
export function cutAtStop(text: string, stops: string[]): string {
  const cutter = new StopSequenceCutter(stops);
  return cutter.push(text) + cutter.flush();
}

/**
 * Databricks Dolly v2 as a LangChain LLM, with Dolly's prompt format, generation defaults
 * (`maxNewTokens` 256, `topP` 0.92, `topK` 0, sampling on) and its `### End` stop marker, on one
 * of three backends: a Databricks Model Serving endpoint, a Hugging Face Inference Endpoint (or
 * provider), or a local GGUF file through node-llama-cpp.
 *
 * @example
 * ```ts
 * import { Dolly } from '@lakechain/dolly';
 * const dolly = new Dolly({ backend: { type: 'databricks', endpointName: 'dolly-v2-3b' } });
 * await dolly.invoke('Explain what a Delta table is in two sentences.');
 * ```
 */
export class Dolly extends LLM<DollyCallOptions> {
  /**
   * What `console.log` / `util.inspect` show: this object with credential-bearing fields masked
   * (LangChain keeps constructor arguments, tokens included, in plain fields).
   */
  [Symbol.for('nodejs.util.inspect.custom')](): unknown {
    return redactForInspection(this);
  }

  static override lc_name() {
    return 'Dolly';
  }

  override lc_namespace = ['lakechain', 'dolly'];

  override lc_serializable = true;

  /** Backend tokens are never written out: they are kept out of `backend` entirely. */
  override get lc_secrets(): Record<string, string> {
    return {
      'backend.token': this.backend.type === 'huggingface' ? 'HF_TOKEN' : 'DATABRICKS_TOKEN',
    };
  }

  override get lc_serializable_keys(): string[] {
    return [
      'backend',
      'maxNewTokens',
      'topP',
      'topK',
      'doSample',
      'temperature',
      'stop',
      'seed',
      'formatPrompt',
    ];
  }

  /** The backend settings without secrets, clients or functions (safe to log and serialise). */
  readonly backend: { type: DollyBackendOptions['type'] } & Record<string, unknown>;
  maxNewTokens: number;
  topP: number;
  topK: number;
  doSample: boolean;
  temperature?: number;
  stop?: string[];
  seed?: number;
  formatPrompt: boolean | 'auto';

  readonly #backend: DollyBackend;
  #closed = false;
  #closing?: Promise<void>;

  constructor(fields: DollyInput) {
    const backend = fields?.backend;
    if (!backend || typeof backend !== 'object') {
      throw new DollyError(
        'config',
        'Dolly: "backend" is required: { type: "databricks" | "huggingface" | "local", ... }',
      );
    }
    checkParams(fields);
    let impl: DollyBackend & { model?: string };
    let description: { type: DollyBackendOptions['type'] } & Record<string, unknown>;
    switch (backend.type) {
      case 'databricks':
        impl = createDatabricksBackend(backend);
        description = describeBackend({ ...backend, model: impl.model }, [
          'model',
          'task',
          'host',
          'profile',
          'authType',
          'clientId',
          'extraParams',
        ]);
        break;
      case 'huggingface':
        impl = createHuggingFaceBackend(backend);
        description = describeBackend(backend, ['endpointUrl', 'model', 'provider', 'timeout']);
        break;
      case 'local':
        impl = createLocalBackend(backend);
        description = describeBackend(backend, ['modelPath', 'contextSize', 'threads']);
        break;
      default:
        throw new DollyError(
          'config',
          `Dolly: unknown backend type ${JSON.stringify((backend as { type?: unknown }).type)} (expected "databricks", "huggingface" or "local")`,
        );
    }
    // LangChain keeps the constructor fields (lc_kwargs): give it the secret-free backend.
    // Every backend runs through this LLM's AsyncCaller (`maxRetries`, `maxConcurrency`): the
    // one retry layer. Its default handler retries what a backend marks `retryable`.
    super({
      ...fields,
      backend: description,
      onFailedAttempt: fields.onFailedAttempt ?? databricksFailedAttemptHandler,
    } as BaseLLMParams);
    this.#backend = impl;
    this.backend = description;
    this.maxNewTokens = fields.maxNewTokens ?? DOLLY_DEFAULTS.maxNewTokens;
    this.topP = fields.topP ?? DOLLY_DEFAULTS.topP;
    this.topK = fields.topK ?? DOLLY_DEFAULTS.topK;
    this.doSample = fields.doSample ?? DOLLY_DEFAULTS.doSample;
    this.temperature = fields.temperature;
    this.stop = fields.stop;
    this.seed = fields.seed;
    this.formatPrompt = fields.formatPrompt ?? 'auto';
  }

  _llmType(): string {
    return 'dolly';
  }

  override _identifyingParams(): Record<string, unknown> {
    return {
      backend: this.backend,
      maxNewTokens: this.maxNewTokens,
      topP: this.topP,
      topK: this.topK,
      doSample: this.doSample,
      ...(this.temperature !== undefined ? { temperature: this.temperature } : {}),
    };
  }

  /** The prompt as sent to the model (see `formatPrompt`). */
  toDollyPrompt(prompt: string): string {
    if (this.formatPrompt === false) return prompt;
    if (this.formatPrompt === 'auto' && prompt.includes(DOLLY_RESPONSE_KEY)) return prompt;
    return formatDollyPrompt({ instruction: prompt });
  }

  #request(prompt: string, options: this['ParsedCallOptions']): DollyGenerationRequest {
    checkParams(options);
    const extraStops = options.stop ?? this.stop ?? [];
    const stop = [DOLLY_END_KEY, ...extraStops.filter((s) => s && s !== DOLLY_END_KEY)];
    const temperature = options.temperature ?? this.temperature;
    const seed = options.seed ?? this.seed;
    return {
      prompt: this.toDollyPrompt(prompt),
      maxNewTokens: options.maxNewTokens ?? this.maxNewTokens,
      topP: options.topP ?? this.topP,
      topK: options.topK ?? this.topK,
      doSample: options.doSample ?? this.doSample,
      ...(temperature !== undefined ? { temperature } : {}),
      ...(seed !== undefined ? { seed } : {}),
      stop,
      signal: options.signal,
    };
  }

  async _call(
    prompt: string,
    options: this['ParsedCallOptions'],
    _runManager?: CallbackManagerForLLMRun,
  ): Promise<string> {
    const request = this.#request(prompt, options);
    const text = await this.caller.callWithOptions({ signal: options.signal }, () =>
      this.#open().generate(request),
    );
    return cutAtStop(text, request.stop);
  }

  override async *_streamResponseChunks(
    prompt: string,
    options: this['ParsedCallOptions'],
    runManager?: CallbackManagerForLLMRun,
  ): AsyncGenerator<GenerationChunk> {
    const request = this.#request(prompt, options);
    const backend = this.#open();
    if (!backend.stream) {
      const text = await this._call(prompt, options, runManager);
      yield new GenerationChunk({ text });
      await runManager?.handleLLMNewToken(text);
      return;
    }
    const stream = backend.stream.bind(backend);
    // Only opening the stream (up to its first piece) goes through the caller: once text has
    // been emitted, another attempt would repeat it.
    const { iterator, first } = await this.caller.callWithOptions(
      { signal: options.signal },
      async () => {
        const opened = stream(request)[Symbol.asyncIterator]();
        return { iterator: opened, first: await opened.next() };
      },
    );
    const cutter = new StopSequenceCutter(request.stop);
    try {
      for (let next = first; !next.done; next = await iterator.next()) {
        const text = cutter.push(next.value);
        if (text) {
          yield new GenerationChunk({ text });
          await runManager?.handleLLMNewToken(text);
        }
        if (cutter.done) return;
      }
      const rest = cutter.flush();
      if (rest) {
        yield new GenerationChunk({ text: rest });
        await runManager?.handleLLMNewToken(rest);
      }
    } finally {
      // Leaving early (stop marker, or the consumer stopped) closes the backend stream: the HTTP
      // connection or the local generation.
      await iterator.return?.();
    }
  }

  #open(): DollyBackend {
    if (this.#closed) {
      throw new DollyError(
        'closed',
        'Dolly was closed (close() released its backend): create a new instance to make more calls',
      );
    }
    return this.#backend;
  }

  /**
   * Releases what the backend holds: the Databricks backend's HTTP client (and the connection
   * pool made for `caCert`), the local backend's model and context. Generations in flight finish
   * first; later calls fail with a `DollyError` of kind `closed`. Idempotent.
   */
  close(): Promise<void> {
    if (!this.#closing) {
      this.#closed = true;
      this.#closing = this.#backend.close?.() ?? Promise.resolve();
    }
    return this.#closing;
  }

  /** `await using dolly = new Dolly(...)` closes it at the end of the scope. */
  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }

  /** @deprecated Use `close()` (same effect). */
  dispose(): Promise<void> {
    return this.close();
  }
}

/** Keeps only plain, non-secret settings of the backend options. */
function describeBackend(
  backend: DollyBackendOptions,
  keys: string[],
): { type: DollyBackendOptions['type'] } & Record<string, unknown> {
  const out: Record<string, unknown> = { type: backend.type };
  const record = backend as unknown as Record<string, unknown>;
  for (const key of keys) {
    if (record[key] !== undefined && typeof record[key] !== 'function') out[key] = record[key];
  }
  return out as { type: DollyBackendOptions['type'] } & Record<string, unknown>;
}
