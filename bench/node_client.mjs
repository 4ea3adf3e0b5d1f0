// The lakechain side of the benchmarks, one case per process (so peak RSS is per case), the
// counterpart of bench/anchor.py. Run by bench/run.mjs:
//
//   node bench/node_client.mjs <case> '<json args>'
//
// Same environment as anchor.py (BENCH_HOST, BENCH_TOKEN, BENCH_WAREHOUSE_ID, BENCH_CA_FILE,
// BENCH_CONTROL). Prints one JSON line.
import { readFileSync } from 'node:fs';

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
  // maxRows for run(): Infinity would be the Python behaviour (all rows); default is 100.
  const db = await openDb('bench_rows', args.runMaxRows ? { maxRows: args.runMaxRows } : {});
  await db.query('SELECT 1 AS x'); // connect + session outside the measurement
  const baselineRssMb = maxRssMb();
  const before = await thrift();
  const t0 = performance.now();
  let chars = null;
  let rows = null;
  let truncated = null;
  if (args.mode === 'run') {
    chars = (await db.run(args.sql)).length;
  } else {
    const result = await db.query(args.sql, args.maxRows ? { maxRows: args.maxRows } : {});
    rows = result.rows.length;
    truncated = result.truncated;
  }
  const ms = performance.now() - t0;
  const trips = (await thrift()) - before;
  await db.close();
  return { ms, trips, chars, rows, truncated, peakRssMb: maxRssMb(), baselineRssMb };
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
  const n = args.concurrency ?? 200;
  let t0 = performance.now();
  await model.batch(
    Array.from({ length: n }, () => 'hello'),
    { maxConcurrency: n },
  );
  res.batchMs = performance.now() - t0;
  t0 = performance.now();
  await Promise.all(Array.from({ length: n }, () => model.invoke('hello')));
  res.asyncMs = performance.now() - t0;
  t0 = performance.now();
  await Promise.all(Array.from({ length: n }, () => rawInvoke()));
  res.rawBurstMs = performance.now() - t0;
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
