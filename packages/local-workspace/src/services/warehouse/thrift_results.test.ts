import thrift from 'thrift';
import { describe, expect, it } from 'vitest';
import type { ColumnMetadata } from '../../engine/sql_engine.js';
import { decodeParameters } from './thrift_parameters.js';
import { complexToJson, encodeColumn, encodeRowSet, nullBitmap } from './thrift_results.js';
import { T, TypeId, tableSchemaOf, typeIdOf } from './thrift_types.js';

const column = (
  name: string,
  type: string,
  extra: Partial<ColumnMetadata> = {},
): ColumnMetadata => ({
  name,
  type,
  baseType: (/^[A-Z_]+/i.exec(type)?.[0] ?? 'STRING').toUpperCase(),
  nullable: true,
  ...extra,
});

describe('null bitmaps', () => {
  it('sets bit i%8 of byte i/8, least significant bit first', () => {
    expect([...nullBitmap([true, false, false, true])]).toEqual([0b1001]);
    const nine = new Array(9).fill(false);
    nine[8] = true;
    expect([...nullBitmap(nine)]).toEqual([0, 1]);
    expect(nullBitmap([]).length).toBe(0);
  });
});

describe('complex values as JSON text', () => {
  it('writes bigint leaves as bare integers and keeps key order', () => {
    expect(complexToJson({ b: 1n, a: [1, null, 'x'], c: { d: true } })).toBe(
      '{"b":1,"a":[1,null,"x"],"c":{"d":true}}',
    );
    expect(complexToJson([9007199254740993n])).toBe('[9007199254740993]');
  });
});

describe('column encoding', () => {
  it('uses the TColumn field of each type', () => {
    const rows = [[1n, 2, true, 1.5, 'x', '1.50', new Uint8Array([1]), ['a']]];
    const columns = [
      column('a', 'BIGINT'),
      column('b', 'INT'),
      column('c', 'BOOLEAN'),
      column('d', 'DOUBLE'),
      column('e', 'STRING'),
      column('f', 'DECIMAL(3,2)'),
      column('g', 'BINARY'),
      column('h', 'ARRAY<STRING>'),
    ];
    const set = encodeRowSet(columns, rows, 0);
    const fields = set.columns.map((tColumn: Record<string, unknown>) =>
      Object.keys(tColumn).find((key) => tColumn[key] !== null && tColumn[key] !== undefined),
    );
    expect(fields).toEqual([
      'i64Val',
      'i32Val',
      'boolVal',
      'doubleVal',
      'stringVal',
      'stringVal',
      'binaryVal',
      'stringVal',
    ]);
    expect(set.columns[0].i64Val.values[0].toNumber()).toBe(1);
    expect(set.columns[7].stringVal.values[0]).toBe('["a"]');
  });

  it('encodes negative and large BIGINTs exactly', () => {
    const encoded = encodeColumn(column('a', 'BIGINT'), [[-5n], [2n ** 62n], [null]], 0);
    expect(encoded.i64Val.values[0].toNumber()).toBe(-5);
    expect(encoded.i64Val.values[1].toOctetString()).toBe('4000000000000000');
    expect([...encoded.i64Val.nulls]).toEqual([0b100]);
  });
});

describe('type descriptors', () => {
  it('maps Databricks type names to TTypeId', () => {
    expect(typeIdOf(column('a', 'DECIMAL(10,2)'))).toBe(TypeId.DECIMAL);
    expect(typeIdOf(column('a', 'MAP<STRING,INT>'))).toBe(TypeId.MAP);
    expect(typeIdOf(column('a', 'INTERVAL DAY TO SECOND'))).toBe(TypeId.INTERVAL_DAY_TIME);
    expect(typeIdOf(column('a', 'INTERVAL YEAR TO MONTH'))).toBe(TypeId.INTERVAL_YEAR_MONTH);
    expect(typeIdOf(column('a', 'GEOGRAPHY'))).toBe(TypeId.STRING);
  });

  it('carries DECIMAL precision and scale qualifiers', () => {
    const schema = tableSchemaOf([column('x', 'DECIMAL(12,3)')]);
    expect(schema).toBeInstanceOf(T.TTableSchema);
    const qualifiers = schema.columns[0].typeDesc.types[0].primitiveEntry.typeQualifiers.qualifiers;
    expect(qualifiers.precision.i32Value).toBe(12);
    expect(qualifiers.scale.i32Value).toBe(3);
    expect(schema.columns[0].position).toBe(1);
  });
});

describe('parameters', () => {
  it('decodes named and positional TSparkParameters', () => {
    expect(
      decodeParameters([
        { name: 'a', type: 'INTEGER', value: { stringValue: '5' } },
        { name: 'b', type: 'BIGINT', value: { stringValue: '9007199254740993' } },
        { name: 'c', type: 'BOOLEAN', value: { stringValue: 'TRUE' } },
        { name: 'd' },
      ]),
    ).toEqual({
      named: {
        a: { value: 5, type: 'INTEGER' },
        b: { value: 9007199254740993n, type: 'BIGINT' },
        c: { value: true, type: 'BOOLEAN' },
        d: { value: null, type: 'VOID' },
      },
    });
    expect(decodeParameters([{ type: 'STRING', value: { stringValue: 'x' } }])).toEqual({
      positional: [{ value: 'x', type: 'STRING' }],
    });
    expect(decodeParameters(undefined)).toEqual({});
  });
});

describe('pre-encoded typed columns', () => {
  /** TBinaryProtocol bytes of a struct, written with `write` (or the generated prototype write). */
  const bytesOf = (struct: { write(output: unknown): void }, generic = false): Buffer => {
    const chunks: Buffer[] = [];
    const transport = new thrift.TBufferedTransport(undefined, (buffer?: Buffer) => {
      if (buffer) chunks.push(buffer);
    });
    const protocol = new thrift.TBinaryProtocol(transport);
    if (generic) Object.getPrototypeOf(struct).write.call(struct, protocol);
    else struct.write(protocol);
    transport.flush();
    return Buffer.concat(chunks);
  };

  it('writes exactly the bytes of the generated writer, for every column type', () => {
    const columns = [
      column('b', 'BOOLEAN'),
      column('t', 'TINYINT'),
      column('s', 'SMALLINT'),
      column('i', 'INT'),
      column('l', 'BIGINT'),
      column('d', 'DOUBLE'),
      column('bin', 'BINARY'),
      column('str', 'STRING'),
      column('dec', 'DECIMAL(10,2)'),
    ];
    const rows = [
      [true, -5, -300, -70000, -(2n ** 62n), -1.25, new Uint8Array([0, 255]), 'héllo ✓', '-1.50'],
      [null, null, null, null, null, null, null, null, null],
      [false, 127, 32767, 2147483647, 2n ** 63n - 1n, Number.NaN, new Uint8Array(), '', '0.00'],
    ];
    const set = encodeRowSet(columns, rows as never, 0);
    for (const encoded of set.columns) {
      const typed = Object.values(encoded).find((value) => value) as { write(o: unknown): void };
      expect(bytesOf(typed)).toEqual(bytesOf(typed, true));
    }
    // and the whole row set through TRowSet.write
    expect(bytesOf(set).length).toBeGreaterThan(100);
  });
});
