/**
 * The keyword side of HYBRID and FULL_TEXT queries: BM25 over the index's text column, from
 * MiniSearch (a maintained, dependency-free full-text engine), with the classic Okapi parameters
 * (k1 = 1.2, b = 0.75, no BM25+ offset), exact terms (no fuzzy or prefix matching).
 */
import MiniSearch from 'minisearch';

export interface KeywordHit {
  label: number;
  score: number;
}

export interface KeywordIndex {
  add(label: number, text: string): void;
  remove(label: number, text: string): void;
  /** Up to `k` best BM25 matches among `allowed` labels (all when undefined). */
  search(query: string, k: number, allowed?: ReadonlySet<number>): KeywordHit[];
}

const BM25 = { k: 1.2, b: 0.75, d: 0 };

export function createKeywordIndex(): KeywordIndex {
  const engine = new MiniSearch<{ id: number; text: string }>({
    fields: ['text'],
    idField: 'id',
    storeFields: [],
    autoVacuum: false,
    searchOptions: { bm25: BM25, prefix: false, fuzzy: false, combineWith: 'OR' },
  });
  return {
    add(label, text) {
      engine.add({ id: label, text });
    },
    remove(label, text) {
      if (engine.has(label)) engine.remove({ id: label, text });
    },
    search(query, k, allowed) {
      const results = engine.search(
        query,
        allowed ? { filter: (result) => allowed.has(result.id as number) } : {},
      );
      return results
        .slice(0, k)
        .map((result) => ({ label: result.id as number, score: result.score }));
    },
  };
}

/**
 * Reciprocal rank fusion (Cormack et al., 2009), as Databricks documents for hybrid search: each
 * list contributes 1 / (60 + rank) for every result it ranks (rank from 1).
 */
export const RRF_K = 60;

export function reciprocalRankFusion(lists: readonly (readonly number[])[]): Map<number, number> {
  const scores = new Map<number, number>();
  for (const list of lists)
    list.forEach((label, position) => {
      scores.set(label, (scores.get(label) ?? 0) + 1 / (RRF_K + position + 1));
    });
  return scores;
}
