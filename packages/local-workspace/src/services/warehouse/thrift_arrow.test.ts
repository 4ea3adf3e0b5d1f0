import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import type { ColumnMetadata, EngineValue } from '../../engine/sql_engine.js';
import { Arrow, type ArrowOptions } from './arrow_types.js';
import { parseTimestampMicros } from './arrow_values.js';
import { ArrowEncoder } from './thrift_arrow.js';
import { tableSchemaOf, toInt64 } from './thrift_types.js';

const { RecordBatchReader, RecordBatchStreamWriter } = Arrow;
const require = createRequire(import.meta.url);
// The driver's own Arrow reader: the exact code that turns our bytes into rows for applications.
const ArrowResultConverter = require('@databricks/sql/dist/result/ArrowResultConverter').default;
const ArrowResultHandler = require('@databricks/sql/dist/result/ArrowResultHandler').default;

const column = (name: string, type: string): ColumnMetadata => ({
  name,
  type,
  baseType: (/^[A-Z_]+/i.exec(type)?.[0] ?? 'STRING').toUpperCase(),
  nullable: true,
});

const NATIVE: ArrowOptions = {
  timestampAsArrow: true,
  decimalAsArrow: true,
  complexTypesAsArrow: true,
};

/** Rows as the driver returns them from pages encoded by `encoder`. */
async function driverRows(
  columns: ColumnMetadata[],
  pages: EngineValue[][][],
  options: ArrowOptions,
  preserveBigNumericPrecision = false,
): Promise<Record<string, unknown>[]> {
  const encoder = new ArrowEncoder(columns, options);
  const queue = pages.map((rows) => ({
    arrowBatches: [{ batch: encoder.encodeBatch(rows), rowCount: toInt64(rows.length) }],
  }));
  const source = {
    hasMore: async () => queue.length > 0,
    fetchNext: async () => queue.shift(),
  };
  const metadata = { schema: tableSchemaOf(columns), arrowSchema: encoder.schemaBytes };
  const context = { getLogger: () => ({ log() {} }), getConfig: () => ({}) };
  const converter = new ArrowResultConverter(
    context,
    new ArrowResultHandler(context, source, metadata),
    metadata,
    { preserveBigNumericPrecision },
  );
  const out: Record<string, unknown>[] = [];
  while (await converter.hasMore()) out.push(...(await converter.fetchNext({ limit: 100_000 })));
  return out;
}

describe('Arrow batches through the driver reader', () => {
  it('round-trips every type with native Arrow types', async () => {
    const columns = [
      column('big', 'BIGINT'),
      column('i', 'INT'),
      column('dec', 'DECIMAL(38,10)'),
      column('d', 'DATE'),
      column('ts', 'TIMESTAMP'),
      column('flag', 'BOOLEAN'),
      column('dbl', 'DOUBLE'),
      column('s', 'STRING'),
      column('bin', 'BINARY'),
      column('arr', 'ARRAY<STRING>'),
      column('m', 'MAP<STRING,INT>'),
      column('st', 'STRUCT<a:INT,b:STRING,c:ARRAY<BIGINT>>'),
      column('iv', 'INTERVAL DAY TO SECOND'),
      column('n', 'VOID'),
    ];
    const row: EngineValue[] = [
      9007199254740993n,
      7,
      '1234567890123456789012345678.0123456789',
      '2024-02-29',
      '2024-02-29 13:45:01.123456',
      true,
      1.5,
      'héllo',
      new Uint8Array([97, 98, 99]),
      ['a', null, 'b'],
      { k: 1, z: null },
      { a: 1, b: 'x', c: [1n, 2n] },
      '1 02:03:04.000000000',
      null,
    ];
    const nulls: EngineValue[] = columns.map(() => null);
    const [first, second] = await driverRows(columns, [[row, nulls]], NATIVE, true);
    expect(first).toEqual({
      big: 9007199254740993n,
      i: 7,
      dec: '1234567890123456789012345678.0123456789',
      d: new Date('2024-02-29T00:00:00Z'),
      ts: new Date('2024-02-29T13:45:01.123Z'),
      flag: true,
      dbl: 1.5,
      s: 'héllo',
      bin: Buffer.from('abc'),
      arr: ['a', null, 'b'],
      m: { k: 1, z: null },
      st: { a: 1, b: 'x', c: [1n, 2n] },
      iv: '1 02:03:04.000000000',
      n: null,
    });
    expect(Object.values(second ?? {}).every((value) => value === null)).toBe(true);
  });

  it('narrows BIGINT and DECIMAL to numbers without preserveBigNumericPrecision', async () => {
    const rows = await driverRows(
      [column('big', 'BIGINT'), column('dec', 'DECIMAL(10,2)')],
      [[[10_000_000_000n, '-12345.67']]],
      NATIVE,
    );
    expect(rows).toEqual([{ big: 10_000_000_000, dec: -12345.67 }]);
  });

  it('sends text for timestamps, decimals and complex types when not native', async () => {
    const columns = [
      column('dec', 'DECIMAL(10,2)'),
      column('ts', 'TIMESTAMP'),
      column('arr', 'ARRAY<INT>'),
      column('st', 'STRUCT<a:INT>'),
    ];
    const rows = await driverRows(columns, [[['1.50', '2024-01-02 03:04:05', [1, 2], { a: 1 }]]], {
      timestampAsArrow: false,
      decimalAsArrow: false,
      complexTypesAsArrow: false,
    });
    expect(rows).toEqual([{ dec: 1.5, ts: '2024-01-02 03:04:05', arr: [1, 2], st: { a: 1 } }]);
  });

  it('pages: one schema, one record batch per page', async () => {
    const columns = [column('id', 'BIGINT')];
    const pages = [0, 1, 2].map((page) =>
      Array.from({ length: 1000 }, (_, i) => [BigInt(page * 1000 + i)] as EngineValue[]),
    );
    const rows = await driverRows(columns, pages, NATIVE);
    expect(rows).toHaveLength(3000);
    expect(rows[2999]).toEqual({ id: 2999 });
    const encoder = new ArrowEncoder(columns, NATIVE);
    const reader = RecordBatchReader.from([
      encoder.schemaBytes,
      encoder.encodeBatch(pages[0] as EngineValue[][]),
      encoder.encodeBatch(pages[1] as EngineValue[][]),
    ]);
    let count = 0;
    for (const batch of reader) count += batch.numRows;
    expect(count).toBe(2000);
  });
});

