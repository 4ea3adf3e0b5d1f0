/**
 * `llamaEmbeddings`: an embeddings serving handler (`llm/v1/embeddings`) running a local GGUF
 * sentence-embedding model (e.g. all-MiniLM-L6-v2 from the model catalog, `minilm-l6`) through
 * node-llama-cpp's embedding context.
 */
import type { LlamaEmbeddingContext, LlamaModel } from 'node-llama-cpp';
import { badRequest } from '../reply.js';
import type { ServingHandler, ServingRequest } from '../types.js';
import { asObject, asServingError } from './common.js';
import {
  abortError,
  defaultThreads,
  getSharedLlama,
  importNodeLlamaCpp,
  registerDisposable,
} from './runtime.js';

export interface LlamaEmbeddingsOptions {
  /** Path of the GGUF model file (an encoder such as BERT, or any model llama.cpp can pool). */
  modelPath: string;
  /**
   * Inputs longer than this many tokens (the model's special tokens included) are cut to it, as
   * sentence-transformers does with its `max_seq_length`. Default: the model's training context
   * (512 for BERT models). all-MiniLM-L6-v2 was trained on 128 tokens and sentence-transformers
   * cuts it at 256, which `lakechain-local --embeddings minilm-l6` uses.
   */
  maxInputTokens?: number;
  /**
   * L2-normalise every vector (default `true`): what sentence-transformers' `Normalize` module and
   * hosted embedding endpoints return, so a dot product is the cosine similarity.
   */
  normalize?: boolean;
  /** Inputs per request; more answer 400 like a real endpoint's batch limit. Default: no limit. */
  maxInputs?: number;
  /** CPU threads. Default: the available cores minus one, at most 4, at least 1. */
  threads?: number;
  /** `model` field of responses. Default: the endpoint name. */
  modelName?: string;
  /** Use the GPU if node-llama-cpp has a GPU build. Default `false`. */
  gpu?: boolean;
}

/** An embeddings handler with its model's lifecycle. */
export type LlamaEmbeddingsHandler = ServingHandler & {
  /** Loads the model now instead of on the first request. */
  load(): Promise<void>;
  /** Frees the model; it loads again on the next request. */
  dispose(): Promise<void>;
  /** Length of the vectors (known once loaded). */
  readonly dimensions: number | undefined;
};

interface LoadedEmbeddings {
  model: LlamaModel;
  context: LlamaEmbeddingContext;
  maxInputTokens: number;
}

/** One loaded embedding model; requests run one at a time on its single sequence. */
class EmbeddingRuntime {
  private loading?: Promise<LoadedEmbeddings>;
  private tail: Promise<unknown> = Promise.resolve();
  dimensions: number | undefined;

  constructor(private readonly options: LlamaEmbeddingsOptions) {}

  load(): Promise<LoadedEmbeddings> {
    if (!this.loading) {
      this.loading = this.doLoad();
      this.loading.catch(() => {
        this.loading = undefined;
      });
    }
    return this.loading;
  }

  private async doLoad(): Promise<LoadedEmbeddings> {
    const module = await importNodeLlamaCpp('llamaEmbeddings');
    const llama = await getSharedLlama(module, this.options.gpu ?? false);
    const model = await llama.loadModel({ modelPath: this.options.modelPath });
    const trained = model.trainContextSize || 512;
    const maxInputTokens = Math.min(this.options.maxInputTokens ?? trained, trained);
    // An encoder reads the whole input in one batch: the batch must hold the longest input.
    const context = await model.createEmbeddingContext({
      contextSize: maxInputTokens + 1,
      batchSize: maxInputTokens + 1,
      threads: this.options.threads ?? defaultThreads(),
    });
    this.dimensions = model.embeddingVectorSize;
    return { model, context, maxInputTokens };
  }

  /** Runs `fn` after every earlier request. */
  run<T>(fn: (loaded: LoadedEmbeddings) => Promise<T>): Promise<T> {
    const result = this.tail.then(async () => fn(await this.load()));
    this.tail = result.catch(() => undefined);
    return result;
  }

