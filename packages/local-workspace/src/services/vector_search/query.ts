/**
 * Queries of an index: ANN (L2 distance on the vector engine), FULL_TEXT (BM25) and HYBRID
 * (both, fused by reciprocal rank), after the filter and before the optional rerank and the
 * score threshold, in Databricks' answer shape: the requested columns, then the score.
 */
import { compileQueryFilter } from './filters.js';
import { reciprocalRankFusion } from './keyword.js';
import {
  type Entry,
  fullRow,
  type IndexRecord,
  requireIndex,
  requireQueryable,
  type StoreScope,
} from './records.js';
import { embedTexts } from './sync.js';
import { invalid, type Json, requireFullName, toVector } from './wire.js';

/** Databricks returns at most 200 results for HYBRID and FULL_TEXT queries (documented). */
const KEYWORD_QUERY_MAX_RESULTS = 200;
/** The reranker reorders the top 50 results before the top `num_results` are returned (documented). */
const RERANK_CANDIDATES = 50;

/** The rows a query found, in order, before they are cut into pages. */
export interface QueryResult {
  index: string;
  manifest: Json;
  rows: unknown[][];
}

/** The query's vector: `query_vector`, or `query_text` embedded by the index's query endpoint. */
async function queryVector(
  scope: StoreScope,
  record: IndexRecord,
  body: Json,
  signal: AbortSignal,
): Promise<Float32Array | undefined> {
  if (body.query_vector !== undefined && body.query_vector !== null) {
    if (!record.vectorColumn && !record.sourceColumn)
      throw invalid(`Index ${record.name} has no vectors; use query_type FULL_TEXT.`);
    return toVector(body.query_vector, record.dimension, 'query_vector');
  }
  const text = body.query_text;
  if (typeof text === 'string' && text !== '' && record.queryEmbeddingEndpoint) {
    const [vector] = await embedTexts(
      scope.serving(),
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
}

/** Runs a query request on an index; the caller pages the rows. */
export async function queryIndex(
  scope: StoreScope,
  name: string,
  body: Json,
  signal: AbortSignal,
  endpointFromPath?: string,
): Promise<QueryResult> {
  const record = requireIndex(scope, requireFullName(name), endpointFromPath);
  requireQueryable(scope, record);
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
    numResults > scope.settings.maxResults
  )
    throw invalid(`num_results must be an integer from 1 to ${scope.settings.maxResults}.`);
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
    scope.endpoints.get(record.endpointName)?.endpointType,
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
  const limit = queryType === 'ANN' ? numResults : Math.min(numResults, KEYWORD_QUERY_MAX_RESULTS);
  const candidates = reranking ? Math.max(limit, RERANK_CANDIDATES) : limit;
  let ranked: { label: number; score: number }[];
  if (queryType === 'FULL_TEXT') {
    ranked = record.keyword.search(queryText as string, candidates, allowed);
  } else {
    const vector = await queryVector(scope, record, body, signal);
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
  return { index: record.name, manifest, rows };
}

/** A lexical stand-in for Databricks' reranker model: query-token overlap on the given columns, stable. */
function rerank(
  record: IndexRecord,
  ranked: { label: number; score: number }[],
  queryText: string,
  columns: string[],
): { label: number; score: number }[] {
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
}
