import { DatabricksConfigError } from '@lakechain/core';
import { describe, expect, it } from 'vitest';
import { httpPathFor, parseSqlOptions } from './options.js';

describe('parseSqlOptions', () => {
  it('applies defaults', () => {
    const o = parseSqlOptions({ host: 'h', token: 't', warehouseId: 'w' });
    expect(o).toMatchObject({
      catalog: 'main',
      schema: 'default',
      sampleRowsInTableInfo: 3,
      maxStringLength: 300,
      maxRows: 100,
      readOnly: true,
      includeTables: [],
      ignoreTables: [],
      guard: { functions: 'denylist', allowFunctions: [] },
    });
  });
  it('takes the guard function options', () => {
    const o = parseSqlOptions({
      functions: 'builtin-safe',
      allowFunctions: ['ai_query', '`main`.`tools`.*'],
    });
    expect(o.guard).toEqual({
      functions: 'builtin-safe',
      allowFunctions: ['ai_query', '`main`.`tools`.*'],
    });
  });
  it.each([
    [{ includeTables: ['a'], ignoreTables: ['b'] }, 'includeTables', /cannot be used together/],
    [{ warehouseId: 'w', clusterId: 'c' }, 'clusterId', /either warehouseId or clusterId/],
    [{ sampleRowsInTableInfo: 1.5 }, 'sampleRowsInTableInfo', /integer/],
    [{ sampleRowsInTableInfo: -1 }, 'sampleRowsInTableInfo', /0 or more/],
    [{ maxRows: 0 }, 'maxRows', /at least 1/],
    [{ readOnly: 'no' }, 'readOnly', /true or false/],
    [{ catalog: '' }, 'catalog', /non-empty/],
    [{ includeTables: 'orders' }, 'includeTables', /array/],
    [{ queryTimeout: -5 }, 'queryTimeout', /positive/],
    [{ functions: 'strict' }, 'functions', /'denylist' or 'builtin-safe'/],
    [{ allowFunctions: 'ai_query' }, 'allowFunctions', /array of function names/],
    [
      { allowFunctions: ['ai_query', 'a.*.b'] },
      'allowFunctions.1',
      /"a\.\*\.b" is not a function name/,
    ],
    [{ allowFunctions: [7] }, 'allowFunctions.0', /function names/],
  ])('rejects %j naming the option', (options, option, message) => {
    try {
      parseSqlOptions(options);
      expect.fail('should throw');
    } catch (error) {
      expect(DatabricksConfigError.isInstance(error)).toBe(true);
      expect((error as DatabricksConfigError).option).toBe(option);
      expect((error as Error).message).toContain(`\`${option}\``);
      expect((error as Error).message).toMatch(message);
    }
  });
});

describe('httpPathFor', () => {
  it('builds warehouse and cluster paths', () => {
    expect(httpPathFor({ warehouseId: 'abc' })).toBe('/sql/1.0/warehouses/abc');
    expect(httpPathFor({ clusterId: '0123-x' })).toBe('/sql/protocolv1/o/0/0123-x');
    expect(httpPathFor({ httpPath: 'sql/1.0/warehouses/z', warehouseId: 'abc' })).toBe(
      '/sql/1.0/warehouses/z',
    );
    expect(httpPathFor({})).toBeUndefined();
  });
});
