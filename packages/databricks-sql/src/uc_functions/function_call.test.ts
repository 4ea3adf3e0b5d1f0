import { describe, expect, it } from 'vitest';
import { UCFunctionError } from './errors.js';
import {
  argumentsSchemaOf,
  buildFunctionCall,
  definitionOf,
  describeFunction,
  formatFunctionResult,
} from './function_call.js';
import type { FunctionInfo } from './wire.js';

const param = (name: string, typeText: string, extra: Record<string, unknown> = {}) => ({
  name,
  type_text: typeText,
  ...extra,
});

const scalar: FunctionInfo = {
  name: 'lookup',
  catalog_name: 'main',
  schema_name: 'tools',
  full_name: 'main.tools.lookup',
  comment: 'Finds a customer',
  input_params: {
    parameters: [
      param('limit', 'int', { position: 2, parameter_default: '10' }),
      param('name', 'string', { position: 0, comment: 'Customer name.' }),
      param('since', 'date', { position: 1 }),
      param('tags', 'array<string>', { position: 3, parameter_default: 'NULL' }),
      param('blob', 'binary', { position: 4, parameter_default: 'NULL' }),
      param('doc', 'variant', { position: 5, parameter_default: 'NULL' }),
    ],
  },
  data_type: 'STRING',
  full_data_type: 'STRING',
  routine_body: 'SQL',
};

const table: FunctionInfo = {
  name: 'orders_in',
  catalog_name: 'main',
  schema_name: 'tools',
  input_params: { parameters: [param('region', 'string')] },
  data_type: 'TABLE_TYPE',
  full_data_type: 'TABLE(id BIGINT, amount DECIMAL(10,2))',
  return_params: {
    parameters: [param('id', 'bigint', { position: 0 }), param('amount', 'decimal(10,2)')],
  },
  routine_body: 'EXTERNAL',
  external_language: 'Python',
};

describe('a function as a tool', () => {
  it('orders parameters by position; defaults make them optional', () => {
    const definition = definitionOf(scalar);
    expect(definition.parameters.map((p) => p.name)).toEqual([
      'name',
      'since',
      'limit',
      'tags',
      'blob',
      'doc',
    ]);
    const schema = argumentsSchemaOf(definition).toJSONSchema() as {
      required: string[];
      properties: Record<string, { description?: string }>;
    };
    expect(schema.required).toEqual(['name', 'since']);
    expect(schema.properties.name?.description).toBe('Customer name.');
    expect(schema.properties.since?.description).toBe('a date, YYYY-MM-DD.');
    expect(schema.properties.limit?.description).toBe('Default: 10.');
  });

  it('is described by the function and its parameters', () => {
    expect(describeFunction(definitionOf(scalar))).toBe(
      [
        'Finds a customer',
        'Returns STRING.',
        '- name (STRING): Customer name.',
        '- since (DATE)',
        '- limit (INT, optional, default 10)',
        '- tags (ARRAY<STRING>, optional, default NULL)',
        '- blob (BINARY, optional, default NULL)',
        '- doc (VARIANT, optional, default NULL)',
      ].join('\n'),
    );
    const definition = definitionOf(table);
    expect(definition.language).toBe('PYTHON');
    expect(describeFunction(definition)).toBe(
      [
        'Calls the Unity Catalog function main.tools.orders_in.',
        'Returns rows (id bigint, amount decimal(10,2)).',
        '- region (STRING)',
      ].join('\n'),
    );
  });

  it('calls with named parameter markers only, typed on the warehouse', () => {
    const call = buildFunctionCall(definitionOf(scalar), {
      name: "x'); DROP TABLE t; --",
      since: '2024-01-31',
      tags: ['a', 'b'],
      blob: 'aGk=',
      doc: { k: [1, 2] },
    });
    // `limit` is left out: the arguments after it go by name.
    expect(call.statement).toBe(
      'SELECT `main`.`tools`.`lookup`(:p0, CAST(:p1 AS DATE), `tags` => from_json(:p3, :p3_type), `blob` => unbase64(:p4), `doc` => parse_json(:p5)) AS value',
    );
    expect(call.params).toEqual({
      p0: "x'); DROP TABLE t; --",
      p1: '2024-01-31',
      p3: '["a","b"]',
      p3_type: 'ARRAY<STRING>',
      p4: 'aGk=',
      p5: '{"k":[1,2]}',
    });
    expect(buildFunctionCall(definitionOf(table), { region: null })).toEqual({
      statement: 'SELECT * FROM `main`.`tools`.`orders_in`(CAST(:p0 AS STRING))',
      params: { p0: null },
    });
  });

  it('refuses a call without a required value', () => {
    expect(() => buildFunctionCall(definitionOf(scalar), { name: 'x' })).toThrow(UCFunctionError);
  });

  it('answers a scalar as SCALAR, lossless and cut to the character limit', () => {
    const definition = definitionOf(scalar);
    const result = (value: unknown, type = 'STRING') => ({
      columns: [{ name: 'value', type }],
      rows: [{ value }],
      truncated: false,
    });
    expect(
      formatFunctionResult(definition, result(9007199254740993n, 'BIGINT'), {
        maxRows: 10,
        maxChars: 100,
      }),
    ).toBe('{"format":"SCALAR","value":"9007199254740993"}');
    expect(
      formatFunctionResult(definition, result('x'.repeat(30)), { maxRows: 10, maxChars: 10 }),
    ).toBe('{"format":"SCALAR","value":"xxxxxxxxxx...","truncated":true}');
    expect(
      formatFunctionResult(definition, result({ a: [1, 2] }, 'STRUCT'), {
        maxRows: 10,
        maxChars: 100,
      }),
    ).toBe('{"format":"SCALAR","value":{"a":[1,2]}}');
  });

  it('answers a table as CSV within the row and character limits', () => {
    const definition = definitionOf(table);
    const rows = [
      { id: 1n, amount: '10.00', note: 'a, "quoted"' },
      { id: 2n, amount: null, note: 'line\nbreak' },
      { id: 3n, amount: '1.50', note: 'c' },
    ];
    const result = {
      columns: [
        { name: 'id', type: 'BIGINT' },
        { name: 'amount', type: 'DECIMAL(10,2)' },
        { name: 'note', type: 'STRING' },
      ],
      rows,
      truncated: false,
    };
    expect(
      JSON.parse(formatFunctionResult(definition, result, { maxRows: 10, maxChars: 1000 })),
    ).toEqual({
      format: 'CSV',
      value: 'id,amount,note\n1,10.00,"a, ""quoted"""\n2,,"line\nbreak"\n3,1.50,c\n',
      truncated: false,
    });
    expect(
      JSON.parse(formatFunctionResult(definition, result, { maxRows: 2, maxChars: 1000 })),
    ).toMatchObject({ truncated: true });
    expect(
      JSON.parse(formatFunctionResult(definition, result, { maxRows: 10, maxChars: 40 })),
    ).toEqual({
      format: 'CSV',
      value: 'id,amount,note\n1,10.00,"a, ""quoted"""\n',
      truncated: true,
    });
    expect(
      JSON.parse(
        formatFunctionResult(
          definition,
          { ...result, truncated: true },
          {
            maxRows: 10,
            maxChars: 1000,
          },
        ),
      ),
    ).toMatchObject({ truncated: true });
  });
});
