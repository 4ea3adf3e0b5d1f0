import { describe, expect, test } from 'vitest';
import { databricksTypeFromString } from './duckdb_type_strings.js';

describe('DuckDB type strings → Databricks', () => {
  test.each([
    ['INTEGER', 'INT', 'INT'],
    ['VARCHAR', 'STRING', 'STRING'],
    ['DECIMAL(18,2)', 'DECIMAL(18,2)', 'DECIMAL'],
    ['TIMESTAMP WITH TIME ZONE', 'TIMESTAMP', 'TIMESTAMP'],
    ['VARCHAR[]', 'ARRAY<STRING>', 'ARRAY'],
    ['INTEGER[][]', 'ARRAY<ARRAY<INT>>', 'ARRAY'],
    ['MAP(VARCHAR, INTEGER[])', 'MAP<STRING,ARRAY<INT>>', 'MAP'],
    ['STRUCT(a INTEGER, "b c" VARCHAR)', 'STRUCT<a:INT,b c:STRING>', 'STRUCT'],
    ['BLOB', 'BINARY', 'BINARY'],
    ['HUGEINT', 'BIGINT', 'BIGINT'],
  ])('%s → %s', (duck, name, base) => {
    const t = databricksTypeFromString(duck);
    expect([t.name, t.base]).toEqual([name, base]);
  });
});
