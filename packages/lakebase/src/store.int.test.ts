/**
 * `LakebaseStore` against the real PostgreSQL with pgvector: semantic search through
 * `DatabricksEmbeddings` (the local workspace's deterministic embeddings endpoint: the same text
 * gives the same vector), namespace isolation, TTL, and a database without pgvector.
 */
import { DatabricksEmbeddings } from '@lakechain/databricks-llm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LakebasePgvectorMissingError } from './errors.js';
import { LakebaseStore } from './store.js';
import {
  EMBEDDING_DIMENSIONS,
  type LocalStack,
  postgresSkipReason,
  sharedPostgres,
  startLocalStack,
} from './testing/local_stack.js';
import { type PostgresServer, startPostgresServer } from './testing/postgres.js';

if (!sharedPostgres) console.warn(`lakebase store tests skipped: ${postgresSkipReason}`);

const MEMORIES = {
  m1: 'prefers green tea in the morning',
  m2: 'is allergic to peanuts',
  m3: 'lives in Lisbon near the river',
  m4: 'works on database engines',
  m5: 'plays the cello on Sundays',
};

describe.skipIf(!sharedPostgres)('LakebaseStore', () => {
  let stack: LocalStack;
  const stores: LakebaseStore[] = [];

  beforeAll(async () => {
    stack = await startLocalStack();
  });
  afterAll(async () => {
    await Promise.all(stores.map((store) => store.stop()));
    await stack?.stop();
  });

  const embeddings = () =>
    new DatabricksEmbeddings({
      endpoint: 'memory-embeddings',
      host: stack.ws.host,
      token: stack.ws.token,
      caCert: stack.ws.caCert,
      env: {},
    });
  const open = (
    schema: string,
    extra: Partial<ConstructorParameters<typeof LakebaseStore>[0]> = {},
  ) => {
    const store = new LakebaseStore({ ...stack.poolOptions(), schema, ...extra });
    stores.push(store);
    return store;
  };

  it('finds by meaning with DatabricksEmbeddings and pgvector', async () => {
    const store = open('semantic', {
      index: { dims: EMBEDDING_DIMENSIONS, embed: embeddings(), fields: ['text'] },
    });
    await store.setup();
    const namespace = ['users', 'ada', 'memories'];
    for (const [key, text] of Object.entries(MEMORIES)) {
      await store.put(namespace, key, { text, kind: key === 'm2' ? 'health' : 'other' });
    }
    const embedded = stack.ws.serving.requestsFor('memory-embeddings').length;
    expect(embedded).toBeGreaterThan(0);

    const hits = await store.search(namespace, { query: 'is allergic to peanuts', limit: 3 });
    expect(hits).toHaveLength(3);
    expect(hits[0]).toMatchObject({ key: 'm2', value: { text: MEMORIES.m2 }, namespace });
    // The same text embeds to the same vector: cosine similarity 1, far above the others.
    expect(hits[0]?.score).toBeCloseTo(1, 5);
    expect(hits[1]?.score ?? 1).toBeLessThan(0.9);
    expect(stack.ws.serving.requestsFor('memory-embeddings').length).toBe(embedded + 1);

    const filtered = await store.search(namespace, {
      query: 'lives in Lisbon near the river',
      filter: { kind: 'other' },
    });
    expect(filtered[0]?.key).toBe('m3');
    expect(filtered.map((hit) => hit.key)).not.toContain('m2');

    // The vectors are pgvector columns with an index, in the chosen schema.
    const columns = await stack.admin.query(
      `SELECT format_type(atttypid, atttypmod) AS type FROM pg_attribute
       WHERE attrelid = 'semantic.store_vectors'::regclass AND attname = 'embedding'`,
    );
    expect(columns.rows).toEqual([{ type: `vector(${EMBEDDING_DIMENSIONS})` }]);
  });

  it('keeps namespaces apart', async () => {
    const store = open('namespaces');
    await store.put(['users', 'ada', 'memories'], 'favourite', { text: 'tea' });
    await store.put(['users', 'bob', 'memories'], 'favourite', { text: 'coffee' });
    await store.put(['users', 'ada', 'notes'], 'n1', { text: 'call bob' });

    expect((await store.get(['users', 'ada', 'memories'], 'favourite'))?.value).toEqual({
      text: 'tea',
    });
    expect((await store.get(['users', 'bob', 'memories'], 'favourite'))?.value).toEqual({
      text: 'coffee',
    });
    const ada = await store.search(['users', 'ada']);
    expect(ada.map((item) => `${item.namespace.join('/')}:${item.key}`).sort()).toEqual([
      'users/ada/memories:favourite',
      'users/ada/notes:n1',
    ]);
    expect(
      (await store.listNamespaces({ prefix: ['users'] }))
        .map((namespace) => namespace.join('/'))
        .sort(),
    ).toEqual(['users/ada/memories', 'users/ada/notes', 'users/bob/memories']);

    await store.delete(['users', 'ada', 'memories'], 'favourite');
    expect(await store.get(['users', 'ada', 'memories'], 'favourite')).toBeNull();
    expect((await store.get(['users', 'bob', 'memories'], 'favourite'))?.value).toEqual({
      text: 'coffee',
    });
  });

  it('lets items expire (TTL) and sweeps them', async () => {
    const store = open('ttl', { ttl: { defaultTtl: 60, refreshOnRead: false } });
    // 0.002 minutes: expired a moment after the write.
    await store.put(['session'], 'short', { text: 'gone soon' }, undefined, { ttl: 0.002 });
    await store.put(['session'], 'long', { text: 'stays' });
    const expiry = await stack.admin.query(
      `SELECT key, expires_at > now() + interval '59 minutes' AS far FROM ttl.store ORDER BY key`,
    );
    expect(expiry.rows).toEqual([
      { key: 'long', far: true },
      { key: 'short', far: false },
    ]);
    for (
      let attempt = 0;
      (await store.get(['session'], 'short')) !== null && attempt < 100;
      attempt++
    ) {
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    expect(await store.get(['session'], 'short')).toBeNull();
    expect((await store.search(['session'])).map((item) => item.key)).toEqual(['long']);
    expect(await store.sweepExpiredItems()).toBe(1);
    expect((await store.get(['session'], 'long'))?.value).toEqual({ text: 'stays' });
  });

  describe('on a database without pgvector', () => {
    let bare: PostgresServer | undefined;
    let bareStack: LocalStack | undefined;
    beforeAll(async () => {
      bare = await startPostgresServer({ pgvector: false });
      bareStack = await startLocalStack({ postgres: bare });
    });
    afterAll(async () => {
      await bareStack?.stop();
      await bare?.stop();
    });

    it('says pgvector is missing when semantic search is asked for', async () => {
      const store = new LakebaseStore({
        ...bareStack!.poolOptions(),
        schema: 'semantic',
        index: { dims: EMBEDDING_DIMENSIONS, embed: embeddings() },
      });
      stores.push(store);
      const error = await store.setup().catch((caught: unknown) => caught);
      expect(LakebasePgvectorMissingError.isInstance(error)).toBe(true);
      expect((error as Error).message).toContain('CREATE EXTENSION vector');
    });

    it('works without an index (key-value and filters)', async () => {
      const store = new LakebaseStore({ ...bareStack!.poolOptions(), schema: 'plain' });
      stores.push(store);
      await store.put(['a'], 'k', { text: 'value', n: 2 });
      expect(
        (await store.search(['a'], { filter: { n: { $gt: 1 } } })).map((item) => item.key),
      ).toEqual(['k']);
    });
  });
});
