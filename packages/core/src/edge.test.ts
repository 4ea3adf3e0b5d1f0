import { describe, expect, it } from 'vitest';
import * as edge from './edge.js';
import * as main from './index.js';

/**
 * What the main entry has and the edge entry deliberately has not: everything else must be in
 * both, so code that runs on either (databricks-sql's `./rest` build swaps one for the other)
 * finds the same functions.
 */
const NODE_ONLY = new Set([
  // Files, processes and the browser login: resolveEdgeConfig takes options and an env record.
  'resolveConfig',
  // The @databricks/sql driver's auth (the driver itself needs Node).
  'createSqlDriverAuthProvider',
  'toSqlConnectionOptions',
  // Built on resolveConfig.
  'WorkspaceConnection',
  'WorkspaceConnectionClosedError',
  'pickConnectionOptions',
  'WORKSPACE_CONNECTION_OPTION_KEYS',
]);

describe('@lakechain/core/edge', () => {
  it('exports every value of the main entry except the Node-only ones', () => {
    const missing = Object.keys(main).filter((name) => !NODE_ONLY.has(name) && !(name in edge));
    expect(missing).toEqual([]);
  });

  it('exports nothing the main entry does not', () => {
    expect(Object.keys(edge).filter((name) => !(name in main))).toEqual([]);
  });
});
