/**
 * `LakebaseCheckpointSaver`: LangGraph.js's `PostgresSaver` (from
 * `@langchain/langgraph-checkpoint-postgres`: same tables, migrations, serialisation and reads,
 * so a graph can move between the two) on a `LakebasePool`, with failures turned into typed
 * errors. One change: `put` and `putWrites` send one statement each (data-modifying CTE and
 * `unnest`) where PostgresSaver sends BEGIN, one INSERT per blob or write, and COMMIT; every
 * round trip to a remote Lakebase instance costs milliseconds, and psycopg's pipeline gives the
 * Python saver the same saving. A single statement is atomic, as the transaction was. The blobs
 * travel as one binary parameter (cut back apart by offset and length in SQL): `pg` would send
 * a `bytea[]` parameter as hex text, twice the bytes, encoded in JavaScript and decoded by the
 * server (see bench/PROFILE.md).
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
import { WRITES_IDX_MAP } from '@langchain/langgraph-checkpoint';
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
  readonly #sql: { put: string; upsertWrites: string; insertWrites: string };

  constructor(options: LakebaseCheckpointSaverOptions) {
    const pool = options.pool ?? LakebaseCheckpointSaver.#poolFrom(options);
    const schema = options.schema ?? 'public';
    super(pool, options.serde, { schema });
    this.lakebasePool = pool;
    this.schema = schema;
    this.#ownsPool = options.pool === undefined;
    this.#sql = writeStatements(schema);
  }

  static #poolFrom(options: LakebaseCheckpointSaverOptions): LakebasePool {
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
    if (config.configurable === undefined) {
      throw new Error('Missing "configurable" field in "config" param');
    }
    const { thread_id, checkpoint_ns = '', checkpoint_id } = config.configurable;
    try {
      const serializedCheckpoint = this._dumpCheckpoint(checkpoint);
      const [blobs, serializedMetadata] = await Promise.all([
        this._dumpBlobs(thread_id, checkpoint_ns, checkpoint.channel_values, newVersions),
        this._dumpMetadata(metadata),
      ]);
      const packed = packBlobs(blobs.map((blob) => blob[5]));
      await this.lakebasePool.query(this.#sql.put, [
        thread_id,
        checkpoint_ns,
        checkpoint.id,
        checkpoint_id,
        serializedCheckpoint,
        serializedMetadata,
        blobs.map((blob) => blob[2]),
        blobs.map((blob) => blob[3]),
        blobs.map((blob) => blob[4]),
        packed.starts,
        packed.lengths,
        packed.bytes,
      ]);
    } catch (error) {
      throw this.#typed(error);
    }
    return { configurable: { thread_id, checkpoint_ns, checkpoint_id: checkpoint.id } };
  }

  override async putWrites(
    config: RunnableConfig,
    writes: PendingWrite[],
    taskId: string,
  ): Promise<void> {
    // Special channels (errors, interrupts) have fixed indexes and replace what was there.
    const upsert = writes.every(([channel]) => channel in WRITES_IDX_MAP);
    try {
      const dumped = await this._dumpWrites(
        config.configurable?.thread_id,
        config.configurable?.checkpoint_ns,
        config.configurable?.checkpoint_id,
        taskId,
        writes,
      );
      if (dumped.length === 0) return;
      const packed = packBlobs(dumped.map((write) => write[7]));
      await this.lakebasePool.query(upsert ? this.#sql.upsertWrites : this.#sql.insertWrites, [
        config.configurable?.thread_id,
        config.configurable?.checkpoint_ns ?? '',
        config.configurable?.checkpoint_id,
        taskId,
        dumped.map((write) => write[4]),
        dumped.map((write) => write[5]),
        dumped.map((write) => write[6]),
        packed.starts,
        packed.lengths,
        packed.bytes,
      ]);
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

/**
 * Blobs as one binary parameter: their bytes one after the other, and where each starts
 * (1-based, as SQL `substring`) and how long it is (-1 for a missing blob, stored as NULL).
 */
export function packBlobs(blobs: ReadonlyArray<Uint8Array | null | undefined>): {
  starts: number[];
  lengths: number[];
  bytes: Buffer;
} {
  const starts: number[] = [];
  const lengths: number[] = [];
  const present: Uint8Array[] = [];
  let offset = 1;
  for (const blob of blobs) {
    starts.push(offset);
    if (blob) {
      lengths.push(blob.length);
      present.push(blob);
      offset += blob.length;
    } else {
      lengths.push(-1);
    }
  }
  return { starts, lengths, bytes: Buffer.concat(present, offset - 1) };
}

/** One blob cut out of the packed parameter `$bytes` (see `packBlobs`). */
const unpacked = (bytes: string, alias: string) =>
  `CASE WHEN ${alias}.length < 0 THEN NULL ELSE substring(${bytes}::bytea FROM ${alias}.start FOR ${alias}.length) END`;

/** The tables of `@langchain/langgraph-checkpoint-postgres` (its migrations create them). */
function writeStatements(schema: string) {
  const table = (name: string) => `"${schema}".${name}`;
  const writes = `INSERT INTO ${table('checkpoint_writes')}
    (thread_id, checkpoint_ns, checkpoint_id, task_id, idx, channel, type, blob)
  SELECT $1::text, $2::text, $3::text, $4::text, w.idx, w.channel, w.type, ${unpacked('$10', 'w')}
  FROM unnest($5::int[], $6::text[], $7::text[], $8::int[], $9::int[]) AS w(idx, channel, type, start, length)
  ON CONFLICT (thread_id, checkpoint_ns, checkpoint_id, task_id, idx)`;
  return {
    put: `WITH blobs AS (
  INSERT INTO ${table('checkpoint_blobs')} (thread_id, checkpoint_ns, channel, version, type, blob)
  SELECT $1::text, $2::text, b.channel, b.version, b.type, ${unpacked('$12', 'b')}
  FROM unnest($7::text[], $8::text[], $9::text[], $10::int[], $11::int[]) AS b(channel, version, type, start, length)
  ON CONFLICT (thread_id, checkpoint_ns, channel, version) DO NOTHING
)
INSERT INTO ${table('checkpoints')}
  (thread_id, checkpoint_ns, checkpoint_id, parent_checkpoint_id, checkpoint, metadata)
VALUES ($1::text, $2::text, $3, $4, $5, $6)
ON CONFLICT (thread_id, checkpoint_ns, checkpoint_id)
DO UPDATE SET checkpoint = EXCLUDED.checkpoint, metadata = EXCLUDED.metadata`,
    upsertWrites: `${writes}
  DO UPDATE SET channel = EXCLUDED.channel, type = EXCLUDED.type, blob = EXCLUDED.blob`,
    insertWrites: `${writes} DO NOTHING`,
  };
}
