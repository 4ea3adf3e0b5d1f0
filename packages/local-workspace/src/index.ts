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
export { reply, ServingError, streamReply } from './serving/reply.js';
export {
  echoChat,
  scriptedChat,
  scriptedCompletions,
  scriptedCustomModel,
  scriptedEmbeddings,
} from './serving/scripted.js';
export type {
  DriverProxyAppDefinition,
  DriverProxyRequest,
  ServingEndpointDefinition,
  ServingHandler,
  ServingRequest,
  ServingTask,
} from './serving/types.js';
