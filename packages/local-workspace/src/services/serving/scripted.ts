/**
 * Built-in serving handlers, so tests script behaviour instead of hand-writing wire formats:
 * OpenAI-shaped chat and completions (JSON or SSE chunks, with usage the way Databricks sends
 * it), deterministic embeddings, MLflow-style custom models, and an echo chat for demos.
 */
import { createHash } from 'node:crypto';
import { badRequest, isReply } from './reply.js';
import { responsesToChatBody } from './responses_to_chat.js';
import { chatScriptToResponses, renderResponses } from './scripted_responses.js';
import {
  asObject,
  contentText,
  estimateTokens,
  type ScriptedStreamOptions,
  splitIn,
  splitWords,
  streamOf,
} from './scripted_wire.js';
import type {
  ChatMessageInput,
  ChatScript,
  ChatUsage,
  ServingHandler,
  ServingRequest,
} from './types.js';

export type { ScriptedStreamOptions } from './scripted_wire.js';
export { contentText, estimateTokens, splitWords, streamOf } from './scripted_wire.js';

type Json = Record<string, unknown>;
type MaybePromise<T> = T | Promise<T>;

function includeUsage(body: Json): boolean {
  const options = asObject(body.stream_options);
  return options.include_usage === true;
}

export interface ScriptedChatOptions extends ScriptedStreamOptions {
  /**
   * `'openai'` (default): usage in the response, and while streaming one usage-only chunk at the
   * end when `stream_options.include_usage` is true. `'claude'`: like Databricks' Claude endpoints,
   * a partial usage (`completion_tokens: null`) on every chunk and the full usage on the last,
   * whatever `include_usage` says.
   */
  usageStyle?: 'openai' | 'claude';
}

export type ChatScriptFunction = (
  messages: ChatMessageInput[],
  body: Json,
  context: { request: ServingRequest; choiceIndex: number },
) => MaybePromise<string | ChatScript>;

interface PlannedChoice {
  content: string | null;
  reasoning?: string;
  toolCalls: { id: string; name: string; arguments: string }[];
  finishReason: string;
  completionTokens: number;
}

let sequence = 0;
const nextId = (prefix: string) => `${prefix}-local-${(++sequence).toString().padStart(6, '0')}`;

function promptTokens(messages: ChatMessageInput[]): number {
  return messages.reduce(
    (sum, message) => sum + 3 + estimateTokens(contentText(message.content)),
    0,
  );
}

function buildUsage(prompt: number, completion: number, override?: Partial<ChatUsage>): ChatUsage {
  const usage = { prompt_tokens: prompt, completion_tokens: completion, ...override };
  return {
    ...usage,
    total_tokens: override?.total_tokens ?? usage.prompt_tokens + usage.completion_tokens,
  };
}

function planChoice(script: string | ChatScript, choiceIndex: number): PlannedChoice {
  const normalized: ChatScript = typeof script === 'string' ? { content: script } : script;
  const toolCalls = (normalized.toolCalls ?? []).map((call, index) => ({
    id:
      call.id ??
      `call_${choiceIndex}_${index}_${createHash('sha1').update(call.name).digest('hex').slice(0, 8)}`,
    name: call.name,
    arguments: typeof call.arguments === 'string' ? call.arguments : JSON.stringify(call.arguments),
  }));
  const content =
    normalized.content === undefined ? (toolCalls.length > 0 ? null : '') : normalized.content;
  const completionTokens =
    estimateTokens(content ?? '') +
    estimateTokens(normalized.reasoning ?? '') +
    toolCalls.reduce((sum, call) => sum + estimateTokens(call.name + call.arguments), 0);
  return {
    content,
    reasoning: normalized.reasoning,
    toolCalls,
    finishReason: normalized.finishReason ?? (toolCalls.length > 0 ? 'tool_calls' : 'stop'),
    completionTokens,
  };
}

