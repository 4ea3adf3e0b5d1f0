/**
 * A client of Databricks' SQL Statement Execution API (`/api/2.0/sql/statements`): plain JSON
 * over HTTPS, so it runs wherever `fetch` does. Workspace calls go through core's
 * `DatabricksClient` (auth, retries, Databricks error parsing); result chunks behind
 * `EXTERNAL_LINKS` are downloaded through a second core transport that never carries workspace
 * credentials (a presigned link is a complete credential by itself, and sending the workspace
 * token to cloud storage would leak it), several at a time, asking the workspace for a fresh link
 * when one has expired.
 */
import {
  abortableSleep,
  computeBackoffMs,
  createHttpTransport,
  DatabricksApiError,
  type DatabricksClient,
  type FetchFunction,
  type HttpTransport,
  type RetryOptions,
} from '@lakechain/core';
import { decodeArrowChunk } from './arrow.js';
import { parseCsv } from './csv.js';
import { type TypeNode, typeOfColumn } from './types.js';
import {
  type ColumnDecoder,
  columnDecoderFor,
  type DecodedValue,
  decodeTextRows,
} from './values.js';
import {
  type ExecuteStatementRequest,
  type ExternalLink,
  type ResultData,
  type ResultFormat,
  type StatementResponse,
  TERMINAL_STATES,
} from './wire.js';

const STATEMENTS_PATH = '/api/2.0/sql/statements';

export interface StatementExecutionClientOptions {
  /** The workspace: every API call goes through it (auth, retries, typed errors). */
  client: DatabricksClient;
  /**
   * `fetch` for downloading presigned result links (default: the global `fetch`). These
   * requests never carry the workspace's credentials.
   */
  fetch?: FetchFunction;
  /** PEM bundle trusted for link downloads in addition to the system roots. */
  caCert?: string;
  /** Chunks downloaded at the same time. Default 4. */
  maxConcurrentDownloads?: number;
  /** Polling of a statement that is still running. Default 100 ms doubling up to 2 s (jittered). */
  poll?: { initialDelayMs?: number; maxDelayMs?: number };
}

export interface RequestOptions {
  signal?: AbortSignal;
}

export interface ChunkReadOptions extends RequestOptions {
  /**
   * Chunks fetched ahead of the consumer at most. Default `maxConcurrentDownloads`; a stream
   * uses 1 so that memory holds two chunks whatever the result's size.
   */
  prefetch?: number;
}

export interface ExecuteRequestOptions extends RequestOptions {
  /**
   * Retries of a submission the workspace refused with 429 or 503 (it did not run it); core's
   * transport default otherwise. Other failures of a POST are never retried.
   */
  retry?: RetryOptions;
}

/** One chunk of a result, decoded: rows of values in column order. */
export interface DecodedChunk {
  chunkIndex: number;
  rowOffset: number;
  rows: DecodedValue[][];
}

/** How long a link must still be valid for a download to start with it. */
const LINK_EXPIRY_MARGIN_MS = 5_000;
/** Fresh links asked for one chunk whose downloads keep being refused as expired. */
const MAX_LINK_REFRESHES = 3;

/** True when a storage answer means "this presigned URL is no longer valid". */
function isExpiredLinkError(error: unknown): boolean {
  if (!DatabricksApiError.isInstance(error)) return false;
  if (error.statusCode === 403) return true;
  // GCS answers 400 ExpiredToken; Azure 403 AuthenticationFailed with "Signed expiry time".
  return error.statusCode === 400 && /expire/i.test(error.message);
}

export class StatementExecutionClient {
  readonly #client: DatabricksClient;
  readonly #links: HttpTransport;
  readonly #concurrency: number;
  readonly #poll: { initialDelayMs: number; maxDelayMs: number };
  /** Links downloaded so far (for tests and benchmarks: round trips to storage). */
  linkDownloads = 0;

