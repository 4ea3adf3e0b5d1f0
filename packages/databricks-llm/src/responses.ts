/**
 * LangChain messages ↔ the OpenAI Responses API that Databricks serves at
 * `/serving-endpoints/responses` (Foundation Model and external endpoints), on agent endpoints of
 * task `agent/v1/responses` (MLflow ResponsesAgent) and on agents deployed as Databricks Apps.
 *
 * What goes out: user, system and developer turns as `{role, content}` with `input_text`,
 * `input_image` and `input_file` parts (never `text`: the endpoint answers 400 "Invalid value:
 * 'text'", Python's issue #368), assistant turns as `message` items (`output_text`) and
 * `function_call` items, tool results as `function_call_output` items, and the endpoint's own
 * `reasoning` items passed back as they came. Empty text parts are dropped (Claude endpoints
 * answer 400 "text content blocks must be non-empty"). Item ids are cut to 64 characters and
 * carry the `msg_` / `fc_` prefixes the endpoint expects.
 *
 * What comes back: an AIMessage whose `content` is the list of output blocks in order
 * (`reasoning`, `text` with `annotations` and the item `id`, and the items the agent ran itself,
 * such as a `function_call` with its `function_call_output`), `tool_calls` for the calls the
 * caller must run, and `usage_metadata` from `usage`. A stream's events become chunks that merge
 * into the same message; its usage arrives once, from `response.completed`.
 */
import { randomBytes } from 'node:crypto';
import {
  AIMessage,
  AIMessageChunk,
  type BaseMessage,
  ChatMessage,
  type InvalidToolCall,
  type MessageContent,
  type ToolCall,
  type ToolCallChunk,
  type UsageMetadata,
} from '@langchain/core/messages';
import { convertContentBlock } from './content_blocks.js';
import { DatabricksContentBlockError, malformedResponse, responseFailed } from './errors.js';
import { parseToolCalls } from './messages.js';
import type { DatabricksTool, DatabricksToolChoice } from './tools.js';

type Json = Record<string, unknown>;

/** One item of a Responses request's `input`. */
export type ResponsesInputItem = Json;

/** A function tool in the Responses API's flat shape. */
export interface ResponsesTool {
  type: 'function';
  name: string;
  description?: string;
  parameters: Record<string, unknown>;
}

export type ResponsesToolChoice = 'auto' | 'none' | 'required' | { type: 'function'; name: string };

/** `additional_kwargs` key: the endpoint's `fc_` item id of each client tool call, by call id. */
export const FUNCTION_CALL_IDS_KEY = 'function_call_ids';

/** Item types that are outputs of the endpoint, passed back unchanged (minus `status`). */
const PASSTHROUGH_ITEM_TYPES = new Set([
  'function_call',
  'function_call_output',
  'mcp_call',
  'mcp_list_tools',
  'mcp_approval_request',
  'mcp_approval_response',
  'web_search_call',
  'file_search_call',
  'computer_call',
  'computer_call_output',
  'code_interpreter_call',
  'image_generation_call',
  'custom_tool_call',
  'custom_tool_call_output',
]);

const MAX_ID_LENGTH = 64;

/** `msg_` / `fc_` ids, at most 64 characters (FMAPI rejects longer ones on the next turn). */
export function itemId(prefix: 'msg_' | 'fc_', id: string): string {
  const prefixed = id.startsWith(prefix) ? id : `${prefix}${id}`;
  return prefixed.slice(0, MAX_ID_LENGTH);
}

