/**
 * LangChain messages ↔ the OpenAI chat-completions format Databricks Model Serving speaks.
 * Databricks-specific rules: no `name` field (FMAPI rejects it), tool-call arguments as JSON
 * strings, empty assistant content next to tool calls is `null` (or `" "` for Claude, which
 * rejects empty text blocks), and content may come back as an array with reasoning items.
 */
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
import {
  type BlockContext,
  convertContentBlock,
  type OpenAIContentPart,
} from './content_blocks.js';

export type { OpenAIContentPart } from './content_blocks.js';

/** One message of a chat-completions request. */
export interface OpenAIChatMessage {
  role: string;
  content: string | OpenAIContentPart[] | null;
  tool_calls?: OpenAIToolCall[];
  tool_call_id?: string;
}

export interface OpenAIToolCall {
  id: string;
  type: 'function';
  function: { name: string; arguments: string };
}

export interface ConvertOptions {
  /** Claude endpoints reject empty text content next to tool calls: send `" "` instead of null. */
  emptyToolCallContent: null | ' ';
}

/** True for endpoints serving Anthropic Claude (by endpoint or model name). */
export function isClaudeModel(name: string | undefined): boolean {
  return name !== undefined && /claude/i.test(name);
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
    case 'tool':
      return 'tool';
    case 'developer':
      return 'developer';
    case 'generic':
      return ChatMessage.isInstance(message) ? message.role : 'user';
    case 'function':
      throw new Error(
        'Function messages are not supported by Databricks Model Serving; use tool calls and ToolMessage instead.',
      );
    default:
      throw new Error(`Unsupported message type for Databricks chat: ${type}`);
  }
}

/**
 * LangChain content (string or blocks) → OpenAI content. Text-only block lists become one string;
 * images, audio and files become `image_url`, `input_audio` and `file` parts (see
 * `content_blocks.ts`); a block that cannot be sent is an error, never silently dropped.
 */
export function convertContent(
  content: MessageContent,
  context: BlockContext = { role: 'user' },
): string | OpenAIContentPart[] {
  if (typeof content === 'string') return content;
  const parts: OpenAIContentPart[] = [];
  for (const block of content) {
    if (typeof block === 'string') {
      parts.push({ type: 'text', text: block });
      continue;
    }
    const part = convertContentBlock(block as Record<string, unknown>, context);
    if (part) parts.push(part);
  }
  if (parts.every((part) => part.type === 'text')) {
    return parts.map((part) => (part as { text: string }).text).join('');
  }
  return parts;
}

function toolCallsOf(message: AIMessage): OpenAIToolCall[] {
  const calls: OpenAIToolCall[] = [];
  for (const call of message.tool_calls ?? []) {
    calls.push({
      id: call.id ?? '',
      type: 'function',
      function: { name: call.name, arguments: JSON.stringify(call.args ?? {}) },
    });
  }
  for (const call of message.invalid_tool_calls ?? []) {
    calls.push({
      id: call.id ?? '',
      type: 'function',
      function: { name: call.name ?? '', arguments: call.args ?? '' },
    });
  }
  if (calls.length === 0) {
    // Messages built by hand (or by older code) may carry OpenAI tool calls in additional_kwargs.
    const raw = message.additional_kwargs?.tool_calls;
    if (Array.isArray(raw)) {
      for (const call of raw) {
        calls.push({
          id: call.id,
          type: 'function',
          function: { name: call.function.name, arguments: call.function.arguments },
        });
      }
    }
  }
  return calls;
}

