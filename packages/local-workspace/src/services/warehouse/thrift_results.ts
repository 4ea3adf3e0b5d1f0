/**
 * Encoding engine rows (row-major `EngineValue[][]`) into a COLUMN_BASED_SET `TRowSet`: one
 * typed `TColumn` per result column plus an LSB-first null bitmap, the way Databricks answers a
 * client that reads column-based results. Complex types and DECIMAL/DATE/TIMESTAMP/INTERVAL
 * travel as text (complex types as JSON), which is what the driver's `JsonResultHandler` parses.
 */

import thrift from 'thrift';
import type { ColumnMetadata, EngineValue } from '../../engine/sql_engine.js';
import { Int64, T, type ThriftStruct, TypeId, toInt64, typeIdOf } from './thrift_types.js';

/** A null bitmap: bit `i % 8` of byte `floor(i / 8)` set when row `i` is null. */
export function nullBitmap(isNull: boolean[]): Buffer {
  const bitmap = Buffer.alloc(Math.ceil(isNull.length / 8));
  isNull.forEach((flag, row) => {
    if (flag) bitmap[row >> 3] = (bitmap[row >> 3] ?? 0) | (1 << (row & 7));
  });
  return bitmap;
}

function quoteJson(text: string): string {
  return JSON.stringify(text);
}

/**
 * JSON text of a complex value as Databricks prints it for column-based results: bigint leaves
 * as bare integers, binary leaves as base64, map/struct keys in insertion order.
 */
export function complexToJson(value: EngineValue): string {
  if (value === null) return 'null';
  switch (typeof value) {
    case 'bigint':
      return value.toString();
    case 'number':
      return Number.isFinite(value) ? String(value) : quoteJson(String(value));
    case 'boolean':
      return value ? 'true' : 'false';
    case 'string':
      return quoteJson(value);
    default:
      break;
  }
  if (value instanceof Uint8Array) return quoteJson(Buffer.from(value).toString('base64'));
  if (Array.isArray(value)) return `[${value.map(complexToJson).join(',')}]`;
  const entries = Object.entries(value).map(
    ([key, item]) => `${quoteJson(key)}:${complexToJson(item)}`,
  );
  return `{${entries.join(',')}}`;
}

function asText(value: EngineValue, typeId: number): string {
  if (typeof value === 'string') return value;
  if (typeId === TypeId.ARRAY || typeId === TypeId.MAP || typeId === TypeId.STRUCT)
    return complexToJson(value);
  if (value instanceof Uint8Array) return Buffer.from(value).toString('utf8');
  if (typeof value === 'object' && value !== null) return complexToJson(value);
  return String(value);
}

function asNumber(value: EngineValue): number {
  if (typeof value === 'number') return value;
  if (typeof value === 'bigint') return Number(value);
  if (typeof value === 'boolean') return value ? 1 : 0;
  return Number(value);
}

function asBigInt(value: EngineValue): bigint {
  if (typeof value === 'bigint') return value;
  if (typeof value === 'number') return BigInt(Math.trunc(value));
  if (typeof value === 'boolean') return value ? 1n : 0n;
  return BigInt(String(value));
}

/**
 * A typed column struct with its values assigned directly: the generated constructors copy
 * list arguments element by element (`Thrift.copyList`), a full extra pass per page.
 */
/** Thrift wire type codes (`Thrift.Type`). */
const WIRE = {
  STOP: 0,
  BOOL: 2,
  BYTE: 3,
  DOUBLE: 4,
  I16: 6,
  I32: 8,
  I64: 10,
  STRING: 11,
  LIST: 15,
};

