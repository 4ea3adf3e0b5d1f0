/**
 * What `llamaChat` and `llamaResponses` share: a chat request read into node-llama-cpp's chat
 * history with the model's own template (tools as native functions, or a grammar for forced calls
 * and structured output), and one generation on the runtime's sequence.
 */
import type { ChatHistoryItem, ChatModelFunctionCall, ChatModelFunctions } from 'node-llama-cpp';
import { ServingError } from '../reply.js';
import { contentText } from '../scripted_wire.js';
import type { ChatMessageInput, ServingHandler } from '../types.js';
import { asObject, type Json, nextId, rejectN, sampling } from './common.js';
import type {
  LlamaBackendOptions,
  LlamaGenerationRecord,
  LlamaLoaded,
  LlamaRuntime,
} from './runtime.js';
import { toGrammarSchema, toolCallSchema } from './schema.js';

/** A serving handler backed by a local model, with its runtime for preloading and stats. */
export type LlamaServingHandler = ServingHandler & {
  /** Loads the model now (e.g. behind a spinner) instead of on the first request. */
  load(): Promise<void>;
  /** Frees the model; it loads again on the next request. */
  dispose(): Promise<void>;
  /** The last generations (prompt and completion tokens, stop reason, timings). */
  readonly generations: readonly LlamaGenerationRecord[];
};

/** The handler with its runtime's `load`, `dispose` and `generations` (what makes it a LlamaServingHandler). */
export function withLlamaRuntime(
  handler: ServingHandler,
  runtime: LlamaRuntime,
  what: string,
): LlamaServingHandler {
  return Object.defineProperties(handler, {
    load: {
      value: async () => {
        await runtime.load(what);
      },
    },
    dispose: { value: () => runtime.dispose() },
    generations: { get: () => runtime.generations, enumerable: true },
  }) as LlamaServingHandler;
}

interface ToolDefinition {
  name: string;
  description?: string;
  parameters?: unknown;
}

type ToolMode =
  | { kind: 'none' }
  | { kind: 'auto'; tools: ToolDefinition[] }
  | { kind: 'forced'; tools: ToolDefinition[] };

function parseTools(body: Json): ToolMode {
  const tools: ToolDefinition[] = (Array.isArray(body.tools) ? body.tools : [])
    .map((tool) => asObject(asObject(tool).function))
    .filter((fn) => typeof fn.name === 'string')
    .map((fn) => ({
      name: fn.name as string,
      ...(typeof fn.description === 'string' ? { description: fn.description } : {}),
      ...(fn.parameters !== undefined ? { parameters: fn.parameters } : {}),
    }));
  if (tools.length === 0) return { kind: 'none' };
  const choice = body.tool_choice ?? 'auto';
  if (choice === 'none') return { kind: 'none' };
  if (choice === 'required') return { kind: 'forced', tools };
  if (typeof choice === 'object' && choice !== null) {
    const name = asObject(asObject(choice).function).name;
    const tool = tools.find((candidate) => candidate.name === name);
    if (!tool) throw new ServingError(400, 'BAD_REQUEST', `tool_choice: no tool named ${name}`);
    return { kind: 'forced', tools: [tool] };
  }
  return { kind: 'auto', tools };
}

function toolInstructions(tools: ToolDefinition[]): string {
  const lines = tools.map(
    (tool) =>
      `- ${tool.name}${tool.description ? `: ${tool.description}` : ''}\n  arguments (JSON schema): ${JSON.stringify(tool.parameters ?? { type: 'object', properties: {} })}`,
  );
  return [
    tools.length === 1 ? `Call the tool "${tools[0]?.name}".` : 'Call exactly one of these tools.',
    'Answer only with a JSON object {"name": <tool name>, "arguments": <arguments object>}.',
    'Tools:',
    ...lines,
  ].join('\n');
}

