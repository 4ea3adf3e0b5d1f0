import { describe, expect, test } from 'vitest';
import { SqlError } from '../sql_error.js';
import { checkParameters, parameterCastType } from './parameters.js';
import { testContext } from './testing_translate.js';
import { translate } from './translate.js';

describe('parameters', () => {
  test('named and positional markers are collected; casts applied from types', () => {
    const t = translate('SELECT :a, :b, :a, ?', testContext({ namedTypes: { b: 'DATE' } }));
    expect(t.sql).toBe('SELECT $a, CAST($b AS DATE), $a, ?');
    expect(t.namedParams).toEqual(['a', 'b']);
    expect(t.positionalCount).toBe(1);
    const p = translate(
      'SELECT ? + ?',
      testContext({ positionalTypes: [undefined, 'DECIMAL(10,2)'] }),
    );
    expect(p.sql).toBe('SELECT ? + CAST(? AS DECIMAL(10,2))');
  });

  test('unbound parameters are reported with their name', () => {
    const t = translate('SELECT :missing', testContext());
    try {
      checkParameters(t, {}, 0);
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(SqlError);
      expect((e as SqlError).errorClass).toBe('UNBOUND_SQL_PARAMETER');
      expect((e as SqlError).sqlState).toBe('42P02');
      expect((e as SqlError).message).toContain('Found the unbound parameter: missing.');
    }
  });

  test('parameter types', () => {
    expect(parameterCastType('STRING')).toBe('VARCHAR');
    expect(parameterCastType('DECIMAL(5,1)')).toBe('DECIMAL(5,1)');
    expect(parameterCastType(undefined)).toBeUndefined();
    expect(parameterCastType('VOID')).toBeUndefined();
  });
});
