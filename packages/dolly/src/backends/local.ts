/**
 * Dolly fully offline: a GGUF conversion of a Dolly v2 model (GPT-NeoX architecture) run by
 * `node-llama-cpp` on the CPU. node-llama-cpp is an optional peer dependency, loaded with a
 * dynamic import on first use only, so `import '@lakechain/dolly'` never loads it.
 *
 * Generation is a raw completion over the Dolly prompt (`LlamaCompletion`), not a chat template,
 * with the prompt tokenized with special tokens parsed (Dolly's markers are single tokens) and a
 * stop on `### End` both as text and as its token.
 */
import { stat } from 'node:fs/promises';
import { DollyError } from '../errors.js';
import { DOLLY_CONTEXT_LENGTH, DOLLY_END_KEY } from '../prompt.js';
import type { DollyBackend, DollyGenerationRequest } from './types.js';

export interface DollyLocalBackendOptions {
  type: 'local';
  /** Path of the Dolly GGUF file (e.g. a `convert_hf_to_gguf.py` conversion of dolly-v2-3b). */
  modelPath: string;
  /** Context size in tokens, prompt plus generation (default and maximum: 2048, Dolly's). */
  contextSize?: number;
  /** CPU threads for generation (default: node-llama-cpp's choice). */
  threads?: number;
  /**
   * Advanced: extra `LlamaCompletion.generateCompletion` options (e.g. `repeatPenalty`,
   * `tokenBias`), computed once from the loaded `LlamaModel`.
   */
  completionOptions?: (model: unknown) => Record<string, unknown>;
}

/** The subset of node-llama-cpp used here (typed locally: the package is optional). */
interface LlamaModule {
  getLlama(options: Record<string, unknown>): Promise<Llama>;
  readGgufFileInfo(
    path: string,
    options?: Record<string, unknown>,
  ): Promise<{ metadata?: { general?: { architecture?: string } } }>;
  LlamaCompletion: new (options: { contextSequence: unknown }) => LlamaCompletion;
}
interface Llama {
  loadModel(options: Record<string, unknown>): Promise<LlamaModel>;
}
interface LlamaModel {
  tokenize(text: string, specialTokens?: boolean): number[];
  createContext(options: Record<string, unknown>): Promise<LlamaContext>;
  dispose(): Promise<void>;
}
interface LlamaContext {
  getSequence(): LlamaSequence;
  dispose(): Promise<void>;
}
interface LlamaSequence {
  clearHistory(): Promise<void>;
}
interface LlamaCompletion {
  generateCompletion(input: number[], options: Record<string, unknown>): Promise<string>;
  dispose(): void;
}

export const NODE_LLAMA_CPP_INSTALL_HINT =
  'The local Dolly backend needs the optional peer dependency node-llama-cpp: install it with `npm install node-llama-cpp@^3.22.0` (or pnpm add / yarn add).';

let llamaModule: Promise<LlamaModule> | undefined;
let llamaInstance: Promise<Llama> | undefined;

async function loadNodeLlamaCpp(): Promise<LlamaModule> {
  if (!llamaModule) {
    const specifier = 'node-llama-cpp';
    llamaModule = (import(specifier) as Promise<LlamaModule>).catch((error: unknown) => {
      llamaModule = undefined;
      const code = (error as { code?: string } | null)?.code;
      if (code === 'ERR_MODULE_NOT_FOUND' || code === 'MODULE_NOT_FOUND') {
        throw new DollyError('missing-dependency', NODE_LLAMA_CPP_INSTALL_HINT, { cause: error });
      }
      throw new DollyError(
        'missing-dependency',
        `node-llama-cpp failed to load (${(error as Error)?.message ?? error}). ${NODE_LLAMA_CPP_INSTALL_HINT}`,
        { cause: error },
      );
    });
  }
  return llamaModule;
}

/** One llama.cpp runtime per process, CPU only, never compiled on the fly. */
function getLlama(module: LlamaModule): Promise<Llama> {
  if (!llamaInstance) {
    llamaInstance = module.getLlama({ gpu: false, build: 'never' });
    llamaInstance.catch(() => {
      llamaInstance = undefined;
    });
  }
  return llamaInstance;
}

interface Loaded {
  module: LlamaModule;
  model: LlamaModel;
  context: LlamaContext;
  sequence: LlamaSequence;
  endTokens: number[][];
  contextSize: number;
  extra: Record<string, unknown>;
}

