/**
 * Released resources (issue 14, item 3). Creating, using and closing 1,000 times each:
 * - a core config + `DatabricksClient` with `caCert` and OAuth M2M (two connection pools: the
 *   token endpoint's and the API's),
 * - an `MlflowTracer` with its own `TraceExporter` (workspace API and signed-URL storage pools),
 * - two tracers sharing one `TraceExporter`,
 * - an `MlflowCallbackHandler` (run, metrics, records and tables on storage, status FINISHED),
 * all against a local workspace over TLS with its own CA. The heap after a full GC and the open
 * handles and file descriptors of this process must end where a warm-up batch left them.
 *
 * The workspace runs in a child process, so its sockets and stored data stay out of the
 * measurement. Open file descriptors are counted as well as `getActiveResourcesInfo()`, which
 * lists only referenced handles: an idle pooled socket is unreferenced, and a leaked pool shows up
 * only as descriptors.
 */
import { type ChildProcess, fork } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DatabricksClient, resolveConfig } from '@lakechain/core';
import {
  MlflowCallbackHandler,
  MlflowClient,
  MlflowTracer,
  TraceExporter,
} from '@lakechain/mlflow-tracking';
import { RunnableLambda } from '@langchain/core/runnables';
import { afterAll, beforeAll, expect, it } from 'vitest';

const WARM_UP = 100;
const MEASURED = 1_000;
/** Cycles in flight at once: enough to use both cores, few enough to keep the run short. */
const CONCURRENCY = 8;
/**
 * Heap growth allowed over 1,000 measured cycles: 3 KB a cycle, a fraction of one pool; leaving
 * only the core client and config unclosed measured 5.4 MB. The heap after a full GC still moves
 * by up to about 2 MB between measurements (V8's code and feedback caches; one batch grew 2.1 MB,
 * the next shrank 0.7 MB), so two batches are measured and the smaller growth is checked: a leak
 * grows the heap in both, noise rarely in both.
 */
const HEAP_GROWTH_LIMIT = 3 * 1024 * 1024;

interface WorkspaceInfo {
  host: string;
  token: string;
  caCert: string;
  oauth: { clientId: string; clientSecret: string };
}

let child: ChildProcess;
let workspace: WorkspaceInfo;
let dir: string;
let mlflowEnv: Record<string, string>;
let experimentId: string;
const warnings: string[] = [];
const warn = (message: string) => warnings.push(message);
const counts = { traces: 0, exported: 0, dropped: 0 };

function requireGc(): () => void {
  const gc = globalThis.gc;
  if (!gc) {
    throw new Error(
      'global.gc is missing: this test needs --expose-gc, which tests/reliability/vitest.config.ts ' +
        'passes through poolOptions.forks.execArgv (run it with `pnpm test:reliability`).',
    );
  }
  return gc;
}

const nextTask = () => new Promise((resolve) => setImmediate(resolve));

function openDescriptors(): number {
  for (const path of ['/proc/self/fd', '/dev/fd']) {
    try {
      return readdirSync(path).length;
    } catch {
      // not this platform's path
    }
  }
  throw new Error('Cannot count open file descriptors: neither /proc/self/fd nor /dev/fd exists.');
}

/** Resource types that are one open socket, pipe or server each. */
const HANDLE_TYPES = new Set(['TLSWrap', 'TCPSocketWrap', 'TCPWRAP', 'PipeWrap', 'TCPServerWrap']);

async function measure() {
  const gc = requireGc();
  // Sockets destroyed by close() release their descriptors in the next turns of the loop.
  for (let turn = 0; turn < 5; turn++) await nextTask();
  gc();
  await nextTask();
  gc();
  return {
    heapUsed: process.memoryUsage().heapUsed,
    handles: process.getActiveResourcesInfo().filter((type) => HANDLE_TYPES.has(type)).length,
    descriptors: openDescriptors(),
  };
}

const chain = RunnableLambda.from(async (input: { n: number }) => ({
  answer: input.n * 2,
})).withConfig({ runName: 'LeakCheck' });

async function coreCycle(): Promise<void> {
  const config = await resolveConfig({
    host: workspace.host,
    clientId: workspace.oauth.clientId,
    clientSecret: workspace.oauth.clientSecret,
    caCert: workspace.caCert,
    env: {},
    homeDir: dir,
  });
  const client = new DatabricksClient({ config });
  const listed = await client.request<{ endpoints?: unknown[] }>({
    method: 'GET',
    path: '/api/2.0/serving-endpoints',
  });
  expect(listed).toHaveProperty('endpoints');
  await client.close();
  await config.close?.();
}

