#!/usr/bin/env node
// Benchmark (not a test): tracer overhead on the critical path, and export throughput against a
// real MLflow server started with scripts/mlflow-server.mjs. Run `pnpm build` first.
//   node bench/run.mjs [--spans=20000] [--traces=200] [--spans-per-trace=10]
import { BaseCallbackHandler } from '@langchain/core/callbacks/base';
import { RunnableLambda } from '@langchain/core/runnables';
import { MlflowTracer, TraceExporter } from '../dist/index.js';
import { startMlflowServer } from '../scripts/mlflow-server.mjs';

const arg = (name, def) =>
  Number(process.argv.find((a) => a.startsWith(`--${name}=`))?.split('=')[1] ?? def);
const SPANS = arg('spans', 20000);
const TRACES = arg('traces', 200);
const PER_TRACE = arg('spans-per-trace', 10);

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const pct = (xs, p) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length * p)];

// 1. Critical path: start+end of one child span, handler code only (what a user pays per run).
{
  const sink = { enqueue() {}, flush: async () => {}, shutdown: async () => {} };
  const tracer = new MlflowTracer({ exporter: sink });
  const serialized = { lc: 1, type: 'not_implemented', id: ['bench', 'Step'] };
  const inputs = { question: 'What is the capital of France?', context: 'x'.repeat(200) };
  let id = 0;
  const samples = [];
  for (let round = 0; round < 5; round++) {
    const root = `root-${round}`;
    tracer.handleChainStart(serialized, inputs, root, undefined, [], {}, 'chain', 'Root');
    for (let i = 0; i < SPANS / 5; i++) {
      const runId = `r${id++}`;
      const t0 = process.hrtime.bigint();
      tracer.handleChainStart(serialized, inputs, runId, root, [], {}, 'chain', 'Step');
      tracer.handleChainEnd({ answer: 'Paris' }, runId);
      samples.push(Number(process.hrtime.bigint() - t0) / 1000);
    }
    tracer.handleChainEnd({ ok: true }, root);
  }
  const warm = samples.slice(samples.length / 5);
  console.log(
    `tracer handler cost per span: median ${median(warm).toFixed(2)} µs, p99 ${pct(warm, 0.99).toFixed(2)} µs (${warm.length} spans)`,
  );

  // End to end through LangChain's callback manager: invoke with vs without the tracer.
  const step = RunnableLambda.from((x) => x + 1);
  const time = async (config) => {
    const xs = [];
    for (let i = 0; i < 3000; i++) {
      const t0 = process.hrtime.bigint();
      await step.invoke(i, config);
      xs.push(Number(process.hrtime.bigint() - t0) / 1000);
    }
    return median(xs.slice(500));
  };
  // A handler that does nothing isolates LangChain's own dispatch cost from ours.
  class Noop extends BaseCallbackHandler {
    name = 'noop';
    awaitHandlers = true;
    handleChainStart() {}
    handleChainEnd() {}
  }
  const base = await time({});
  const noop = await time({ callbacks: [new Noop()] });
  const traced = await time({ callbacks: [tracer] });
  console.log(
    `RunnableLambda.invoke median: ${base.toFixed(1)} µs no callbacks, ${noop.toFixed(1)} µs no-op handler, ${traced.toFixed(1)} µs MlflowTracer ` +
      `(tracer's own share per root span: ${(traced - noop).toFixed(1)} µs)`,
  );
}

// 2. Export throughput against a real server.
{
  const server = await startMlflowServer();
  let requests = 0;
  const countingFetch = (input, init) => {
    requests++;
    return fetch(input, init);
  };
  try {
    // OTLP into the tracking store (the default on open-source MLflow), then the artifact protocol.
    for (const spanTransport of ['auto', 'artifact']) {
      const exporter = new TraceExporter({
        trackingUri: server.url,
        experimentName: `bench-${spanTransport}`,
        env: {},
        fetch: countingFetch,
        batchSize: arg('batch', 4),
        spanTransport,
      });
      await exporter.experimentId();
      requests = 0;
      const tracer = new MlflowTracer({ exporter });
      const serialized = { lc: 1, type: 'not_implemented', id: ['bench', 'Step'] };
      const t0 = performance.now();
      let id = 0;
      for (let t = 0; t < TRACES; t++) {
        const root = `t${t}`;
        tracer.handleChainStart(serialized, { t }, root, undefined, [], {}, 'chain', 'Root');
        for (let s = 1; s < PER_TRACE; s++) {
          const runId = `s${id++}`;
          tracer.handleChainStart(serialized, { s }, runId, root, [], {}, 'chain', 'Step');
          tracer.handleChainEnd({ out: s }, runId);
        }
        tracer.handleChainEnd({ done: true }, root);
      }
      await exporter.flush();
      const seconds = (performance.now() - t0) / 1000;
      const spans = TRACES * PER_TRACE;
      console.log(
        `export (${spanTransport === 'auto' ? 'OTLP' : 'traces.json'}): ${TRACES} traces × ${PER_TRACE} spans in ${seconds.toFixed(2)} s = ${(spans / seconds).toFixed(0)} spans/s, ` +
          `${(TRACES / seconds).toFixed(1)} traces/s, ${((requests / spans) * 1000).toFixed(0)} requests per 1000 spans; stats ${JSON.stringify(exporter.stats)}`,
      );
    }
  } finally {
    await server.stop();
  }
}
