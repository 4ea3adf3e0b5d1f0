import { describe, expect, it } from 'vitest';
import { parseCsv } from './csv.js';
import { toStatementParameters } from './rest_connection.js';
import { parseTypeText, queryColumnOf } from './types.js';
import {
  columnDecoderFor,
  decimalWordsToString,
  decodeText,
  decodeTextRows,
  parseJsonKeepingNumbers,
} from './values.js';

describe('type texts', () => {
  it('parses nested types, backticked names, NOT NULL and comments', () => {
    expect(parseTypeText('DECIMAL(38,10)')).toEqual({ base: 'DECIMAL', precision: 38, scale: 10 });
    expect(
      parseTypeText(
        "STRUCT<`a b`: ARRAY<BIGINT> NOT NULL COMMENT 'x, y', m: MAP<STRING, DECIMAL(5,2)>>",
      ),
    ).toEqual({
      base: 'STRUCT',
      names: ['a b', 'm'],
      children: [
        { base: 'ARRAY', children: [{ base: 'BIGINT' }] },
        {
          base: 'MAP',
          children: [{ base: 'STRING' }, { base: 'DECIMAL', precision: 5, scale: 2 }],
        },
      ],
    });
    expect(parseTypeText('INTERVAL DAY TO SECOND')).toEqual({ base: 'INTERVAL' });
    expect(parseTypeText('LONG')).toEqual({ base: 'BIGINT' });
  });

  it('describes columns as the Thrift path does', () => {
    const column = (type_name: string, type_text: string) =>
      queryColumnOf({ name: 'c', position: 0, type_name, type_text });
    expect(column('LONG', 'BIGINT')).toEqual({ name: 'c', type: 'BIGINT' });
    expect(column('DECIMAL', 'DECIMAL(10,2)')).toEqual({ name: 'c', type: 'DECIMAL(10,2)' });
    expect(column('ARRAY', 'ARRAY<INT>')).toEqual({ name: 'c', type: 'ARRAY' });
    expect(column('INTERVAL', 'INTERVAL YEAR TO MONTH').type).toBe('INTERVAL_YEAR_MONTH');
  });
});

describe('JSON_ARRAY values', () => {
  const type = (text: string) => parseTypeText(text);

  it('keeps BIGINT and DECIMAL exact, DATE and TIMESTAMP as Dates, BINARY from hex', () => {
    expect(decodeText('9007199254740993', type('BIGINT'))).toBe(9007199254740993n);
    expect(decodeText('12345678901234567890.1234567890', type('DECIMAL(38,10)'))).toBe(
      '12345678901234567890.1234567890',
    );
    expect(decodeText('2024-02-29', type('DATE'))).toEqual(new Date(Date.UTC(2024, 1, 29)));
    expect(decodeText('0001-01-01', type('DATE'))).toEqual(new Date('0001-01-01T00:00:00Z'));
    expect(decodeText('2024-02-29T13:14:15.123456Z', type('TIMESTAMP'))).toEqual(
      new Date('2024-02-29T13:14:15.123Z'),
    );
    expect(decodeText('2024-02-29 13:14:15', type('TIMESTAMP'))).toEqual(
      new Date('2024-02-29T13:14:15Z'),
    );
    expect(decodeText('2024-02-29T14:14:15+01:00', type('TIMESTAMP'))).toEqual(
      new Date('2024-02-29T13:14:15Z'),
    );
    expect(decodeText('01FF', type('BINARY'))).toEqual(new Uint8Array([1, 255]));
    expect(decodeText('true', type('BOOLEAN'))).toBe(true);
    expect(decodeText('NaN', type('DOUBLE'))).toBeNaN();
    expect(decodeText('-Infinity', type('FLOAT'))).toBe(Number.NEGATIVE_INFINITY);
    expect(decodeText(null, type('INT'))).toBeNull();
    expect(decodeText('1-2', type('INTERVAL YEAR TO MONTH'))).toBe('1-2');
  });

  it('decodes nested values by their types without passing big numbers through floats', () => {
    expect(decodeText('[9007199254740993,null]', type('ARRAY<BIGINT>'))).toEqual([
      9007199254740993n,
      null,
    ]);
    expect(
      decodeText(
        '{"k":{"d":12.50,"when":"2024-01-02","bin":"Af8="}}',
        type('MAP<STRING, STRUCT<d: DECIMAL(4,2), when: DATE, bin: BINARY>>'),
      ),
    ).toEqual({
      k: { d: '12.50', when: new Date(Date.UTC(2024, 0, 2)), bin: new Uint8Array([1, 255]) },
    });
    expect(decodeText('[{"key":1,"value":"a"}]', type('MAP<INT, STRING>'))).toEqual({ 1: 'a' });
    expect(() => parseJsonKeepingNumbers('[1,')).toThrow(/Malformed JSON/);
  });

  it('formats 128-bit decimals exactly', () => {
    expect(decimalWordsToString([1250, 0, 0, 0], 2)).toBe('12.50');
    expect(decimalWordsToString([5, 0, 0, 0], 3)).toBe('0.005');
    const minusOne = [0xffffffff, 0xffffffff, 0xffffffff, 0xffffffff];
    expect(decimalWordsToString(minusOne, 0)).toBe('-1');
    expect(decimalWordsToString(minusOne, 2)).toBe('-0.01');
  });
});

