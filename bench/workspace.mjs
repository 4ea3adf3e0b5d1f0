// The local workspace the benchmark clients (Node and Python) talk to, in its own process so
// that neither client shares a CPU thread with the server. Started by bench/run.mjs:
//
//   node bench/workspace.mjs <caFile>
//
// Prints one JSON line on stdout ({host, token, warehouseId, httpPath, control}) once it is ready.
// `control` is a loopback HTTP server (plain HTTP) the orchestrator and clients use:
//   GET  /counts          -> workspace.faults.counts() (requests per route, e.g. {thrift: 12})
//   POST /rules  [rules]  -> workspace.faults.setRules(rules)
//   POST /sql    {sql}    -> runs one statement on the engine directly (setup; not counted)
//   POST /clear           -> serving.clearRequests()
//   GET  /genie           -> the last Genie message (statuses, createdAt, updatedAt)
//   POST /vector-setup    -> a Vector Search endpoint and a managed Delta Sync index over
//                            samples.lakechain.docs (needs LAKECHAIN_BENCH_SAMPLES=1), synced; {index}
// Stops on SIGTERM / SIGINT / stdin close.
// With BENCH_LAKEBASE (JSON from packages/lakebase/scripts/postgres-server.mjs: port, radius,
// adminConnection), its Lakebase instance `bench-memory` points at that PostgreSQL.
import { writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { createRequire } from 'node:module';
import {
  scriptedChat,
  scriptedEmbeddings,
  scriptedGenieChat,
  startLocalWorkspace,
} from '../packages/local-workspace/dist/index.js';

const requireLw = createRequire(
  new URL('../packages/local-workspace/package.json', import.meta.url),
);
const { DBSQLClient } = requireLw('@databricks/sql');
const caFile = process.argv[2];
const { BENCH_LAKEBASE } = process.env;
const lakebase = BENCH_LAKEBASE ? JSON.parse(BENCH_LAKEBASE) : undefined;
let lakebaseAdmin;
if (lakebase) {
  const pg = createRequire(new URL('../packages/lakebase/package.json', import.meta.url))('pg');
  lakebaseAdmin = new pg.Pool({ ...lakebase.adminConnection, max: 2 });
  lakebaseAdmin.on('error', () => {});
}
const words = 'The quick brown fox jumps over the lazy dog and keeps running'.split(' ');
const ws = await startLocalWorkspace({
  // The samples (for samples.lakechain.docs) only when the vector case runs.
  samples: process.env.LAKECHAIN_BENCH_SAMPLES === '1',
  servingEndpoints: [
    {
      name: 'bench-chat',
      task: 'llm/v1/chat',
      handler: scriptedChat(() => words.join(' ')),
    },
    {
      // The Genie space's NL-to-SQL model (instant): Genie's work is the states' own time below.
      name: 'databricks-genie',
      task: 'llm/v1/chat',
      handler: scriptedGenieChat({
        sql: () =>
          'SELECT region, COUNT(*) AS orders FROM main.bench_mcp.orders GROUP BY region ORDER BY region',
      }),
    },
    // Deterministic 384-dimension vectors (the size of small sentence-embedding models): the
    // vector case measures client overhead, not retrieval quality.
    { name: 'bench-embed', task: 'llm/v1/embeddings', handler: scriptedEmbeddings(384) },
  ],
  ...(lakebase
    ? {
        lakebase: {
          instances: [{ name: 'bench-memory' }],
          postgres: { ...lakebase, admin: lakebaseAdmin },
        },
      }
    : {}),
  // Each of Genie's six working states lasts 100 ms: ~0.6 s of work per question, a stand-in for
  // the seconds a real space takes, so polling's share can be seen.
  genie: {
    rateLimit: false,
    stepDelayMs: 100,
    spaces: [{ id: 'bench', title: 'Bench', tables: ['main.bench_mcp.orders'] }],
  },
});
writeFileSync(caFile, ws.caCert);

async function vectorSetup() {
  const { VectorSearchClient } = await import('../packages/vector-search/dist/index.js');
  const client = new VectorSearchClient({ host: ws.host, token: ws.token, caCert: ws.caCert });
  const index = 'main.default.lakechain_docs_index';
  try {
    await client.createEndpoint({ name: 'bench-vs' });
    await client.createDeltaSyncIndex({
      endpointName: 'bench-vs',
      indexName: index,
      primaryKey: 'id',
      sourceTable: 'samples.lakechain.docs',
      embeddingSourceColumn: 'text',
      embeddingModelEndpointName: 'bench-embed',
    });
    const described = await client.waitForIndex(index, { pollIntervalMs: 100 });
    return { index, rows: described.status?.indexed_row_count };
  } finally {
    await client.close();
  }
}

// Setup statements go through the real driver (no latency rules are active at setup time).
const client = new DBSQLClient({ logger: { log() {} } });
await client.connect({ ...ws.connectionOptions(), telemetryEnabled: false });
const session = await client.openSession();
async function runSql(sql) {
  const op = await session.executeStatement(sql);
  const rows = await op.fetchAll();
  await op.close();
  return rows;
}

const readBody = (req) =>
  new Promise((resolve, reject) => {
    let data = '';
    req.on('data', (c) => {
      data += c;
    });
    req.on('end', () => resolve(data ? JSON.parse(data) : undefined));
    req.on('error', reject);
  });

const control = createServer(async (req, res) => {
  try {
    let out = { ok: true };
    if (req.url === '/counts') out = ws.faults.counts();
    else if (req.url === '/rules') ws.faults.setRules(await readBody(req));
    else if (req.url === '/sql') out = { rows: await runSql((await readBody(req)).sql) };
    else if (req.url === '/clear') ws.serving.clearRequests();
    else if (req.url === '/tokens') out = { issued: ws.tokens.issuedCount };
    else if (req.url === '/genie') out = ws.genie.messages().at(-1) ?? {};
    else if (req.url === '/vector-setup') out = await vectorSetup();
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify(out, (_k, v) => (typeof v === 'bigint' ? Number(v) : v)));
  } catch (error) {
    res.writeHead(500, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ error: String(error?.message ?? error) }));
  }
});
// The orchestrator blocks in spawnSync between calls: never close its idle keep-alive socket.
control.keepAliveTimeout = 0;
await new Promise((r) => control.listen(0, '127.0.0.1', r));

let stopping = false;
async function stop() {
  if (stopping) return;
  stopping = true;
  control.close();
  try {
    await session.close();
    await client.close();
  } catch {}
  await ws.stop();
  await lakebaseAdmin?.end();
  process.exit(0);
}
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
process.stdin.on('end', stop);
process.stdin.resume();

console.log(
  JSON.stringify({
    host: ws.host,
    hostname: ws.hostname,
    port: ws.port,
    token: ws.token,
    warehouseId: ws.warehouseId,
    httpPath: ws.httpPath,
    caFile,
    control: `http://127.0.0.1:${control.address().port}`,
  }),
);
