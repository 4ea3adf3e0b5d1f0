/**
 * Decoding Statement Execution results into the JavaScript values the Thrift path gives (see
 * `../values.ts`): BIGINT as `bigint`, DECIMAL as an exact string, DATE and TIMESTAMP as `Date`,
 * BINARY as `Uint8Array`, ARRAY / MAP / STRUCT as arrays and plain objects whose leaves follow the
 * same rules, INTERVAL as a string.
 *
 * JSON_ARRAY and CSV carry every value as text (BINARY as hex, nested types as JSON). Nested JSON
 * is parsed here with number literals kept as text, so a BIGINT or DECIMAL inside an ARRAY never
 * passes through a float.
 */
import type { TypeNode } from './types.js';

export type DecodedValue =
  | null
  | boolean
  | number
  | bigint
  | string
  | Date
  | Uint8Array
  | DecodedValue[]
  | { [key: string]: DecodedValue };

const DATE_TEXT = /^([+-]?\d{1,6})-(\d{1,2})-(\d{1,2})$/;
const TIMESTAMP_TEXT =
  /^([+-]?\d{1,6})-(\d{1,2})-(\d{1,2})(?:[T ](\d{1,2}):(\d{1,2})(?::(\d{1,2})(?:\.(\d{1,9}))?)?)?\s*(Z|[+-]\d{2}:?\d{2})?$/i;

function utcDate(year: number, month: number, day: number, h = 0, m = 0, s = 0, ms = 0): Date {
  const date = new Date(Date.UTC(2000, month - 1, day, h, m, s, ms));
  // Date.UTC maps years 0-99 to 1900-1999: set the year separately.
  date.setUTCFullYear(year);
  return date;
}

/** The value of the two ASCII digits at `index` of `text`, or -1 when they are not digits. */
function twoDigits(text: string, index: number): number {
  const tens = text.charCodeAt(index) - 48;
  const ones = text.charCodeAt(index + 1) - 48;
  return tens >= 0 && tens <= 9 && ones >= 0 && ones <= 9 ? tens * 10 + ones : -1;
}

/**
 * `YYYY-MM-DD` with a year from 100 on (what the API sends for nearly every DATE), read by
 * character codes; undefined for anything else, which the regular expression then reads.
 */
function canonicalDate(text: string): Date | undefined {
  if (text.length !== 10 || text.charCodeAt(4) !== 45 || text.charCodeAt(7) !== 45) return;
  const century = twoDigits(text, 0);
  const yearInCentury = twoDigits(text, 2);
  const month = twoDigits(text, 5);
  const day = twoDigits(text, 8);
  if (century < 1 || yearInCentury < 0 || month < 0 || day < 0) return;
  const date = new Date(Date.UTC(century * 100 + yearInCentury, month - 1, day));
  // A day past the month's end (never sent by Databricks) takes the general path, which rolls
  // it over from a leap year as it always has.
  return date.getUTCDate() === day ? date : undefined;
}

/** `YYYY-MM-DD` → UTC midnight, as the Thrift path gives DATE. */
export function parseDateText(text: string): Date | string {
  const canonical = canonicalDate(text);
  if (canonical) return canonical;
  const match = DATE_TEXT.exec(text.trim());
  if (!match) return parseTimestampText(text);
  return utcDate(Number(match[1]), Number(match[2]), Number(match[3]));
}

/** ISO 8601 or `YYYY-MM-DD HH:MM:SS[.ffffff]` (UTC unless an offset is given) → `Date`. */
export function parseTimestampText(text: string): Date | string {
  const match = TIMESTAMP_TEXT.exec(text.trim());
  if (!match) return text;
  const fraction = (match[7] ?? '').padEnd(3, '0').slice(0, 3);
  let date = utcDate(
    Number(match[1]),
    Number(match[2]),
    Number(match[3]),
    Number(match[4] ?? 0),
    Number(match[5] ?? 0),
    Number(match[6] ?? 0),
    Number(fraction),
  );
  const zone = match[8];
  if (zone && zone.toUpperCase() !== 'Z') {
    const sign = zone.startsWith('-') ? -1 : 1;
    const digits = zone.slice(1).replace(':', '');
    const offsetMinutes = Number(digits.slice(0, 2)) * 60 + Number(digits.slice(2, 4));
    date = new Date(date.getTime() - sign * offsetMinutes * 60_000);
  }
  return date;
}

