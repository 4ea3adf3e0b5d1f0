/**
 * Options and inspectable state of the local Vector Search service (`ws.vectorSearch`).
 */
import type { AnnEngineKind } from './ann.js';

export interface VectorSearchOptions {
  /**
   * Nearest-neighbour engine: `'hnsw'` (default; hnswlib-node, an optional dependency) or
   * `'exact'` (a scan, no dependency). Without hnswlib-node, `'hnsw'` falls back to `'exact'`.
   */
  ann?: AnnEngineKind;
  /** Rows per query page before `next_page_token` (Databricks: 1000). */
  pageSize?: number;
  /** Largest `num_results` a query may ask for (Databricks: 10 000). */
  maxResults?: number;
  /** Texts per request to the embedding endpoint of a managed Delta Sync index. Default 32. */
  embeddingBatchSize?: number;
  /** How often CONTINUOUS Delta Sync indexes re-read their source table, in ms. Default 1000. */
  continuousSyncIntervalMs?: number;
  /** Endpoints that exist from the start (ONLINE). */
  endpoints?: { name: string; endpointType?: 'STANDARD' | 'STORAGE_OPTIMIZED' }[];
  /** The user shown as `creator`. Default `local-user@example.com`. */
  userName?: string;
  /** Clock for timestamps (tests). */
  now?: () => number;
}

/** A summary of one index, for tests and tools. */
export interface VectorIndexView {
  name: string;
  endpointName: string;
  indexType: 'DELTA_SYNC' | 'DIRECT_ACCESS';
  primaryKey: string;
  detailedState: string;
  ready: boolean;
  rowCount: number;
  /** How many full or incremental syncs ran. */
  syncCount: number;
  /** Texts sent to the embedding endpoint so far. */
  embeddedTexts: number;
  /** The engine answering ANN queries. */
  annEngine: AnnEngineKind;
}

export interface LocalVectorSearch {
  /** The engine new indexes use (`'exact'` when hnswlib-node is not installed). */
  readonly annEngine: AnnEngineKind;
  endpoints(): { name: string; endpointType: string; state: string }[];
  indexes(): VectorIndexView[];
  index(name: string): VectorIndexView | undefined;
  /** The rows of an index, in primary-key order (vectors included, as arrays). */
  rows(name: string): Record<string, unknown>[];
  /** Waits until no sync of the index is running or queued, and returns its view. */
  waitForSync(name: string): Promise<VectorIndexView>;
  /** Forces an endpoint state (e.g. `PROVISIONING`, `OFFLINE`) to test clients' handling. */
  setEndpointState(name: string, state: string, message?: string): void;
  /** Forces an index's `detailed_state` (e.g. `PROVISIONING_INITIAL_SNAPSHOT`, `OFFLINE_FAILED`). */
  setIndexState(name: string, detailedState: string, message?: string): void;
  /** Deletes every index and endpoint. */
  reset(): void;
}
