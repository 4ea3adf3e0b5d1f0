/** Endpoints the serving tests share: scripted chat, tools, completions, embeddings, custom. */
import {
  echoChat,
  scriptedChat,
  scriptedCompletions,
  scriptedCustomModel,
  scriptedEmbeddings,
} from './scripted.js';
import type { ServingEndpointDefinition } from './types.js';

const weather = scriptedChat((messages) => {
  const last = messages.at(-1);
  if (last?.role === 'tool') return `It is ${String(last.content)} in Paris.`;
  return { toolCalls: [{ name: 'get_weather', arguments: { city: 'Paris', unit: 'celsius' } }] };
});

export const endpoints: ServingEndpointDefinition[] = [
  {
    name: 'chat',
    task: 'llm/v1/chat',
    model: 'databricks-meta-llama-3-3-70b-instruct',
    handler: scriptedChat((messages) => `Hello there, ${messages.length} messages received.`),
  },
  { name: 'weather', task: 'llm/v1/chat', handler: weather },
  {
    name: 'claude',
    task: 'llm/v1/chat',
    handler: scriptedChat(() => 'Partial usage on every chunk.', { usageStyle: 'claude' }),
  },
  {
    name: 'gpt',
    task: 'llm/v1/chat',
    endpointType: 'EXTERNAL_MODEL',
    model: 'gpt-4o-mini',
    handler: echoChat(),
  },
  {
    name: 'complete',
    task: 'llm/v1/completions',
    handler: scriptedCompletions((prompt) => `${prompt} and then some`),
  },
  {
    name: 'embed',
    task: 'llm/v1/embeddings',
    handler: scriptedEmbeddings({ dimensions: 16, maxInputs: 3 }),
  },
  {
    name: 'dolly',
    task: 'custom',
    model: 'main.default.dolly',
    handler: scriptedCustomModel((rows) =>
      (rows as { prompt: string }[]).map((row) => `Dolly says: ${row.prompt}`),
    ),
  },
];