describe('column decoders', () => {
  const type = (text: string) => parseTypeText(text);
  // Texts on both sides of every fast path (digits read by character codes, canonical dates):
  // the decoder chosen once per column must give what decodeText gives, value for value.
  const cases: Array<[string, Array<string | null>]> = [
    [
      'BIGINT',
      [
        '0',
        '-0',
        '+7',
        '-42',
        '999999999999999',
        '-999999999999999',
        '9007199254740993',
        '-9223372036854775808',
        ' 12 ',
        '',
        '-',
        '+',
        '12a',
        '1.5',
        '0x10',
        null,
      ],
    ],
    [
      'DATE',
      [
        '2024-02-29',
        '1970-01-01',
        '9999-12-31',
        '0100-03-01',
        '0099-12-31',
        '0001-01-01',
        '2023-02-29',
        '2023-02-30',
        '2024-13-01',
        '2024-1-2',
        ' 2024-01-02',
        '2024-01-02T03:04:05Z',
        '2024/01/02',
        'not a date',
        null,
      ],
    ],
    ['DOUBLE', ['1.5', '-0', '1e300', 'Infinity', '-inf', 'INF', 'nan', 'NaN', ' 2 ', '', null]],
    ['FLOAT', ['3.25', '+Infinity', null]],
    ['INT', ['7', '-7', null]],
    ['BOOLEAN', ['true', 'TRUE', 'false', ' true ', null]],
    ['TIMESTAMP', ['2024-02-29 13:14:15.123456', '2024-02-29T14:14:15+01:00', 'x', null]],
    ['BINARY', ['01FF', 'zz', null]],
    ['DECIMAL(10,2)', ['12.50', null]],
    ['ARRAY<BIGINT>', ['[9007199254740993,null]', null]],
    ['STRING', ['text', '', null]],
    ['VOID', [null]],
  ];

  it.each(cases)('decodes %s exactly as decodeText does', (typeText, texts) => {
    const decode = columnDecoderFor(type(typeText));
    for (const text of texts) expect(decode(text)).toEqual(decodeText(text, type(typeText)));
  });

  it('reads canonical dates, short integers and numbers like an independent reference', () => {
    const date = columnDecoderFor(type('DATE'));
    const bigint = columnDecoderFor(type('BIGINT'));
    const double = columnDecoderFor(type('DOUBLE'));
    const dayMs = 86_400_000;
    const first = new Date('0100-01-01T00:00:00Z').getTime() / dayMs;
    const last = new Date('9999-12-31T00:00:00Z').getTime() / dayMs;
    for (let day = first; day <= last; day += 997) {
      const text = new Date(day * dayMs).toISOString().slice(0, 10);
      expect(date(text)).toEqual(new Date(`${text}T00:00:00Z`));
    }
    for (const text of ['1', '-1', '10', '123456789012345', '-100000000000000', '000042']) {
      expect(bigint(text)).toBe(BigInt(text));
    }
    for (const text of ['0', '1.5', '-2.25e-7', '1e21', '0.1'])
      expect(double(text)).toBe(Number(text));
  });

  it('keeps the results of the general path where a fast path does not apply', () => {
    const bigint = columnDecoderFor(type('BIGINT'));
    expect(bigint('999999999999999')).toBe(999999999999999n);
    expect(bigint('-9223372036854775808')).toBe(-9223372036854775808n);
    expect(bigint(' 12 ')).toBe(12n);
    expect(bigint('12a')).toBe('12a');
    expect(bigint('')).toBe('');
    const date = columnDecoderFor(type('DATE'));
    expect(date('0099-12-31')).toEqual(new Date('0099-12-31T00:00:00Z'));
    // A day past the month's end rolls over from the leap year 2000, as it always has.
    expect(date('2023-02-30')).toEqual(new Date('2023-03-01T00:00:00Z'));
    expect(date('2024-1-2')).toEqual(new Date('2024-01-02T00:00:00Z'));
    expect(date('not a date')).toBe('not a date');
  });

  it('decodes rows column by column into new arrays, extra columns as text', () => {
    const rows = [
      ['1', 'a', '2024-01-02', 'extra'],
      [null, null, null, null],
    ];
    const copy = structuredClone(rows);
    const decoders = ['BIGINT', 'STRING', 'DATE'].map((text) => columnDecoderFor(type(text)));
    expect(decodeTextRows(rows, decoders)).toEqual([
      [1n, 'a', new Date(Date.UTC(2024, 0, 2)), 'extra'],
      [null, null, null, null],
    ]);
    expect(rows).toEqual(copy);
    expect(decodeTextRows([], decoders)).toEqual([]);
  });
});

