import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { afterAll, describe, expect, test } from 'vitest';
import { runModelsCommand } from './cli.js';

const directory = mkdtempSync(join(tmpdir(), 'lakechain-models-cli-'));
afterAll(() => rmSync(directory, { recursive: true, force: true }));

async function run(argv: string[]) {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  let out = '';
  let err = '';
  stdout.on('data', (chunk) => {
    out += chunk;
  });
  stderr.on('data', (chunk) => {
    err += chunk;
  });
  const code = await runModelsCommand(argv, { stdout, stderr, env: {} });
  return { code, out, err };
}

describe('lakechain-local models', () => {
  test('list shows every catalog model with its size, licence and cache state', async () => {
    const { code, out } = await run(['list', '--dir', directory]);
    expect(code).toBe(0);
    expect(out).toMatch(
      /^qwen-coder-1\.5b +Qwen2\.5-Coder-1\.5B-Instruct, GGUF Q4_K_M · 1\.12 GB \(22 wheels, 1\.09 GB\) · Apache-2\.0 · not downloaded$/m,
    );
    expect(out).toMatch(/^qwen-coder-0\.5b .* 491\.4 MB \(6 wheels/m);
    expect(out).toMatch(/^smollm2-135m .* 98\.4 MB \(1 wheel,/m);
    expect(out).toContain(join(directory, 'qwen2.5-coder-1.5b-instruct-q4_k_m.gguf'));
  });

  test('verify of a model that is not cached says how to fetch it', async () => {
    const { code, err } = await run(['verify', 'qwen-coder-0.5b', '--dir', directory]);
    expect(code).toBe(1);
    expect(err).toContain('qwen-coder-0.5b is not in the cache');
    expect(err).toContain('Fix: lakechain-local models fetch qwen-coder-0.5b');
  });

  test('an unknown model is an error listing the known ones', async () => {
    const { code, err } = await run(['fetch', 'gpt-5', '--dir', directory]);
    expect(code).toBe(1);
    expect(err).toMatch(
      /Unknown model "gpt-5"\. Known models: qwen-coder-1\.5b, qwen-coder-0\.5b, smollm2-135m, minilm-l6\./,
    );
  });

  test('usage errors exit 2 with the usage; --help exits 0', async () => {
    expect((await run(['frobnicate'])).code).toBe(2);
    expect((await run(['fetch'])).err).toMatch(/name a model/);
    expect((await run(['list', '--bogus'])).code).toBe(2);
    const help = await run(['--help']);
    expect(help.code).toBe(0);
    expect(help.out).toMatch(/^Usage: lakechain-local models <command>/);
  });
});