async function tracerCycle(n: number): Promise<void> {
  const tracer = new MlflowTracer({ env: mlflowEnv, experimentId, warn });
  await chain.invoke({ n }, { callbacks: [tracer] });
  await tracer.close();
  counts.traces += 1;
  counts.exported += tracer.exporter.stats.exported;
  counts.dropped += tracer.exporter.stats.dropped;
}

async function sharedExporterCycle(n: number): Promise<void> {
  await using exporter = new TraceExporter({ env: mlflowEnv, experimentId, warn });
  for (const offset of [0, 1]) {
    const tracer = new MlflowTracer({ exporter });
    await chain.invoke({ n: n + offset }, { callbacks: [tracer] });
    await tracer.close(); // flushes the shared exporter, leaves it open
    counts.traces += 1;
  }
  counts.exported += exporter.stats.exported;
  counts.dropped += exporter.stats.dropped;
}

async function handlerCycle(n: number): Promise<void> {
  const handler = new MlflowCallbackHandler({
    env: mlflowEnv,
    experimentId,
    warn,
    flushIntervalMs: 0,
  });
  await chain.invoke({ n }, { callbacks: [handler] });
  await handler.close();
}

async function runCycles(count: number): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < count) {
      const n = next++;
      await coreCycle();
      await tracerCycle(n);
      await sharedExporterCycle(n);
      await handlerCycle(n);
    }
  };
  await Promise.all(Array.from({ length: CONCURRENCY }, worker));
}

beforeAll(async () => {
  requireGc();
  child = fork(join(import.meta.dirname, 'fixtures', 'workspace_process.mjs'), {
    execArgv: [],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  workspace = await new Promise<WorkspaceInfo>((resolve, reject) => {
    child.once('message', (message) => resolve(message as WorkspaceInfo));
    child.once('exit', (code) =>
      reject(new Error(`The local workspace process exited with code ${code} before starting.`)),
    );
  });
  dir = mkdtempSync(join(tmpdir(), 'lakechain-resources-'));
  const caFile = join(dir, 'ca.pem');
  writeFileSync(caFile, workspace.caCert);
  mlflowEnv = {
    DATABRICKS_HOST: workspace.host,
    DATABRICKS_TOKEN: workspace.token,
    DATABRICKS_CA_CERT_FILE: caFile,
    DATABRICKS_CONFIG_FILE: join(dir, 'none.cfg'),
    HOME: dir,
    MLFLOW_TRACKING_URI: 'databricks',
  };
  await using client = new MlflowClient({ env: mlflowEnv });
  experimentId = await client.getOrCreateExperiment('/Shared/lakechain-resources');
});

afterAll(async () => {
  if (child?.connected) {
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.send('stop');
    await exited;
  }
  if (dir) rmSync(dir, { recursive: true, force: true });
});

it(`creating and closing ${2 * MEASURED} of each client with caCert leaves heap and handles flat`, async () => {
  const start = await measure();
  await runCycles(WARM_UP);
  const warm = await measure();
  await runCycles(MEASURED);
  const middle = await measure();
  await runCycles(MEASURED);
  const end = await measure();
  const growth = Math.min(middle.heapUsed - warm.heapUsed, end.heapUsed - middle.heapUsed);

  const mb = (bytes: number) => (bytes / 1024 / 1024).toFixed(2);
  console.log(
    `[resources] heap after GC: start ${mb(start.heapUsed)} MB, after ${WARM_UP} warm-up cycles ` +
      `${mb(warm.heapUsed)} MB, after ${MEASURED} more ${mb(middle.heapUsed)} MB, after ` +
      `${MEASURED} more ${mb(end.heapUsed)} MB (smaller growth ${(growth / MEASURED).toFixed(0)} ` +
      `bytes a cycle); socket handles ${start.handles} -> ${warm.handles} -> ${end.handles}; ` +
      `descriptors ${start.descriptors} -> ${warm.descriptors} -> ${end.descriptors}`,
  );

  const cycles = WARM_UP + 2 * MEASURED;
  // Every trace was exported (closing loses nothing accepted) and nothing warned.
  expect(counts).toEqual({ traces: 3 * cycles, exported: 3 * cycles, dropped: 0 });
  expect(warnings).toEqual([]);
  expect(growth).toBeLessThan(HEAP_GROWTH_LIMIT);
  // Each pool holds a TLS socket until closed: one leaked pool a cycle would be 1,000 of them.
  expect(end.handles).toBeLessThanOrEqual(warm.handles);
  expect(end.descriptors).toBeLessThanOrEqual(warm.descriptors);
  expect(end.descriptors).toBeLessThanOrEqual(start.descriptors + 2);
}, 900_000);
