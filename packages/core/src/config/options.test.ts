import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { workspaceAuthOptionsShape } from './options.js';

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
