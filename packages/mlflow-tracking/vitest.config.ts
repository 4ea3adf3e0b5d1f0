import { mergeConfig } from 'vitest/config';
import { lakechainTest } from '../../tooling/vitest.preset';

// One real MLflow server for the whole run (see scripts/mlflow-server.mjs), shared by the
// integration tests through `inject('mlflowUrl')`.
export default mergeConfig(lakechainTest(import.meta.dirname, 60_000), {
  test: { globalSetup: ['./src/testing/global_setup.ts'] },
});
