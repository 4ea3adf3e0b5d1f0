import { redactForInspection } from '@lakechain/core';
import { Embeddings, type EmbeddingsParams } from '@langchain/core/embeddings';
import { z } from 'zod';
import { DatabricksCaller } from './caller.js';
import { databricksFailedAttemptHandler, malformedResponse } from './errors.js';
import {
  endpointOptionsShape,
  langchainEmbeddingsParamsShape,
  optionError,
  resolveAlias,
  validateOptions,
} from './options.js';
import { authOptionsShape, type DatabricksAuthOptions, ServingConnection } from './serving.js';

/** Python's DatabricksEmbeddings sends 20 texts per request; kept as the default. */
export const DEFAULT_EMBEDDINGS_BATCH_SIZE = 20;
/** OpenAI's (and FMAPI's) per-request input limit. */
export const MAX_EMBEDDINGS_BATCH_SIZE = 2048;

export interface DatabricksEmbeddingsInput extends DatabricksAuthOptions, EmbeddingsParams {
  /**
   * The serving endpoint, e.g. `databricks-gte-large-en` (LangChain's standard `model`, the name
   * used by `ChatDatabricks` and `Databricks` too).
   */
  model?: string;
  /** @deprecated Use `model` (same meaning; the name of Python's `DatabricksEmbeddings`). */
  endpoint?: string;
  /** @deprecated Use `model` (same meaning). */
  endpointName?: string;
  /** Texts per request (default 20, at most 2048). */
  batchSize?: number;
  /** Extra request fields for `embedDocuments` (e.g. `{instruction: '...'}`). */
  documentInputParams?: Record<string, unknown>;
  /** Extra request fields for `embedQuery`. */
  queryInputParams?: Record<string, unknown>;
  /** Output dimensions, for models that support shortening (`dimensions` on the wire). */
  dimensions?: number;
}

const embeddingsOptionsSchema = z
  .object({
    ...langchainEmbeddingsParamsShape,
    ...authOptionsShape,
    ...endpointOptionsShape,
    batchSize: z.number().int().min(1).max(MAX_EMBEDDINGS_BATCH_SIZE).optional(),
    documentInputParams: z.record(z.string(), z.unknown()).optional(),
    queryInputParams: z.record(z.string(), z.unknown()).optional(),
    dimensions: z.number().int().positive().optional(),
    maxConcurrency: z.number().int().positive().optional(),
  })
  .strict();

/**
 * Embeddings from a Databricks serving endpoint (OpenAI embeddings format). Documents are sent
 * in batches of `batchSize`; at most `maxConcurrency` batches are in flight (AsyncCaller).
 *
 * @example
 * ```ts
 * const embeddings = new DatabricksEmbeddings({ model: 'databricks-gte-large-en', maxConcurrency: 4 });
 * const vectors = await embeddings.embedDocuments(['Delta Lake', 'Unity Catalog']);
 * ```
 */
export class DatabricksEmbeddings extends Embeddings {
  /**
   * What `console.log` / `util.inspect` show: this object with credential-bearing fields masked
   * (LangChain keeps constructor arguments, tokens included, in plain fields).
   */
  [Symbol.for('nodejs.util.inspect.custom')](): unknown {
    return redactForInspection(this);
  }

  /** The serving endpoint name. */
  model: string;
  batchSize: number;
  documentInputParams?: Record<string, unknown>;
  queryInputParams?: Record<string, unknown>;
  dimensions?: number;

  readonly #connection: ServingConnection;

