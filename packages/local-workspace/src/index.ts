// Public API of @lakechain/local-workspace: an explicit list, nothing re-exported wholesale.
export { startLocalWorkspace } from './workspace.js';
export type {
  CatalogOptions,
  ConnectionOptions,
  DeprecatedFlatOptions,
  LocalWorkspace,
  LocalWorkspaceOptions,
} from './workspace.js';
export { createFaultInjector } from './platform/faults.js';
export type { FaultDecision, FaultInjector, FaultOptions, FaultRule } from './platform/faults.js';
export type { TokenRegistry } from './platform/tokens.js';
export { ApiError, LocalWorkspaceError } from './platform/errors.js';
export { defineService } from './platform/service.js';
export type {
  HttpMethod,
  Route,
  RouteHandler,
  RouteRequest,
  ServiceContext,
  ServiceDefinition,
  ServiceInstance,
  WorkspaceIds,
} from './platform/service.js';
export type { LocalWarehouse, WarehouseOptions } from './services/warehouse/service.js';
export type {
  LinkRequestRecord,
  LocalStatementExecution,
  StatementExecutionOptions,
} from './services/statement_execution/service.js';
export type { ServingOptions } from './services/serving/service.js';
export type {
  LocalVectorSearch,
  VectorIndexView,
  VectorSearchOptions,
} from './services/vector_search/types.js';
export type { AnnEngineKind } from './services/vector_search/ann.js';
export type {
  GenieMessageView,
  GenieOptions,
  GenieRateLimit,
  GenieSpaceDefinition,
  GenieSpaceView,
  LocalGenie,
} from './services/genie/types.js';
export { scriptedGenieChat } from './services/genie/nl_to_sql.js';
export type { LocalMcp, McpCallRecord, McpOptions } from './services/mcp/types.js';
export type {
  LocalUnityCatalog,
  UnityCatalogOptions,
} from './services/unity_catalog/service.js';
export type {
  ScriptedGenieAnswer,
  ScriptedGenieChatOptions,
  ScriptedGenieContext,
} from './services/genie/nl_to_sql.js';
export type { DriverProxyOptions, LocalDriverProxy } from './services/driver_proxy/service.js';
export type { LocalOAuth, OAuthOptions } from './services/oauth/service.js';
export type {
  LakebaseCapacity,
  LakebaseInstance,
  LakebaseInstanceDefinition,
  LakebaseInstanceState,
  LakebaseLoginRecord,
  LakebaseOptions,
  LakebasePostgresAdmin,
  LakebasePostgresOptions,
  LocalLakebase,
} from './services/lakebase/types.js';
export type {
  AppState,
  AppsOptions,
  ComputeState,
  DeploymentState,
  LocalApps,
} from './services/apps/types.js';
export type {
  LocalWorkspaceFiles,
  WorkspaceFilesOptions,
  WorkspaceObject,
  WorkspaceObjectType,
} from './services/workspace_files/service.js';
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
} from './services/mlflow/types.js';
export { SqlError } from './engine/sql_engine.js';
export type { UnityCatalogFunctions } from './engine/functions/function_catalog.js';
export type {
  FunctionDefinition,
  FunctionParameter,
  FunctionReturns,
  FunctionSpec,
} from './engine/functions/function_definition.js';
export type { SparkStructField, SparkType } from './engine/dialect/spark_types.js';
export type {
  ColumnMetadata,
  DataSource,
  EngineResult,
  EngineSession,
  EngineValue,
  PythonFunctionOptions,
  SqlEngine,
  SqlEngineOptions,
  StatementParameters,
} from './engine/sql_engine.js';
export { delay, reply, ServingError, streamReply } from './services/serving/reply.js';
export {
  echoChat,
  embedText,
  scriptedChat,
  scriptedCompletions,
  scriptedCustomModel,
  scriptedEmbeddings,
  streamOf,
} from './services/serving/scripted.js';
export type {
  ChatScriptFunction,
  CompletionScript,
  CustomModelInputFormat,
  ScriptedChatOptions,
  ScriptedStreamOptions,
} from './services/serving/scripted.js';
export type { AgentStepScript } from './services/serving/agent_items.js';
export { scriptedChatAgent } from './services/serving/scripted_chat_agent.js';
export type {
  ChatAgentScript,
  ChatAgentScriptFunction,
} from './services/serving/scripted_chat_agent.js';
export { scriptedResponses } from './services/serving/scripted_responses.js';
export type {
  ResponsesScript,
  ResponsesScriptFunction,
  ResponsesUsage,
  ScriptedResponsesOptions,
} from './services/serving/scripted_responses.js';
export type { ServingRegistry } from './services/serving/registry.js';
export type {
  DriverProxyAppDefinition,
  DriverProxyRequest,
} from './services/driver_proxy/types.js';
export type {
  ChatMessageInput,
  ChatScript,
  ChatToolCallScript,
  ChatUsage,
  HttpReply,
  ServingEndpointDefinition,
  ServingEndpointType,
  ServingHandler,
  ServingRequest,
  ServingRequestRecord,
  ServingResult,
  ServingTask,
  StreamReply,
} from './services/serving/types.js';
export {
  disposeLlamaRuntimes,
  llamaChat,
  llamaCompletions,
  llamaEmbeddings,
  llamaResponses,
  toGrammarSchema,
} from './services/serving/llama/index.js';
export type {
  LlamaBackendOptions,
  LlamaEmbeddingsHandler,
  LlamaEmbeddingsOptions,
  LlamaGenerationRecord,
  LlamaServingHandler,
} from './services/serving/llama/index.js';
export {
  downloadSize,
  findModel,
  MODEL_CATALOG,
  wheelFileName,
} from './models/catalog.js';
export type { ModelConversion, ModelPart, ModelSpec } from './models/catalog.js';
export { BertConversionError, convertBertToGguf } from './models/bert_gguf.js';
export type { BertGgufOptions, BertSourceFiles } from './models/bert_gguf.js';
export { modelCacheDir } from './models/cache.js';
export { ModelFetchError } from './models/errors.js';
export type { ModelFetchErrorCode } from './models/errors.js';
export { checkGgufHeader } from './models/assemble.js';
export type { ModelFetchEvent } from './models/events.js';
export { fetchModel, modelPath } from './models/fetch.js';
export type { FetchedModel, FetchModelOptions } from './models/fetch.js';
export { listModels, verifyModel } from './models/status.js';
export type { ModelStatus } from './models/status.js';
export { readGgufHeader } from './models/gguf_header.js';
export type { GgufHeader, GgufScalar } from './models/gguf_header.js';
export { createProgressReporter } from './models/progress.js';
export type { ProgressReporter } from './models/progress.js';
export { runModelsCommand } from './models/cli.js';
