import { lakechainTest } from '../../tooling/vitest.preset';

// Reliability tests start loopback services (local workspace, a real MLflow server) and inject
// faults, so they get longer timeouts. Files run one at a time: the load test measures sockets
// and RSS of its own process and must not compete with the others on a 2-core CI machine.
export default lakechainTest(import.meta.dirname, {
  testTimeout: 120_000,
  overrides: {
    test: {
      fileParallelism: false,
      // The load and resources tests measure the heap after a full GC.
      poolOptions: { forks: { execArgv: ['--expose-gc'] } },
    },
  },
});