describe('CSV chunks', () => {
  it('reads RFC 4180 with bare null as NULL', () => {
    expect(parseCsv('id,s\r\n0,"a,""b"""\r\n1,null\r\n2,"null"\r\n3,"multi\nline"\r\n')).toEqual([
      ['id', 's'],
      ['0', 'a,"b"'],
      ['1', null],
      ['2', 'null'],
      ['3', 'multi\nline'],
    ]);
    expect(parseCsv('')).toEqual([]);
    expect(parseCsv('a,')).toEqual([['a', '']]);
  });
});

describe('parameters', () => {
  it('types plain values as the Thrift driver does, and keeps explicit types', () => {
    expect(
      toStatementParameters({
        a: 1,
        b: 2 ** 40,
        c: 1.5,
        d: 10n,
        e: true,
        f: 'x',
        g: null,
        h: new Date('2024-01-02T03:04:05Z'),
        i: { type: 'DECIMAL(10,2)', value: '1.50' },
      }),
    ).toEqual([
      { name: 'a', value: '1', type: 'INT' },
      { name: 'b', value: '1099511627776', type: 'BIGINT' },
      { name: 'c', value: '1.5', type: 'DOUBLE' },
      { name: 'd', value: '10', type: 'BIGINT' },
      { name: 'e', value: 'true', type: 'BOOLEAN' },
      { name: 'f', value: 'x', type: 'STRING' },
      { name: 'g' },
      { name: 'h', value: '2024-01-02T03:04:05.000Z', type: 'TIMESTAMP' },
      { name: 'i', value: '1.50', type: 'DECIMAL(10,2)' },
    ]);
    expect(() => toStatementParameters({ a: [1] })).toThrow(/cannot carry/);
    expect(() => toStatementParameters([1])).toThrow(/named parameters only/);
  });
});
