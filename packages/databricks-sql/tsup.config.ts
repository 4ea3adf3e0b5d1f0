import { join } from 'node:path';
import { defineConfig } from 'tsup';
import { lakechainBuild } from '../../tooling/tsup.preset';

const dir = import.meta.dirname;

/**
 * The edge entry (`./rest`, src/rest.ts) is built from the same sources with two substitutions,
 * so that it imports no Node built-in and not the `@databricks/sql` driver:
 * - `node_runtime.ts` (the Thrift transport, core's file-reading config) → `edge_runtime.ts`;
 * - `@lakechain/core` → `@lakechain/core/edge` (core without Node built-ins).
 * `src/rest_entry.int.test.ts` checks the result: its import graph, and a run in Deno.
 */
const edgeSubstitutions = {
  name: 'lakechain-edge-substitutions',
  setup(build: {
    onResolve(
      options: { filter: RegExp },
      callback: (args: { path: string; importer: string }) => unknown,
    ): void;
  }) {
    build.onResolve({ filter: /^\.\/node_runtime\.js$/ }, () => ({
      path: join(dir, 'src', 'edge_runtime.ts'),
    }));
    build.onResolve({ filter: /^@lakechain\/core(?:\/edge)?$/ }, () => ({
      path: '@lakechain/core/edge',
      external: true,
    }));
  },
};

// `clean` is off in both builds (they run concurrently); the build script empties dist first.
export default defineConfig([
  lakechainBuild(dir, {
    clean: false,
    // Modules loaded on first use (`import()`: the driver, the SQL chain, apache-arrow) are
    // `require`d in the CommonJS build, so that a CommonJS program gets the same CommonJS copies
    // of `@langchain/classic` / `@langchain/core` its classes come from, not a second, ESM copy.
    esbuildOptions(options, context) {
      if (context.format === 'cjs') options.supported = { 'dynamic-import': false };
    },
  }),
  lakechainBuild(dir, {
    entry: ['src/rest.ts'],
    clean: false,
    platform: 'neutral',
    target: 'es2022',
    // tsup would mark `@lakechain/core` external before the plugin sees it.
    noExternal: ['@lakechain/core'],
    esbuildPlugins: [edgeSubstitutions],
  }),
]);
