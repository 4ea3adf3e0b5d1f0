/**
 * Encoding engine rows (row-major `EngineValue[][]`) into a COLUMN_BASED_SET `TRowSet`: one
 * typed `TColumn` per result column plus an LSB-first null bitmap, the way Databricks answers a
 * client that reads column-based results. Complex types and DECIMAL/DATE/TIMESTAMP/INTERVAL
 * travel as text (complex types as JSON), which is what the driver's `JsonResultHandler` parses.
 */
import type { ColumnMetadata, EngineValue } from './engine_types.js';
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
      return new T.TColumn({ boolVal: new T.TBoolColumn({ values, nulls }) });
    }
    case TypeId.TINYINT: {
      const values = rows.map((_, row) => (isNull[row] ? 0 : asNumber(valueAt(row))));
      return new T.TColumn({ byteVal: new T.TByteColumn({ values, nulls }) });
    }
    case TypeId.SMALLINT: {
      const values = rows.map((_, row) => (isNull[row] ? 0 : asNumber(valueAt(row))));
      return new T.TColumn({ i16Val: new T.TI16Column({ values, nulls }) });
    }
    case TypeId.INT: {
      const values = rows.map((_, row) => (isNull[row] ? 0 : asNumber(valueAt(row))));
      return new T.TColumn({ i32Val: new T.TI32Column({ values, nulls }) });
    }
    case TypeId.BIGINT: {
      // One allocation per page; each Int64 views its 8 bytes (the binary protocol writes `.buffer`).
      const block = Buffer.alloc(8 * count);
      const values = new Array(count);
      for (let row = 0; row < count; row += 1) {
        const view = block.subarray(row * 8, row * 8 + 8);
        if (!isNull[row]) view.writeBigInt64BE(BigInt.asIntN(64, asBigInt(valueAt(row))));
        values[row] = new Int64(view);
      }
      return new T.TColumn({ i64Val: new T.TI64Column({ values, nulls }) });
    }
    case TypeId.FLOAT:
    case TypeId.DOUBLE: {
      const values = rows.map((_, row) => (isNull[row] ? 0 : asNumber(valueAt(row))));
      return new T.TColumn({ doubleVal: new T.TDoubleColumn({ values, nulls }) });
    }
    case TypeId.BINARY: {
      const values = rows.map((_, row) => {
        const value = valueAt(row);
        if (isNull[row]) return Buffer.alloc(0);
        return value instanceof Uint8Array ? Buffer.from(value) : Buffer.from(String(value));
      });
      return new T.TColumn({ binaryVal: new T.TBinaryColumn({ values, nulls }) });
    }
    default: {
      const values = rows.map((_, row) => (isNull[row] ? '' : asText(valueAt(row), typeId)));
      return new T.TColumn({ stringVal: new T.TStringColumn({ values, nulls }) });
    }
  }
}

/** A column-based `TRowSet` for one page of rows starting at `startRowOffset`. */
export function encodeRowSet(
  columns: ColumnMetadata[],
  rows: EngineValue[][],
  startRowOffset: number,
): ThriftStruct {
  return new T.TRowSet({
    startRowOffset: toInt64(startRowOffset),
    rows: [],
    columns: columns.map((column, index) => encodeColumn(column, rows, index)),
    columnCount: columns.length,
  });
}
