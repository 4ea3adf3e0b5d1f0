/**
 * What a Delta Sync pipeline needs from the rest of the workspace:
 *
 * - the source table, read through the SQL engine's public seam (`SqlEngine` / `EngineSession`),
 *   exactly as a SQL client would (`SELECT * FROM catalog.schema.table`), page by page;
 * - embeddings, from an `llm/v1/embeddings` endpoint of the serving service. The endpoint's
 *   handler is called in-process with the same request a client would POST to
 *   `/serving-endpoints/{name}/invocations` (no loopback TLS, no token to mint), and the request
 *   is logged in the serving request log like any other, so tests see what was embedded. Any
 *   handler works: `scriptedEmbeddings`, or a real local model once one is registered.
 */

import type { ColumnMetadata, EngineValue, SqlEngine } from '../../engine/sql_engine.js';
import { invokeInProcess } from '../serving/in_process.js';
import type { ServingRegistry } from '../serving/registry.js';

export interface SourceTable {
  columns: ColumnMetadata[];
  rows: Record<string, EngineValue>[];
}

const PAGE_ROWS = 10_000;

function quoteName(name: string): string {
  return name
    .split('.')
    .map((part) => `\`${part.replace(/`/g, '``')}\``)
    .join('.');
}

/** Reads a whole table (or only its columns) through a fresh engine session. */
export async function readSourceTable(
  engine: SqlEngine,
  name: string,
  options: { columnsOnly?: boolean; signal?: AbortSignal } = {},
): Promise<SourceTable> {
  const session = await engine.openSession({});
  try {
    const sql = `SELECT * FROM ${quoteName(name)}${options.columnsOnly ? ' LIMIT 0' : ''}`;
    const result = await session.execute(sql, {}, options.signal ?? new AbortController().signal);
    try {
      const rows: Record<string, EngineValue>[] = [];
      for (;;) {
        const page = await result.fetch(PAGE_ROWS);
        for (const values of page)
          rows.push(
            Object.fromEntries(
              result.columns.map((column, position) => [column.name, values[position] ?? null]),
            ),
          );
        if (page.length < PAGE_ROWS && !result.hasMoreRows()) break;
        if (page.length === 0) break;
      }
      return { columns: result.columns, rows };
    } finally {
      await result.close();
    }
  } finally {
    await session.close();
  }
}

/** Embeds texts with a serving endpoint, `batchSize` texts per request, in input order. */
export async function embedTexts(
  registry: ServingRegistry,
  endpoint: string,
  texts: readonly string[],
  batchSize: number,
  signal: AbortSignal = new AbortController().signal,
): Promise<number[][]> {
  if (!registry.get(endpoint)) throw new Error(`serving endpoint ${endpoint} does not exist`);
  const vectors: number[][] = [];
  for (let start = 0; start < texts.length; start += batchSize) {
    const input = texts.slice(start, start + batchSize);
    const invocation = await invokeInProcess(registry, {
      endpoint,
      body: { input },
      userAgent: 'lakechain-local-vector-search',
      signal,
    });
    if (invocation.outcome === 'missing')
      throw new Error(`serving endpoint ${endpoint} does not exist`);
    if (invocation.outcome === 'failed')
      throw new Error(`embedding endpoint ${endpoint} failed: ${invocation.message}`);
    const result = invocation.body;
    const data = (result as { data?: { embedding?: unknown; index?: number }[] } | undefined)?.data;
    if (!Array.isArray(data) || data.length !== input.length)
      throw new Error(`embedding endpoint ${endpoint} did not return one embedding per input`);
    const ordered = [...data].sort((a, b) => (a.index ?? 0) - (b.index ?? 0));
    for (const item of ordered) {
      if (!Array.isArray(item.embedding))
        throw new Error(`embedding endpoint ${endpoint} returned an item without an embedding`);
      vectors.push(item.embedding as number[]);
    }
  }
  return vectors;
}
