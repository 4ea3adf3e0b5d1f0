import { lakechainTest } from '../../tooling/vitest.preset';

// `--expose-gc` for close.int.test.ts, which measures the heap after `global.gc()`.
export default lakechainTest(import.meta.dirname, {
  overrides: { test: { poolOptions: { forks: { execArgv: ['--expose-gc'] } } } },
});
