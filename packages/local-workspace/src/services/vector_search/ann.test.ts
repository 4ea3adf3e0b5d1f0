import { describe, expect, it } from 'vitest';
import { embedText } from '../serving/scripted.js';
import { createExactEngine, createHnswEngine, createVectorEngine, loadHnsw } from './ann.js';
import { createKeywordIndex, reciprocalRankFusion } from './keyword.js';

const DIMENSION = 32;
const vectors = Array.from({ length: 3000 }, (_, label) =>
  Float32Array.from(embedText(`row ${label}`, DIMENSION)),
);

function build(kind: 'hnsw' | 'exact') {
  const hnsw = loadHnsw();
  const engine =
    kind === 'hnsw' && hnsw ? createHnswEngine(hnsw, DIMENSION) : createExactEngine(DIMENSION);
  for (const [label, vector] of vectors.entries()) engine.add(label, vector);
  return engine;
}

describe('nearest-neighbour engines', () => {
  it('exact search returns the true nearest neighbours with L2 distances, nearest first', () => {
    const engine = build('exact');
    const query = vectors[42] as Float32Array;
    const result = engine.search(query, 3);
    expect(result[0]).toEqual({ label: 42, distance: 0 });
    const brute = vectors
      .map((vector, label) => ({
        label,
        distance: Math.hypot(...vector.map((value, i) => value - (query[i] as number))),
      }))
      .sort((a, b) => a.distance - b.distance)
      .slice(0, 3);
    expect(result.map((item) => item.label)).toEqual(brute.map((item) => item.label));
    expect(result[2]?.distance).toBeCloseTo(brute[2]?.distance as number, 5);
  });

  it('HNSW (hnswlib-node) finds at least 95% of the exact top 10, and honours deletes and filters', () => {
    if (!loadHnsw()) {
      if (process.env.CI)
        throw new Error(
          'hnswlib-node is not built: run `pnpm install` (pnpm-workspace.yaml allows its build).',
        );
      console.warn('skipping: hnswlib-node is not installed or built');
      return;
    }
    const hnsw = build('hnsw');
    const exact = build('exact');
    expect(hnsw.kind).toBe('hnsw');
    let found = 0;
    for (let query = 0; query < 50; query++) {
      const probe = Float32Array.from(embedText(`query ${query}`, DIMENSION));
      const truth = new Set(exact.search(probe, 10).map((item) => item.label));
      found += hnsw.search(probe, 10).filter((item) => truth.has(item.label)).length;
    }
    expect(found / 500).toBeGreaterThanOrEqual(0.95);
    hnsw.remove(7);
    expect(hnsw.search(vectors[7] as Float32Array, 5).map((item) => item.label)).not.toContain(7);
    const allowed = new Set(
      Array.from({ length: 2500 }, (_, label) => label * 1.2).filter(Number.isInteger),
    );
    expect(
      hnsw
        .search(vectors[10] as Float32Array, 20, allowed)
        .every((item) => allowed.has(item.label)),
    ).toBe(true);
  });

  it('falls back to exact search when asked for it', () => {
    expect(createVectorEngine('exact', 4).kind).toBe('exact');
  });
});

describe('keyword side', () => {
  it('ranks by BM25 and fuses ranks with 1/(60 + rank)', () => {
    const index = createKeywordIndex();
    index.add(1, 'delta lake transaction log');
    index.add(2, 'unity catalog governs delta tables');
    index.add(3, 'vector search');
    expect(index.search('delta transaction', 5).map((hit) => hit.label)).toEqual([1, 2]);
    index.remove(1, 'delta lake transaction log');
    expect(index.search('delta', 5, new Set([2, 3])).map((hit) => hit.label)).toEqual([2]);
    const fused = reciprocalRankFusion([[3, 2], [2]]);
    expect(fused.get(2)).toBeCloseTo(1 / 62 + 1 / 61, 12);
    expect(fused.get(3)).toBeCloseTo(1 / 61, 12);
  });
});
