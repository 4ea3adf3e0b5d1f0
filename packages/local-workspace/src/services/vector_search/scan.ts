/**
 * `scan`: an index's rows in primary-key order, a page at a time after `last_primary_key`, each
 * row as `google.protobuf.Value` fields.
 */
import {
  fullRow,
  requireIndex,
  requireQueryable,
  type StoreScope,
  sortedEntries,
} from './records.js';
import { invalid, isNumericType, type Json, protobufValue, requireFullName } from './wire.js';

export function scanIndex(
  scope: StoreScope,
  name: string,
  body: Json,
  endpointFromPath?: string,
): Json {
  const record = requireIndex(scope, requireFullName(name), endpointFromPath);
  requireQueryable(scope, record);
  const numResults = body.num_results ?? 10;
  if (
    typeof numResults !== 'number' ||
    !Number.isInteger(numResults) ||
    numResults < 1 ||
    numResults > scope.settings.maxResults
  )
    throw invalid(`num_results must be an integer from 1 to ${scope.settings.maxResults}.`);
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
}
