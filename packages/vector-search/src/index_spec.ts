/**
 * What an index description (`GET /api/2.0/vector-search/indexes/{name}`) says about how to query
 * the index: which of the three kinds it is, its primary key, text and vector columns, the vector
 * dimension and (when the description lists them) its columns and their types.
 */
import type { IndexInfo } from './types.js';

/**
 * - `managed`: Delta Sync with Databricks-computed embeddings: queries send `query_text`.
 * - `self-managed`: Delta Sync over a table that already has a vector column: `query_vector`.
 * - `direct-access`: vectors written with upsert: `query_vector`.
 */
export type IndexKind = 'managed' | 'self-managed' | 'direct-access';

export interface IndexSpec {
  name: string;
  endpointName?: string;
  kind: IndexKind;
  primaryKey: string;
  /** The column embedded by Databricks (managed indexes). */
  embeddingSourceColumn?: string;
  /** The vector column (self-managed and direct access). */
  embeddingVectorColumn?: string;
  dimension?: number;
  sourceTable?: string;
  /** Column → type, when the description lists the columns (direct access, `columns_to_sync`). */
  columnTypes?: Record<string, string>;
  /** Column names, when known. */
  columns?: string[];
  ready: boolean;
  detailedState?: string;
  indexSubtype?: string;
}

function parseSchemaJson(schemaJson: string | undefined): Record<string, string> | undefined {
  if (!schemaJson) return undefined;
  try {
    const parsed = JSON.parse(schemaJson) as unknown;
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) return undefined;
    return Object.fromEntries(
      Object.entries(parsed as Record<string, unknown>).map(([key, value]) => [key, String(value)]),
    );
  } catch {
    return undefined;
  }
}

export function indexSpecOf(info: IndexInfo): IndexSpec {
  const deltaSync = info.delta_sync_index_spec;
  const direct = info.direct_access_index_spec;
  const vectorColumn =
    deltaSync?.embedding_vector_columns?.[0] ?? direct?.embedding_vector_columns?.[0];
  const sourceColumn = deltaSync?.embedding_source_columns?.[0]?.name;
  const kind: IndexKind =
    info.index_type === 'DIRECT_ACCESS'
      ? 'direct-access'
      : sourceColumn !== undefined
        ? 'managed'
        : 'self-managed';
  const columnTypes = parseSchemaJson(direct?.schema_json);
  let columns: string[] | undefined;
  if (columnTypes) columns = Object.keys(columnTypes);
  else if (deltaSync?.columns_to_sync?.length) {
    // The primary key and the embedding columns are always synced.
    columns = [
      ...new Set(
        [info.primary_key, sourceColumn, vectorColumn?.name, ...deltaSync.columns_to_sync].filter(
          (column): column is string => typeof column === 'string',
        ),
      ),
    ];
  }
  return {
    name: info.name,
    endpointName: info.endpoint_name,
    kind,
    primaryKey: info.primary_key,
    embeddingSourceColumn: sourceColumn,
    embeddingVectorColumn: vectorColumn?.name,
    dimension: vectorColumn?.embedding_dimension,
    sourceTable: deltaSync?.source_table,
    columnTypes,
    columns,
    ready: info.status?.ready === true,
    detailedState: info.status?.detailed_state,
    indexSubtype: info.index_subtype,
  };
}