function hexToBytes(text: string): Uint8Array | string {
  const clean = text.trim();
  if (clean.length % 2 !== 0 || !/^[0-9a-fA-F]*$/.test(clean)) return text;
  const bytes = new Uint8Array(clean.length / 2);
  for (let i = 0; i < bytes.length; i += 1)
    bytes[i] = Number.parseInt(clean.slice(i * 2, i * 2 + 2), 16);
  return bytes;
}

function base64ToBytes(text: string): Uint8Array | string {
  try {
    const binary = atob(text);
    const bytes = new Uint8Array(binary.length);
    for (let i = 0; i < binary.length; i += 1) bytes[i] = binary.charCodeAt(i);
    return bytes;
  } catch {
    return text;
  }
}

function toFloat(text: string): number {
  // Numbers (and `Infinity`, `-Infinity`) without lower-casing a copy of every value first.
  const number = Number(text);
  if (!Number.isNaN(number)) return number;
  const lower = text.trim().toLowerCase();
  if (lower === 'nan') return Number.NaN;
  if (lower === 'infinity' || lower === '+infinity' || lower === 'inf')
    return Number.POSITIVE_INFINITY;
  if (lower === '-infinity' || lower === '-inf') return Number.NEGATIVE_INFINITY;
  return Number(text);
}

const INTEGER_TEXT = /^[+-]?\d+$/;

function toBigInt(text: string): bigint | string {
  // Up to 15 digits (exact in a double): read by character codes and made a bigint from the
  // number, about three times faster than the regular expression and BigInt's own text parsing.
  const length = text.length;
  if (length <= 16) {
    const sign = text.charCodeAt(0);
    let index = sign === 45 || sign === 43 ? 1 : 0; // '-' or '+'
    if (index < length && length - index <= 15) {
      let value = 0;
      for (; index < length; index += 1) {
        const digit = text.charCodeAt(index) - 48;
        if (digit < 0 || digit > 9) break;
        value = value * 10 + digit;
      }
      if (index === length) return BigInt(sign === 45 ? -value : value);
    }
  }
  const trimmed = text.trim();
  return INTEGER_TEXT.test(trimmed) ? BigInt(trimmed) : trimmed;
}

/** Decodes the values of one column from their text (`null` stays null). */
export type ColumnDecoder = (text: string | null) => DecodedValue;

const keepText: ColumnDecoder = (text) => text;

/**
 * The decoder of a JSON_ARRAY or CSV column of this type (top level: BINARY in hex), chosen once
 * per result schema so that each value costs one call instead of a dispatch on its type name.
 * Decodes exactly as `decodeText` does.
 */
export function columnDecoderFor(type: TypeNode): ColumnDecoder {
  switch (type.base) {
    case 'BOOLEAN':
      return (text) => (text === null ? null : text.trim().toLowerCase() === 'true');
    case 'TINYINT':
    case 'SMALLINT':
    case 'INT':
      return (text) => (text === null ? null : Number(text));
    case 'BIGINT':
      return (text) => (text === null ? null : toBigInt(text));
    case 'FLOAT':
    case 'DOUBLE':
      return (text) => (text === null ? null : toFloat(text));
    case 'DATE':
      return (text) => (text === null ? null : parseDateText(text));
    case 'TIMESTAMP':
    case 'TIMESTAMP_NTZ':
      return (text) => (text === null ? null : parseTimestampText(text));
    case 'BINARY':
      return (text) => (text === null ? null : hexToBytes(text));
    case 'VOID':
      return () => null;
    case 'ARRAY':
    case 'MAP':
    case 'STRUCT':
      return (text) => (text === null ? null : fromJsonTree(parseJsonKeepingNumbers(text), type));
    default:
      return keepText;
  }
}

/**
 * Decodes rows of text (INLINE `data_array`, a JSON_ARRAY or CSV chunk) with one decoder per
 * column; columns beyond the schema stay text. The input rows are left as they are (the first
 * chunk belongs to the caller's `StatementResponse`).
 */
