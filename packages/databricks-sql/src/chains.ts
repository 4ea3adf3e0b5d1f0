/**
 * `createSqlQueryChain` with the Databricks prompt. LangChain.js picks prompts from
 * `SQL_PROMPTS_MAP` by dialect, which has no Databricks entry, and its `dialect` field is typed to
 * the dialects it knows; this wrapper passes `DATABRICKS_SQL_PROMPT` and the dialect for you.
 */
import type {
  CreateSqlQueryChainFields,
  createSqlQueryChain,
} from '@langchain/classic/chains/sql_db';
import { DATABRICKS_SQL_PROMPT } from './prompts.js';

export interface DatabricksSqlQueryChainFields {
  llm: CreateSqlQueryChainFields['llm'];
  db: CreateSqlQueryChainFields['db'];
  /** Default `DATABRICKS_SQL_PROMPT`. Needs `input`, `top_k` and `table_info`. */
  prompt?: CreateSqlQueryChainFields['prompt'];
  /** `top_k`: the LIMIT the prompt asks for. Default 5. */
  k?: number;
}

/**
 * A runnable turning `{ question, tableNamesToUse? }` into one Databricks SQL statement.
 *
 * @example
 * ```ts
 * const chain = await createDatabricksSqlQueryChain({ llm, db });
 * const sql = await chain.invoke({ question: 'How many orders were placed in 1995?' });
 * const rows = await db.run(sql);
 * ```
 *
 * `@langchain/classic/chains/sql_db` (its chain classes and the base language-model helpers) is
 * loaded on the first call, not when this package is imported.
 */
export function createDatabricksSqlQueryChain(
  fields: DatabricksSqlQueryChainFields,
): ReturnType<typeof createSqlQueryChain> {
  return import('@langchain/classic/chains/sql_db').then(({ createSqlQueryChain }) =>
    createSqlQueryChain({
      llm: fields.llm,
      db: fields.db,
      k: fields.k,
      prompt: fields.prompt ?? DATABRICKS_SQL_PROMPT,
      dialect: 'databricks' as CreateSqlQueryChainFields['dialect'],
    }),
  );
}
