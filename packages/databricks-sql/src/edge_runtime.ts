/**
 * The edge entry's stand-in for `node_runtime.ts` (swapped in by tsup.config.ts when building
 * `@lakechain/databricks-sql/rest`): config from options and the environment record only, and no
 * Thrift transport, whose driver needs Node's `http` and `tls`.
 */
import { resolveEdgeConfig } from '@lakechain/core/edge';
import { DatabricksSqlError } from './errors.js';
import type * as NodeRuntime from './node_runtime.js';

export const DEFAULT_TRANSPORT: typeof NodeRuntime.DEFAULT_TRANSPORT = 'rest';

export const resolveWorkspaceConfig: typeof NodeRuntime.resolveWorkspaceConfig = resolveEdgeConfig;

export const createThriftConnection: typeof NodeRuntime.createThriftConnection = () => {
  throw new DatabricksSqlError(
    "The Thrift transport needs Node (the @databricks/sql driver uses its http and tls modules). In this runtime pass `transport: 'rest'` (the default of @lakechain/databricks-sql/rest), or import @lakechain/databricks-sql on Node.",
    { kind: 'unknown' },
  );
};
