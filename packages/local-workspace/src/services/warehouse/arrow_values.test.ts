import { describe, expect, it } from 'vitest';
import { parseDateDays, parseTimestampMicros, unscaledDecimal } from './arrow_values.js';

describe('values', () => {
  it('parses timestamps to microseconds and decimals to unscaled integers', () => {
    expect(parseTimestampMicros('1970-01-01 00:00:01.000002')).toBe(1_000_002n);
    expect(parseTimestampMicros('2024-02-29 13:45:01')).toBe(
      BigInt(Date.UTC(2024, 1, 29, 13, 45, 1)) * 1000n,
    );
    expect(unscaledDecimal('-12.50', 2)).toBe(-1250n);
    expect(unscaledDecimal('0.5', 3)).toBe(500n);
  });
});

describe('date and timestamp parsing', () => {
  it('agrees with Date.UTC over a wide range', () => {
    for (let day = -800_000; day < 800_000; day += 997) {
      const iso = new Date(day * 86_400_000).toISOString();
      if (!/^\d{4}-/.test(iso)) continue;
      const text = `${iso.slice(0, 10)} ${iso.slice(11, 19)}.123456`;
      expect(parseDateDays(iso.slice(0, 10))).toBe(day);
      expect(parseTimestampMicros(text)).toBe(BigInt(day) * 86_400_000_000n + 123_456n);
    }
  });
});