/** Converts one LangChain message into the request format. */
export function convertMessageToOpenAI(
  message: BaseMessage,
  options: ConvertOptions,
  messageIndex?: number,
): OpenAIChatMessage {
  const role = roleOf(message);
  if (message.additional_kwargs?.function_call) {
    throw new Error(
      'Function calls (additional_kwargs.function_call) are not supported by Databricks Model Serving; use tool calls.',
    );
  }
  const content = convertContent(message.content, { role, messageIndex });
  if (role === 'tool') {
    const toolCallId = (message as BaseMessage & { tool_call_id?: string }).tool_call_id;
    return { role, content, tool_call_id: toolCallId ?? '' };
  }
  if (role === 'assistant' && AIMessage.isInstance(message)) {
    const toolCalls = toolCallsOf(message);
    if (toolCalls.length > 0) {
      const empty = content === '' || (Array.isArray(content) && content.length === 0);
      return {
        role,
        content: empty ? options.emptyToolCallContent : content,
        tool_calls: toolCalls,
      };
    }
  }
  return { role, content };
}

export function convertMessagesToOpenAI(
  messages: BaseMessage[],
  options: ConvertOptions,
): OpenAIChatMessage[] {
  return messages.map((message, index) => convertMessageToOpenAI(message, options, index));
}

// ---------------------------------------------------------------------------------------------
// Responses

/** OpenAI-style usage, plus the Claude cache fields Databricks passes through. */
export interface OpenAIUsage {
  prompt_tokens?: number | null;
  completion_tokens?: number | null;
  total_tokens?: number | null;
  prompt_tokens_details?: { cached_tokens?: number | null; audio_tokens?: number | null } | null;
  completion_tokens_details?: {
    reasoning_tokens?: number | null;
    audio_tokens?: number | null;
  } | null;
  cache_read_input_tokens?: number | null;
  cache_creation_input_tokens?: number | null;
}

/** OpenAI usage → LangChain `usage_metadata`. Claude cache tokens count as input tokens. */
export function toUsageMetadata(usage: OpenAIUsage): UsageMetadata {
  const cacheRead =
    usage.cache_read_input_tokens ?? usage.prompt_tokens_details?.cached_tokens ?? undefined;
  const cacheCreation = usage.cache_creation_input_tokens ?? undefined;
  // Anthropic reports cache reads/creations separately from prompt_tokens; OpenAI includes them.
  const claudeExtra =
    (usage.cache_read_input_tokens ?? 0) + (usage.cache_creation_input_tokens ?? 0);
  const input = (usage.prompt_tokens ?? 0) + claudeExtra;
  const output = usage.completion_tokens ?? 0;
  const metadata: UsageMetadata = {
    input_tokens: input,
    output_tokens: output,
    total_tokens: claudeExtra > 0 ? input + output : (usage.total_tokens ?? input + output),
  };
  const inputDetails: Record<string, number> = {};
  if (cacheRead != null) inputDetails.cache_read = cacheRead;
  if (cacheCreation != null) inputDetails.cache_creation = cacheCreation;
  if (usage.prompt_tokens_details?.audio_tokens != null)
    inputDetails.audio = usage.prompt_tokens_details.audio_tokens;
  if (Object.keys(inputDetails).length > 0) metadata.input_token_details = inputDetails;
  const outputDetails: Record<string, number> = {};
  if (usage.completion_tokens_details?.reasoning_tokens != null) {
    outputDetails.reasoning = usage.completion_tokens_details.reasoning_tokens;
  }
  if (usage.completion_tokens_details?.audio_tokens != null) {
    outputDetails.audio = usage.completion_tokens_details.audio_tokens;
  }
  if (Object.keys(outputDetails).length > 0) metadata.output_token_details = outputDetails;
  return metadata;
}

/** The text and reasoning parts of a response `content` (string, array of items, or null). */
export interface ParsedContent {
  text: string;
  /** Reasoning summaries joined, when the endpoint returned reasoning items. */
  reasoningText?: string;
  /** Raw reasoning items, kept so callers can inspect (or resend) them. */
  reasoning?: Record<string, unknown>[];
}

