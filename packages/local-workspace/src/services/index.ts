/**
 * The services of the local workspace, in the order they are created (a service may use the state
 * of one created before it) and their routes are matched. Adding a service: a folder under
 * `src/services/` exporting a `defineService(...)`, and one line here. Its options and state
 * appear on `startLocalWorkspace()`'s options and on the workspace object under its name.
 */
import { appsService } from './apps/service.js';
import { driverProxyService } from './driver_proxy/service.js';
import { genieService } from './genie/service.js';
import { lakebaseService } from './lakebase/service.js';
import { mcpService } from './mcp/service.js';
import { mlflowService } from './mlflow/service.js';
import { oauthService } from './oauth/service.js';
import { servingService } from './serving/service.js';
import { statementExecutionService } from './statement_execution/service.js';
import { unityCatalogService } from './unity_catalog/service.js';
import { vectorSearchService } from './vector_search/service.js';
import { warehouseService } from './warehouse/service.js';
import { workspaceFilesService } from './workspace_files/service.js';

export const builtinServices = [
  oauthService,
  warehouseService,
  statementExecutionService,
  unityCatalogService,
  servingService,
  vectorSearchService,
  genieService,
  mcpService,
  driverProxyService,
  mlflowService,
  lakebaseService,
  workspaceFilesService,
  appsService,
] as const;

export type BuiltinServices = typeof builtinServices;
