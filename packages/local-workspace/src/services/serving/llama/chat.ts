/**
 * `llamaChat`: an OpenAI chat-completions serving handler (`llm/v1/chat`) running a local GGUF
 * model through node-llama-cpp, with the model's own chat template.
 */
import type { ServingRequest } from '../types.js';
import {
  asObject,
  asServingError,
  Channel,
  finishReason,
  type Json,
  linkedController,
  nextId,
  usageOf,
} from './common.js';
import {
  type ChatOutcome,
  generate,
  type LlamaServingHandler,
  type PreparedChat,
  prepare,
  withLlamaRuntime,
} from './generation.js';
import { answerResponses } from './responses.js';
import { type LlamaBackendOptions, sharedRuntime } from './runtime.js';

export { type LlamaServingHandler, toChatHistory } from './generation.js';

/**
 * A chat endpoint handler (`llm/v1/chat`) that runs a local GGUF model with node-llama-cpp.
 *
 * - The model loads on the first request (or `handler.load()`), once per model file and context
 *   settings, shared with `llamaCompletions` over the same file; requests run one at a time.
 * - OpenAI in and out: `max_tokens`, `temperature` (default 0: greedy), `top_p`, `top_k`, `seed`,
 *   `stop`, presence/frequency penalties, usage in tokens of the model, `stream: true` (SSE chunks
 *   as tokens are generated) with `stream_options.include_usage`. A client that disconnects
 *   stops the generation.
 * - `response_format` `json_schema`/`json_object`: enforced by a grammar (the output always
 *   parses; it validates against the schema except for keywords a grammar cannot express, see
 *   `schema.ts`).
 * - `tools`: with `tool_choice: 'required'` or a named function, the output is constrained by a
 *   grammar to `{"name", "arguments"}` of one tool (described to the model in a system message)
 *   and returned as `tool_calls`. With `'auto'` (the default), the tools go to the model through
 *   its chat template's native function calling (node-llama-cpp); it may answer in text or call
 *   tools. `'none'` ignores them. With `response_format`, tools are ignored.
 * - `n > 1` answers 400.
 * - The same endpoint answers the Responses API (`/serving-endpoints/responses`, AI Gateway's
 *   Responses routes) in that API's shapes, as `llamaResponses` does.
 */
export function llamaChat(options: LlamaBackendOptions): LlamaServingHandler {
  const runtime = sharedRuntime(options);
  const handler = async (request: ServingRequest) => {
    if (request.api === 'responses') return answerResponses(runtime, options, request);
    const body = asObject(request.body);
    const model = options.modelName ?? request.endpoint;
    const id = nextId('chatcmpl');
    const created = Math.floor(Date.now() / 1000);

    if (body.stream !== true) {
      let prepared: PreparedChat;
      let outcome: ChatOutcome;
      try {
        prepared = await prepare(runtime, options, body);
        outcome = await generate(runtime, prepared, request.signal);
      } catch (error) {
        throw asServingError(error);
      }
      const hasTools = outcome.toolCalls.length > 0;
      return {
        id,
        object: 'chat.completion',
        created,
        model,
        choices: [
          {
            index: 0,
            message: {
              role: 'assistant',
              content: hasTools && !outcome.content ? null : outcome.content,
              ...(hasTools
                ? {
                    tool_calls: outcome.toolCalls.map((call) => ({
                      id: call.id,
                      type: 'function',
                      function: { name: call.name, arguments: call.arguments },
                    })),
                  }
                : {}),
            },
            finish_reason: hasTools ? 'tool_calls' : finishReason(outcome.stopReason),
            logprobs: null,
          },
        ],
        usage: usageOf(prepared.promptTokens, outcome.completionTokens),
      };
    }

    const wantUsage = asObject(body.stream_options).include_usage === true;
    const chunk = (delta: Json, reason: string | null): Json => ({
      id,
      object: 'chat.completion.chunk',
      created,
      model,
      choices: [{ index: 0, delta, finish_reason: reason, logprobs: null }],
      ...(wantUsage ? { usage: null } : {}),
    });
    return (async function* stream() {
      // Errors here (bad request, prompt too long, backend missing) happen before the SSE
      // headers, so the client gets a JSON error with the right status.
      let prepared: PreparedChat;
      try {
        prepared = await prepare(runtime, options, body);
      } catch (error) {
        throw asServingError(error);
      }
      const controller = linkedController(request.signal);
      const channel = new Channel<Json>();
      const done = generate(runtime, prepared, controller.signal, (text) => {
        if (text) channel.push(chunk({ content: text }, null));
      }).then(
        (outcome) => {
          outcome.toolCalls.forEach((call, index) => {
            channel.push(
              chunk(
                {
                  tool_calls: [
                    {
                      index,
                      id: call.id,
                      type: 'function',
                      function: { name: call.name, arguments: call.arguments },
                    },
                  ],
                },
                null,
              ),
            );
          });
          channel.push(
            chunk(
              {},
              outcome.toolCalls.length > 0 ? 'tool_calls' : finishReason(outcome.stopReason),
            ),
          );
          if (wantUsage)
            channel.push({
              id,
              object: 'chat.completion.chunk',
              created,
              model,
              choices: [],
              usage: usageOf(prepared.promptTokens, outcome.completionTokens),
            });
          channel.close();
        },
        (error: unknown) => channel.close(asServingError(error)),
      );
      try {
        yield chunk({ role: 'assistant', content: '' }, null);
        yield* channel;
      } finally {
        controller.abort();
        await done;
      }
    })();
  };
  return withLlamaRuntime(handler, runtime, 'llamaChat');
}
