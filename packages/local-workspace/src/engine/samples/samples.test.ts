import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { createDuckDbEngine } from '../index.js';
import type { EngineSession, EngineValue, SqlEngine } from '../sql_engine.js';
import { rndJs } from './prng.js';
import { tpchSizes } from './tpch.js';

const never = () => new AbortController().signal;
async function q(s: EngineSession, sql: string): Promise<EngineValue[][]> {
  const r = await s.execute(sql, {}, never());
  const out: EngineValue[][] = [];
  for (;;) {
    const page = await r.fetch(10_000);
    out.push(...page);
    if (page.length < 10_000) break;
  }
  await r.close();
  return out;
}

const TABLES = [
  'region',
  'nation',
  'supplier',
  'part',
  'partsupp',
  'customer',
  'orders',
  'lineitem',
];

/** Order-independent checksum of a whole table. */
const checksum = (t: string) =>
  `SELECT count(*), sum(hash(CAST(columns(*) AS VARCHAR))) FROM (SELECT * FROM ${t})`;

let e1: SqlEngine;
let s1: EngineSession;

beforeAll(async () => {
  e1 = await createDuckDbEngine({});
  s1 = await e1.openSession({ catalog: 'samples', schema: 'tpch' });
}, 60_000);
afterAll(async () => {
  await e1?.close();
});

