import { describe, expect, test } from 'vitest';
import {
  databricksTypeFromString,
  formatDate,
  formatDecimal,
  formatTimestampMicros,
  jdbcTypeCode,
} from './databricks_types.js';

describe('value formatting', () => {
  test.each([
    [1250n, 2, '12.50'],
    [-5n, 2, '-0.05'],
    [0n, 3, '0.000'],
    [123n, 0, '123'],
    [-123456789012345678901234567890n, 10, '-12345678901234567890.1234567890'],
  ])('decimal %s scale %s → %s', (v, scale, out) => {
    expect(formatDecimal(v, scale)).toBe(out);
  });

  test('dates and timestamps (UTC), including before 1970', () => {
    expect(formatDate(0)).toBe('1970-01-01');
    expect(formatDate(-1)).toBe('1969-12-31');
    expect(formatDate(16801)).toBe('2016-01-01');
    expect(formatTimestampMicros(0n)).toBe('1970-01-01 00:00:00');
    expect(formatTimestampMicros(-1n)).toBe('1969-12-31 23:59:59.999999');
    expect(formatTimestampMicros(1_451_606_400_250_000n)).toBe('2016-01-01 00:00:00.250000');
  });
});

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

  test('java.sql.Types codes', () => {
    expect([
      jdbcTypeCode('INT'),
      jdbcTypeCode('BIGINT'),
      jdbcTypeCode('DECIMAL'),
      jdbcTypeCode('STRING'),
      jdbcTypeCode('TIMESTAMP'),
    ]).toEqual([4, -5, 3, 12, 93]);
  });
});
