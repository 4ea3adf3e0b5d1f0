import { lakechainTest } from '../../tooling/vitest.preset';

// One real PostgreSQL (scripts/postgres-server.mjs) for the whole run, shared through
// `inject('postgres')`; unit mode starts none. Test files run one after another: each starts a
// local workspace whose Lakebase service answers that server's RADIUS logins on one UDP port.
export default lakechainTest(import.meta.dirname, {
  testTimeout: 120_000,
  integrationGlobalSetup: ['./src/testing/global_setup.ts'],
  overrides: { test: { fileParallelism: false } },
});
