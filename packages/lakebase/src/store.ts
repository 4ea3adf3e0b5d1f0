/**
 * `LakebaseStore`: LangGraph.js's `PostgresStore` (from
 * `@langchain/langgraph-checkpoint-postgres/store`: put/get/search/delete, namespaces, TTL,
 * filters, pgvector semantic search with any LangChain `Embeddings`) on a `LakebasePool`.
 *
 * PostgresStore builds its own `pg.Pool` from connection options, and a plain pool cannot retry a
 * login refused for a stale credential; so the store's connections are taken from a
 * `LakebasePool` instead (PostgresStore only calls `connect()` and `end()` on its pool).
 */
import type { Item, Operation, OperationResults } from '@langchain/langgraph-checkpoint';
import {
  type FilterOperators,
  type IndexConfig,
  PostgresStore,
  type SearchItem,
  type TTLConfig,
} from '@langchain/langgraph-checkpoint-postgres/store';
import type pg from 'pg';
import { LakebaseError, toLakebaseError } from './errors.js';
import { LakebasePool, type LakebasePoolOptions } from './pool.js';

export interface LakebaseStoreOptions extends Partial<LakebasePoolOptions> {
  /** Schema of the store tables (`store`, `store_vectors`, `store_migrations`). Default `public`. */
  schema?: string;
  /**
   * Semantic search: embedding size, any LangChain `Embeddings` (e.g. `DatabricksEmbeddings`) or
   * a function, the fields to embed (default the whole value, `["$"]`), index type and metric.
   * Needs pgvector (`CREATE EXTENSION vector`, done by `setup()`).
   */
  index?: IndexConfig;
  /** Item expiry in minutes (`defaultTtl`), refreshed on read, swept every `sweepIntervalMinutes`. */
  ttl?: TTLConfig;
  /** Create the tables on first use. Default true. */
  ensureTables?: boolean;
  /** Language of full-text search. Default `english`. */
  textSearchLanguage?: string;
  /** A pool to share (the store then leaves it open on `stop()`). */
  pool?: LakebasePool;
}

const inspectSymbol = Symbol.for('nodejs.util.inspect.custom');

/** The pool as PostgresStore uses it. */
interface StorePool {
  connect(): Promise<pg.PoolClient>;
  end(): Promise<void>;
}

type SearchOptions = Parameters<PostgresStore['search']>[1];

/**
 * LangGraph `BaseStore` on Lakebase Postgres.
 *
 * @example
 * ```ts
 * const store = new LakebaseStore({
 *   instanceName: 'agent-memory',
 *   index: { dims: 1024, embed: new DatabricksEmbeddings({ endpoint: 'databricks-gte-large-en' }) },
 * });
 * await store.setup();
 * await store.put(['users', 'ada', 'memories'], 'm1', { text: 'prefers tea' });
 * const hits = await store.search(['users', 'ada'], { query: 'what does she drink?' });
 * await store.stop();
 * ```
 */
export class LakebaseStore extends PostgresStore {
  readonly lakebasePool: LakebasePool;
  readonly schema: string;

  constructor(options: LakebaseStoreOptions) {
    const pool = options.pool ?? LakebaseStore.#poolFrom(options);
    const schema = options.schema ?? 'public';
    // The pool PostgresStore makes from these options is never used: it is replaced below,
    // before any connection (pg pools connect lazily).
    super({
      connectionOptions: { max: 1 },
      schema,
      index: options.index,
      ttl: options.ttl,
      ensureTables: options.ensureTables,
      textSearchLanguage: options.textSearchLanguage,
    });
    this.lakebasePool = pool;
    this.schema = schema;
    const ownsPool = options.pool === undefined;
    const core = (this as unknown as { core?: { pool?: unknown } }).core;
    if (!core || typeof core !== 'object' || !('pool' in core)) {
      throw new LakebaseError(
        'LakebaseStore does not support this version of @langchain/langgraph-checkpoint-postgres ' +
          '(its store has no pool to attach to). Install the version @lakechain/lakebase declares.',
      );
    }
    const storePool: StorePool = {
      connect: () => pool.connect(),
      end: () => (ownsPool ? pool.close() : Promise.resolve()),
    };
    core.pool = storePool;
  }

  static #poolFrom(options: LakebaseStoreOptions): LakebasePool {
    return new LakebasePool(options as LakebasePoolOptions);
  }

  override async setup(): Promise<void> {
    try {
      await super.setup();
    } catch (error) {
      throw this.#typed(error);
    }
  }

  override async batch<Op extends Operation[]>(operations: Op): Promise<OperationResults<Op>> {
    return this.#guard(() => super.batch(operations));
  }

  override put(
    namespace: string[],
    key: string,
    value: Record<string, unknown>,
    index?: false | string[],
    options?: { ttl?: number },
  ): Promise<void> {
    return this.#guard(() => super.put(namespace, key, value, index, options));
  }

  override get(namespace: string[], key: string): Promise<Item | null> {
    return this.#guard(() => super.get(namespace, key));
  }

  override delete(namespace: string[], key: string): Promise<void> {
    return this.#guard(() => super.delete(namespace, key));
  }

  override search(namespacePrefix: string[], options?: SearchOptions): Promise<SearchItem[]> {
    return this.#guard(() => super.search(namespacePrefix, options));
  }

  override listNamespaces(
    options?: Parameters<PostgresStore['listNamespaces']>[0],
  ): Promise<string[][]> {
    return this.#guard(() => super.listNamespaces(options));
  }

  override sweepExpiredItems(): Promise<number> {
    return this.#guard(() => super.sweepExpiredItems());
  }

  /** Stops the TTL sweeper and closes the pool if the store made it. Same as `stop()`. */
  close(): Promise<void> {
    return this.stop();
  }

  toJSON(): Record<string, unknown> {
    return { instanceName: this.lakebasePool.instanceName, schema: this.schema };
  }

  [inspectSymbol](): string {
    return `LakebaseStore ${JSON.stringify(this.toJSON())}`;
  }

  async #guard<T>(operation: () => Promise<T>): Promise<T> {
    try {
      return await operation();
    } catch (error) {
      throw this.#typed(error);
    }
  }

  #typed(error: unknown): unknown {
    return toLakebaseError(error, {
      ...this.lakebasePool.connectionInfo,
      instanceName: this.lakebasePool.instanceName,
    });
  }
}

export type { FilterOperators, IndexConfig, SearchItem, TTLConfig };
