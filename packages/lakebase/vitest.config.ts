import { mergeConfig } from 'vitest/config';
import { lakechainTest } from '../../tooling/vitest.preset';

// One real PostgreSQL (scripts/postgres-server.mjs) for the whole run, shared through
// `inject('postgres')`. Test files run one after another: each starts a local workspace whose
// Lakebase service answers that server's RADIUS logins on one UDP port.
export default mergeConfig(lakechainTest(import.meta.dirname, 120_000), {
  test: { globalSetup: ['./src/testing/global_setup.ts'], fileParallelism: false },
});
