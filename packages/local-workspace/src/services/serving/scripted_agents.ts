/**
 * Scripted handlers for the Responses API and the two MLflow agent protocols, in the style of
 * `scriptedChat`: a test says what the model or agent answers, the helper writes the wire format.
 *
 * - `scriptedResponses`: OpenAI Responses objects (`/serving-endpoints/responses`, AI Gateway, or
 *   a ResponsesAgent endpoint of task `agent/v1/responses`), or with `stream: true` the event
 *   sequence: OpenAI's full one (`response.created`, `output_item.added`, text and argument
 *   deltas, `output_item.done`, `response.completed` with usage), or the shorter one MLflow agents
 *   send (`eventStyle: 'mlflow'`: text deltas, then `output_item.done` repeating the text).
 * - `scriptedChatAgent`: ChatAgent answers (`agent/v2/chat`): `{messages, custom_outputs, usage}`,
 *   or `{delta}` chunks, one message id per message.
 *
 * An agent's own tool runs (`steps`) come out as a call followed by its output, before the answer;
 * `toolCalls` are calls left for the caller.
 */
import { createHash } from 'node:crypto';
import { isReply } from './reply.js';
import type { ScriptedStreamOptions } from './scripted.js';
import {
  asObject,
  contentText,
  estimateTokens,
  splitIn,
  splitWords,
  streamOf,
} from './scripted_wire.js';
import type {
  ChatMessageInput,
  ChatScript,
  ChatToolCallScript,
  ChatUsage,
  ServingHandler,
  ServingRequest,
} from './types.js';

type Json = Record<string, unknown>;
type MaybePromise<T> = T | Promise<T>;

/** A tool the agent ran itself: its call and its output are part of the answer. */
export interface AgentStepScript {
  name: string;
  arguments: string | Record<string, unknown>;
  output: string;
}

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

let sequence = 0;
const nextId = (prefix: string) => `${prefix}_local${(++sequence).toString().padStart(8, '0')}`;

function argumentsText(value: string | Record<string, unknown>): string {
  return typeof value === 'string' ? value : JSON.stringify(value);
}

function callId(name: string, index: number, prefix: string): string {
  return `${prefix}_${index}_${createHash('sha1').update(name).digest('hex').slice(0, 8)}`;
}

