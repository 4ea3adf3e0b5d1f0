/** Built-in serving backends running a local GGUF model with node-llama-cpp (optional peer). */
export { type LlamaServingHandler, llamaChat, toChatHistory } from './chat.js';
export { llamaCompletions } from './completions.js';
export {
  type LlamaEmbeddingsHandler,
  type LlamaEmbeddingsOptions,
  llamaEmbeddings,
} from './embeddings.js';
export { llamaResponses } from './responses.js';
export {
  disposeLlamaRuntimes,
  type LlamaBackendOptions,
  type LlamaGenerationRecord,
  LlamaRuntime,
} from './runtime.js';
export { toGrammarSchema } from './schema.js';
