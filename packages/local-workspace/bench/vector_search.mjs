// Benchmark of the local Vector Search through its REST API (HTTPS on loopback, JSON, as any
// client sees it), for Direct Access indexes of 10 000 and 100 000 vectors of 384 dimensions
// (the size of small sentence-embedding models), with each nearest-neighbour engine:
//   - upsert throughput (upsert-data in requests of 1000 rows),
//   - query latency: ANN k = 10, ANN with a filter keeping 1% of the rows, HYBRID k = 10,
//   - recall@10 of HNSW against the exact scan (same queries),
//   - memory: RSS growth of the process after the upserts (the workspace runs in-process; each
//     engine and size is measured in a fresh child process, so nothing of an earlier run remains).
// Vectors are like sentence embeddings (clusters in a low-dimension latent space mapped into 384
// dimensions, a little noise, normalised), from a seeded generator.
// Usage: pnpm --filter @lakechain/local-workspace bench:vector  (after pnpm build)
//   BENCH_VECTOR_SIZES=10000,100000 BENCH_VECTOR_DIMENSION=384 BENCH_VECTOR_QUERIES=200
import { spawnSync } from 'node:child_process';
import { Agent, request } from 'node:https';
import os from 'node:os';
import { fileURLToPath } from 'node:url';
import { startLocalWorkspace } from '../dist/index.js';

const SIZES = (process.env.BENCH_VECTOR_SIZES ?? '10000,100000').split(',').map(Number);
const DIMENSION = Number(process.env.BENCH_VECTOR_DIMENSION ?? 384);
const QUERIES = Number(process.env.BENCH_VECTOR_QUERIES ?? 200);
const ENGINES = (process.env.BENCH_VECTOR_ENGINES ?? 'hnsw,exact').split(',');
const BATCH = 1000;

/** mulberry32: a small seeded PRNG, so every run indexes the same vectors. */
function random(seed) {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let value = state;
    value = Math.imul(value ^ (value >>> 15), value | 1);
    value ^= value + Math.imul(value ^ (value >>> 7), value | 61);
    return ((value ^ (value >>> 14)) >>> 0) / 4294967296;
  };
}

function gaussian(next) {
  return Math.sqrt(-2 * Math.log(1 - next())) * Math.cos(2 * Math.PI * next());
}

function normalise(vector) {
  const norm = Math.hypot(...vector) || 1;
  return vector.map((value) => value / norm);
}

/**
 * Points like sentence embeddings: low intrinsic dimension (a 24-dimension latent space with 100
 * cluster centres, mapped into DIMENSION dimensions by one random matrix), a little isotropic
 * noise, normalised. (Isotropic noise in all 384 dimensions would make every point almost
 * equidistant from every other, which no embedding model produces and no ANN index can rank.)
 */
const LATENT = 24;
const projection = (() => {
  const next = random(1);
  return Array.from({ length: DIMENSION }, () =>
    Array.from({ length: LATENT }, () => gaussian(next)),
  );
})();
const centres = (() => {
  const next = random(2);
  return Array.from({ length: 100 }, () =>
    Array.from({ length: LATENT }, () => 2 * gaussian(next)),
  );
})();

function dataset(seed) {
  const next = random(seed);
  const point = () => {
    const centre = centres[Math.floor(next() * centres.length)];
    const latent = centre.map((value) => value + gaussian(next));
    return normalise(
      projection.map(
        (row) =>
          row.reduce((sum, weight, position) => sum + weight * latent[position], 0) +
          0.05 * gaussian(next),
      ),
    );
  };
  return { point, next };
}

const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];
const percentile = (values, p) =>
  [...values].sort((a, b) => a - b)[Math.min(values.length - 1, Math.floor(values.length * p))];
const mb = (bytes) => Math.round(bytes / 1024 / 1024);
const rss = () => {
  globalThis.gc?.();
  return process.memoryUsage().rss;
};

