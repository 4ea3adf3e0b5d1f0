/**
 * Encoding engine rows into ARROW_BASED_SET results, the way a Databricks SQL warehouse answers a
 * client that advertises `canReadArrowResult`: the Arrow IPC *stream* schema message travels once
 * in `TGetResultSetMetadataResp.arrowSchema`, each page travels as one IPC record-batch message in
 * `TRowSet.arrowBatches[{batch, rowCount}]`. The driver concatenates `[arrowSchema, ...batches]`
 * and reads them with `RecordBatchReader.from` (apache-arrow 13, the version it ships with).
 *
 * Types follow Databricks: BIGINT → Int64, DATE → Date32, BINARY → Binary; TIMESTAMP → Timestamp
 * (microsecond, UTC) when `timestampAsArrow` else text; DECIMAL → Decimal128 when `decimalAsArrow`
 * else text; ARRAY/MAP/STRUCT → List/Map/Struct when `complexTypesAsArrow` else JSON text;
 * INTERVAL → text (the driver sends `intervalTypesAsArrow: false`).
 */
// apache-arrow 13 (the version @databricks/sql 2.1 reads with) declares its types only through
// `types`, which its `exports` map hides from TypeScript's Bundler resolution: take the runtime
// from the package and the types from its declaration file.

// biome-ignore lint/suspicious/noTsIgnore: see above (the error only appears under tsc).
// @ts-ignore
import * as ArrowRuntime from 'apache-arrow';
import type * as ArrowTypes from '../../../node_modules/apache-arrow/Arrow.node.js';

/** apache-arrow 13, typed. */
export const Arrow = ArrowRuntime as typeof ArrowTypes;
const {
  Binary,
  Bool,
  DateDay,
  Decimal,
  Field,
  Float32,
  Float64,
  Int8,
  Int16,
  Int32,
  Int64,
  List,
  Map_,
  makeBuilder,
  makeData,
  Null,
  RecordBatch,
  RecordBatchStreamWriter,
  Schema,
  Struct,
  TimestampMicrosecond,
  Utf8,
} = Arrow;
type Builder = ArrowTypes.Builder;
type Data = ArrowTypes.Data;
type DataType = ArrowTypes.DataType;
type Field = ArrowTypes.Field;
type Schema = ArrowTypes.Schema;
type Utf8 = ArrowTypes.Utf8;
type Binary = ArrowTypes.Binary;

import type { ColumnMetadata, EngineValue } from '../../engine/sql_engine.js';
import { complexToJson } from './thrift_results.js';
import type { ThriftStruct } from './thrift_types.js';

/** What the client asked for in `TExecuteStatementReq` (`canReadArrowResult`, `useArrowNativeTypes`). */
export interface ArrowOptions {
  timestampAsArrow: boolean;
  decimalAsArrow: boolean;
  complexTypesAsArrow: boolean;
}

/** The Arrow options of an ExecuteStatement request; undefined when the client reads no Arrow. */
export function arrowOptionsOf(request: ThriftStruct): ArrowOptions | undefined {
  if (!request?.canReadArrowResult) return undefined;
  const native = request.useArrowNativeTypes;
  return {
    timestampAsArrow: Boolean(native?.timestampAsArrow),
    decimalAsArrow: Boolean(native?.decimalAsArrow),
    complexTypesAsArrow: Boolean(native?.complexTypesAsArrow),
  };
}

/** A parsed Databricks type name: `MAP<STRING,ARRAY<DECIMAL(10,2)>>` → a tree. */
export interface TypeNode {
  base: string;
  precision?: number;
  scale?: number;
  children?: TypeNode[];
  /** STRUCT field names, parallel to `children`. */
  names?: string[];
}

