import { describe, expect, test } from 'vitest';
import { formatDate, formatDecimal, formatTimestampMicros } from './engine_values.js';

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