  async dispose(): Promise<void> {
    const loading = this.loading;
    this.loading = undefined;
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

/** The input texts of an OpenAI embeddings body (`input`: a string or a list of strings). */
function inputsOf(body: Record<string, unknown>): string[] {
  const input = body.input;
  if (typeof input === 'string') return [input];
  if (Array.isArray(input) && input.length > 0 && input.every((item) => typeof item === 'string'))
    return input as string[];
  throw badRequest('input must be a string or a non-empty list of strings');
}

/** A vector as OpenAI's `encoding_format: 'base64'` sends it: little-endian float32 bytes. */
function toBase64(vector: readonly number[]): string {
  const bytes = Buffer.alloc(vector.length * 4);
  for (const [index, value] of vector.entries()) bytes.writeFloatLE(value, index * 4);
  return bytes.toString('base64');
}

function normalized(vector: readonly number[]): number[] {
  const norm = Math.sqrt(vector.reduce((sum, value) => sum + value * value, 0));
  return norm > 0 ? vector.map((value) => value / norm) : [...vector];
}

/**
 * An embeddings endpoint handler (`llm/v1/embeddings`) that runs a local GGUF embedding model
 * with node-llama-cpp (optional peer dependency).
 *
 * - Databricks' (and OpenAI's) wire shape: `{"input": "text" | ["text", ...]}` in,
 *   `{"object": "list", "data": [{"object": "embedding", "index", "embedding"}], "model",
 *   "usage": {"prompt_tokens", "total_tokens"}}` out, one vector per input in input order.
 * - `encoding_format: 'base64'` (what the OpenAI SDK asks for) returns little-endian float32
 *   bytes in base64; `dimensions` other than the model's answers 400 (the model cannot shorten).
 * - Pooling is the model's own (mean for all-MiniLM-L6-v2); vectors are L2-normalised unless
 *   `normalize: false`. Long inputs are cut at `maxInputTokens`; `usage` counts the tokens read.
 * - The model loads on the first request (or `load()`), once per handler; requests run one at a
 *   time, inputs of a batch one after another.
 */
export function llamaEmbeddings(options: LlamaEmbeddingsOptions): LlamaEmbeddingsHandler {
  const runtime = new EmbeddingRuntime(options);
  registerDisposable(runtime);
  const handler = async (request: ServingRequest) => {
    const body = asObject(request.body);
    const inputs = inputsOf(body);
    if (options.maxInputs !== undefined && inputs.length > options.maxInputs)
      throw badRequest(
        `The number of inputs (${inputs.length}) exceeds the maximum batch size of ${options.maxInputs}.`,
      );
    const format = body.encoding_format ?? 'float';
    if (format !== 'float' && format !== 'base64')
      throw badRequest(
        `encoding_format must be "float" or "base64", not ${JSON.stringify(format)}`,
      );
    try {
      const { vectors, tokens } = await runtime.run(async ({ model, context, maxInputTokens }) => {
        if (body.dimensions !== undefined && body.dimensions !== model.embeddingVectorSize)
          throw badRequest(
            `dimensions must be ${model.embeddingVectorSize} for this model (it cannot shorten its vectors)`,
          );
        const result: number[][] = [];
        let count = 0;
        for (const text of inputs) {
          if (request.signal.aborted) throw abortError();
          // Room for the special tokens ([CLS] and [SEP] for BERT) that node-llama-cpp adds.
          let tokens = model.tokenize(text).slice(0, Math.max(1, maxInputTokens - 2));
          // An empty text is embedded as the special tokens alone ([CLS] [SEP]), as
          // sentence-transformers does, rather than as an empty vector.
          if (tokens.length === 0 && model.tokens.bos !== null) tokens = [model.tokens.bos];
          if (tokens.length === 0) throw badRequest('input must not contain empty strings');
          count += context.calculateInputLength(tokens);
          const { vector } = await context.getEmbeddingFor(tokens);
          result.push(options.normalize === false ? [...vector] : normalized(vector));
        }
        return { vectors: result, tokens: count };
      });
      return {
        object: 'list',
        data: vectors.map((vector, index) => ({
          object: 'embedding',
          index,
          embedding: format === 'base64' ? toBase64(vector) : vector,
        })),
        model: options.modelName ?? request.endpoint,
        usage: { prompt_tokens: tokens, total_tokens: tokens },
      };
    } catch (error) {
      throw asServingError(error);
    }
  };
  // defineProperty, not Object.assign: assign would copy the getter's value at creation.
  return Object.defineProperties(handler, {
    load: {
      value: async () => {
        await runtime.load();
      },
    },
    dispose: { value: () => runtime.dispose() },
    dimensions: { get: () => runtime.dimensions, enumerable: true },
  }) as LlamaEmbeddingsHandler;
}
