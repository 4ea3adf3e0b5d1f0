// Where the time of a Statement Execution API request goes, ours against the Python
// databricks-sdk's (issue 15; findings in bench/PROFILE.md). The `sea` case of the root
// bench/run.mjs times one request per fresh process; this script also times the requests after it.
//
//   node bench/statement_execution.mjs [--rows 1,100,10000] [--warm 30] [--rounds 3]
//        [--before /path/to/a/copy/of/dist/index.js] [--sides node,undici,python] [--json]
//        [--node-args='--cpu-prof --cpu-prof-dir=/tmp/profiles']
//   node bench/statement_execution.mjs decode [--rows 1,100,10000] [--warm 30] [--rounds 5]
//        [--before /path/to/a/copy/of/dist/index.js]
//
// Needs `pnpm build` (this package, core, local-workspace) and the root bench's Python venv
// (`bench/.venv`, made by `node bench/run.mjs`). Starts the local workspace in its own process
// (the root `bench/workspace.mjs`), creates `main.bench_rows.big` (1M rows) and then, for each
// round and row count, runs one child per variant, interleaved: ours, ours `--before` (another
// build of this package, e.g. a copy of `dist/` made before a change, so both run under the same
// machine load), `undici` (the same request through undici's fetch alone, JSON parsed, nothing
// decoded) and `python` (bench/statement_execution.py). Each child does what the root bench's
// child does (`SELECT 1`, a fetch to the control server, the statement once: `first`), then the
// statement `--warm` more times. Each request reports wall time, the CPU time of the whole process
// (`process.cpuUsage()`, Python's `time.process_time()`: compiler and GC threads included), the
// main thread's active time (event-loop utilisation), and the split between the execute call
// (HTTP + JSON parse) and reading + decoding the rows. Child results carry monotonic-clock marks
// (µs, the clock of `--cpu-prof` timestamps) to cut a CPU profile to the first or warm requests.
// `decode` mode times `chunks()` over an in-memory response, no network: the first call in a fresh
// process, then warm ones.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { BIG_TABLE_SQL, startBenchWorkspace } from '../../../bench/workspace_process.mjs';

const SELF = fileURLToPath(import.meta.url);
const PACKAGE = dirname(dirname(SELF));
const ROOT = resolve(PACKAGE, '..', '..');
const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];
const round = (value, digits = 2) => Number(value.toFixed(digits));
const cpuMs = (usage) => (usage.user + usage.system) / 1000;

if (process.argv[2] === 'child') await child(JSON.parse(process.argv[3]));
else if (process.argv[2] === 'decode-child') await decodeChild(JSON.parse(process.argv[3]));
else if (process.argv[2] === 'decode') await decode();
else await orchestrate();

/**
 * Decoding alone, no network: `chunks()` of a StatementResponse holding `rows` rows shaped like
 * `main.bench_rows.big` (BIGINT, STRING, DOUBLE, BIGINT, DATE, as the local warehouse sends
 * them), the first time in a fresh process (`first`) and then `warm` more times.
 */
async function decodeChild(args) {
  const { DatabricksClient } = await import('@lakechain/core');
  const { StatementExecutionClient } = await import(args.module);
  const client = new DatabricksClient({ config: { host: 'https://unused.invalid' } });
  const api = new StatementExecutionClient({ client });
  const columns = [
    ['id', 'LONG', 'BIGINT'],
    ['name', 'STRING', 'STRING'],
    ['amount', 'DOUBLE', 'DOUBLE'],
    ['bucket', 'LONG', 'BIGINT'],
    ['day', 'DATE', 'DATE'],
  ].map(([name, type_name, type_text], position) => ({ name, position, type_name, type_text }));
  const day = (id) => new Date(Date.UTC(2024, 0, 1 + (id % 365))).toISOString().slice(0, 10);
  const response = {
    statement_id: 'decode',
    status: { state: 'SUCCEEDED' },
    manifest: { format: 'JSON_ARRAY', schema: { columns }, total_chunk_count: 1 },
    result: {
      chunk_index: 0,
      row_offset: 0,
      data_array: Array.from({ length: args.rows }, (_, id) => [
        String(id),
        `name_${id}`,
        String(id * 1.5),
        String(id % 7),
        day(id),
      ]),
    },
  };
  const once = async () => {
    const cpu = process.cpuUsage();
    const t0 = performance.now();
    let rows = 0;
    for await (const chunk of api.chunks(response)) rows += chunk.rows.length;
    return { ms: performance.now() - t0, cpuMs: cpuMs(process.cpuUsage(cpu)), rows };
  };
  const first = await once();
  const warm = [];
  for (let i = 0; i < args.warm; i += 1) warm.push(await once());
  console.log(JSON.stringify({ first, warm }));
}

