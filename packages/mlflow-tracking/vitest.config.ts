import { lakechainTest } from '../../tooling/vitest.preset';

// One real MLflow server for the whole run (see scripts/mlflow-server.mjs), shared by the
// integration tests through `inject('mlflowUrl')`; unit mode starts none. `--expose-gc`:
// exit_hook.test.ts shows that dropped tracers and handlers are collected.
export default lakechainTest(import.meta.dirname, {
  testTimeout: 60_000,
  integrationGlobalSetup: ['./src/testing/global_setup.ts'],
  overrides: { test: { poolOptions: { forks: { execArgv: ['--expose-gc'] } } } },
});
