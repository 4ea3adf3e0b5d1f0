// Benchmark of the local SQL warehouse through the unmodified @databricks/sql driver.
//   - queries per second for a 1-row SELECT (sequential, one session),
//   - rows per second and peak RSS of this process while fetching 1,000,000 rows in pages, with
//     Arrow results (the driver default) and column-based results, for one BIGINT column
//     (`range`) and for six columns (BIGINT, DOUBLE, DECIMAL, STRING, DATE, TIMESTAMP).
// The workspace runs in-process, so peak RSS covers server and client together.
// Usage: pnpm --filter @lakechain/local-workspace bench  (after pnpm build)
import os from 'node:os';
import { DBSQLClient } from '@databricks/sql';
import { startLocalWorkspace } from '../dist/index.js';

const QUERY_SECONDS = Number(process.env.BENCH_QUERY_SECONDS ?? 5);
const FETCH_ROWS = Number(process.env.BENCH_FETCH_ROWS ?? 1_000_000);

function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
}

const workspace = await startLocalWorkspace({ catalog: { samples: false } });
const client = new DBSQLClient({ logger: { log() {} } });
await client.connect({ ...workspace.connectionOptions(), telemetryEnabled: false });
const session = await client.openSession();

// Warm-up: JIT, DuckDB caches, TLS session.
for (let i = 0; i < 50; i += 1) {
  const operation = await session.executeStatement('SELECT 1 AS one');
  await operation.fetchAll();
  await operation.close();
}

const latencies = [];
const queryStart = performance.now();
while (performance.now() - queryStart < QUERY_SECONDS * 1000) {
  const started = performance.now();
  const operation = await session.executeStatement('SELECT 1 AS one');
  await operation.fetchAll();
  await operation.close();
  latencies.push(performance.now() - started);
}
const queryElapsed = (performance.now() - queryStart) / 1000;

/**
 * Fetch `sql` to the end in pages of 100 000 rows; rows/s and the peak RSS of this process.
 * `arrow: false` turns the driver's Arrow support off (column-based results, like a client
 * without Arrow).
 */
async function fetchAll(sql, { arrow }) {
  const config = client.getConfig();
  const previous = config.arrowEnabled;
  config.arrowEnabled = arrow;
  const fetchSession = await client.openSession();
  try {
    globalThis.gc?.();
    const rssBefore = process.memoryUsage().rss;
    let peakRss = rssBefore;
    const sampler = setInterval(() => {
      peakRss = Math.max(peakRss, process.memoryUsage().rss);
    }, 20);
    const fetchStart = performance.now();
    const cpuStart = process.cpuUsage();
    const operation = await fetchSession.executeStatement(sql, { maxRows: 100_000 });
    let rows = 0;
    do {
      const chunk = await operation.fetchChunk({ maxRows: 100_000 });
      rows += chunk.length;
    } while (await operation.hasMoreRows());
    await operation.close();
    const fetchElapsed = (performance.now() - fetchStart) / 1000;
    const cpu = process.cpuUsage(cpuStart);
    clearInterval(sampler);
    peakRss = Math.max(peakRss, process.memoryUsage().rss);
    return {
      rows,
      seconds: Number(fetchElapsed.toFixed(2)),
      rowsPerSecond: Math.round(rows / fetchElapsed),
      // CPU time of this process (server, driver and DuckDB threads): steadier than wall time
      // on a loaded machine.
      cpuSeconds: Number(((cpu.user + cpu.system) / 1e6).toFixed(2)),
      rssBeforeMb: Number(mb(rssBefore)),
      peakRssMb: Number(mb(peakRss)),
    };
  } finally {
    await fetchSession.close();
    config.arrowEnabled = previous;
  }
}

const mb = (bytes) => (bytes / 1024 / 1024).toFixed(0);
const NARROW = `SELECT * FROM range(${FETCH_ROWS})`;
const WIDE = `SELECT id, id * 1.5 AS amount, CAST(id AS DECIMAL(18,2)) AS price,
  concat('name-', CAST(id AS STRING)) AS name, date_add(DATE'2024-01-01', CAST(id % 1000 AS INT)) AS day,
  timestampadd(SECOND, id % 86400, TIMESTAMP'2024-01-01 00:00:00') AS ts
  FROM range(${FETCH_ROWS})`;
const fetches = {
  arrowBigint: await fetchAll(NARROW, { arrow: true }),
  columnBigint: await fetchAll(NARROW, { arrow: false }),
  arrowSixColumns: await fetchAll(WIDE, { arrow: true }),
  columnSixColumns: await fetchAll(WIDE, { arrow: false }),
};

await session.close();
await client.close();
await workspace.stop();

const report = {
  machine: `${os.cpus().length} × ${os.cpus()[0]?.model ?? 'cpu'}, ${mb(os.totalmem())} MB, Node ${process.version}`,
  loadAverageAtEnd: os.loadavg().map((load) => Number(load.toFixed(1))),
  selectOne: {
    queries: latencies.length,
    queriesPerSecond: Number((latencies.length / queryElapsed).toFixed(1)),
    medianLatencyMs: Number(median(latencies).toFixed(2)),
  },
  fetch: fetches,
};
console.log(JSON.stringify(report, null, 2));
