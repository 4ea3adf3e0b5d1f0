/**
 * LangChain messages ↔ MLflow's ChatAgent protocol (endpoint task `agent/v2/chat`): requests
 * `{messages, custom_inputs?, context?, stream?}` of ChatAgentMessages (text content, `tool`
 * messages with `name` and `tool_call_id`), answers `{messages, finish_reason?, custom_outputs?,
 * usage?}`, and streams of `{delta, ...}` chunks, each delta a piece of the message with its id.
 *
 * An agent answers with the whole turn: its own tool calls, their results and its replies. The
 * AIMessage carries the replies' text as `content`, the whole turn in
 * `additional_kwargs.agent_messages` (sent back as they were on the next turn), and in
 * `tool_calls` only the calls the agent left for the caller (those with no `tool` answer).
 */
import {
  AIMessage,
  AIMessageChunk,
  type BaseMessage,
  ChatMessage,
  type ToolCallChunk,
  type UsageMetadata,
} from '@langchain/core/messages';
import { DatabricksContentBlockError, malformedResponse } from './errors.js';
import { convertContent, type OpenAIUsage, parseToolCalls, toUsageMetadata } from './messages.js';

type Json = Record<string, unknown>;

/** `additional_kwargs` key holding an agent's whole turn, in its wire form. */
export const AGENT_MESSAGES_KEY = 'agent_messages';