/** The encoded list elements of a typed column (the TBinaryProtocol bytes, without the header). */
function listBody(elementType: number, values: unknown[]): Buffer {
  const count = values.length;
  switch (elementType) {
    case WIRE.BOOL:
    case WIRE.BYTE: {
      const body = Buffer.allocUnsafe(count);
      for (let i = 0; i < count; i += 1) {
        const value = values[i];
        body.writeInt8(elementType === WIRE.BOOL ? (value ? 1 : 0) : (value as number), i);
      }
      return body;
    }
    case WIRE.I16: {
      const body = Buffer.allocUnsafe(2 * count);
      for (let i = 0; i < count; i += 1) body.writeInt16BE(values[i] as number, 2 * i);
      return body;
    }
    case WIRE.I32: {
      const body = Buffer.allocUnsafe(4 * count);
      for (let i = 0; i < count; i += 1) body.writeInt32BE(values[i] as number, 4 * i);
      return body;
    }
    case WIRE.DOUBLE: {
      const body = Buffer.allocUnsafe(8 * count);
      for (let i = 0; i < count; i += 1) body.writeDoubleBE(values[i] as number, 8 * i);
      return body;
    }
    default: {
      // STRING: strings (UTF-8) or Buffers, each with a 4-byte length.
      let total = 4 * count;
      for (let i = 0; i < count; i += 1) {
        const value = values[i];
        total +=
          typeof value === 'string' ? Buffer.byteLength(value, 'utf8') : (value as Buffer).length;
      }
      const body = Buffer.allocUnsafe(total);
      let position = 0;
      for (let i = 0; i < count; i += 1) {
        const value = values[i];
        if (typeof value === 'string') {
          const length = body.write(value, position + 4, 'utf8');
          body.writeInt32BE(length, position);
          position += 4 + length;
        } else {
          const bytes = value as Buffer;
          body.writeInt32BE(bytes.length, position);
          bytes.copy(body, position + 4);
          position += 4 + bytes.length;
        }
      }
      return body;
    }
  }
}

/**
 * A typed column struct (`TStringColumn`, `TI64Column`, ...) whose `write` sends its list as one
 * pre-encoded block when the protocol is TBinaryProtocol. The generated `write` walks the values
 * with `for...in` and writes each element through two small buffers, which dominated the cost of
 * a column-based page. Other protocols use the generated `write`.
 */
function typedColumn(
  Column: new (args?: Record<string, unknown>) => ThriftStruct,
  elementType: number,
  values: unknown[] | (() => unknown[]),
  nulls: Buffer,
  body?: { bytes: () => Buffer; count: number },
): ThriftStruct {
  const column = new Column();
  column.nulls = nulls;
  let count: number;
  if (typeof values === 'function') {
    // Materialised only if something reads them (tests, a non-binary protocol).
    let cached: unknown[] | undefined;
    Object.defineProperty(column, 'values', {
      get: () => {
        cached ??= values();
        return cached;
      },
      enumerable: true,
    });
    count = body?.count ?? -1;
  } else {
    column.values = values;
    count = values.length;
  }
  const generic = Column.prototype.write as (this: ThriftStruct, output: unknown) => void;
  column.write = function write(output: { trans?: { write(buffer: Buffer): void } }) {
    if (!(output instanceof thrift.TBinaryProtocol) || typeof output.trans?.write !== 'function') {
      generic.call(this, output);
      return;
    }
    const encoded = body ? body.bytes() : listBody(elementType, this.values);
    const size = count >= 0 ? count : this.values.length;
    const header = Buffer.allocUnsafe(8);
    header[0] = WIRE.LIST;
    header.writeInt16BE(1, 1);
    header[3] = elementType;
    header.writeInt32BE(size, 4);
    const nullsHeader = Buffer.allocUnsafe(7);
    nullsHeader[0] = WIRE.STRING;
    nullsHeader.writeInt16BE(2, 1);
    nullsHeader.writeInt32BE(nulls.length, 3);
    output.trans.write(header);
    output.trans.write(encoded);
    output.trans.write(nullsHeader);
    output.trans.write(nulls);
    output.trans.write(Buffer.from([WIRE.STOP]));
  };
  return column;
}

/**
 * A generated struct with `fields` assigned as they are: the constructors copy nested structs and
 * lists (`new TBoolColumn(args.boolVal)`, `Thrift.copyList`), which for a page means copying every
 * value array two or three times.
 */
