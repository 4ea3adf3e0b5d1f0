/**
 * Navigation over a token list for the rewriters of the dialect layer: the next significant
 * token, the bracket that closes an opening one, and the top-level arguments of a call.
 */

import { SqlError } from '../sql_error.js';
import type { Token } from './lexer.js';

const OPENING_BRACKETS = new Set(['(', '[', '{']);
const CLOSING_BRACKETS = new Set([')', ']', '}']);

export class TokenScan {
  constructor(readonly tokens: Token[]) {}

  /**
   * Index of the first significant token (not whitespace or a comment) at or after `from` and
   * before `end`, or -1 when there is none.
   */
  nextSignificant(from: number, end: number): number {
    let i = from;
    while (i >= from && i < end) {
      const kind = this.tokens[i]?.kind;
      if (kind !== 'ws' && kind !== 'comment') return i;
      i += 1;
    }
    return -1;
  }

  /** Index of the bracket closing the one at `open` (any of `(`, `[`, `{`), before `end`. */
  matchingBracket(open: number, end: number): number {
    let depth = 0;
    for (let i = open; i < end; i++) {
      const token = this.tokens[i] as Token;
      if (token.kind !== 'op') continue;
      if (OPENING_BRACKETS.has(token.text)) depth++;
      else if (CLOSING_BRACKETS.has(token.text)) {
        depth--;
        if (depth === 0) return i;
      }
    }
    throw new SqlError(
      'PARSE_SYNTAX_ERROR',
      '42601',
      "Syntax error at or near end of input: missing ')'.",
    );
  }

  /** The top-level comma-separated ranges between `open` and `close` (both exclusive). */
  topLevelArguments(open: number, close: number): Array<[number, number]> {
    const ranges: Array<[number, number]> = [];
    let depth = 0;
    let start = open + 1;
    for (let i = open + 1; i < close; i++) {
      const token = this.tokens[i] as Token;
      if (token.kind !== 'op') continue;
      if (OPENING_BRACKETS.has(token.text)) depth++;
      else if (CLOSING_BRACKETS.has(token.text)) depth--;
      else if (token.text === ',' && depth === 0) {
        ranges.push([start, i]);
        start = i + 1;
      }
    }
    if (start < close || ranges.length > 0) ranges.push([start, close]);
    return ranges;
  }
}
