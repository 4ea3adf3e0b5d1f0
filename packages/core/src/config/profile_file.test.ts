import { chmod, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DatabricksConfigError } from '../errors.js';
import { parseProfileFile, readProfileFile } from './profile_file.js';

describe('parseProfileFile', () => {
  it('reads go-ini style sections, comments, quotes and both delimiters', () => {
    const file = parseProfileFile(
      [
        '\uFEFF# written by databricks configure',
        'host = https://top-level.example.com',
        '[DEFAULT]',
        'token = dapi123 ; trailing comment',
        '',
        '; another comment',
        '[dev]',
        'HOST: https://dev.cloud.databricks.com',
        'client_secret = "se#cr;et"',
        'empty =',
        'client_id = abc#notacomment',
        '[dev]',
        'warehouse_id = wh1',
      ].join('\r\n'),
      '/x/.databrickscfg',
    );
    expect(file.profiles.get('DEFAULT')).toEqual({
      host: 'https://top-level.example.com',
      token: 'dapi123',
    });
    expect(file.profiles.get('dev')).toEqual({
      host: 'https://dev.cloud.databricks.com',
      client_secret: 'se#cr;et',
      empty: '',
      client_id: 'abc#notacomment',
      warehouse_id: 'wh1',
    });
  });

  it.each([
    [
      '[DEFAULT]\nhost = x\n\n\n\n\nthis line is broken\n',
      7,
      /expected `key = value` or `\[section\]`/,
    ],
    ['[dev\nhost = x', 1, /missing `\]`/],
    ['[]\n', 1, /empty section name/],
    ['[a]\n= value\n', 2, /expected `key = value`/],
  ])('reports the 1-based line of a malformed line (%#)', (text, line, message) => {
    try {
      parseProfileFile(text, '/home/u/.databrickscfg', '~/.databrickscfg');
      expect.unreachable();
    } catch (error) {
      expect(DatabricksConfigError.isInstance(error)).toBe(true);
      const configError = error as DatabricksConfigError;
      expect(configError.message).toMatch(message);
      expect(configError.message.startsWith(`~/.databrickscfg line ${line}: `)).toBe(true);
      expect(configError.line).toBe(line);
      expect(configError.file).toBe('/home/u/.databrickscfg');
    }
  });
});

describe('readProfileFile', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'lakechain-profile-'));
  });
  afterAll(async () => {
    await chmod(join(dir, 'locked'), 0o600).catch(() => {});
    await rm(dir, { recursive: true, force: true });
  });

  it('returns undefined for a missing file', async () => {
    await expect(readProfileFile(join(dir, 'nope'))).resolves.toBeUndefined();
  });

  it('names a directory that is not a file', async () => {
    await mkdir(join(dir, 'adir'));
    await expect(readProfileFile(join(dir, 'adir'), 'my-cfg')).rejects.toThrow(
      /Cannot read Databricks config file my-cfg: it is a directory/,
    );
  });

  it.skipIf(process.getuid?.() === 0)('names an unreadable file', async () => {
    const path = join(dir, 'locked');
    await writeFile(path, '[DEFAULT]\nhost = x\n');
    await chmod(path, 0o000);
    const error = await readProfileFile(path).catch((caught: unknown) => caught);
    expect(DatabricksConfigError.isInstance(error)).toBe(true);
    expect((error as DatabricksConfigError).message).toContain(path);
    expect((error as DatabricksConfigError).message).toContain('permission denied');
    expect((error as DatabricksConfigError).file).toBe(path);
  });
});
