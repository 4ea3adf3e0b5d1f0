import { lakechainTest } from '../../tooling/vitest.preset';

export default lakechainTest(import.meta.dirname, { testTimeout: 60_000 });