export function withFields(
  Struct: new (args?: Record<string, unknown>) => ThriftStruct,
  fields: Record<string, unknown>,
): ThriftStruct {
  return Object.assign(new Struct(), fields);
}

/** Encode one column of a page. */
export function encodeColumn(
  column: ColumnMetadata,
  rows: EngineValue[][],
  index: number,
): ThriftStruct {
  const typeId = typeIdOf(column);
  const count = rows.length;
  const isNull = new Array<boolean>(count);
  for (let row = 0; row < count; row += 1) {
    const value = rows[row]?.[index];
    isNull[row] = value === null || value === undefined;
  }
  const nulls = nullBitmap(isNull);
  const valueAt = (row: number): EngineValue => rows[row]?.[index] ?? null;

  switch (typeId) {
    case TypeId.BOOLEAN: {
      const values = rows.map((_, row) => (isNull[row] ? false : Boolean(valueAt(row))));
      return withFields(T.TColumn, {
        boolVal: typedColumn(T.TBoolColumn, WIRE.BOOL, values, nulls),
      });
    }
    case TypeId.TINYINT: {
      const values = rows.map((_, row) => (isNull[row] ? 0 : asNumber(valueAt(row))));
      return withFields(T.TColumn, {
        byteVal: typedColumn(T.TByteColumn, WIRE.BYTE, values, nulls),
      });
    }
    case TypeId.SMALLINT: {
      const values = rows.map((_, row) => (isNull[row] ? 0 : asNumber(valueAt(row))));
      return withFields(T.TColumn, { i16Val: typedColumn(T.TI16Column, WIRE.I16, values, nulls) });
    }
    case TypeId.INT: {
      const values = rows.map((_, row) => (isNull[row] ? 0 : asNumber(valueAt(row))));
      return withFields(T.TColumn, { i32Val: typedColumn(T.TI32Column, WIRE.I32, values, nulls) });
    }
    case TypeId.BIGINT: {
      // One block per page, already in wire order (big-endian); the Int64 objects of the struct
      // are made only if something reads `values` (each views its 8 bytes of the block).
      const block = Buffer.alloc(8 * count);
      for (let row = 0; row < count; row += 1) {
        if (!isNull[row]) block.writeBigInt64BE(BigInt.asIntN(64, asBigInt(valueAt(row))), row * 8);
      }
      const values = () =>
        Array.from({ length: count }, (_, row) => new Int64(block.subarray(row * 8, row * 8 + 8)));
      return withFields(T.TColumn, {
        i64Val: typedColumn(T.TI64Column, WIRE.I64, values, nulls, { bytes: () => block, count }),
      });
    }
    case TypeId.FLOAT:
    case TypeId.DOUBLE: {
      const values = rows.map((_, row) => (isNull[row] ? 0 : asNumber(valueAt(row))));
      return withFields(T.TColumn, {
        doubleVal: typedColumn(T.TDoubleColumn, WIRE.DOUBLE, values, nulls),
      });
    }
    case TypeId.BINARY: {
      const values = rows.map((_, row) => {
        const value = valueAt(row);
        if (isNull[row]) return Buffer.alloc(0);
        return value instanceof Uint8Array ? Buffer.from(value) : Buffer.from(String(value));
      });
      return withFields(T.TColumn, {
        binaryVal: typedColumn(T.TBinaryColumn, WIRE.STRING, values, nulls),
      });
    }
    default: {
      const values = rows.map((_, row) => (isNull[row] ? '' : asText(valueAt(row), typeId)));
      return withFields(T.TColumn, {
        stringVal: typedColumn(T.TStringColumn, WIRE.STRING, values, nulls),
      });
    }
  }
}

/** A column-based `TRowSet` for one page of rows starting at `startRowOffset`. */
export function encodeRowSet(
  columns: ColumnMetadata[],
  rows: EngineValue[][],
  startRowOffset: number,
): ThriftStruct {
  return withFields(T.TRowSet, {
    startRowOffset: toInt64(startRowOffset),
    rows: [],
    columns: columns.map((column, index) => encodeColumn(column, rows, index)),
    columnCount: columns.length,
  });
}
