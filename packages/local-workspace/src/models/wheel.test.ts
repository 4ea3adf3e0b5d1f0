import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, test } from 'vitest';
import { buildWheel } from './test_wheels.js';
import { readWheelMember, WheelError } from './wheel.js';

const directory = mkdtempSync(join(tmpdir(), 'lakechain-wheel-'));
afterAll(() => rmSync(directory, { recursive: true, force: true }));

describe('readWheelMember', () => {
  const payload = Buffer.alloc(300_000, 'model bytes ');

  async function wheelFile(name: string, damage?: (bytes: Buffer) => void): Promise<string> {
    const bytes = await buildWheel('lakechain-test-wheel', '1.0.0', {
      'lakechain_test_wheel/data/part01.bin': payload,
    });
    damage?.(bytes);
    const path = join(directory, name);
    writeFileSync(path, bytes);
    return path;
  }

  test('streams the member, inflated', async () => {
    const path = await wheelFile('good.whl');
    const chunks: Buffer[] = [];
    const size = await readWheelMember(path, 'lakechain_test_wheel/data/part01.bin', (chunk) => {
      chunks.push(chunk);
    });
    expect(size).toBe(payload.length);
    expect(Buffer.concat(chunks).equals(payload)).toBe(true);
  });

  test('a missing member, a file that is not a zip, and damaged data are WheelErrors', async () => {
    const good = await wheelFile('good2.whl');
    await expect(readWheelMember(good, 'other/data.bin', () => undefined)).rejects.toThrow(
      /has no member other\/data\.bin/,
    );
    const notZip = join(directory, 'not.whl');
    writeFileSync(notZip, 'plain text');
    await expect(readWheelMember(notZip, 'x', () => undefined)).rejects.toBeInstanceOf(WheelError);
    // Zero the deflate stream of the member: the zip directory still reads, the data does not.
    const damaged = await wheelFile('damaged.whl', (bytes) => bytes.fill(0, 80, 400));
    await expect(
      readWheelMember(damaged, 'lakechain_test_wheel/data/part01.bin', () => undefined),
    ).rejects.toThrow(WheelError);
  });

  test("a consumer's own failure (a full disk) is passed through, not called damage", async () => {
    const path = await wheelFile('good3.whl');
    const full = Object.assign(new Error('ENOSPC: no space left on device'), { code: 'ENOSPC' });
    await expect(
      readWheelMember(path, 'lakechain_test_wheel/data/part01.bin', () => {
        throw full;
      }),
    ).rejects.toBe(full);
  });
});
