/**
 * LangChain.js messages, results and tools → the MLflow ChatMessage / tool / token-usage shapes
 * the MLflow UI renders (`mlflow/types/chat.py`), matching what Python's LangChain autolog records.
 */
import type { BaseMessage } from '@langchain/core/messages';
import type { LLMResult } from '@langchain/core/outputs';
import type { TokenUsage } from './spans.js';

export interface ChatToolCall {
  id: string;
  type: 'function';
  function: { name: string; arguments: string };
}

export type ContentPart = Record<string, unknown>;

export interface ChatMessage {
  role: string;
  content: string | ContentPart[] | null;
  tool_calls?: ChatToolCall[];
  tool_call_id?: string;
  name?: string;
}

export interface ChatTool {
  type: 'function';
  function: { name: string; description?: string; parameters?: unknown; strict?: boolean };
}

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => v !== null && typeof v === 'object' && !Array.isArray(v);

function messageType(message: BaseMessage): string {
  const m = message as unknown as {
    type?: unknown;
    _getType?: () => string;
    getType?: () => string;
  };
  if (typeof m.type === 'string') return m.type;
  if (typeof m.getType === 'function') return m.getType();
  if (typeof m._getType === 'function') return m._getType();
  return 'generic';
}

const ROLE_BY_TYPE: Record<string, string> = {
  human: 'user',
  ai: 'assistant',
  system: 'system',
  developer: 'developer',
  tool: 'tool',
  function: 'function',
};

function convertContent(content: unknown): string | ContentPart[] | null {
  if (typeof content === 'string') return content;
  if (!Array.isArray(content)) return content == null ? null : JSON.stringify(content);
  const parts: ContentPart[] = [];
  for (const part of content as unknown[]) {
    if (typeof part === 'string') {
      parts.push({ type: 'text', text: part });
    } else if (isObj(part)) {
      const type = part.type;
      // Anthropic-style tool_use blocks duplicate tool_calls; Python drops them too.
      if (type === 'tool_use' || type === 'tool_call' || type === 'tool_call_chunk') continue;
      if (type === 'text') parts.push({ type: 'text', text: String(part.text ?? '') });
      else if (type === 'image_url') parts.push({ type: 'image_url', image_url: part.image_url });
      else if (type === 'image' && typeof part.url === 'string')
        parts.push({ type: 'image_url', image_url: { url: part.url } });
      else if (type === 'input_audio') parts.push(part);
      else parts.push({ type: 'text', text: JSON.stringify(part) });
    }
  }
  return parts;
}

export function toChatMessage(message: BaseMessage): ChatMessage {
  const type = messageType(message);
  const raw = message as unknown as Obj;
  const role =
    type === 'generic' || type === 'chat'
      ? String(raw.role ?? 'user')
      : (ROLE_BY_TYPE[type] ?? 'user');
  const out: ChatMessage = { role, content: convertContent(raw.content) };
  const toolCalls = raw.tool_calls;
  if (Array.isArray(toolCalls) && toolCalls.length > 0) {
    out.tool_calls = toolCalls.filter(isObj).map((call, index) => ({
      id: typeof call.id === 'string' ? call.id : `call_${index}`,
      type: 'function',
      function: { name: String(call.name ?? ''), arguments: JSON.stringify(call.args ?? {}) },
    }));
    if (out.content === '' || (Array.isArray(out.content) && out.content.length === 0))
      out.content = null;
  }
  if (role === 'tool' && typeof raw.tool_call_id === 'string') out.tool_call_id = raw.tool_call_id;
  if (typeof raw.name === 'string' && raw.name) out.name = raw.name;
  return out;
}

/** `{"choices": [...]}` for one generation list, the raw result for batches (as Python). */
export function llmResultOutputs(result: LLMResult): unknown {
  const gens = result.generations;
  if (gens.length === 1 && gens[0] !== undefined) {
    const choices = gens[0].map((gen, index) => {
      const message = (gen as { message?: BaseMessage }).message;
      const info = gen.generationInfo as Obj | undefined;
      return {
        index,
        message: message ? toChatMessage(message) : { role: 'assistant', content: gen.text },
        finish_reason: (info?.finish_reason as string | undefined) ?? null,
      };
    });
    return { choices };
  }
  return { generations: gens, llm_output: result.llmOutput ?? null };
}

function num(v: unknown): number | undefined {
  return typeof v === 'number' && Number.isFinite(v) ? v : undefined;
}

