/**
 * Engine values as the values Arrow holds: DATE, TIMESTAMP and DECIMAL arrive as text (see
 * `sql_engine.ts`) and become days, microseconds and unscaled 128-bit integers; nested values
 * become what apache-arrow's builders accept. The fast paths parse the canonical text the engine
 * writes without allocating; the exact paths handle everything else.
 */
import type { EngineValue } from '../../engine/sql_engine.js';
import type { ArrowOptions, TypeNode } from './arrow_types.js';
import { complexToJson } from './thrift_results.js';

export const DAY_MS = 86_400_000;

function utcMillis(year: number, month: number, day: number, h = 0, m = 0, s = 0): number {
  const ms = Date.UTC(year, month - 1, day, h, m, s);
  if (year >= 0 && year < 100) {
    const date = new Date(ms);
    date.setUTCFullYear(year);
    return date.getTime();
  }
  return ms;
}

const DATE_RE = /^([+-]?\d{1,6})-(\d{1,2})-(\d{1,2})/;
const TIMESTAMP_RE =
  /^([+-]?\d{1,6})-(\d{1,2})-(\d{1,2})(?:[ T](\d{1,2}):(\d{1,2})(?::(\d{1,2})(?:\.(\d{1,9}))?)?)?/;

/** Days since the epoch of a proleptic Gregorian date (Howard Hinnant's days_from_civil). */
function daysFromCivil(year: number, month: number, day: number): number {
  const y = month <= 2 ? year - 1 : year;
  const era = Math.floor(y / 400);
  const yoe = y - era * 400;
  const doy = Math.floor((153 * (month > 2 ? month - 3 : month + 9) + 2) / 5) + day - 1;
  const doe = yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy;
  return era * 146097 + doe - 719468;
}

/** The number written by the ASCII digits of `text` in [start, end), or NaN. */
function digits(text: string, start: number, end: number): number {
  let value = 0;
  for (let i = start; i < end; i += 1) {
    const digit = text.charCodeAt(i) - 48;
    if (digit < 0 || digit > 9) return Number.NaN;
    value = value * 10 + digit;
  }
  return value;
}

/** 'YYYY-MM-DD' → days since the epoch. */
export function parseDateDays(value: EngineValue): number {
  if (typeof value === 'number') return value;
  const text = String(value);
  // Fast path for the canonical 10-character form.
  if (text.length === 10 && text.charCodeAt(4) === 45 && text.charCodeAt(7) === 45) {
    const days = daysFromCivil(digits(text, 0, 4), digits(text, 5, 7), digits(text, 8, 10));
    if (!Number.isNaN(days)) return days;
  }
  const match = DATE_RE.exec(text);
  if (!match) throw new Error(`Not a DATE: ${text}`);
  return Math.round(utcMillis(+match[1]!, +match[2]!, +match[3]!) / DAY_MS);
}

/** 'YYYY-MM-DD HH:MM:SS[.ffffff]' (UTC) → microseconds since the epoch. */
export function parseTimestampMicros(value: EngineValue): bigint {
  if (typeof value === 'bigint') return value;
  if (typeof value === 'number') return BigInt(Math.trunc(value * 1000));
  const text = String(value);
  const fast = fastTimestampMicros(text);
  if (!Number.isNaN(fast)) return BigInt(fast);
  const match = TIMESTAMP_RE.exec(text);
  if (!match) throw new Error(`Not a TIMESTAMP: ${text}`);
  const ms = utcMillis(
    +match[1]!,
    +match[2]!,
    +match[3]!,
    +(match[4] ?? 0),
    +(match[5] ?? 0),
    +(match[6] ?? 0),
  );
  const fraction = (match[7] ?? '').padEnd(6, '0').slice(0, 6);
  return BigInt(ms) * 1000n + BigInt(fraction);
}

export const TWO_32 = 4294967296;

/**
 * 'YYYY-MM-DD HH:MM:SS[.ffffff]' → microseconds since the epoch as a number when the canonical
 * form is exact in a double (years 1685..2255), else NaN (callers fall back to BigInt).
 */