export function createLocalBackend(options: DollyLocalBackendOptions): DollyBackend {
  if (typeof options.modelPath !== 'string' || options.modelPath === '') {
    throw new DollyError('config', 'Dolly: backend "local" needs "modelPath" (a Dolly GGUF file)');
  }
  const contextSize = options.contextSize ?? DOLLY_CONTEXT_LENGTH;
  if (!Number.isInteger(contextSize) || contextSize < 16 || contextSize > DOLLY_CONTEXT_LENGTH) {
    throw new DollyError(
      'config',
      `Dolly: backend "local": contextSize must be an integer from 16 to ${DOLLY_CONTEXT_LENGTH} (Dolly's context), got ${contextSize}`,
    );
  }
  const modelPath = options.modelPath;
  let loaded: Promise<Loaded> | undefined;
  // One context sequence: generations run one at a time.
  let queue: Promise<unknown> = Promise.resolve();

  const load = (): Promise<Loaded> => {
    if (!loaded) {
      loaded = (async () => {
        try {
          const info = await stat(modelPath);
          if (!info.isFile()) throw new Error('not a file');
        } catch {
          throw new DollyError('model-file', `Dolly model file not found: ${modelPath}`);
        }
        const module = await loadNodeLlamaCpp();
        let architecture: string | undefined;
        try {
          const file = await module.readGgufFileInfo(modelPath, {
            sourceType: 'filesystem',
            readTensorInfo: false,
            logWarnings: false,
          });
          architecture = file.metadata?.general?.architecture;
        } catch (error) {
          throw new DollyError(
            'model-file',
            `cannot read ${modelPath} as a GGUF model file: ${(error as Error)?.message ?? error}`,
            { cause: error },
          );
        }
        if (architecture !== 'gptneox') {
          throw new DollyError(
            'architecture',
            `not a Dolly (GPT-NeoX) model: ${architecture ?? 'unknown architecture'} (${modelPath}); Dolly v2 GGUF files have general.architecture "gptneox"`,
          );
        }
        const llama = await getLlama(module);
        const model = await llama.loadModel({ modelPath, gpuLayers: 0 });
        try {
          const context = await model.createContext({
            contextSize,
            sequences: 1,
            ...(options.threads ? { threads: options.threads } : {}),
          });
          const endTokens: number[][] = [];
          const endToken = model.tokenize(DOLLY_END_KEY, true);
          if (endToken.length === 1) endTokens.push(endToken);
          return {
            module,
            model,
            context,
            sequence: context.getSequence(),
            endTokens,
            contextSize,
            extra: options.completionOptions?.(model) ?? {},
          };
        } catch (error) {
          await model.dispose();
          throw error;
        }
      })();
      loaded.catch(() => {
        loaded = undefined;
      });
    }
    return loaded;
  };

  /** Runs one generation on the (single) sequence, after the previous one finished. */
  const run = async (
    request: DollyGenerationRequest,
    onTextChunk?: (text: string) => void,
  ): Promise<string> => {
    const state = await load();
    const tokens = state.model.tokenize(request.prompt, true);
    // Room for the prompt and at least one generated token (plus a possible BOS).
    if (tokens.length + 2 > state.contextSize) {
      throw new DollyError(
        'context-length',
        `the prompt is ${tokens.length} tokens, too long for ${
          state.contextSize === DOLLY_CONTEXT_LENGTH
            ? `Dolly's ${DOLLY_CONTEXT_LENGTH}-token context`
            : `the ${state.contextSize}-token context (contextSize; Dolly's maximum is ${DOLLY_CONTEXT_LENGTH})`
        }: prompt plus generated text must fit in it; shorten the instruction or context`,
      );
    }
    const previous = queue;
    let release!: () => void;
    queue = new Promise<void>((resolve) => {
      release = resolve;
    });
    try {
      await previous.catch(() => undefined);
      await state.sequence.clearHistory();
      const completion = new state.module.LlamaCompletion({ contextSequence: state.sequence });
      try {
        const sampling: Record<string, unknown> = request.doSample
          ? {
              temperature: request.temperature ?? 1,
              topP: request.topP,
              ...(request.topK > 0 ? { topK: request.topK } : {}),
              ...(request.seed !== undefined ? { seed: request.seed } : {}),
            }
          : { temperature: 0 };
        return await completion.generateCompletion(tokens, {
          ...state.extra,
          ...sampling,
          maxTokens: Math.min(request.maxNewTokens, state.contextSize - tokens.length - 1),
          customStopTriggers: [...request.stop, ...state.endTokens],
          disableContextShift: true,
          contextShiftSize: 0,
          signal: request.signal,
          stopOnAbortSignal: onTextChunk !== undefined,
          onTextChunk,
        });
      } finally {
        completion.dispose();
      }
    } finally {
      release();
    }
  };

  return {
    type: 'local',
    generate: (request) => run(request),
    async *stream(request) {
      const controller = new AbortController();
      const onAbort = () => controller.abort(request.signal?.reason);
      request.signal?.addEventListener('abort', onAbort, { once: true });
      const pending: string[] = [];
      let wake: (() => void) | undefined;
      let finished = false;
      let failure: { error: unknown } | undefined;
      const done = run({ ...request, signal: controller.signal }, (text) => {
        pending.push(text);
        wake?.();
      }).then(
        () => {
          finished = true;
          wake?.();
        },
        (error: unknown) => {
          failure = { error };
          finished = true;
          wake?.();
        },
      );
      try {
        for (;;) {
          if (pending.length > 0) {
            yield pending.shift() as string;
            continue;
          }
          if (finished) break;
          await new Promise<void>((resolve) => {
            wake = resolve;
          });
          wake = undefined;
        }
        if (failure) throw failure.error;
        if (request.signal?.aborted) throw request.signal.reason;
      } finally {
        request.signal?.removeEventListener('abort', onAbort);
        // Leaving early (the caller found the end marker): stop generating, keep the model.
        if (!finished) controller.abort();
        await done;
      }
    },
    async close() {
      const current = loaded;
      loaded = undefined;
      if (!current) return;
      const state = await current.catch(() => undefined);
      if (!state) return;
      await queue.catch(() => undefined);
      await state.context.dispose();
      await state.model.dispose();
    },
  };
}
