import { mergeConfig } from 'vitest/config';
import { lakechainTest } from '../../tooling/vitest.preset';

// `--expose-gc` for close.int.test.ts, which measures the heap after `global.gc()`.
export default mergeConfig(lakechainTest(import.meta.dirname), {
  test: { poolOptions: { forks: { execArgv: ['--expose-gc'] } } },
});