function messageContent(choice: PlannedChoice): unknown {
  if (choice.reasoning === undefined) return choice.content;
  const parts: Json[] = [
    { type: 'reasoning', summary: [{ type: 'summary_text', text: choice.reasoning }] },
  ];
  if (choice.content) parts.push({ type: 'text', text: choice.content });
  return parts;
}

/**
 * A chat endpoint handler (`llm/v1/chat`) driven by a function of the messages. Answers an
 * OpenAI `chat.completion`, or with `stream: true` a `chat.completion.chunk` SSE stream: the role
 * first, content in word-sized deltas, each tool call with its id and name in its first delta and
 * its arguments split over the next ones, a last chunk with `finish_reason`, then a usage-only
 * chunk when `stream_options.include_usage` is true.
 */
export function scriptedChat(
  fn: ChatScriptFunction,
  options: ScriptedChatOptions = {},
): ServingHandler {
  return async (request) => {
    if (request.api === 'responses') {
      // A chat endpoint answers the Responses API too: same script, that API's shapes.
      const chatBody = responsesToChatBody(asObject(request.body));
      const messages = chatBody.messages as ChatMessageInput[];
      const result = await fn(messages, chatBody, { request, choiceIndex: 0 });
      if (isReply(result)) return result;
      const script = typeof result === 'string' ? { content: result } : result;
      return renderResponses(request, chatScriptToResponses(script), { delayMs: options.delayMs });
    }
    const body = asObject(request.body);
    const messages = (Array.isArray(body.messages) ? body.messages : []) as ChatMessageInput[];
    const n = typeof body.n === 'number' && body.n > 1 ? body.n : 1;
    const scripts: ChatScript[] = [];
    for (let choiceIndex = 0; choiceIndex < n; choiceIndex++) {
      const result = await fn(messages, body, { request, choiceIndex });
      if (isReply(result)) return result;
      scripts.push(typeof result === 'string' ? { content: result } : result);
    }
    const choices = scripts.map((script, index) => planChoice(script, index));
    const first = scripts[0] ?? {};
    const model = first.model ?? request.endpoint;
    const prompt = promptTokens(messages);
    const completion = choices.reduce((sum, choice) => sum + choice.completionTokens, 0);
    const usage =
      first.usage === false ? undefined : buildUsage(prompt, completion, first.usage || undefined);
    const id = nextId('chatcmpl');
    const created = Math.floor(Date.now() / 1000);

    if (body.stream !== true) {
      const response: Json = {
        id,
        object: 'chat.completion',
        created,
        model,
        choices: choices.map((choice, index) => ({
          index,
          message: {
            role: 'assistant',
            content: messageContent(choice),
            ...(choice.toolCalls.length > 0
              ? {
                  tool_calls: choice.toolCalls.map((call) => ({
                    id: call.id,
                    type: 'function',
                    function: { name: call.name, arguments: call.arguments },
                  })),
                }
              : {}),
          },
          finish_reason: choice.finishReason,
          logprobs: null,
        })),
      };
      if (usage) response.usage = usage;
      if (first.customOutputs) response.custom_outputs = first.customOutputs;
      return response;
    }

    const style = options.usageStyle ?? 'openai';
    const wantUsage = usage !== undefined && (style === 'claude' || includeUsage(body));
    const chunk = (choiceIndex: number, delta: Json, finishReason: string | null): Json => {
      const value: Json = {
        id,
        object: 'chat.completion.chunk',
        created,
        model,
        choices: [{ index: choiceIndex, delta, finish_reason: finishReason, logprobs: null }],
      };
      if (wantUsage && usage) {
        if (style === 'claude') {
          value.usage =
            finishReason === null
              ? { prompt_tokens: usage.prompt_tokens, completion_tokens: null, total_tokens: null }
              : usage;
        } else {
          value.usage = null;
        }
      }
      return value;
    };

    const plan: Json[] = [];
    choices.forEach((choice, index) => {
      plan.push(chunk(index, { role: 'assistant', content: '' }, null));
      if (choice.reasoning)
        for (const piece of splitWords(choice.reasoning))
          plan.push(
            chunk(
              index,
              {
                content: [{ type: 'reasoning', summary: [{ type: 'summary_text', text: piece }] }],
              },
              null,
            ),
          );
      for (const piece of splitWords(choice.content ?? ''))
        plan.push(chunk(index, { content: piece }, null));
      choice.toolCalls.forEach((call, callIndex) => {
        plan.push(
          chunk(
            index,
            {
              tool_calls: [
                {
                  index: callIndex,
                  id: call.id,
                  type: 'function',
                  function: { name: call.name, arguments: '' },
                },
              ],
            },
            null,
          ),
        );
        for (const piece of splitIn(call.arguments, 3))
          plan.push(
            chunk(
              index,
              { tool_calls: [{ index: callIndex, function: { arguments: piece } }] },
              null,
            ),
          );
      });
      const last = chunk(index, {}, choice.finishReason);
      if (index === choices.length - 1 && first.customOutputs)
        last.custom_outputs = first.customOutputs;
      plan.push(last);
    });
    if (wantUsage && style === 'openai')
      plan.push({ id, object: 'chat.completion.chunk', created, model, choices: [], usage });
    return streamOf(plan, { delayMs: options.delayMs, signal: request.signal });
  };
}

