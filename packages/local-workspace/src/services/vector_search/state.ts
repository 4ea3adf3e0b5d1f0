/**
 * The local Vector Search's store: its endpoints and indexes, and each API operation on them,
 * answered in wire shapes or thrown as `ApiError`s (the HTTP side is `service.ts`). The
 * operations live beside it: index creation (`index_creation.ts`), Delta Sync
 * (`sync_pipeline.ts`), queries (`query.ts`, paged by `paging.ts`), `scan.ts`, the Direct
 * Access writes (`direct_access_writes.ts`) and the Unity Catalog view
 * (`unity_catalog_table.ts`); this module holds the endpoints, the index lifecycle and what
 * tests inspect (`ws.vectorSearch`).
 */
import { randomUUID } from 'node:crypto';
import { ApiError } from '../../platform/errors.js';
import type { ServiceContext } from '../../platform/service.js';
import type { ServingRegistry } from '../serving/registry.js';
import { type AnnEngineKind, loadHnsw } from './ann.js';
import { deleteRows, upsertRows } from './direct_access_writes.js';
import { createIndex } from './index_creation.js';
import { createResultPager } from './paging.js';
import { queryIndex } from './query.js';
import {
  type Endpoint,
  fullRow,
  type IndexRecord,
  indexInfo,
  isReady,
  requireEndpoint,
  requireIndex,
  type StoreScope,
  type StoreSettings,
  sortedEntries,
} from './records.js';
import { scanIndex } from './scan.js';
import { scheduleSync, startContinuousSync } from './sync_pipeline.js';
import type { LocalVectorSearch, VectorIndexView, VectorSearchOptions } from './types.js';
import { describeIndexAsTable } from './unity_catalog_table.js';
import { badRequest, invalid, type Json, requireFullName } from './wire.js';

export interface VectorSearchStore extends LocalVectorSearch {
  createEndpoint(body: Json): Json;
  getEndpoint(name: string): Json;
  listEndpoints(): Json;
  deleteEndpoint(name: string): Json;
  createIndex(body: Json, endpointFromPath?: string): Promise<Json>;
  getIndex(name: string, endpointFromPath?: string): Json;
  listIndexes(endpointName: string | undefined): Json;
  deleteIndex(name: string, endpointFromPath?: string): Json;
  syncIndex(name: string, endpointFromPath?: string): Json;
  query(name: string, body: Json, signal: AbortSignal, endpointFromPath?: string): Promise<Json>;
  queryNextPage(name: string, body: Json, endpointFromPath?: string): Json;
  scan(name: string, body: Json, endpointFromPath?: string): Json;
  upsert(name: string, body: Json, endpointFromPath?: string): Json;
  deleteData(name: string, keys: unknown[], endpointFromPath?: string): Json;
  describeTable(name: string): Json;
  stop(): void;
}

function view(record: IndexRecord): VectorIndexView {
  return {
    name: record.name,
    endpointName: record.endpointName,
    indexType: record.indexType,
    primaryKey: record.primaryKey,
    detailedState: record.detailedState,
    ready: isReady(record),
    rowCount: record.rows.size,
    syncCount: record.syncCount,
    embeddedTexts: record.embeddedTexts,
    annEngine: record.engineKind,
  };
}

