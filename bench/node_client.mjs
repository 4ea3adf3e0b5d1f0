// The lakechain side of the benchmarks, one case per process (so peak RSS is per case), the
// counterpart of bench/anchor.py. Run by bench/run.mjs:
//
//   node bench/node_client.mjs <case> '<json args>'
//
// Same environment as anchor.py (BENCH_HOST, BENCH_TOKEN, BENCH_WAREHOUSE_ID, BENCH_CA_FILE,
// BENCH_CONTROL). Prints one JSON line.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';

const env = process.env;
const caCert = env.BENCH_CA_FILE ? readFileSync(env.BENCH_CA_FILE, 'utf8') : undefined;
const maxRssMb = () => process.resourceUsage().maxRSS / 1024;
const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];

async function counts() {
  return (await fetch(`${env.BENCH_CONTROL}/counts`)).json();
}
const thrift = async () => (await counts()).thrift ?? 0;

async function openDb(schema, extra = {}) {
  const { DatabricksSqlDatabase } = await import('../packages/databricks-sql/dist/index.js');
  return DatabricksSqlDatabase.fromDatabricks({
    host: env.BENCH_HOST,
    token: env.BENCH_TOKEN,
    warehouseId: env.BENCH_WAREHOUSE_ID,
    caCert,
    catalog: 'main',
    schema,
    ...extra,
  });
}

async function caseSchema(args) {
  await import('../packages/databricks-sql/dist/index.js'); // module load outside the timing
  const runs = [];
  if (args.warmup) {
    // Same process, not measured: module load, first TLS connection.
    const w = await openDb(args.warmup, { sampleRowsInTableInfo: 3 });
    await w.getTableInfo();
    await w.close();
  }
  for (let i = 0; i < (args.repeat ?? 1); i++) {
    const before = await thrift();
    const t0 = performance.now();
    const db = await openDb(args.schema, { sampleRowsInTableInfo: 3 });
    const info = await db.getTableInfo();
    const ms = performance.now() - t0;
    const trips = (await thrift()) - before;
    runs.push({ ms, trips, chars: info.length, tables: db.getUsableTableNames().length });
    await db.close();
  }
  return { runs };
}

async function caseQuery(args) {
  // Start-up on its own: import of the package, then connect + session + a first `SELECT 1`.
  let t0 = performance.now();
  await import('../packages/databricks-sql/dist/index.js');
  const importMs = performance.now() - t0;
  t0 = performance.now();
  // maxRows for run(): Infinity would be the Python behaviour (all rows); default is 100.
  const db = await openDb('bench_rows', args.runMaxRows ? { maxRows: args.runMaxRows } : {});
  await db.query('SELECT 1 AS x'); // connect + session outside the measurement
  const connectMs = performance.now() - t0;
  // The harness's own first `fetch` (request counts) loads Node's HTTP client, undici (~16 MB):
  // before the baseline, so the query's memory growth is the query's.
  await counts();
  const baselineRssMb = maxRssMb();
  const once = async () => {
    if (args.mode === 'run') return { chars: (await db.run(args.sql)).length };
    if (args.mode === 'stream') {
      // Rows counted as they stream by, never kept: memory holds one page (`batchRows`).
      const stream = db.stream(args.sql, {
        ...(args.maxRows ? { maxRows: args.maxRows } : {}),
        ...(args.batchRows ? { batchRows: args.batchRows } : {}),
      });
      let rows = 0;
      for await (const _row of stream) rows++;
      return { rows, truncated: stream.truncated };
    }
    const result = await db.query(args.sql, args.maxRows ? { maxRows: args.maxRows } : {});
    return { rows: result.rows.length, truncated: result.truncated };
  };
  // Cold: the first time this process runs the statement (what a fresh process pays).
  const before = await thrift();
  t0 = performance.now();
  const { chars = null, rows = null, truncated = null } = await once();
  const ms = performance.now() - t0;
  const trips = (await thrift()) - before;
  const peakRssMb = maxRssMb();
  // Warm: the median of repeats in the same process (steady state), after `warmSkip` more
  // repeats that are not counted (JIT compilation still shows in the first few).
  const warm = [];
  for (let i = 0; i < (args.warmSkip ?? 0) + (args.warmRepeats ?? 0); i++) {
    t0 = performance.now();
    await once();
    if (i >= (args.warmSkip ?? 0)) warm.push(performance.now() - t0);
  }
  await db.close();
  return {
    ms,
    warmMs: warm.length ? median(warm) : null,
    importMs,
    connectMs,
    trips,
    chars,
    rows,
    truncated,
    peakRssMb,
    baselineRssMb,
  };
}

