/**
 * Calls the served runnable the way its kind expects, and reports what it did as one vocabulary
 * for every protocol: text tokens of the agent's model calls, each finished model call (its text,
 * tool calls and usage), each tool result, and the final result (the new messages of the turn).
 *
 * Kinds (`inputStyle`):
 * - `messages-state`: an agent or graph over a messages state (`createAgent` from `langchain`, a
 *   LangGraph graph with `messages`): input `{messages}`, output the state; the turn is the
 *   messages after the last one sent.
 * - `messages`: a runnable from messages to a message (a chat model, `prompt.pipe(model)` with a
 *   messages placeholder): input the messages, output one AIMessage.
 * - `chain`: any other runnable: input `{[inputKey]: <last user text>, messages}`, output a string,
 *   a message or an object (sent as JSON text).
 */
import { randomUUID } from 'node:crypto';
import type { CallbackHandlerMethods } from '@langchain/core/callbacks/base';
import {
  AIMessage,
  AIMessageChunk,
  type BaseMessage,
  type ToolMessage,
  type UsageMetadata,
} from '@langchain/core/messages';
import type { RunnableConfig } from '@langchain/core/runnables';
import { type AgentRequest, isRecord, messageText } from './protocol.js';

type Json = Record<string, unknown>;

export type InputStyle = 'messages-state' | 'messages' | 'chain';

/** What can be served: a LangChain Runnable, a `createAgent` agent or a compiled LangGraph graph. */
export interface ServableAgent {
  invoke(input: never, config?: never): Promise<unknown>;
  stream?(input: never, config?: never): Promise<AsyncIterable<unknown>>;
  streamEvents?(input: never, config: never): AsyncIterable<unknown>;
  getName?(): string;
  name?: string;
}

/** What one turn produced. */
export interface RunResult {
  /** The agent's new messages, in order (AI messages with tool calls, tool messages). */
  messages: BaseMessage[];
  /** `custom_outputs` the agent returned (a `custom_outputs` key of its output). */
  customOutputs?: Json;
  usages: UsageMetadata[];
}

export type RunEvent =
  /** A token of the model call `runId`. */
  | { type: 'text'; runId: string; delta: string }
  /** A finished model call: its whole message (text, tool calls, usage). */
  | { type: 'model_end'; runId: string; message: AIMessage }
  /** A tool the agent ran, and its result. */
  | { type: 'tool_end'; message: ToolMessage }
  | { type: 'final'; result: RunResult };

/** Which kind a runnable is (see the module comment). */
export function detectInputStyle(agent: ServableAgent): InputStyle {
  const record = agent as unknown as Json;
  // `createAgent` (a ReactAgent: its compiled graph is `graph`), or a compiled LangGraph graph.
  if (isRecord(record.options) && 'graph' in record) return 'messages-state';
  if ('channels' in record && 'nodes' in record && typeof record.getGraphAsync === 'function')
    return 'messages-state';
  const modelType = record._modelType;
  if (
    typeof modelType === 'function' &&
    (modelType as () => string).call(agent) === 'base_chat_model'
  )
    return 'messages';
  return 'chain';
}

function lastUserText(messages: BaseMessage[]): string {
  for (let index = messages.length - 1; index >= 0; index--) {
    const message = messages[index] as BaseMessage;
    if (message.getType() === 'human') return messageText(message.content);
  }
  return '';
}

function asAIMessage(value: unknown): AIMessage {
  if (AIMessage.isInstance(value)) return value;
  if (AIMessageChunk.isInstance(value))
    return new AIMessage({
      content: value.content,
      id: value.id,
      tool_calls: value.tool_calls,
      invalid_tool_calls: value.invalid_tool_calls,
      usage_metadata: value.usage_metadata,
      response_metadata: value.response_metadata,
      additional_kwargs: value.additional_kwargs,
    });
  if (typeof value === 'string') return new AIMessage(value);
  if (isRecord(value) && (value.lc_kwargs !== undefined || typeof value.getType === 'function'))
    return new AIMessage(messageText((value as unknown as BaseMessage).content));
  return new AIMessage(JSON.stringify(value ?? null));
}

