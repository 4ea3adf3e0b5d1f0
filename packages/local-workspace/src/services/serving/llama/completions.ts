/**
 * `llamaCompletions`: an OpenAI completions serving handler (`llm/v1/completions`) running a
 * local GGUF model through node-llama-cpp on the raw prompt (no chat template).
 */
import { ServingError } from '../reply.js';
import type { ServingRequest } from '../types.js';
import type { LlamaServingHandler } from './chat.js';
import {
  asObject,
  asServingError,
  Channel,
  finishReason,
  type Json,
  linkedController,
  nextId,
  rejectN,
  sampling,
  usageOf,
} from './common.js';
import { withLlamaRuntime } from './generation.js';
import { type LlamaBackendOptions, type LlamaRuntime, sharedRuntime } from './runtime.js';

interface CompletionOutcome {
  text: string;
  promptTokens: number;
  completionTokens: number;
  stopReason: string;
}

async function complete(
  runtime: LlamaRuntime,
  options: LlamaBackendOptions,
  body: Json,
  prompt: string,
  signal: AbortSignal,
  onText?: (text: string) => void,
): Promise<CompletionOutcome> {
  const loaded = await runtime.load('llamaCompletions');
  const promptTokens = loaded.model.tokenize(prompt, false).length;
  const settings = sampling(body, options, promptTokens + 1, loaded.contextSize);
  const queuedAt = Date.now();
  return runtime.enqueue(signal, async ({ module, sequence }) => {
    const startedAt = Date.now();
    const completion = new module.LlamaCompletion({
      contextSequence: sequence,
      autoDisposeSequence: false,
    });
    let completionTokens = 0;
    try {
      const result = await completion.generateCompletionWithMeta(prompt, {
        ...settings,
        signal,
        stopOnAbortSignal: true,
        onToken: (tokens) => {
          completionTokens += tokens.length;
        },
        ...(onText ? { onTextChunk: onText } : {}),
      });
      const stopReason = result.metadata.stopReason;
      runtime.record({
        api: 'completions',
        promptTokens,
        completionTokens,
        stopReason,
        startedAt,
        queuedMs: startedAt - queuedAt,
        generationMs: Date.now() - startedAt,
      });
      return { text: result.response, promptTokens, completionTokens, stopReason };
    } finally {
      completion.dispose({ disposeSequence: false });
    }
  });
}

/**
 * A completions endpoint handler (`llm/v1/completions`) over a local GGUF model: the prompt (a
 * string, or a list answered one after the other) is continued as is, with the same sampling
 * options, stop sequences, usage, streaming and abort behaviour as `llamaChat`. Shares the loaded
 * model with a `llamaChat` handler over the same file.
 */
export function llamaCompletions(options: LlamaBackendOptions): LlamaServingHandler {
  const runtime = sharedRuntime(options);
  const handler = async (request: ServingRequest) => {
    const body = asObject(request.body);
    rejectN(body);
    const prompts = Array.isArray(body.prompt)
      ? body.prompt.map(String)
      : [String(body.prompt ?? '')];
    const model = options.modelName ?? request.endpoint;
    const id = nextId('cmpl');
    const created = Math.floor(Date.now() / 1000);

    if (body.stream !== true) {
      const outcomes: CompletionOutcome[] = [];
      try {
        for (const prompt of prompts)
          outcomes.push(await complete(runtime, options, body, prompt, request.signal));
      } catch (error) {
        throw asServingError(error);
      }
      const promptTokens = outcomes.reduce((sum, outcome) => sum + outcome.promptTokens, 0);
      const completionTokens = outcomes.reduce((sum, o) => sum + o.completionTokens, 0);
      return {
        id,
        object: 'text_completion',
        created,
        model,
        choices: outcomes.map((outcome, index) => ({
          index,
          text: outcome.text,
          finish_reason: finishReason(outcome.stopReason),
          logprobs: null,
        })),
        usage: usageOf(promptTokens, completionTokens),
      };
    }

    if (prompts.length !== 1)
      throw new ServingError(400, 'BAD_REQUEST', 'stream: true takes a single prompt');
    const prompt = prompts[0] ?? '';
    const wantUsage = asObject(body.stream_options).include_usage === true;
    const chunk = (text: string, reason: string | null): Json => ({
      id,
      object: 'text_completion',
      created,
      model,
      choices: [{ index: 0, text, finish_reason: reason, logprobs: null }],
      ...(wantUsage ? { usage: null } : {}),
    });
    return (async function* stream() {
      try {
        await runtime.load('llamaCompletions');
      } catch (error) {
        throw asServingError(error);
      }
      const controller = linkedController(request.signal);
      const channel = new Channel<Json>();
      const done = complete(runtime, options, body, prompt, controller.signal, (text) => {
        if (text) channel.push(chunk(text, null));
      }).then(
        (outcome) => {
          channel.push(chunk('', finishReason(outcome.stopReason)));
          if (wantUsage)
            channel.push({
              id,
              object: 'text_completion',
              created,
              model,
              choices: [],
              usage: usageOf(outcome.promptTokens, outcome.completionTokens),
            });
          channel.close();
        },
        (error: unknown) => channel.close(asServingError(error)),
      );
      try {
        yield* channel;
      } finally {
        controller.abort();
        await done;
      }
    })();
  };
  return withLlamaRuntime(handler, runtime, 'llamaCompletions');
}