/** Normalises one usage record (usage_metadata, OpenAI `usage`, legacy camelCase `tokenUsage`). */
export function parseUsage(raw: unknown): TokenUsage | undefined {
  if (!isObj(raw)) return undefined;
  const input = num(raw.input_tokens) ?? num(raw.prompt_tokens) ?? num(raw.promptTokens);
  const output = num(raw.output_tokens) ?? num(raw.completion_tokens) ?? num(raw.completionTokens);
  if (input === undefined && output === undefined) return undefined;
  const usage: TokenUsage = {
    input_tokens: input ?? 0,
    output_tokens: output ?? 0,
    total_tokens: num(raw.total_tokens) ?? num(raw.totalTokens) ?? (input ?? 0) + (output ?? 0),
  };
  const details = isObj(raw.input_token_details) ? raw.input_token_details : undefined;
  const cacheRead = num(raw.cache_read_input_tokens) ?? num(details?.cache_read);
  const cacheCreation = num(raw.cache_creation_input_tokens) ?? num(details?.cache_creation);
  if (cacheRead !== undefined) usage.cache_read_input_tokens = cacheRead;
  if (cacheCreation !== undefined) usage.cache_creation_input_tokens = cacheCreation;
  return usage;
}

export function addUsage(
  a: TokenUsage | undefined,
  b: TokenUsage | undefined,
): TokenUsage | undefined {
  if (a === undefined) return b && { ...b };
  if (b === undefined) return a;
  const sum: TokenUsage = {
    input_tokens: a.input_tokens + b.input_tokens,
    output_tokens: a.output_tokens + b.output_tokens,
    total_tokens: a.total_tokens + b.total_tokens,
  };
  for (const key of ['cache_read_input_tokens', 'cache_creation_input_tokens'] as const) {
    if (a[key] !== undefined || b[key] !== undefined) sum[key] = (a[key] ?? 0) + (b[key] ?? 0);
  }
  return sum;
}

/**
 * Token usage of an LLM result: `usage_metadata` on each generated message first (summed across
 * generations), then the message's `response_metadata`, then the legacy `llmOutput.tokenUsage`.
 */
export function tokenUsageOf(result: LLMResult): TokenUsage | undefined {
  let total: TokenUsage | undefined;
  for (const list of result.generations) {
    for (const gen of list) {
      const message = (gen as { message?: Obj }).message;
      if (!message) continue;
      const meta = isObj(message.response_metadata) ? message.response_metadata : undefined;
      const usage =
        parseUsage(message.usage_metadata) ??
        parseUsage(meta?.usage) ??
        parseUsage(meta?.token_usage) ??
        parseUsage(meta?.tokenUsage);
      total = addUsage(total, usage);
    }
  }
  if (total) return total;
  const llmOutput = result.llmOutput as Obj | undefined;
  return (
    parseUsage(llmOutput?.tokenUsage) ??
    parseUsage(llmOutput?.token_usage) ??
    parseUsage(llmOutput?.usage)
  );
}

/** OpenAI-style tool definitions from `invocation_params.tools` (any of the common shapes). */
export function toolsOf(invocationParams: unknown): ChatTool[] | undefined {
  if (!isObj(invocationParams) || !Array.isArray(invocationParams.tools)) return undefined;
  const tools: ChatTool[] = [];
  for (const tool of invocationParams.tools as unknown[]) {
    if (!isObj(tool)) continue;
    if (tool.type === 'function' && isObj(tool.function)) {
      const fn = tool.function;
      tools.push({
        type: 'function',
        function: {
          name: String(fn.name ?? ''),
          ...(fn.description !== undefined ? { description: String(fn.description) } : {}),
          ...(fn.parameters !== undefined ? { parameters: fn.parameters } : {}),
          ...(typeof fn.strict === 'boolean' ? { strict: fn.strict } : {}),
        },
      });
    } else if (typeof tool.name === 'string') {
      // Anthropic (`input_schema`) and bare LangChain tool shapes.
      const parameters = tool.input_schema ?? tool.parameters;
      tools.push({
        type: 'function',
        function: {
          name: tool.name,
          ...(typeof tool.description === 'string' ? { description: tool.description } : {}),
          ...(isObj(parameters) ? { parameters } : {}),
        },
      });
    }
  }
  return tools.length > 0 ? tools : undefined;
}

/** Text of the last message with the given role, for trace previews (as Python does). */
export function lastMessageText(
  messages: readonly ChatMessage[],
  role: string,
): string | undefined {
  for (let i = messages.length - 1; i >= 0; i--) {
    const m = messages[i];
    if (m?.role !== role) continue;
    if (typeof m.content === 'string') return m.content;
    if (Array.isArray(m.content)) {
      return m.content
        .map((p) => (typeof p.text === 'string' ? p.text : ''))
        .filter(Boolean)
        .join(' ');
    }
  }
  return undefined;
}