describe('page bytes', () => {
  it('are exactly the record-batch message of a whole IPC stream of the same rows', () => {
    const columns = [
      column('id', 'BIGINT'),
      column('name', 'STRING'),
      column('d', 'DECIMAL(10,2)'),
    ];
    const rows: EngineValue[][] = [
      [1n, 'a', '1.50'],
      [null, null, null],
      [3n, 'ccc', '-2.25'],
    ];
    const encoder = new ArrowEncoder(columns, NATIVE);
    const page = encoder.encodeBatch(rows);
    // Re-encode what the page decodes to as one whole stream: [schema][batch][end of stream].
    const batches = [...RecordBatchReader.from([encoder.schemaBytes, page])];
    const stream = RecordBatchStreamWriter.writeAll(batches).toUint8Array(true);
    const endOfStream = Buffer.from([0xff, 0xff, 0xff, 0xff, 0, 0, 0, 0]);
    expect(Buffer.from(stream)).toEqual(Buffer.concat([encoder.schemaBytes, page, endOfStream]));
  });
});

describe('fast paths agree with the exact ones', () => {
  it('timestamps and decimals, positive and negative, near and far from the epoch', async () => {
    const columns = [column('ts', 'TIMESTAMP'), column('dec', 'DECIMAL(18,2)')];
    const cases: EngineValue[][] = [
      ['1969-12-31 23:59:59.999999', '-0.01'],
      ['2024-02-29 13:45:01.5', '-123456789012.34'],
      ['0001-01-01 00:00:00', '9999999999999999.99'],
      ['9999-12-31 23:59:59.999999', '0.00'],
      // (Negative values beyond 2^53 are exact on the wire, but the driver's preserve-precision
      // path turns them into a double: apache-arrow 13 gives it a string for 128-bit decimals.)
      ['2000-01-01 00:00:00', '-99999999999.99'],
    ];
    const rows = await driverRows(columns, [cases], NATIVE, true);
    const encoder = new ArrowEncoder(columns, NATIVE);
    const reader = RecordBatchReader.from([encoder.schemaBytes, encoder.encodeBatch(cases)]);
    const batch = [...reader][0];
    const micros = batch?.getChildAt(0)?.data[0]?.values as Int32Array;
    cases.forEach(([ts], row) => {
      const expected = parseTimestampMicros(ts as string);
      const actual = BigInt.asIntN(
        64,
        (BigInt(micros[row * 2 + 1] ?? 0) << 32n) | BigInt((micros[row * 2] ?? 0) >>> 0),
      );
      expect(actual).toBe(expected);
    });
    expect(rows.map((row) => row.dec)).toEqual(cases.map(([, dec]) => dec));
  });
});
