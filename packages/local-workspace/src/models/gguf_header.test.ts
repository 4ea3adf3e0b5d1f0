import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, test } from 'vitest';
import { buildTinyGguf, writeGguf } from '../../../../tooling/models/tiny-gguf.mjs';
import { GgufFormatError, readGgufHeader } from './gguf_header.js';

const directory = mkdtempSync(join(tmpdir(), 'lakechain-gguf-'));
afterAll(() => rmSync(directory, { recursive: true, force: true }));

function file(name: string, data: Buffer): string {
  const path = join(directory, name);
  writeFileSync(path, data);
  return path;
}

describe('readGgufHeader', () => {
  const tiny = buildTinyGguf({ arch: 'llama', seed: 3 }).buffer;

  test('reads version, counts and the general.* values of a real GGUF layout', async () => {
    const header = await readGgufHeader(file('tiny.gguf', tiny));
    expect(header.version).toBe(3);
    expect(header.tensorCount).toBeGreaterThan(0n);
    expect(header.metadata).toMatchObject({
      'general.architecture': 'llama',
      'general.name': 'lakechain tiny llama (random weights, seed 3)',
      'llama.context_length': 2048,
      'tokenizer.ggml.add_bos_token': true,
    });
    // Arrays (the vocabulary) are skipped, not kept.
    expect(header.metadata['tokenizer.ggml.tokens']).toBeUndefined();
  });

  test('stops once the wanted keys are read', async () => {
    const header = await readGgufHeader(file('tiny-until.gguf', tiny), {
      until: ['general.architecture', 'general.name'],
    });
    expect(Object.keys(header.metadata)).toEqual(['general.architecture', 'general.name']);
  });

  test('a file that is not GGUF, or ends inside its header, is a GgufFormatError', async () => {
    await expect(
      readGgufHeader(file('not.gguf', Buffer.from('PK\u0003\u0004 a zip'))),
    ).rejects.toThrow(/is not a GGUF file/);
    await expect(readGgufHeader(file('cut.gguf', tiny.subarray(0, 40)))).rejects.toBeInstanceOf(
      GgufFormatError,
    );
    await expect(readGgufHeader(file('cut2.gguf', tiny.subarray(0, 40)))).rejects.toThrow(
      /ends inside its GGUF header/,
    );
    const future = Buffer.from(tiny);
    future.writeUInt32LE(9, 4);
    await expect(readGgufHeader(file('v9.gguf', future))).rejects.toThrow(/GGUF version 9/);
  });

  test('string values of every scalar type round-trip', async () => {
    const path = file(
      'kinds.gguf',
      writeGguf(
        [
          ['general.architecture', 'str', 'qwen2'],
          ['a.u32', 'u32', 7],
          ['a.i32', 'i32', -7],
          ['a.f32', 'f32', 0.5],
          ['a.bool', 'bool', false],
          ['a.list', 'str[]', ['x', 'y']],
          ['general.name', 'str', 'after an array'],
        ],
        [],
      ),
    );
    const header = await readGgufHeader(path);
    expect(header.metadata).toEqual({
      'general.architecture': 'qwen2',
      'a.u32': 7,
      'a.i32': -7,
      'a.f32': 0.5,
      'a.bool': false,
      'general.name': 'after an array',
    });
  });
});
