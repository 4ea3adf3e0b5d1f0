/**
 * `scriptedResponses`, in the style of `scriptedChat`: a test says what the model or agent
 * answers and the handler writes OpenAI Responses objects (`/serving-endpoints/responses`, AI
 * Gateway, or a ResponsesAgent endpoint of task `agent/v1/responses`), or with `stream: true`
 * their event stream (`responses_events.ts`). An agent's own tool runs (`steps`) come out as a
 * call followed by its output, before the answer; `toolCalls` are calls left for the caller.
 */
import { type AgentStepScript, argumentsText, callId, nextId } from './agent_items.js';
import { isReply } from './reply.js';
import { mlflowEvents, openAiEvents } from './responses_events.js';
import { responsesInputItems } from './responses_to_chat.js';
import {
  asObject,
  contentText,
  estimateTokens,
  type ScriptedStreamOptions,
  streamOf,
} from './scripted_wire.js';
import type { ChatScript, ChatToolCallScript, ServingHandler, ServingRequest } from './types.js';

type Json = Record<string, unknown>;
type MaybePromise<T> = T | Promise<T>;

/** Token usage in the Responses API's shape. */
export interface ResponsesUsage {
  input_tokens: number;
  output_tokens: number;
  total_tokens: number;
}

/** What a `scriptedResponses` function returns (or just a string for a text answer). */
export interface ResponsesScript {
  content?: string;
  /** Calls for the caller to run (`function_call` items without an output). */
  toolCalls?: ChatToolCallScript[];
  /** Tools the agent ran itself, before the answer. */
  steps?: AgentStepScript[];
  /** A reasoning summary, as the first output item. */
  reasoning?: string;
  /** Override the computed usage; `false` sends none. */
  usage?: Partial<ResponsesUsage> | false;
  /** `model` of the response (default: the endpoint name). */
  model?: string;
  /** Returned as `custom_outputs` (agents). */
  customOutputs?: Record<string, unknown>;
  /** `incomplete` answers `status: "incomplete"` with reason `max_output_tokens`. */
  status?: 'completed' | 'incomplete';
}

export type ResponsesScriptFunction = (
  input: Json[],
  body: Json,
  context: { request: ServingRequest },
) => MaybePromise<string | ResponsesScript>;

export interface ScriptedResponsesOptions extends ScriptedStreamOptions {
  /**
   * `'openai'` (default): OpenAI's event sequence, each event with a `sequence_number`, ending
   * with `response.completed`. `'mlflow'`: what MLflow ResponsesAgents stream: text deltas and
   * `response.output_item.done` for each item (repeating the text), no `response.completed`.
   */
  eventStyle?: 'openai' | 'mlflow';
}

function inputTokens(body: Json, items: Json[]): number {
  let tokens = typeof body.instructions === 'string' ? estimateTokens(body.instructions) : 0;
  for (const item of items) {
    tokens += 3;
    if (item.content !== undefined) tokens += estimateTokens(contentText(item.content));
    if (typeof item.arguments === 'string') tokens += estimateTokens(item.arguments);
    if (typeof item.output === 'string') tokens += estimateTokens(item.output);
  }
  return tokens;
}

/** The output items of a script, in order. */
function outputItems(script: ResponsesScript): Json[] {
  const items: Json[] = [];
  if (script.reasoning !== undefined)
    items.push({
      type: 'reasoning',
      id: nextId('rs'),
      summary: [{ type: 'summary_text', text: script.reasoning }],
    });
  (script.steps ?? []).forEach((step, index) => {
    const call = callId(step.name, index, 'call_step');
    items.push({
      type: 'function_call',
      id: nextId('fc'),
      call_id: call,
      name: step.name,
      arguments: argumentsText(step.arguments),
      status: 'completed',
    });
    items.push({ type: 'function_call_output', call_id: call, output: step.output });
  });
  if (script.content !== undefined && script.content !== '')
    items.push({
      type: 'message',
      id: nextId('msg'),
      role: 'assistant',
      status: 'completed',
      content: [{ type: 'output_text', text: script.content, annotations: [] }],
    });
  (script.toolCalls ?? []).forEach((call, index) => {
    items.push({
      type: 'function_call',
      id: nextId('fc'),
      call_id: call.id ?? callId(call.name, index, 'call'),
      name: call.name,
      arguments: argumentsText(call.arguments),
      status: 'completed',
    });
  });
  return items;
}

