/**
 * `LakebaseCheckpointSaver` writes with one statement where `PostgresSaver` uses a transaction:
 * the rows must be the same, so that either saver reads what the other wrote.
 */
import { emptyCheckpoint, type PendingWrite } from '@langchain/langgraph-checkpoint';
import { PostgresSaver } from '@langchain/langgraph-checkpoint-postgres';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LakebaseCheckpointSaver } from './checkpoint.js';
import { LakebasePool } from './pool.js';
import {
  type LocalStack,
  postgresSkipReason,
  sharedPostgres,
  startLocalStack,
} from './testing/local_stack.js';

if (!sharedPostgres)
  console.warn(`lakebase checkpoint compatibility tests skipped: ${postgresSkipReason}`);

type Saver = PostgresSaver;

/** Three checkpoints, channel values of several kinds, and pending writes (regular and special). */
async function writeHistory(saver: Saver) {
  await saver.setup();
  let config = { configurable: { thread_id: 'history', checkpoint_ns: '' } } as Parameters<
    Saver['put']
  >[0];
  let version: number | undefined;
  for (let step = 0; step < 3; step++) {
    // Fixed ids and times: both savers get the same input.
    const checkpoint = {
      ...emptyCheckpoint(),
      id: `1f000000-0000-6000-8000-00000000000${step}`,
      ts: `2026-03-01T09:00:0${step}Z`,
    };
    version = saver.getNextVersion(version);
    checkpoint.channel_values = {
      messages: [{ role: 'user', content: `step ${step}` }],
      counter: step,
      ...(step === 1 ? { bytes: new Uint8Array([1, 2, 3]) } : {}),
    };
    checkpoint.channel_versions = { messages: version, counter: version, empty: version };
    config = await saver.put(
      config,
      checkpoint,
      { source: 'loop', step, parents: {} },
      // `empty` has a version but no value: stored as an `empty` blob without bytes.
      { messages: version, counter: version, empty: version },
    );
    const writes: PendingWrite[] = [
      ['messages', { role: 'assistant', content: `reply ${step}` }],
      ['counter', step + 1],
    ];
    await saver.putWrites(config, writes, `task-${step}`);
    await saver.putWrites(config, [['__error__', { message: 'first' }]], `task-${step}`);
    await saver.putWrites(config, [['__error__', { message: 'replaced' }]], `task-${step}`);
  }
}

describe.skipIf(!sharedPostgres)('LakebaseCheckpointSaver and PostgresSaver', () => {
  let stack: LocalStack;
  let pool: LakebasePool;
  beforeAll(async () => {
    stack = await startLocalStack();
    pool = new LakebasePool(stack.poolOptions());
  });
  afterAll(async () => {
    await pool?.close();
    await stack?.stop();
  });

  const rows = async (schema: string) => {
    const query = async (sql: string) => (await stack.admin.query(sql)).rows;
    return {
      checkpoints: await query(
        `SELECT thread_id, checkpoint_ns, checkpoint_id, parent_checkpoint_id, type, checkpoint, metadata FROM "${schema}".checkpoints ORDER BY checkpoint_id`,
      ),
      blobs: await query(
        `SELECT thread_id, checkpoint_ns, channel, version, type, blob FROM "${schema}".checkpoint_blobs ORDER BY channel, version`,
      ),
      writes: await query(
        `SELECT thread_id, checkpoint_ns, checkpoint_id, task_id, idx, channel, type, blob FROM "${schema}".checkpoint_writes ORDER BY checkpoint_id, task_id, idx`,
      ),
    };
  };

  it('stores exactly the rows PostgresSaver stores, and each reads the other', async () => {
    const ours = new LakebaseCheckpointSaver({ pool, schema: 'compat_ours' });
    const upstream = new PostgresSaver(pool, undefined, { schema: 'compat_upstream' });
    await writeHistory(ours);
    await writeHistory(upstream);
    const [mine, theirs] = [await rows('compat_ours'), await rows('compat_upstream')];
    expect(mine.checkpoints).toHaveLength(3);
    expect(mine.blobs.length).toBeGreaterThanOrEqual(9);
    expect(mine.writes).toHaveLength(9);
    expect(mine).toEqual(theirs);

    // Cross reads: each saver on the other's tables.
    const config = { configurable: { thread_id: 'history', checkpoint_ns: '' } };
    const readByUpstream = await new PostgresSaver(pool, undefined, {
      schema: 'compat_ours',
    }).getTuple(config);
    const readByOurs = await new LakebaseCheckpointSaver({
      pool,
      schema: 'compat_upstream',
    }).getTuple(config);
    const strip = (tuple: Awaited<ReturnType<Saver['getTuple']>>) => ({
      values: tuple?.checkpoint.channel_values,
      metadata: tuple?.metadata,
      pendingWrites: tuple?.pendingWrites,
    });
    expect(strip(readByUpstream)).toEqual(strip(readByOurs));
    expect(readByOurs?.pendingWrites).toEqual(
      expect.arrayContaining([
        ['task-2', 'messages', { role: 'assistant', content: 'reply 2' }],
        ['task-2', 'counter', 3],
      ]),
    );
    // The special channel's write was replaced in place (upsert), as PostgresSaver does.
    const errors = mine.writes.filter((row: { channel: string }) => row.channel === '__error__');
    expect(errors.map((row: { blob: Buffer }) => JSON.parse(row.blob.toString()))).toEqual([
      { message: 'replaced' },
      { message: 'replaced' },
      { message: 'replaced' },
    ]);
    expect(readByOurs?.checkpoint.channel_values).toMatchObject({ counter: 2 });
  });
});
