// Public API of @lakechain/mlflow-tracking: an explicit list.
export { AUTOLOG_ENV_VAR, autolog, getAutologTracer } from './autolog.js';
export type { AutologOptions } from './autolog.js';
export { MlflowTracer } from './tracer.js';
export type { MlflowTracerOptions } from './tracer.js';
export { TraceExporter } from './exporter.js';
export type { ExporterStats, TraceExporterOptions } from './exporter.js';
export { MlflowArtifactError, MlflowConfigError } from './errors.js';
export { MlflowClient } from './mlflow_client.js';
export type {
  Experiment,
  ModelFile,
  ModelVersion,
  Run,
  RunInfo,
  RunStatus,
} from './mlflow_client.js';
export type {
  ArtifactCredentialInfo,
  ArtifactCredentialType,
  TemporaryCredentials,
} from './cloud_storage.js';
export { otlpTraceRequest } from './otlp.js';
export { createConnection } from './connection.js';
export type { ConnectionOptions, MlflowConnection, MlflowRequest } from './connection.js';
export { resolveExperimentSelector, resolveTrackingTarget } from './tracking_uri.js';
export type {
  Env,
  ExperimentSelector,
  OssAuth,
  TrackingOptions,
  TrackingTarget,
} from './tracking_uri.js';
export { LIMITS, sanitizeKey, splitBatch } from './limits.js';
export type { KeyValue, LogBatch, Metric } from './limits.js';
export { SpanAttributeKey, SpanType, TraceMetadataKey, tracesJson } from './spans.js';
export type { FinishedTrace, Span, SpanEvent, TokenUsage, TraceInfo } from './spans.js';
export { VERSION } from './version.js';
export { MlflowCallbackHandler } from './callback_handler.js';
export type { CallRecord, MlflowCallbackHandlerOptions } from './callback_handler.js';
export { collectPrompts, extractPrompts, logChain, SERVE_COMMAND } from './registry.js';
export type {
  LogChainOptions,
  LoggedChain,
  PromptRecord,
  SerializableRunnable,
  ServingOptions,
  ServingSpec,
} from './registry.js';
export { downloadChain } from './model_download.js';
export type { DownloadChainOptions, DownloadedChain } from './model_download.js';
