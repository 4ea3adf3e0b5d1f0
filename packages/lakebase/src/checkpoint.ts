/**
 * `LakebaseCheckpointSaver`: LangGraph.js's `PostgresSaver` (from
 * `@langchain/langgraph-checkpoint-postgres`, unchanged: same tables, same serialisation, so a
 * graph can move between the two) on a `LakebasePool`, with failures turned into typed errors.
 */

import type { RunnableConfig } from '@langchain/core/runnables';
import type {
  ChannelVersions,
  Checkpoint,
  CheckpointListOptions,
  CheckpointMetadata,
  CheckpointTuple,
  PendingWrite,
  SerializerProtocol,
} from '@langchain/langgraph-checkpoint';
import { PostgresSaver } from '@langchain/langgraph-checkpoint-postgres';
import { toLakebaseError } from './errors.js';
import { LakebasePool, type LakebasePoolOptions } from './pool.js';

export interface LakebaseCheckpointSaverOptions extends Partial<LakebasePoolOptions> {
  /**
   * Schema of the checkpoint tables (`checkpoints`, `checkpoint_blobs`, `checkpoint_writes`,
   * `checkpoint_migrations`); `setup()` creates it. Default `public`.
   */
  schema?: string;
  /** A pool to share (the saver then leaves it open on `end()`); otherwise one is made from the options. */
  pool?: LakebasePool;
  serde?: SerializerProtocol;
}

const inspectSymbol = Symbol.for('nodejs.util.inspect.custom');

/**
 * LangGraph checkpointer on Lakebase Postgres.
 *
 * @example
 * ```ts
 * const checkpointer = new LakebaseCheckpointSaver({ instanceName: 'agent-memory', schema: 'agent' });
 * await checkpointer.setup(); // once: schema and tables
 * const graph = workflow.compile({ checkpointer });
 * await graph.invoke(input, { configurable: { thread_id: 'user-42' } });
 * await checkpointer.end();
 * ```
 */
export class LakebaseCheckpointSaver extends PostgresSaver {
  readonly lakebasePool: LakebasePool;
  readonly schema: string;
  readonly #ownsPool: boolean;

  constructor(options: LakebaseCheckpointSaverOptions) {
    const pool = options.pool ?? LakebaseCheckpointSaver.#poolFrom(options);
    const schema = options.schema ?? 'public';
    super(pool, options.serde, { schema });
    this.lakebasePool = pool;
    this.schema = schema;
    this.#ownsPool = options.pool === undefined;
  }

  static #poolFrom(options: LakebaseCheckpointSaverOptions): LakebasePool {
    if (!options.instanceName) {
      throw new TypeError('LakebaseCheckpointSaver: pass `instanceName` (or a `pool`).');
    }
    return new LakebasePool(options as LakebasePoolOptions);
  }

  /** Creates the schema and the checkpoint tables (idempotent; migrations are versioned). */
  override async setup(): Promise<void> {
    try {
      await super.setup();
    } catch (error) {
      throw this.#typed(error);
    }
  }

  override async getTuple(config: RunnableConfig): Promise<CheckpointTuple | undefined> {
    try {
      return await super.getTuple(config);
    } catch (error) {
      throw this.#typed(error);
    }
  }

  override async *list(
    config: RunnableConfig,
    options?: CheckpointListOptions,
  ): AsyncGenerator<CheckpointTuple> {
    try {
      yield* super.list(config, options);
    } catch (error) {
      throw this.#typed(error);
    }
  }

  override async put(
    config: RunnableConfig,
    checkpoint: Checkpoint,
    metadata: CheckpointMetadata,
    newVersions: ChannelVersions,
  ): Promise<RunnableConfig> {
    try {
      return await super.put(config, checkpoint, metadata, newVersions);
    } catch (error) {
      throw this.#typed(error);
    }
  }

  override async putWrites(
    config: RunnableConfig,
    writes: PendingWrite[],
    taskId: string,
  ): Promise<void> {
    try {
      await super.putWrites(config, writes, taskId);
    } catch (error) {
      throw this.#typed(error);
    }
  }

  override async deleteThread(threadId: string): Promise<void> {
    try {
      await super.deleteThread(threadId);
    } catch (error) {
      throw this.#typed(error);
    }
  }

  /** Closes the pool if the saver made it. */
  override async end(): Promise<void> {
    if (this.#ownsPool) await this.lakebasePool.close();
  }

  /** Same as `end()`. */
  close(): Promise<void> {
    return this.end();
  }

  [inspectSymbol](): string {
    return `LakebaseCheckpointSaver ${JSON.stringify({ instanceName: this.lakebasePool.instanceName, schema: this.schema })}`;
  }

  #typed(error: unknown): unknown {
    return toLakebaseError(error, {
      ...this.lakebasePool.connectionInfo,
      instanceName: this.lakebasePool.instanceName,
    });
  }
}
