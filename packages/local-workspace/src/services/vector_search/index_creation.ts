/**
 * Index creation: a request checked the way Databricks checks it, in the order it does, against
 * the endpoint, the schema, the serving endpoints it names and, for Delta Sync, the source
 * table's columns read through the SQL engine. The answer is the index's description; a Delta
 * Sync index then runs its first sync in the background.
 */
import { randomUUID } from 'node:crypto';
import { ApiError } from '../../platform/errors.js';
import { createKeywordIndex } from './keyword.js';
import { type IndexRecord, indexInfo, requireEndpoint, type StoreScope } from './records.js';
import { readSourceTable, type SourceTable } from './sync.js';
import { scheduleSync } from './sync_pipeline.js';
import { invalid, type Json, notFound, requireFullName } from './wire.js';

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

async function schemaExists(scope: StoreScope, name: string): Promise<boolean> {
  const [catalog, schema] = name.split('.');
  const session = await scope.context.engine.openSession({});
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
}

/** The one `embedding_vector_columns` entry of a spec, checked; undefined when there is none. */
function vectorColumnSpec(spec: Json | undefined, what: string) {
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
}

/** The name of an existing `llm/v1/embeddings` serving endpoint, or a 400/404 naming the field. */
function checkEmbeddingEndpoint(scope: StoreScope, name: unknown, field: string): string {
  if (typeof name !== 'string' || !name) throw invalid(`${field} is required.`);
  const endpoint = scope.serving().get(name);
  if (!endpoint) throw notFound(`Serving endpoint ${name} (${field}) does not exist.`);
  if (endpoint.task !== 'llm/v1/embeddings')
    throw invalid(
      `Serving endpoint ${name} (${field}) has task ${endpoint.task}; it must serve llm/v1/embeddings.`,
    );
  return name;
}

/** Reads a DIRECT_ACCESS request's `direct_access_index_spec` into the record and its description. */
function defineDirectAccess(
  scope: StoreScope,
  body: Json,
  record: IndexRecord,
  info: Json,
  indexSubtype: string,
): void {
  const primaryKey = record.primaryKey;
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
      scope,
      source.embedding_model_endpoint_name,
      'embedding_model_endpoint_name',
    );
  record.keywordColumns = [...record.columns]
    .filter(([, type]) => type === 'string')
    .map(([column]) => column);
  info.direct_access_index_spec = {
    ...(vector
      ? {
          embedding_vector_columns: [{ name: vector.name, embedding_dimension: vector.dimension }],
        }
      : {}),
    ...(source ? { embedding_source_columns: [source] } : {}),
    schema_json: JSON.stringify(normalized),
    requested_schema_json: spec.schema_json,
  };
  record.detailedState = 'ONLINE_DIRECT_ACCESS';
  record.message = 'Direct Access index is ready to take data.';
}

/** Reads a DELTA_SYNC request's `delta_sync_index_spec`, checked against the source table's columns. */
async function defineDeltaSync(
  scope: StoreScope,
  body: Json,
  record: IndexRecord,
  info: Json,
  indexSubtype: string,
): Promise<void> {
  const primaryKey = record.primaryKey;
  const spec = body.delta_sync_index_spec as Json | undefined;
  if (!spec || typeof spec !== 'object')
    throw invalid('delta_sync_index_spec is required for DELTA_SYNC indexes.');
  const sourceTable = requireFullName(spec.source_table, 'source table');
  const pipelineType = String(spec.pipeline_type ?? 'TRIGGERED').toUpperCase();
  if (pipelineType !== 'TRIGGERED' && pipelineType !== 'CONTINUOUS')
    throw invalid(
      `pipeline_type must be TRIGGERED or CONTINUOUS, not ${JSON.stringify(spec.pipeline_type)}.`,
    );
  let table: SourceTable;
  try {
    table = await readSourceTable(scope.context.engine, sourceTable, { columnsOnly: true });
  } catch {
    throw notFound(`Table ${sourceTable} does not exist (or is not readable).`);
  }
  const types = new Map(table.columns.map((column) => [column.name, column.type.toLowerCase()]));
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
      scope,
      source.embedding_model_endpoint_name,
      'embedding_model_endpoint_name',
    );
    record.queryEmbeddingEndpoint =
      source.model_endpoint_name_for_query !== undefined
        ? checkEmbeddingEndpoint(
            scope,
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
          embedding_vector_columns: [{ name: vector.name, embedding_dimension: vector.dimension }],
        }
      : {}),
    ...(columnsToSync !== undefined ? { columns_to_sync: columnsToSync } : {}),
    ...(typeof spec.embedding_writeback_table === 'string'
      ? { embedding_writeback_table: spec.embedding_writeback_table }
      : {}),
    pipeline_id: record.pipelineId,
  };
}

/** Creates an index from a create request (the endpoint from the path or the body). */
export async function createIndex(
  scope: StoreScope,
  body: Json,
  endpointFromPath?: string,
): Promise<Json> {
  const name = requireFullName(body.name);
  const endpointName = endpointFromPath ?? body.endpoint_name;
  if (typeof endpointName !== 'string' || !endpointName)
    throw invalid('endpoint_name is required.');
  const endpoint = requireEndpoint(scope, endpointName);
  if (scope.indexes.has(name))
    throw new ApiError(409, 'RESOURCE_ALREADY_EXISTS', `Index ${name} already exists.`);
  if (!(await schemaExists(scope, name)))
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
    engineKind: scope.settings.annEngine,
    keyword: createKeywordIndex(),
    detailedState: 'PROVISIONING_INITIAL_SNAPSHOT',
    message: 'Index is being provisioned.',
    syncCount: 0,
    embeddedTexts: 0,
    syncQueued: false,
    created: scope.settings.now(),
  };
  const info: Json = {
    name,
    endpoint_name: endpointName,
    primary_key: primaryKey,
    index_type: record.indexType,
    index_subtype: indexSubtype,
    creator: scope.settings.userName,
  };
  if (indexType === 'DIRECT_ACCESS') defineDirectAccess(scope, body, record, info, indexSubtype);
  else if (indexType === 'DELTA_SYNC')
    await defineDeltaSync(scope, body, record, info, indexSubtype);
  else
    throw invalid(
      `index_type must be DELTA_SYNC or DIRECT_ACCESS, not ${JSON.stringify(indexType)}.`,
    );
  record.info = info;
  scope.indexes.set(name, record);
  if (record.indexType === 'DELTA_SYNC') void scheduleSync(scope, record);
  return indexInfo(scope, record);
}
