/**
 * `scriptedChatAgent`, in the style of `scriptedChat`: a test says what an MLflow ChatAgent
 * (`agent/v2/chat`) answers and the handler writes `{messages, finish_reason, custom_outputs,
 * usage}`, or `{delta}` chunks, one message id per message. An agent's own tool runs (`steps`)
 * come out as an assistant call and a `tool` message each, before the answer.
 */
import { type AgentStepScript, argumentsText, callId, nextId } from './agent_items.js';
import { isReply } from './reply.js';
import {
  asObject,
  contentText,
  estimateTokens,
  type ScriptedStreamOptions,
  splitWords,
  streamOf,
} from './scripted_wire.js';
import type {
  ChatMessageInput,
  ChatToolCallScript,
  ChatUsage,
  ServingHandler,
  ServingRequest,
} from './types.js';

type Json = Record<string, unknown>;
type MaybePromise<T> = T | Promise<T>;

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