async function caseLlm(args) {
  const { ChatDatabricks } = await import('../packages/databricks-llm/dist/index.js');
  const iters = args.iterations ?? 100;
  const warm = args.warmup ?? 10;
  const url = `${env.BENCH_HOST}/serving-endpoints/${args.endpoint}/invocations`;
  const headers = {
    Authorization: `Bearer ${env.BENCH_TOKEN}`,
    'Content-Type': 'application/json',
  };
  const body = { messages: [{ role: 'user', content: 'hello' }] };
  // Raw = Node's global fetch; the CA comes from NODE_EXTRA_CA_CERTS (set by run.mjs), so
  // ChatDatabricks runs with its defaults (global fetch), no custom dispatcher on either side.
  const rawFetch = fetch;
  const model = new ChatDatabricks({
    endpoint: args.endpoint,
    host: env.BENCH_HOST,
    token: env.BENCH_TOKEN,
    env: {},
  });
  const rawInvoke = async () => {
    const r = await rawFetch(url, { method: 'POST', headers, body: JSON.stringify(body) });
    return r.json();
  };
  const rawFirstToken = async () => {
    const t0 = performance.now();
    const r = await rawFetch(url, {
      method: 'POST',
      headers: { ...headers, Accept: 'text/event-stream' },
      body: JSON.stringify({ ...body, stream: true }),
    });
    const reader = r.body.getReader();
    const decoder = new TextDecoder();
    let buffer = '';
    let first;
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      buffer += decoder.decode(value, { stream: true });
      if (first === undefined && /"content":"[^"]+"/.test(buffer)) first = performance.now() - t0;
    }
    return first;
  };
  const modelFirstToken = async () => {
    const t0 = performance.now();
    let first;
    for await (const chunk of await model.stream('hello')) {
      if (first === undefined && chunk.content) first = performance.now() - t0;
    }
    return first;
  };
  const timed = async (fn) => {
    for (let i = 0; i < warm; i++) await fn();
    const out = [];
    for (let i = 0; i < iters; i++) {
      const t0 = performance.now();
      await fn();
      out.push(performance.now() - t0);
    }
    return out;
  };
  const res = {};
  res.rawInvoke = median(await timed(rawInvoke));
  res.modelInvoke = median(await timed(() => model.invoke('hello')));
  for (let i = 0; i < warm; i++) {
    await rawFirstToken();
    await modelFirstToken();
  }
  const rt = [];
  const mt = [];
  for (let i = 0; i < iters; i++) {
    rt.push(await rawFirstToken());
    mt.push(await modelFirstToken());
  }
  res.rawTtft = median(rt);
  res.modelTtft = median(mt);
  // n concurrent calls of each kind, `bursts` times in a row: the first burst of a kind is
  // reported apart (cold: it opens the connections the following ones reuse, up to n TLS
  // handshakes), the others as their median (warm). Measured first-only, batch() looked slower
  // than Promise.all(invoke) only because it ran first and paid for the connections.
  const n = args.concurrency ?? 200;
  const bursts = Math.max(2, args.bursts ?? 4);
  const burst = async (call) => {
    const times = [];
    for (let i = 0; i < bursts; i++) {
      const t0 = performance.now();
      await call();
      times.push(performance.now() - t0);
    }
    return { cold: times[0], warm: median(times.slice(1)) };
  };
  const batch = await burst(() =>
    model.batch(
      Array.from({ length: n }, () => 'hello'),
      { maxConcurrency: n },
    ),
  );
  res.batchColdMs = batch.cold;
  res.batchMs = batch.warm;
  const all = await burst(() =>
    Promise.all(Array.from({ length: n }, () => model.invoke('hello'))),
  );
  res.asyncColdMs = all.cold;
  res.asyncMs = all.warm;
  const raw = await burst(() => Promise.all(Array.from({ length: n }, () => rawInvoke())));
  res.rawBurstColdMs = raw.cold;
  res.rawBurstMs = raw.warm;
  res.peakRssMb = maxRssMb();
  return res;
}

