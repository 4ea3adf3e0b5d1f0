import { type ConfigEnv, defineConfig, mergeConfig } from 'vitest/config';
import base from './vitest.config';

/**
 * The same tests against the lowest `@langchain/core` the peer range admits (1.2.8, installed as
 * the `@langchain/core-lowest` alias): every `@langchain/core/...` import, ours and the tests',
 * resolves to it. The offline unit tests and LangChain's standard chat-model checks run here; the
 * slower local-model and 1,000-model `close()` tests run against the current version only.
 */
export default defineConfig((env: ConfigEnv) =>
  mergeConfig(base(env), {
    resolve: {
      alias: [{ find: /^@langchain\/core(?=\/|$)/, replacement: '@langchain/core-lowest' }],
    },
    test: {
      exclude: ['src/close.int.test.ts', 'src/local_model.int.test.ts', 'src/serving.int.test.ts'],
      setupFiles: ['./src/testing/langchain_version.ts'],
    },
  }),
);