function parseArguments(text: unknown): unknown {
  if (typeof text !== 'string') return text ?? {};
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

/** OpenAI messages to node-llama-cpp's chat history (tool calls become function calls). */
export function toChatHistory(
  messages: ChatMessageInput[],
  extraSystem?: string,
): ChatHistoryItem[] {
  const history: ChatHistoryItem[] = [];
  const calls = new Map<string, ChatModelFunctionCall>();
  if (extraSystem) history.push({ type: 'system', text: extraSystem });
  for (const message of messages) {
    const text = contentText(message.content);
    switch (message.role) {
      case 'system':
      case 'developer':
        history.push({ type: 'system', text });
        break;
      case 'assistant': {
        const response: (string | ChatModelFunctionCall)[] = text ? [text] : [];
        for (const raw of Array.isArray(message.tool_calls) ? message.tool_calls : []) {
          const call = asObject(raw);
          const fn = asObject(call.function);
          const item: ChatModelFunctionCall = {
            type: 'functionCall',
            name: String(fn.name ?? ''),
            params: parseArguments(fn.arguments),
            result: '',
          };
          if (typeof call.id === 'string') calls.set(call.id, item);
          response.push(item);
        }
        history.push({ type: 'model', response });
        break;
      }
      case 'tool': {
        const call = message.tool_call_id ? calls.get(message.tool_call_id) : undefined;
        if (call) call.result = text;
        else history.push({ type: 'user', text: `Tool result: ${text}` });
        break;
      }
      default:
        history.push({ type: 'user', text });
    }
  }
  history.push({ type: 'model', response: [] });
  return history;
}

export interface PreparedChat {
  loaded: LlamaLoaded;
  history: ChatHistoryItem[];
  tools: ToolMode;
  functions?: ChatModelFunctions;
  grammar?: Awaited<ReturnType<LlamaRuntime['grammarFor']>>;
  promptTokens: number;
  sampling: ReturnType<typeof sampling>;
}

export async function prepare(
  runtime: LlamaRuntime,
  options: LlamaBackendOptions,
  body: Json,
): Promise<PreparedChat> {
  rejectN(body);
  const messages = (Array.isArray(body.messages) ? body.messages : []) as ChatMessageInput[];
  if (messages.length === 0)
    throw new ServingError(400, 'BAD_REQUEST', 'messages must be a non-empty list');
  const loaded = await runtime.load('llamaChat');
  const format = asObject(body.response_format);
  let tools = parseTools(body);
  let grammar: PreparedChat['grammar'];
  if (format.type === 'json_schema') {
    grammar = await runtime.grammarFor(asObject(format.json_schema).schema ?? {});
    tools = { kind: 'none' }; // the schema decides the output
  } else if (format.type === 'json_object') {
    grammar = await runtime.grammarFor(null);
    tools = { kind: 'none' };
  } else if (tools.kind === 'forced') {
    grammar = await runtime.grammarFor(toolCallSchema(tools.tools));
  }
  const history = toChatHistory(
    messages,
    tools.kind === 'forced' ? toolInstructions(tools.tools) : undefined,
  );
  const functions =
    tools.kind === 'auto'
      ? Object.fromEntries(
          tools.tools.map((tool) => [
            tool.name,
            {
              ...(tool.description ? { description: tool.description } : {}),
              params: toGrammarSchema(tool.parameters ?? { type: 'object', properties: {} }),
            },
          ]),
        )
      : undefined;
  const state = loaded.chatWrapper.generateContextState({
    chatHistory: history,
    ...(functions
      ? { availableFunctions: functions as ChatModelFunctions, documentFunctionParams: true }
      : {}),
  });
  const promptTokens = state.contextText.tokenize(loaded.model.tokenizer).length;
  return {
    loaded,
    history,
    tools,
    ...(functions ? { functions: functions as ChatModelFunctions } : {}),
    ...(grammar ? { grammar } : {}),
    promptTokens,
    sampling: sampling(body, options, promptTokens, loaded.contextSize),
  };
}

export interface ChatOutcome {
  content: string;
  toolCalls: { id: string; name: string; arguments: string }[];
  completionTokens: number;
  stopReason: string;
}

export async function generate(
  runtime: LlamaRuntime,
  prepared: PreparedChat,
  signal: AbortSignal,
  onText?: (text: string) => void,
): Promise<ChatOutcome> {
  const queuedAt = Date.now();
  return runtime.enqueue(signal, async ({ module, sequence, chatWrapper }) => {
    const startedAt = Date.now();
    const chat = new module.LlamaChat({
      contextSequence: sequence,
      chatWrapper,
      autoDisposeSequence: false,
    });
    let completionTokens = 0;
    try {
      const forced = prepared.tools.kind === 'forced';
      const common = {
        ...prepared.sampling,
        signal,
        stopOnAbortSignal: true,
        onToken: (tokens: readonly unknown[]) => {
          completionTokens += tokens.length;
        },
        ...(onText && !forced ? { onTextChunk: onText } : {}),
      };
      const result = prepared.functions
        ? await chat.generateResponse(prepared.history, {
            ...common,
            functions: prepared.functions,
            documentFunctionParams: true,
          })
        : await chat.generateResponse(prepared.history, {
            ...common,
            ...(prepared.grammar ? { grammar: prepared.grammar } : {}),
          });
      const stopReason = result.metadata.stopReason;
      const toolCalls: ChatOutcome['toolCalls'] = [];
      let content = result.response;
      if (forced && stopReason !== 'maxTokens' && stopReason !== 'abort') {
        const call = asObject(parseArguments(content));
        toolCalls.push({
          id: nextId('call'),
          name: String(call.name),
          arguments: JSON.stringify(call.arguments ?? {}),
        });
        content = '';
      }
      for (const call of result.functionCalls ?? [])
        toolCalls.push({
          id: nextId('call'),
          name: call.functionName,
          arguments: JSON.stringify(call.params ?? {}),
        });
      runtime.record({
        api: 'chat',
        promptTokens: prepared.promptTokens,
        completionTokens,
        stopReason,
        startedAt,
        queuedMs: startedAt - queuedAt,
        generationMs: Date.now() - startedAt,
      });
      return { content, toolCalls, completionTokens, stopReason };
    } finally {
      chat.dispose({ disposeSequence: false });
    }
  });
}
