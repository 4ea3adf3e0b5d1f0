import { describe, expect, test } from 'vitest';
import { jdbcTypeCode } from './databricks_types.js';

describe('Databricks types', () => {
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
