import { defineConfig } from 'tsup';
import { lakechainBuild } from '../../tooling/tsup.preset';

// Two entries: the Node entry (everything) and `./edge` (no Node built-in; see src/edge.ts).
export default defineConfig(
  lakechainBuild(import.meta.dirname, { entry: ['src/index.ts', 'src/edge.ts'] }),
);
