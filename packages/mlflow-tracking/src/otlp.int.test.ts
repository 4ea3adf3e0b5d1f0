/**
 * How spans reach an open-source server: over OTLP (`/v1/traces`, stored in MLflow's database)
 * by default, as the `traces.json` artifact on request, and as the artifact after a server shows
 * it has no OTLP ingestion (older MLflow, FileStore). Read back with MLflow's REST API and with
 * MLflow's own Python client.
 */
import { RunnableLambda } from '@langchain/core/runnables';
import { describe, expect, inject, it } from 'vitest';
import { MlflowTracer } from './index.js';
import { readTrace, readWithPython, treeOf } from './testing/read_back.js';

const url = inject('mlflowUrl');

const inner = RunnableLambda.from(async (x: { n: number }) => ({
  n: x.n + 1,
  big: 12_345_678_901,
  ratio: 0.25,
  nested: { list: [1, 'two', null, true] },
})).withConfig({ runName: 'inner' });
const outer = RunnableLambda.from(async (x: { n: number }) => inner.invoke(x)).withConfig({
  runName: 'outer',
});

async function traceOnce(tracer: MlflowTracer) {
  await outer.invoke({ n: 1 }, { callbacks: [tracer] });
  await tracer.flush();
  expect(tracer.exporter.stats).toMatchObject({ dropped: 0, queued: 0 });
  const id = tracer.lastTraceId;
  if (!id) throw new Error('no trace');
  return { id, trace: await readTrace(url, id) };
}

function expectSameSpans(trace: Awaited<ReturnType<typeof readTrace>>) {
  expect(treeOf(trace.spans)).toEqual({ outer: null, inner: 'outer' });
  const span = trace.spans.find((s) => s.name === 'inner');
  expect(JSON.parse(span?.attributes['mlflow.spanOutputs'] ?? 'null')).toEqual({
    n: 2,
    big: 12_345_678_901,
    ratio: 0.25,
    nested: { list: [1, 'two', null, true] },
  });
  expect(JSON.parse(span?.attributes['mlflow.spanType'] ?? 'null')).toBe('CHAIN');
}

describe('span transport', () => {
  it('default: spans go over OTLP into the tracking store; no traces.json is needed', async () => {
    const requests: string[] = [];
    const tracer = new MlflowTracer({
      trackingUri: url,
      experimentName: `otlp-${Date.now()}`,
      env: {},
      fetch: (input, init) => {
        requests.push(`${init?.method ?? 'GET'} ${new URL(String(input)).pathname}`);
        return fetch(input, init);
      },
    });
    const { id, trace } = await traceOnce(tracer);
    expect(trace.info.tags['mlflow.trace.spansLocation']).toBe('TRACKING_STORE');
    expectSameSpans(trace);
    expect(requests.filter((r) => !r.includes('/experiments/'))).toEqual([
      'POST /v1/traces',
      'POST /api/3.0/mlflow/traces',
    ]);
    // MLflow's Python client reads the same spans from the store.
    const python = await readWithPython(url, id);
    expect(python.spans.map((s) => [s.name, s.span_type, s.parent])).toEqual([
      ['outer', 'CHAIN', null],
      ['inner', 'CHAIN', 'outer'],
    ]);
  });

  it("spanTransport: 'artifact' uploads traces.json instead", async () => {
    const tracer = new MlflowTracer({
      trackingUri: url,
      experimentName: `artifact-${Date.now()}`,
      env: {},
      spanTransport: 'artifact',
    });
    const { trace } = await traceOnce(tracer);
    expect(trace.info.tags['mlflow.trace.spansLocation']).toBeUndefined();
    expectSameSpans(trace);
  });

  it('a server without OTLP ingestion (404) gets traces.json, and is asked only once', async () => {
    let otlpCalls = 0;
    const tracer = new MlflowTracer({
      trackingUri: url,
      experimentName: `no-otlp-${Date.now()}`,
      env: {},
      // An MLflow < 3.4 answers the unknown route with its 404 page.
      fetch: async (input, init) => {
        if (new URL(String(input)).pathname === '/v1/traces') {
          otlpCalls++;
          return new Response('<!doctype html><title>404 Not Found</title>', {
            status: 404,
            headers: { 'content-type': 'text/html' },
          });
        }
        return fetch(input, init);
      },
    });
    const first = await traceOnce(tracer);
    expect(first.trace.info.tags['mlflow.trace.spansLocation']).toBeUndefined();
    expectSameSpans(first.trace);
    const second = await traceOnce(tracer);
    expectSameSpans(second.trace);
    expect(otlpCalls).toBe(1);
  });
});
