// Round trip of a small statement through the unmodified @databricks/sql driver against the
// local SQL warehouse, next to the engine's own time for the same statement:
//   - the engine alone (the workspace's SQL engine session, no Thrift, no HTTP),
//   - a raw Thrift ExecuteStatement over HTTPS (one pre-encoded request, a keep-alive agent):
//     the server's whole path without a driver,
//   - the driver (`executeStatement` + `fetchAll` + `close`, the way its README shows), trusting
//     the workspace's CA in the two ways a client can: `customCaCert` (what
//     `workspace.connectionOptions()` returns) and `NODE_EXTRA_CA_CERTS` (what the CLI prints),
//   - queries per second at concurrency 1 and 16 (16 sessions of one client, each running
//     statements back to back).
// The workspace runs in its own process, each client in another one (as a test process or an
// application talks to a workspace), so the figures are a client's view; CPU per statement is
// reported for both processes (steadier than wall time on a shared machine).
// Usage: pnpm --filter @lakechain/local-workspace bench:round-trip  (after pnpm build)
//   BENCH_SECONDS=5 BENCH_STATEMENT='SELECT 1 AS one' BENCH_MODES=engine,raw,customCaCert,extraCaCerts
//   BENCH_WORKSPACE_MODULE=file:///path/to/other/dist/index.js (compare two builds)
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, request as httpRequest } from 'node:http';
import { Agent, request as httpsRequest } from 'node:https';
import { createRequire } from 'node:module';
import os from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const SECONDS = Number(process.env.BENCH_SECONDS ?? 5);
const STATEMENT = process.env.BENCH_STATEMENT ?? 'SELECT 1 AS one';
const MODES = (process.env.BENCH_MODES ?? 'engine,raw,customCaCert,extraCaCerts').split(',');
const SELF = fileURLToPath(import.meta.url);
const require = createRequire(import.meta.url);

const median = (values) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
};
const percentile = (values, p) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))];
};
const round = (value, digits = 2) => Number(value.toFixed(digits));
const load = () => os.loadavg().map((value) => round(value, 1));
const cpuMs = (usage) => (usage.user + usage.system) / 1000;

/** Runs `once` back to back for SECONDS (after a warm-up); latencies and CPU of this process. */
async function timed(once, { warmup = 100 } = {}) {
  for (let i = 0; i < warmup; i += 1) await once();
  const latencies = [];
  const cpu = process.cpuUsage();
  const start = performance.now();
  while (performance.now() - start < SECONDS * 1000) {
    const started = performance.now();
    await once();
    latencies.push(performance.now() - started);
  }
  const elapsed = performance.now() - start;
  return {
    statements: latencies.length,
    medianMs: round(median(latencies), 3),
    p90Ms: round(percentile(latencies, 0.9), 3),
    meanMs: round(elapsed / latencies.length, 3),
    cpuMsPerStatement: round(cpuMs(process.cpuUsage(cpu)) / latencies.length, 3),
  };
}

