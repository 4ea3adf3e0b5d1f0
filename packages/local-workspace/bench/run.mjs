// Benchmark of the local SQL warehouse through the unmodified @databricks/sql driver.
//   - queries per second for a 1-row SELECT (sequential, one session),
//   - rows per second and peak RSS of this process while fetching 1,000,000 rows in pages.
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

const workspace = await startLocalWorkspace({ samples: false });
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

globalThis.gc?.();
const rssBefore = process.memoryUsage().rss;
let peakRss = rssBefore;
const sampler = setInterval(() => {
  peakRss = Math.max(peakRss, process.memoryUsage().rss);
}, 20);
const fetchStart = performance.now();
const operation = await session.executeStatement(`SELECT * FROM range(${FETCH_ROWS})`, {
  maxRows: 100_000,
});
let rows = 0;
do {
  const chunk = await operation.fetchChunk({ maxRows: 100_000 });
  rows += chunk.length;
} while (await operation.hasMoreRows());
await operation.close();
const fetchElapsed = (performance.now() - fetchStart) / 1000;
clearInterval(sampler);
peakRss = Math.max(peakRss, process.memoryUsage().rss);

await session.close();
await client.close();
await workspace.stop();

const mb = (bytes) => (bytes / 1024 / 1024).toFixed(0);
const report = {
  machine: `${os.cpus().length} × ${os.cpus()[0]?.model ?? 'cpu'}, ${mb(os.totalmem())} MB, Node ${process.version}`,
  selectOne: {
    queries: latencies.length,
    queriesPerSecond: Number((latencies.length / queryElapsed).toFixed(1)),
    medianLatencyMs: Number(median(latencies).toFixed(2)),
  },
  fetch: {
    rows,
    seconds: Number(fetchElapsed.toFixed(2)),
    rowsPerSecond: Math.round(rows / fetchElapsed),
    rssBeforeMb: Number(mb(rssBefore)),
    peakRssMb: Number(mb(peakRss)),
  },
};
console.log(JSON.stringify(report, null, 2));