/** Parse a Databricks type name (`ARRAY<STRUCT<a:INT,b:STRING>>`, `DECIMAL(10,2)`, ...). */
export function parseTypeName(text: string): TypeNode {
  let i = 0;
  const ws = () => {
    while (i < text.length && /\s/.test(text[i] as string)) i += 1;
  };
  const ident = (): string => {
    ws();
    if (text[i] === '`') {
      let out = '';
      i += 1;
      while (i < text.length) {
        if (text[i] === '`' && text[i + 1] === '`') {
          out += '`';
          i += 2;
        } else if (text[i] === '`') {
          i += 1;
          break;
        } else out += text[i++];
      }
      return out;
    }
    const start = i;
    while (i < text.length && !/[\s<>(),:]/.test(text[i] as string)) i += 1;
    return text.slice(start, i);
  };
  const expect = (char: string) => {
    ws();
    if (text[i] === char) i += 1;
  };
  const node = (): TypeNode => {
    let base = ident().toUpperCase();
    ws();
    if (base === 'INTERVAL') {
      // INTERVAL DAY TO SECOND, INTERVAL YEAR TO MONTH...: words up to a delimiter.
      while (i < text.length && !/[<>(),]/.test(text[i] as string)) i += 1;
      return { base };
    }
    if (text[i] === '(') {
      const close = text.indexOf(')', i);
      const args = text
        .slice(i + 1, close < 0 ? text.length : close)
        .split(',')
        .map((part) => Number(part.trim()));
      i = close < 0 ? text.length : close + 1;
      if (base === 'DECIMAL' || base === 'DEC' || base === 'NUMERIC') {
        return { base: 'DECIMAL', precision: args[0] ?? 10, scale: args[1] ?? 0 };
      }
      return { base };
    }
    if (base === 'DEC' || base === 'NUMERIC') base = 'DECIMAL';
    if (base === 'DECIMAL') return { base, precision: 10, scale: 0 };
    if (text[i] !== '<') return { base };
    i += 1;
    if (base === 'ARRAY') {
      const element = node();
      expect('>');
      return { base, children: [element] };
    }
    if (base === 'MAP') {
      const key = node();
      expect(',');
      const value = node();
      expect('>');
      return { base, children: [key, value] };
    }
    if (base === 'STRUCT') {
      const names: string[] = [];
      const children: TypeNode[] = [];
      ws();
      while (i < text.length && text[i] !== '>') {
        names.push(ident());
        expect(':');
        children.push(node());
        ws();
        if (text[i] === ',') i += 1;
        ws();
      }
      expect('>');
      return { base, names, children };
    }
    // Unknown parameterised type: skip to the matching '>'.
    let depth = 1;
    while (i < text.length && depth > 0) {
      if (text[i] === '<') depth += 1;
      if (text[i] === '>') depth -= 1;
      i += 1;
    }
    return { base };
  };
  return node();
}

/** The Arrow type Databricks sends for a (possibly nested) Databricks type. */
export function arrowTypeOf(node: TypeNode, options: ArrowOptions): DataType {
  switch (node.base) {
    case 'BOOLEAN':
      return new Bool();
    case 'TINYINT':
    case 'BYTE':
      return new Int8();
    case 'SMALLINT':
    case 'SHORT':
      return new Int16();
    case 'INT':
    case 'INTEGER':
      return new Int32();
    case 'BIGINT':
    case 'LONG':
      return new Int64();
    case 'FLOAT':
    case 'REAL':
      return new Float32();
    case 'DOUBLE':
      return new Float64();
    case 'DATE':
      return new DateDay();
    case 'TIMESTAMP':
    case 'TIMESTAMP_LTZ':
    case 'TIMESTAMP_NTZ':
      return options.timestampAsArrow ? new TimestampMicrosecond('Etc/UTC') : new Utf8();
    case 'DECIMAL':
      return options.decimalAsArrow
        ? new Decimal(node.scale ?? 0, node.precision ?? 10, 128)
        : new Utf8();
    case 'BINARY':
      return new Binary();
    case 'VOID':
    case 'NULL':
      return new Null();
    case 'ARRAY':
    case 'MAP':
    case 'STRUCT': {
      if (!options.complexTypesAsArrow) return new Utf8();
      const children = node.children ?? [];
      if (node.base === 'ARRAY') {
        return new List(
          new Field('element', arrowTypeOf(children[0] ?? { base: 'STRING' }, options), true),
        );
      }
      if (node.base === 'MAP') {
        const entries = new Struct([
          new Field('key', arrowTypeOf(children[0] ?? { base: 'STRING' }, options), false),
          new Field('value', arrowTypeOf(children[1] ?? { base: 'STRING' }, options), true),
        ]);
        return new Map_(new Field('entries', entries, false), false);
      }
      return new Struct(
        children.map(
          (child, index) =>
            new Field(node.names?.[index] ?? `col${index + 1}`, arrowTypeOf(child, options), true),
        ),
      );
    }
    default:
      return new Utf8();
  }
}

