// Public API of @lakechain/dolly: an explicit list.
export type { DollyDatabricksBackendOptions } from './backends/databricks.js';
export type { DollyHuggingFaceBackendOptions } from './backends/huggingface.js';
export { type DollyLocalBackendOptions, NODE_LLAMA_CPP_INSTALL_HINT } from './backends/local.js';
export {
  DOLLY_CATEGORIES,
  type DollyCategory,
  type DollyFewShotExample,
  type DollyFewShotOptions,
  type DollyRecord,
  dollyFewShotExamples,
  type LoadDollyDatasetOptions,
  loadDollyDataset,
  parseDollyDataset,
} from './dataset.js';
export { DollyError, type DollyErrorKind } from './errors.js';
export {
  cutAtStop,
  DOLLY_DEFAULTS,
  Dolly,
  type DollyBackendOptions,
  type DollyCallOptions,
  type DollyInput,
} from './llm.js';
export {
  DOLLY_CONTEXT_LENGTH,
  DOLLY_END_KEY,
  DOLLY_INPUT_KEY,
  DOLLY_INSTRUCTION_KEY,
  DOLLY_INTRO_BLURB,
  DOLLY_PROMPT,
  DOLLY_PROMPT_TEMPLATE,
  DOLLY_RESPONSE_KEY,
  DOLLY_RESPONSE_KEY_NL,
  DollyOutputParser,
  type DollyPromptInput,
  type DollyPromptTemplate,
  type DollyPromptValues,
  formatDollyPrompt,
  parseDollyResponse,
} from './prompt.js';
export { VERSION } from './version.js';
