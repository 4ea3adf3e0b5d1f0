/**
 * An MLflow server stopped during a run and restarted (the mlflow-tracking package's own server
 * script, same port and store): the chain never notices, and every trace the tracer accepted must
 * be accounted for exactly: on the server once it is back, or counted as dropped with one warning.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server, Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MlflowTracer } from '@lakechain/mlflow-tracking';
import { RunnableLambda } from '@langchain/core/runnables';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type MlflowServer, startMlflowServer } from './mlflow_server.js';

let dataDir: string;
let server: MlflowServer | undefined;

beforeAll(async () => {
  dataDir = mkdtempSync(join(tmpdir(), 'lakechain-rel-mlflow-restart-'));
  server = await startMlflowServer({ dataDir });
}, 180_000);
afterAll(async () => {
  await server?.stop();
  rmSync(dataDir, { recursive: true, force: true });
});

async function storedTraceCount(url: string, experimentName: string): Promise<number> {
  const exp = (await (
    await fetch(`${url}/api/2.0/mlflow/experiments/get-by-name?experiment_name=${experimentName}`)
  ).json()) as {
    experiment: { experiment_id: string };
  };
  let count = 0;
  let token: string | undefined;
  do {
    const query = new URLSearchParams({
      experiment_ids: exp.experiment.experiment_id,
      max_results: '500',
    });
    if (token) query.set('page_token', token);
    const res = await fetch(`${url}/api/2.0/mlflow/traces?${query}`);
    if (!res.ok) throw new Error(`search traces: ${res.status} ${await res.text()}`);
    const body = (await res.json()) as { traces?: unknown[]; next_page_token?: string };
    count += body.traces?.length ?? 0;
    token = body.next_page_token;
  } while (token);
  return count;
}

const chain = RunnableLambda.from((x: string) => `${x}!`).withConfig({ runName: 'Bang' });

async function runTraces(tracer: MlflowTracer, label: string, n: number) {
  for (let i = 0; i < n; i++) {
    expect(await chain.invoke(`${label}${i}`, { callbacks: [tracer] })).toBe(`${label}${i}!`);
  }
}

function tracerFor(url: string, experimentName: string) {
  const accepted: string[] = [];
  const warnings: string[] = [];
  const tracer = new MlflowTracer({
    trackingUri: url,
    experimentName,
    env: {},
    warn: (m) => warnings.push(m),
    onTraceEnd: (trace) => accepted.push(trace.traceIdHex),
  });
  return { tracer, accepted, warnings };
}

describe('MLflow server stopped during a run, then restarted', () => {
  let result: {
    accepted: number;
    stored: number;
    exported: number;
    dropped: number;
    warnings: string[];
    restartMs: number;
  };

  beforeAll(async () => {
    const first = server as MlflowServer;
    const { tracer, accepted, warnings } = tracerFor(first.url, 'restart');
    await runTraces(tracer, 'up', 5);
    await tracer.flush();
    expect(tracer.exporter.stats).toMatchObject({ exported: 5, dropped: 0 });

    await first.stop();
    server = undefined;
    await runTraces(tracer, 'down', 10); // the chain keeps working
    const restartStarted = Date.now();
    const flushing = tracer.flush(); // exporting while the server comes back
    server = await startMlflowServer({ port: first.port, dataDir });
    const restartMs = Date.now() - restartStarted;
    await flushing;
    await runTraces(tracer, 'back', 5);
    await tracer.flush();
    const stats = tracer.exporter.stats;
    result = {
      accepted: accepted.length,
      stored: await storedTraceCount(server.url, 'restart'),
      exported: stats.exported,
      dropped: stats.dropped,
      warnings,
      restartMs,
    };
    console.log(`[mlflow restart] ${JSON.stringify({ ...result, warnings: warnings.length })}`);
  }, 240_000);

  it('accounting is exact: stored == exported, exported + dropped == accepted, one warning', () => {
    expect(result.accepted).toBe(20);
    expect(result.stored).toBe(result.exported);
    expect(result.exported + result.dropped).toBe(result.accepted);
    expect(result.warnings.length).toBeLessThanOrEqual(1);
  });

  // Failed exports wait in the queue and are retried for the exporter's retry window (2 min by
  // default), so a restart of several seconds loses nothing.
  it('every trace accepted while the server was down arrives after the restart', () => {
    expect(result.stored).toBe(result.accepted);
  });
});

/** A TCP front for MLflow that can refuse connections (listener closed) for a while. */
async function startBlipProxy(targetPort: number) {
  let server: Server | undefined;
  let port = 0;
  const listen = () =>
    new Promise<void>((resolve) => {
      server = createServer((client) => {
        const upstream = new Socket();
        const drop = () => {
          client.destroy();
          upstream.destroy();
        };
        client.on('error', drop).on('close', drop);
        upstream.on('error', drop).on('close', drop);
        upstream.connect(targetPort, '127.0.0.1', () => {
          client.pipe(upstream);
          upstream.pipe(client);
        });
      });
      const listening = server;
      listening.listen(port, '127.0.0.1', () => {
        port = (listening.address() as { port: number }).port;
        resolve();
      });
    });
  const close = () =>
    new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
  await listen();
  return {
    get url() {
      return `http://127.0.0.1:${port}`;
    },
    down: close,
    up: listen,
    close,
  };
}

describe('a sub-second outage (connections refused), within the retry window', () => {
  it('every accepted trace arrives, counts compared exactly', async () => {
    const proxy = await startBlipProxy((server as MlflowServer).port);
    const { tracer, accepted } = tracerFor(proxy.url, 'blip');
    await runTraces(tracer, 'up', 3);
    await tracer.flush();
    await proxy.down();
    await runTraces(tracer, 'down', 6);
    const flushing = tracer.flush();
    await new Promise((r) => setTimeout(r, 150));
    await proxy.up();
    await flushing;
    await tracer.flush();
    expect(accepted).toHaveLength(9);
    expect(tracer.exporter.stats).toMatchObject({ exported: 9, dropped: 0 });
    expect(await storedTraceCount((server as MlflowServer).url, 'blip')).toBe(9);
    await proxy.close();
  });
});