function isMessage(value: unknown): value is BaseMessage {
  return isRecord(value) && typeof (value as { getType?: unknown }).getType === 'function';
}

function customOutputsOf(output: unknown): Json | undefined {
  return isRecord(output) && isRecord(output.custom_outputs) ? output.custom_outputs : undefined;
}

function usagesOf(messages: BaseMessage[]): UsageMetadata[] {
  const usages: UsageMetadata[] = [];
  for (const message of messages)
    if (message.getType() === 'ai' && (message as AIMessage).usage_metadata)
      usages.push((message as AIMessage).usage_metadata as UsageMetadata);
  return usages;
}

export interface RunnerOptions {
  inputStyle?: InputStyle | 'auto';
  /** `chain` style: the input variable the last user message goes to. Default `input`. */
  inputKey?: string;
}

export class AgentRunner {
  readonly agent: ServableAgent;
  readonly style: InputStyle;
  readonly inputKey: string;

  constructor(agent: ServableAgent, options: RunnerOptions = {}) {
    this.agent = agent;
    this.style =
      options.inputStyle && options.inputStyle !== 'auto'
        ? options.inputStyle
        : detectInputStyle(agent);
    this.inputKey = options.inputKey ?? 'input';
  }

  /** The runnable's name, for traces and `/agent/info`. */
  get name(): string {
    const named = this.agent.getName?.() ?? this.agent.name;
    return typeof named === 'string' && named !== '' ? named : 'agent';
  }