async function caseTrace(args) {
  // ESM entry points of the @langchain/core copy mlflow-tracking itself imports (one module
  // instance, so the global handler autolog() installs sees this chain's runs).
  const core = (sub) =>
    import(
      new URL(
        `../packages/mlflow-tracking/node_modules/@langchain/core/dist/${sub}/index.js`,
        import.meta.url,
      )
    );
  const { ChatPromptTemplate } = await core('prompts');
  const { FakeListChatModel } = await core('utils/testing');
  const { StringOutputParser } = await core('output_parsers');
  const { RunnableLambda } = await core('runnables');
  const iters = args.iterations ?? 100;
  const warm = args.warmup ?? 10;
  const prompt = ChatPromptTemplate.fromMessages([
    ['system', 'You are terse.'],
    ['human', '{q}'],
  ]);
  const llm = new FakeListChatModel({ responses: ['ok, three words'] });
  const chain = prompt
    .pipe(llm)
    .pipe(new StringOutputParser())
    .pipe(RunnableLambda.from((s) => s.toUpperCase()));
  const runN = async (n, config) => {
    const out = [];
    for (let i = 0; i < n; i++) {
      const t0 = performance.now();
      await chain.invoke({ q: `hello ${i}` }, config);
      out.push(performance.now() - t0);
    }
    return out;
  };
  await runN(warm);
  const plainMs = median(await runN(iters));
  const { autolog } = await import('../packages/mlflow-tracking/dist/index.js');
  // The equivalent of Python's mlflow.langchain.autolog(): global, no callbacks passed.
  const handler = autolog({
    trackingUri: args.trackingUri,
    experimentName: args.experiment ?? 'bench-node',
  });
  const config = undefined;
  // A flush that does not finish in 60 s is reported, not waited for.
  const flush = () =>
    Promise.race([
      Promise.resolve(handler.flush?.()).then(() => true),
      new Promise((r) => setTimeout(() => r(false), 60_000).unref()),
    ]);
  await runN(warm, config);
  const warmFlushed = await flush();
  const t0 = performance.now();
  const traced = await runN(iters, config);
  const flushed = await flush();
  const totalWithFlushMs = flushed ? performance.now() - t0 : null;
  const exporterStats = handler.exporter?.stats ?? handler.stats ?? null;
  return {
    plainMs,
    tracedMs: median(traced),
    totalWithFlushMs,
    flushed,
    warmFlushed,
    exporterStats,
    iterations: iters,
    traceId: handler.lastTraceId,
    peakRssMb: maxRssMb(),
  };
}

// ---------------------------------------------------------------- lakebase checkpoints
// The same work as anchor.py's case_lakebase: sequential puts and reads of one thread (latency),
// then puts and reads of many threads at once (throughput), on LakebaseCheckpointSaver.
const percentile = (values, p) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((sorted.length * p) / 100))];
};

/** A checkpoint whose `messages` channel holds ten chat messages of 200 characters. */
function benchMessages(step) {
  return Array.from({ length: 10 }, (_, index) => ({
    role: index % 2 ? 'assistant' : 'user',
    content: `${step}:${index} ${'lorem ipsum dolor sit amet '.repeat(8)}`.slice(0, 200),
  }));
}