export function fastTimestampMicros(text: string): number {
  const n = text.length;
  if (
    n < 19 ||
    text.charCodeAt(4) !== 45 ||
    text.charCodeAt(10) !== 32 ||
    text.charCodeAt(13) !== 58 ||
    (n > 19 && text.charCodeAt(19) !== 46)
  )
    return Number.NaN;
  const year = digits(text, 0, 4);
  if (!(year >= 1700 && year <= 2250)) return Number.NaN;
  const days = daysFromCivil(year, digits(text, 5, 7), digits(text, 8, 10));
  const seconds = digits(text, 11, 13) * 3600 + digits(text, 14, 16) * 60 + digits(text, 17, 19);
  let fraction = 0;
  if (n > 20) {
    const end = Math.min(n, 26);
    fraction = digits(text, 20, end) * 10 ** (6 - (end - 20));
  }
  return (days * 86_400 + seconds) * 1_000_000 + fraction;
}

/** Decimal text ('-12.50') → the unscaled integer at `scale` (12.50 at scale 2 → 1250n). */
export function unscaledDecimal(value: EngineValue, scale: number): bigint {
  if (typeof value === 'bigint') return value * 10n ** BigInt(scale);
  let text = typeof value === 'number' ? value.toFixed(scale) : String(value).trim();
  const negative = text.startsWith('-');
  if (negative || text.startsWith('+')) text = text.slice(1);
  const exponent = /e/i.exec(text);
  if (exponent) text = Number(text).toFixed(scale);
  const [whole = '0', fraction = ''] = text.split('.');
  const digits = `${whole}${fraction.padEnd(scale, '0').slice(0, scale)}`;
  const unscaled = BigInt(digits === '' ? '0' : digits);
  return negative ? -unscaled : unscaled;
}

const MASK32 = 0xffffffffn;

/** Write a 128-bit two's complement little-endian integer as four Uint32 words. */
export function writeDecimal128(target: Uint32Array, offset: number, unscaled: bigint): void {
  let value = BigInt.asUintN(128, unscaled);
  for (let word = 0; word < 4; word += 1) {
    target[offset + word] = Number(value & MASK32);
    value >>= 32n;
  }
}

/** An engine value as the JS value an apache-arrow builder accepts for `node`. */
export function builderValue(
  value: EngineValue | undefined,
  node: TypeNode,
  options: ArrowOptions,
): unknown {
  if (value === null || value === undefined) return null;
  switch (node.base) {
    case 'BIGINT':
    case 'LONG':
      return typeof value === 'bigint'
        ? BigInt.asIntN(64, value)
        : BigInt(Math.trunc(Number(value)));
    case 'TINYINT':
    case 'SMALLINT':
    case 'INT':
    case 'INTEGER':
    case 'FLOAT':
    case 'REAL':
    case 'DOUBLE':
      return typeof value === 'number' ? value : Number(value);
    case 'BOOLEAN':
      return Boolean(value);
    case 'DATE':
      return parseDateDays(value) * DAY_MS;
    case 'TIMESTAMP':
    case 'TIMESTAMP_LTZ':
    case 'TIMESTAMP_NTZ':
      return options.timestampAsArrow ? Number(parseTimestampMicros(value)) / 1000 : String(value);
    case 'DECIMAL': {
      if (!options.decimalAsArrow) return typeof value === 'string' ? value : String(value);
      const words = new Uint32Array(4);
      writeDecimal128(words, 0, unscaledDecimal(value, node.scale ?? 0));
      return words;
    }
    case 'BINARY':
      return value instanceof Uint8Array ? value : Buffer.from(String(value));
    case 'VOID':
    case 'NULL':
      return null;
    case 'ARRAY':
    case 'MAP':
    case 'STRUCT': {
      if (!options.complexTypesAsArrow) return complexToJson(value);
      const children = node.children ?? [];
      if (node.base === 'ARRAY') {
        const element = children[0] ?? { base: 'STRING' };
        return (Array.isArray(value) ? value : [value]).map((item) =>
          builderValue(item, element, options),
        );
      }
      if (node.base === 'MAP') {
        const [keyType = { base: 'STRING' }, valueType = { base: 'STRING' }] = children;
        const map = new Map<unknown, unknown>();
        for (const [key, item] of Object.entries(value as Record<string, EngineValue>)) {
          map.set(builderValue(key, keyType, options), builderValue(item, valueType, options));
        }
        return map;
      }
      const record = value as Record<string, EngineValue>;
      const out: Record<string, unknown> = {};
      children.forEach((child, index) => {
        const name = node.names?.[index] ?? `col${index + 1}`;
        out[name] = builderValue(record[name], child, options);
      });
      return out;
    }
    default:
      if (typeof value === 'string') return value;
      if (value instanceof Uint8Array) return Buffer.from(value).toString('utf8');
      if (typeof value === 'object') return complexToJson(value);
      return String(value);
  }
}
