import { describe, expect, test } from 'vitest';
import { translated } from './testing_translate.js';

describe('function table', () => {
  test('cast-like functions and small shims', () => {
    expect(translated('SELECT string(1), int(x), try_divide(a, b), pmod(a, 3)')).toBe(
      'SELECT CAST(1 AS VARCHAR), CAST(x AS INTEGER), (CASE WHEN (b) = 0 THEN NULL ELSE (a) / (b) END), (((a) % (3) + (3)) % (3))',
    );
  });
});

describe('function lookup', () => {
  test('names of Object.prototype members are not functions of the table', () => {
    expect(translated('SELECT constructor(1), hasOwnProperty(a), __proto__(b)')).toBe(
      'SELECT constructor(1), hasOwnProperty(a), __proto__(b)',
    );
  });
});
