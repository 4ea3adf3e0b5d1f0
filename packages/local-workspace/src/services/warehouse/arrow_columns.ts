/**
 * One page of one column as Arrow data: typed arrays written directly for flat types (the hot
 * path of large results), apache-arrow builders for nested ones.
 */
import type { EngineValue } from '../../engine/sql_engine.js';
import { Arrow, type ArrowOptions, type ArrowTypes, type TypeNode } from './arrow_types.js';
import {
  builderValue,
  fastTimestampMicros,
  parseDateDays,
  parseTimestampMicros,
  TWO_32,
  unscaledDecimal,
  writeDecimal128,
} from './arrow_values.js';

const {
  Binary,
  Bool,
  DateDay,
  Decimal,
  Float32,
  Float64,
  Int8,
  Int16,
  Int32,
  Int64,
  makeBuilder,
  makeData,
  Null,
  TimestampMicrosecond,
  Utf8,
} = Arrow;
type Builder = ArrowTypes.Builder;
type Data = ArrowTypes.Data;
type DataType = ArrowTypes.DataType;
type Field = ArrowTypes.Field;
type Utf8 = ArrowTypes.Utf8;
type Binary = ArrowTypes.Binary;

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

export function encodeColumn(
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
