/**
 * Nearest-neighbour search over an index's vectors, with L2 distance as Databricks uses.
 *
 * - `hnsw` (default when available): HNSW from hnswlib-node, the Node binding of hnswlib (the
 *   reference HNSW implementation; Databricks Vector Search is HNSW too), so results are
 *   approximate the same way. It is an optional dependency with a native build: where it cannot
 *   be built, the workspace falls back to `exact` and says so in `ws.vectorSearch.annEngine`.
 * - `exact`: a scan over Float32Arrays. Exact, dependency-free, fine up to ~100k vectors.
 *
 * Filters are exact in both: the allowed rows are computed first; when they are few, the exact
 * scan over them is used (HNSW with a very selective filter walks most of the graph anyway).
 */
import { createRequire } from 'node:module';

export type AnnEngineKind = 'hnsw' | 'exact';

export interface Neighbour {
  label: number;
  /** Euclidean (L2) distance, not squared. */
  distance: number;
}

export interface VectorEngine {
  readonly kind: AnnEngineKind;
  readonly dimension: number;
  /** Adds a vector under a new label. */
  add(label: number, vector: Float32Array): void;
  remove(label: number): void;
  /** The `k` nearest among `allowed` labels (all when undefined). */
  search(query: Float32Array, k: number, allowed?: ReadonlySet<number>): Neighbour[];
  readonly size: number;
}

function squaredDistance(a: Float32Array, b: Float32Array): number {
  let sum = 0;
  for (let position = 0; position < a.length; position++) {
    const difference = (a[position] as number) - (b[position] as number);
    sum += difference * difference;
  }
  return sum;
}

/** Keeps the k smallest distances seen (a max-heap on distance). */
function topK(k: number) {
  const labels: number[] = [];
  const distances: number[] = [];
  const swap = (i: number, j: number) => {
    [labels[i], labels[j]] = [labels[j] as number, labels[i] as number];
    [distances[i], distances[j]] = [distances[j] as number, distances[i] as number];
  };
  return {
    offer(label: number, distance: number) {
      if (distances.length < k) {
        labels.push(label);
        distances.push(distance);
        let child = distances.length - 1;
        while (child > 0) {
          const parent = (child - 1) >> 1;
          if ((distances[parent] as number) >= distance) break;
          swap(child, parent);
          child = parent;
        }
        return;
      }
      if (distance >= (distances[0] as number)) return;
      labels[0] = label;
      distances[0] = distance;
      let parent = 0;
      for (;;) {
        const left = parent * 2 + 1;
        const right = left + 1;
        let largest = parent;
        if (left < distances.length && (distances[left] as number) > (distances[largest] as number))
          largest = left;
        if (
          right < distances.length &&
          (distances[right] as number) > (distances[largest] as number)
        )
          largest = right;
        if (largest === parent) break;
        swap(parent, largest);
        parent = largest;
      }
    },
    result(): Neighbour[] {
      return labels
        .map((label, position) => ({ label, distance: Math.sqrt(distances[position] as number) }))
        .sort((a, b) => a.distance - b.distance || a.label - b.label);
    },
  };
}

export function createExactEngine(dimension: number): VectorEngine {
  const vectors = new Map<number, Float32Array>();
  return {
    kind: 'exact',
    dimension,
    add: (label, vector) => {
      vectors.set(label, vector);
    },
    remove: (label) => {
      vectors.delete(label);
    },
    search(query, k, allowed) {
      const best = topK(k);
      if (allowed) {
        for (const label of allowed) {
          const vector = vectors.get(label);
          if (vector) best.offer(label, squaredDistance(query, vector));
        }
      } else
        for (const [label, vector] of vectors) best.offer(label, squaredDistance(query, vector));
      return best.result();
    },
    get size() {
      return vectors.size;
    },
  };
}

interface HnswIndex {
  initIndex(options: {
    maxElements: number;
    m?: number;
    efConstruction?: number;
    randomSeed?: number;
  }): void;
  resizeIndex(maxElements: number): void;
  addPoint(point: number[], label: number): void;
  markDelete(label: number): void;
  searchKnn(
    query: number[],
    k: number,
    filter?: (label: number) => boolean,
  ): { distances: number[]; neighbors: number[] };
  getMaxElements(): number;
  setEf(ef: number): void;
}

type HnswModule = { HierarchicalNSW: new (space: 'l2', dimension: number) => HnswIndex };

let hnswModule: HnswModule | null | undefined;

/** hnswlib-node when it is installed and built; `null` otherwise. */
export function loadHnsw(): HnswModule | null {
  if (hnswModule !== undefined) return hnswModule;
  try {
    // Resolved at run time, relative to this package: it is an optional dependency.
    const require = createRequire(typeof __filename === 'string' ? __filename : import.meta.url);
    hnswModule = require('hnswlib-node') as HnswModule;
  } catch {
    hnswModule = null;
  }
  return hnswModule;
}

/** Graph parameters: hnswlib's usual defaults (M 16, efConstruction 200), a fixed seed. */
const M = 16;
const EF_CONSTRUCTION = 200;
const SEED = 100;
/** Below this share of the rows, a filtered search scans the allowed rows exactly. */
const EXACT_FILTER_SHARE = 0.05;
const EXACT_FILTER_ROWS = 2000;

export function createHnswEngine(module: HnswModule, dimension: number): VectorEngine {
  let capacity = 1024;
  const index = new module.HierarchicalNSW('l2', dimension);
  index.initIndex({
    maxElements: capacity,
    m: M,
    efConstruction: EF_CONSTRUCTION,
    randomSeed: SEED,
  });
  // The vectors are kept too: for exact scans of small filtered sets, and to rebuild nothing.
  const exact = createExactEngine(dimension);
  let added = 0;
  return {
    kind: 'hnsw',
    dimension,
    add(label, vector) {
      if (added + 1 > capacity) {
        capacity *= 2;
        index.resizeIndex(capacity);
      }
      // Labels are never reused (a replaced row gets a new label), so no point is ever updated.
      // The binding takes plain arrays only.
      index.addPoint(Array.from(vector), label);
      added++;
      exact.add(label, vector);
    },
    remove(label) {
      index.markDelete(label);
      exact.remove(label);
    },
    search(query, k, allowed) {
      const live = exact.size;
      const wanted = Math.min(k, allowed ? allowed.size : live);
      if (wanted === 0) return [];
      if (
        allowed &&
        (allowed.size <= EXACT_FILTER_ROWS || allowed.size < live * EXACT_FILTER_SHARE)
      )
        return exact.search(query, wanted, allowed);
      index.setEf(Math.max(wanted, 100));
      const result = index.searchKnn(
        Array.from(query),
        wanted,
        allowed ? (label) => allowed.has(label) : undefined,
      );
      if (result.neighbors.length < wanted) return exact.search(query, wanted, allowed);
      return result.neighbors
        .map((label, position) => ({
          label,
          distance: Math.sqrt(Math.max(0, result.distances[position] as number)),
        }))
        .sort((a, b) => a.distance - b.distance || a.label - b.label);
    },
    get size() {
      return exact.size;
    },
  };
}

export function createVectorEngine(kind: AnnEngineKind, dimension: number): VectorEngine {
  if (kind === 'hnsw') {
    const module = loadHnsw();
    if (module) return createHnswEngine(module, dimension);
  }
  return createExactEngine(dimension);
}