/** A chat handler for demos: answers with the last user message, or streams it back. */
export function echoChat(options: ScriptedChatOptions & { prefix?: string } = {}): ServingHandler {
  const prefix = options.prefix ?? 'You said: ';
  return scriptedChat((messages) => {
    const lastUser = [...messages].reverse().find((message) => message.role === 'user');
    return `${prefix}${contentText(lastUser?.content)}`;
  }, options);
}

export interface CompletionScript {
  text: string;
  finishReason?: string;
  usage?: Partial<ChatUsage> | false;
}

/**
 * A completions endpoint handler (`llm/v1/completions`): one choice per prompt (a string or a
 * list), OpenAI `text_completion` shape, streamed in word-sized chunks with `stream: true`.
 */
export function scriptedCompletions(
  fn: (
    prompt: string,
    body: Json,
    request: ServingRequest,
  ) => MaybePromise<string | CompletionScript>,
  options: ScriptedStreamOptions = {},
): ServingHandler {
  return async (request) => {
    const body = asObject(request.body);
    const prompts = Array.isArray(body.prompt)
      ? body.prompt.map(String)
      : [String(body.prompt ?? '')];
    const scripts: CompletionScript[] = [];
    for (const prompt of prompts) {
      const result = await fn(prompt, body, request);
      if (isReply(result)) return result;
      scripts.push(typeof result === 'string' ? { text: result } : result);
    }
    const id = nextId('cmpl');
    const created = Math.floor(Date.now() / 1000);
    const model = request.endpoint;
    const usage =
      scripts[0]?.usage === false
        ? undefined
        : buildUsage(
            prompts.reduce((sum, prompt) => sum + estimateTokens(prompt), 0),
            scripts.reduce((sum, script) => sum + estimateTokens(script.text), 0),
            scripts[0]?.usage || undefined,
          );
    if (body.stream !== true) {
      const response: Json = {
        id,
        object: 'text_completion',
        created,
        model,
        choices: scripts.map((script, index) => ({
          index,
          text: script.text,
          finish_reason: script.finishReason ?? 'stop',
          logprobs: null,
        })),
      };
      if (usage) response.usage = usage;
      return response;
    }
    const wantUsage = usage !== undefined && includeUsage(body);
    const chunk = (index: number, text: string, finishReason: string | null): Json => ({
      id,
      object: 'text_completion',
      created,
      model,
      choices: [{ index, text, finish_reason: finishReason, logprobs: null }],
      ...(wantUsage ? { usage: null } : {}),
    });
    const plan: Json[] = [];
    scripts.forEach((script, index) => {
      for (const piece of splitWords(script.text)) plan.push(chunk(index, piece, null));
      plan.push(chunk(index, '', script.finishReason ?? 'stop'));
    });
    if (wantUsage) plan.push({ id, object: 'text_completion', created, model, choices: [], usage });
    return streamOf(plan, { delayMs: options.delayMs, signal: request.signal });
  };
}