describe('samples', () => {
  test('deterministic: identical checksums across two engines', async () => {
    const e2 = await createDuckDbEngine({});
    try {
      const s2 = await e2.openSession({});
      for (const t of [...TABLES.map((x) => `samples.tpch.${x}`), 'samples.nyctaxi.trips']) {
        const a = await q(s1, checksum(t));
        const b = await q(s2, checksum(t));
        expect(a, t).toEqual(b);
      }
      // first rows are in a stable order too
      expect(await q(s1, 'SELECT * FROM samples.nyctaxi.trips LIMIT 3')).toEqual(
        await q(s2, 'SELECT * FROM samples.nyctaxi.trips LIMIT 3'),
      );
    } finally {
      await e2.close();
    }
  }, 60_000);

  test('the PRNG matches its JS counterpart and looks uniform', async () => {
    const rows = await q(s1, 'SELECT i, h FROM memory.main.lc_rows(5, 42)');
    expect(rows).toHaveLength(5);
    const { rnd } = await import('./prng.js');
    const r = await q(s1, `SELECT ${rnd('h', 3)} FROM memory.main.lc_rows(4, 42)`);
    expect(r.map((x) => x[0])).toEqual([0, 1, 2, 3].map((i) => rndJs(i, 42, 3)));
    const [[mean, lo, hi]] = (await q(
      s1,
      `SELECT avg(${rnd('h', 9)}), min(${rnd('h', 9)}), max(${rnd('h', 9)}) FROM memory.main.lc_rows(100000, 7)`,
    )) as [[number, number, number]];
    expect(mean).toBeGreaterThan(0.49);
    expect(mean).toBeLessThan(0.51);
    expect(lo).toBeGreaterThanOrEqual(0);
    expect(hi).toBeLessThan(1);
  });

  test('nyctaxi.trips is plausible', async () => {
    const [row] = await q(
      s1,
      `SELECT count(*), min(tpep_pickup_datetime), max(tpep_pickup_datetime),
        count(*) FILTER (WHERE tpep_dropoff_datetime <= tpep_pickup_datetime),
        min(trip_distance), max(trip_distance), corr(trip_distance, fare_amount),
        min(pickup_zip), max(pickup_zip), count(DISTINCT dropoff_zip), min(fare_amount)
       FROM samples.nyctaxi.trips`,
    );
    const [n, minPick, maxPick, badDrop, minDist, maxDist, corr, minZip, maxZip, zips, minFare] =
      row as [
        bigint,
        string,
        string,
        bigint,
        number,
        number,
        number,
        number,
        number,
        bigint,
        number,
      ];
    expect(n).toBe(21932n);
    expect(minPick >= '2016-01-01' && maxPick < '2016-03-01').toBe(true);
    expect(badDrop).toBe(0n);
    expect(minDist).toBeGreaterThan(0);
    expect(maxDist).toBeLessThanOrEqual(35);
    expect(corr).toBeGreaterThan(0.8);
    expect(minZip).toBeGreaterThanOrEqual(7000);
    expect(maxZip).toBeLessThanOrEqual(11697);
    expect(zips).toBeGreaterThan(50n);
    expect(minFare).toBeGreaterThanOrEqual(2.5);
    const cols = await q(s1, 'DESCRIBE samples.nyctaxi.trips');
    expect(cols.map((c) => [c[0], c[1]])).toEqual([
      ['tpep_pickup_datetime', 'timestamp'],
      ['tpep_dropoff_datetime', 'timestamp'],
      ['trip_distance', 'double'],
      ['fare_amount', 'double'],
      ['pickup_zip', 'int'],
      ['dropoff_zip', 'int'],
    ]);
    expect(cols.every((c) => typeof c[2] === 'string' && c[2].length > 0)).toBe(true);
  });

  test('tpch sizes, names and referential integrity', async () => {
    const z = tpchSizes(1);
    const counts = Object.fromEntries(
      await Promise.all(
        TABLES.map(async (t) => [t, (await q(s1, `SELECT count(*) FROM ${t}`))[0]?.[0]] as const),
      ),
    );
    expect(counts).toMatchObject({
      region: 5n,
      nation: 25n,
      supplier: BigInt(z.supplier),
      part: BigInt(z.part),
      partsupp: BigInt(z.part * 4),
      customer: BigInt(z.customer),
      orders: BigInt(z.orders),
    });
    expect(Number(counts.lineitem)).toBeGreaterThan(50_000);
    expect(Number(counts.lineitem)).toBeLessThan(70_000);
    expect(await q(s1, 'SELECT r_name FROM region ORDER BY r_regionkey')).toEqual([
      ['AFRICA'],
      ['AMERICA'],
      ['ASIA'],
      ['EUROPE'],
      ['MIDDLE EAST'],
    ]);
    expect(
      await q(
        s1,
        "SELECT r_name FROM nation JOIN region ON n_regionkey = r_regionkey WHERE n_name = 'GERMANY'",
      ),
    ).toEqual([['EUROPE']]);
    const orphans = await q(
      s1,
      `SELECT
        (SELECT count(*) FROM nation WHERE n_regionkey NOT IN (SELECT r_regionkey FROM region)),
        (SELECT count(*) FROM customer WHERE c_nationkey NOT IN (SELECT n_nationkey FROM nation)),
        (SELECT count(*) FROM supplier WHERE s_nationkey NOT IN (SELECT n_nationkey FROM nation)),
        (SELECT count(*) FROM orders WHERE o_custkey NOT IN (SELECT c_custkey FROM customer)),
        (SELECT count(*) FROM lineitem WHERE l_orderkey NOT IN (SELECT o_orderkey FROM orders)),
        (SELECT count(*) FROM lineitem l ANTI JOIN partsupp ps ON ps.ps_partkey = l.l_partkey AND ps.ps_suppkey = l.l_suppkey),
        (SELECT count(*) FROM orders ANTI JOIN lineitem ON l_orderkey = o_orderkey)`,
    );
    expect(orphans).toEqual([[0n, 0n, 0n, 0n, 0n, 0n, 0n]]);
    // totals are consistent with line items; money is DECIMAL(18,2)
    const [[diff]] = (await q(
      s1,
      `SELECT max(abs(o_totalprice - t)) FROM orders JOIN (
         SELECT l_orderkey, CAST(sum(l_extendedprice * (1 + l_tax) * (1 - l_discount)) AS DECIMAL(18,2)) AS t
         FROM lineitem GROUP BY 1) ON l_orderkey = o_orderkey`,
    )) as [[string]];
    expect(diff).toBe('0.00');
    expect(
      await q(
        s1,
        "SELECT full_data_type FROM information_schema.columns WHERE table_name = 'orders' AND column_name IN ('o_totalprice', 'o_orderdate') ORDER BY column_name",
      ),
    ).toEqual([['date'], ['decimal(18,2)']]);
    const comments = await q(
      s1,
      "SELECT count(*) FROM information_schema.columns WHERE table_schema = 'tpch' AND (comment IS NULL OR comment = '')",
    );
    expect(comments).toEqual([[0n]]);
  });

  test('samples can be switched off and scaled', async () => {
    const small = await createDuckDbEngine({ sampleScale: 0.1 });
    const none = await createDuckDbEngine({ samples: false });
    try {
      const a = await small.openSession({});
      expect(await q(a, 'SELECT count(*) FROM samples.tpch.orders')).toEqual([[1500n]]);
      const b = await none.openSession({});
      expect(await q(b, 'SHOW CATALOGS')).toEqual([['main']]);
    } finally {
      await small.close();
      await none.close();
    }
  }, 60_000);
});
