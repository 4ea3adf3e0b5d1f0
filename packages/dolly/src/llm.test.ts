import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it, vi } from 'vitest';

// node-llama-cpp as if it were not installed; the factory runs only if something imports it.
const loads = vi.hoisted(() => ({ count: 0 }));
vi.mock('node-llama-cpp', () => {
  loads.count++;
  throw Object.assign(new Error("Cannot find package 'node-llama-cpp'"), {
    code: 'ERR_MODULE_NOT_FOUND',
  });
});

const {
  cutAtStop,
  Dolly,
  DOLLY_DEFAULTS,
  DollyError,
  formatDollyPrompt,
  NODE_LLAMA_CPP_INSTALL_HINT,
} = await import('./index.js');
const { StopSequenceCutter } = await import('./llm.js');
const { LakechainError } = await import('@lakechain/core');

function feed(pieces: string[], stops = ['### End']): string[] {
  const cutter = new StopSequenceCutter(stops);
  const out: string[] = [];
  for (const piece of pieces) {
    const text = cutter.push(piece);
    if (text) out.push(text);
    if (cutter.done) return out;
  }
  const rest = cutter.flush();
  if (rest) out.push(rest);
  return out;
}

describe('Dolly options', () => {
  const backend = { type: 'huggingface', endpointUrl: 'http://127.0.0.1:1' } as const;

  it('has Dolly pipeline defaults', () => {
    const dolly = new Dolly({ backend });
    expect(DOLLY_DEFAULTS).toEqual({ maxNewTokens: 256, topP: 0.92, topK: 0, doSample: true });
    expect(dolly.maxNewTokens).toBe(256);
    expect(dolly.topP).toBe(0.92);
    expect(dolly.topK).toBe(0);
    expect(dolly.doSample).toBe(true);
    expect(dolly.temperature).toBeUndefined();
    expect(dolly._llmType()).toBe('dolly');
    expect(dolly._identifyingParams()).toEqual({
      backend: { type: 'huggingface', endpointUrl: 'http://127.0.0.1:1' },
      maxNewTokens: 256,
      topP: 0.92,
      topK: 0,
      doSample: true,
    });
  });

  it('rejects a missing or unknown backend and bad numbers', () => {
    expect(() => new Dolly({} as never)).toThrow(/"backend" is required/);
    expect(() => new Dolly({ backend: { type: 'openai' } as never })).toThrow(
      /unknown backend type "openai"/,
    );
    expect(() => new Dolly({ backend, maxNewTokens: 0 })).toThrow(/maxNewTokens/);
    expect(() => new Dolly({ backend, topP: 1.5 })).toThrow(/topP/);
    expect(() => new Dolly({ backend, topK: -1 })).toThrow(/topK/);
    expect(() => new Dolly({ backend, temperature: -0.1 })).toThrow(/temperature/);
    const error = (() => {
      try {
        new Dolly({ backend, maxNewTokens: 1.5 });
      } catch (caught) {
        return caught;
      }
      return undefined;
    })();
    expect(DollyError.isInstance(error)).toBe(true);
    expect((error as InstanceType<typeof DollyError>).kind).toBe('config');
  });

  it('formats prompts: auto (default), always, never', () => {
    const formatted = formatDollyPrompt({ instruction: 'Hi' });
    const auto = new Dolly({ backend });
    expect(auto.toDollyPrompt('Hi')).toBe(formatted);
    expect(auto.toDollyPrompt(formatted)).toBe(formatted);
    expect(new Dolly({ backend, formatPrompt: false }).toDollyPrompt('Hi')).toBe('Hi');
    expect(new Dolly({ backend, formatPrompt: true }).toDollyPrompt('### Response: x')).toBe(
      formatDollyPrompt({ instruction: '### Response: x' }),
    );
  });
});

describe('close()', () => {
  it('a closed Dolly refuses calls with a typed error; close is idempotent, dispose is its alias', async () => {
    const dolly = new Dolly({ backend: { type: 'local', modelPath: __filename } });
    await dolly.close();
    await dolly.close();
    await dolly.dispose();
    const error = await dolly.invoke('Hi').catch((caught: unknown) => caught);
    expect(DollyError.isInstance(error)).toBe(true);
    expect(LakechainError.isInstance(error)).toBe(true);
    expect(error).toMatchObject({ kind: 'closed', retryable: false });
    expect((error as Error).message).toBe(
      'Dolly was closed (close() released its backend): create a new instance to make more calls',
    );
    const disposable = new Dolly({
      backend: { type: 'huggingface', endpointUrl: 'http://127.0.0.1:1' },
    });
    await disposable[Symbol.asyncDispose]();
    await expect(disposable.invoke('Hi')).rejects.toMatchObject({ kind: 'closed' });
  });
});