/** `decode` mode: fresh processes, interleaved (this build, `--before`), medians. */
async function decode() {
  const { values } = parseArgs({
    args: process.argv.slice(3),
    options: {
      rows: { type: 'string', default: '1,100,10000' },
      warm: { type: 'string', default: '30' },
      rounds: { type: 'string', default: '5' },
      before: { type: 'string' },
    },
  });
  const variants = [
    { name: 'ours', module: pathToFileURL(join(PACKAGE, 'dist', 'index.js')).href },
  ];
  if (values.before)
    variants.push({ name: 'ours (before)', module: pathToFileURL(resolve(values.before)).href });
  const results = [];
  const load = [os.loadavg().map((value) => round(value, 1))];
  for (let roundIndex = 0; roundIndex < Number(values.rounds); roundIndex += 1) {
    for (const rows of values.rows.split(',').map(Number)) {
      for (const variant of variants) {
        const args = { rows, warm: Number(values.warm), module: variant.module };
        const result = spawnSync(process.execPath, [SELF, 'decode-child', JSON.stringify(args)], {
          cwd: PACKAGE,
          encoding: 'utf8',
        });
        const line = result.stdout.trim().split('\n').at(-1);
        if (!line?.startsWith('{')) throw new Error(`decode child failed: ${result.stderr}`);
        results.push({ variant: variant.name, rows, ...JSON.parse(line) });
      }
    }
  }
  load.push(os.loadavg().map((value) => round(value, 1)));
  console.log(
    `load average (1, 5, 15 min) at start and end: ${load.map((l) => l.join('/')).join(', ')}`,
  );
  console.log('| rows | build | first decode ms | first CPU ms | warm decode ms | warm CPU ms |');
  console.log('|---:|---|---:|---:|---:|---:|');
  for (const rows of values.rows.split(',').map(Number)) {
    for (const variant of variants) {
      const runs = results.filter((r) => r.variant === variant.name && r.rows === rows);
      const warm = runs.flatMap((r) => r.warm);
      const cell = (list) => round(median(list), 3);
      console.log(
        `| ${rows} | ${variant.name} | ${cell(runs.map((r) => r.first.ms))} | ${cell(runs.map((r) => r.first.cpuMs))} | ${cell(warm.map((w) => w.ms))} | ${cell(warm.map((w) => w.cpuMs))} |`,
      );
    }
  }
}