/** A deterministic unit vector of `dimensions` floats for `text` (from SHA-256 blocks). */
export function embedText(text: string, dimensions: number): number[] {
  const values: number[] = [];
  for (let block = 0; values.length < dimensions; block++) {
    const digest = createHash('sha256').update(`${block}\u0000${text}`).digest();
    for (let offset = 0; offset + 4 <= digest.length && values.length < dimensions; offset += 4)
      values.push(digest.readUInt32BE(offset) / 0x7fffffff - 1);
  }
  const norm = Math.sqrt(values.reduce((sum, value) => sum + value * value, 0)) || 1;
  return values.map((value) => value / norm);
}

/**
 * An embeddings endpoint handler (`llm/v1/embeddings`): the OpenAI list shape with one
 * deterministic vector per input (same text, same vector). `maxInputs` rejects bigger batches with
 * 400, like a real endpoint's batch limit.
 */
export function scriptedEmbeddings(
  options: number | { dimensions?: number; maxInputs?: number } = {},
): ServingHandler {
  const settings = typeof options === 'number' ? { dimensions: options } : options;
  const dimensions = settings.dimensions ?? 8;
  return (request) => {
    const body = asObject(request.body);
    const inputs = Array.isArray(body.input) ? body.input.map(String) : [String(body.input ?? '')];
    if (settings.maxInputs !== undefined && inputs.length > settings.maxInputs)
      throw badRequest(
        `The number of inputs (${inputs.length}) exceeds the maximum batch size of ${settings.maxInputs}.`,
      );
    const tokens = inputs.reduce((sum, input) => sum + estimateTokens(input), 0);
    return {
      object: 'list',
      data: inputs.map((input, index) => ({
        object: 'embedding',
        index,
        embedding: embedText(input, dimensions),
      })),
      model: request.endpoint,
      usage: { prompt_tokens: tokens, total_tokens: tokens },
    };
  };
}

export type CustomModelInputFormat =
  | 'dataframe_records'
  | 'dataframe_split'
  | 'instances'
  | 'inputs';

const CUSTOM_FORMATS: CustomModelInputFormat[] = [
  'dataframe_records',
  'dataframe_split',
  'instances',
  'inputs',
];

/**
 * A custom (MLflow pyfunc) model handler. Accepts exactly one of `dataframe_records`,
 * `dataframe_split` (turned into records), `instances` or `inputs`, plus optional `params`, and
 * answers `{"predictions": fn(...)}`.
 */
export function scriptedCustomModel(
  fn: (
    input: unknown,
    context: {
      format: CustomModelInputFormat;
      params?: unknown;
      body: Json;
      request: ServingRequest;
    },
  ) => unknown,
): ServingHandler {
  return async (request) => {
    const body = asObject(request.body);
    const present = CUSTOM_FORMATS.filter((format) => format in body);
    const format = present[0];
    if (present.length !== 1 || format === undefined)
      throw badRequest(
        `Invalid input. The input must be a JSON dictionary with exactly one of the input fields {'dataframe_split', 'dataframe_records', 'instances', 'inputs'}. Received dictionary with input fields: [${Object.keys(
          body,
        )
          .map((key) => `'${key}'`)
          .join(', ')}].`,
      );
    let input = body[format];
    if (format === 'dataframe_records' && !Array.isArray(input))
      throw badRequest('dataframe_records must be a list of records');
    if (format === 'dataframe_split') {
      const split = asObject(input);
      if (!Array.isArray(split.columns) || !Array.isArray(split.data))
        throw badRequest('dataframe_split must have "columns" and "data"');
      const columns = split.columns.map(String);
      input = split.data.map((row) =>
        Object.fromEntries(columns.map((column, index) => [column, (row as unknown[])[index]])),
      );
    }
    const predictions = await fn(input, { format, params: body.params, body, request });
    if (isReply(predictions)) return predictions;
    return { predictions };
  };
}
