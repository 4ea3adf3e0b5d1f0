// Where the time of loading an MCP server's tools goes (`new DatabricksMultiServerMCPClient(...)`
// + `getTools()`), step by step, against the bench's workspace (bench/workspace.mjs), in wall time
// and in this process's CPU time (steadier on a shared machine), with the HTTP requests each step
// costs (the workspace's route counts).
//
//   node packages/databricks-mcp/bench/setup_profile.mjs   (BENCH_HOST, BENCH_TOKEN, BENCH_CA_FILE,
//                                                           BENCH_CONTROL as bench/run.mjs sets them)
//   BENCH_ROUNDS=5 (clients per process)  BENCH_PRELUDE=1 (first run the bench's raw + SDK client
//   paths, as bench/node_client.mjs does before timing ours)
import { readdirSync, readFileSync } from 'node:fs';

const env = process.env;
const caCert = env.BENCH_CA_FILE ? readFileSync(env.BENCH_CA_FILE, 'utf8') : undefined;
const rounds = Number(env.BENCH_ROUNDS ?? 5);
const auth = { host: env.BENCH_HOST, token: env.BENCH_TOKEN, caCert, env: {} };

// BENCH_MCP_MODULE: another build of the package to compare (e.g. the one before a change).
const { DatabricksMCPServer, DatabricksMultiServerMCPClient, createCoreFetch } = await import(
  env.BENCH_MCP_MODULE ?? '../dist/index.js'
);
const { resolveConfig } = await import('@lakechain/core');
const { Client } = await import('@modelcontextprotocol/sdk/client/index.js');
const { StreamableHTTPClientTransport } = await import(
  '@modelcontextprotocol/sdk/client/streamableHttp.js'
);
const { loadMcpTools } = await import('@langchain/mcp-adapters');

// The control server is plain HTTP on loopback; node:http keeps undici (what `fetch` loads) out of
// the measurement.
const { request } = await import('node:http');
const counts = () =>
  new Promise((resolve, reject) => {
    request(`${env.BENCH_CONTROL}/counts`, (res) => {
      let body = '';
      res.on('data', (chunk) => {
        body += chunk;
      });
      res.on('end', () => resolve(JSON.parse(body)));
    })
      .on('error', reject)
      .end();
  });
const total = (c) => Object.values(c).reduce((a, b) => a + b, 0);

const round = (value) => Number(value.toFixed(2));

/** CPU ns per thread kind (Linux: /proc/self/task/<tid>/schedstat and comm), e.g. main vs V8 workers. */
function threadCpu() {
  const byName = {};
  try {
    for (const tid of readdirSync('/proc/self/task')) {
      try {
        const ns = Number(readFileSync(`/proc/self/task/${tid}/schedstat`, 'utf8').split(' ')[0]);
        const name =
          String(process.pid) === tid
            ? 'main'
            : readFileSync(`/proc/self/task/${tid}/comm`, 'utf8').trim();
        byName[name] = (byName[name] ?? 0) + ns;
      } catch {
        // the thread ended meanwhile
      }
    }
  } catch {
    // not Linux
  }
  return byName;
}
async function step(out, name, fn) {
  const threads = threadCpu();
  const cpu = process.cpuUsage();
  // Monotonic µs, the clock of `--cpu-prof` samples: a profile can be cut to one step.
  const startUs = Number(process.hrtime.bigint() / 1000n);
  const t0 = performance.now();
  const value = await fn();
  const wall = performance.now() - t0;
  const used = process.cpuUsage(cpu);
  const endUs = Number(process.hrtime.bigint() / 1000n);
  const threadsAfter = threadCpu();
  const byThread = {};
  for (const [thread, ns] of Object.entries(threadsAfter)) {
    const spent = (ns - (threads[thread] ?? 0)) / 1e6;
    if (spent >= 0.05) byThread[thread] = round(spent);
  }
  out[name] = {
    wallMs: round(wall),
    cpuMs: round((used.user + used.system) / 1000),
    threadsMs: byThread,
  };
  if (env.BENCH_MARKS === '1') out[name].us = [startUs, endUs];
  return value;
}

if (env.BENCH_PRELUDE === '1') {
  // What node_client.mjs's mcp case runs before it times ours: global fetch, then the SDK client
  // on createCoreFetch (which builds core's secure context for the CA).
  await fetch(`${env.BENCH_HOST}/api/2.0/mcp/sql`, { method: 'GET' }).catch(() => undefined);
  const core = createCoreFetch(await resolveConfig(auth));
  const client = new Client({ name: 'bench', version: '1' });
  await client.connect(
    new StreamableHTTPClientTransport(new URL(`${env.BENCH_HOST}/api/2.0/mcp/sql`), {
      fetch: core.fetch,
    }),
  );
  // BENCH_PRELUDE_CALLS: tool calls on that session, as the bench's per-call rows make (55).
  for (let i = 0; i < Number(env.BENCH_PRELUDE_CALLS ?? 0); i++)
    await client.callTool({
      name: 'execute_sql_read_only',
      arguments: { query: 'SELECT 1 AS one' },
    });
  // BENCH_PRELUDE_LIST=1: a tools/list too, so its result schema (zod) is compiled before.
  if (env.BENCH_PRELUDE_LIST === '1') await client.listTools();
  await client.close();
  await core.close();
}

async function wholeRound() {
  // The whole thing, as the bench times it.
  const before = await counts();
  const whole = {};
  const ours = await step(whole, 'getTools', async () => {
    const client = new DatabricksMultiServerMCPClient([DatabricksMCPServer.fromSql(auth)]);
    await client.getTools();
    return client;
  });
  const after = await counts();
  whole.requests = total(after) - total(before);
  whole.mcpRequests = (after['mcp-sql'] ?? 0) - (before['mcp-sql'] ?? 0);
  await ours.close();

  return whole;
}

async function stepsRound() {
  // The same steps one by one.
  const before = await counts();
  const steps = {};
  const server = DatabricksMCPServer.fromSql(auth);
  await step(steps, 'config', () => server.config());
  // Core's transport (its undici Agent is created on the first request) and the SDK's.
  const transport = await step(steps, 'createTransport', () => server.createTransport());
  // The SDK's default Client (it builds an Ajv validator; the package's client builds it lazily).
  const client = await step(
    steps,
    'newClient',
    async () => new Client({ name: 'lakechain-databricks-mcp', version: '0' }),
  );
  // initialize (the first request: TLS handshake) + notifications/initialized (+ the GET stream).
  await step(steps, 'initialize', () => client.connect(transport.transport));
  const listed = await step(steps, 'toolsList', () => client.listTools());
  // The conversion alone: loadMcpTools over a client that answers tools/list from memory.
  const cached = { listTools: async () => listed };
  const tools = await step(steps, 'convert', () =>
    loadMcpTools('databricks-sql', cached, { throwOnLoadError: true }),
  );
  const afterSteps = await counts();
  steps.requests = total(afterSteps) - total(before);
  steps.tools = tools.length;
  await client.close();
  await transport.close();
  await server.close();
  return steps;
}

const results = [];
for (let i = 0; i < rounds; i++) {
  // BENCH_STEPS_FIRST=1: the steps on their own first, so round 1 shows each step's first use.
  if (env.BENCH_STEPS_FIRST === '1') {
    const steps = await stepsRound();
    results.push({ round: i + 1, steps, whole: await wholeRound() });
  } else {
    const whole = await wholeRound();
    results.push({ round: i + 1, whole, steps: await stepsRound() });
  }
}
console.log(JSON.stringify({ prelude: env.BENCH_PRELUDE === '1', results }, null, 1));
