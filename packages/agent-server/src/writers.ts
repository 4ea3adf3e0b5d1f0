/**
 * What the agent did (runner events) in each protocol's stream: OpenAI Responses events (what
 * `databricks-openai`, `ChatDatabricks(use_responses_api=True)` and `@lakechain/databricks-llm`
 * read), or ChatAgent `{delta}` chunks.
 */
import { randomUUID } from 'node:crypto';
import type { AIMessage, ToolMessage, UsageMetadata } from '@langchain/core/messages';
import {
  functionCallItem,
  functionCallOutputItem,
  itemId,
  messageItem,
  messageText,
  responsesUsage,
} from './protocol.js';
import type { RunEvent, RunResult } from './runner.js';

type Json = Record<string, unknown>;

interface OpenMessage {
  id: string;
  index: number;
  text: string;
}

/** Responses stream events for one response, numbered, with the output items kept in order. */
export class ResponsesEventWriter {
  readonly responseId = `resp_${randomUUID().replace(/-/g, '')}`;
  readonly createdAt = Math.floor(Date.now() / 1000);
  readonly #model: string;
  readonly #items: Json[] = [];
  readonly #open = new Map<string, OpenMessage>();
  readonly #usages: UsageMetadata[] = [];
  #sequence = 0;

  constructor(model: string) {
    this.#model = model;
  }

  #event(fields: Json): Json {
    return { ...fields, sequence_number: this.#sequence++ };
  }

  #response(status: string, extra: Json = {}): Json {
    return {
      id: this.responseId,
      object: 'response',
      created_at: this.createdAt,
      status,
      error: null,
      model: this.#model,
      output: status === 'in_progress' ? [] : this.#items,
      ...extra,
    };
  }

  created(): Json[] {
    return [this.#event({ type: 'response.created', response: this.#response('in_progress') })];
  }

  handle(event: RunEvent): Json[] {
    switch (event.type) {
      case 'text':
        return this.#text(event.runId, event.delta);
      case 'model_end':
        return this.#modelEnd(event.runId, event.message);
      case 'tool_end':
        return this.#toolEnd(event.message);
      case 'final':
        return [];
    }
  }

  #text(runId: string, delta: string): Json[] {
    const events: Json[] = [];
    let open = this.#open.get(runId);
    if (!open) {
      open = { id: itemId('msg_'), index: this.#items.length, text: '' };
      this.#open.set(runId, open);
      const item = {
        type: 'message',
        id: open.id,
        role: 'assistant',
        status: 'in_progress',
        content: [],
      };
      this.#items.push(item);
      events.push(
        this.#event({ type: 'response.output_item.added', output_index: open.index, item }),
      );
    }
    open.text += delta;
    events.push(
      this.#event({
        type: 'response.output_text.delta',
        item_id: open.id,
        output_index: open.index,
        content_index: 0,
        delta,
      }),
    );
    return events;
  }

  #modelEnd(runId: string, message: AIMessage): Json[] {
    const events: Json[] = [];
    if (message.usage_metadata) this.#usages.push(message.usage_metadata);
    const open = this.#open.get(runId);
    const text = open?.text || messageText(message.content);
    if (open || text !== '') {
      const id = open?.id ?? itemId('msg_');
      const index = open?.index ?? this.#items.length;
      const item = messageItem(id, text);
      if (!open) {
        this.#items.push(item);
        events.push(
          this.#event({
            type: 'response.output_item.added',
            output_index: index,
            item: { ...item, content: [] },
          }),
        );
        events.push(
          this.#event({
            type: 'response.output_text.delta',
            item_id: id,
            output_index: index,
            content_index: 0,
            delta: text,
          }),
        );
      } else this.#items[index] = item;
      events.push(
        this.#event({
          type: 'response.output_text.done',
          item_id: id,
          output_index: index,
          content_index: 0,
          text,
        }),
      );
      events.push(this.#event({ type: 'response.output_item.done', output_index: index, item }));
    }
    this.#open.delete(runId);
    for (const call of message.tool_calls ?? []) {
      const item = functionCallItem(call);
      const index = this.#items.length;
      this.#items.push(item);
      events.push(
        this.#event({
          type: 'response.output_item.added',
          output_index: index,
          item: { ...item, arguments: '', status: 'in_progress' },
        }),
      );
      events.push(
        this.#event({
          type: 'response.function_call_arguments.delta',
          item_id: item.id,
          output_index: index,
          delta: item.arguments,
        }),
      );
      events.push(
        this.#event({
          type: 'response.function_call_arguments.done',
          item_id: item.id,
          output_index: index,
          arguments: item.arguments,
        }),
      );
      events.push(this.#event({ type: 'response.output_item.done', output_index: index, item }));
    }
    return events;
  }

  #toolEnd(message: ToolMessage): Json[] {
    const item = functionCallOutputItem(message.tool_call_id, messageText(message.content));
    const index = this.#items.length;
    this.#items.push(item);
    return [
      this.#event({ type: 'response.output_item.added', output_index: index, item }),
      this.#event({ type: 'response.output_item.done', output_index: index, item }),
    ];
  }

  /** `response.completed`: every item, the usage of every model call, `custom_outputs`. */
  completed(result: RunResult, extra: Json = {}): Json[] {
    const usage = responsesUsage(this.#usages.length > 0 ? this.#usages : result.usages);
    const response = this.#response('completed', {
      ...(usage ? { usage } : {}),
      ...(result.customOutputs ? { custom_outputs: result.customOutputs } : {}),
      ...extra,
    });
    return [
      this.#event({
        type: 'response.completed',
        response,
        ...(result.customOutputs ? { custom_outputs: result.customOutputs } : {}),
      }),
    ];
  }
}