async function caseLakebase(args) {
  const requireLakebase = createRequire(
    new URL('../packages/lakebase/package.json', import.meta.url),
  );
  const { emptyCheckpoint, uuid6 } = await import(
    requireLakebase.resolve('@langchain/langgraph-checkpoint')
  );
  const { LakebaseCheckpointSaver } = await import('../packages/lakebase/dist/index.js');
  const options = {
    instanceName: env.BENCH_LAKEBASE_INSTANCE,
    // The workspace CA comes from NODE_EXTRA_CA_CERTS (as REQUESTS_CA_BUNDLE for Python): with
    // `caCert`, core would load its own undici for a custom agent, which a real workspace
    // (public certificates) never does, and the cold start would measure that.
    workspace: { host: env.BENCH_HOST, token: env.BENCH_TOKEN, env: {} },
    port: Number(env.BENCH_PG_PORT),
    tls: { ca: readFileSync(env.BENCH_PG_CA_FILE, 'utf8') },
    schema: args.schema,
  };
  // Cold start: construct, look up the instance and identity, mint, connect, read.
  const coldStart = performance.now();
  const saver = new LakebaseCheckpointSaver(options);
  await saver
    .getTuple({ configurable: { thread_id: 'absent', checkpoint_ns: '' } })
    .catch(() => undefined);
  const coldMs = performance.now() - coldStart;
  await saver.setup();

  let version;
  const put = async (config, step) => {
    const checkpoint = { ...emptyCheckpoint(), id: uuid6(step), ts: new Date().toISOString() };
    version = saver.getNextVersion(version);
    checkpoint.channel_values = { messages: benchMessages(step) };
    checkpoint.channel_versions = { messages: version };
    return saver.put(
      config,
      checkpoint,
      { source: 'loop', step, parents: {} },
      { messages: version },
    );
  };
  const threadConfig = (threadId) => ({ configurable: { thread_id: threadId, checkpoint_ns: '' } });

  let config = threadConfig('latency');
  for (let step = 0; step < args.warmup; step++) config = await put(config, step);
  const writeMs = [];
  for (let step = 0; step < args.writes; step++) {
    const started = performance.now();
    config = await put(config, args.warmup + step);
    writeMs.push(performance.now() - started);
  }
  const readMs = [];
  for (let index = 0; index < args.reads; index++) {
    const started = performance.now();
    const tuple = await saver.getTuple(threadConfig('latency'));
    readMs.push(performance.now() - started);
    if (tuple?.checkpoint.channel_values.messages.length !== 10) throw new Error('bad read');
  }

  const threads = Array.from({ length: args.threads }, (_, index) => `throughput-${index}`);
  // Warm-up at full concurrency, not measured: the pool opens all its connections.
  await Promise.all(threads.map((threadId) => saver.getTuple(threadConfig(threadId))));
  const writeStarted = performance.now();
  await Promise.all(
    threads.map(async (threadId) => {
      let current = threadConfig(threadId);
      for (let step = 0; step < args.perThread; step++) current = await put(current, step);
    }),
  );
  const writeSeconds = (performance.now() - writeStarted) / 1000;
  const readStarted = performance.now();
  await Promise.all(
    threads.map(async (threadId) => {
      for (let step = 0; step < args.perThread; step++)
        await saver.getTuple(threadConfig(threadId));
    }),
  );
  const readSeconds = (performance.now() - readStarted) / 1000;
  const minted = saver.lakebasePool.workspace.credentialsMinted;
  await saver.end();
  const total = args.threads * args.perThread;
  return {
    coldMs,
    write: { medianMs: median(writeMs), p95Ms: percentile(writeMs, 95), count: writeMs.length },
    read: { medianMs: median(readMs), p95Ms: percentile(readMs, 95), count: readMs.length },
    writeThroughput: { perSecond: total / writeSeconds, total, threads: args.threads },
    readThroughput: { perSecond: total / readSeconds, total, threads: args.threads },
    credentialsMinted: minted,
    peakRssMb: maxRssMb(),
  };
}

/** HTTP requests of a SQL transport, as the workspace counted them. */
async function transportRequests(transport) {
  const c = await counts();
  return transport === 'rest' ? (c.statements ?? 0) + (c['statement-links'] ?? 0) : (c.thrift ?? 0);
}

async function caseTransport(args) {
  // The same query through DatabricksSqlDatabase, over Thrift or over the Statement Execution API.
  const db = await openDb('bench_rows', { transport: args.transport });
  await db.query('SELECT 1 AS x'); // connect (and, for Thrift, the session) outside the timing
  await counts(); // the harness's first fetch loads undici: before the baseline
  const baselineRssMb = maxRssMb();
  const before = await transportRequests(args.transport);
  const t0 = performance.now();
  const result = await db.query(args.sql, { maxRows: args.maxRows });
  const ms = performance.now() - t0;
  const trips = (await transportRequests(args.transport)) - before;
  await db.close();
  return { ms, trips, rows: result.rows.length, peakRssMb: maxRssMb(), baselineRssMb };
}

