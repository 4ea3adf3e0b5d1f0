import { describe, expect, it } from 'vitest';
import { arrowOptionsOf, parseTypeName } from './arrow_types.js';

describe('Arrow options of a request', () => {
  it('reads canReadArrowResult and useArrowNativeTypes', () => {
    expect(arrowOptionsOf({ canReadArrowResult: false })).toBeUndefined();
    expect(arrowOptionsOf({})).toBeUndefined();
    expect(
      arrowOptionsOf({
        canReadArrowResult: true,
        useArrowNativeTypes: { timestampAsArrow: true, decimalAsArrow: false },
      }),
    ).toEqual({ timestampAsArrow: true, decimalAsArrow: false, complexTypesAsArrow: false });
  });
});

describe('type names and values', () => {
  it('parses nested Databricks type names', () => {
    expect(parseTypeName('MAP<STRING,ARRAY<DECIMAL(10,2)>>')).toEqual({
      base: 'MAP',
      children: [
        { base: 'STRING' },
        { base: 'ARRAY', children: [{ base: 'DECIMAL', precision: 10, scale: 2 }] },
      ],
    });
    expect(parseTypeName('STRUCT<a:INT,b:STRUCT<c:STRING>>')).toMatchObject({
      base: 'STRUCT',
      names: ['a', 'b'],
    });
    expect(parseTypeName('INTERVAL DAY TO SECOND').base).toBe('INTERVAL');
  });
});