export function parseResponseContent(content: unknown): ParsedContent {
  if (content == null) return { text: '' };
  if (typeof content === 'string') return { text: content };
  if (!Array.isArray(content)) return { text: JSON.stringify(content) };
  let text = '';
  const reasoningTexts: string[] = [];
  const reasoning: Record<string, unknown>[] = [];
  for (const item of content) {
    if (typeof item === 'string') {
      text += item;
      continue;
    }
    if (typeof item !== 'object' || item === null) continue;
    const record = item as Record<string, unknown>;
    if (record.type === 'text' && typeof record.text === 'string') text += record.text;
    else if (record.type === 'reasoning') {
      reasoning.push(record);
      const summary = record.summary;
      if (Array.isArray(summary)) {
        for (const part of summary) {
          const value = (part as { text?: unknown } | null)?.text;
          if (typeof value === 'string') reasoningTexts.push(value);
        }
      }
    }
  }
  const parsed: ParsedContent = { text };
  if (reasoning.length > 0) {
    parsed.reasoning = reasoning;
    parsed.reasoningText = reasoningTexts.join('');
  }
  return parsed;
}

interface RawToolCall {
  id?: string | null;
  type?: string;
  index?: number;
  function?: { name?: string | null; arguments?: string | null } | null;
}

/** Response tool calls → LangChain tool calls (bad JSON arguments become invalid_tool_calls). */
export function parseToolCalls(raw: unknown): {
  toolCalls: ToolCall[];
  invalid: InvalidToolCall[];
} {
  const toolCalls: ToolCall[] = [];
  const invalid: InvalidToolCall[] = [];
  if (!Array.isArray(raw)) return { toolCalls, invalid };
  for (const call of raw as RawToolCall[]) {
    const name = call.function?.name ?? '';
    const args = call.function?.arguments ?? '';
    try {
      const parsed: unknown = args.trim() === '' ? {} : JSON.parse(args);
      if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
        throw new Error('tool call arguments are not a JSON object');
      }
      toolCalls.push({
        id: call.id ?? undefined,
        name,
        args: parsed as Record<string, unknown>,
        type: 'tool_call',
      });
    } catch (error) {
      invalid.push({
        id: call.id ?? undefined,
        name,
        args,
        error: error instanceof Error ? error.message : String(error),
        type: 'invalid_tool_call',
      });
    }
  }
  return { toolCalls, invalid };
}

/** Builds the AIMessage of one non-streaming choice. */
export function responseMessageToAIMessage(
  message: Record<string, unknown>,
  extra: {
    id?: string;
    responseMetadata: Record<string, unknown>;
    usage?: UsageMetadata;
    customOutputs?: unknown;
  },
): AIMessage {
  const content = parseResponseContent(message.content);
  const { toolCalls, invalid } = parseToolCalls(message.tool_calls);
  const additional: Record<string, unknown> = {};
  if (Array.isArray(message.tool_calls) && message.tool_calls.length > 0)
    additional.tool_calls = message.tool_calls;
  if (content.reasoning) {
    additional.reasoning = content.reasoning;
    additional.reasoning_content = content.reasoningText;
  }
  if (extra.customOutputs !== undefined) additional.custom_outputs = extra.customOutputs;
  return new AIMessage({
    content: content.text,
    id: extra.id,
    tool_calls: toolCalls,
    invalid_tool_calls: invalid,
    additional_kwargs: additional,
    response_metadata: extra.responseMetadata,
    usage_metadata: extra.usage,
  });
}

/** One streamed delta → an AIMessageChunk (content, reasoning, tool-call chunks by index). */
export function deltaToChunk(
  delta: Record<string, unknown>,
  id: string | undefined,
): AIMessageChunk {
  const content = parseResponseContent(delta.content);
  const toolCallChunks: ToolCallChunk[] = [];
  if (Array.isArray(delta.tool_calls)) {
    for (const call of delta.tool_calls as RawToolCall[]) {
      toolCallChunks.push({
        type: 'tool_call_chunk',
        index: call.index,
        id: call.id ?? undefined,
        name: call.function?.name ?? undefined,
        args: call.function?.arguments ?? undefined,
      });
    }
  }
  const additional: Record<string, unknown> = {};
  if (content.reasoningText !== undefined) additional.reasoning_content = content.reasoningText;
  return new AIMessageChunk({
    content: content.text,
    id,
    tool_call_chunks: toolCallChunks,
    additional_kwargs: additional,
  });
}