function outputTokens(items: Json[]): number {
  let tokens = 0;
  for (const item of items) {
    if (item.type === 'message') tokens += estimateTokens(contentText(item.content));
    if (item.type === 'reasoning') tokens += estimateTokens(contentText(item.summary));
    if (item.type === 'function_call')
      tokens += estimateTokens(String(item.name) + String(item.arguments));
  }
  return tokens;
}

/**
 * A Responses API handler (for `/serving-endpoints/responses`, AI Gateway routes and
 * ResponsesAgent endpoints) driven by a function of the input items.
 */
export function scriptedResponses(
  fn: ResponsesScriptFunction,
  options: ScriptedResponsesOptions = {},
): ServingHandler {
  return async (request) => {
    const body = asObject(request.body);
    const result = await fn(responsesInputItems(body), body, { request });
    if (isReply(result)) return result;
    return renderResponses(
      request,
      typeof result === 'string' ? { content: result } : result,
      options,
    );
  };
}

/** A Responses object for `script`, or its event stream when the request asked for one. */
export function renderResponses(
  request: ServingRequest,
  script: ResponsesScript,
  options: ScriptedResponsesOptions = {},
): unknown {
  const body = asObject(request.body);
  const input = responsesInputItems(body);
  const items = outputItems(script);
  const promptTokens = inputTokens(body, input);
  const completionTokens = outputTokens(items);
  const usage =
    script.usage === false
      ? undefined
      : {
          input_tokens: script.usage?.input_tokens ?? promptTokens,
          output_tokens: script.usage?.output_tokens ?? completionTokens,
          total_tokens:
            script.usage?.total_tokens ??
            (script.usage?.input_tokens ?? promptTokens) +
              (script.usage?.output_tokens ?? completionTokens),
          input_tokens_details: { cached_tokens: 0 },
          output_tokens_details: { reasoning_tokens: 0 },
        };
  const incomplete = script.status === 'incomplete';
  const response: Json = {
    id: nextId('resp'),
    object: 'response',
    created_at: Math.floor(Date.now() / 1000),
    status: incomplete ? 'incomplete' : 'completed',
    error: null,
    incomplete_details: incomplete ? { reason: 'max_output_tokens' } : null,
    model: script.model ?? (typeof body.model === 'string' ? body.model : request.endpoint),
    output: items,
    ...(usage ? { usage } : {}),
    ...(script.customOutputs ? { custom_outputs: script.customOutputs } : {}),
  };
  if (body.stream !== true) return response;
  const events =
    options.eventStyle === 'mlflow'
      ? mlflowEvents(items, script.customOutputs)
      : openAiEvents(response, items);
  return streamOf(events, { delayMs: options.delayMs, signal: request.signal });
}

/** What `scriptedChat` scripted, as a Responses script (chat endpoints answer both APIs). */
export function chatScriptToResponses(script: ChatScript): ResponsesScript {
  const usage = script.usage;
  return {
    ...(script.content ? { content: script.content } : {}),
    ...(script.toolCalls ? { toolCalls: script.toolCalls } : {}),
    ...(script.reasoning !== undefined ? { reasoning: script.reasoning } : {}),
    ...(script.model ? { model: script.model } : {}),
    ...(script.customOutputs ? { customOutputs: script.customOutputs } : {}),
    ...(script.finishReason === 'length' ? { status: 'incomplete' as const } : {}),
    ...(usage === false
      ? { usage: false as const }
      : usage
        ? {
            usage: {
              ...(usage.prompt_tokens !== undefined ? { input_tokens: usage.prompt_tokens } : {}),
              ...(usage.completion_tokens !== undefined
                ? { output_tokens: usage.completion_tokens }
                : {}),
              ...(usage.total_tokens !== undefined ? { total_tokens: usage.total_tokens } : {}),
            },
          }
        : {}),
  };
}
