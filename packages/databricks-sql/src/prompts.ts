/**
 * Text-to-SQL prompts tuned for Databricks SQL.
 *
 * LangChain.js picks prompts by dialect from `SQL_PROMPTS_MAP`, which has no Databricks entry
 * (and `SqlDatabaseChain` keys on the data source type), so pass these explicitly:
 * `createSqlQueryChain({ llm, db, prompt: DATABRICKS_SQL_PROMPT })` or
 * `new SqlDatabaseChain({ llm, database: db, prompt: DATABRICKS_SQL_PROMPT })`.
 *
 * Input variables: `input`, `top_k`, `table_info` (the ones `createSqlQueryChain` requires). They
 * do not use `dialect`, which `createSqlQueryChain` would otherwise fill with whatever `dialect`
 * option it was given (or `undefined`).
 */
import { PromptTemplate } from '@langchain/core/prompts';

const INSTRUCTIONS = `You are a Databricks SQL expert. Given an input question, first create a syntactically correct Databricks SQL (Spark SQL) query to run, then look at the results of the query and return the answer to the input question.
Unless the user specifies in the question a specific number of examples to obtain, query for at most {top_k} results using the LIMIT clause (LIMIT {top_k}). You can order the results to return the most informative data in the database.
Never query for all columns from a table. You must query only the columns that are needed to answer the question. Wrap each column and table name in backticks (\`) to denote them as delimited identifiers; never use double quotes for identifiers, because double quotes make string literals in Databricks SQL.
Refer to tables by the three-level names shown in the CREATE TABLE statements: \`catalog\`.\`schema\`.\`table\`.
Use only the columns shown in the tables below. Be careful to not query for columns that do not exist. Also, pay attention to which column is in which table.
Use Spark SQL functions for dates and times: current_date() for today, current_timestamp(), date_trunc('MONTH', ts), date_add(d, n), date_sub(d, n), add_months(d, n), datediff(end, start), year(d), month(d), dayofweek(d), to_date(s), date_format(ts, 'yyyy-MM-dd'), and INTERVAL 7 DAYS literals. String literals use single quotes. Use ILIKE for case-insensitive matching.
Write exactly one read-only statement (SELECT, or WITH ... SELECT) with no trailing text; never modify data.

Use the following format:

Question: Question here
SQLQuery: SQL Query to run
SQLResult: Result of the SQLQuery
Answer: Final answer here
`;

/** The Databricks SQL prompt; input variables `input`, `top_k`, `table_info`. */
export const DATABRICKS_SQL_PROMPT: PromptTemplate = new PromptTemplate({
  template: `${INSTRUCTIONS}
Only use the following tables:
{table_info}

Question: {input}`,
  inputVariables: ['input', 'top_k', 'table_info'],
});

/** A question and the Databricks SQL that answers it, for few-shot prompts. */
export interface DatabricksSqlExample {
  question: string;
  query: string;
}

/** Generic examples showing Databricks idioms; prefer examples written for your own tables. */
export const DEFAULT_DATABRICKS_SQL_EXAMPLES: DatabricksSqlExample[] = [
  {
    question: 'How many orders were placed in each month of 1995?',
    query:
      "SELECT date_trunc('MONTH', `o_orderdate`) AS `month`, count(*) AS `orders` FROM `samples`.`tpch`.`orders` WHERE year(`o_orderdate`) = 1995 GROUP BY 1 ORDER BY 1 LIMIT 12",
  },
  {
    question: 'Which 5 customers spent the most?',
    query:
      'SELECT `c`.`c_name`, sum(`o`.`o_totalprice`) AS `total` FROM `samples`.`tpch`.`customer` AS `c` JOIN `samples`.`tpch`.`orders` AS `o` ON `o`.`o_custkey` = `c`.`c_custkey` GROUP BY `c`.`c_name` ORDER BY `total` DESC LIMIT 5',
  },
  {
    question: 'What was the average trip distance over the last 7 days of data?',
    query:
      'WITH `latest` AS (SELECT max(`tpep_pickup_datetime`) AS `ts` FROM `samples`.`nyctaxi`.`trips`) SELECT avg(`trip_distance`) AS `avg_distance` FROM `samples`.`nyctaxi`.`trips`, `latest` WHERE `tpep_pickup_datetime` >= `latest`.`ts` - INTERVAL 7 DAYS',
  },
];

/** Escapes `{` and `}` so example text is not read as template variables. */
function escapeBraces(text: string): string {
  return text.replace(/\{/g, '{{').replace(/\}/g, '}}');
}

/**
 * Builds a few-shot variant of `DATABRICKS_SQL_PROMPT` with the given question/SQL pairs shown
 * before the table info. Input variables: `input`, `top_k`, `table_info`.
 */
export function createDatabricksSqlFewShotPrompt(
  examples: DatabricksSqlExample[] = DEFAULT_DATABRICKS_SQL_EXAMPLES,
): PromptTemplate {
  const shots = examples
    .map((e) => `Question: ${escapeBraces(e.question)}\nSQLQuery: ${escapeBraces(e.query)}`)
    .join('\n\n');
  return new PromptTemplate({
    template: `${INSTRUCTIONS}
Here are some examples of questions and their Databricks SQL (the tables in the examples may differ from yours):

${shots}

Only use the following tables:
{table_info}

Question: {input}`,
    inputVariables: ['input', 'top_k', 'table_info'],
  });
}

/** The few-shot prompt with `DEFAULT_DATABRICKS_SQL_EXAMPLES`. */
export const DATABRICKS_SQL_FEW_SHOT_PROMPT: PromptTemplate = createDatabricksSqlFewShotPrompt();