function isRecord(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function roleOf(message: BaseMessage): string {
  const type = message.getType();
  switch (type) {
    case 'human':
      return 'user';
    case 'ai':
      return 'assistant';
    case 'system':
      return 'system';
    case 'developer':
      return 'developer';
    case 'tool':
      return 'tool';
    case 'generic':
      return ChatMessage.isInstance(message) ? message.role : 'user';
    case 'function':
      throw new Error(
        'Function messages are not supported by the Databricks Responses API; use tool calls and ToolMessage instead.',
      );
    default:
      throw new Error(`Unsupported message type for the Databricks Responses API: ${type}`);
  }
}

/**
 * User, system and developer content → Responses input content. A string stays a string; blocks
 * become `input_text` / `input_image` / `input_file` parts, empty text parts are dropped.
 */
export function toResponsesInputContent(
  content: MessageContent,
  role: string,
  messageIndex: number,
): string | Json[] {
  if (typeof content === 'string') return content;
  const parts: Json[] = [];
  for (const block of content) {
    if (typeof block === 'string') {
      if (block !== '') parts.push({ type: 'input_text', text: block });
      continue;
    }
    const record = block as Json;
    // Already in the Responses wire form: sent as is.
    if (
      record.type === 'input_text' ||
      record.type === 'input_image' ||
      record.type === 'input_file'
    ) {
      if (record.type === 'input_text' && record.text === '') continue;
      parts.push(record);
      continue;
    }
    const part = convertContentBlock(record, { role, messageIndex });
    if (!part) continue;
    switch (part.type) {
      case 'text':
        if (part.text !== '') parts.push({ type: 'input_text', text: part.text });
        break;
      case 'image_url':
        parts.push({
          type: 'input_image',
          image_url: part.image_url.url,
          detail: part.image_url.detail ?? 'auto',
        });
        break;
      case 'file':
        parts.push({ type: 'input_file', ...part.file });
        break;
      case 'input_audio':
        throw new DatabricksContentBlockError(
          `Cannot send an "audio" content block to the Databricks Responses API (message ${messageIndex}, role ${role}): it takes text, images and files; use the chat completions API (useResponsesApi: false) for audio.`,
          { blockType: 'audio', messageIndex },
        );
    }
  }
  return parts;
}

function textOf(content: MessageContent): string {
  if (typeof content === 'string') return content;
  return content
    .map((block) => {
      if (typeof block === 'string') return block;
      const record = block as Json;
      return record.type === 'text' || record.type === 'input_text' || record.type === 'output_text'
        ? String(record.text ?? '')
        : '';
    })
    .join('');
}

function outputText(text: string, annotations: unknown): Json {
  return { type: 'output_text', text, annotations: Array.isArray(annotations) ? annotations : [] };
}

/** An assistant turn → `reasoning`, `message`, `function_call` (and passed-through) items. */
function assistantItems(message: AIMessage, messageIndex: number): ResponsesInputItem[] {
  const items: ResponsesInputItem[] = [];
  const fallbackId = () => itemId('msg_', message.id ?? randomBytes(12).toString('hex'));
  let open: Json | undefined; // the message item consecutive text blocks of one id go into
  const pushText = (text: string, id: unknown, annotations: unknown) => {
    if (text === '') return; // an empty text block is a 400 on Claude endpoints
    const wanted = typeof id === 'string' && id !== '' ? itemId('msg_', id) : undefined;
    if (open && (wanted === undefined || open.id === wanted)) {
      (open.content as Json[]).push(outputText(text, annotations));
      return;
    }
    open = {
      type: 'message',
      role: 'assistant',
      id: wanted ?? fallbackId(),
      content: [outputText(text, annotations)],
    };
    items.push(open);
  };

  if (typeof message.content === 'string') pushText(message.content, undefined, undefined);
  else {
    for (const block of message.content) {
      if (typeof block === 'string') {
        pushText(block, undefined, undefined);
        continue;
      }
      const record = block as Json;
      const type = typeof record.type === 'string' ? record.type : '';
      if (type === 'text' || type === 'output_text') {
        pushText(String(record.text ?? ''), record.id, record.annotations);
        continue;
      }
      open = undefined;
      if (type === 'reasoning') {
        // Only the endpoint's own reasoning items (they have an id) can be passed back.
        if (typeof record.id !== 'string') continue;
        const summary = Array.isArray(record.summary)
          ? record.summary
          : typeof record.reasoning === 'string' && record.reasoning !== ''
            ? [{ type: 'summary_text', text: record.reasoning }]
            : [];
        items.push({
          type: 'reasoning',
          id: record.id,
          summary,
          ...(record.encrypted_content ? { encrypted_content: record.encrypted_content } : {}),
        });
        continue;
      }
      if (PASSTHROUGH_ITEM_TYPES.has(type)) {
        const { status: _status, index: _index, ...item } = record;
        items.push(item);
      }
      // Anything else (another provider's tool_use, images the model produced...) is not input.
    }
  }

  const ids = isRecord(message.additional_kwargs?.[FUNCTION_CALL_IDS_KEY])
    ? (message.additional_kwargs[FUNCTION_CALL_IDS_KEY] as Json)
    : {};
  const call = (callId: string, name: string, args: string): Json => {
    const known = ids[callId];
    return {
      type: 'function_call',
      ...(typeof known === 'string' ? { id: itemId('fc_', known) } : {}),
      call_id: callId,
      name,
      arguments: args,
    };
  };
  for (const toolCall of message.tool_calls ?? []) {
    if (!toolCall.id)
      throw new Error(
        `Message ${messageIndex}: a tool call (${toolCall.name}) has no id; the Responses API pairs each call with its output by id.`,
      );
    items.push(call(toolCall.id, toolCall.name, JSON.stringify(toolCall.args ?? {})));
  }
  for (const invalid of message.invalid_tool_calls ?? []) {
    if (invalid.id) items.push(call(invalid.id, invalid.name ?? '', invalid.args ?? ''));
  }
  return items;
}

/** LangChain messages → the `input` of a Responses request. */
export function convertMessagesToResponsesInput(messages: BaseMessage[]): ResponsesInputItem[] {
  const items: ResponsesInputItem[] = [];
  messages.forEach((message, index) => {
    const role = roleOf(message);
    if (message.additional_kwargs?.function_call) {
      throw new Error(
        'Function calls (additional_kwargs.function_call) are not supported by Databricks Model Serving; use tool calls.',
      );
    }
    if (role === 'tool') {
      const callId = (message as BaseMessage & { tool_call_id?: string }).tool_call_id;
      if (!callId)
        throw new Error(
          `Message ${index}: a ToolMessage needs tool_call_id (the call it answers).`,
        );
      items.push({
        type: 'function_call_output',
        call_id: callId,
        output: textOf(message.content),
      });
      return;
    }
    if (role === 'assistant' && AIMessage.isInstance(message)) {
      items.push(...assistantItems(message, index));
      return;
    }
    items.push({ role, content: toResponsesInputContent(message.content, role, index) });
  });
  return items;
}

/** Chat-completions tools (what `bindTools` stores) → the Responses API's flat function tools. */
export function toResponsesTools(tools: DatabricksTool[]): ResponsesTool[] {
  return tools.map((tool) => ({
    type: 'function',
    name: tool.function.name,
    ...(tool.function.description ? { description: tool.function.description } : {}),
    parameters: tool.function.parameters,
  }));
}

export function toResponsesToolChoice(
  choice: DatabricksToolChoice | undefined,
): ResponsesToolChoice | undefined {
  if (choice === undefined || typeof choice === 'string') return choice;
  return { type: 'function', name: choice.function.name };
}

/** Chat-completions `response_format` → the Responses API's `text.format`. */
export function toResponsesTextFormat(format: unknown): Json | undefined {
  if (!isRecord(format)) return undefined;
  if (format.type === 'json_schema' && isRecord(format.json_schema)) {
    const { name, description, schema, strict } = format.json_schema;
    return {
      type: 'json_schema',
      name,
      ...(description ? { description } : {}),
      schema,
      ...(strict !== undefined ? { strict } : {}),
    };
  }
  return { type: format.type };
}

// ---------------------------------------------------------------------------------------------
// Responses

/** Responses usage → LangChain `usage_metadata`. */
export function responsesUsage(usage: unknown): UsageMetadata | undefined {
  if (!isRecord(usage)) return undefined;
  const input = typeof usage.input_tokens === 'number' ? usage.input_tokens : 0;
  const output = typeof usage.output_tokens === 'number' ? usage.output_tokens : 0;
  const metadata: UsageMetadata = {
    input_tokens: input,
    output_tokens: output,
    total_tokens: typeof usage.total_tokens === 'number' ? usage.total_tokens : input + output,
  };
  const cached = isRecord(usage.input_tokens_details)
    ? usage.input_tokens_details.cached_tokens
    : undefined;
  if (typeof cached === 'number') metadata.input_token_details = { cache_read: cached };
  const reasoning = isRecord(usage.output_tokens_details)
    ? usage.output_tokens_details.reasoning_tokens
    : undefined;
  if (typeof reasoning === 'number') metadata.output_token_details = { reasoning };
  return metadata;
}

function summaryText(summary: unknown): string {
  if (!Array.isArray(summary)) return '';
  return summary
    .map((part) => (isRecord(part) && typeof part.text === 'string' ? part.text : ''))
    .join('');
}

/** A reasoning item as a content block: LangChain's `reasoning` block plus the item's fields. */
function reasoningBlock(item: Json): Json {
  const { status: _status, type: _type, content: _content, ...rest } = item;
  return { type: 'reasoning', ...rest, reasoning: summaryText(item.summary) };
}

function finishReasonOf(response: Json, hasToolCalls: boolean): string {
  if (response.status === 'incomplete') {
    const reason = isRecord(response.incomplete_details)
      ? response.incomplete_details.reason
      : undefined;
    if (reason === 'max_output_tokens') return 'length';
    if (reason === 'content_filter') return 'content_filter';
    return typeof reason === 'string' ? reason : 'incomplete';
  }
  return hasToolCalls ? 'tool_calls' : 'stop';
}

/** Call ids whose output the agent produced itself (its calls are not for the caller to run). */
function answeredCallIds(output: unknown[]): Set<string> {
  const ids = new Set<string>();
  for (const item of output)
    if (isRecord(item) && item.type === 'function_call_output' && typeof item.call_id === 'string')
      ids.add(item.call_id);
  return ids;
}

function throwIfFailed(endpoint: string, response: Json): void {
  const error = response.error;
  if (response.status === 'failed' || (isRecord(error) && typeof error.message === 'string')) {
    const record = isRecord(error) ? error : {};
    throw responseFailed(
      endpoint,
      typeof record.message === 'string' ? record.message : 'the response failed',
      typeof record.code === 'string' ? record.code : undefined,
    );
  }
}

/** What a whole Responses answer (or a stream's `response.completed`) carries besides output. */
export interface ResponsesMetadata {
  id?: string;
  model?: string;
  status?: string;
  customOutputs?: unknown;
  databricksOutput?: unknown;
}

export function responsesMetadata(response: Json): ResponsesMetadata {
  return {
    id: typeof response.id === 'string' ? response.id : undefined,
    model: typeof response.model === 'string' ? response.model : undefined,
    status: typeof response.status === 'string' ? response.status : undefined,
    customOutputs: response.custom_outputs ?? undefined,
    databricksOutput: response.databricks_output ?? undefined,
  };
}

/** A Responses API answer (or a ResponsesAgent's) → an AIMessage. */
export function responseToAIMessage(
  data: unknown,
  endpoint: string,
): { message: AIMessage; usage?: UsageMetadata; finishReason: string } {
  if (!isRecord(data)) {
    throw malformedResponse(endpoint, `expected a JSON object, got ${typeof data}`);
  }
  throwIfFailed(endpoint, data);
  if (!Array.isArray(data.output)) {
    throw malformedResponse(endpoint, 'the response has no "output" list');
  }
  const answered = answeredCallIds(data.output);
  const content: Json[] = [];
  const toolCalls: ToolCall[] = [];
  const invalid: InvalidToolCall[] = [];
  const callIds: Json = {};
  const reasoningTexts: string[] = [];
  let refusal: string | undefined;
  for (const raw of data.output) {
    if (!isRecord(raw)) continue;
    switch (raw.type) {
      case 'message':
        for (const part of Array.isArray(raw.content) ? raw.content : []) {
          if (!isRecord(part)) continue;
          if (part.type === 'output_text' && typeof part.text === 'string') {
            content.push({
              type: 'text',
              text: part.text,
              annotations: Array.isArray(part.annotations) ? part.annotations : [],
              ...(typeof raw.id === 'string' ? { id: raw.id } : {}),
            });
          } else if (part.type === 'refusal' && typeof part.refusal === 'string') {
            refusal = (refusal ?? '') + part.refusal;
          }
        }
        break;
      case 'reasoning': {
        const block = reasoningBlock(raw);
        content.push(block);
        if (block.reasoning) reasoningTexts.push(String(block.reasoning));
        break;
      }
      case 'function_call': {
        const callId = typeof raw.call_id === 'string' ? raw.call_id : undefined;
        if (callId && answered.has(callId)) {
          // The agent ran it: part of the record, not a call for the caller.
          const { status: _status, ...item } = raw;
          content.push(item);
          break;
        }
        const parsed = parseToolCalls([
          {
            id: callId,
            function: { name: String(raw.name ?? ''), arguments: String(raw.arguments ?? '') },
          },
        ]);
        toolCalls.push(...parsed.toolCalls);
        invalid.push(...parsed.invalid);
        if (callId && typeof raw.id === 'string') callIds[callId] = raw.id;
        break;
      }
      default: {
        if (typeof raw.type === 'string') {
          const { status: _status, ...item } = raw;
          content.push(item);
        }
      }
    }
  }
  const additional: Json = {};
  if (Object.keys(callIds).length > 0) additional[FUNCTION_CALL_IDS_KEY] = callIds;
  if (reasoningTexts.length > 0) additional.reasoning_content = reasoningTexts.join('');
  if (refusal !== undefined) additional.refusal = refusal;
  const meta = responsesMetadata(data);
  if (meta.customOutputs !== undefined) additional.custom_outputs = meta.customOutputs;
  const usage = responsesUsage(data.usage);
  const finishReason = finishReasonOf(data, toolCalls.length > 0);
  const message = new AIMessage({
    content: content as MessageContent,
    id: meta.id,
    tool_calls: toolCalls,
    invalid_tool_calls: invalid,
    additional_kwargs: additional,
    response_metadata: metadataRecord(meta, endpoint, finishReason),
    usage_metadata: usage,
  });
  return { message, usage, finishReason };
}

export function metadataRecord(
  meta: ResponsesMetadata,
  endpoint: string,
  finishReason?: string,
): Json {
  const record: Json = {
    model: meta.model ?? endpoint,
    model_name: meta.model ?? endpoint,
    model_provider: 'databricks',
  };
  if (meta.id !== undefined) record.id = meta.id;
  if (meta.status !== undefined) record.status = meta.status;
  if (finishReason !== undefined) record.finish_reason = finishReason;
  if (meta.customOutputs !== undefined) record.custom_outputs = meta.customOutputs;
  if (meta.databricksOutput !== undefined) record.databricks_output = meta.databricksOutput;
  return record;
}

// ---------------------------------------------------------------------------------------------
// Streams

/** Events after which a stream is complete even if the body ends without `[DONE]`. */
export function isFinalResponsesEvent(data: Json): boolean {
  return (
    data.type === 'response.completed' ||
    data.type === 'responses.completed' || // the spelling of Databricks' ai-sdk-provider schema
    data.type === 'response.incomplete'
  );
}

interface ItemState {
  /** Text or arguments already emitted for this output item (so `.done` is not repeated). */
  streamed: boolean;
  type?: string;
  itemId?: string;
  /** Arguments of a function call sent so far. */
  argumentsSent?: string;
}

/**
 * Turns the events of one Responses stream into AIMessageChunks. Agents served by MLflow often
 * send only `response.output_text.delta` and `response.output_item.done`, the latter repeating the
 * whole text: what a delta already sent is not sent again. Usage, the real model name and
 * `custom_outputs` are kept for the closing chunk, so they are counted once.
 */
export class ResponsesStreamConverter {
  readonly #endpoint: string;
  /**
   * An agent runs some tools itself (a `function_call` followed by its `function_call_output`):
   * its calls are held until the stream ends, when it is known which ones are the caller's.
   * A model endpoint's calls are all the caller's, so their arguments stream as they come.
   */
  readonly #agent: boolean;
  readonly #items = new Map<number, ItemState>();
  readonly #indexById = new Map<string, number>();
  readonly #callOutputs = new Set<string>();
  /** Client tool calls by output index, sent as tool-call chunks when their item is done. */
  readonly #pendingCalls = new Map<number, Json>();
  #meta: ResponsesMetadata = {};
  #usage?: UsageMetadata;
  #traceId?: string;
  #finishReason?: string;
  #sawToolCall = false;
  #nextIndex = 0;

  constructor(endpoint: string, options: { agent: boolean }) {
    this.#endpoint = endpoint;
    this.#agent = options.agent;
  }

  #toolCallChunk(index: number, call: Json, args: string): AIMessageChunk {
    this.#sawToolCall = true;
    const callId = typeof call.call_id === 'string' ? call.call_id : undefined;
    const additional: Json = {};
    if (callId && typeof call.id === 'string')
      additional[FUNCTION_CALL_IDS_KEY] = { [callId]: call.id };
    return this.#chunk({
      toolCallChunks: [
        {
          type: 'tool_call_chunk',
          index,
          id: callId,
          name: typeof call.name === 'string' ? call.name : undefined,
          args,
        },
      ],
      additional,
    });
  }

  /**
   * The state of an output item, by `output_index`, or by item id for servers that send none
   * (MLflow agents): each new id is the next item.
   */
  #item(index: unknown, id?: unknown): [number, ItemState] {
    let key: number;
    if (typeof index === 'number') key = index;
    else if (typeof id === 'string' && this.#indexById.has(id))
      key = this.#indexById.get(id) as number;
    else key = this.#nextIndex;
    if (key >= this.#nextIndex) this.#nextIndex = key + 1;
    if (typeof id === 'string' && id !== '') this.#indexById.set(id, key);
    let state = this.#items.get(key);
    if (!state) {
      state = { streamed: false };
      this.#items.set(key, state);
    }
    return [key, state];
  }

  #chunk(fields: {
    content?: Json[];
    toolCallChunks?: ToolCallChunk[];
    additional?: Json;
  }): AIMessageChunk {
    return new AIMessageChunk({
      content: (fields.content ?? []) as MessageContent,
      id: this.#meta.id,
      tool_call_chunks: fields.toolCallChunks ?? [],
      additional_kwargs: fields.additional ?? {},
    });
  }

  /** The chunks one event produces (often none). Throws on `error` events. */
  handle(event: Json): AIMessageChunk[] {
    const type = typeof event.type === 'string' ? event.type : undefined;
    switch (type) {
      case 'response.created':
      case 'response.in_progress':
        if (isRecord(event.response))
          this.#meta = { ...this.#meta, ...defined(responsesMetadata(event.response)) };
        return [];
      case 'response.output_text.delta': {
        const [index, state] = this.#item(event.output_index, event.item_id);
        const delta = typeof event.delta === 'string' ? event.delta : '';
        state.streamed = true;
        state.type = 'message';
        if (typeof event.item_id === 'string') state.itemId = event.item_id;
        if (delta === '') return [];
        return [
          this.#chunk({
            content: [
              {
                type: 'text',
                text: delta,
                index,
                ...(state.itemId ? { id: state.itemId } : {}),
              },
            ],
          }),
        ];
      }
      case 'response.reasoning_summary_text.delta':
      case 'response.reasoning_text.delta': {
        const [index, state] = this.#item(event.output_index, event.item_id);
        state.streamed = true;
        state.type = 'reasoning';
        const delta = typeof event.delta === 'string' ? event.delta : '';
        if (delta === '') return [];
        return [
          this.#chunk({
            content: [{ type: 'reasoning', reasoning: delta, index }],
            additional: { reasoning_content: delta },
          }),
        ];
      }
      case 'response.output_item.added': {
        const item = isRecord(event.item) ? event.item : {};
        const [index, state] = this.#item(event.output_index, item.id);
        state.type = typeof item.type === 'string' ? item.type : undefined;
        if (typeof item.id === 'string') state.itemId = item.id;
        if (item.type !== 'function_call') return [];
        if (!this.#agent) {
          state.streamed = true;
          state.argumentsSent = typeof item.arguments === 'string' ? item.arguments : '';
          return [this.#toolCallChunk(index, item, state.argumentsSent)];
        }
        // An agent's call: held until the stream ends (see `#agent`).
        this.#pendingCalls.set(index, { ...item, arguments: String(item.arguments ?? '') });
        return [];
      }
      case 'response.function_call_arguments.delta': {
        const [index, state] = this.#item(event.output_index, event.item_id);
        const delta = typeof event.delta === 'string' ? event.delta : '';
        if (!this.#agent) {
          state.streamed = true;
          state.argumentsSent = (state.argumentsSent ?? '') + delta;
          if (delta === '') return [];
          return [
            this.#chunk({
              toolCallChunks: [{ type: 'tool_call_chunk', index, args: delta }],
            }),
          ];
        }
        const pending = this.#pendingCalls.get(index);
        if (pending) pending.arguments += delta;
        return [];
      }
      case 'response.function_call_arguments.done': {
        const [index] = this.#item(event.output_index, event.item_id);
        const pending = this.#agent ? this.#pendingCalls.get(index) : undefined;
        if (pending && typeof event.arguments === 'string') pending.arguments = event.arguments;
        return [];
      }
      case 'response.output_item.done':
        return this.#itemDone(event);
      case 'response.completed':
      case 'responses.completed':
      case 'response.incomplete':
        return this.#completed(event);
      case 'response.failed':
        if (isRecord(event.response)) throwIfFailed(this.#endpoint, event.response);
        throw responseFailed(this.#endpoint, 'the response failed', undefined);
      case 'error':
      case 'response.error':
        throw responseFailed(
          this.#endpoint,
          typeof event.message === 'string'
            ? event.message
            : isRecord(event.error) && typeof event.error.message === 'string'
              ? event.error.message
              : JSON.stringify(event),
          typeof event.code === 'string' ? event.code : undefined,
        );
      case undefined:
        // A whole response: the endpoint ignored `stream` and answered in one JSON object.
        if (Array.isArray(event.output)) return this.#completed({ response: event });
        // An MLflow agent server sends `{"trace_id": ...}` before [DONE] when asked to.
        if (typeof event.trace_id === 'string') this.#traceId = event.trace_id;
        if (event.custom_outputs !== undefined) this.#meta.customOutputs = event.custom_outputs;
        return [];
      default:
        if (event.custom_outputs !== undefined) this.#meta.customOutputs = event.custom_outputs;
        return [];
    }
  }

  #itemDone(event: Json): AIMessageChunk[] {
    const item = isRecord(event.item) ? event.item : {};
    const [index, state] = this.#item(event.output_index, item.id);
    if (event.custom_outputs !== undefined) this.#meta.customOutputs = event.custom_outputs;
    switch (item.type) {
      case 'message': {
        if (state.streamed) return []; // the deltas already carried this text
        const parts = Array.isArray(item.content) ? item.content : [];
        const content: Json[] = [];
        let refusal: string | undefined;
        for (const part of parts) {
          if (!isRecord(part)) continue;
          if (part.type === 'output_text' && typeof part.text === 'string')
            content.push({
              type: 'text',
              text: part.text,
              annotations: Array.isArray(part.annotations) ? part.annotations : [],
              index,
              ...(typeof item.id === 'string' ? { id: item.id } : {}),
            });
          else if (part.type === 'refusal' && typeof part.refusal === 'string')
            refusal = (refusal ?? '') + part.refusal;
        }
        state.streamed = true;
        if (content.length === 0 && refusal === undefined) return [];
        return [this.#chunk({ content, additional: refusal ? { refusal } : {} })];
      }
      case 'reasoning': {
        const block: Json = { ...reasoningBlock(item), index };
        // Streamed summaries: send only the item's id and summary, for passing it back.
        if (state.streamed) block.reasoning = '';
        const text = state.streamed ? '' : String(block.reasoning ?? '');
        state.streamed = true;
        return [
          this.#chunk({ content: [block], additional: text ? { reasoning_content: text } : {} }),
        ];
      }
      case 'function_call': {
        if (!this.#agent) {
          const full = String(item.arguments ?? '');
          if (state.argumentsSent === undefined) {
            state.streamed = true;
            state.argumentsSent = full;
            return [this.#toolCallChunk(index, item, full)];
          }
          // Arguments that were announced but not (all) streamed as deltas.
          const sent = state.argumentsSent;
          if (full.length <= sent.length || !full.startsWith(sent)) return [];
          state.argumentsSent = full;
          return [
            this.#chunk({
              toolCallChunks: [{ type: 'tool_call_chunk', index, args: full.slice(sent.length) }],
            }),
          ];
        }
        const pending = this.#pendingCalls.get(index) ?? {};
        this.#pendingCalls.set(index, { ...pending, ...item });
        return [];
      }
      case 'function_call_output': {
        if (typeof item.call_id === 'string') this.#callOutputs.add(item.call_id);
        const { status: _status, ...rest } = item;
        return [this.#chunk({ content: [{ ...rest, index }] })];
      }
      default: {
        if (typeof item.type !== 'string') return [];
        const { status: _status, ...rest } = item;
        return [this.#chunk({ content: [{ ...rest, index }] })];
      }
    }
  }

  #completed(event: Json): AIMessageChunk[] {
    const response = isRecord(event.response) ? event.response : {};
    throwIfFailed(this.#endpoint, response);
    this.#meta = { ...this.#meta, ...defined(responsesMetadata(response)) };
    this.#usage = responsesUsage(response.usage) ?? this.#usage;
    const chunks: AIMessageChunk[] = [];
    // A server that streamed nothing but the final response: its output is the answer.
    if (Array.isArray(response.output)) {
      response.output.forEach((item, index) => {
        if (!isRecord(item)) return;
        const known = typeof item.id === 'string' ? this.#indexById.get(item.id) : undefined;
        const position = known ?? index;
        if (this.#items.get(position)?.streamed) return;
        if (item.type === 'function_call' && this.#pendingCalls.has(position)) return;
        chunks.push(...this.#itemDone({ item, output_index: position }));
      });
    }
    this.#finishReason = finishReasonOf(response, false);
    return chunks;
  }

  /**
   * The closing chunk: the client tool calls (an agent's own calls, followed by their outputs,
   * stay in the content), then usage, model, finish reason and custom outputs, once.
   */
  finish(): AIMessageChunk[] {
    const chunks: AIMessageChunk[] = [];
    for (const [index, call] of [...this.#pendingCalls.entries()].sort((a, b) => a[0] - b[0])) {
      const callId = typeof call.call_id === 'string' ? call.call_id : undefined;
      if (callId && this.#callOutputs.has(callId)) {
        const { status: _status, ...item } = call;
        chunks.push(this.#chunk({ content: [{ ...item, index }] }));
        continue;
      }
      chunks.push(
        this.#toolCallChunk(index, call, typeof call.arguments === 'string' ? call.arguments : ''),
      );
    }
    const finishReason =
      this.#finishReason === 'stop' && this.#sawToolCall
        ? 'tool_calls'
        : (this.#finishReason ?? (this.#sawToolCall ? 'tool_calls' : 'stop'));
    const additional: Json = {};
    if (this.#meta.customOutputs !== undefined)
      additional.custom_outputs = this.#meta.customOutputs;
    const metadata = metadataRecord(this.#meta, this.#endpoint, finishReason);
    if (this.#traceId !== undefined) metadata.trace_id = this.#traceId;
    chunks.push(
      new AIMessageChunk({
        content: '',
        id: this.#meta.id,
        additional_kwargs: additional,
        response_metadata: metadata,
        usage_metadata: this.#usage,
      }),
    );
    return chunks;
  }
}

function defined<T extends object>(record: T): Partial<T> {
  return Object.fromEntries(
    Object.entries(record).filter(([, value]) => value !== undefined),
  ) as Partial<T>;
}