describe('cutAtStop', () => {
  it('cuts at the earliest stop sequence and trims', () => {
    expect(cutAtStop('  Blue.\n\n### End more', ['### End'])).toBe('Blue.');
    expect(cutAtStop('a STOP b ### End', ['### End', 'STOP'])).toBe('a');
    expect(cutAtStop('no marker  ', ['### End'])).toBe('no marker');
    expect(cutAtStop('### End', ['### End'])).toBe('');
    expect(cutAtStop('text ###', ['### End'])).toBe('text ###');
  });
});

describe('StopSequenceCutter (streaming)', () => {
  it('never emits a marker split across chunks', () => {
    expect(feed([' The', ' sky', '\n\n#', '##', ' E', 'nd', ' junk'])).toEqual(['The', ' sky']);
    expect(feed(['A', '###', ' End'])).toEqual(['A']);
  });

  it('releases held text that turns out not to be a marker', () => {
    expect(feed(['Use #', '# tags'])).toEqual(['Use', ' ## tags']);
    expect(feed(['x ##']).join('')).toBe('x ##');
  });

  it('trims like invoke: leading whitespace dropped, trailing held back', () => {
    expect(feed(['  ', '\n', 'Hi', '  ', 'there', '  \n'])).toEqual(['Hi', '  there']);
    expect(feed(['   '])).toEqual([]);
  });

  it('handles several stop sequences', () => {
    expect(feed(['one\ntwo'], ['### End', '\n'])).toEqual(['one']);
  });
});

describe('node-llama-cpp stays optional', () => {
  it('importing the package and creating a local Dolly does not load it', () => {
    const dolly = new Dolly({ backend: { type: 'local', modelPath: __filename } });
    expect(dolly.backend).toEqual({ type: 'local', modelPath: __filename });
    expect(loads.count).toBe(0);
  });

  it('a local generation without it fails with the install hint', async () => {
    const dolly = new Dolly({ backend: { type: 'local', modelPath: __filename } });
    const error = await dolly.invoke('Hi').catch((caught: unknown) => caught);
    expect(DollyError.isInstance(error)).toBe(true);
    expect((error as InstanceType<typeof DollyError>).kind).toBe('missing-dependency');
    expect((error as Error).message).toContain(NODE_LLAMA_CPP_INSTALL_HINT);
    expect((error as Error).message).toContain('npm install node-llama-cpp@^3.22.0');
    expect(loads.count).toBeGreaterThan(0);
  });

  it('the local backend runs through the caller; a missing dependency is not retried', async () => {
    const seen: unknown[] = [];
    const dolly = new Dolly({
      backend: { type: 'local', modelPath: __filename },
      maxRetries: 3,
      onFailedAttempt: (error) => {
        seen.push(error);
        throw error;
      },
    });
    await expect(dolly.invoke('Hi')).rejects.toMatchObject({ kind: 'missing-dependency' });
    expect(seen).toHaveLength(1);
    expect(DollyError.isInstance(seen[0])).toBe(true);
    // With the default handler, a missing dependency is final: one import attempt, not four.
    const before = loads.count;
    const defaults = new Dolly({
      backend: { type: 'local', modelPath: __filename },
      maxRetries: 3,
    });
    await expect(defaults.invoke('Hi')).rejects.toMatchObject({ kind: 'missing-dependency' });
    expect(loads.count - before).toBe(1);
  });

  it('no source module imports it statically', async () => {
    const dir = join(import.meta.dirname);
    const files: string[] = [];
    for (const entry of await readdir(dir, { recursive: true })) {
      const name = String(entry);
      if (name.endsWith('.ts') && !name.endsWith('.test.ts')) files.push(name);
    }
    for (const file of files) {
      const text = await readFile(join(dir, file), 'utf8');
      expect(text, file).not.toMatch(/from\s+['"]node-llama-cpp['"]/);
      expect(text, file).not.toMatch(/import\s*\(\s*['"]node-llama-cpp['"]\s*\)/);
    }
  });
});
