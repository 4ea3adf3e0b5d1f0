import { defineConfig } from 'tsup';

// An application, not a library: ESM only, no declarations, dependencies stay external.
export default defineConfig({
  entry: ['src/cli.ts', 'src/eval.ts', 'src/bench_llama.ts'],
  format: ['esm'],
  dts: false,
  sourcemap: true,
  clean: true,
  target: 'node20',
  platform: 'node',
  splitting: true,
  banner: { js: '' },
});
