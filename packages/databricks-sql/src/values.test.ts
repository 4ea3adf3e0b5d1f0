import { describe, expect, it } from 'vitest';
import { toJsonRow, toJsonValue, toSampleCell, truncateString } from './values.js';

describe('toJsonValue', () => {
  it('keeps BIGINT exact: numbers when safe, strings beyond 2^53', () => {
    expect(toJsonValue(42n)).toBe(42);
    expect(toJsonValue(9007199254740993n)).toBe('9007199254740993');
    expect(toJsonValue(-9223372036854775808n)).toBe('-9223372036854775808');
  });
  it('keeps DECIMAL strings exact and non-finite numbers readable', () => {
    expect(toJsonValue('12345678901234567890.12')).toBe('12345678901234567890.12');
    expect(toJsonValue(Number.NaN)).toBe('NaN');
    expect(toJsonValue(Number.POSITIVE_INFINITY)).toBe('Infinity');
  });
  it('prints dates as ISO, DATE columns as YYYY-MM-DD', () => {
    const d = new Date('2024-02-29T13:14:15.123Z');
    expect(toJsonValue(d)).toBe('2024-02-29T13:14:15.123Z');
    expect(toJsonValue(new Date('2024-02-29T00:00:00Z'), { type: 'DATE' })).toBe('2024-02-29');
    expect(toJsonValue(new Date('invalid'))).toBeNull();
  });
  it('prints binary as hex', () => {
    expect(toJsonValue(Buffer.from([0, 1, 254, 255]))).toBe('0001FEFF');
    expect(toJsonValue(new Uint8Array([16]))).toBe('10');
  });
  it('converts nested arrays, maps and structs', () => {
    const value = {
      a: [1n, 2n ** 60n, null],
      m: new Map<string, unknown>([['k', new Date('2020-01-01T00:00:00Z')]]),
      s: { b: Buffer.from('hi'), inner: { x: undefined } },
    };
    expect(toJsonValue(value)).toEqual({
      a: [1, '1152921504606846976', null],
      m: { k: '2020-01-01T00:00:00.000Z' },
      s: { b: '6869', inner: { x: null } },
    });
    expect(() => JSON.stringify(toJsonValue(value))).not.toThrow();
  });
  it('truncates strings to maxStringLength, nested too', () => {
    expect(toJsonValue('abcdefghij', { maxStringLength: 6 })).toBe('abc...');
    expect(toJsonValue(['abcdefghij'], { maxStringLength: 6 })).toEqual(['abc...']);
    expect(truncateString('short', 300)).toBe('short');
  });
  it('handles null and undefined', () => {
    expect(toJsonValue(null)).toBeNull();
    expect(toJsonValue(undefined)).toBeNull();
  });
});

describe('toJsonRow / toSampleCell', () => {
  it('uses column types', () => {
    expect(
      toJsonRow(
        { d: new Date('2021-05-06T00:00:00Z'), n: 5n },
        { types: { d: 'DATE', n: 'BIGINT' } },
      ),
    ).toEqual({ d: '2021-05-06', n: 5 });
  });
  it('renders sample cells on one line', () => {
    expect(toSampleCell('a\tb\nc', 100)).toBe('a b c');
    expect(toSampleCell(null, 100)).toBe('NULL');
    expect(toSampleCell('x'.repeat(20), 10)).toBe('xxxxxxx...');
  });
});
