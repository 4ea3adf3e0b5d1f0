/**
 * What the store holds: endpoints, indexes and their rows, and the lookups every operation
 * starts with. A row is stored once and found by label from both of its search structures, the
 * vector engine and the keyword index, so an upsert, a delete or a sync changes both together.
 */
import { ApiError } from '../../platform/errors.js';
import type { ServiceContext } from '../../platform/service.js';
import type { ServingRegistry } from '../serving/registry.js';
import { type AnnEngineKind, createVectorEngine, type VectorEngine } from './ann.js';
import type { Row } from './filters.js';
import type { KeywordIndex } from './keyword.js';
import { isNumericType, type Json, notFound } from './wire.js';

export interface Endpoint {
  name: string;
  id: string;
  endpointType: string;
  state: string;
  message: string;
  created: number;
}

/** One row of an index, under the label both of its search structures know it by. */
export interface Entry {
  label: number;
  key: string;
  /** The row without its vector column. */
  row: Row;
  vector?: Float32Array;
  /** Text indexed for keywords. */
  text: string;
  /** Source-row fingerprint (Delta Sync), to re-embed only what changed. */
  fingerprint?: string;
}

/** An index: its definition as created, its rows and their search structures, its pipeline. */
export interface IndexRecord {
  info: Json;
  name: string;
  endpointName: string;
  indexType: 'DELTA_SYNC' | 'DIRECT_ACCESS';
  primaryKey: string;
  /** Column → Unity Catalog type (lower case). */
  columns: Map<string, string>;
  vectorColumn?: string;
  /** The text column embedded by Databricks (managed Delta Sync). */
  sourceColumn?: string;
  embeddingEndpoint?: string;
  queryEmbeddingEndpoint?: string;
  dimension?: number;
  /** Columns whose text feeds keyword search. */
  keywordColumns: string[];
  sourceTable?: string;
  pipelineType?: string;
  columnsToSync?: string[];
  rows: Map<string, Entry>;
  byLabel: Map<number, Entry>;
  nextLabel: number;
  engine?: VectorEngine;
  engineKind: AnnEngineKind;
  keyword: KeywordIndex;
  detailedState: string;
  message: string;
  syncCount: number;
  embeddedTexts: number;
  syncing?: Promise<void>;
  syncQueued: boolean;
  pipelineId?: string;
  created: number;
}

/** The service's options with their defaults applied. */
export interface StoreSettings {
  now: () => number;
  userName: string;
  pageSize: number;
  maxResults: number;
  embeddingBatchSize: number;
  /** The engine new indexes use (`'exact'` when hnswlib-node is not installed). */
  annEngine: AnnEngineKind;
}

/** What every operation of the store reads and changes. */
export interface StoreScope {
  readonly context: ServiceContext;
  readonly settings: StoreSettings;
  readonly endpoints: Map<string, Endpoint>;
  readonly indexes: Map<string, IndexRecord>;
  /** The serving service, looked up when needed: it embeds texts for managed indexes and queries. */
  serving(): ServingRegistry;
}

export function isReady(record: IndexRecord): boolean {
  return record.detailedState.includes('ONLINE');
}

export function requireEndpoint(scope: StoreScope, name: string): Endpoint {
  const endpoint = scope.endpoints.get(name);
  if (!endpoint) throw notFound(`Vector search endpoint ${name} not found.`);
  return endpoint;
}

/** The index of that name; with the endpoint of an endpoint-scoped path, only if it is there. */
export function requireIndex(
  scope: StoreScope,
  name: string,
  endpointFromPath?: string,
): IndexRecord {
  const record = scope.indexes.get(name);
  if (!record || (endpointFromPath !== undefined && record.endpointName !== endpointFromPath))
    throw notFound(`Index ${name} does not exist.`);
  return record;
}

/** Refuses reads of an index that is not ONLINE, or whose endpoint is not. */
export function requireQueryable(scope: StoreScope, record: IndexRecord): void {
  const endpoint = scope.endpoints.get(record.endpointName);
  if (endpoint && endpoint.state !== 'ONLINE')
    throw new ApiError(
      400,
      'FAILED_PRECONDITION',
      `Vector search endpoint ${endpoint.name} is not ready: it is ${endpoint.state}.`,
    );
  if (!isReady(record))
    throw new ApiError(
      400,
      'FAILED_PRECONDITION',
      `Index ${record.name} is not ready: it is ${record.detailedState}${record.message ? ` (${record.message})` : ''}.`,
    );
}

function indexStatus(scope: StoreScope, record: IndexRecord): Json {
  return {
    ready: isReady(record),
    indexed_row_count: record.rows.size,
    message: record.message,
    // Without `https://`, as Databricks returns it (Python's client adds the scheme).
    index_url: `${scope.context.host().replace(/^https?:\/\//, '')}/api/2.0/vector-search/endpoints/${record.endpointName}/indexes/${record.name}`,
    detailed_state: record.detailedState,
  };
}

/** The index as GET answers it. */
export function indexInfo(scope: StoreScope, record: IndexRecord): Json {
  const endpoint = scope.endpoints.get(record.endpointName);
  return { ...record.info, endpoint_id: endpoint?.id, status: indexStatus(scope, record) };
}

function keywordText(record: IndexRecord, row: Row): string {
  return record.keywordColumns
    .map((column) => row[column])
    .filter((value) => typeof value === 'string')
    .join('\n');
}

/** Stores a row under a new label (replacing one with the same key) and indexes it. */
export function putEntry(
  record: IndexRecord,
  key: string,
  row: Row,
  vector?: Float32Array,
  fingerprint?: string,
): void {
  removeEntry(record, key);
  const entry: Entry = {
    label: record.nextLabel++,
    key,
    row,
    vector,
    text: keywordText(record, row),
    fingerprint,
  };
  record.rows.set(key, entry);
  record.byLabel.set(entry.label, entry);
  if (vector) {
    record.engine ??= createVectorEngine(record.engineKind, vector.length);
    record.engine.add(entry.label, vector);
  }
  if (entry.text) record.keyword.add(entry.label, entry.text);
}

export function removeEntry(record: IndexRecord, key: string): boolean {
  const entry = record.rows.get(key);
  if (!entry) return false;
  record.rows.delete(key);
  record.byLabel.delete(entry.label);
  if (entry.vector) record.engine?.remove(entry.label);
  if (entry.text) record.keyword.remove(entry.label, entry.text);
  return true;
}

/** The row with its vector column, as answers show it. */
export function fullRow(record: IndexRecord, entry: Entry): Row {
  return record.vectorColumn && entry.vector && record.columns.has(record.vectorColumn)
    ? { ...entry.row, [record.vectorColumn]: Array.from(entry.vector) }
    : entry.row;
}

/** The rows in primary-key order: numeric keys by value, others as text. */
export function sortedEntries(record: IndexRecord): Entry[] {
  const numeric = isNumericType(record.columns.get(record.primaryKey));
  return [...record.rows.values()].sort((a, b) =>
    numeric ? Number(a.key) - Number(b.key) : a.key < b.key ? -1 : a.key > b.key ? 1 : 0,
  );
}
