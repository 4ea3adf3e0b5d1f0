/**
 * The Databricks agent protocols on the server side: what a request says (a ResponsesAgent
 * request, a ChatAgent request, or an MLflow scoring request for a plain chain) as LangChain
 * input, and what the agent produced (its new messages) as Responses output items or ChatAgent
 * messages. Request shapes are MLflow's (`ResponsesAgentRequest`, `ChatAgentRequest`, pyfunc
 * scoring's `dataframe_records` / `dataframe_split` / `instances` / `inputs`).
 */
import { randomUUID } from 'node:crypto';
import {
  AIMessage,
  type BaseMessage,
  HumanMessage,
  type MessageContent,
  SystemMessage,
  ToolMessage,
  type UsageMetadata,
} from '@langchain/core/messages';
import { badRequest } from './errors.js';

type Json = Record<string, unknown>;

export function isRecord(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Conversation metadata Databricks passes to agents (`context`). */
export interface AgentContext {
  conversation_id?: string;
  user_id?: string;
}

/** A request, read: the conversation, and what Databricks passes alongside it. */
export interface AgentRequest {
  protocol: 'responses' | 'chat-agent';
  messages: BaseMessage[];
  customInputs?: Json;
  context?: AgentContext;
  stream: boolean;
  /** `databricks_options.return_trace`. */
  returnTrace: boolean;
}

/** An MLflow scoring request: rows for a plain chain. */
export interface ScoringRequest {
  protocol: 'scoring';
  records: unknown[];
  params?: Json;
}

function optionalRecord(value: unknown, field: string): Json | undefined {
  if (value === undefined || value === null) return undefined;
  if (!isRecord(value)) throw badRequest(`"${field}" must be a JSON object.`);
  return value;
}

function contextOf(value: unknown): AgentContext | undefined {
  const context = optionalRecord(value, 'context');
  if (!context) return undefined;
  const out: AgentContext = {};
  if (typeof context.conversation_id === 'string') out.conversation_id = context.conversation_id;
  if (typeof context.user_id === 'string') out.user_id = context.user_id;
  return out;
}

/** Responses input content (a string, or input/output parts) → LangChain content. */
function contentOf(content: unknown, path: string): MessageContent {
  if (typeof content === 'string') return content;
  if (!Array.isArray(content))
    throw badRequest(`${path}.content must be a string or a list of parts.`);
  return content.map((part, index) => {
    if (!isRecord(part)) throw badRequest(`${path}.content[${index}] must be an object.`);
    switch (part.type) {
      case 'input_text':
      case 'output_text':
      case 'text':
        return { type: 'text', text: String(part.text ?? '') };
      case 'input_image': {
        const url = typeof part.image_url === 'string' ? part.image_url : undefined;
        if (!url) throw badRequest(`${path}.content[${index}]: input_image needs "image_url".`);
        return {
          type: 'image_url',
          image_url: { url, ...(part.detail ? { detail: part.detail } : {}) },
        };
      }
      case 'input_file':
        return { type: 'file', file: { ...part, type: undefined } };
      case 'refusal':
        return { type: 'text', text: String(part.refusal ?? '') };
      default:
        throw badRequest(
          `${path}.content[${index}]: unsupported part type ${JSON.stringify(part.type)}.`,
        );
    }
  }) as MessageContent;
}

function textOf(content: unknown): string {
  if (typeof content === 'string') return content;
  if (!Array.isArray(content))
    return content === undefined || content === null ? '' : JSON.stringify(content);
  return content
    .map((part) => (isRecord(part) && typeof part.text === 'string' ? part.text : ''))
    .join('');
}

/** Responses `input` items → LangChain messages (function calls join the assistant turn). */
export function responsesInputToMessages(input: unknown, instructions?: unknown): BaseMessage[] {
  const messages: BaseMessage[] = [];
  if (typeof instructions === 'string' && instructions !== '')
    messages.push(new SystemMessage(instructions));
  if (typeof input === 'string') {
    messages.push(new HumanMessage(input));
    return messages;
  }
  if (!Array.isArray(input)) throw badRequest('"input" must be a string or a list of input items.');
  let open: AIMessage | undefined; // the assistant turn function calls are added to
  input.forEach((raw, index) => {
    const path = `input[${index}]`;
    if (!isRecord(raw)) throw badRequest(`${path} must be an object.`);
    const type = raw.type ?? (raw.role !== undefined ? 'message' : undefined);
    switch (type) {
      case 'message': {
        const role = raw.role;
        if (role === 'assistant') {
          open = new AIMessage({
            content: textOf(raw.content),
            ...(typeof raw.id === 'string' ? { id: raw.id } : {}),
          });
          messages.push(open);
          return;
        }
        open = undefined;
        const content = contentOf(raw.content, path);
        if (role === 'user') messages.push(new HumanMessage({ content }));
        else if (role === 'system' || role === 'developer')
          messages.push(new SystemMessage({ content }));
        else throw badRequest(`${path}.role must be user, system, developer or assistant.`);
        return;
      }
      case 'function_call': {
        if (typeof raw.call_id !== 'string' || typeof raw.name !== 'string')
          throw badRequest(`${path}: a function_call needs "call_id" and "name".`);
        let args: Record<string, unknown> = {};
        try {
          const parsed: unknown = JSON.parse(String(raw.arguments ?? '{}') || '{}');
          if (isRecord(parsed)) args = parsed;
        } catch {
          throw badRequest(`${path}.arguments is not JSON.`);
        }
        if (!open) {
          open = new AIMessage({ content: '' });
          messages.push(open);
        }
        open.tool_calls = [
          ...(open.tool_calls ?? []),
          { id: raw.call_id, name: raw.name, args, type: 'tool_call' },
        ];
        return;
      }
      case 'function_call_output':
        open = undefined;
        if (typeof raw.call_id !== 'string')
          throw badRequest(`${path}: a function_call_output needs "call_id".`);
        messages.push(
          new ToolMessage({
            content: typeof raw.output === 'string' ? raw.output : JSON.stringify(raw.output ?? ''),
            tool_call_id: raw.call_id,
          }),
        );
        return;
      default:
      // Reasoning and other output items carry nothing a LangChain agent reads back.
    }
  });
  return messages;
}

/** ChatAgent messages → LangChain messages. */
export function chatAgentToMessages(input: unknown): BaseMessage[] {
  if (!Array.isArray(input) || input.length === 0)
    throw badRequest('"messages" must be a non-empty list.');
  return input.map((raw, index) => {
    const path = `messages[${index}]`;
    if (!isRecord(raw)) throw badRequest(`${path} must be an object.`);
    const id = typeof raw.id === 'string' ? { id: raw.id } : {};
    switch (raw.role) {
      case 'user':
        return new HumanMessage({ content: textOf(raw.content), ...id });
      case 'system':
      case 'developer':
        return new SystemMessage({ content: textOf(raw.content), ...id });
      case 'assistant': {
        const calls = Array.isArray(raw.tool_calls) ? raw.tool_calls.filter(isRecord) : [];
        return new AIMessage({
          content: textOf(raw.content),
          ...id,
          tool_calls: calls.map((call) => {
            const fn = isRecord(call.function) ? call.function : {};
            let args: Record<string, unknown> = {};
            try {
              const parsed: unknown = JSON.parse(String(fn.arguments ?? '{}') || '{}');
              if (isRecord(parsed)) args = parsed;
            } catch {
              throw badRequest(`${path}: tool call arguments are not JSON.`);
            }
            return {
              id: String(call.id ?? ''),
              name: String(fn.name ?? ''),
              args,
              type: 'tool_call' as const,
            };
          }),
        });
      }
      case 'tool':
        if (typeof raw.tool_call_id !== 'string')
          throw badRequest(`${path}: a tool message needs "tool_call_id".`);
        return new ToolMessage({
          content: textOf(raw.content),
          tool_call_id: raw.tool_call_id,
          ...(typeof raw.name === 'string' ? { name: raw.name } : {}),
          ...id,
        });
      default:
        throw badRequest(`${path}.role must be user, system, assistant or tool.`);
    }
  });
}

const SCORING_FORMATS = ['dataframe_records', 'dataframe_split', 'instances', 'inputs'] as const;

/** Columns `{a: [..], b: [..]}` → rows `[{a, b}, ...]`. */
function columnsToRecords(columns: Json): Json[] {
  const names = Object.keys(columns);
  const length = Math.max(
    0,
    ...names.map((name) =>
      Array.isArray(columns[name]) ? (columns[name] as unknown[]).length : 1,
    ),
  );
  return Array.from({ length }, (_, row) =>
    Object.fromEntries(
      names.map((name) => [
        name,
        Array.isArray(columns[name]) ? (columns[name] as unknown[])[row] : columns[name],
      ]),
    ),
  );
}

/**
 * Reads a request for `/invocations` (all shapes) or `/responses` (Responses only). A body with
 * `input` is a ResponsesAgent request, one with `messages` a ChatAgent request, one with exactly
 * one of `dataframe_records`, `dataframe_split`, `instances`, `inputs` an MLflow scoring request.
 */
export function readRequest(
  body: unknown,
  route: 'invocations' | 'responses',
): AgentRequest | ScoringRequest {
  if (!isRecord(body)) throw badRequest('The request body must be a JSON object.');
  const options = optionalRecord(body.databricks_options, 'databricks_options');
  const common = {
    customInputs: optionalRecord(body.custom_inputs, 'custom_inputs'),
    context: contextOf(body.context),
    stream: body.stream === true,
    returnTrace: options?.return_trace === true,
  };
  if ('input' in body)
    return {
      protocol: 'responses',
      messages: responsesInputToMessages(body.input, body.instructions),
      ...common,
    };
  if (route === 'responses') throw badRequest('A Responses API request needs "input".');
  if ('messages' in body)
    return { protocol: 'chat-agent', messages: chatAgentToMessages(body.messages), ...common };
  const present = SCORING_FORMATS.filter((format) => format in body);
  const [format] = present;
  if (present.length !== 1 || format === undefined)
    throw badRequest(
      `Invalid input: expected "input" (Responses API), "messages" (ChatAgent), or exactly one of ${SCORING_FORMATS.join(', ')} (MLflow scoring); received fields ${Object.keys(body).join(', ') || '(none)'}.`,
    );
  const value = body[format];
  let records: unknown[];
  if (format === 'dataframe_split') {
    const split = isRecord(value) ? value : {};
    if (!Array.isArray(split.columns) || !Array.isArray(split.data))
      throw badRequest('dataframe_split needs "columns" and "data".');
    const columns = split.columns.map(String);
    records = split.data.map((row) =>
      Object.fromEntries(
        columns.map((column, index) => [column, Array.isArray(row) ? row[index] : undefined]),
      ),
    );
  } else if (Array.isArray(value)) records = value;
  else if (isRecord(value)) records = columnsToRecords(value);
  else throw badRequest(`${format} must be a list (or, for inputs, a record of columns).`);
  const params = optionalRecord(body.params, 'params');
  return { protocol: 'scoring', records, ...(params ? { params } : {}) };
}

// ---------------------------------------------------------------------------------------------
// Output

/** The text of a LangChain message's content. */
export function messageText(content: MessageContent): string {
  if (typeof content === 'string') return content;
  return content
    .map((block) => {
      if (typeof block === 'string') return block;
      const record = block as Json;
      return record.type === 'text' && typeof record.text === 'string' ? record.text : '';
    })
    .join('');
}

/** `msg_` / `fc_` item ids of at most 64 characters, as Databricks' clients expect. */
export function itemId(prefix: 'msg_' | 'fc_', id?: string): string {
  const base = id && id !== '' ? id : randomUUID().replace(/-/g, '');
  return (base.startsWith(prefix) ? base : `${prefix}${base}`).slice(0, 64);
}

export function messageItem(id: string, text: string): Json {
  return {
    type: 'message',
    id,
    role: 'assistant',
    status: 'completed',
    content: [{ type: 'output_text', text, annotations: [] }],
  };
}

export function functionCallItem(
  call: { id?: string; name: string; args: unknown },
  itemIdValue?: string,
): Json {
  return {
    type: 'function_call',
    id: itemIdValue ?? itemId('fc_', call.id),
    call_id: call.id ?? itemId('fc_'),
    name: call.name,
    arguments: typeof call.args === 'string' ? call.args : JSON.stringify(call.args ?? {}),
    status: 'completed',
  };
}

export function functionCallOutputItem(callId: string, output: string): Json {
  return { type: 'function_call_output', call_id: callId, output };
}

/** New LangChain messages (the agent's turn) → Responses output items. */
export function messagesToOutputItems(messages: BaseMessage[]): Json[] {
  const items: Json[] = [];
  for (const message of messages) {
    const type = message.getType();
    if (type === 'ai') {
      const ai = message as AIMessage;
      const text = messageText(ai.content);
      if (text !== '') items.push(messageItem(itemId('msg_', ai.id), text));
      for (const call of ai.tool_calls ?? []) items.push(functionCallItem(call));
    } else if (type === 'tool') {
      const tool = message as ToolMessage;
      items.push(functionCallOutputItem(tool.tool_call_id, messageText(tool.content)));
    }
  }
  return items;
}

/** New LangChain messages → ChatAgent messages (unique ids, tool messages named). */
export function messagesToChatAgent(messages: BaseMessage[]): Json[] {
  const names = new Map<string, string>();
  const out: Json[] = [];
  for (const message of messages) {
    const type = message.getType();
    const id = message.id && message.id !== '' ? message.id : randomUUID();
    if (type === 'ai') {
      const ai = message as AIMessage;
      const calls = (ai.tool_calls ?? []).map((call) => {
        if (call.id) names.set(call.id, call.name);
        return {
          id: call.id ?? randomUUID(),
          type: 'function',
          function: { name: call.name, arguments: JSON.stringify(call.args ?? {}) },
        };
      });
      out.push({
        role: 'assistant',
        content: messageText(ai.content),
        id,
        ...(calls.length > 0 ? { tool_calls: calls } : {}),
      });
    } else if (type === 'tool') {
      const tool = message as ToolMessage;
      out.push({
        role: 'tool',
        content: messageText(tool.content),
        name: tool.name ?? names.get(tool.tool_call_id) ?? 'tool',
        tool_call_id: tool.tool_call_id,
        id,
      });
    }
  }
  return out;
}

/** Usage of several model calls, summed, in the Responses API's shape. */
export function responsesUsage(usages: UsageMetadata[]): Json | undefined {
  if (usages.length === 0) return undefined;
  const input = usages.reduce((sum, usage) => sum + (usage.input_tokens ?? 0), 0);
  const output = usages.reduce((sum, usage) => sum + (usage.output_tokens ?? 0), 0);
  const cached = usages.reduce(
    (sum, usage) => sum + (usage.input_token_details?.cache_read ?? 0),
    0,
  );
  const reasoning = usages.reduce(
    (sum, usage) => sum + (usage.output_token_details?.reasoning ?? 0),
    0,
  );
  return {
    input_tokens: input,
    output_tokens: output,
    total_tokens: input + output,
    input_tokens_details: { cached_tokens: cached },
    output_tokens_details: { reasoning_tokens: reasoning },
  };
}
