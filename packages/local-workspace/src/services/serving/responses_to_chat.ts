/**
 * A Responses API request read as a chat-completions request, so that chat scripts
 * (`scriptedChat`) and local chat models answer the Responses API too: input items become
 * messages (function calls and their outputs as tool calls and tool results), tools and the
 * text format become chat tools and a response format.
 */
import { asObject, contentText } from './scripted_wire.js';
import type { ChatMessageInput } from './types.js';

type Json = Record<string, unknown>;

/** The input as a list of items (`input` may be a string). */
export function responsesInputItems(body: Json): Json[] {
  if (typeof body.input === 'string') return [{ role: 'user', content: body.input }];
  return Array.isArray(body.input) ? body.input.map(asObject) : [];
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
