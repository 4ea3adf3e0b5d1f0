/**
 * A Delta Sync index's pipeline: read the source table, keep the rows whose content changed
 * (by fingerprint, so a re-sync embeds only those), embed them through the serving endpoint
 * (managed embeddings), apply them and drop the rows gone from the table. Runs are asynchronous
 * like Databricks' pipelines, one at a time per index: a sync asked for during a run is queued.
 * CONTINUOUS indexes are re-synced on a timer.
 */
import type { Row } from './filters.js';
import { type IndexRecord, isReady, putEntry, removeEntry, type StoreScope } from './records.js';
import { embedTexts, readSourceTable, type SourceTable } from './sync.js';
import { jsonValue, rowKey, toVector } from './wire.js';

async function runSync(scope: StoreScope, record: IndexRecord): Promise<void> {
  const table: SourceTable = await readSourceTable(
    scope.context.engine,
    record.sourceTable as string,
  );
  const seen = new Set<string>();
  const pending: {
    key: string;
    row: Row;
    fingerprint: string;
    text?: string;
    vector?: Float32Array;
  }[] = [];
  for (const source of table.rows) {
    const key = rowKey(source[record.primaryKey]);
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
      scope.serving(),
      record.embeddingEndpoint as string,
      texts,
      scope.settings.embeddingBatchSize,
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
}

/** Runs the index's pipeline now, or after the run in progress; resolves when no run is left. */
export function scheduleSync(scope: StoreScope, record: IndexRecord): Promise<void> {
  if (record.syncing) {
    record.syncQueued = true;
    return record.syncing;
  }
  const initial = !isReady(record);
  if (!initial)
    record.detailedState =
      record.pipelineType === 'CONTINUOUS' ? 'ONLINE_CONTINUOUS_UPDATE' : 'ONLINE_TRIGGERED_UPDATE';
  const run = (async () => {
    // Let the create/sync request answer first, as Databricks' pipeline runs asynchronously.
    await new Promise((resolve) => setImmediate(resolve));
    do {
      record.syncQueued = false;
      try {
        await runSync(scope, record);
        record.detailedState = 'ONLINE_NO_PENDING_UPDATE';
        record.message = `Index is ready: ${record.rows.size} rows synced from ${record.sourceTable}.`;
      } catch (error) {
        const reason = error instanceof Error ? error.message : String(error);
        record.detailedState = record.syncCount > 0 ? 'ONLINE_PIPELINE_FAILED' : 'OFFLINE_FAILED';
        record.message = `Sync from ${record.sourceTable} failed: ${reason}`;
      }
    } while (record.syncQueued && scope.indexes.get(record.name) === record);
  })();
  record.syncing = run.finally(() => {
    record.syncing = undefined;
  });
  return record.syncing;
}

/** Starts the timer that re-syncs CONTINUOUS indexes; the caller clears it on stop. */
export function startContinuousSync(
  scope: StoreScope,
  intervalMs: number,
): ReturnType<typeof setInterval> {
  const timer = setInterval(() => {
    for (const record of scope.indexes.values())
      if (record.pipelineType === 'CONTINUOUS' && !record.syncing && isReady(record))
        void scheduleSync(scope, record);
  }, intervalMs);
  timer.unref();
  return timer;
}