/** One side's process: our client from `module`, warm-up, first request, warm requests. */
async function child(args) {
  const env = process.env;
  const caCert = readFileSync(env.BENCH_CA_FILE, 'utf8');
  const { DatabricksClient, resolveConfig } = await import('@lakechain/core');
  const raw = args.module === 'undici';
  const { StatementExecutionClient } = await import(raw ? '../dist/index.js' : args.module);
  const config = await resolveConfig({
    host: env.BENCH_HOST,
    token: env.BENCH_TOKEN,
    caCert,
    env: {},
  });
  const client = new DatabricksClient({ config });
  const api = new StatementExecutionClient({ client, caCert });
  const request = raw ? await rawRequest(caCert) : undefined;
  const once = async (statement) => {
    const cpu = process.cpuUsage();
    const loop = performance.eventLoopUtilization();
    const t0 = performance.now();
    const body = {
      statement,
      warehouse_id: env.BENCH_WAREHOUSE_ID,
      disposition: 'INLINE',
      format: 'JSON_ARRAY',
      wait_timeout: '50s',
    };
    let rows = 0;
    let t1;
    if (request) {
      // What Python's client does with the answer: JSON parsed, values left as text.
      rows = (await request(body)).result?.data_array?.length ?? 0;
      t1 = performance.now();
    } else {
      const done = await api.waitForStatement(await api.executeStatement(body));
      t1 = performance.now();
      for await (const chunk of api.chunks(done)) rows += chunk.rows.length;
    }
    const t2 = performance.now();
    return {
      ms: t2 - t0,
      cpuMs: cpuMs(process.cpuUsage(cpu)),
      // Time the main thread ran JavaScript or native work (not waiting for I/O).
      mainThreadMs: performance.eventLoopUtilization(loop).active,
      executeMs: t1 - t0,
      readMs: t2 - t1,
      rows,
    };
  };
  await once('SELECT 1'); // the bench's warm-up: TLS, auth, module loads
  // As bench/node_client.mjs does before its timing: one fetch to the workspace's control server
  // (it reads the request counters), which also lets undici return the warm-up's socket to the
  // pool (undici waits one event-loop turn before reusing a keep-alive socket; a request sent
  // sooner opens a second connection).
  await (await fetch(`${env.BENCH_CONTROL}/counts`)).json();
  // Monotonic-clock marks (µs, the clock of `node --cpu-prof` timestamps) around the first
  // request and the warm ones, to cut a whole-process CPU profile into those windows.
  const mark = () => Number(process.hrtime.bigint() / 1000n);
  const marks = { firstStart: mark() };
  const first = await once(args.sql);
  marks.firstEnd = mark();
  const warm = [];
  for (let i = 0; i < args.warm; i += 1) warm.push(await once(args.sql));
  marks.warmEnd = mark();
  await api.close();
  await client.close();
  console.log(JSON.stringify({ first, warm, marks }));
}

/**
 * The same request without our client: undici's `fetch` (the one core uses, with an Agent
 * trusting the workspace's CA as core's does), the JSON parsed, nothing decoded: how much of a
 * first request is Node and undici warming up rather than our code.
 */
async function rawRequest(caCert) {
  const require = createRequire(join(PACKAGE, '..', 'core', 'package.json'));
  const undici = await import(pathToFileURL(require.resolve('undici')).href);
  const tls = await import('node:tls');
  const dispatcher = new undici.Agent({
    connect: { secureContext: tls.createSecureContext({ ca: [...tls.rootCertificates, caCert] }) },
  });
  const url = `${process.env.BENCH_HOST}/api/2.0/sql/statements`;
  return async (body) => {
    const response = await undici.fetch(url, {
      method: 'POST',
      body: JSON.stringify(body),
      headers: {
        Authorization: `Bearer ${process.env.BENCH_TOKEN}`,
        'Content-Type': 'application/json',
        Accept: 'application/json',
      },
      dispatcher,
    });
    return JSON.parse(await response.text());
  };
}

function runChild(side, ws, args, nodeArgs = []) {
  const command =
    side === 'python' ? join(ROOT, 'bench', '.venv', 'bin', 'python') : process.execPath;
  const script = side === 'python' ? join(PACKAGE, 'bench', 'statement_execution.py') : SELF;
  const argv =
    side === 'python'
      ? [script, JSON.stringify(args)]
      : [...nodeArgs, script, 'child', JSON.stringify(args)];
  const result = spawnSync(command, argv, {
    cwd: PACKAGE,
    encoding: 'utf8',
    timeout: 600_000,
    env: {
      ...process.env,
      BENCH_HOST: ws.host,
      BENCH_TOKEN: ws.token,
      BENCH_WAREHOUSE_ID: ws.warehouseId,
      BENCH_CA_FILE: ws.caFile,
      BENCH_CONTROL: ws.control,
      NODE_EXTRA_CA_CERTS: ws.caFile,
      REQUESTS_CA_BUNDLE: ws.caFile,
      SSL_CERT_FILE: ws.caFile,
      PYTHONWARNINGS: 'ignore',
    },
  });
  const line = result.stdout.trim().split('\n').at(-1);
  if (!line?.startsWith('{'))
    throw new Error(`${side} child failed: ${result.stderr.slice(-2000)}`);
  return JSON.parse(line);
}

