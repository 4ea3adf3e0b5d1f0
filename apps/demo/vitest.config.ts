import { lakechainTest } from '../../tooling/vitest.preset';

// The end-to-end tests load a real (small) model on 2 cores: give them room.
export default lakechainTest(import.meta.dirname, 240_000);