async function caseSeaClient(args) {
  // Our Statement Execution client alone: execute, wait, read and decode every chunk.
  const { DatabricksClient, resolveConfig } = await import('../packages/core/dist/index.js');
  const { StatementExecutionClient } = await import('../packages/databricks-sql/dist/index.js');
  const config = await resolveConfig({
    host: env.BENCH_HOST,
    token: env.BENCH_TOKEN,
    caCert,
    env: {},
  });
  const client = new DatabricksClient({ config });
  const api = new StatementExecutionClient({ client, caCert });
  const readAll = async (statement) => {
    const submitted = await api.executeStatement({
      statement,
      warehouse_id: env.BENCH_WAREHOUSE_ID,
      disposition: args.disposition,
      format: args.format,
      wait_timeout: '50s',
    });
    const done = await api.waitForStatement(submitted);
    let rows = 0;
    for await (const chunk of api.chunks(done)) rows += chunk.rows.length;
    return rows;
  };
  await readAll('SELECT 1'); // TLS, auth and module loads outside the timing
  const baselineRssMb = maxRssMb();
  const before = await transportRequests('rest');
  const t0 = performance.now();
  const rows = await readAll(args.sql);
  const ms = performance.now() - t0;
  const trips = (await transportRequests('rest')) - before;
  const peakRssMb = maxRssMb();
  // Warm: the median of repeats in the same process, after `warmSkip` uncounted ones (V8 is still
  // compiling the HTTP stack during the first requests of a process; CPython has no such phase).
  const warm = [];
  for (let i = 0; i < (args.warmSkip ?? 0) + (args.warmRepeats ?? 0); i++) {
    const started = performance.now();
    await readAll(args.sql);
    if (i >= (args.warmSkip ?? 0)) warm.push(performance.now() - started);
  }
  await api.close();
  await client.close();
  return { ms, warmMs: warm.length ? median(warm) : null, trips, rows, peakRssMb, baselineRssMb };
}

