import { defineConfig } from 'tsup';
import { lakechainBuild } from '../../tooling/tsup.preset';

export default defineConfig([
  lakechainBuild(import.meta.dirname),
  lakechainBuild(import.meta.dirname, {
    entry: ['src/cli.ts'],
    format: ['esm'],
    dts: false,
    clean: false,
    banner: { js: '#!/usr/bin/env node' },
  }),
]);