/** ChatAgent `{delta}` chunks: one message id per model call and per tool result. */
export class ChatAgentChunkWriter {
  readonly #ids = new Map<string, string>();
  #lastId?: string;

  #idFor(runId: string): string {
    let id = this.#ids.get(runId);
    if (!id) {
      id = randomUUID();
      this.#ids.set(runId, id);
    }
    this.#lastId = id;
    return id;
  }

  handle(event: RunEvent): Json[] {
    switch (event.type) {
      case 'text':
        return [
          { delta: { role: 'assistant', content: event.delta, id: this.#idFor(event.runId) } },
        ];
      case 'model_end': {
        const streamed = this.#ids.has(event.runId);
        const id = this.#idFor(event.runId);
        const calls = (event.message.tool_calls ?? []).map((call) => ({
          id: call.id ?? randomUUID(),
          type: 'function',
          function: { name: call.name, arguments: JSON.stringify(call.args ?? {}) },
        }));
        const text = streamed ? '' : messageText(event.message.content);
        if (text === '' && calls.length === 0) return [];
        return [
          {
            delta: {
              role: 'assistant',
              content: text,
              id,
              ...(calls.length > 0 ? { tool_calls: calls } : {}),
            },
          },
        ];
      }
      case 'tool_end': {
        const id = randomUUID();
        this.#lastId = id;
        return [
          {
            delta: {
              role: 'tool',
              content: messageText(event.message.content),
              name: event.message.name ?? 'tool',
              tool_call_id: event.message.tool_call_id,
              id,
            },
          },
        ];
      }
      case 'final':
        return [];
    }
  }

  /** The closing chunk: finish reason, usage, `custom_outputs`. */
  finish(result: RunResult): Json {
    const usage = responsesUsage(result.usages);
    return {
      delta: { role: 'assistant', content: '', id: this.#lastId ?? randomUUID() },
      finish_reason: 'stop',
      ...(result.customOutputs ? { custom_outputs: result.customOutputs } : {}),
      ...(usage
        ? {
            usage: {
              prompt_tokens: usage.input_tokens,
              completion_tokens: usage.output_tokens,
              total_tokens: usage.total_tokens,
            },
          }
        : {}),
    };
  }
}
