import { describe, expect, test } from 'vitest';
import { tokenize } from './lexer.js';

describe('tokenize', () => {
  test('strings, comments, backticks and parameters are tokens', () => {
    const kinds = tokenize("SELECT `a b`, 'x:y' -- :c\n, :d, ? /* ? */").map((t) => t.kind);
    expect(kinds.filter((k) => k !== 'ws')).toEqual([
      'ident',
      'qident',
      'op',
      'string',
      'comment',
      'op',
      'named_param',
      'op',
      'positional_param',
      'comment',
    ]);
  });
  test('Spark string escapes are decoded', () => {
    const t = tokenize("'it\\'s' \"dq\" 'a''b'").filter((x) => x.kind === 'string');
    expect(t.map((x) => x.value)).toEqual(["it's", 'dq', "a'b"]);
  });
  test('casts (::) are not named parameters', () => {
    expect(tokenize('x::INT').some((t) => t.kind === 'named_param')).toBe(false);
  });
});
