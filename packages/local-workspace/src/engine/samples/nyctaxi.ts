/**
 * `samples.nyctaxi.trips`: NYC yellow-cab trips of January-February 2016 with the columns of the
 * Databricks sample (21,932 rows at scale 1), generated deterministically in DuckDB SQL.
 */
import type { DuckDBConnection } from '@duckdb/node-api';
import { rnd } from './prng.js';

/** Pickup/drop-off zips, Manhattan-heavy like the real data (repeats weight the draw). */
const ZIPS = [
  10001, 10001, 10002, 10003, 10003, 10004, 10005, 10006, 10007, 10009, 10010, 10011, 10011, 10012,
  10013, 10014, 10016, 10016, 10017, 10018, 10019, 10019, 10021, 10022, 10022, 10023, 10024, 10025,
  10026, 10027, 10028, 10029, 10030, 10031, 10032, 10033, 10034, 10035, 10036, 10036, 10037, 10038,
  10039, 10040, 10044, 10065, 10069, 10075, 10103, 10110, 10111, 10112, 10115, 10119, 10128, 10152,
  10153, 10154, 10162, 10165, 10167, 10168, 10169, 10170, 10171, 10172, 10173, 10174, 10177, 10199,
  10270, 10271, 10278, 10279, 10280, 10282, 10301, 10451, 10452, 10454, 10455, 10463, 10471, 11101,
  11102, 11103, 11104, 11105, 11106, 11109, 11201, 11205, 11206, 11211, 11215, 11216, 11217, 11222,
  11225, 11231, 11238, 11354, 11355, 11368, 11371, 11372, 11373, 11375, 11377, 11385, 11412, 11422,
  11430, 11432, 11434, 11435, 11692, 11693, 11694, 11697, 7030, 7302, 7310,
];

export async function loadNycTaxi(
  conn: DuckDBConnection,
  cat: string,
  scale: number,
): Promise<void> {
  const n = Math.max(1, Math.round(21932 * scale));
  const c = `"${cat}"`;
  await conn.run(`CREATE SCHEMA IF NOT EXISTS ${c}.nyctaxi`);
  await conn.run(`CREATE OR REPLACE TABLE ${c}.nyctaxi.trips (
    tpep_pickup_datetime TIMESTAMP,
    tpep_dropoff_datetime TIMESTAMP,
    trip_distance DOUBLE,
    fare_amount DOUBLE,
    pickup_zip INTEGER,
    dropoff_zip INTEGER
  )`);
  const zips = `[${ZIPS.join(', ')}]`;
  await conn.run(`INSERT INTO ${c}.nyctaxi.trips
    WITH base AS (
      SELECT i, h,
        -- pickup second within Jan 1 - Feb 29 2016, busier during the day
        CAST(floor(${rnd('h', 1)} * 60) AS BIGINT) AS day_no,
        CASE WHEN ${rnd('h', 2)} < 0.8
             THEN 7 * 3600 + CAST(floor(${rnd('h', 3)} * 16 * 3600) AS BIGINT)
             ELSE CAST(floor(${rnd('h', 3)} * 24 * 3600) AS BIGINT) END AS sec_of_day,
        round(least(0.3 + (-ln(1 - ${rnd('h', 4)} * 0.999)) * 2.6, 35.0), 2) AS dist,
        6.0 + ${rnd('h', 5)} * 16.0 AS mph,
        ${zips}[1 + CAST(floor(${rnd('h', 6)} * ${ZIPS.length}) AS BIGINT)] AS pz,
        ${zips}[1 + CAST(floor(${rnd('h', 7)} * ${ZIPS.length}) AS BIGINT)] AS dz
      FROM memory.main.lc_rows(${n}, 1)
    ), timed AS (
      SELECT *, TIMESTAMP '2016-01-01 00:00:00' + to_seconds(day_no * 86400 + sec_of_day) AS pickup,
             CAST(round(dist / mph * 3600 + 60 + ${rnd('h', 8)} * 240) AS BIGINT) AS dur
      FROM base
    )
    SELECT pickup, pickup + to_seconds(dur), dist,
           round((2.5 + 2.5 * dist + 0.5 * greatest(0, dur / 60.0 - dist * 3.0) * 0.4) * 2) / 2,
           pz, dz
    FROM timed ORDER BY i`);
  await conn.run(
    `COMMENT ON TABLE ${c}.nyctaxi.trips IS 'NYC yellow taxi trips (January-February 2016), generated deterministically to match the Databricks samples.nyctaxi.trips sample'`,
  );
  const cols: Array<[string, string]> = [
    ['tpep_pickup_datetime', 'Date and time when the meter was engaged'],
    ['tpep_dropoff_datetime', 'Date and time when the meter was disengaged'],
    ['trip_distance', 'Elapsed trip distance in miles reported by the taximeter'],
    ['fare_amount', 'Time-and-distance fare calculated by the meter, in USD'],
    ['pickup_zip', 'ZIP code where the taximeter was engaged'],
    ['dropoff_zip', 'ZIP code where the taximeter was disengaged'],
  ];
  for (const [col, comment] of cols) {
    await conn.run(
      `COMMENT ON COLUMN ${c}.nyctaxi.trips.${col} IS '${comment.replace(/'/g, "''")}'`,
    );
  }
}