/** CPU ms per thread name of this process (Linux /proc; empty elsewhere). */
function threadCpu() {
  const { readdirSync, readFileSync } = require('node:fs');
  const ticks = 100; // USER_HZ
  const out = {};
  try {
    for (const task of readdirSync('/proc/self/task')) {
      const stat = readFileSync(`/proc/self/task/${task}/stat`, 'utf8');
      const name = stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')')).replace(/[0-9]+$/, '');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      const ms = ((Number(fields[11]) + Number(fields[12])) * 1000) / ticks;
      out[name] = (out[name] ?? 0) + ms;
    }
  } catch {
    // not Linux
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// The workspace process: the workspace, plus a loopback control server for the orchestrator.
async function serve() {
  // BENCH_WORKSPACE_MODULE: another build of the package (an A/B comparison under one load).
  const { startLocalWorkspace } = await import(
    process.env.BENCH_WORKSPACE_MODULE ?? new URL('../dist/index.js', import.meta.url).href
  );
  const workspace = await startLocalWorkspace({ catalog: { samples: false } });
  const directory = mkdtempSync(join(os.tmpdir(), 'lakechain-round-trip-'));
  const caFile = join(directory, 'ca.pem');
  writeFileSync(caFile, workspace.caCert);

  const engineOnly = async () => {
    const session = await workspace.engine.openSession({ configuration: {} });
    try {
      return await timed(async () => {
        const result = await session.execute(STATEMENT, {}, new AbortController().signal);
        await result.fetch(100_000);
        await result.close();
      });
    } finally {
      await session.close();
    }
  };

  const control = createServer(async (request, response) => {
    let body;
    if (request.url === '/cpu') body = { cpuMs: cpuMs(process.cpuUsage()), threads: threadCpu() };
    else if (request.url === '/engine') body = await engineOnly();
    else if (request.url === '/sessions') body = { open: workspace.warehouse.openSessions() };
    response.writeHead(200, { 'content-type': 'application/json' });
    response.end(JSON.stringify(body ?? {}));
  });
  await new Promise((resolve) => control.listen(0, '127.0.0.1', resolve));
  const url = new URL(workspace.host);
  process.stdout.write(
    `${JSON.stringify({
      host: url.hostname,
      port: Number(url.port),
      path: workspace.warehouse.httpPath,
      token: workspace.token,
      caFile,
      control: control.address().port,
    })}\n`,
  );
  process.stdin.resume();
  process.stdin.on('end', async () => {
    control.close();
    await workspace.stop();
    rmSync(directory, { recursive: true, force: true });
    process.exit(0);
  });
}

// ---------------------------------------------------------------------------------------------
// A client process.
function controlGet(target, path) {
  return new Promise((resolve, reject) => {
    const request = httpRequest({ host: '127.0.0.1', port: target.control, path }, (response) => {
      let data = '';
      response.on('data', (chunk) => {
        data += chunk;
      });
      response.on('end', () => resolve(JSON.parse(data)));
    });
    request.on('error', reject);
    request.end();
  });
}

/** Runs `measure`; adds the workspace process's CPU per statement. */
async function withServerCpu(target, measure) {
  const before = await controlGet(target, '/cpu');
  const result = await measure();
  const after = await controlGet(target, '/cpu');
  const threads = {};
  for (const [name, ms] of Object.entries(after.threads)) {
    const per = (ms - (before.threads[name] ?? 0)) / result.statements;
    if (per > 0) threads[name] = round(per, 3);
  }
  return {
    ...result,
    serverCpuMsPerStatement: round((after.cpuMs - before.cpuMs) / result.statements, 3),
    serverCpuMsPerStatementByThread: threads,
  };
}

/** The server's path without a driver: one pre-encoded ExecuteStatement, a keep-alive agent. */
async function rawThrift(target) {
  const thrift = require('thrift');
  const driverRequire = createRequire(require.resolve('@databricks/sql'));
  const { Client } = driverRequire('../thrift/TCLIService.js');
  const types = driverRequire('../thrift/TCLIService_types.js');
  const { readFileSync } = await import('node:fs');
  const agent = new Agent({ keepAlive: true, ca: readFileSync(target.caFile) });
  const post = (body) =>
    new Promise((resolve, reject) => {
      const request = httpsRequest(
        {
          host: target.host,
          port: target.port,
          path: target.path,
          method: 'POST',
          agent,
          headers: {
            authorization: `Bearer ${target.token}`,
            'content-type': 'application/x-thrift',
            'content-length': body.length,
          },
        },
        (response) => {
          const chunks = [];
          response.on('data', (chunk) => chunks.push(chunk));
          response.on('end', () => resolve(Buffer.concat(chunks)));
        },
      );
      request.on('error', reject);
      request.end(body);
    });
  const encode = (method, args) => {
    let bytes;
    const transport = new thrift.TBufferedTransport(undefined, (buffer) => {
      bytes = buffer;
    });
    const client = new Client(transport, thrift.TBinaryProtocol);
    client[`send_${method}`](args);
    return bytes;
  };
  const decode = (method, bytes) => {
    let result;
    thrift.TBufferedTransport.receiver((transport) => {
      const protocol = new thrift.TBinaryProtocol(transport);
      protocol.readMessageBegin();
      protocol.readStructBegin();
      protocol.readFieldBegin(); // field 0: success
      result = new types[`T${method}Resp`]();
      result.read(protocol);
    }, 0)(bytes);
    return result;
  };
  const opened = decode(
    'OpenSession',
    await post(encode('OpenSession', new types.TOpenSessionReq({ client_protocol: 7 }))),
  );
  const execute = encode(
    'ExecuteStatement',
    new types.TExecuteStatementReq({
      sessionHandle: opened.sessionHandle,
      statement: STATEMENT,
      runAsync: true,
      getDirectResults: new types.TSparkGetDirectResults({ maxRows: new thrift.Int64(100_000) }),
      canReadArrowResult: true,
    }),
  );
  const first = decode('ExecuteStatement', await post(execute));
  if (!first.directResults?.closeOperation)
    throw new Error('The warehouse did not answer with direct results and a closed operation.');
  const result = await withServerCpu(target, () => timed(() => post(execute)));
  await post(
    encode('CloseSession', new types.TCloseSessionReq({ sessionHandle: opened.sessionHandle })),
  );
  agent.destroy();
  return result;
}

async function driver(target, trust) {
  const { DBSQLClient } = require('@databricks/sql');
  const { readFileSync } = await import('node:fs');
  const client = new DBSQLClient({ logger: { log() {} } });
  await client.connect({
    host: target.host,
    port: target.port,
    path: target.path,
    token: target.token,
    ...(trust === 'customCaCert' ? { customCaCert: readFileSync(target.caFile) } : {}),
  });
  const run = async (session) => {
    const operation = await session.executeStatement(STATEMENT);
    await operation.fetchAll();
    await operation.close();
  };
  const session = await client.openSession();
  const sequential = await withServerCpu(target, () => timed(() => run(session)));

  // Concurrency 16: 16 sessions, each running statements back to back.
  const sessions = await Promise.all(Array.from({ length: 16 }, () => client.openSession()));
  for (const each of sessions) for (let i = 0; i < 10; i += 1) await run(each);
  const concurrent = await withServerCpu(target, async () => {
    let statements = 0;
    const cpu = process.cpuUsage();
    const start = performance.now();
    await Promise.all(
      sessions.map(async (each) => {
        while (performance.now() - start < SECONDS * 1000) {
          await run(each);
          statements += 1;
        }
      }),
    );
    const elapsed = (performance.now() - start) / 1000;
    return {
      statements,
      queriesPerSecond: round(statements / elapsed, 1),
      cpuMsPerStatement: round(cpuMs(process.cpuUsage(cpu)) / statements, 3),
    };
  });
  await Promise.all([session, ...sessions].map((each) => each.close()));
  await client.close();
  return {
    sequential: { ...sequential, queriesPerSecond: round(1000 / sequential.meanMs, 1) },
    concurrency16: concurrent,
  };
}

async function client(mode) {
  const target = JSON.parse(process.env.BENCH_TARGET);
  const loadAtStart = load();
  const result = mode === 'raw' ? await rawThrift(target) : await driver(target, mode);
  process.stdout.write(`${JSON.stringify({ mode, loadAtStart, ...result })}\n`);
}

// ---------------------------------------------------------------------------------------------
// The orchestrator.
function runChild(args, env = {}) {
  // BENCH_CLIENT_ARGS: Node options for the client processes (e.g. `--cpu-prof`).
  const clientArgs = process.env.BENCH_CLIENT_ARGS?.split(' ').filter(Boolean) ?? [];
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [...clientArgs, SELF, ...args], {
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let out = '';
    child.stdout.on('data', (chunk) => {
      out += chunk;
    });
    child.on('error', reject);
    child.on('exit', (code) =>
      code === 0 ? resolve(JSON.parse(out.trim())) : reject(new Error(`${args} exited ${code}`)),
    );
  });
}

