import { type ConfigEnv, defineConfig, mergeConfig } from 'vitest/config';
import base from './vitest.config';

/**
 * The same tests against the lowest `@langchain/core` the peer range admits (1.2.8, installed as
 * the `@langchain/core-lowest` alias): every `@langchain/core/...` import resolves to it, ours,
 * the tests' and @lakechain/databricks-llm's (inlined so that the alias applies to it too).
 */
export default defineConfig((env: ConfigEnv) =>
  mergeConfig(base(env), {
    resolve: {
      alias: [{ find: /^@langchain\/core(?=\/|$)/, replacement: '@langchain/core-lowest' }],
    },
    test: {
      server: { deps: { inline: [/@lakechain\/databricks-llm/] } },
      setupFiles: ['./src/testing/langchain_version.ts'],
    },
  }),
);