async function measure(engine, size) {
  const workspace = await startLocalWorkspace({
    catalog: { samples: false },
    vectorSearch: { ann: engine, endpoints: [{ name: 'bench' }] },
  });
  // One keep-alive connection trusting the workspace's CA, like a client's connection pool.
  const agent = new Agent({ ca: workspace.caCert, keepAlive: true, maxSockets: 1 });
  const call = (path, body) =>
    new Promise((resolve, reject) => {
      const payload = JSON.stringify(body);
      const outgoing = request(
        `${workspace.host}${path}`,
        {
          method: 'POST',
          agent,
          headers: {
            authorization: `Bearer ${workspace.token}`,
            'content-type': 'application/json',
            'content-length': Buffer.byteLength(payload),
          },
        },
        (response) => {
          const chunks = [];
          response.on('data', (chunk) => chunks.push(chunk));
          response.on('end', () => {
            const json = JSON.parse(Buffer.concat(chunks).toString('utf8'));
            if (response.statusCode !== 200)
              reject(new Error(`${path}: ${response.statusCode} ${JSON.stringify(json)}`));
            else resolve(json);
          });
        },
      );
      outgoing.on('error', reject);
      outgoing.end(payload);
    });
  try {
    const index = 'main.default.bench_vectors';
    await call('/api/2.0/vector-search/indexes', {
      name: index,
      endpoint_name: 'bench',
      primary_key: 'id',
      index_type: 'DIRECT_ACCESS',
      direct_access_index_spec: {
        embedding_vector_columns: [{ name: 'vector', embedding_dimension: DIMENSION }],
        schema_json: JSON.stringify({
          id: 'long',
          text: 'string',
          bucket: 'integer',
          vector: 'array<float>',
        }),
      },
    });
    const { point } = dataset(7);
    const baseline = rss();
    let upsertMs = 0;
    let peak = baseline;
    for (let start = 0; start < size; start += BATCH) {
      const rows = [];
      for (let id = start; id < Math.min(size, start + BATCH); id++)
        rows.push({ id, text: `note ${id} topic t${id % 100}`, bucket: id % 100, vector: point() });
      const body = { inputs_json: JSON.stringify(rows) };
      const t0 = performance.now();
      const result = await call(`/api/2.0/vector-search/indexes/${index}/upsert-data`, body);
      upsertMs += performance.now() - t0;
      if (result.result.success_row_count !== rows.length) throw new Error('upsert failed');
      peak = Math.max(peak, process.memoryUsage().rss);
    }
    const afterUpsert = rss();
    const queries = dataset(99);
    const vectors = Array.from({ length: QUERIES }, () => queries.point());
    const timed = async (body) => {
      const times = [];
      const results = [];
      for (const vector of vectors) {
        const t0 = performance.now();
        const result = await call(`/api/2.0/vector-search/indexes/${index}/query`, {
          columns: ['id'],
          num_results: 10,
          query_vector: vector,
          ...body,
        });
        times.push(performance.now() - t0);
        results.push(result.result.data_array.map((row) => row[0]));
      }
      return { medianMs: median(times), p95Ms: percentile(times, 0.95), results };
    };
    // Warm-up (JIT, TLS, the first HNSW searches).
    for (const vector of vectors.slice(0, 20))
      await call(`/api/2.0/vector-search/indexes/${index}/query`, {
        columns: ['id'],
        num_results: 10,
        query_vector: vector,
      });
    const ann = await timed({});
    const filtered = await timed({ filters_json: JSON.stringify({ bucket: 7 }) });
    const hybrid = await timed({ query_text: 'topic t7 note', query_type: 'HYBRID' });
    return {
      engine: workspace.vectorSearch.annEngine,
      size,
      upsertRowsPerSecond: Math.round(size / (upsertMs / 1000)),
      upsertSeconds: upsertMs / 1000,
      rssGrowthMb: mb(afterUpsert - baseline),
      peakRssMb: mb(peak),
      ann,
      filtered,
      hybrid,
    };
  } finally {
    agent.destroy();
    await workspace.stop();
  }
}

if (process.argv[2] === '--one') {
  // A child: one engine, one size; prints its result as JSON.
  const result = await measure(process.argv[3], Number(process.argv[4]));
  process.stdout.write(`${JSON.stringify(result)}\n`);
  process.exit(0);
}

const report = {
  date: new Date().toISOString(),
  machine: `${os.cpus().length} cores, ${os.cpus()[0]?.model}, load ${os
    .loadavg()
    .map((value) => value.toFixed(1))
    .join(' ')}`,
  node: process.version,
  dimension: DIMENSION,
  queries: QUERIES,
  results: [],
};
for (const size of SIZES) {
  const bySize = {};
  for (const engine of ENGINES) {
    process.stderr.write(`[bench] ${engine} ${size} vectors...\n`);
    const child = spawnSync(
      process.execPath,
      ['--expose-gc', fileURLToPath(import.meta.url), '--one', engine, String(size)],
      { encoding: 'utf8', maxBuffer: 256 * 1024 * 1024, stdio: ['ignore', 'pipe', 'inherit'] },
    );
    if (child.status !== 0) throw new Error(`${engine} ${size}: exit ${child.status}`);
    bySize[engine] = JSON.parse(child.stdout.trim().split('\n').at(-1));
  }
  // HNSW recall@10 against the exact scan, on the same queries.
  if (bySize.hnsw && bySize.exact && bySize.hnsw.engine === 'hnsw') {
    const recall = (approximate, exact) =>
      approximate.results.reduce((sum, found, position) => {
        const truth = new Set(exact.results[position]);
        return sum + found.filter((id) => truth.has(id)).length / truth.size;
      }, 0) / approximate.results.length;
    bySize.hnsw.recallAt10 = recall(bySize.hnsw.ann, bySize.exact.ann);
    bySize.hnsw.filteredRecallAt10 = recall(bySize.hnsw.filtered, bySize.exact.filtered);
  }
  for (const result of Object.values(bySize)) {
    for (const key of ['ann', 'filtered', 'hybrid']) delete result[key].results;
    report.results.push(result);
  }
}
report.loadAtEnd = os.loadavg().map((value) => Number(value.toFixed(1)));
console.log(JSON.stringify(report, null, 2));
const ms = (value) => `${value.toFixed(1)} ms`;
console.log(
  '\n| vectors | engine | upsert | RSS growth | ANN k=10 (median / p95) | ANN, filter keeps 1% | HYBRID k=10 | HNSW recall@10 |',
);
console.log('|---:|---|---:|---:|---:|---:|---:|---:|');
for (const result of report.results)
  console.log(
    `| ${result.size.toLocaleString('en-US')} | ${result.engine} | ${result.upsertRowsPerSecond.toLocaleString('en-US')} rows/s | ${result.rssGrowthMb} MB | ${ms(result.ann.medianMs)} / ${ms(result.ann.p95Ms)} | ${ms(result.filtered.medianMs)} | ${ms(result.hybrid.medianMs)} | ${result.recallAt10 === undefined ? '–' : `${result.recallAt10.toFixed(3)} (filtered ${result.filteredRecallAt10.toFixed(3)})`} |`,
  );
