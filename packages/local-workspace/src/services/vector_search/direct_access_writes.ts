/**
 * The writes of a Direct Access index: `upsert-data` (rows checked against the index's schema,
 * each failing row reported by its primary key, not failing the request) and `delete-data`.
 * Delta Sync indexes are written through their source table instead.
 */
import type { Row } from './filters.js';
import {
  type IndexRecord,
  putEntry,
  removeEntry,
  requireIndex,
  type StoreScope,
} from './records.js';
import { badRequest, invalid, type Json, requireFullName, rowKey, toVector } from './wire.js';

function requireDirectAccess(record: IndexRecord, operation: string): void {
  if (record.indexType !== 'DIRECT_ACCESS')
    throw badRequest(
      `${operation} is only supported for Direct Access indexes; ${record.name} is a Delta Sync index: write to ${record.sourceTable} and sync.`,
    );
}

/** The value when it fits the column's type; otherwise an error that fails only its row. */
function coerceCell(column: string, type: string, value: unknown): unknown {
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
}

export function upsertRows(
  scope: StoreScope,
  name: string,
  body: Json,
  endpointFromPath?: string,
): Json {
  const record = requireIndex(scope, requireFullName(name), endpointFromPath);
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
      putEntry(record, rowKey(key), row, vector);
      success++;
    } catch {
      failed.push(key);
    }
  }
  return {
    status: failed.length === 0 ? 'SUCCESS' : success === 0 ? 'FAILURE' : 'PARTIAL_SUCCESS',
    result: { success_row_count: success, failed_primary_keys: failed },
  };
}

export function deleteRows(
  scope: StoreScope,
  name: string,
  keys: unknown[],
  endpointFromPath?: string,
): Json {
  const record = requireIndex(scope, requireFullName(name), endpointFromPath);
  requireDirectAccess(record, 'delete-data');
  if (keys.length === 0) throw invalid('primary_keys is required.');
  for (const key of keys) removeEntry(record, rowKey(key));
  return {
    status: 'SUCCESS',
    result: { success_row_count: keys.length, failed_primary_keys: [] },
  };
}
