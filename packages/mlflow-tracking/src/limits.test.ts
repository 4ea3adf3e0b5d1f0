import { describe, expect, it } from 'vitest';
import { LIMITS, sanitizeKey, splitBatch } from './limits.js';

describe('sanitizeKey', () => {
  it('keeps valid keys, fixes invalid characters and path forms', () => {
    expect(sanitizeKey('llm.temperature')).toBe('llm.temperature');
    expect(sanitizeKey('a b-c_d/e.f')).toBe('a b-c_d/e.f');
    expect(sanitizeKey('weird:key!é')).toBe('weird_key__');
    expect(sanitizeKey('/lead//double/./x/../')).toBe('lead/double/x');
    expect(sanitizeKey('')).toBe('_');
    expect(sanitizeKey('k'.repeat(400))).toHaveLength(LIMITS.keyLength);
  });
});

describe('splitBatch', () => {
  it('splits 2500 metrics, 250 params, 150 tags within per-batch limits', () => {
    const metrics = Array.from({ length: 2500 }, (_, i) => ({
      key: `m${i % 7}`,
      value: i,
      timestamp: 1,
      step: i,
    }));
    const params = Array.from({ length: 250 }, (_, i) => ({ key: `p${i}`, value: `v${i}` }));
    const tags = Array.from({ length: 150 }, (_, i) => ({ key: `t${i}`, value: 'x' }));
    const batches = splitBatch({ metrics, params, tags });
    for (const b of batches) {
      expect(b.metrics.length).toBeLessThanOrEqual(1000);
      expect(b.params.length).toBeLessThanOrEqual(100);
      expect(b.tags.length).toBeLessThanOrEqual(100);
      expect(b.metrics.length + b.params.length + b.tags.length).toBeLessThanOrEqual(1000);
    }
    expect(batches.flatMap((b) => b.metrics)).toHaveLength(2500);
    expect(batches.flatMap((b) => b.params)).toHaveLength(250);
    expect(batches.flatMap((b) => b.tags)).toHaveLength(150);
  });

  it('truncates values, de-duplicates params, drops non-finite metrics', () => {
    const [b] = splitBatch({
      metrics: [
        { key: 'ok', value: 1, timestamp: 1, step: 0 },
        { key: 'nan', value: Number.NaN, timestamp: 1, step: 0 },
        { key: 'inf', value: Number.POSITIVE_INFINITY, timestamp: 1, step: 0 },
      ],
      params: [
        { key: 'p', value: 'x'.repeat(7000) },
        { key: 'p', value: 'other' },
      ],
      tags: [{ key: 't', value: 'y'.repeat(9000) }],
    });
    expect(b?.metrics.map((m) => m.key)).toEqual(['ok']);
    expect(b?.params).toHaveLength(1);
    expect(b?.params[0]?.value).toHaveLength(LIMITS.paramValueLength);
    expect(b?.tags[0]?.value).toHaveLength(LIMITS.tagValueLength);
  });

  it('keeps each request body under the size limit', () => {
    const params = Array.from({ length: 300 }, (_, i) => ({
      key: `p${i}`,
      value: 'v'.repeat(6000),
    }));
    const tags = Array.from({ length: 300 }, (_, i) => ({ key: `t${i}`, value: 't'.repeat(8000) }));
    const batches = splitBatch({ metrics: [], params, tags });
    for (const b of batches) expect(JSON.stringify(b).length).toBeLessThan(1_000_000);
    expect(batches.flatMap((b) => b.tags)).toHaveLength(300);
  });
});
