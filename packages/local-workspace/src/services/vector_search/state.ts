/**
 * The endpoints and indexes of the local Vector Search, and what each operation does to them:
 * index creation (validated against the source table or `schema_json`), queries (ANN, HYBRID,
 * FULL_TEXT; filters; score threshold; paging), scan, upsert, delete and Delta Sync. The HTTP
 * shapes live in `service.ts`; this module answers in wire shapes or throws `ApiError`s.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { ApiError } from '../../platform/errors.js';
import type { ServiceContext } from '../../platform/service.js';
import type { ServingRegistry } from '../serving/registry.js';
import { type AnnEngineKind, createVectorEngine, loadHnsw, type VectorEngine } from './ann.js';
import { compileQueryFilter, type Row } from './filters.js';
import { createKeywordIndex, type KeywordIndex, reciprocalRankFusion } from './keyword.js';
import { embedTexts, readSourceTable, type SourceTable } from './sync.js';
import type { LocalVectorSearch, VectorIndexView, VectorSearchOptions } from './types.js';

type Json = Record<string, unknown>;

const notFound = (message: string) => new ApiError(404, 'RESOURCE_DOES_NOT_EXIST', message);
const invalid = (message: string) => new ApiError(400, 'INVALID_PARAMETER_VALUE', message);
const badRequest = (message: string) => new ApiError(400, 'BAD_REQUEST', message);

/** Direct Access `schema_json` spellings → Unity Catalog type names (how GET returns them). */
const DIRECT_ACCESS_TYPES: Record<string, string> = {
  integer: 'int',
  int: 'int',
  long: 'bigint',
  bigint: 'bigint',
  float: 'float',
  double: 'double',
  boolean: 'boolean',
  string: 'string',
  date: 'date',
  timestamp: 'timestamp',
  'array<float>': 'array<float>',
  'array<double>': 'array<double>',
  'array<string>': 'array<string>',
  'array<int>': 'array<int>',
  'array<long>': 'array<bigint>',
};

interface Endpoint {
  name: string;
  id: string;
  endpointType: string;
  state: string;
  message: string;
  created: number;
}

interface Entry {
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

interface IndexRecord {
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

interface Cursor {
  index: string;
  manifest: Json;
  rows: unknown[][];
  expires: number;
}

const CURSOR_LIFETIME_MS = 10 * 60_000;

function isReady(record: IndexRecord): boolean {
  return record.detailedState.includes('ONLINE');
}

function pkKey(value: unknown): string {
  return typeof value === 'bigint' ? value.toString() : String(value);
}

function isNumericType(type: string | undefined): boolean {
  return /^(int|bigint|smallint|tinyint|float|double|decimal.*)$/.test(type ?? '');
}

function fullName(name: unknown, what = 'index'): string {
  // Databricks' own message for index names (seen in its answers; the rule is not in the API reference).
  if (what === 'index') {
    if (typeof name !== 'string' || !/^\w+\.\w+\.\w+$/.test(name))
      throw invalid(
        'Invalid index name. Must specify the full index name <catalog>.<schema>.<table>. Only alphanumerics and underscores are allowed.',
      );
    return name;
  }
  if (typeof name !== 'string' || !/^[^.\s]+\.[^.\s]+\.[^.\s]+$/.test(name))
    throw invalid(
      `Invalid ${what} name ${JSON.stringify(name)}: use the full name catalog.schema.name.`,
    );
  return name;
}

/** Databricks returns at most 200 results for HYBRID and FULL_TEXT queries (documented). */
const KEYWORD_QUERY_MAX_RESULTS = 200;
/** The reranker reorders the top 50 results before the top `num_results` are returned (documented). */
const RERANK_CANDIDATES = 50;

function toVector(value: unknown, dimension: number | undefined, what: string): Float32Array {
  if (
    !Array.isArray(value) ||
    value.some((item) => typeof item !== 'number' || !Number.isFinite(item))
  )
    throw invalid(`${what} must be an array of numbers.`);
  if (dimension !== undefined && value.length !== dimension)
    throw invalid(`${what} has ${value.length} dimensions; the index's vectors have ${dimension}.`);
  return Float32Array.from(value as number[]);
}

/**
 * Unity Catalog's `ColumnTypeName` for a Databricks SQL type: the enum spells some types
 * differently (BIGINT is LONG, SMALLINT SHORT, TINYINT BYTE), and clients that parse it into the
 * enum (the Databricks SDK, so `VectorSearchRetrieverTool`'s description) drop a column whose
 * type name they do not know.
 */
const UNITY_CATALOG_TYPE_NAMES: Record<string, string> = {
  tinyint: 'BYTE',
  byte: 'BYTE',
  smallint: 'SHORT',
  short: 'SHORT',
  int: 'INT',
  integer: 'INT',
  bigint: 'LONG',
  long: 'LONG',
  float: 'FLOAT',
  real: 'FLOAT',
  double: 'DOUBLE',
  decimal: 'DECIMAL',
  numeric: 'DECIMAL',
  string: 'STRING',
  varchar: 'STRING',
  char: 'CHAR',
  boolean: 'BOOLEAN',
  date: 'DATE',
  timestamp: 'TIMESTAMP',
  timestamp_ntz: 'TIMESTAMP_NTZ',
  binary: 'BINARY',
  array: 'ARRAY',
  map: 'MAP',
  struct: 'STRUCT',
  interval: 'INTERVAL',
  variant: 'VARIANT',
  void: 'NULL',
};

export function unityCatalogTypeName(type: string): string {
  const base = type
    .trim()
    .toLowerCase()
    .replace(/[<(\s].*$/, '');
  return UNITY_CATALOG_TYPE_NAMES[base] ?? 'USER_DEFINED_TYPE';
}

/** JSON-safe cell values (BIGINT from the engine as numbers when exact, else strings). */
function jsonValue(value: unknown): unknown {
  if (typeof value === 'bigint')
    return value <= BigInt(Number.MAX_SAFE_INTEGER) && value >= BigInt(Number.MIN_SAFE_INTEGER)
      ? Number(value)
      : value.toString();
  if (Array.isArray(value)) return value.map(jsonValue);
  if (value instanceof Uint8Array) return Buffer.from(value).toString('base64');
  if (value !== null && typeof value === 'object')
    return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, jsonValue(item)]));
  return value;
}