async function orchestrate() {
  // BENCH_SERVER_ARGS: Node options for the workspace process (e.g. `--cpu-prof`).
  const serverArgs = process.env.BENCH_SERVER_ARGS?.split(' ').filter(Boolean) ?? [];
  const server = spawn(process.execPath, [...serverArgs, SELF, '--serve'], {
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  const target = await new Promise((resolve, reject) => {
    let out = '';
    server.stdout.on('data', (chunk) => {
      out += chunk;
      const line = out.indexOf('\n');
      if (line >= 0) resolve(JSON.parse(out.slice(0, line)));
    });
    server.on('exit', (code) => reject(new Error(`workspace exited ${code}`)));
  });
  const report = {
    machine: `${os.cpus().length} × ${os.cpus()[0]?.model ?? 'cpu'}, ${Math.round(os.totalmem() / 2 ** 30)} GB, Node ${process.version}`,
    statement: STATEMENT,
    secondsPerMeasure: SECONDS,
    loadAtStart: load(),
  };
  try {
    const env = { BENCH_TARGET: JSON.stringify(target) };
    if (MODES.includes('engine')) report.engine = await controlGet(target, '/engine');
    if (MODES.includes('raw')) report.rawThrift = await runChild(['--client', 'raw'], env);
    if (MODES.includes('customCaCert'))
      report.driverCustomCaCert = await runChild(['--client', 'customCaCert'], env);
    if (MODES.includes('extraCaCerts'))
      report.driverExtraCaCerts = await runChild(['--client', 'extraCaCerts'], {
        ...env,
        NODE_EXTRA_CA_CERTS: target.caFile,
      });
    report.sessionsLeftOpen = (await controlGet(target, '/sessions')).open;
  } finally {
    report.loadAtEnd = load();
    server.stdin.end();
  }
  console.log(JSON.stringify(report, null, 2));
}

if (process.argv[2] === '--serve') await serve();
else if (process.argv[2] === '--client') await client(process.argv[3]);
else await orchestrate();