  constructor(options: StatementExecutionClientOptions) {
    this.#client = options.client;
    this.#links = createHttpTransport({ fetch: options.fetch, caCert: options.caCert });
    this.#concurrency = Math.max(1, Math.floor(options.maxConcurrentDownloads ?? 4));
    this.#poll = {
      initialDelayMs: options.poll?.initialDelayMs ?? 100,
      maxDelayMs: options.poll?.maxDelayMs ?? 2_000,
    };
  }

  /** `POST /api/2.0/sql/statements`: runs a statement, waiting up to its `wait_timeout`. */
  executeStatement(
    request: ExecuteStatementRequest,
    options: ExecuteRequestOptions = {},
  ): Promise<StatementResponse> {
    return this.#client.request<StatementResponse>({
      method: 'POST',
      path: STATEMENTS_PATH,
      body: request,
      signal: options.signal,
      retry: options.retry,
      // The server may hold the request for `wait_timeout` (at most 50 s) before it answers.
      timeoutMs: 90_000,
    });
  }

  /** `GET /api/2.0/sql/statements/{id}`: status, manifest and the first chunk. */
  getStatement(statementId: string, options: RequestOptions = {}): Promise<StatementResponse> {
    return this.#client.request<StatementResponse>({
      method: 'GET',
      path: `${STATEMENTS_PATH}/${encodeURIComponent(statementId)}`,
      signal: options.signal,
    });
  }

  /** `GET /api/2.0/sql/statements/{id}/result/chunks/{index}`: one chunk (its data or link). */
  getChunk(
    statementId: string,
    chunkIndex: number,
    options: RequestOptions = {},
  ): Promise<ResultData> {
    return this.#client.request<ResultData>({
      method: 'GET',
      path: `${STATEMENTS_PATH}/${encodeURIComponent(statementId)}/result/chunks/${chunkIndex}`,
      signal: options.signal,
    });
  }

  /** `POST /api/2.0/sql/statements/{id}/cancel`. Databricks may ignore it: poll to know. */
  async cancel(statementId: string, options: RequestOptions = {}): Promise<void> {
    await this.#client.request({
      method: 'POST',
      path: `${STATEMENTS_PATH}/${encodeURIComponent(statementId)}/cancel`,
      signal: options.signal,
      // Cancelling twice is harmless, so a lost answer may be retried.
      idempotent: true,
    });
  }

  /**
   * Polls a statement until it reaches a terminal state (SUCCEEDED, FAILED, CANCELED, CLOSED).
   * When `signal` aborts, the statement is cancelled on the warehouse and the abort reason thrown.
   */
  async waitForStatement(
    response: StatementResponse,
    options: RequestOptions = {},
  ): Promise<StatementResponse> {
    const { signal } = options;
    let current = response;
    for (let attempt = 0; !TERMINAL_STATES.has(current.status.state); attempt += 1) {
      try {
        const delay = Math.max(
          this.#poll.initialDelayMs / 2,
          computeBackoffMs(attempt, {
            initialDelayMs: this.#poll.initialDelayMs,
            maxDelayMs: this.#poll.maxDelayMs,
          }),
        );
        await abortableSleep(delay, signal);
        current = await this.getStatement(current.statement_id, { signal });
      } catch (error) {
        if (signal?.aborted) await this.cancelQuietly(current.statement_id);
        throw error;
      }
    }
    return current;
  }

  /** Cancels without failing the caller: the statement may already be over. Bounded to 5 s. */
  async cancelQuietly(statementId: string): Promise<void> {
    await this.cancel(statementId, { signal: AbortSignal.timeout(5_000) }).catch(() => {});
  }

  /**
   * The decoded chunks of a SUCCEEDED statement, in order. Chunks are fetched (for
   * EXTERNAL_LINKS: their links asked for and downloaded) `maxConcurrentDownloads` at a time,
   * ahead of the consumer; stopping the iteration stops fetching.
   */
  async *chunks(
    response: StatementResponse,
    options: ChunkReadOptions = {},
  ): AsyncGenerator<DecodedChunk, void, undefined> {
    const manifest = response.manifest ?? {};
    const format: ResultFormat = manifest.format ?? 'JSON_ARRAY';
    const types = (manifest.schema?.columns ?? [])
      .slice()
      .sort((a, b) => a.position - b.position)
      .map(typeOfColumn);
    // Rows of text (JSON_ARRAY, CSV): one decoder per column, chosen once for the whole result.
    const decoders = types.map(columnDecoderFor);
    const total = manifest.total_chunk_count ?? (response.result ? 1 : 0);
    const first = response.result;
    const stop = new AbortController();
    const signal = options.signal ? AbortSignal.any([options.signal, stop.signal]) : stop.signal;
    // Chunks are fetched (their bytes downloaded) ahead of the consumer, in parallel, but decoded
    // one at a time as they are consumed: only raw bytes wait in memory, never decoded rows.
    const fetchRaw = async (index: number): Promise<RawChunk> => {
      const data =
        first && (first.chunk_index ?? 0) === index
          ? first
          : await this.getChunk(response.statement_id, index, { signal });
      if (data.data_array) return { index, rowOffset: data.row_offset ?? 0, rows: data.data_array };
      const link = data.external_links?.find((candidate) => candidate.chunk_index === index);
      if (!link) return { index, rowOffset: data.row_offset ?? 0, rows: [] };
      const bytes = await this.#download(response.statement_id, link, signal);
      return { index, rowOffset: link.row_offset ?? data.row_offset ?? 0, bytes };
    };
    const pending = new Map<number, Promise<RawChunk>>();
    const ahead = Math.max(1, Math.floor(options.prefetch ?? this.#concurrency));
    let next = 0;
    const launch = () => {
      while (next < total && pending.size < ahead) {
        const index = next++;
        const promise = fetchRaw(index);
        promise.catch(() => {}); // awaited in order below; never an unhandled rejection
        pending.set(index, promise);
      }
    };
    try {
      for (let index = 0; index < total; index += 1) {
        launch();
        const raw = await pending.get(index)!;
        pending.delete(index);
        // Start the next downloads before decoding this chunk, so they overlap with it.
        launch();
        yield {
          chunkIndex: index,
          rowOffset: raw.rowOffset,
          rows: await decodeRaw(raw, format, types, decoders),
        };
      }
    } finally {
      // Cancels the fetches still in flight when the consumer stopped early or a chunk failed.
      // Only then: an abort builds a DOMException and runs the listeners (tens of µs per call).
      if (pending.size > 0) stop.abort();
    }
  }

  /** Downloads a link without workspace credentials, renewing it when it has expired. */
  async #download(
    statementId: string,
    first: ExternalLink,
    signal: AbortSignal,
  ): Promise<Uint8Array> {
    let link = first;
    for (let refreshes = 0; ; refreshes += 1) {
      const expiresAt = link.expiration ? Date.parse(link.expiration) : Number.NaN;
      const stale = Number.isFinite(expiresAt) && expiresAt - Date.now() < LINK_EXPIRY_MARGIN_MS;
      if (!stale) {
        try {
          this.linkDownloads += 1;
          const response = await this.#links.request({
            method: 'GET',
            url: link.external_link,
            headers: { Accept: '*/*', ...link.http_headers },
            signal,
            stream: true,
            idempotent: true,
          });
          return new Uint8Array(await response.raw.arrayBuffer());
        } catch (error) {
          if (!isExpiredLinkError(error) || refreshes >= MAX_LINK_REFRESHES) throw error;
        }
      } else if (refreshes >= MAX_LINK_REFRESHES) {
        throw new DatabricksApiError(
          `The workspace keeps handing out expired links for chunk ${link.chunk_index} of statement ${statementId}; check the clock of this machine.`,
          { statusCode: 403, errorCode: 'EXPIRED_LINK', retryable: false },
        );
      }
      const fresh = await this.getChunk(statementId, link.chunk_index, { signal });
      const renewed = fresh.external_links?.find(
        (candidate) => candidate.chunk_index === link.chunk_index,
      );
      if (!renewed) {
        throw new DatabricksApiError(
          `The workspace returned no link for chunk ${link.chunk_index} of statement ${statementId}.`,
          { statusCode: 200, errorCode: 'MISSING_LINK', retryable: false },
        );
      }
      link = renewed;
    }
  }

  /** Releases the connection pool of link downloads (only created with `caCert`). */
  async close(): Promise<void> {
    await this.#links.close?.();
  }
}

/** A chunk as fetched: INLINE rows as strings, or the downloaded bytes of its link. */
interface RawChunk {
  index: number;
  rowOffset: number;
  rows?: Array<Array<string | null>>;
  bytes?: Uint8Array;
}

async function decodeRaw(
  raw: RawChunk,
  format: ResultFormat,
  types: readonly TypeNode[],
  decoders: readonly ColumnDecoder[],
): Promise<DecodedValue[][]> {
  if (raw.rows) return decodeTextRows(raw.rows, decoders);
  const bytes = raw.bytes ?? new Uint8Array();
  if (format === 'ARROW_STREAM') return decodeArrowChunk(bytes, types);
  const text = new TextDecoder().decode(bytes);
  if (format === 'CSV') {
    const rows = parseCsv(text);
    // Only the first chunk starts with the header row.
    if (raw.index === 0 && rows.length > 0) rows.shift();
    return decodeTextRows(rows, decoders);
  }
  const array = (text.trim() === '' ? [] : JSON.parse(text)) as Array<Array<string | null>>;
  return decodeTextRows(array, decoders);
}