function isRecord(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function roleOf(message: BaseMessage): string {
  switch (message.getType()) {
    case 'human':
      return 'user';
    case 'ai':
      return 'assistant';
    case 'system':
      return 'system';
    case 'developer':
      return 'system';
    case 'tool':
      return 'tool';
    case 'generic':
      return ChatMessage.isInstance(message) ? message.role : 'user';
    default:
      throw new Error(
        `Unsupported message type for a Databricks ChatAgent endpoint: ${message.getType()}`,
      );
  }
}

function textContent(message: BaseMessage, role: string, index: number): string {
  const content = convertContent(message.content, { role, messageIndex: index });
  if (typeof content === 'string') return content;
  const [first] = content.filter((part) => part.type !== 'text');
  throw new DatabricksContentBlockError(
    `Cannot send a "${first?.type ?? 'non-text'}" content block to a Databricks ChatAgent endpoint (message ${index}, role ${role}): ChatAgent messages carry text only.`,
    { blockType: first?.type ?? 'unknown', messageIndex: index },
  );
}

/** LangChain messages → ChatAgent `messages`. */
export function convertMessagesToChatAgent(messages: BaseMessage[]): Json[] {
  const out: Json[] = [];
  const toolNames = new Map<string, string>();
  messages.forEach((message, index) => {
    const role = roleOf(message);
    if (role === 'assistant' && AIMessage.isInstance(message)) {
      const turn = message.additional_kwargs?.[AGENT_MESSAGES_KEY];
      if (Array.isArray(turn)) {
        // The agent's own turn, sent back as it came.
        for (const item of turn) {
          if (!isRecord(item)) continue;
          out.push(item);
          for (const call of Array.isArray(item.tool_calls) ? item.tool_calls : []) {
            const fn = isRecord(call) && isRecord(call.function) ? call.function : {};
            if (isRecord(call) && typeof call.id === 'string' && typeof fn.name === 'string')
              toolNames.set(call.id, fn.name);
          }
        }
        return;
      }
      const content = textContent(message, role, index);
      const toolCalls = (message.tool_calls ?? []).map((call) => {
        if (call.id) toolNames.set(call.id, call.name);
        return {
          id: call.id ?? '',
          type: 'function',
          function: { name: call.name, arguments: JSON.stringify(call.args ?? {}) },
        };
      });
      out.push({
        role,
        ...(content !== '' || toolCalls.length === 0 ? { content } : {}),
        ...(message.id ? { id: message.id } : {}),
        ...(toolCalls.length > 0 ? { tool_calls: toolCalls } : {}),
      });
      return;
    }
    if (role === 'tool') {
      const callId = (message as BaseMessage & { tool_call_id?: string }).tool_call_id ?? '';
      const name = message.name ?? toolNames.get(callId);
      if (!name)
        throw new Error(
          `Message ${index}: a ChatAgent tool message needs the tool's name; set ToolMessage.name or keep the AIMessage with the call before it.`,
        );
      out.push({
        role,
        content: textContent(message, role, index),
        name,
        tool_call_id: callId,
        ...(message.id ? { id: message.id } : {}),
      });
      return;
    }
    out.push({
      role,
      content: textContent(message, role, index),
      ...(message.id ? { id: message.id } : {}),
    });
  });
  return out;
}

function answeredIds(messages: Json[]): Set<string> {
  const ids = new Set<string>();
  for (const message of messages)
    if (message.role === 'tool' && typeof message.tool_call_id === 'string')
      ids.add(message.tool_call_id);
  return ids;
}

function unansweredCalls(messages: Json[]): Json[] {
  const answered = answeredIds(messages);
  const calls: Json[] = [];
  for (const message of messages) {
    if (message.role !== 'assistant' || !Array.isArray(message.tool_calls)) continue;
    for (const call of message.tool_calls)
      if (isRecord(call) && !(typeof call.id === 'string' && answered.has(call.id)))
        calls.push(call);
  }
  return calls;
}

function assistantText(messages: Json[]): string {
  return messages
    .filter((message) => message.role === 'assistant' && typeof message.content === 'string')
    .map((message) => message.content as string)
    .filter((text) => text !== '')
    .join('\n\n');
}

/** A ChatAgent answer → an AIMessage. */
export function chatAgentResponseToAIMessage(
  data: unknown,
  endpoint: string,
): { message: AIMessage; usage?: UsageMetadata; finishReason: string } {
  if (!isRecord(data) || !Array.isArray(data.messages)) {
    throw malformedResponse(endpoint, 'a ChatAgent answer has a "messages" list');
  }
  const messages = data.messages.filter(isRecord);
  const { toolCalls, invalid } = parseToolCalls(unansweredCalls(messages));
  const usage = isRecord(data.usage) ? toUsageMetadata(data.usage as OpenAIUsage) : undefined;
  const finishReason =
    typeof data.finish_reason === 'string'
      ? data.finish_reason
      : toolCalls.length > 0
        ? 'tool_calls'
        : 'stop';
  const additional: Json = { [AGENT_MESSAGES_KEY]: messages };
  if (data.custom_outputs !== undefined) additional.custom_outputs = data.custom_outputs;
  const lastId = [...messages].reverse().find((message) => typeof message.id === 'string')?.id;
  const message = new AIMessage({
    content: assistantText(messages),
    id: typeof lastId === 'string' ? lastId : undefined,
    tool_calls: toolCalls,
    invalid_tool_calls: invalid,
    additional_kwargs: additional,
    response_metadata: {
      model: endpoint,
      model_name: endpoint,
      model_provider: 'databricks',
      finish_reason: finishReason,
      ...(data.custom_outputs !== undefined ? { custom_outputs: data.custom_outputs } : {}),
    },
    usage_metadata: usage,
  });
  return { message, usage, finishReason };
}

/**
 * Turns ChatAgent stream chunks into AIMessageChunks: the replies' text as it arrives (two
 * replies separated by a blank line, as `invoke` joins them), and at the end the calls left for
 * the caller, the whole turn, usage (the last one seen: some agents repeat it) and custom outputs.
 */
export class ChatAgentStreamConverter {
  readonly #endpoint: string;
  /** The turn, aggregated by message id. */
  readonly #messages: Json[] = [];
  readonly #byId = new Map<string, Json>();
  #lastTextId?: string;
  #sentText = false;
  #usage?: UsageMetadata;
  #finishReason?: string;
  #customOutputs: unknown;

  constructor(endpoint: string) {
    this.#endpoint = endpoint;
  }

  handle(data: Json): AIMessageChunk[] {
    if (isRecord(data.usage)) this.#usage = toUsageMetadata(data.usage as OpenAIUsage);
    if (typeof data.finish_reason === 'string') this.#finishReason = data.finish_reason;
    if (data.custom_outputs !== undefined) this.#customOutputs = data.custom_outputs;
    if (Array.isArray(data.messages)) {
      // An agent that ignored `stream` and answered the whole turn at once.
      return data.messages.filter(isRecord).flatMap((message) => this.#delta(message));
    }
    if (!isRecord(data.delta)) return [];
    return this.#delta(data.delta);
  }

  #delta(delta: Json): AIMessageChunk[] {
    const id = typeof delta.id === 'string' ? delta.id : undefined;
    let message = id ? this.#byId.get(id) : undefined;
    if (!message) {
      message = { ...delta };
      this.#messages.push(message);
      if (id) this.#byId.set(id, message);
    } else {
      if (typeof delta.content === 'string')
        message.content = String(message.content ?? '') + delta.content;
      if (Array.isArray(delta.tool_calls))
        message.tool_calls = [
          ...(Array.isArray(message.tool_calls) ? message.tool_calls : []),
          ...delta.tool_calls,
        ];
      for (const key of ['role', 'name', 'tool_call_id'])
        if (delta[key] !== undefined) message[key] = delta[key];
    }
    const role = message.role ?? delta.role;
    if (role !== 'assistant' || typeof delta.content !== 'string' || delta.content === '')
      return [];
    let text = delta.content;
    if (this.#sentText && id !== this.#lastTextId) text = `\n\n${text}`;
    this.#sentText = true;
    this.#lastTextId = id;
    return [new AIMessageChunk({ content: text, id })];
  }

  finish(): AIMessageChunk[] {
    const calls = unansweredCalls(this.#messages);
    const toolCallChunks: ToolCallChunk[] = calls.map((call, index) => {
      const fn = isRecord(call.function) ? call.function : {};
      return {
        type: 'tool_call_chunk',
        index,
        id: typeof call.id === 'string' ? call.id : undefined,
        name: typeof fn.name === 'string' ? fn.name : undefined,
        args: typeof fn.arguments === 'string' ? fn.arguments : '',
      };
    });
    const finishReason = this.#finishReason ?? (calls.length > 0 ? 'tool_calls' : 'stop');
    const additional: Json = { [AGENT_MESSAGES_KEY]: this.#messages };
    if (this.#customOutputs !== undefined) additional.custom_outputs = this.#customOutputs;
    return [
      new AIMessageChunk({
        content: '',
        tool_call_chunks: toolCallChunks,
        additional_kwargs: additional,
        response_metadata: {
          model: this.#endpoint,
          model_name: this.#endpoint,
          model_provider: 'databricks',
          finish_reason: finishReason,
          ...(this.#customOutputs !== undefined ? { custom_outputs: this.#customOutputs } : {}),
        },
        usage_metadata: this.#usage,
      }),
    ];
  }
}
