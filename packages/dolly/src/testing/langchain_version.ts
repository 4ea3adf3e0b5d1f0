/**
 * Setup file of vitest.lowest-langchain.config.ts: proves the alias took effect for this package
 * and for @lakechain/databricks-llm (whose `Databricks` LLM the Databricks backend runs), so a run
 * that silently used the current @langchain/core cannot pass as a run against the lowest one.
 */
import { Databricks } from '@lakechain/databricks-llm';
import { LLM } from '@langchain/core/language_models/llms';
import { LLM as LowestLLM } from '@langchain/core-lowest/language_models/llms';
import lowest from '@langchain/core-lowest/package.json' with { type: 'json' };

if (
  lowest.version !== '1.2.8' ||
  (LLM as unknown) !== LowestLLM ||
  Object.getPrototypeOf(Databricks) !== LLM
) {
  throw new Error(
    `@langchain/core is not aliased to @langchain/core-lowest 1.2.8 everywhere (found ${lowest.version})`,
  );
}
