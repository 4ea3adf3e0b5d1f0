/**
 * The event streams of a Responses answer: OpenAI's full sequence (`response.created`, each
 * item's `output_item.added`, text, reasoning and argument deltas, `output_item.done`, then
 * `response.completed` or `response.incomplete`, every event numbered), or the shorter one MLflow
 * ResponsesAgents send (text deltas, then each item once it is done).
 */
import { contentText, splitIn, splitWords } from './scripted_wire.js';

type Json = Record<string, unknown>;

/** OpenAI's event sequence for a response, numbered. */
export function openAiEvents(response: Json, items: Json[]): Json[] {
  const events: Json[] = [];
  const started = { ...response, status: 'in_progress', output: [], usage: null };
  events.push({ type: 'response.created', response: started });
  events.push({ type: 'response.in_progress', response: started });
  items.forEach((item, outputIndex) => {
    switch (item.type) {
      case 'message': {
        const text = contentText(item.content);
        events.push({
          type: 'response.output_item.added',
          output_index: outputIndex,
          item: { ...item, status: 'in_progress', content: [] },
        });
        events.push({
          type: 'response.content_part.added',
          item_id: item.id,
          output_index: outputIndex,
          content_index: 0,
          part: { type: 'output_text', text: '', annotations: [] },
        });
        for (const delta of splitWords(text))
          events.push({
            type: 'response.output_text.delta',
            item_id: item.id,
            output_index: outputIndex,
            content_index: 0,
            delta,
          });
        events.push({
          type: 'response.output_text.done',
          item_id: item.id,
          output_index: outputIndex,
          content_index: 0,
          text,
        });
        events.push({
          type: 'response.content_part.done',
          item_id: item.id,
          output_index: outputIndex,
          content_index: 0,
          part: { type: 'output_text', text, annotations: [] },
        });
        break;
      }
      case 'reasoning': {
        const text = contentText(item.summary);
        events.push({
          type: 'response.output_item.added',
          output_index: outputIndex,
          item: { ...item, summary: [] },
        });
        for (const delta of splitWords(text))
          events.push({
            type: 'response.reasoning_summary_text.delta',
            item_id: item.id,
            output_index: outputIndex,
            summary_index: 0,
            delta,
          });
        break;
      }
      case 'function_call': {
        const args = String(item.arguments);
        events.push({
          type: 'response.output_item.added',
          output_index: outputIndex,
          item: { ...item, arguments: '', status: 'in_progress' },
        });
        for (const delta of splitIn(args, 3))
          events.push({
            type: 'response.function_call_arguments.delta',
            item_id: item.id,
            output_index: outputIndex,
            delta,
          });
        events.push({
          type: 'response.function_call_arguments.done',
          item_id: item.id,
          output_index: outputIndex,
          arguments: args,
        });
        break;
      }
      default:
        events.push({ type: 'response.output_item.added', output_index: outputIndex, item });
    }
    events.push({ type: 'response.output_item.done', output_index: outputIndex, item });
  });
  events.push({
    type: response.status === 'incomplete' ? 'response.incomplete' : 'response.completed',
    response,
  });
  return events.map((event, index) => ({ ...event, sequence_number: index }));
}

/** What an MLflow ResponsesAgent streams: text deltas, then each item once it is done. */
export function mlflowEvents(items: Json[], customOutputs?: Record<string, unknown>): Json[] {
  const events: Json[] = [];
  for (const item of items) {
    if (item.type === 'message')
      for (const delta of splitWords(contentText(item.content)))
        events.push({ type: 'response.output_text.delta', item_id: item.id, delta });
    events.push({ type: 'response.output_item.done', item });
  }
  const last = events[events.length - 1];
  if (last && customOutputs) last.custom_outputs = customOutputs;
  return events;
}