export function createVectorSearchStore(
  context: ServiceContext,
  options: VectorSearchOptions = {},
): VectorSearchStore {
  const requestedEngine: AnnEngineKind = options.ann ?? 'hnsw';
  const settings: StoreSettings = {
    now: options.now ?? Date.now,
    userName: options.userName ?? 'local-user@example.com',
    pageSize: options.pageSize ?? 1000,
    maxResults: options.maxResults ?? 10_000,
    embeddingBatchSize: options.embeddingBatchSize ?? 32,
    annEngine: requestedEngine === 'hnsw' && loadHnsw() ? 'hnsw' : 'exact',
  };
  const { now, userName, annEngine } = settings;
  const scope: StoreScope = {
    context,
    settings,
    endpoints: new Map<string, Endpoint>(),
    indexes: new Map<string, IndexRecord>(),
    serving: () => context.service<ServingRegistry>('serving'),
  };
  const { endpoints, indexes } = scope;
  const pager = createResultPager(settings);

  const addEndpoint = (name: string, endpointType: string) => {
    const endpoint: Endpoint = {
      name,
      id: randomUUID(),
      endpointType,
      state: 'ONLINE',
      message: 'Endpoint is online',
      created: now(),
    };
    endpoints.set(name, endpoint);
    return endpoint;
  };
  for (const endpoint of options.endpoints ?? [])
    addEndpoint(endpoint.name, endpoint.endpointType ?? 'STANDARD');

  const endpointInfo = (endpoint: Endpoint): Json => ({
    name: endpoint.name,
    id: endpoint.id,
    endpoint_type: endpoint.endpointType,
    endpoint_status: { state: endpoint.state, message: endpoint.message },
    creator: userName,
    creation_timestamp: endpoint.created,
    last_updated_timestamp: endpoint.created,
    last_updated_user: userName,
    num_indexes: [...indexes.values()].filter((index) => index.endpointName === endpoint.name)
      .length,
  });

  const continuousTimer = startContinuousSync(scope, options.continuousSyncIntervalMs ?? 1000);

  return {
    annEngine,
    createEndpoint(body) {
      const name = body.name;
      if (typeof name !== 'string' || !/^[A-Za-z0-9_-]{1,63}$/.test(name))
        throw invalid('name must be 1-63 letters, digits, - or _.');
      const type = String(body.endpoint_type ?? 'STANDARD').toUpperCase();
      if (type !== 'STANDARD' && type !== 'STORAGE_OPTIMIZED')
        throw invalid(
          `endpoint_type must be STANDARD or STORAGE_OPTIMIZED, not ${JSON.stringify(body.endpoint_type)}.`,
        );
      if (endpoints.has(name))
        throw new ApiError(
          409,
          'RESOURCE_ALREADY_EXISTS',
          `Vector search endpoint ${name} already exists.`,
        );
      return endpointInfo(addEndpoint(name, type));
    },
    getEndpoint: (name) => endpointInfo(requireEndpoint(scope, name)),
    listEndpoints: () => ({ endpoints: [...endpoints.values()].map(endpointInfo) }),
    deleteEndpoint(name) {
      requireEndpoint(scope, name);
      const attached = [...indexes.values()].filter((index) => index.endpointName === name);
      if (attached.length > 0)
        throw badRequest(
          `Vector search endpoint ${name} still has indexes (${attached.map((index) => index.name).join(', ')}); delete them first.`,
        );
      endpoints.delete(name);
      return {};
    },
    createIndex: (body, endpointFromPath) => createIndex(scope, body, endpointFromPath),
    getIndex: (name, endpointFromPath) =>
      indexInfo(scope, requireIndex(scope, requireFullName(name), endpointFromPath)),
    listIndexes(endpointName) {
      if (endpointName !== undefined) requireEndpoint(scope, endpointName);
      return {
        vector_indexes: [...indexes.values()]
          .filter((index) => endpointName === undefined || index.endpointName === endpointName)
          .map((index) => ({
            name: index.name,
            endpoint_name: index.endpointName,
            primary_key: index.primaryKey,
            index_type: index.indexType,
            index_subtype: index.info.index_subtype,
            creator: userName,
          })),
      };
    },
    deleteIndex(name, endpointFromPath) {
      requireIndex(scope, requireFullName(name), endpointFromPath);
      indexes.delete(name);
      return {};
    },
    syncIndex(name, endpointFromPath) {
      const record = requireIndex(scope, requireFullName(name), endpointFromPath);
      if (record.indexType !== 'DELTA_SYNC' || record.pipelineType !== 'TRIGGERED')
        throw badRequest(
          `Sync is only supported for Delta Sync indexes with pipeline_type TRIGGERED; ${name} is ${record.indexType === 'DELTA_SYNC' ? 'CONTINUOUS' : 'a Direct Access index'}.`,
        );
      // Databricks refuses a sync while its pipeline runs (the message it answers, as clients
      // report it; the error code is not documented).
      if (record.syncing)
        throw badRequest(
          'Index is not ready to sync yet. Pipeline is in state RUNNING and needs to be in one of the following states to sync: COMPLETED, FAILED, CANCELED.',
        );
      void scheduleSync(scope, record);
      return {};
    },
    async query(name, body, signal, endpointFromPath) {
      const result = await queryIndex(scope, name, body, signal, endpointFromPath);
      return pager.firstPage(result.index, result.manifest, result.rows);
    },
    queryNextPage: (name, body, endpointFromPath) =>
      pager.nextPage(requireIndex(scope, requireFullName(name), endpointFromPath).name, body),
    scan: (name, body, endpointFromPath) => scanIndex(scope, name, body, endpointFromPath),
    upsert: (name, body, endpointFromPath) => upsertRows(scope, name, body, endpointFromPath),
    deleteData: (name, keys, endpointFromPath) => deleteRows(scope, name, keys, endpointFromPath),
    describeTable: (name) => describeIndexAsTable(scope, name),
    stop() {
      clearInterval(continuousTimer);
    },
    endpoints: () =>
      [...endpoints.values()].map((endpoint) => ({
        name: endpoint.name,
        endpointType: endpoint.endpointType,
        state: endpoint.state,
      })),
    indexes: () => [...indexes.values()].map(view),
    index: (name) => {
      const record = indexes.get(name);
      return record ? view(record) : undefined;
    },
    rows(name) {
      const record = indexes.get(name);
      return record ? sortedEntries(record).map((entry) => fullRow(record, entry)) : [];
    },
    async waitForSync(name) {
      const record = indexes.get(name);
      if (!record) throw new Error(`No index named ${name}.`);
      while (record.syncing) await record.syncing;
      return view(record);
    },
    setEndpointState(name, state, message) {
      const endpoint = endpoints.get(name);
      if (!endpoint) throw new Error(`No endpoint named ${name}.`);
      endpoint.state = state;
      endpoint.message = message ?? `Endpoint is ${state}`;
    },
    setIndexState(name, detailedState, message) {
      const record = indexes.get(name);
      if (!record) throw new Error(`No index named ${name}.`);
      record.detailedState = detailedState;
      record.message = message ?? '';
    },
    reset() {
      indexes.clear();
      endpoints.clear();
      pager.clear();
      for (const endpoint of options.endpoints ?? [])
        addEndpoint(endpoint.name, endpoint.endpointType ?? 'STANDARD');
    },
  };
}