/** A `google.protobuf.Value` for scan answers. */
function protobufValue(value: unknown): Json {
  if (value === null || value === undefined) return { null_value: 'NULL_VALUE' };
  if (typeof value === 'number') return { number_value: value };
  if (typeof value === 'boolean') return { bool_value: value };
  if (Array.isArray(value)) return { list_value: { values: value.map(protobufValue) } };
  if (typeof value === 'object')
    return {
      struct_value: {
        fields: Object.entries(value).map(([key, item]) => ({ key, value: protobufValue(item) })),
      },
    };
  return { string_value: String(value) };
}

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

export function createVectorSearchStore(
  context: ServiceContext,
  options: VectorSearchOptions = {},
): VectorSearchStore {
  const now = options.now ?? Date.now;
  const userName = options.userName ?? 'local-user@example.com';
  const pageSize = options.pageSize ?? 1000;
  const maxResults = options.maxResults ?? 10_000;
  const embeddingBatchSize = options.embeddingBatchSize ?? 32;
  const requestedEngine: AnnEngineKind = options.ann ?? 'hnsw';
  const annEngine: AnnEngineKind = requestedEngine === 'hnsw' && loadHnsw() ? 'hnsw' : 'exact';
  const endpoints = new Map<string, Endpoint>();
  const indexes = new Map<string, IndexRecord>();
  const cursors = new Map<string, Cursor>();
  const serving = () => context.service<ServingRegistry>('serving');

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

  const requireEndpoint = (name: string): Endpoint => {
    const endpoint = endpoints.get(name);
    if (!endpoint) throw notFound(`Vector search endpoint ${name} not found.`);
    return endpoint;
  };

  const requireIndex = (name: string, endpointFromPath?: string): IndexRecord => {
    const record = indexes.get(name);
    if (!record || (endpointFromPath !== undefined && record.endpointName !== endpointFromPath))
      throw notFound(`Index ${name} does not exist.`);
    return record;
  };

  const requireQueryable = (record: IndexRecord) => {
    const endpoint = endpoints.get(record.endpointName);
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
  };

  const status = (record: IndexRecord): Json => ({
    ready: isReady(record),
    indexed_row_count: record.rows.size,
    message: record.message,
    // Without `https://`, as Databricks returns it (Python's client adds the scheme).
    index_url: `${context.host().replace(/^https?:\/\//, '')}/api/2.0/vector-search/endpoints/${record.endpointName}/indexes/${record.name}`,
    detailed_state: record.detailedState,
  });

  const indexInfo = (record: IndexRecord): Json => {
    const endpoint = endpoints.get(record.endpointName);
    return { ...record.info, endpoint_id: endpoint?.id, status: status(record) };
  };

  const view = (record: IndexRecord): VectorIndexView => ({
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
  });

  // ---- rows ------------------------------------------------------------------------------

  const keywordText = (record: IndexRecord, row: Row) =>
    record.keywordColumns
      .map((column) => row[column])
      .filter((value) => typeof value === 'string')
      .join('\n');

  const putEntry = (
    record: IndexRecord,
    key: string,
    row: Row,
    vector?: Float32Array,
    fingerprint?: string,
  ) => {
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
  };

  function removeEntry(record: IndexRecord, key: string): boolean {
    const entry = record.rows.get(key);
    if (!entry) return false;
    record.rows.delete(key);
    record.byLabel.delete(entry.label);
    if (entry.vector) record.engine?.remove(entry.label);
    if (entry.text) record.keyword.remove(entry.label, entry.text);
    return true;
  }

  const fullRow = (record: IndexRecord, entry: Entry): Row =>
    record.vectorColumn && entry.vector && record.columns.has(record.vectorColumn)
      ? { ...entry.row, [record.vectorColumn]: Array.from(entry.vector) }
      : entry.row;

  // ---- Delta Sync ------------------------------------------------------------------------

  const runSync = async (record: IndexRecord) => {
    const table: SourceTable = await readSourceTable(context.engine, record.sourceTable as string);
    const seen = new Set<string>();
    const pending: {
      key: string;
      row: Row;
      fingerprint: string;
      text?: string;
      vector?: Float32Array;
    }[] = [];
    for (const source of table.rows) {
      const key = pkKey(source[record.primaryKey]);
      if (source[record.primaryKey] === null || source[record.primaryKey] === undefined) continue;
      seen.add(key);
      const row: Row = {};
      for (const column of record.columns.keys())
        if (column !== record.vectorColumn || record.sourceColumn)
          row[column] = jsonValue(source[column]);
      const fingerprint = JSON.stringify(row, (_key, value) =>
        typeof value === 'bigint' ? value.toString() : value,
      );
      if (record.rows.get(key)?.fingerprint === fingerprint) continue;
      if (record.sourceColumn) {
        const text = source[record.sourceColumn];
        pending.push({ key, row, fingerprint, text: typeof text === 'string' ? text : '' });
      } else {
        const vectorValue = source[record.vectorColumn as string];
        const { [record.vectorColumn as string]: _vector, ...rest } = row;
        let vector: Float32Array | undefined;
        try {
          vector = toVector(
            jsonValue(vectorValue),
            record.dimension,
            `Row ${key}: column ${record.vectorColumn}`,
          );
        } catch {
          vector = undefined; // rows without a usable vector are not indexed, as Databricks skips them
        }
        if (vector) pending.push({ key, row: rest, fingerprint, vector });
      }
    }
    if (record.sourceColumn) {
      const texts = pending.map((item) => item.text ?? '');
      const vectors = await embedTexts(
        serving(),
        record.embeddingEndpoint as string,
        texts,
        embeddingBatchSize,
      );
      record.embeddedTexts += texts.length;
      vectors.forEach((vector, position) => {
        const item = pending[position];
        if (!item) return;
        if (record.dimension === undefined) record.dimension = vector.length;
        item.vector = Float32Array.from(vector);
      });
    }
    for (const item of pending) putEntry(record, item.key, item.row, item.vector, item.fingerprint);
    for (const key of [...record.rows.keys()]) if (!seen.has(key)) removeEntry(record, key);
    record.syncCount++;
  };

  const scheduleSync = (record: IndexRecord): Promise<void> => {
    if (record.syncing) {
      record.syncQueued = true;
      return record.syncing;
    }
    const initial = !isReady(record);
    if (!initial)
      record.detailedState =
        record.pipelineType === 'CONTINUOUS'
          ? 'ONLINE_CONTINUOUS_UPDATE'
          : 'ONLINE_TRIGGERED_UPDATE';
    const run = (async () => {
      // Let the create/sync request answer first, as Databricks' pipeline runs asynchronously.
      await new Promise((resolve) => setImmediate(resolve));
      do {
        record.syncQueued = false;
        try {
          await runSync(record);
          record.detailedState = 'ONLINE_NO_PENDING_UPDATE';
          record.message = `Index is ready: ${record.rows.size} rows synced from ${record.sourceTable}.`;
        } catch (error) {
          const reason = error instanceof Error ? error.message : String(error);
          record.detailedState = record.syncCount > 0 ? 'ONLINE_PIPELINE_FAILED' : 'OFFLINE_FAILED';
          record.message = `Sync from ${record.sourceTable} failed: ${reason}`;
        }
      } while (record.syncQueued && indexes.get(record.name) === record);
    })();
    record.syncing = run.finally(() => {
      record.syncing = undefined;
    });
    return record.syncing;
  };

  const continuousTimer = setInterval(() => {
    for (const record of indexes.values())
      if (record.pipelineType === 'CONTINUOUS' && !record.syncing && isReady(record))
        void scheduleSync(record);
  }, options.continuousSyncIntervalMs ?? 1000);
  continuousTimer.unref();

  // ---- index creation --------------------------------------------------------------------

  const schemaExists = async (name: string) => {
    const [catalog, schema] = name.split('.');
    const session = await context.engine.openSession({});
    try {
      const result = await session.getSchemas({ catalogName: catalog, schemaName: schema });
      const rows = await result.fetch(10);
      await result.close();
      return rows.some(
        (row) =>
          String(row[1] ?? '').toLowerCase() === catalog?.toLowerCase() ||
          String(row[0] ?? '').toLowerCase() === schema?.toLowerCase(),
      );
    } finally {
      await session.close();
    }
  };

  const vectorColumnSpec = (spec: Json | undefined, what: string) => {
    const columns = spec?.embedding_vector_columns;
    if (columns === undefined) return undefined;
    if (!Array.isArray(columns) || columns.length !== 1)
      throw invalid(`${what}.embedding_vector_columns must list exactly one column.`);
    const column = columns[0] as Json;
    const dimension = column.embedding_dimension;
    if (typeof column.name !== 'string' || !column.name)
      throw invalid(`${what}.embedding_vector_columns[0].name is required.`);
    if (
      typeof dimension !== 'number' ||
      !Number.isInteger(dimension) ||
      dimension < 1 ||
      dimension > 4096
    )
      throw invalid(
        `${what}.embedding_vector_columns[0].embedding_dimension must be an integer from 1 to 4096.`,
      );
    return { name: column.name, dimension };
  };

  const checkEmbeddingEndpoint = (name: unknown, field: string) => {
    if (typeof name !== 'string' || !name) throw invalid(`${field} is required.`);
    const endpoint = serving().get(name);
    if (!endpoint) throw notFound(`Serving endpoint ${name} (${field}) does not exist.`);
    if (endpoint.task !== 'llm/v1/embeddings')
      throw invalid(
        `Serving endpoint ${name} (${field}) has task ${endpoint.task}; it must serve llm/v1/embeddings.`,
      );
    return name;
  };

  const createIndex = async (body: Json, endpointFromPath?: string): Promise<Json> => {
    const name = fullName(body.name);
    const endpointName = endpointFromPath ?? body.endpoint_name;
    if (typeof endpointName !== 'string' || !endpointName)
      throw invalid('endpoint_name is required.');
    const endpoint = requireEndpoint(endpointName);
    if (indexes.has(name))
      throw new ApiError(409, 'RESOURCE_ALREADY_EXISTS', `Index ${name} already exists.`);
    if (!(await schemaExists(name)))
      throw notFound(
        `Schema ${name.split('.').slice(0, 2).join('.')} does not exist. Create it first (CREATE SCHEMA).`,
      );
    const primaryKey = body.primary_key;
    if (typeof primaryKey !== 'string' || !primaryKey) throw invalid('primary_key is required.');
    const indexType = body.index_type;
    const indexSubtype =
      typeof body.index_subtype === 'string' ? body.index_subtype.toUpperCase() : 'HYBRID';
    if (indexSubtype === 'FULL_TEXT' && endpoint.endpointType !== 'STORAGE_OPTIMIZED')
      throw invalid(
        `index_subtype FULL_TEXT is only supported on STORAGE_OPTIMIZED endpoints; ${endpointName} is ${endpoint.endpointType}.`,
      );
    const record: IndexRecord = {
      info: {},
      name,
      endpointName,
      indexType: indexType === 'DIRECT_ACCESS' ? 'DIRECT_ACCESS' : 'DELTA_SYNC',
      primaryKey,
      columns: new Map(),
      keywordColumns: [],
      rows: new Map(),
      byLabel: new Map(),
      nextLabel: 0,
      engineKind: annEngine,
      keyword: createKeywordIndex(),
      detailedState: 'PROVISIONING_INITIAL_SNAPSHOT',
      message: 'Index is being provisioned.',
      syncCount: 0,
      embeddedTexts: 0,
      syncQueued: false,
      created: now(),
    };
    const info: Json = {
      name,
      endpoint_name: endpointName,
      primary_key: primaryKey,
      index_type: record.indexType,
      index_subtype: indexSubtype,
      creator: userName,
    };
    if (indexType === 'DIRECT_ACCESS') {
      const spec = body.direct_access_index_spec as Json | undefined;
      if (!spec || typeof spec !== 'object')
        throw invalid('direct_access_index_spec is required for DIRECT_ACCESS indexes.');
      const vector = vectorColumnSpec(spec, 'direct_access_index_spec');
      if (!vector && indexSubtype !== 'FULL_TEXT')
        throw invalid('direct_access_index_spec.embedding_vector_columns is required.');
      if (typeof spec.schema_json !== 'string')
        throw invalid('direct_access_index_spec.schema_json (a JSON string) is required.');
      let schema: Json;
      try {
        schema = JSON.parse(spec.schema_json) as Json;
      } catch (error) {
        throw invalid(
          `direct_access_index_spec.schema_json is not valid JSON: ${(error as Error).message}`,
        );
      }
      const normalized: Record<string, string> = {};
      for (const [column, type] of Object.entries(schema ?? {})) {
        const mapped = DIRECT_ACCESS_TYPES[String(type).toLowerCase().replace(/\s+/g, '')];
        if (!mapped)
          throw invalid(
            `Column ${column} has unsupported type ${JSON.stringify(type)}. Use one of: ${Object.keys(DIRECT_ACCESS_TYPES).join(', ')}.`,
          );
        normalized[column] = mapped;
        record.columns.set(column, mapped);
      }
      if (!record.columns.has(primaryKey))
        throw invalid(`Primary key ${primaryKey} is not in schema_json.`);
      if (vector) {
        if (!record.columns.get(vector.name)?.startsWith('array<'))
          throw invalid(
            `Embedding vector column ${vector.name} must be in schema_json with type array<float> or array<double>.`,
          );
        record.vectorColumn = vector.name;
        record.dimension = vector.dimension;
      }
      const source = Array.isArray(spec.embedding_source_columns)
        ? (spec.embedding_source_columns[0] as Json | undefined)
        : undefined;
      if (source?.embedding_model_endpoint_name !== undefined)
        record.queryEmbeddingEndpoint = checkEmbeddingEndpoint(
          source.embedding_model_endpoint_name,
          'embedding_model_endpoint_name',
        );
      record.keywordColumns = [...record.columns]
        .filter(([, type]) => type === 'string')
        .map(([column]) => column);
      info.direct_access_index_spec = {
        ...(vector
          ? {
              embedding_vector_columns: [
                { name: vector.name, embedding_dimension: vector.dimension },
              ],
            }
          : {}),
        ...(source ? { embedding_source_columns: [source] } : {}),
        schema_json: JSON.stringify(normalized),
        requested_schema_json: spec.schema_json,
      };
      record.detailedState = 'ONLINE_DIRECT_ACCESS';
      record.message = 'Direct Access index is ready to take data.';
    } else if (indexType === 'DELTA_SYNC') {
      const spec = body.delta_sync_index_spec as Json | undefined;
      if (!spec || typeof spec !== 'object')
        throw invalid('delta_sync_index_spec is required for DELTA_SYNC indexes.');
      const sourceTable = fullName(spec.source_table, 'source table');
      const pipelineType = String(spec.pipeline_type ?? 'TRIGGERED').toUpperCase();
      if (pipelineType !== 'TRIGGERED' && pipelineType !== 'CONTINUOUS')
        throw invalid(
          `pipeline_type must be TRIGGERED or CONTINUOUS, not ${JSON.stringify(spec.pipeline_type)}.`,
        );
      let table: SourceTable;
      try {
        table = await readSourceTable(context.engine, sourceTable, { columnsOnly: true });
      } catch {
        throw notFound(`Table ${sourceTable} does not exist (or is not readable).`);
      }
      const types = new Map(
        table.columns.map((column) => [column.name, column.type.toLowerCase()]),
      );
      const requireColumn = (column: unknown, field: string) => {
        if (typeof column !== 'string' || !types.has(column))
          throw invalid(
            `${field} ${JSON.stringify(column)} is not a column of ${sourceTable}. Columns: ${[...types.keys()].join(', ')}.`,
          );
        return column;
      };
      requireColumn(primaryKey, 'primary_key');
      const sourceColumns = spec.embedding_source_columns;
      const vector = vectorColumnSpec(spec, 'delta_sync_index_spec');
      const source =
        Array.isArray(sourceColumns) && sourceColumns.length > 0
          ? (sourceColumns[0] as Json)
          : undefined;
      if (Array.isArray(sourceColumns) && sourceColumns.length > 1)
        throw invalid('delta_sync_index_spec.embedding_source_columns must list one column.');
      if ((source === undefined) === (vector === undefined) && indexSubtype !== 'FULL_TEXT')
        throw invalid(
          'Pass exactly one of embedding_source_columns (managed embeddings) or embedding_vector_columns (self-managed).',
        );
      if (source) {
        const column = requireColumn(source.name, 'embedding_source_columns[0].name');
        if (types.get(column) !== 'string')
          throw invalid(`Embedding source column ${column} must be a STRING column.`);
        record.sourceColumn = column;
        record.embeddingEndpoint = checkEmbeddingEndpoint(
          source.embedding_model_endpoint_name,
          'embedding_model_endpoint_name',
        );
        record.queryEmbeddingEndpoint =
          source.model_endpoint_name_for_query !== undefined
            ? checkEmbeddingEndpoint(
                source.model_endpoint_name_for_query,
                'model_endpoint_name_for_query',
              )
            : record.embeddingEndpoint;
      }
      if (vector) {
        const column = requireColumn(vector.name, 'embedding_vector_columns[0].name');
        if (!types.get(column)?.startsWith('array<'))
          throw invalid(
            `Embedding vector column ${column} must be an ARRAY<FLOAT> or ARRAY<DOUBLE> column.`,
          );
        record.vectorColumn = column;
        record.dimension = vector.dimension;
      }
      let synced = [...types.keys()];
      const columnsToSync = spec.columns_to_sync ?? spec.columns_to_index;
      if (columnsToSync !== undefined) {
        if (!Array.isArray(columnsToSync))
          throw invalid('columns_to_sync must be a list of column names.');
        for (const column of columnsToSync) requireColumn(column, 'columns_to_sync');
        synced = [
          ...new Set(
            [
              primaryKey,
              ...(columnsToSync as string[]),
              record.sourceColumn,
              record.vectorColumn,
            ].filter((column): column is string => !!column),
          ),
        ];
        record.columnsToSync = columnsToSync as string[];
      }
      for (const column of synced) record.columns.set(column, types.get(column) as string);
      // "With hybrid search, all text metadata columns are included" (Databricks' query docs):
      // the keyword side reads every synced string column, the embedded one first.
      record.keywordColumns = [
        ...new Set([
          ...(record.sourceColumn ? [record.sourceColumn] : []),
          ...synced.filter((column) => types.get(column) === 'string'),
        ]),
      ];
      record.sourceTable = sourceTable;
      record.pipelineType = pipelineType;
      record.pipelineId = randomUUID();
      info.delta_sync_index_spec = {
        source_table: sourceTable,
        pipeline_type: pipelineType,
        ...(source ? { embedding_source_columns: [source] } : {}),
        ...(vector
          ? {
              embedding_vector_columns: [
                { name: vector.name, embedding_dimension: vector.dimension },
              ],
            }
          : {}),
        ...(columnsToSync !== undefined ? { columns_to_sync: columnsToSync } : {}),
        ...(typeof spec.embedding_writeback_table === 'string'
          ? { embedding_writeback_table: spec.embedding_writeback_table }
          : {}),
        pipeline_id: record.pipelineId,
      };
    } else
      throw invalid(
        `index_type must be DELTA_SYNC or DIRECT_ACCESS, not ${JSON.stringify(indexType)}.`,
      );
    record.info = info;
    indexes.set(name, record);
    if (record.indexType === 'DELTA_SYNC') void scheduleSync(record);
    return indexInfo(record);
  };

  // ---- queries ---------------------------------------------------------------------------

  const queryVector = async (
    record: IndexRecord,
    body: Json,
    signal: AbortSignal,
  ): Promise<Float32Array | undefined> => {
    if (body.query_vector !== undefined && body.query_vector !== null) {
      if (!record.vectorColumn && !record.sourceColumn)
        throw invalid(`Index ${record.name} has no vectors; use query_type FULL_TEXT.`);
      return toVector(body.query_vector, record.dimension, 'query_vector');
    }
    const text = body.query_text;
    if (typeof text === 'string' && text !== '' && record.queryEmbeddingEndpoint) {
      const [vector] = await embedTexts(
        serving(),
        record.queryEmbeddingEndpoint,
        [text],
        1,
        signal,
      );
      return toVector(
        vector,
        record.dimension,
        `The embedding of query_text from ${record.queryEmbeddingEndpoint}`,
      );
    }
    return undefined;
  };

  const query = async (
    name: string,
    body: Json,
    signal: AbortSignal,
    endpointFromPath?: string,
  ): Promise<Json> => {
    const record = requireIndex(fullName(name), endpointFromPath);
    requireQueryable(record);
    const columns = body.columns;
    if (
      !Array.isArray(columns) ||
      columns.length === 0 ||
      columns.some((column) => typeof column !== 'string')
    )
      throw invalid('columns (a non-empty list of column names) is required.');
    for (const column of columns as string[])
      if (!record.columns.has(column))
        throw invalid(
          `Requested column ${column} does not exist in index ${record.name}. Columns: ${[...record.columns.keys()].join(', ')}.`,
        );
    const numResults =
      body.num_results === undefined || body.num_results === null ? 10 : body.num_results;
    if (
      typeof numResults !== 'number' ||
      !Number.isInteger(numResults) ||
      numResults < 1 ||
      numResults > maxResults
    )
      throw invalid(`num_results must be an integer from 1 to ${maxResults}.`);
    const queryType = String(body.query_type ?? 'ANN').toUpperCase();
    if (!['ANN', 'HYBRID', 'FULL_TEXT'].includes(queryType))
      throw invalid(
        `query_type must be ANN, HYBRID or FULL_TEXT, not ${JSON.stringify(body.query_type)}.`,
      );
    const queryText = typeof body.query_text === 'string' ? body.query_text : undefined;
    if ((queryType === 'HYBRID' || queryType === 'FULL_TEXT') && !queryText)
      throw invalid(`query_type ${queryType} needs query_text (its keyword side).`);
    const filter = compileQueryFilter(
      body,
      new Set(record.columns.keys()),
      endpoints.get(record.endpointName)?.endpointType,
    );
    let allowed: Set<number> | undefined;
    if (filter) {
      allowed = new Set();
      // The stored row without its vector: building the full row copied every vector per query.
      for (const entry of record.rows.values()) if (filter(entry.row)) allowed.add(entry.label);
    }
    const rerankColumns = body.columns_to_rerank ?? (body.reranker as Json | undefined)?.parameters;
    const toRerank = Array.isArray(rerankColumns)
      ? rerankColumns
      : Array.isArray((rerankColumns as Json | undefined)?.columns_to_rerank)
        ? ((rerankColumns as Json).columns_to_rerank as unknown[])
        : undefined;
    const reranking = toRerank !== undefined && queryText !== undefined;
    // HYBRID and FULL_TEXT return at most 200 rows; the reranker reorders the top 50 candidates
    // (after score_threshold) before the top `num_results` are returned.
    const limit =
      queryType === 'ANN' ? numResults : Math.min(numResults, KEYWORD_QUERY_MAX_RESULTS);
    const candidates = reranking ? Math.max(limit, RERANK_CANDIDATES) : limit;
    let ranked: { label: number; score: number }[];
    if (queryType === 'FULL_TEXT') {
      ranked = record.keyword.search(queryText as string, candidates, allowed);
    } else {
      const vector = await queryVector(record, body, signal);
      if (!vector)
        throw invalid(
          record.sourceColumn || record.queryEmbeddingEndpoint
            ? 'query_text or query_vector is required.'
            : `query_vector is required: index ${record.name} has self-managed embeddings.`,
        );
      const neighbours = record.engine
        ? record.engine.search(
            vector,
            queryType === 'HYBRID' ? Math.max(candidates, 50) : candidates,
            allowed,
          )
        : [];
      if (queryType === 'ANN')
        ranked = neighbours.map((item) => ({ label: item.label, score: 1 / (1 + item.distance) }));
      else {
        const keywords = record.keyword.search(
          queryText as string,
          Math.max(candidates, 50),
          allowed,
        );
        const fused = reciprocalRankFusion([
          neighbours.map((item) => item.label),
          keywords.map((item) => item.label),
        ]);
        ranked = [...fused]
          .map(([label, score]) => ({ label, score }))
          .sort((a, b) => b.score - a.score || a.label - b.label);
      }
    }
    const threshold = typeof body.score_threshold === 'number' ? body.score_threshold : undefined;
    if (threshold !== undefined) ranked = ranked.filter((item) => item.score >= threshold);
    if (reranking)
      ranked = rerank(record, ranked, queryText as string, (toRerank as unknown[]).map(String));
    ranked = ranked.slice(0, limit);
    const rows = ranked.map((item) => {
      const entry = record.byLabel.get(item.label) as Entry;
      const row = fullRow(record, entry);
      return [...(columns as string[]).map((column) => row[column] ?? null), item.score];
    });
    const manifest = {
      column_count: columns.length + 1,
      columns: [...(columns as string[]), 'score'].map((column) => ({ name: column })),
    };
    return page(record.name, manifest, rows);
  };

  /** A lexical stand-in for Databricks' reranker model: query-token overlap on the given columns, stable. */
  const rerank = (
    record: IndexRecord,
    ranked: { label: number; score: number }[],
    queryText: string,
    columns: string[],
  ) => {
    for (const column of columns)
      if (!record.columns.has(column))
        throw invalid(`columns_to_rerank: ${column} is not a column of index ${record.name}.`);
    const queryTokens = new Set(queryText.toLowerCase().match(/\w+/g) ?? []);
    const head = ranked.slice(0, RERANK_CANDIDATES).map((item, position) => {
      const entry = record.byLabel.get(item.label) as Entry;
      const text = columns
        .map((column) => String(entry.row[column] ?? ''))
        .join(' ')
        .toLowerCase();
      const overlap = (text.match(/\w+/g) ?? []).filter((token) => queryTokens.has(token)).length;
      return { item, overlap, position };
    });
    head.sort((a, b) => b.overlap - a.overlap || a.position - b.position);
    return [...head.map(({ item }) => item), ...ranked.slice(RERANK_CANDIDATES)];
  };

  const page = (index: string, manifest: Json, rows: unknown[][]): Json => {
    if (rows.length <= pageSize)
      return {
        manifest,
        result: { row_count: rows.length, data_array: rows },
        next_page_token: '',
      };
    const token = randomBytes(18).toString('base64url');
    cursors.set(token, {
      index,
      manifest,
      rows: rows.slice(pageSize),
      expires: now() + CURSOR_LIFETIME_MS,
    });
    const first = rows.slice(0, pageSize);
    return {
      manifest,
      result: { row_count: first.length, data_array: first },
      next_page_token: token,
    };
  };

  const queryNextPage = (name: string, body: Json, endpointFromPath?: string): Json => {
    const record = requireIndex(fullName(name), endpointFromPath);
    const token = body.page_token;
    if (typeof token !== 'string' || !token) throw invalid('page_token is required.');
    const cursor = cursors.get(token);
    cursors.delete(token);
    if (!cursor || cursor.index !== record.name || cursor.expires < now())
      throw invalid('page_token is invalid or has expired; run the query again.');
    const rows = cursor.rows.slice(0, pageSize);
    let next = '';
    if (cursor.rows.length > pageSize) {
      next = randomBytes(18).toString('base64url');
      cursors.set(next, {
        ...cursor,
        rows: cursor.rows.slice(pageSize),
        expires: now() + CURSOR_LIFETIME_MS,
      });
    }
    return {
      manifest: cursor.manifest,
      result: { row_count: rows.length, data_array: rows },
      next_page_token: next,
    };
  };

  const sortedEntries = (record: IndexRecord): Entry[] => {
    const numeric = isNumericType(record.columns.get(record.primaryKey));
    return [...record.rows.values()].sort((a, b) =>
      numeric ? Number(a.key) - Number(b.key) : a.key < b.key ? -1 : a.key > b.key ? 1 : 0,
    );
  };

  const scan = (name: string, body: Json, endpointFromPath?: string): Json => {
    const record = requireIndex(fullName(name), endpointFromPath);
    requireQueryable(record);
    const numResults = body.num_results ?? 10;
    if (
      typeof numResults !== 'number' ||
      !Number.isInteger(numResults) ||
      numResults < 1 ||
      numResults > maxResults
    )
      throw invalid(`num_results must be an integer from 1 to ${maxResults}.`);
    const numeric = isNumericType(record.columns.get(record.primaryKey));
    const after = body.last_primary_key;
    const entries = sortedEntries(record).filter((entry) =>
      after === undefined || after === null || after === ''
        ? true
        : numeric
          ? Number(entry.key) > Number(after)
          : entry.key > String(after),
    );
    const pageEntries = entries.slice(0, numResults);
    const data = pageEntries.map((entry) => ({
      fields: Object.entries(fullRow(record, entry)).map(([key, value]) => ({
        key,
        value: protobufValue(value),
      })),
    }));
    const last = pageEntries.at(-1);
    return { data, ...(last ? { last_primary_key: last.key } : {}) };
  };

  const requireDirectAccess = (record: IndexRecord, operation: string) => {
    if (record.indexType !== 'DIRECT_ACCESS')
      throw badRequest(
        `${operation} is only supported for Direct Access indexes; ${record.name} is a Delta Sync index: write to ${record.sourceTable} and sync.`,
      );
  };

  const coerceCell = (column: string, type: string, value: unknown): unknown => {
    if (value === null || value === undefined) return null;
    if (/^(int|bigint)$/.test(type)) {
      if (typeof value !== 'number' || !Number.isInteger(value))
        throw new Error(`${column} must be an integer`);
      return value;
    }
    if (/^(float|double)$/.test(type)) {
      if (typeof value !== 'number') throw new Error(`${column} must be a number`);
      return value;
    }
    if (type === 'boolean') {
      if (typeof value !== 'boolean') throw new Error(`${column} must be a boolean`);
      return value;
    }
    if (type.startsWith('array<')) {
      if (!Array.isArray(value)) throw new Error(`${column} must be an array`);
      return value;
    }
    if (typeof value !== 'string') throw new Error(`${column} must be a string`);
    return value;
  };

  const upsert = (name: string, body: Json, endpointFromPath?: string): Json => {
    const record = requireIndex(fullName(name), endpointFromPath);
    requireDirectAccess(record, 'upsert-data');
    if (typeof body.inputs_json !== 'string')
      throw invalid('inputs_json (a JSON string of a list of rows) is required.');
    let inputs: unknown;
    try {
      inputs = JSON.parse(body.inputs_json);
    } catch (error) {
      throw invalid(`inputs_json is not valid JSON: ${(error as Error).message}`);
    }
    if (!Array.isArray(inputs)) throw invalid('inputs_json must be a JSON list of row objects.');
    const failed: unknown[] = [];
    let success = 0;
    for (const input of inputs) {
      if (typeof input !== 'object' || input === null || Array.isArray(input))
        throw invalid('Each row of inputs_json must be an object.');
      const candidate = input as Row;
      const key = candidate[record.primaryKey];
      if (key === null || key === undefined)
        throw invalid(`A row has no primary key ${record.primaryKey}.`);
      try {
        const row: Row = {};
        for (const [column, value] of Object.entries(candidate)) {
          const type = record.columns.get(column);
          if (!type) throw new Error(`unknown column ${column}`);
          if (column === record.vectorColumn) continue;
          row[column] = coerceCell(column, type, value);
        }
        coerceCell(record.primaryKey, record.columns.get(record.primaryKey) as string, key);
        const vector = record.vectorColumn
          ? toVector(candidate[record.vectorColumn], record.dimension, record.vectorColumn)
          : undefined;
        putEntry(record, pkKey(key), row, vector);
        success++;
      } catch {
        failed.push(key);
      }
    }
    return {
      status: failed.length === 0 ? 'SUCCESS' : success === 0 ? 'FAILURE' : 'PARTIAL_SUCCESS',
      result: { success_row_count: success, failed_primary_keys: failed },
    };
  };

  const deleteData = (name: string, keys: unknown[], endpointFromPath?: string): Json => {
    const record = requireIndex(fullName(name), endpointFromPath);
    requireDirectAccess(record, 'delete-data');
    if (keys.length === 0) throw invalid('primary_keys is required.');
    for (const key of keys) removeEntry(record, pkKey(key));
    return {
      status: 'SUCCESS',
      result: { success_row_count: keys.length, failed_primary_keys: [] },
    };
  };

  const describeTable = (name: string): Json => {
    const record = indexes.get(name);
    if (!record) throw notFound(`Table '${name}' does not exist.`);
    const [catalog, schema, table] = name.split('.');
    return {
      name: table,
      catalog_name: catalog,
      schema_name: schema,
      full_name: name,
      owner: userName,
      comment: record.sourceTable
        ? `Vector search index on ${record.sourceTable}`
        : 'Vector search index (Direct Access)',
      columns: [...record.columns].map(([column, type], position) => ({
        name: column,
        type_name: unityCatalogTypeName(type),
        type_text: type,
        position,
        nullable: column !== record.primaryKey,
      })),
      created_at: record.created,
      created_by: userName,
    };
  };

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
    getEndpoint: (name) => endpointInfo(requireEndpoint(name)),
    listEndpoints: () => ({ endpoints: [...endpoints.values()].map(endpointInfo) }),
    deleteEndpoint(name) {
      requireEndpoint(name);
      const attached = [...indexes.values()].filter((index) => index.endpointName === name);
      if (attached.length > 0)
        throw badRequest(
          `Vector search endpoint ${name} still has indexes (${attached.map((index) => index.name).join(', ')}); delete them first.`,
        );
      endpoints.delete(name);
      return {};
    },
    createIndex,
    getIndex: (name, endpointFromPath) => indexInfo(requireIndex(fullName(name), endpointFromPath)),
    listIndexes(endpointName) {
      if (endpointName !== undefined) requireEndpoint(endpointName);
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
      requireIndex(fullName(name), endpointFromPath);
      indexes.delete(name);
      return {};
    },
    syncIndex(name, endpointFromPath) {
      const record = requireIndex(fullName(name), endpointFromPath);
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
      void scheduleSync(record);
      return {};
    },
    query,
    queryNextPage,
    scan,
    upsert,
    deleteData,
    describeTable,
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
      cursors.clear();
      for (const endpoint of options.endpoints ?? [])
        addEndpoint(endpoint.name, endpoint.endpointType ?? 'STANDARD');
    },
  };
}
