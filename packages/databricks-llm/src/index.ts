// Public API of @lakechain/databricks-llm: an explicit list.
export { DatabricksCaller, DEFAULT_MODEL_MAX_RETRIES, MODEL_RETRY_DEADLINE_MS } from './caller.js';
export {
  ChatDatabricks,
  type ChatDatabricksCallOptions,
  type ChatDatabricksInput,
  type DatabricksResponseFormat,
} from './chat_models.js';
export {
  DatabricksEmbeddings,
  type DatabricksEmbeddingsInput,
  DEFAULT_EMBEDDINGS_BATCH_SIZE,
  MAX_EMBEDDINGS_BATCH_SIZE,
} from './embeddings.js';
export {
  DatabricksContentBlockError,
  databricksFailedAttemptHandler,
  DatabricksServingError,
  type ServingErrorKind,
} from './errors.js';
export {
  Databricks,
  type DatabricksCallOptions,
  type DatabricksInput,
  type DatabricksLLMRequest,
} from './llms.js';
export { pickAuthOptions } from './serving.js';
export type { DatabricksAuthOptions, ServingClientRequest, ServingHttpClient } from './serving.js';
export type { DatabricksTool, DatabricksToolChoice } from './tools.js';
export { VERSION } from './version.js';