// One MCP tool call (`execute_sql_read_only`, `SELECT 1`) on the workspace's managed SQL server,
// through each of our paths, with the MCP requests each call costs (the `mcp-sql` route count).
async function caseMcp(args) {
  const {
    DatabricksMCPServer,
    DatabricksMultiServerMCPClient,
    buildMCPServerConfig,
    createCoreFetch,
  } = await import('../packages/databricks-mcp/dist/index.js');
  const { resolveConfig } = await import('../packages/core/dist/index.js');
  const require = (await import('node:module')).createRequire(
    new URL('../packages/databricks-mcp/package.json', import.meta.url),
  );
  const { Client } = await import(require.resolve('@modelcontextprotocol/sdk/client/index.js'));
  const { StreamableHTTPClientTransport } = await import(
    require.resolve('@modelcontextprotocol/sdk/client/streamableHttp.js')
  );
  const { MultiServerMCPClient } = await import(require.resolve('@langchain/mcp-adapters'));
  const iters = args.iterations ?? 50;
  const warm = args.warmup ?? 5;
  const auth = { host: env.BENCH_HOST, token: env.BENCH_TOKEN, caCert, env: {} };
  const call = { query: 'SELECT 1 AS one' };
  const mcpRequests = async () => (await counts())['mcp-sql'] ?? 0;
  const timed = async (fn) => {
    for (let i = 0; i < warm; i++) await fn();
    const before = await mcpRequests();
    const out = [];
    for (let i = 0; i < iters; i++) {
      const t0 = performance.now();
      await fn();
      out.push(performance.now() - t0);
    }
    return { ms: median(out), requestsPerCall: ((await mcpRequests()) - before) / iters };
  };
  const res = {};
  // Raw: one JSON-RPC tools/call POST with fetch (the stateless server needs no session).
  let id = 0;
  const rawCall = async () => {
    const r = await fetch(`${env.BENCH_HOST}/api/2.0/mcp/sql`, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${env.BENCH_TOKEN}`,
        'content-type': 'application/json',
        accept: 'application/json, text/event-stream',
      },
      body: JSON.stringify({
        jsonrpc: '2.0',
        id: ++id,
        method: 'tools/call',
        params: { name: 'execute_sql_read_only', arguments: call },
      }),
    });
    const body = await r.json();
    if (!body.result) throw new Error(JSON.stringify(body));
  };
  res.raw = await timed(rawCall);
  // The official MCP client on core's transport (one session, reused).
  const core = createCoreFetch(await resolveConfig(auth));
  const client = new Client({ name: 'bench', version: '1' });
  await client.connect(
    new StreamableHTTPClientTransport(new URL(`${env.BENCH_HOST}/api/2.0/mcp/sql`), {
      fetch: core.fetch,
    }),
  );
  res.sdkClient = await timed(() =>
    client.callTool({ name: 'execute_sql_read_only', arguments: call }),
  );
  await client.close();
  await core.close();
  // Loading the tools (connect + initialize + tools/list + conversion), like with like: from a
  // resolved config (Python: from a built WorkspaceClient), the first load in this process, then
  // the median of `loads` more (JIT-compiled code; Python interprets either way), in wall and CPU
  // time, with the HTTP requests of a load; and from scratch (config resolved inside the timer,
  // Python: WorkspaceClient built inside), median of `loads`.
  const loads = args.loads ?? 5;
  const config = await resolveConfig(auth);
  const load = async (make) => {
    const before = await counts();
    const cpu = process.cpuUsage();
    const t0 = performance.now();
    const { client, getTools } = await make();
    const tools = await getTools();
    const ms = performance.now() - t0;
    const used = process.cpuUsage(cpu);
    const after = await counts();
    const requests = Object.keys(after).reduce((n, k) => n + after[k] - (before[k] ?? 0), 0);
    return { ms, cpuMs: (used.user + used.system) / 1000, requests, client, tools };
  };
  const loadStats = async (make) => {
    const runs = [];
    for (let i = 0; i < loads; i++) {
      const run = await load(make);
      await run.client.close();
      runs.push(run);
    }
    return {
      ms: median(runs.map((r) => r.ms)),
      cpuMs: median(runs.map((r) => r.cpuMs)),
      requests: median(runs.map((r) => r.requests)),
    };
  };
  const oursFromConfig = async () => {
    const client = new DatabricksMultiServerMCPClient([DatabricksMCPServer.fromSql({ config })]);
    return { client, getTools: () => client.getTools() };
  };
  // Our LangChain tool through DatabricksMultiServerMCPClient (what an agent calls).
  const first = await load(oursFromConfig);
  res.oursSetupMs = first.ms;
  res.oursSetup = { first: { ms: first.ms, cpuMs: first.cpuMs, requests: first.requests } };
  const tool = first.tools.find((t) => t.name === 'execute_sql_read_only');
  res.oursTool = await timed(() => tool.invoke(call));
  await first.client.close();
  res.oursSetup.repeat = await loadStats(oursFromConfig);
  res.oursSetup.fromScratch = await loadStats(async () => {
    const client = new DatabricksMultiServerMCPClient([DatabricksMCPServer.fromSql(auth)]);
    return { client, getTools: () => client.getTools() };
  });
  // The adapters' MultiServerMCPClient with our connection (OAuthClientProvider, global fetch).
  const adapters = await load(async () => {
    const client = new MultiServerMCPClient({
      mcpServers: await buildMCPServerConfig([DatabricksMCPServer.fromSql({ config })]),
    });
    return { client, getTools: () => client.getTools() };
  });
  res.adaptersSetupMs = adapters.ms;
  const adapterTool = adapters.tools.find((t) => t.name === 'execute_sql_read_only');
  res.adaptersTool = await timed(() => adapterTool.invoke(call));
  await adapters.client.close();
  await config.close?.();
  res.peakRssMb = maxRssMb();
  return res;
}

// Genie end to end: ask() from the question to the rows, split into Genie's own work (the
// message's last update minus its creation) and what polling adds, per poll setting.
async function caseGenie(args) {
  const { GenieClient } = await import('../packages/genie/dist/index.js');
  const questions = args.questions ?? 5;
  const settings = args.settings ?? {
    default: {},
    fast: { pollInitialDelayMs: 50, pollMaxDelayMs: 500 },
  };
  const res = {};
  for (const [name, options] of Object.entries(settings)) {
    const genie = new GenieClient({
      host: env.BENCH_HOST,
      token: env.BENCH_TOKEN,
      caCert,
      env: {},
      ...options,
    });
    await genie.ask('bench', 'Warm up?');
    const runs = [];
    for (let i = 0; i < questions; i++) {
      const answer = await genie.ask('bench', `Orders by region (${i})?`);
      runs.push({
        elapsedMs: answer.stats.elapsedMs,
        workMs: answer.stats.serverElapsedMs,
        polls: answer.stats.polls + answer.stats.resultPolls,
      });
    }
    await genie.close();
    res[name] = {
      options,
      elapsedMs: median(runs.map((r) => r.elapsedMs)),
      workMs: median(runs.map((r) => r.workMs)),
      overheadMs: median(runs.map((r) => r.elapsedMs - r.workMs)),
      requests: median(runs.map((r) => r.polls)) + 1,
    };
  }
  res.peakRssMb = maxRssMb();
  return res;
}

/**
 * DatabricksVectorSearch.similaritySearch against a managed Delta Sync index (the text is sent,
 * the workspace embeds it), k = 5 and 50, against the same request made with Node's fetch.
 */
async function caseVector(args) {
  const { DatabricksVectorSearch } = await import('../packages/vector-search/dist/index.js');
  const iters = args.iterations ?? 100;
  const warm = args.warmup ?? 10;
  const questions = args.questions;
  const columns = ['id', 'title', 'url', 'text'];
  const url = `${env.BENCH_HOST}/api/2.0/vector-search/indexes/${args.index}/query`;
  const headers = {
    Authorization: `Bearer ${env.BENCH_TOKEN}`,
    'Content-Type': 'application/json',
  };
  // Raw: what the store sends, with Node's global fetch (CA from NODE_EXTRA_CA_CERTS).
  const raw = async (query, k) => {
    const response = await fetch(url, {
      method: 'POST',
      headers,
      body: JSON.stringify({ columns, num_results: k, query_text: query }),
    });
    const json = await response.json();
    if (!response.ok) throw new Error(JSON.stringify(json));
    return json.result.data_array.length;
  };
  const t0 = performance.now();
  const store = new DatabricksVectorSearch({
    indexName: args.index,
    host: env.BENCH_HOST,
    token: env.BENCH_TOKEN,
    env: {},
    columns: ['title', 'url'],
    docUri: 'url',
    primaryKey: 'id',
  });
  const first = await store.similaritySearch(questions[0], 5);
  const firstQueryMs = performance.now() - t0;
  const timed = async (fn, k) => {
    for (let i = 0; i < warm; i++) await fn(questions[i % questions.length], k);
    const out = [];
    for (let i = 0; i < iters; i++) {
      const start = performance.now();
      const rows = await fn(questions[i % questions.length], k);
      out.push(performance.now() - start);
      if (rows !== k) throw new Error(`expected ${k} rows, got ${rows}`);
    }
    return median(out);
  };
  const model = async (query, k) => (await store.similaritySearch(query, k)).length;
  const res = { firstQueryMs, firstRows: first.length };
  for (const k of args.ks ?? [5, 50]) {
    res[`raw${k}`] = await timed(raw, k);
    res[`model${k}`] = await timed(model, k);
  }
  await store.close();
  res.peakRssMb = maxRssMb();
  return res;
}

const cases = {
  schema: caseSchema,
  query: caseQuery,
  llm: caseLlm,
  trace: caseTrace,
  lakebase: caseLakebase,
  transport: caseTransport,
  seaClient: caseSeaClient,
  mcp: caseMcp,
  genie: caseGenie,
  vector: caseVector,
};
const [name, raw] = process.argv.slice(2);
let out;
try {
  out = await cases[name](raw ? JSON.parse(raw) : {});
} catch (error) {
  out = {
    error: `${error?.name}: ${error?.message}`.slice(0, 2000),
    stack: String(error?.stack).slice(0, 3000),
  };
}
console.log(JSON.stringify(out));
process.exit(0);
