// Public API of @lakechain/databricks-mcp: an explicit list.
export { DatabricksOAuthClientProvider } from './auth_provider.js';
export { DatabricksMultiServerMCPClient } from './client.js';
export type { DatabricksMultiServerMCPClientOptions } from './client.js';
export { createCoreFetch } from './core_fetch.js';
export type { CoreFetch } from './core_fetch.js';
export { MCPServerError } from './errors.js';
export type { MCPServerErrorReason } from './errors.js';
export { buildMCPServerConfig, DatabricksMCPServer, MCPServer } from './servers.js';
export type {
  DatabricksMCPAuthOptions,
  DatabricksMCPFactoryOptions,
  DatabricksMCPServerOptions,
  MCPServerOptions,
  MCPServerTransport,
  ToolErrorHandling,
} from './servers.js';
export { VERSION } from './version.js';
