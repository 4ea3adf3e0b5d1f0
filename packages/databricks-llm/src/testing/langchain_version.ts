/**
 * Setup file of vitest.lowest-langchain.config.ts: proves the alias took effect (the classes
 * imported as `@langchain/core/...` are those of the 1.2.8 install), so a run that silently used
 * the current @langchain/core cannot pass as a run against the lowest one.
 */
import { AIMessage } from '@langchain/core/messages';
import { AIMessage as LowestAIMessage } from '@langchain/core-lowest/messages';
import lowest from '@langchain/core-lowest/package.json' with { type: 'json' };

if (lowest.version !== '1.2.8' || AIMessage !== LowestAIMessage) {
  throw new Error(
    `@langchain/core is not aliased to @langchain/core-lowest 1.2.8 (found ${lowest.version})`,
  );
}
