import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { BYTEA_ARRAY_OID, lakebaseTypes, parseByteaArray } from './bytea_array.js';
import { packBlobs } from './checkpoint.js';

/** pg's own parser: what `parseByteaArray` must always return. */
const pgParse = pg.types.getTypeParser(BYTEA_ARRAY_OID as never, 'text') as (
  text: string,
) => unknown;
/** `bytea[]` in PostgreSQL's text output with `bytea_output = hex`. */
const hexElement = (bytes: Buffer | null) =>
  bytes === null ? 'NULL' : `"\\\\x${bytes.toString('hex')}"`;

describe('parseByteaArray', () => {
  const cases: Record<string, string> = {
    'one dimension': `{${[Buffer.from('messages'), Buffer.from('json'), randomBytes(300)].map(hexElement).join(',')}}`,
    'two dimensions, as array_agg(array[...]) returns': `{${[0, 1, 2]
      .map(
        (row) =>
          `{${[Buffer.from(`channel-${row}`), Buffer.from('json'), randomBytes(64)].map(hexElement).join(',')}}`,
      )
      .join(',')}}`,
    'NULL and empty elements': `{{${hexElement(Buffer.from('empty'))},${hexElement(Buffer.alloc(0))},NULL}}`,
    'every byte value': `{${hexElement(Buffer.from(Array.from({ length: 256 }, (_, byte) => byte)))}}`,
    'an empty array': '{}',
  };
  for (const [name, text] of Object.entries(cases)) {
    it(`reads ${name} as pg does`, () => {
      expect(parseByteaArray(text)).toEqual(pgParse(text));
    });
  }

  it('hands anything that is not hex output to pg', () => {
    for (const text of [
      '{"abc\\\\000",NULL}', // bytea_output = escape
      '[0:1]={"\\\\x01","\\\\x02"}', // lower bound other than 1
      '{"\\\\x0g"}', // not hex digits
    ]) {
      expect(parseByteaArray(text)).toEqual(pgParse(text));
    }
  });

  it('is the pool parser for bytea[] in text format only, and pg elsewhere', () => {
    expect(lakebaseTypes.getTypeParser(BYTEA_ARRAY_OID as never, 'text')).toBe(parseByteaArray);
    expect(lakebaseTypes.getTypeParser(BYTEA_ARRAY_OID as never, 'binary')).toBe(
      pg.types.getTypeParser(BYTEA_ARRAY_OID as never, 'binary'),
    );
    expect(lakebaseTypes.getTypeParser(3802 as never, 'text')).toBe(
      pg.types.getTypeParser(3802 as never, 'text'),
    );
  });

  it("leaves an application's own bytea[] parser in place", () => {
    const own = (text: string) => text;
    pg.types.setTypeParser(BYTEA_ARRAY_OID as never, 'text', own);
    try {
      expect(lakebaseTypes.getTypeParser(BYTEA_ARRAY_OID as never, 'text')).toBe(own);
    } finally {
      pg.types.setTypeParser(BYTEA_ARRAY_OID as never, 'text', pgParse);
    }
  });
});

describe('packBlobs', () => {
  it('puts the blobs one after another with 1-based starts, and -1 for a missing one', () => {
    const packed = packBlobs([
      new Uint8Array([1, 2, 3]),
      undefined,
      new Uint8Array([]),
      null,
      new Uint8Array([9]),
    ]);
    expect(packed.starts).toEqual([1, 4, 4, 4, 4]);
    expect(packed.lengths).toEqual([3, -1, 0, -1, 1]);
    expect([...packed.bytes]).toEqual([1, 2, 3, 9]);
  });

  it('packs nothing into an empty buffer', () => {
    expect(packBlobs([])).toEqual({ starts: [], lengths: [], bytes: Buffer.alloc(0) });
  });
});
