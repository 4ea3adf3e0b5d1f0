import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { DatabricksConfigError } from '../errors.js';
import { parseClassOptions, workspaceAuthOptionsShape } from './options.js';

describe('workspaceAuthOptionsShape', () => {
  const schema = z.object({ ...workspaceAuthOptionsShape, extra: z.number().optional() });

  it('accepts what resolveConfig accepts, next to a package’s own fields', () => {
    const config = { getAuthHeaders: async () => ({}) };
    const parsed = schema.parse({
      host: 'https://example.cloud.databricks.com',
      token: 'dapi-x',
      authType: 'pat',
      fetch: globalThis.fetch,
      env: { DATABRICKS_HOST: undefined },
      config,
      extra: 1,
    });
    expect(parsed.config).toBe(config);
    expect(parsed.extra).toBe(1);
  });

  it('names the problem with core’s messages, never echoing the value', () => {
    const issues = (input: unknown) =>
      schema.safeParse(input).error?.issues.map((issue) => [issue.path.join('.'), issue.message]);
    expect(issues({ fetch: 'not-a-function' })).toEqual([['fetch', 'expected a fetch function']]);
    expect(issues({ authType: 'password' })?.[0]?.[0]).toBe('authType');
    expect(issues({ profile: '  ' })).toEqual([['profile', 'expected a non-empty string']]);
    expect(issues({ config: { token: 'dapi-secret' } })).toEqual([
      ['config', 'expected a resolved DatabricksConfig (from resolveConfig)'],
    ]);
    expect(JSON.stringify(issues({ token: 12345 }))).not.toContain('12345');
  });
});

describe('parseClassOptions', () => {
  const schema = z.strictObject({ ...workspaceAuthOptionsShape, k: z.number().int().optional() });

  it('returns the parsed options', () => {
    expect(parseClassOptions('Thing', schema, { k: 3 })).toEqual({ k: 3 });
    expect(parseClassOptions('Thing', schema, undefined)).toEqual({});
  });

  it('names the class and the option, with a hint for an unknown one', () => {
    const failure = (input: unknown, hint?: (key: string) => string) => {
      try {
        parseClassOptions('Thing', schema, input, hint);
      } catch (error) {
        return error;
      }
      throw new Error('expected a failure');
    };
    const invalid = failure({ k: 1.5, token: 'dapi-secret' });
    expect(DatabricksConfigError.isInstance(invalid)).toBe(true);
    expect(invalid).toMatchObject({ option: 'k' });
    expect(String(invalid)).toMatch(/Thing: invalid option "k"/);
    const unknown = failure(
      { kk: 1, token: 'dapi-secret' },
      (key) => `did you mean "${key.slice(1)}"`,
    );
    expect(unknown).toMatchObject({ option: 'kk' });
    expect(String(unknown)).toMatch(/Thing: unknown option "kk": did you mean "k"\./);
    expect(String(unknown)).not.toContain('dapi-secret');
  });
});