async function orchestrate() {
  const { values } = parseArgs({
    options: {
      rows: { type: 'string', default: '1,100,10000' },
      warm: { type: 'string', default: '30' },
      rounds: { type: 'string', default: '3' },
      before: { type: 'string' },
      // `undici`: the same requests through undici's fetch alone (see rawRequest).
      sides: { type: 'string', default: 'node,undici,python' },
      json: { type: 'boolean', default: false },
      // Extra node flags for our children, e.g. '--cpu-prof --cpu-prof-dir=/tmp/profiles'.
      'node-args': { type: 'string', default: '' },
    },
  });
  const sides = values.sides.split(',');
  const variants = [];
  if (sides.includes('node'))
    variants.push({
      name: 'ours',
      side: 'node',
      module: pathToFileURL(join(PACKAGE, 'dist', 'index.js')).href,
    });
  if (values.before)
    variants.push({
      name: 'ours (before)',
      side: 'node',
      module: pathToFileURL(resolve(values.before)).href,
    });
  if (sides.includes('undici'))
    variants.push({
      name: 'undici fetch + JSON.parse (no client)',
      side: 'node',
      module: 'undici',
    });
  if (sides.includes('python')) variants.push({ name: 'python', side: 'python' });

  const tmp = mkdtempSync(join(os.tmpdir(), 'lakechain-sea-bench-'));
  const caFile = join(tmp, 'ca.pem');
  const ws = await startBenchWorkspace(caFile, { LAKECHAIN_BENCH_SAMPLES: '0' });
  const load = [os.loadavg().map((value) => round(value, 1))];
  const results = [];
  try {
    // The root bench's table, through the workspace's control server.
    for (const sql of BIG_TABLE_SQL) await ws.sql(sql);
    for (let roundIndex = 0; roundIndex < Number(values.rounds); roundIndex += 1) {
      for (const rows of values.rows.split(',').map(Number)) {
        const args = {
          sql: `SELECT * FROM main.bench_rows.big LIMIT ${rows}`,
          rows,
          warm: Number(values.warm),
        };
        for (const variant of variants) {
          const nodeArgs = values['node-args'].split(' ').filter(Boolean);
          const out = runChild(variant.side, ws, { ...args, module: variant.module }, nodeArgs);
          results.push({ variant: variant.name, rows, round: roundIndex, ...out });
        }
      }
      load.push(os.loadavg().map((value) => round(value, 1)));
    }
  } finally {
    await ws.stop();
    rmSync(tmp, { recursive: true, force: true });
  }
  if (values.json) console.log(JSON.stringify({ load, results }));
  console.log(
    `load average (1, 5, 15 min) at start and after each round: ${load.map((l) => l.join('/')).join(', ')}`,
  );
  console.log(
    '| rows | side | first ms (median of rounds) | first CPU ms | warm ms (median) | warm CPU ms / request | warm execute ms | warm read+decode ms |',
  );
  console.log('|---:|---|---:|---:|---:|---:|---:|---:|');
  for (const rows of values.rows.split(',').map(Number)) {
    for (const variant of variants) {
      const runs = results.filter((r) => r.variant === variant.name && r.rows === rows);
      const warm = runs.flatMap((r) => r.warm);
      const cell = (values) =>
        values.length && values.every((v) => v !== undefined) ? round(median(values), 2) : '–';
      console.log(
        `| ${rows} | ${variant.name} | ${cell(runs.map((r) => r.first.ms))} | ${cell(runs.map((r) => r.first.cpuMs))} | ${cell(warm.map((w) => w.ms))} | ${cell(warm.map((w) => w.cpuMs))} | ${cell(warm.map((w) => w.executeMs))} | ${cell(warm.map((w) => w.readMs))} |`,
      );
    }
  }
}
