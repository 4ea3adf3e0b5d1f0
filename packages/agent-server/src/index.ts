// Public API of @lakechain/agent-server: an explicit list.
export { AgentServer, type AgentServerOptions } from './server.js';
export {
  AgentRunner,
  configFor,
  detectInputStyle,
  type InputStyle,
  type RunEvent,
  type RunnerOptions,
  type RunResult,
  type ServableAgent,
} from './runner.js';
export { AgentServerError, type AgentServerErrorKind } from './errors.js';
export { Limiter } from './limiter.js';
export {
  chatAgentToMessages,
  messagesToChatAgent,
  messagesToOutputItems,
  readRequest,
  responsesInputToMessages,
  type AgentContext,
  type AgentRequest,
  type ScoringRequest,
} from './protocol.js';
export { deployApp, listSourceFiles, type DeployOptions, type DeployResult } from './deploy.js';
export { loadAgentModule, loadRegisteredAgent, type AgentSource } from './load.js';
export { VERSION } from './version.js';