export function decodeTextRows(
  rows: ReadonlyArray<ReadonlyArray<string | null>>,
  decoders: readonly ColumnDecoder[],
): DecodedValue[][] {
  const out: DecodedValue[][] = new Array(rows.length);
  for (let rowIndex = 0; rowIndex < rows.length; rowIndex += 1) {
    const row = rows[rowIndex]!;
    const decoded: DecodedValue[] = new Array(row.length);
    for (let column = 0; column < row.length; column += 1) {
      const decoder = decoders[column];
      const text = row[column] as string | null;
      decoded[column] = decoder === undefined ? text : decoder(text);
    }
    out[rowIndex] = decoded;
  }
  return out;
}

/**
 * One value of a JSON_ARRAY or CSV result (`null` stays null). `binaryEncoding` is `hex` at the
 * top level (what the API sends) and `base64` inside nested JSON (what `to_json` writes).
 */
export function decodeText(
  text: string | null,
  type: TypeNode,
  binaryEncoding: 'hex' | 'base64' = 'hex',
): DecodedValue {
  if (text === null) return null;
  switch (type.base) {
    case 'BOOLEAN':
      return text.trim().toLowerCase() === 'true';
    case 'TINYINT':
    case 'SMALLINT':
    case 'INT':
      return Number(text);
    case 'BIGINT':
      return toBigInt(text);
    case 'FLOAT':
    case 'DOUBLE':
      return toFloat(text);
    case 'DATE':
      return parseDateText(text);
    case 'TIMESTAMP':
    case 'TIMESTAMP_NTZ':
      return parseTimestampText(text);
    case 'BINARY':
      return binaryEncoding === 'hex' ? hexToBytes(text) : base64ToBytes(text);
    case 'VOID':
      return null;
    case 'ARRAY':
    case 'MAP':
    case 'STRUCT':
      return fromJsonTree(parseJsonKeepingNumbers(text), type);
    default:
      return text;
  }
}

// ---------------------------------------------------------------------------------------------
// JSON with number literals kept as text

/** A parsed JSON value whose numbers are `{ number: '<literal>' }`, so no precision is lost. */
type JsonTree =
  | null
  | boolean
  | string
  | { number: string }
  | JsonTree[]
  | { object: Array<[string, JsonTree]> };

/** Parses JSON text; numbers stay as their literal text. Throws on malformed input. */
export function parseJsonKeepingNumbers(text: string): JsonTree {
  let index = 0;
  const fail = (): never => {
    throw new SyntaxError(`Malformed JSON at offset ${index} in a nested value`);
  };
  const space = () => {
    while (index < text.length && ' \t\r\n'.includes(text[index]!)) index += 1;
  };
  const string = (): string => {
    // JSON.parse does escapes correctly; find the closing quote and hand it the literal.
    const start = index;
    index += 1;
    while (index < text.length && text[index] !== '"') index += text[index] === '\\' ? 2 : 1;
    if (index >= text.length) fail();
    index += 1;
    return JSON.parse(text.slice(start, index)) as string;
  };
  const value = (): JsonTree => {
    space();
    const char = text[index];
    if (char === '{') {
      index += 1;
      const entries: Array<[string, JsonTree]> = [];
      space();
      if (text[index] === '}') {
        index += 1;
        return { object: entries };
      }
      for (;;) {
        space();
        if (text[index] !== '"') fail();
        const key = string();
        space();
        if (text[index] !== ':') fail();
        index += 1;
        entries.push([key, value()]);
        space();
        if (text[index] === ',') {
          index += 1;
          continue;
        }
        if (text[index] === '}') {
          index += 1;
          return { object: entries };
        }
        fail();
      }
    }
    if (char === '[') {
      index += 1;
      const items: JsonTree[] = [];
      space();
      if (text[index] === ']') {
        index += 1;
        return items;
      }
      for (;;) {
        items.push(value());
        space();
        if (text[index] === ',') {
          index += 1;
          continue;
        }
        if (text[index] === ']') {
          index += 1;
          return items;
        }
        fail();
      }
    }
    if (char === '"') return string();
    if (text.startsWith('true', index)) {
      index += 4;
      return true;
    }
    if (text.startsWith('false', index)) {
      index += 5;
      return false;
    }
    if (text.startsWith('null', index)) {
      index += 4;
      return null;
    }
    const number = /^-?(?:\d+)(?:\.\d+)?(?:[eE][+-]?\d+)?/.exec(text.slice(index, index + 400));
    if (!number) return fail();
    index += number[0].length;
    return { number: number[0] };
  };
  const result = value();
  space();
  if (index !== text.length) fail();
  return result;
}

