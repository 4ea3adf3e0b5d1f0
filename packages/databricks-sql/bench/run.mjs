// Benchmark for issue 4: getTableInfo() for schemas of 10, 50 and 200 tables with 50 ms latency
// injected on every Thrift request of the local workspace, against a naive per-table strategy
// (SHOW TABLES, then DESCRIBE + SELECT ... LIMIT 3 for each table, one after another: what
// SQLAlchemy reflection in LangChain Python amounts to). Reports Thrift round trips
// (ws.faults.counts()) and wall time. Needs `pnpm build` of this package and local-workspace.
//
//   node bench/run.mjs [--sizes 10,50,200] [--latency 50] [--direct-wait MS] [--repeat 3] [--json]
//
// --direct-wait is the local warehouse's `directResultsWaitMs`: how long ExecuteStatement waits
// to inline a finished result (direct results); by default the workspace's own, 5 s like Databricks. A statement that takes longer costs extra round
// trips (GetOperationStatus polls every 100 ms, GetResultSetMetadata, FetchResults,
// CloseOperation), for both strategies.
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { DBSQLClient } from '@databricks/sql';
import { startLocalWorkspace } from '@lakechain/local-workspace';
import { DatabricksSqlDatabase } from '../dist/index.js';

const { values } = parseArgs({
  options: {
    sizes: { type: 'string', default: '10,50,200' },
    latency: { type: 'string', default: '50' },
    rows: { type: 'string', default: '3' },
    'direct-wait': { type: 'string' },
    repeat: { type: 'string', default: '3' },
    json: { type: 'boolean', default: false },
  },
});
const sizes = values.sizes.split(',').map(Number);
const latencyMs = Number(values.latency);
const sampleRows = Number(values.rows);
const directResultsWaitMs =
  values['direct-wait'] === undefined ? undefined : Number(values['direct-wait']);
const repeat = Math.max(1, Number(values.repeat));

/** The run with the median wall time (the naive strategy is latency-bound and runs once). */
async function median(fn) {
  const runs = [];
  for (let i = 0; i < repeat; i++) runs.push(await fn());
  runs.sort((a, b) => a.ms - b.ms);
  return runs[Math.floor(runs.length / 2)];
}

async function makeData(dir) {
  for (const n of sizes) {
    const schemaDir = join(dir, 'bench', `s${n}`);
    await mkdir(schemaDir, { recursive: true });
    for (let t = 0; t < n; t++) {
      const header = 'id,name,amount,created,flag,category,score,note';
      const lines = Array.from(
        { length: 20 },
        (_, i) =>
          `${i},name_${t}_${i},${(i * 1.5).toFixed(2)},2024-01-${String((i % 28) + 1).padStart(2, '0')},${i % 2 === 0},cat${i % 5},${i * 7},note ${i}`,
      );
      await writeFile(
        join(schemaDir, `t${String(t).padStart(3, '0')}.csv`),
        `${header}\n${lines.join('\n')}\n`,
      );
    }
  }
}

const thrift = (ws) => ws.faults.counts().thrift ?? 0;

async function ours(ws, schema) {
  const before = thrift(ws);
  const started = performance.now();
  const db = await DatabricksSqlDatabase.fromDatabricks({
    host: ws.host,
    token: ws.token,
    httpPath: ws.httpPath,
    caCert: ws.caCert,
    catalog: 'bench',
    schema,
    sampleRowsInTableInfo: sampleRows,
  });
  const info = await db.getTableInfo();
  const ms = performance.now() - started;
  const trips = thrift(ws) - before;
  await db.close();
  return { ms, trips, chars: info.length };
}

async function naive(ws, schema) {
  const client = new DBSQLClient({ logger: { log() {} } });
  const before = thrift(ws);
  const started = performance.now();
  await client.connect({ ...ws.connectionOptions(), telemetryEnabled: false });
  const session = await client.openSession({ initialCatalog: 'bench', initialSchema: schema });
  const run = async (sql) => {
    const op = await session.executeStatement(sql);
    const rows = await op.fetchAll();
    await op.close();
    return rows;
  };
  const tables = await run(`SHOW TABLES IN bench.${schema}`);
  let chars = 0;
  for (const row of tables) {
    const name = row.tableName ?? row.table_name ?? Object.values(row)[1];
    const columns = await run(`DESCRIBE TABLE bench.${schema}.${name}`);
    const sample = await run(`SELECT * FROM bench.${schema}.${name} LIMIT ${sampleRows}`);
    chars += JSON.stringify(columns).length + JSON.stringify(sample).length;
  }
  const ms = performance.now() - started;
  const trips = thrift(ws) - before;
  await session.close();
  await client.close();
  return { ms, trips, chars, tables: tables.length };
}

const dir = await mkdtemp(join(tmpdir(), 'lakechain-sql-bench-'));
let ws;
try {
  await makeData(dir);
  ws = await startLocalWorkspace({ dataDir: dir, samples: false, directResultsWaitMs });
  // Warm-up (first DuckDB queries are slower), not measured.
  await ours(ws, `s${sizes[0]}`);
  await naive(ws, `s${sizes[0]}`);
  ws.faults.setRules([{ route: 'thrift', latencyMs }]);
  const results = [];
  for (const n of sizes) {
    const a = await median(() => ours(ws, `s${n}`));
    const b = await naive(ws, `s${n}`);
    results.push({
      tables: n,
      ours: { roundTrips: a.trips, ms: Math.round(a.ms) },
      naive: { roundTrips: b.trips, ms: Math.round(b.ms) },
      speedup: Number((b.ms / a.ms).toFixed(1)),
    });
  }
  if (values.json) {
    console.log(JSON.stringify({ latencyMs, directResultsWaitMs, sampleRows, results }, null, 2));
  } else {
    console.log(
      `getTableInfo(), ${latencyMs} ms latency per Thrift request, ${sampleRows} sample rows per table, direct results wait ${directResultsWaitMs ?? 'default (5000)'} ms, ours: median of ${repeat}\n`,
    );
    console.log(
      '| tables | ours: round trips | ours: wall time | naive: round trips | naive: wall time | speed-up |',
    );
    console.log('|---:|---:|---:|---:|---:|---:|');
    for (const r of results) {
      console.log(
        `| ${r.tables} | ${r.ours.roundTrips} | ${r.ours.ms} ms | ${r.naive.roundTrips} | ${r.naive.ms} ms | ${r.speedup}x |`,
      );
    }
  }
} finally {
  await ws?.stop();
  await rm(dir, { recursive: true, force: true });
}
