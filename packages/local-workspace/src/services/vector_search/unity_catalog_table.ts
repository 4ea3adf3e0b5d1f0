/**
 * An index as a Unity Catalog table (`GET /api/2.1/unity-catalog/tables/{index}`): its columns
 * with Unity Catalog's type names, which is what `VectorSearchRetrieverTool` reads to describe
 * an index to a model.
 */
import type { StoreScope } from './records.js';
import { type Json, notFound } from './wire.js';

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

export function describeIndexAsTable(scope: StoreScope, name: string): Json {
  const record = scope.indexes.get(name);
  if (!record) throw notFound(`Table '${name}' does not exist.`);
  const [catalog, schema, table] = name.split('.');
  return {
    name: table,
    catalog_name: catalog,
    schema_name: schema,
    full_name: name,
    owner: scope.settings.userName,
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
    created_by: scope.settings.userName,
  };
}