/** The input as a list of items (`input` may be a string). */
export function responsesInputItems(body: Json): Json[] {
  if (typeof body.input === 'string') return [{ role: 'user', content: body.input }];
  return Array.isArray(body.input) ? body.input.map(asObject) : [];
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
    options.eventStyle === 'mlflow' ? mlflowEvents(items, script) : openAiEvents(response, items);
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

/** Responses input items → chat messages (function calls and outputs as tool calls and results). */
export function responsesToChatMessages(body: Json): ChatMessageInput[] {
  const messages: ChatMessageInput[] = [];
  if (typeof body.instructions === 'string' && body.instructions !== '')
    messages.push({ role: 'system', content: body.instructions });
  let calls: ChatMessageInput | undefined;
  for (const item of responsesInputItems(body)) {
    const type = item.type ?? (item.role !== undefined ? 'message' : undefined);
    if (type === 'function_call') {
      if (!calls) {
        calls = { role: 'assistant', content: '', tool_calls: [] };
        messages.push(calls);
      }
      calls.tool_calls?.push({
        id: item.call_id,
        type: 'function',
        function: { name: item.name, arguments: item.arguments },
      });
      continue;
    }
    calls = undefined;
    if (type === 'function_call_output') {
      const output = typeof item.output === 'string' ? item.output : JSON.stringify(item.output);
      messages.push({ role: 'tool', tool_call_id: String(item.call_id), content: output });
    } else if (type === 'message') {
      messages.push({ role: String(item.role), content: contentText(item.content) });
    }
    // Reasoning and other items carry nothing a chat script or a local model reads back.
  }
  return messages;
}

/** A Responses request read as a chat request: messages, chat tools, a response format. */
export function responsesToChatBody(body: Json): Json {
  const chat: Json = { messages: responsesToChatMessages(body) };
  if (Array.isArray(body.tools))
    chat.tools = body.tools
      .map(asObject)
      .filter((tool) => tool.type === 'function' && typeof tool.name === 'string')
      .map((tool) => ({
        type: 'function',
        function: { name: tool.name, description: tool.description, parameters: tool.parameters },
      }));
  const choice = body.tool_choice;
  if (typeof choice === 'string') chat.tool_choice = choice;
  else if (typeof asObject(choice).name === 'string')
    chat.tool_choice = { type: 'function', function: { name: asObject(choice).name } };
  const format = asObject(asObject(body.text).format);
  if (format.type === 'json_object') chat.response_format = { type: 'json_object' };
  else if (format.type === 'json_schema') {
    const nested = asObject(format.json_schema);
    chat.response_format = {
      type: 'json_schema',
      json_schema: { name: nested.name ?? format.name, schema: nested.schema ?? format.schema },
    };
  }
  if (typeof body.max_output_tokens === 'number') chat.max_tokens = body.max_output_tokens;
  for (const key of ['temperature', 'top_p', 'seed', 'stream'])
    if (body[key] !== undefined) chat[key] = body[key];
  return chat;
}

/** OpenAI's event sequence for a response, numbered. */
function openAiEvents(response: Json, items: Json[]): Json[] {
  const events: Json[] = [];
  const started = { ...response, status: 'in_progress', output: [], usage: null };
  events.push({ type: 'response.created', response: started });
  events.push({ type: 'response.in_progress', response: started });
  items.forEach((item, outputIndex) => {
    switch (item.type) {
      case 'message': {
        const text = contentText(item.content);
        events.push({
          type: 'response.output_item.added',
          output_index: outputIndex,
          item: { ...item, status: 'in_progress', content: [] },
        });
        events.push({
          type: 'response.content_part.added',
          item_id: item.id,
          output_index: outputIndex,
          content_index: 0,
          part: { type: 'output_text', text: '', annotations: [] },
        });
        for (const delta of splitWords(text))
          events.push({
            type: 'response.output_text.delta',
            item_id: item.id,
            output_index: outputIndex,
            content_index: 0,
            delta,
          });
        events.push({
          type: 'response.output_text.done',
          item_id: item.id,
          output_index: outputIndex,
          content_index: 0,
          text,
        });
        events.push({
          type: 'response.content_part.done',
          item_id: item.id,
          output_index: outputIndex,
          content_index: 0,
          part: { type: 'output_text', text, annotations: [] },
        });
        break;
      }
      case 'reasoning': {
        const text = contentText(item.summary);
        events.push({
          type: 'response.output_item.added',
          output_index: outputIndex,
          item: { ...item, summary: [] },
        });
        for (const delta of splitWords(text))
          events.push({
            type: 'response.reasoning_summary_text.delta',
            item_id: item.id,
            output_index: outputIndex,
            summary_index: 0,
            delta,
          });
        break;
      }
      case 'function_call': {
        const args = String(item.arguments);
        events.push({
          type: 'response.output_item.added',
          output_index: outputIndex,
          item: { ...item, arguments: '', status: 'in_progress' },
        });
        for (const delta of splitIn(args, 3))
          events.push({
            type: 'response.function_call_arguments.delta',
            item_id: item.id,
            output_index: outputIndex,
            delta,
          });
        events.push({
          type: 'response.function_call_arguments.done',
          item_id: item.id,
          output_index: outputIndex,
          arguments: args,
        });
        break;
      }
      default:
        events.push({ type: 'response.output_item.added', output_index: outputIndex, item });
    }
    events.push({ type: 'response.output_item.done', output_index: outputIndex, item });
  });
  events.push({
    type: response.status === 'incomplete' ? 'response.incomplete' : 'response.completed',
    response,
  });
  return events.map((event, index) => ({ ...event, sequence_number: index }));
}

/** What an MLflow ResponsesAgent streams: text deltas, then each item once it is done. */
function mlflowEvents(items: Json[], script: ResponsesScript): Json[] {
  const events: Json[] = [];
  for (const item of items) {
    if (item.type === 'message')
      for (const delta of splitWords(contentText(item.content)))
        events.push({ type: 'response.output_text.delta', item_id: item.id, delta });
    events.push({ type: 'response.output_item.done', item });
  }
  const last = events[events.length - 1];
  if (last && script.customOutputs) last.custom_outputs = script.customOutputs;
  return events;
}

// ---------------------------------------------------------------------------------------------
// ChatAgent

/** What a `scriptedChatAgent` function returns (or just a string for a text answer). */
export interface ChatAgentScript {
  content?: string;
  /** Calls left for the caller (an assistant message with `tool_calls` and no tool answer). */
  toolCalls?: ChatToolCallScript[];
  /** Tools the agent ran itself: an assistant call and a `tool` message each, before the answer. */
  steps?: AgentStepScript[];
  /** Override the computed usage; `false` (the default for ChatAgents) sends none. */
  usage?: Partial<ChatUsage> | false;
  finishReason?: string;
  customOutputs?: Record<string, unknown>;
}

export type ChatAgentScriptFunction = (
  messages: ChatMessageInput[],
  body: Json,
  context: { request: ServingRequest },
) => MaybePromise<string | ChatAgentScript>;

function agentMessages(script: ChatAgentScript): Json[] {
  const messages: Json[] = [];
  (script.steps ?? []).forEach((step, index) => {
    const id = callId(step.name, index, 'call_step');
    messages.push({
      role: 'assistant',
      content: '',
      id: nextId('msg'),
      tool_calls: [
        {
          id,
          type: 'function',
          function: { name: step.name, arguments: argumentsText(step.arguments) },
        },
      ],
    });
    messages.push({
      role: 'tool',
      content: step.output,
      name: step.name,
      tool_call_id: id,
      id: nextId('msg'),
    });
  });
  if (script.content !== undefined && script.content !== '')
    messages.push({ role: 'assistant', content: script.content, id: nextId('msg') });
  if (script.toolCalls && script.toolCalls.length > 0)
    messages.push({
      role: 'assistant',
      content: '',
      id: nextId('msg'),
      tool_calls: script.toolCalls.map((call, index) => ({
        id: call.id ?? callId(call.name, index, 'call'),
        type: 'function',
        function: { name: call.name, arguments: argumentsText(call.arguments) },
      })),
    });
  return messages;
}

/**
 * A ChatAgent handler (`agent/v2/chat`): `{messages, finish_reason, custom_outputs, usage?}`, or
 * with `stream: true` one `{delta}` chunk per word of a reply and one per tool message, the last
 * chunk carrying `finish_reason`, `custom_outputs` and `usage`.
 */
export function scriptedChatAgent(
  fn: ChatAgentScriptFunction,
  options: ScriptedStreamOptions = {},
): ServingHandler {
  return async (request) => {
    const body = asObject(request.body);
    const messages = (Array.isArray(body.messages) ? body.messages : []) as ChatMessageInput[];
    const result = await fn(messages, body, { request });
    if (isReply(result)) return result;
    const script: ChatAgentScript = typeof result === 'string' ? { content: result } : result;
    const out = agentMessages(script);
    const finishReason = script.finishReason ?? (script.toolCalls?.length ? 'tool_calls' : 'stop');
    const usage =
      script.usage === undefined || script.usage === false
        ? undefined
        : {
            prompt_tokens:
              script.usage.prompt_tokens ??
              messages.reduce(
                (sum, message) => sum + estimateTokens(contentText(message.content)),
                0,
              ),
            completion_tokens:
              script.usage.completion_tokens ??
              out.reduce((sum, message) => sum + estimateTokens(contentText(message.content)), 0),
            ...script.usage,
          };
    if (usage) usage.total_tokens ??= usage.prompt_tokens + usage.completion_tokens;
    if (body.stream !== true)
      return {
        messages: out,
        finish_reason: finishReason,
        ...(script.customOutputs ? { custom_outputs: script.customOutputs } : {}),
        ...(usage ? { usage } : {}),
      };
    const chunks: Json[] = [];
    for (const message of out) {
      const text = typeof message.content === 'string' ? message.content : '';
      if (message.role === 'assistant' && text !== '' && !message.tool_calls) {
        for (const piece of splitWords(text))
          chunks.push({ delta: { role: 'assistant', content: piece, id: message.id } });
      } else chunks.push({ delta: message });
    }
    const last = chunks[chunks.length - 1] ?? {
      delta: { role: 'assistant', content: '', id: nextId('msg') },
    };
    if (chunks.length === 0) chunks.push(last);
    last.finish_reason = finishReason;
    if (script.customOutputs) last.custom_outputs = script.customOutputs;
    if (usage) last.usage = usage;
    return streamOf(chunks, { delayMs: options.delayMs, signal: request.signal });
  };
}