function isNumberLiteral(tree: JsonTree): tree is { number: string } {
  return tree !== null && typeof tree === 'object' && !Array.isArray(tree) && 'number' in tree;
}

function isObjectTree(tree: JsonTree): tree is { object: Array<[string, JsonTree]> } {
  return tree !== null && typeof tree === 'object' && !Array.isArray(tree) && 'object' in tree;
}

/** Converts a parsed nested value by its type (leaves as in `decodeText`). */
function fromJsonTree(tree: JsonTree, type: TypeNode): DecodedValue {
  if (tree === null) return null;
  switch (type.base) {
    case 'ARRAY': {
      if (!Array.isArray(tree)) return plainJson(tree);
      const element = type.children?.[0] ?? { base: 'STRING' };
      return tree.map((item) => fromJsonTree(item, element));
    }
    case 'MAP': {
      const valueType = type.children?.[1] ?? { base: 'STRING' };
      const out: Record<string, DecodedValue> = {};
      if (isObjectTree(tree)) {
        for (const [key, item] of tree.object) out[key] = fromJsonTree(item, valueType);
        return out;
      }
      // Some writers print a map as an array of {key, value} pairs.
      if (Array.isArray(tree)) {
        for (const pair of tree) {
          if (!isObjectTree(pair)) continue;
          const fields = new Map(pair.object);
          const key = fields.get('key');
          out[String(plainJson(key ?? null))] = fromJsonTree(
            fields.get('value') ?? null,
            valueType,
          );
        }
        return out;
      }
      return plainJson(tree);
    }
    case 'STRUCT': {
      if (!isObjectTree(tree)) return plainJson(tree);
      const types = new Map((type.names ?? []).map((name, i) => [name, type.children?.[i]]));
      const out: Record<string, DecodedValue> = {};
      for (const [key, item] of tree.object) {
        const fieldType = types.get(key);
        out[key] = fieldType ? fromJsonTree(item, fieldType) : plainJson(item);
      }
      return out;
    }
    default:
      break;
  }
  if (isNumberLiteral(tree)) return decodeText(tree.number, type, 'base64');
  if (typeof tree === 'string') return decodeText(tree, type, 'base64');
  if (typeof tree === 'boolean') return type.base === 'STRING' ? String(tree) : tree;
  return plainJson(tree);
}

/** A nested value without type information: numbers exact when safe, else their text. */
function plainJson(tree: JsonTree): DecodedValue {
  if (tree === null || typeof tree === 'boolean' || typeof tree === 'string') return tree;
  if (Array.isArray(tree)) return tree.map(plainJson);
  if (isNumberLiteral(tree)) {
    const number = Number(tree.number);
    if (/^-?\d+$/.test(tree.number) && !Number.isSafeInteger(number)) return BigInt(tree.number);
    return number;
  }
  const out: Record<string, DecodedValue> = {};
  for (const [key, item] of tree.object) out[key] = plainJson(item);
  return out;
}

// ---------------------------------------------------------------------------------------------
// Arrow

/** Exact decimal text of a 128-bit two's-complement unscaled value (four little-endian words). */
export function decimalWordsToString(words: ArrayLike<number>, scale: number): string {
  let unscaled = 0n;
  for (let i = 3; i >= 0; i -= 1) unscaled = (unscaled << 32n) | BigInt((words[i] ?? 0) >>> 0);
  if (unscaled >= 1n << 127n) unscaled -= 1n << 128n;
  const negative = unscaled < 0n;
  let digits = (negative ? -unscaled : unscaled).toString();
  if (scale > 0) {
    digits = digits.padStart(scale + 1, '0');
    digits = `${digits.slice(0, -scale)}.${digits.slice(-scale)}`;
  }
  return negative ? `-${digits}` : digits;
}
