/**
 * `llamaResponses`: the Responses API flavour of `llamaChat`, the same local GGUF model and
 * generation (chat template, grammar-constrained structured output and forced tool calls) behind
 * `/serving-endpoints/responses`, AI Gateway's Responses routes or a ResponsesAgent-shaped
 * endpoint. The request is read as a chat request (input items become messages, flat tools become
 * chat tools, `text.format` a response format); the answer is written as Responses output items,
 * or as OpenAI's event sequence while tokens are generated.
 */
import { responsesToChatBody } from '../responses_to_chat.js';
import type { ServingRequest } from '../types.js';
import {
  asObject,
  asServingError,
  Channel,
  type Json,
  linkedController,
  nextId,
} from './common.js';
import {
  type ChatOutcome,
  generate,
  type LlamaServingHandler,
  type PreparedChat,
  prepare,
  withLlamaRuntime,
} from './generation.js';
import { type LlamaBackendOptions, type LlamaRuntime, sharedRuntime } from './runtime.js';

function usageOf(prepared: PreparedChat, outcome: ChatOutcome) {
  return {
    input_tokens: prepared.promptTokens,
    output_tokens: outcome.completionTokens,
    total_tokens: prepared.promptTokens + outcome.completionTokens,
    input_tokens_details: { cached_tokens: 0 },
    output_tokens_details: { reasoning_tokens: 0 },
  };
}

/**
 * A Responses API handler that runs a local GGUF model with node-llama-cpp: what `llamaChat`
 * does (same options, model loading, sampling, grammar-constrained `text.format` and forced tool
 * calls, native function calling with `tool_choice: 'auto'`), in the Responses API's shapes.
 */
export function llamaResponses(options: LlamaBackendOptions): LlamaServingHandler {
  const runtime = sharedRuntime(options);
  const handler = (request: ServingRequest) => answerResponses(runtime, options, request);
  return withLlamaRuntime(handler, runtime, 'llamaChat');
}

/** One Responses request on a runtime (also what `llamaChat` does for the Responses API). */
export async function answerResponses(
  runtime: LlamaRuntime,
  options: LlamaBackendOptions,
  request: ServingRequest,
): Promise<unknown> {
  const body = asObject(request.body);
  const chatBody = responsesToChatBody(body);
  const id = nextId('resp');
  const model =
    options.modelName ?? (typeof body.model === 'string' ? body.model : request.endpoint);
  const created = Math.floor(Date.now() / 1000);
  const messageId = nextId('msg');
  const outputOf = (outcome: ChatOutcome): Json[] => [
    ...(outcome.content
      ? [
          {
            type: 'message',
            id: messageId,
            role: 'assistant',
            status: 'completed',
            content: [{ type: 'output_text', text: outcome.content, annotations: [] }],
          },
        ]
      : []),
    ...outcome.toolCalls.map((call) => ({
      type: 'function_call',
      id: nextId('fc'),
      call_id: call.id,
      name: call.name,
      arguments: call.arguments,
      status: 'completed',
    })),
  ];
  const responseOf = (prepared: PreparedChat, outcome: ChatOutcome): Json => {
    const truncated = outcome.stopReason === 'maxTokens' && outcome.toolCalls.length === 0;
    return {
      id,
      object: 'response',
      created_at: created,
      status: truncated ? 'incomplete' : 'completed',
      error: null,
      incomplete_details: truncated ? { reason: 'max_output_tokens' } : null,
      model,
      output: outputOf(outcome),
      usage: usageOf(prepared, outcome),
    };
  };

  if (body.stream !== true) {
    try {
      const prepared = await prepare(runtime, options, chatBody);
      return responseOf(prepared, await generate(runtime, prepared, request.signal));
    } catch (error) {
      throw asServingError(error);
    }
  }

  return (async function* stream() {
    let prepared: PreparedChat;
    try {
      prepared = await prepare(runtime, options, chatBody);
    } catch (error) {
      throw asServingError(error);
    }
    let sequence = 0;
    const event = (fields: Json): Json => ({ ...fields, sequence_number: sequence++ });
    const controller = linkedController(request.signal);
    const channel = new Channel<Json>();
    let textStarted = false;
    const done = generate(runtime, prepared, controller.signal, (text) => {
      if (!text) return;
      if (!textStarted) {
        textStarted = true;
        channel.push(
          event({
            type: 'response.output_item.added',
            output_index: 0,
            item: {
              type: 'message',
              id: messageId,
              role: 'assistant',
              status: 'in_progress',
              content: [],
            },
          }),
        );
      }
      channel.push(
        event({
          type: 'response.output_text.delta',
          item_id: messageId,
          output_index: 0,
          content_index: 0,
          delta: text,
        }),
      );
    }).then(
      (outcome) => {
        const response = responseOf(prepared, outcome);
        const output = response.output as Json[];
        output.forEach((item, index) => {
          if (item.type === 'message' && textStarted) {
            channel.push(
              event({
                type: 'response.output_text.done',
                item_id: messageId,
                output_index: index,
                content_index: 0,
                text: outcome.content,
              }),
            );
          } else {
            channel.push(
              event({
                type: 'response.output_item.added',
                output_index: index,
                item: item.type === 'function_call' ? { ...item, arguments: '' } : item,
              }),
            );
            if (item.type === 'function_call')
              channel.push(
                event({
                  type: 'response.function_call_arguments.delta',
                  item_id: item.id,
                  output_index: index,
                  delta: item.arguments,
                }),
              );
          }
          channel.push(event({ type: 'response.output_item.done', output_index: index, item }));
        });
        channel.push(
          event({
            type: response.status === 'incomplete' ? 'response.incomplete' : 'response.completed',
            response,
          }),
        );
        channel.close();
      },
      (error: unknown) => channel.close(asServingError(error)),
    );
    try {
      const started = {
        id,
        object: 'response',
        created_at: created,
        status: 'in_progress',
        model,
        output: [],
      };
      yield event({ type: 'response.created', response: started });
      yield* channel;
    } finally {
      controller.abort();
      await done;
    }
  })();
}