  constructor(fields: DatabricksEmbeddingsInput) {
    const options = validateOptions('DatabricksEmbeddings', embeddingsOptionsSchema, fields);
    const model = resolveAlias(
      'DatabricksEmbeddings',
      { model: options.model, endpoint: options.endpoint, endpointName: options.endpointName },
      'model',
      ['endpoint', 'endpointName'],
    );
    if (!model) {
      throw optionError(
        'DatabricksEmbeddings',
        'model',
        'option "model" (the serving endpoint name) is required',
      );
    }
    for (const option of ['documentInputParams', 'queryInputParams'] as const) {
      if (options[option] && 'input' in (options[option] as object)) {
        throw optionError('DatabricksEmbeddings', option, `${option} must not contain "input"`);
      }
    }
    const timeoutMs = resolveAlias(
      'DatabricksEmbeddings',
      { timeoutMs: options.timeoutMs, timeout: options.timeout },
      'timeoutMs',
    );
    super({ ...fields, onFailedAttempt: fields.onFailedAttempt ?? databricksFailedAttemptHandler });
    // Retries wait with core's backoff, within a deadline (caller.ts).
    this.caller = new DatabricksCaller(fields);
    this.model = model;
    this.batchSize = options.batchSize ?? DEFAULT_EMBEDDINGS_BATCH_SIZE;
    this.documentInputParams = options.documentInputParams;
    this.queryInputParams = options.queryInputParams;
    this.dimensions = options.dimensions;
    this.#connection = new ServingConnection({ ...fields, timeoutMs }, 'DatabricksEmbeddings');
  }

  /** @deprecated Use `model` (the serving endpoint name). */
  get endpoint(): string {
    return this.model;
  }

  /** Never contains credentials: only the plain settings. */
  toJSON(): Record<string, unknown> {
    return {
      model: this.model,
      batchSize: this.batchSize,
      documentInputParams: this.documentInputParams,
      queryInputParams: this.queryInputParams,
      dimensions: this.dimensions,
    };
  }

  /**
   * Releases the HTTP connections this instance opened (the connection pool made for `caCert`).
   * Calls in flight finish first; later calls fail with a `DatabricksServingError` of kind
   * `closed`. A `client` passed in the options is not closed: it belongs to the caller.
   */
  close(): Promise<void> {
    return this.#connection.close();
  }

  /** `await using embeddings = new DatabricksEmbeddings(...)` closes it at the end of the scope. */
  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }

  async embedDocuments(documents: string[]): Promise<number[][]> {
    const batches: string[][] = [];
    for (let start = 0; start < documents.length; start += this.batchSize) {
      batches.push(documents.slice(start, start + this.batchSize));
    }
    const results = await Promise.all(
      batches.map((batch) => this.#embed(batch, this.documentInputParams)),
    );
    return results.flat();
  }

  async embedQuery(document: string): Promise<number[]> {
    const [vector] = await this.#embed([document], this.queryInputParams);
    if (!vector) throw malformedResponse(this.model, 'no embedding returned for the query');
    return vector;
  }

  async #embed(input: string[], params: Record<string, unknown> | undefined): Promise<number[][]> {
    const body: Record<string, unknown> = { ...params, input };
    if (this.dimensions !== undefined) body.dimensions = this.dimensions;
    const path = this.#connection.invocationsPath(this.model);
    // The caller bounds concurrency (maxConcurrency) and retries what core marked retryable.
    const raw = await this.caller.call(() => this.#connection.postJson(this.model, path, body));
    return this.#parse(raw, input.length);
  }

  #parse(raw: unknown, expected: number): number[][] {
    const data = (raw as { data?: unknown } | null)?.data;
    if (!Array.isArray(data))
      throw malformedResponse(this.model, 'the response has no "data" array');
    if (data.length !== expected) {
      throw malformedResponse(this.model, `expected ${expected} embeddings, got ${data.length}`);
    }
    const vectors: number[][] = new Array(expected);
    data.forEach((item: { embedding?: unknown; index?: unknown }, position: number) => {
      const index = typeof item?.index === 'number' ? item.index : position;
      const embedding = item?.embedding;
      if (!Array.isArray(embedding) || !embedding.every((value) => typeof value === 'number')) {
        throw malformedResponse(
          this.model,
          `data[${position}].embedding is not an array of numbers`,
        );
      }
      vectors[index] = embedding;
    });
    return vectors;
  }
}
