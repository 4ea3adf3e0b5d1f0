/**
 * The shared node-llama-cpp runtime behind the `llamaChat`/`llamaCompletions` handlers: one
 * `Llama` per process, one loaded model + context (one sequence) per model file and settings,
 * loaded lazily on the first request (or by `load()`), and a FIFO queue so that requests run one
 * at a time on that sequence.
 */
import { availableParallelism } from 'node:os';
import { resolve } from 'node:path';
import type {
  ChatWrapper,
  Llama,
  LlamaContext,
  LlamaContextSequence,
  LlamaGrammar,
  LlamaModel,
} from 'node-llama-cpp';
import { ServingError } from '../reply.js';
import { toGrammarSchema } from './schema.js';

type NodeLlamaCpp = typeof import('node-llama-cpp');

export interface LlamaBackendOptions {
  /** Path of the GGUF model file. */
  modelPath: string;
  /** Context window in tokens. Default: the model's training context, capped at 4096. */
  contextSize?: number;
  /**
   * Tokens evaluated per batch while reading a prompt. Default: node-llama-cpp's (the context
   * size, at most 512).
   */
  batchSize?: number;
  /**
   * CPU threads for generation. Default: the available cores minus one, at most 4, at least 1
   * (small models gain little from more, and oversubscribed cores make llama.cpp's thread pool
   * several times slower: on a 2-core CI runner 1 thread is 4x faster than 2).
   */
  threads?: number;
  /** Sampling seed when a request has no `seed`. */
  seed?: number;
  /** Temperature when a request has none. Default 0 (greedy, deterministic). */
  temperature?: number;
  /** `max_tokens` when a request has none. Default 512 (bounded by the context). */
  maxTokens?: number;
  /** `model` field of responses. Default: the endpoint name. */
  modelName?: string;
  /**
   * Chat wrapper: `'auto'` (default) uses the model's own chat template (Jinja template from the
   * GGUF, or the matching built-in wrapper). A node-llama-cpp `ChatWrapper` instance also works.
   */
  chatWrapper?: 'auto' | object;
  /** Use the GPU if node-llama-cpp has a GPU build. Default `false` (CPU, the prebuilt binary). */
  gpu?: boolean;
  /** Loading progress from 0 to 1 (for a spinner). */
  onLoadProgress?: (progress: number) => void;
}

/** One finished (or aborted) generation, for tests, demos and benchmarks. */
export interface LlamaGenerationRecord {
  api: 'chat' | 'completions';
  promptTokens: number;
  completionTokens: number;
  /** node-llama-cpp's stop reason: `eogToken`, `maxTokens`, `customStopTrigger`, `abort`, ... */
  stopReason: string;
  /** When generation started (epoch ms). */
  startedAt: number;
  /** Milliseconds spent waiting in the queue, then generating. */
  queuedMs: number;
  generationMs: number;
}

export interface LlamaLoaded {
  module: NodeLlamaCpp;
  llama: Llama;
  model: LlamaModel;
  context: LlamaContext;
  sequence: LlamaContextSequence;
  /** The model's own chat wrapper (from its chat template), or the one given in the options. */
  chatWrapper: ChatWrapper;
  contextSize: number;
}

const MISSING = (what: string) =>
  `install node-llama-cpp to use ${what} (npm install node-llama-cpp; it is an optional peer dependency of @lakechain/local-workspace)`;

