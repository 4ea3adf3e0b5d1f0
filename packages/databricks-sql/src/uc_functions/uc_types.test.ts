import { describe, expect, it } from 'vitest';
import { UCFunctionError } from './errors.js';
import { parameterType, parseTypeText, typeFromJson, typeSql, zodOfType } from './uc_types.js';

describe('Unity Catalog types', () => {
  it('reads type_text of every kind, with aliases, and writes it back as SQL', () => {
    const cases: Array<[string, string]> = [
      ['string', 'STRING'],
      ['int', 'INT'],
      ['integer', 'INT'],
      ['long', 'BIGINT'],
      ['smallint', 'SMALLINT'],
      ['byte', 'TINYINT'],
      ['float', 'FLOAT'],
      ['double', 'DOUBLE'],
      ['decimal', 'DECIMAL(10,0)'],
      ['decimal(12, 2)', 'DECIMAL(12,2)'],
      ['boolean', 'BOOLEAN'],
      ['date', 'DATE'],
      ['timestamp', 'TIMESTAMP'],
      ['timestamp_ntz', 'TIMESTAMP_NTZ'],
      ['binary', 'BINARY'],
      ['varchar(10)', 'VARCHAR(10)'],
      ['interval day to second', 'INTERVAL DAY TO SECOND'],
      ['array<int>', 'ARRAY<INT>'],
      ['map<string,array<double>>', 'MAP<STRING, ARRAY<DOUBLE>>'],
      [
        "struct<a:int not null,`b c`:string comment 'it\\'s'>",
        'STRUCT<`a`: INT NOT NULL, `b c`: STRING>',
      ],
      ['ARRAY<STRUCT<k: STRING, v: BIGINT>>', 'ARRAY<STRUCT<`k`: STRING, `v`: BIGINT>>'],
    ];
    for (const [text, sql] of cases) expect(typeSql(parseTypeText(text)), text).toBe(sql);
  });

  it('quotes field names and comments so a type cannot carry SQL', () => {
    const type = parseTypeText("struct<`x``) --`: int comment 'a\\'b'>");
    expect(typeSql(type, { comments: true })).toBe("STRUCT<`x``) --`: INT COMMENT 'a\\'b'>");
  });

  it('refuses what is not a type', () => {
    for (const text of ['', 'int; DROP TABLE t', 'array<int', 'frobnicate', 'decimal(1,'])
      expect(() => parseTypeText(text), text).toThrow(UCFunctionError);
  });

  it("reads Spark's type JSON (a parameter's type_json), with nullability and comments", () => {
    const type = typeFromJson({
      name: 'p',
      type: {
        type: 'struct',
        fields: [
          { name: 'id', type: 'long', nullable: false, metadata: {} },
          {
            name: 'tags',
            type: { type: 'array', elementType: 'string', containsNull: true },
            nullable: true,
            metadata: { comment: 'Labels' },
          },
          {
            name: 'm',
            type: { type: 'map', keyType: 'string', valueType: 'decimal(5,1)' },
            nullable: true,
            metadata: {},
          },
        ],
      },
      nullable: true,
      metadata: {},
    });
    expect(type).toMatchObject({
      kind: 'struct',
      fields: [
        { name: 'id', nullable: false, type: { kind: 'primitive', name: 'BIGINT' } },
        { name: 'tags', comment: 'Labels', type: { kind: 'array' } },
        { name: 'm', type: { kind: 'map', value: { precision: 5, scale: 1 } } },
      ],
    });
  });

  it('prefers type_json, then type_text, then type_name', () => {
    expect(
      typeSql(parameterType({ type_json: '{"name":"a","type":"integer"}', type_text: 'string' })),
    ).toBe('INT');
    expect(typeSql(parameterType({ type_json: 'not json', type_text: 'array<date>' }))).toBe(
      'ARRAY<DATE>',
    );
    expect(typeSql(parameterType({ type_name: 'DECIMAL', type_precision: 8, type_scale: 3 }))).toBe(
      'DECIMAL(8,3)',
    );
    expect(typeSql(parameterType({ type_name: 'LONG' }))).toBe('BIGINT');
    expect(() => parameterType({ name: 'x' })).toThrow(/no type_json, type_text or type_name/);
  });

  it('maps every type to a JSON schema the model can fill', () => {
    const schema = (text: string) => zodOfType(parseTypeText(text)).toJSONSchema();
    expect(schema('string')).toMatchObject({ type: 'string' });
    expect(schema('tinyint')).toMatchObject({ type: 'integer', minimum: -128, maximum: 127 });
    expect(schema('int')).toMatchObject({ type: 'integer', maximum: 2_147_483_647 });
    expect(schema('bigint')).toMatchObject({
      anyOf: [{ type: 'integer' }, { type: 'string' }],
    });
    expect(schema('double')).toMatchObject({ type: 'number' });
    expect(schema('decimal(10,2)')).toMatchObject({
      anyOf: [{ type: 'number' }, { type: 'string' }],
    });
    expect(schema('boolean')).toMatchObject({ type: 'boolean' });
    expect(schema('date')).toMatchObject({ type: 'string', pattern: '^\\d{4}-\\d{2}-\\d{2}$' });
    // No `$ref` (several model APIs refuse it): VARIANT is any JSON value.
    expect(schema('variant')).toEqual({ $schema: expect.any(String) });
    expect(schema('timestamp')).toMatchObject({ type: 'string' });
    expect(schema('binary')).toMatchObject({ type: 'string' });
    expect(schema('array<int>')).toMatchObject({ type: 'array', items: { type: 'integer' } });
    expect(schema('map<string,double>')).toMatchObject({
      type: 'object',
      additionalProperties: { type: 'number' },
    });
    expect(schema("struct<a:int not null,b:string comment 'B'>")).toMatchObject({
      type: 'object',
      properties: { a: { type: 'integer' }, b: { description: 'B' } },
      required: ['a'],
    });
  });

  it('validates values: ranges, dates, base64, nested shapes', () => {
    const parse = (text: string, value: unknown) =>
      zodOfType(parseTypeText(text)).safeParse(value).success;
    expect(parse('tinyint', 127)).toBe(true);
    expect(parse('tinyint', 128)).toBe(false);
    expect(parse('int', 1.5)).toBe(false);
    expect(parse('bigint', '9007199254740993')).toBe(true);
    expect(parse('bigint', '12a')).toBe(false);
    expect(parse('decimal(10,2)', '1.25')).toBe(true);
    expect(parse('date', '2024-02-29')).toBe(true);
    expect(parse('date', '31/01/2024')).toBe(false);
    expect(parse('binary', 'aGVsbG8=')).toBe(true);
    expect(parse('binary', 'not base64!')).toBe(false);
    expect(parse('array<struct<a:int>>', [{ a: 1 }, { a: null }])).toBe(true);
    expect(parse('array<struct<a:int not null>>', [{}])).toBe(false);
    expect(parse('map<string,int>', { x: 1 })).toBe(true);
    expect(parse('variant', { any: ['json', 1] })).toBe(true);
  });
});
