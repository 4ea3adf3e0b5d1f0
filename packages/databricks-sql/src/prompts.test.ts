import { describe, expect, it } from 'vitest';
import {
  createDatabricksSqlFewShotPrompt,
  DATABRICKS_SQL_FEW_SHOT_PROMPT,
  DATABRICKS_SQL_PROMPT,
} from './prompts.js';

describe('prompts', () => {
  it('have the input variables createSqlQueryChain requires', () => {
    for (const p of [DATABRICKS_SQL_PROMPT, DATABRICKS_SQL_FEW_SHOT_PROMPT]) {
      expect([...p.inputVariables].sort()).toEqual(['input', 'table_info', 'top_k']);
    }
  });
  it('render Databricks guidance', async () => {
    const text = await DATABRICKS_SQL_PROMPT.format({
      input: 'Q?',
      top_k: '7',
      table_info: 'CREATE TABLE t',
    });
    expect(text).toContain('LIMIT 7');
    expect(text).toContain('backticks');
    expect(text).toContain('`catalog`.`schema`.`table`');
    expect(text).toContain('date_trunc');
    expect(text).toContain('Use only the columns shown');
    expect(text.trimEnd().endsWith('Question: Q?')).toBe(true);
  });
  it('few-shot prompt shows examples and escapes braces', async () => {
    const p = createDatabricksSqlFewShotPrompt([
      { question: 'map {x}?', query: "SELECT map('a', 1)['a']" },
    ]);
    const text = await p.format({ input: 'Q', top_k: '5', table_info: 'T' });
    expect(text).toContain('Question: map {x}?');
    expect(text).toContain("SQLQuery: SELECT map('a', 1)['a']");
  });
});
