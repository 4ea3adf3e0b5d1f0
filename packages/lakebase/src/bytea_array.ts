/**
 * A faster reader for `bytea[]` columns in PostgreSQL's text format. LangGraph's checkpoint
 * reads return every blob of a checkpoint as `array_agg(array[channel::bytea, type::bytea, blob])`,
 * and `pg`'s own parser walks that text (the blob as hex, twice its size) one character at a
 * time in JavaScript before decoding each element: about a fifth of the CPU time of a `getTuple`
 * with a few kilobytes of messages. In hex output (`bytea_output = hex`, the default and
 * Lakebase's) every element is `"\\x<hex>"` or `NULL`, so this one jumps from quote to quote and
 * lets `Buffer.from(..., 'hex')` (native) decode; anything else goes to `pg`'s parser, so the
 * result is always the same nested arrays of `Buffer` and `null`.
 */
import pg from 'pg';

/** OID of `bytea[]` (`_bytea`). */
export const BYTEA_ARRAY_OID = 1001;

const OPEN = 0x7b; // {
const CLOSE = 0x7d; // }
const COMMA = 0x2c; // ,
const QUOTE = 0x22; // "
/** What opens an element in hex output: a quote, then the escaped backslash and x (`"\\x`). */
const HEX_ELEMENT = '"\\\\x';

type Parser = (text: string) => unknown;
/** `pg.types.getTypeParser` for any OID (its typing lists only some built-in types). */
const pgTypeParser = pg.types.getTypeParser as (oid: number, format?: 'text' | 'binary') => Parser;
/** `pg`'s parser for `bytea[]` (as installed when this module loads). */
const pgByteaArrayParser = pgTypeParser(BYTEA_ARRAY_OID, 'text');

/** Parses a `bytea[]` (of any number of dimensions) from its text form. */
export function parseByteaArray(text: string): unknown {
  return parseHexByteaArray(text) ?? pgByteaArrayParser(text);
}

/** The hex-output fast path; `undefined` when the text is in any other shape. */
function parseHexByteaArray(text: string): unknown[] | undefined {
  // Arrays whose lower bound is not 1 start with their bounds (`[0:1]={...}`): not ours.
  if (text.charCodeAt(0) !== OPEN) return undefined;
  const outer: unknown[][] = [];
  let current: unknown[] | undefined;
  let result: unknown[] | undefined;
  let index = 0;
  while (index < text.length) {
    const code = text.charCodeAt(index);
    if (code === OPEN) {
      const nested: unknown[] = [];
      if (current) {
        current.push(nested);
        outer.push(current);
      } else if (result) {
        return undefined; // something after the closing brace
      } else {
        result = nested;
      }
      current = nested;
      index += 1;
    } else if (code === CLOSE) {
      if (!current) return undefined;
      current = outer.pop();
      index += 1;
    } else if (code === COMMA) {
      index += 1;
    } else if (code === QUOTE) {
      // Hex digits hold no quote or backslash: the next quote closes the element.
      if (!current || !text.startsWith(HEX_ELEMENT, index)) return undefined;
      const end = text.indexOf('"', index + HEX_ELEMENT.length);
      if (end < 0) return undefined;
      const hex = text.slice(index + HEX_ELEMENT.length, end);
      const bytes = Buffer.from(hex, 'hex');
      // Buffer.from stops at the first character that is not hex: then this is not hex output.
      if (bytes.length * 2 !== hex.length) return undefined;
      current.push(bytes);
      index = end + 1;
    } else if (current && text.startsWith('NULL', index)) {
      current.push(null);
      index += 4;
    } else {
      return undefined;
    }
  }
  return current === undefined ? result : undefined;
}

/**
 * `pg`'s type parsers (with any `pg.types.setTypeParser` made by the application), but
 * `bytea[]` in text format through `parseByteaArray` while it is still `pg`'s own. Given to the
 * pool as its `types` unless the caller gives theirs.
 */
export const lakebaseTypes: { getTypeParser: typeof pg.types.getTypeParser } = {
  getTypeParser: ((oid: number, format?: 'text' | 'binary') => {
    const parser = pgTypeParser(oid, format);
    return oid === BYTEA_ARRAY_OID && parser === pgByteaArrayParser ? parseByteaArray : parser;
  }) as typeof pg.types.getTypeParser,
};