  /** The request's messages with ids, so the turn can be told from them in the output state. */
  #input(messages: BaseMessage[]): { input: unknown; ids: Set<string> } {
    const ids = new Set<string>();
    for (const message of messages) {
      if (!message.id) message.id = randomUUID();
      ids.add(message.id);
    }
    switch (this.style) {
      case 'messages-state':
        return { input: { messages }, ids };
      case 'messages':
        return { input: messages, ids };
      case 'chain':
        return { input: { [this.inputKey]: lastUserText(messages), messages }, ids };
    }
  }

  /** The turn in an output: the messages after the last one sent, or the output as a message. */
  #result(output: unknown, ids: Set<string>): RunResult {
    let messages: BaseMessage[];
    if (isRecord(output) && Array.isArray(output.messages)) {
      const all = output.messages.filter(isMessage);
      let last = -1;
      all.forEach((message, index) => {
        if (message.id && ids.has(message.id)) last = index;
      });
      messages = all.slice(last + 1);
    } else if (isMessage(output) && output.getType() !== 'ai')
      messages = [new AIMessage(messageText(output.content))];
    else messages = [asAIMessage(output)];
    const customOutputs = customOutputsOf(output);
    return { messages, usages: usagesOf(messages), ...(customOutputs ? { customOutputs } : {}) };
  }

  /** One turn, whole. */
  async invoke(request: AgentRequest, config: RunnableConfig): Promise<RunResult> {
    const { input, ids } = this.#input(request.messages);
    const output = await this.agent.invoke(input as never, config as never);
    return this.#result(output, ids);
  }

  /** One MLflow scoring row through the runnable (plain chains); the prediction is its output. */
  async score(record: unknown, config: RunnableConfig): Promise<unknown> {
    const output = await this.agent.invoke(record as never, config as never);
    if (isMessage(output)) return messageText(output.content);
    return output;
  }

  /** One turn, as it happens. The last event is `final`. */
  async *stream(request: AgentRequest, config: RunnableConfig): AsyncGenerator<RunEvent> {
    const { input, ids } = this.#input(request.messages);
    // A chain, or a chat model (its own stream is its tokens, without streamEvents' machinery,
    // which costs milliseconds before the first event).
    if (this.style !== 'messages-state' || typeof this.agent.streamEvents !== 'function') {
      yield* this.#streamChain(input, ids, config);
      return;
    }
    // Model calls made inside a tool (a tool that asks a model) are not the agent's turn.
    const toolRuns = new Set<string>();
    const nested = (event: Json) =>
      Array.isArray(event.parent_ids) && event.parent_ids.some((id) => toolRuns.has(String(id)));
    let final: unknown;
    let rootId: string | undefined;
    const seen: BaseMessage[] = [];
    const events = this.agent.streamEvents(input as never, { ...config, version: 'v2' } as never);
    for await (const raw of events) {
      if (!isRecord(raw)) continue;
      const event = raw;
      const runId = String(event.run_id ?? '');
      const data = isRecord(event.data) ? event.data : {};
      if (rootId === undefined) rootId = runId;
      switch (event.event) {
        case 'on_tool_start':
          toolRuns.add(runId);
          break;
        case 'on_chat_model_stream': {
          if (nested(event)) break;
          const chunk = data.chunk;
          const text = AIMessageChunk.isInstance(chunk) ? chunk.text : '';
          if (text !== '') yield { type: 'text', runId, delta: text };
          break;
        }
        case 'on_chat_model_end': {
          if (nested(event)) break;
          const message = asAIMessage(data.output);
          seen.push(message);
          yield { type: 'model_end', runId, message };
          break;
        }
        case 'on_tool_end': {
          if (nested(event)) break;
          const output = data.output;
          if (isMessage(output) && output.getType() === 'tool') {
            seen.push(output);
            yield { type: 'tool_end', message: output as ToolMessage };
          }
          break;
        }
        case 'on_chain_end':
          if (runId === rootId) final = data.output;
          break;
      }
    }
    const result = isRecord(final)
      ? this.#result(final, ids)
      : { messages: seen, usages: usagesOf(seen) };
    yield { type: 'final', result };
  }

  /** A chain's own stream: strings and message chunks are text; anything else is the output. */
  async *#streamChain(
    input: unknown,
    ids: Set<string>,
    config: RunnableConfig,
  ): AsyncGenerator<RunEvent> {
    const runId = randomUUID();
    if (typeof this.agent.stream !== 'function') {
      const output = await this.agent.invoke(input as never, config as never);
      yield { type: 'final', result: this.#result(output, ids) };
      return;
    }
    let text = '';
    let merged: AIMessageChunk | undefined;
    let last: unknown;
    let textOnly = true;
    for await (const chunk of await this.agent.stream(input as never, config as never)) {
      if (typeof chunk === 'string') {
        text += chunk;
        if (chunk !== '') yield { type: 'text', runId, delta: chunk };
      } else if (AIMessageChunk.isInstance(chunk)) {
        merged = merged ? merged.concat(chunk) : chunk;
        if (chunk.text !== '') yield { type: 'text', runId, delta: chunk.text };
      } else {
        textOnly = false;
        last = chunk;
      }
    }
    const output = merged ?? (textOnly ? text : last);
    const result = this.#result(output, ids);
    const [message] = result.messages;
    if (message && message.getType() === 'ai')
      yield { type: 'model_end', runId, message: message as AIMessage };
    yield { type: 'final', result };
  }
}

/** `custom_inputs` and `context` as a runnable config: what the agent reads them from. */
export function configFor(
  request: { customInputs?: Json; context?: { conversation_id?: string; user_id?: string } },
  extra: { callbacks?: CallbackHandlerMethods[]; signal?: AbortSignal; runName?: string },
): RunnableConfig {
  const config: RunnableConfig = {};
  if (request.customInputs)
    // Top-level keys too: a LangGraph checkpointer reads `configurable.thread_id`.
    config.configurable = { ...request.customInputs, custom_inputs: request.customInputs };
  const metadata: Json = {};
  if (request.context?.conversation_id) metadata.conversation_id = request.context.conversation_id;
  if (request.context?.user_id) metadata.user_id = request.context.user_id;
  if (Object.keys(metadata).length > 0) config.metadata = metadata;
  if (extra.callbacks) config.callbacks = extra.callbacks as RunnableConfig['callbacks'];
  if (extra.signal) config.signal = extra.signal;
  if (extra.runName) config.runName = extra.runName;
  return config;
}
