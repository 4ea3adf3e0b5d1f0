import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { createDuckDbEngine } from '../index.js';
import type { SqlEngine } from '../sql_engine.js';
import { SqlError } from '../sql_error.js';
import { all, never, q, sqlError } from '../testing_engine.js';

let engine: SqlEngine;

beforeAll(async () => {
  engine = await createDuckDbEngine({});
}, 60_000);

afterAll(async () => {
  await engine?.close();
});

describe('user data', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'lc-engine-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  test('CSV and Parquet from data[] and dataDir', async () => {
    await writeFile(
      join(dir, 'people.csv'),
      'id,name,joined\n1,Ada,2020-01-02\n2,Linus,2021-03-04\n',
    );
    // The Parquet fixture is written with SQL: only an engine opened with local file access may.
    const writer = await createDuckDbEngine({ samples: false, allowLocalFileAccess: true });
    try {
      const maker = await writer.openSession({});
      await q(
        maker,
        `COPY (SELECT id, id * 1.5 AS score FROM range(3)) TO '${join(dir, 'scores.parquet')}' (FORMAT parquet)`,
      );
      await maker.close();
    } finally {
      await writer.close();
    }
    await mkdir(join(dir, 'tree', 'lake', 'raw'), { recursive: true });
    await writeFile(join(dir, 'tree', 'lake', 'raw', 'events.csv'), 'kind,n\nclick,3\nview,5\n');
    const e2 = await createDuckDbEngine({
      samples: false,
      data: [
        { table: 'crm.people.persons', path: join(dir, 'people.csv'), comment: 'People' },
        { table: 'main.default.scores', path: join(dir, 'scores.parquet') },
      ],
      dataDir: join(dir, 'tree'),
    });
    try {
      const s2 = await e2.openSession({});
      expect(await q(s2, 'SELECT name, joined FROM crm.people.persons ORDER BY id')).toEqual([
        ['Ada', '2020-01-02'],
        ['Linus', '2021-03-04'],
      ]);
      expect(await q(s2, 'SELECT sum(score) FROM scores')).toEqual([['4.5']]);
      expect(await q(s2, 'SELECT sum(n) FROM lake.raw.events')).toEqual([[8n]]);
      expect(await q(s2, 'SHOW CATALOGS')).toEqual([['crm'], ['lake'], ['main']]);
      expect(
        await q(
          s2,
          "SELECT comment FROM crm.information_schema.tables WHERE table_name = 'persons'",
        ),
      ).toEqual([['People']]);
    } finally {
      await e2.close();
    }
  }, 30_000);
});

describe('lifecycle', () => {
  test('openSession validates the initial namespace', async () => {
    expect((await sqlError(engine.openSession({ catalog: 'nope' }))).errorClass).toBe(
      'NO_SUCH_CATALOG_EXCEPTION',
    );
    expect(
      (await sqlError(engine.openSession({ catalog: 'samples', schema: 'nope' }))).errorClass,
    ).toBe('SCHEMA_NOT_FOUND');
    const a = await engine.openSession({ catalog: 'SAMPLES', schema: 'TPCH' });
    expect([a.currentCatalog, a.currentSchema]).toEqual(['samples', 'tpch']);
    await a.close();
    // samples has no `default` schema: opening the catalog alone still works, like Databricks
    const b = await engine.openSession({ catalog: 'samples' });
    expect([b.currentCatalog, b.currentSchema]).toEqual(['samples', 'default']);
    expect(await q(b, 'SELECT count(*) FROM tpch.region')).toEqual([[5n]]);
    await q(b, 'USE CATALOG main');
    await q(b, 'USE CATALOG samples');
    expect(await q(b, 'SELECT count(*) FROM nyctaxi.trips')).toEqual([[21932n]]);
    await b.close();
  });

  test('many sessions in parallel', async () => {
    const results = await Promise.all(
      Array.from({ length: 8 }, async (_, i) => {
        const a = await engine.openSession({
          catalog: 'samples',
          schema: i % 2 ? 'tpch' : 'nyctaxi',
        });
        try {
          await q(a, i % 2 ? 'USE samples.nyctaxi' : 'USE samples.tpch');
          const tables = await q(a, 'SHOW TABLES');
          const cols = await q(a, 'SELECT count(*) FROM information_schema.columns');
          const meta = await all(
            await a.getColumns({ catalogName: 'samples', schemaName: '%', tableName: '%' }),
          );
          return [tables.length, cols[0]?.[0], meta.length];
        } finally {
          await a.close();
        }
      }),
    );
    expect(
      new Set(
        results.map((r) => JSON.stringify(r, (_k, v) => (typeof v === 'bigint' ? String(v) : v))),
      ).size,
    ).toBe(2);
  }, 30_000);

  test('closing a session with a running query and closing an engine twice', async () => {
    const e = await createDuckDbEngine({ samples: false });
    const a = await e.openSession({});
    const r = await a.execute('SELECT * FROM range(10000000)', {}, never());
    await r.fetch(10);
    const running = a
      .execute(
        'SELECT count(*) FROM range(300000000) x, range(10) y WHERE x.range % 3 = y.range',
        {},
        never(),
      )
      .then((res) => res.fetch(1))
      .catch((err) => err);
    await new Promise((res) => setTimeout(res, 100));
    await a.close();
    const outcome = await running;
    expect(outcome instanceof SqlError || Array.isArray(outcome)).toBe(true);
    await e.close();
    await e.close();
  }, 30_000);
});
