import { describe, expect, it, vi } from 'vitest';
import { DatabricksConfigError } from '../errors.js';

// Tests run as root in some CI containers, where chmod 000 does not make a file unreadable; the
// permission error is therefore simulated at the fs boundary.
vi.mock('node:fs/promises', async (importOriginal) => {
  const actual = await importOriginal<typeof import('node:fs/promises')>();
  return {
    ...actual,
    readFile: vi.fn(async () => {
      throw Object.assign(new Error('EACCES: permission denied'), { code: 'EACCES' });
    }),
  };
});

describe('readProfileFile with EACCES', () => {
  it('fails with a DatabricksConfigError naming the file', async () => {
    const { readProfileFile } = await import('./profile_file.js');
    const error = await readProfileFile('/etc/x/.databrickscfg', '~/x').catch((e: unknown) => e);
    expect(DatabricksConfigError.isInstance(error)).toBe(true);
    expect((error as Error).message).toBe(
      'Cannot read Databricks config file ~/x: permission denied. Fix the file, or point DATABRICKS_CONFIG_FILE / `configFile` at another one.',
    );
    expect((error as DatabricksConfigError).file).toBe('/etc/x/.databrickscfg');
  });
});
