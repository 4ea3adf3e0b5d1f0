/**
 * MLflow REST limits (`mlflow/utils/validation.py`), applied client-side so logging never fails
 * the user's chain: keys are sanitised and truncated, values truncated, batches split.
 */

export const LIMITS = {
  metricsPerBatch: 1000,
  paramsPerBatch: 100,
  tagsPerBatch: 100,
  entitiesPerBatch: 1000,
  /** The server rejects larger log-batch bodies; stay well under its 1 000 000 characters. */
  batchBodyChars: 900_000,
  keyLength: 250,
  paramValueLength: 6000,
  tagValueLength: 8000,
} as const;

export interface Metric {
  key: string;
  value: number;
  timestamp: number;
  step: number;
}
export interface KeyValue {
  key: string;
  value: string;
}
export interface LogBatch {
  metrics: Metric[];
  params: KeyValue[];
  tags: KeyValue[];
}

/**
 * A key the server accepts: characters in the portable subset `[A-Za-z0-9_\-. /]` (others become
 * `_`), POSIX-normalised (no `//`, no leading `/`, no `.`/`..` segments, no trailing `/`),
 * at most 250 characters.
 */
export function sanitizeKey(key: string): string {
  let out = key.replace(/[^A-Za-z0-9_\-. /]/g, '_');
  const segments = out.split('/').filter((s) => s !== '' && s !== '.' && s !== '..');
  out = segments.join('/');
  if (out === '') out = '_';
  if (out.length > LIMITS.keyLength) out = out.slice(0, LIMITS.keyLength).replace(/\/+$/, '');
  return out;
}

export function truncateValue(value: string, max: number): string {
  return value.length <= max ? value : `${value.slice(0, max - 3)}...`;
}

export function sanitizeParam(key: string, value: unknown): KeyValue {
  const text = typeof value === 'string' ? value : (JSON.stringify(value) ?? String(value));
  return { key: sanitizeKey(key), value: truncateValue(text, LIMITS.paramValueLength) };
}

export function sanitizeTag(key: string, value: unknown): KeyValue {
  const text = typeof value === 'string' ? value : (JSON.stringify(value) ?? String(value));
  return { key: sanitizeKey(key), value: truncateValue(text, LIMITS.tagValueLength) };
}

/** NaN and ±Infinity are not JSON numbers; such points are dropped rather than failing the batch. */
export function sanitizeMetric(metric: Metric): Metric | undefined {
  if (!Number.isFinite(metric.value)) return undefined;
  return {
    key: sanitizeKey(metric.key),
    value: metric.value,
    timestamp: Math.max(0, Math.trunc(metric.timestamp)),
    step: Math.trunc(metric.step),
  };
}

function bodySize(batch: LogBatch): number {
  return JSON.stringify(batch).length;
}

/**
 * Splits a batch into requests that each respect the per-batch counts and body size.
 * Params are de-duplicated by key (first wins): the server refuses a changed param value, and the
 * same value twice in one batch is also an error.
 */
export function splitBatch(input: LogBatch): LogBatch[] {
  const metrics = input.metrics.map(sanitizeMetric).filter((m): m is Metric => m !== undefined);
  const seen = new Set<string>();
  const params: KeyValue[] = [];
  for (const p of input.params) {
    const s = sanitizeParam(p.key, p.value);
    if (!seen.has(s.key)) {
      seen.add(s.key);
      params.push(s);
    }
  }
  const tagMap = new Map<string, KeyValue>();
  for (const t of input.tags) {
    const s = sanitizeTag(t.key, t.value);
    tagMap.set(s.key, s); // last tag value wins, as repeated set-tag calls would
  }
  const tags = [...tagMap.values()];

  const batches: LogBatch[] = [];
  let current: LogBatch = { metrics: [], params: [], tags: [] };
  let size = 0;
  const push = () => {
    if (current.metrics.length + current.params.length + current.tags.length > 0)
      batches.push(current);
    current = { metrics: [], params: [], tags: [] };
    size = 0;
  };
  const fits = (kind: keyof LogBatch, itemSize: number) => {
    const limit =
      kind === 'metrics'
        ? LIMITS.metricsPerBatch
        : kind === 'params'
          ? LIMITS.paramsPerBatch
          : LIMITS.tagsPerBatch;
    const total = current.metrics.length + current.params.length + current.tags.length;
    return (
      current[kind].length < limit &&
      total < LIMITS.entitiesPerBatch &&
      size + itemSize <= LIMITS.batchBodyChars
    );
  };
  const add = <K extends keyof LogBatch>(kind: K, item: LogBatch[K][number]) => {
    const itemSize = JSON.stringify(item).length + 1;
    if (!fits(kind, itemSize)) push();
    (current[kind] as LogBatch[K][number][]).push(item);
    size += itemSize;
  };
  for (const p of params) add('params', p);
  for (const t of tags) add('tags', t);
  for (const m of metrics) add('metrics', m);
  push();
  // Guard: a single oversize item is impossible after truncation, but never loop on it.
  return batches.filter((b) => bodySize(b) <= 1_000_000);
}
