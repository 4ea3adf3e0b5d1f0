/**
 * Deterministic sample data for the `samples` catalog: `nyctaxi.trips` and the TPC-H tables in
 * `tpch`, generated with DuckDB SQL from a seeded integer PRNG (see prng.ts), and
 * `lakechain.docs`, lakechain's documentation in chunks from a snapshot bundled into the package
 * (see lakechain_docs.ts). No downloads, the same rows on every start.
 */
import type { DuckDBConnection } from '@duckdb/node-api';
import { loadLakechainDocs } from './lakechain_docs.js';
import { loadNycTaxi } from './nyctaxi.js';
import { installPrng } from './prng.js';
import { loadTpch } from './tpch.js';

export { rnd } from './prng.js';
export { tpchSizes } from './tpch.js';

/** Create `<catalog>.nyctaxi`, `<catalog>.tpch` and `<catalog>.lakechain` in the attached DuckDB database `internalCatalog`. */
export async function loadSamples(
  conn: DuckDBConnection,
  internalCatalog: string,
  scale = 1,
): Promise<void> {
  await installPrng(conn);
  await loadNycTaxi(conn, internalCatalog, scale);
  await loadTpch(conn, internalCatalog, scale);
  await loadLakechainDocs(conn, internalCatalog);
}