// ---------------------------------------------------------------------------------------------
// Value parsing (engine values are text for DATE / TIMESTAMP / DECIMAL, see engine_types.ts)

const DAY_MS = 86_400_000;

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

const TWO_32 = 4294967296;

/**
 * 'YYYY-MM-DD HH:MM:SS[.ffffff]' → microseconds since the epoch as a number when the canonical
 * form is exact in a double (years 1685..2255), else NaN (callers fall back to BigInt).
 */
function fastTimestampMicros(text: string): number {
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
function writeDecimal128(target: Uint32Array, offset: number, unscaled: bigint): void {
  let value = BigInt.asUintN(128, unscaled);
  for (let word = 0; word < 4; word += 1) {
    target[offset + word] = Number(value & MASK32);
    value >>= 32n;
  }
}

/** An engine value as the JS value an apache-arrow builder accepts for `node`. */
function builderValue(
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

// ---------------------------------------------------------------------------------------------
// Column encoding: typed arrays for flat types, apache-arrow builders for nested ones.

/** Validity bitmap (bit set = valid) and null count, or undefined bitmap when nothing is null. */
function validity(
  rows: EngineValue[][],
  index: number,
): { bitmap: Uint8Array | undefined; nullCount: number } {
  const count = rows.length;
  let nullCount = 0;
  for (let row = 0; row < count; row += 1) {
    const value = (rows[row] as EngineValue[])[index];
    if (value === null || value === undefined) nullCount += 1;
  }
  if (nullCount === 0) return { bitmap: undefined, nullCount };
  const bitmap = new Uint8Array(((count + 63) >> 6) << 3);
  for (let row = 0; row < count; row += 1) {
    const value = (rows[row] as EngineValue[])[index];
    if (value !== null && value !== undefined)
      bitmap[row >> 3] = (bitmap[row >> 3] as number) | (1 << (row & 7));
  }
  return { bitmap, nullCount };
}

const textEncoder = new TextEncoder();

function encodeVariableWidth(
  type: Utf8 | Binary,
  rows: EngineValue[][],
  index: number,
  toBytesOrText: (value: EngineValue) => string | Uint8Array,
): Data {
  const count = rows.length;
  const { bitmap, nullCount } = validity(rows, index);
  const parts = new Array<string | Uint8Array>(count);
  let total = 0;
  for (let row = 0; row < count; row += 1) {
    const value = (rows[row] as EngineValue[])[index];
    if (value === null || value === undefined) {
      parts[row] = '';
      continue;
    }
    const part = toBytesOrText(value);
    parts[row] = part;
    total += typeof part === 'string' ? Buffer.byteLength(part, 'utf8') : part.byteLength;
  }
  const bytes = Buffer.allocUnsafe(total);
  const offsets = new Int32Array(count + 1);
  let position = 0;
  for (let row = 0; row < count; row += 1) {
    const part = parts[row] as string | Uint8Array;
    if (typeof part === 'string') {
      if (part.length > 0) position += bytes.write(part, position, 'utf8');
    } else {
      bytes.set(part, position);
      position += part.byteLength;
    }
    offsets[row + 1] = position;
  }
  return makeData({
    type,
    length: count,
    nullCount,
    nullBitmap: bitmap,
    valueOffsets: offsets,
    data: bytes,
  } as never);
}

function encodeWithBuilder(
  type: DataType,
  node: TypeNode,
  options: ArrowOptions,
  rows: EngineValue[][],
  index: number,
): Data {
  const builder: Builder = makeBuilder({ type, nullValues: [null, undefined] });
  for (const row of rows) builder.append(builderValue(row[index], node, options));
  return builder.finish().flush();
}

function asBigInt64(value: EngineValue): bigint {
  if (typeof value === 'bigint') return BigInt.asIntN(64, value);
  if (typeof value === 'number') return BigInt(Math.trunc(value));
  if (typeof value === 'boolean') return value ? 1n : 0n;
  return BigInt(String(value));
}

function encodeColumn(
  field: Field,
  node: TypeNode,
  options: ArrowOptions,
  rows: EngineValue[][],
  index: number,
): Data {
  const type = field.type as DataType;
  const count = rows.length;
  const valueAt = (row: number) => (rows[row] as EngineValue[])[index];
  const fixed = <A extends { [i: number]: number | bigint }>(
    values: A,
    convert: (value: EngineValue) => number | bigint,
  ): Data => {
    const { bitmap, nullCount } = validity(rows, index);
    for (let row = 0; row < count; row += 1) {
      const value = valueAt(row);
      if (value !== null && value !== undefined) values[row] = convert(value);
    }
    return makeData({ type, length: count, nullCount, nullBitmap: bitmap, data: values } as never);
  };
  const number = (value: EngineValue) => (typeof value === 'number' ? value : Number(value));

  if (type instanceof Null) return makeData({ type, length: count, nullCount: count } as never);
  if (type instanceof Int8) return fixed(new Int8Array(count), number);
  if (type instanceof Int16) return fixed(new Int16Array(count), number);
  if (type instanceof Int32) return fixed(new Int32Array(count), number);
  if (type instanceof Int64) return fixed(new BigInt64Array(count), asBigInt64);
  if (type instanceof Float32) return fixed(new Float32Array(count), number);
  if (type instanceof Float64) return fixed(new Float64Array(count), number);
  if (type instanceof DateDay) return fixed(new Int32Array(count), parseDateDays);
  if (type instanceof TimestampMicrosecond) {
    const { bitmap, nullCount } = validity(rows, index);
    const words = new Int32Array(count * 2);
    let wide: BigInt64Array | undefined;
    for (let row = 0; row < count; row += 1) {
      const value = valueAt(row);
      if (value === null || value === undefined) continue;
      const micros = typeof value === 'string' ? fastTimestampMicros(value) : Number.NaN;
      if (Number.isNaN(micros)) {
        wide ??= new BigInt64Array(words.buffer);
        wide[row] = parseTimestampMicros(value);
      } else {
        const high = Math.floor(micros / TWO_32);
        words[row * 2] = micros - high * TWO_32;
        words[row * 2 + 1] = high;
      }
    }
    return makeData({ type, length: count, nullCount, nullBitmap: bitmap, data: words } as never);
  }
  if (type instanceof Bool) {
    const { bitmap, nullCount } = validity(rows, index);
    const bits = new Uint8Array(((count + 63) >> 6) << 3);
    for (let row = 0; row < count; row += 1) {
      if (valueAt(row)) bits[row >> 3] = (bits[row >> 3] as number) | (1 << (row & 7));
    }
    return makeData({ type, length: count, nullCount, nullBitmap: bitmap, data: bits } as never);
  }
  if (type instanceof Decimal) {
    const { bitmap, nullCount } = validity(rows, index);
    const words = new Uint32Array(count * 4);
    const scale = node.scale ?? 0;
    for (let row = 0; row < count; row += 1) {
      const value = valueAt(row);
      if (value === null || value === undefined) continue;
      // Fast path: canonical text with exactly `scale` fraction digits and at most 15 digits.
      if (typeof value === 'string' && value.length <= 17) {
        const dot = value.indexOf('.');
        if ((scale === 0 && dot < 0) || (dot >= 0 && value.length - dot - 1 === scale)) {
          const unscaled = +(dot < 0 ? value : value.slice(0, dot) + value.slice(dot + 1));
          if (Number.isSafeInteger(unscaled)) {
            const high = Math.floor(unscaled / TWO_32);
            const offset = row * 4;
            words[offset] = unscaled - high * TWO_32;
            words[offset + 1] = high;
            const sign = unscaled < 0 ? 0xffffffff : 0;
            words[offset + 2] = sign;
            words[offset + 3] = sign;
            continue;
          }
        }
      }
      writeDecimal128(words, row * 4, unscaledDecimal(value, scale));
    }
    return makeData({ type, length: count, nullCount, nullBitmap: bitmap, data: words } as never);
  }
  if (type instanceof Binary) {
    return encodeVariableWidth(type, rows, index, (value) =>
      value instanceof Uint8Array ? value : textEncoder.encode(String(value)),
    );
  }
  if (type instanceof Utf8) {
    return encodeVariableWidth(type, rows, index, (value) => {
      const converted = builderValue(value, node, options);
      return typeof converted === 'string' ? converted : String(converted);
    });
  }
  return encodeWithBuilder(type, node, options, rows, index);
}

/** Length of the first message of an IPC stream (continuation, length, metadata; no body). */
function firstMessageLength(bytes: Uint8Array): number {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const continuation = view.getInt32(0, true) === -1;
  const metadataLength = view.getInt32(continuation ? 4 : 0, true);
  return (continuation ? 8 : 4) + metadataLength;
}

/** One operation's Arrow encoding: its schema message and its pages as record-batch messages. */
export class ArrowEncoder {
  readonly schema: Schema;
  /** The IPC stream schema message (`arrowSchema` of the result set metadata). */
  readonly schemaBytes: Buffer;
  private readonly nodes: TypeNode[];
  private readonly schemaLength: number;

  constructor(
    readonly columns: ColumnMetadata[],
    readonly options: ArrowOptions,
  ) {
    this.nodes = columns.map((column) => parseTypeName(column.type || column.baseType));
    this.schema = new Schema(
      columns.map(
        (column, index) =>
          new Field(column.name, arrowTypeOf(this.nodes[index] as TypeNode, options), true),
      ),
    );
    const empty = this.streamBytes([]);
    this.schemaLength = firstMessageLength(empty);
    this.schemaBytes = Buffer.from(empty.subarray(0, this.schemaLength));
  }

  private streamBytes(rows: EngineValue[][]): Uint8Array {
    const children = this.schema.fields.map((field, index) =>
      encodeColumn(field, this.nodes[index] as TypeNode, this.options, rows, index),
    );
    const batch = new RecordBatch(
      this.schema,
      makeData({
        type: new Struct(this.schema.fields),
        length: rows.length,
        nullCount: 0,
        children,
      }),
    );
    return RecordBatchStreamWriter.writeAll([batch]).toUint8Array(true);
  }

  /** The IPC record-batch message of one page (schema and end-of-stream marker stripped). */
  encodeBatch(rows: EngineValue[][]): Buffer {
    const bytes = this.streamBytes(rows);
    // The stream is [schema message][record batch message][EOS: 0xFFFFFFFF 0x00000000].
    const end = bytes.byteLength >= 8 ? bytes.byteLength - 8 : bytes.byteLength;
    return Buffer.from(bytes.buffer, bytes.byteOffset + this.schemaLength, end - this.schemaLength);
  }
}
