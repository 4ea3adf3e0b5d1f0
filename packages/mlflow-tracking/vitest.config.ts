import { mergeConfig } from 'vitest/config';
import { lakechainTest } from '../../tooling/vitest.preset';

// One real MLflow server for the whole run (see scripts/mlflow-server.mjs), shared by the
// integration tests through `inject('mlflowUrl')`. `--expose-gc`: exit_hook.test.ts shows that
// dropped tracers and handlers are collected.
export default mergeConfig(lakechainTest(import.meta.dirname, 60_000), {
  test: {
    globalSetup: ['./src/testing/global_setup.ts'],
    poolOptions: { forks: { execArgv: ['--expose-gc'] } },
  },
});