/** True when `error` (or one of its causes) says node-llama-cpp itself cannot be found. */
function isMissingModule(error: unknown): boolean {
  for (let current = error, depth = 0; current && depth < 5; depth++) {
    const { code, message, cause } = current as {
      code?: string;
      message?: string;
      cause?: unknown;
    };
    if (
      (code === 'ERR_MODULE_NOT_FOUND' || code === 'MODULE_NOT_FOUND') &&
      /node-llama-cpp/.test(message ?? '')
    )
      return true;
    if (/Cannot find (package|module) ['"]node-llama-cpp['"]/.test(message ?? '')) return true;
    current = cause;
  }
  return false;
}

let modulePromise: Promise<NodeLlamaCpp> | undefined;
const llamaPromises = new Map<string, Promise<Llama>>();

export async function importNodeLlamaCpp(what: string): Promise<NodeLlamaCpp> {
  modulePromise ??= import('node-llama-cpp').catch((error: unknown) => {
    modulePromise = undefined;
    if (isMissingModule(error)) throw new Error(MISSING(what), { cause: error });
    throw error;
  });
  return modulePromise;
}

export async function getSharedLlama(module: NodeLlamaCpp, gpu: boolean): Promise<Llama> {
  const key = gpu ? 'auto' : 'cpu';
  let promise = llamaPromises.get(key);
  if (!promise) {
    // `build: 'never'`: use the prebuilt binary, never compile or download at run time.
    promise = module.getLlama({
      gpu: gpu ? 'auto' : false,
      build: 'never',
      logLevel: module.LlamaLogLevel.error,
    });
    promise.catch(() => llamaPromises.delete(key));
    llamaPromises.set(key, promise);
  }
  return promise;
}

export function defaultThreads(): number {
  return Math.max(1, Math.min(4, availableParallelism() - 1));
}

export function abortError(): Error {
  const error = new Error('The request was aborted');
  error.name = 'AbortError';
  return error;
}

export class LlamaRuntime {
  readonly options: LlamaBackendOptions;
  /** The last generations, newest last (at most 50). */
  readonly generations: LlamaGenerationRecord[] = [];
  private loading?: Promise<LlamaLoaded>;
  private tail: Promise<unknown> = Promise.resolve();
  private readonly grammars = new Map<string, Promise<LlamaGrammar>>();
  private pending = 0;

  constructor(options: LlamaBackendOptions) {
    this.options = { ...options, modelPath: resolve(options.modelPath) };
  }

  /** Loads the model (once); later calls return the same promise. */
  load(what = 'the llama serving backend'): Promise<LlamaLoaded> {
    if (!this.loading) {
      this.loading = this.doLoad(what);
      this.loading.catch(() => {
        this.loading = undefined;
      });
    }
    return this.loading;
  }

  private async doLoad(what: string): Promise<LlamaLoaded> {
    const module = await importNodeLlamaCpp(what);
    const llama = await getSharedLlama(module, this.options.gpu ?? false);
    const model = await llama.loadModel({
      modelPath: this.options.modelPath,
      ...(this.options.onLoadProgress ? { onLoadProgress: this.options.onLoadProgress } : {}),
    });
    const trained = model.trainContextSize || 2048;
    const context = await model.createContext({
      contextSize: this.options.contextSize ?? Math.min(trained, 4096),
      sequences: 1,
      threads: this.options.threads ?? defaultThreads(),
      ...(this.options.batchSize ? { batchSize: this.options.batchSize } : {}),
    });
    const chatWrapper =
      typeof this.options.chatWrapper === 'object'
        ? (this.options.chatWrapper as ChatWrapper)
        : module.resolveChatWrapper(model);
    return {
      module,
      llama,
      model,
      context,
      sequence: context.getSequence(),
      chatWrapper,
      contextSize: context.contextSize,
    };
  }

  /** Requests queued or running. */
  get queueLength(): number {
    return this.pending;
  }

  /**
   * Runs `fn` when every earlier request has finished. A request whose `signal` aborts while it
   * waits is dropped without running.
   */
  enqueue<T>(signal: AbortSignal, fn: (loaded: LlamaLoaded) => Promise<T>): Promise<T> {
    this.pending++;
    const run = this.tail.then(async () => {
      if (signal.aborted) throw abortError();
      return fn(await this.load());
    });
    const settled = run.finally(() => {
      this.pending--;
    });
    this.tail = settled.catch(() => undefined);
    return settled;
  }

  record(entry: LlamaGenerationRecord): void {
    this.generations.push(entry);
    if (this.generations.length > 50) this.generations.shift();
  }

  /** A grammar for a JSON schema (`null`: any JSON value), cached per schema. */
  grammarFor(schema: unknown | null): Promise<LlamaGrammar> {
    const key = schema === null ? 'json' : JSON.stringify(schema);
    let grammar = this.grammars.get(key);
    if (!grammar) {
      grammar = this.load().then(({ llama }) =>
        schema === null
          ? llama.getGrammarFor('json')
          : llama.createGrammarForJsonSchema(toGrammarSchema(schema) as never),
      );
      grammar.catch(() => this.grammars.delete(key));
      this.grammars.set(key, grammar);
    }
    return grammar.catch((error: unknown) => {
      throw new ServingError(
        400,
        'BAD_REQUEST',
        `Cannot build a grammar for this JSON schema: ${error instanceof Error ? error.message : String(error)}`,
      );
    });
  }

  /** Frees the context and the model (the runtime loads again on the next request). */
  async dispose(): Promise<void> {
    const loading = this.loading;
    this.loading = undefined;
    this.grammars.clear();
    if (!loading) return;
    try {
      const loaded = await loading;
      await this.tail;
      await loaded.context.dispose();
      await loaded.model.dispose();
    } catch {
      // never loaded: nothing to free
    }
  }
}

const runtimes = new Map<string, LlamaRuntime>();

/**
 * The runtime for these options, shared by every handler created with the same model file and
 * context settings (a chat and a completions endpoint over one model load it once).
 */
export function sharedRuntime(options: LlamaBackendOptions): LlamaRuntime {
  const key = JSON.stringify([
    resolve(options.modelPath),
    options.contextSize ?? null,
    options.threads ?? null,
    options.batchSize ?? null,
    options.gpu ?? false,
    typeof options.chatWrapper === 'object' ? Math.random() : (options.chatWrapper ?? 'auto'),
  ]);
  let runtime = runtimes.get(key);
  if (!runtime) {
    runtime = new LlamaRuntime(options);
    runtimes.set(key, runtime);
  }
  return runtime;
}

/** Other loaded models (the embedding handlers'), disposed with the shared runtimes. */
const disposables = new Set<{ dispose(): Promise<void> }>();

export function registerDisposable(item: { dispose(): Promise<void> }): void {
  disposables.add(item);
}

/**
 * Disposes every shared runtime and every embedding model (models and contexts); for test
 * teardown and clean exits.
 */
export async function disposeLlamaRuntimes(): Promise<void> {
  const all = [...runtimes.values(), ...disposables];
  runtimes.clear();
  disposables.clear();
  await Promise.all(all.map((runtime) => runtime.dispose()));
}
