/**
 * Load: 1,000 chain invocations at concurrency 50 against the local workspace with ~5% injected
 * faults (seeded). No unhandled rejection, no leaked sockets, no leaked warehouse sessions, every
 * invocation either answers correctly or fails with a typed error; RSS start/end reported.
 */
import { LakechainError } from '@lakechain/core';
import { ChatDatabricks, DatabricksServingError } from '@lakechain/databricks-llm';
import { DatabricksSqlDatabase, DatabricksSqlError } from '@lakechain/databricks-sql';
import { type LocalWorkspace, startLocalWorkspace } from '@lakechain/local-workspace';
import { StringOutputParser } from '@langchain/core/output_parsers';
import { ChatPromptTemplate } from '@langchain/core/prompts';
import { RunnableLambda } from '@langchain/core/runnables';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { CHAT, countingEngine, sleep, startWorkspace } from './helpers.js';

const INVOCATIONS = 1_000;
const CONCURRENCY = 50;

const SOCKET_TYPES = new Set(['TCPSocketWrap', 'TLSWrap', 'TCPWRAP', 'PipeWrap']);
const sockets = () =>
  process.getActiveResourcesInfo().filter((type) => SOCKET_TYPES.has(type)).length;
const mb = (bytes: number) => Math.round(bytes / 1024 / 1024);

let engineHost: LocalWorkspace;
let ws: LocalWorkspace;
let engineStats: { opened: number; closed: number };
const unhandled: unknown[] = [];
const onUnhandled = (reason: unknown) => unhandled.push(reason);

beforeAll(async () => {
  process.on('unhandledRejection', onUnhandled);
  // The DuckDB engine of a bare workspace, wrapped to count engine sessions (one per warehouse
  // session), serves the workspace under test.
  engineHost = await startLocalWorkspace({ samples: false });
  const counting = countingEngine(engineHost.engine);
  engineStats = counting.stats;
  ws = await startWorkspace({ engine: { ...counting.engine, close: async () => undefined } });
});

afterAll(async () => {
  process.off('unhandledRejection', onUnhandled);
  await ws?.stop();
  await engineHost?.stop();
});

// Its own timeout: 1,000 invocations take about a minute on an idle 2-core machine and several
// times that on a loaded one; the test measures failures and leaks, never speed.
it(`${INVOCATIONS} chain invocations at concurrency ${CONCURRENCY} with ~5% faults`, {
  timeout: 900_000,
}, async () => {
  const baselineSockets = sockets();
  global.gc?.();
  const rssStart = process.memoryUsage().rss;
  const heapStart = process.memoryUsage().heapUsed;

  const auth = { host: ws.host, token: ws.token, caCert: ws.caCert, env: {} };
  const db = await DatabricksSqlDatabase.fromDatabricks({
    ...auth,
    httpPath: ws.httpPath,
    catalog: 'main',
    schema: 'default',
  } as never);
  const llm = new ChatDatabricks({ endpoint: CHAT, maxRetries: 4, ...auth } as never);
  const chain = ChatPromptTemplate.fromMessages([['human', 'item {n}']])
    .pipe(llm)
    .pipe(new StringOutputParser())
    .pipe(
      RunnableLambda.from(async (text: string) => {
        const n = Number(/item (\d+)/.exec(text)?.[1]);
        // One invocation in four also queries the warehouse (one shared session, as in an app).
        if (n % 4 !== 0) return { text, row: { n, twice: 2 * n } };
        const rows = JSON.parse(await db.run(`SELECT ${n} AS n, ${n} * 2 AS twice`)) as {
          n: number;
          twice: number;
        }[];
        return { text, row: rows[0] };
      }),
    );

  ws.faults.resetCounts();
  ws.faults.setRules([
    { route: 'serving-invocations', rate429: 0.02, retryAfterSeconds: 0 },
    { route: 'serving-invocations', rate503: 0.02, retryAfterSeconds: 0 },
    { route: 'serving-invocations', resetRate: 0.01 },
    { route: 'thrift', rate503: 0.03, retryAfterSeconds: 0 },
    { route: 'thrift', resetRate: 0.01 },
  ]);

  const started = Date.now();
  const outcomes: ({ ok: true } | { ok: false; error: unknown })[] = new Array(INVOCATIONS);
  let next = 0;
  const worker = async () => {
    while (next < INVOCATIONS) {
      const n = next++;
      try {
        const out = await chain.invoke({ n });
        expect(out.text).toContain(`item ${n}`);
        expect(out.row).toEqual({ n, twice: 2 * n });
        outcomes[n] = { ok: true };
      } catch (error) {
        outcomes[n] = { ok: false, error };
      }
    }
  };
  await Promise.all(Array.from({ length: CONCURRENCY }, worker));
  const seconds = (Date.now() - started) / 1000;
  ws.faults.setRules([]);
  const counts = ws.faults.counts();

  await db.close();
  // Idle keep-alive connections stay pooled (the workspace keeps them 30 s): after the run the
  // open sockets must be bounded by the concurrency, not by the 1,000 invocations...
  await sleep(500);
  const endSockets = sockets();
  // ...and every one of them must go away when the server closes them (none held by a client).
  await ws.stop();
  const deadline = Date.now() + 5_000;
  while (sockets() > baselineSockets && Date.now() < deadline) await sleep(100);
  const afterStopSockets = sockets();
  global.gc?.();
  await sleep(100);
  global.gc?.();
  const rssEnd = process.memoryUsage().rss;
  const heapEnd = process.memoryUsage().heapUsed;

  const failures = outcomes.filter((o): o is { ok: false; error: unknown } => !o.ok);
  const kinds = new Map<string, number>();
  for (const { error } of failures) {
    const name = (error as Error)?.constructor?.name ?? typeof error;
    kinds.set(name, (kinds.get(name) ?? 0) + 1);
  }
  const samples = new Map<string, string>();
  for (const { error } of failures) {
    const e = error as Error & { kind?: string; statusCode?: number; retryable?: boolean };
    const key = `${e?.constructor?.name}/${e?.kind ?? ''}/${e?.statusCode ?? ''}`;
    if (!samples.has(key)) samples.set(key, `${e?.message} (retryable=${e?.retryable})`);
  }
  console.log('[load] failure samples', Object.fromEntries(samples));
  console.log(
    `[load] ${INVOCATIONS} invocations @${CONCURRENCY} in ${seconds.toFixed(1)} s; ` +
      `ok ${INVOCATIONS - failures.length}, failed ${failures.length} ${JSON.stringify(Object.fromEntries(kinds))}; ` +
      `requests ${JSON.stringify(counts)}; sockets ${baselineSockets} -> ${endSockets} (pooled) -> ${afterStopSockets} (server stopped); ` +
      `warehouse sessions opened ${engineStats.opened}, closed ${engineStats.closed}; ` +
      `RSS ${mb(rssStart)} MB -> ${mb(rssEnd)} MB, heap after GC ${mb(heapStart)} MB -> ${mb(heapEnd)} MB`,
  );

  expect(outcomes.filter(Boolean)).toHaveLength(INVOCATIONS);
  expect(unhandled).toEqual([]);
  // Every failure is typed: nothing untyped or silently wrong.
  for (const { error } of failures) {
    const typed =
      error instanceof DatabricksServingError ||
      DatabricksSqlError.isInstance?.(error) ||
      error instanceof DatabricksSqlError ||
      LakechainError.isInstance(error);
    expect(typed, `untyped failure: ${String(error)}`).toBe(true);
  }
  expect(failures.length).toBeLessThanOrEqual(INVOCATIONS * 0.1);
  expect(endSockets - baselineSockets).toBeLessThanOrEqual(2 * CONCURRENCY + 5);
  expect(afterStopSockets).toBeLessThanOrEqual(baselineSockets);
  expect(engineStats.opened).toBeGreaterThanOrEqual(1);
  expect(engineStats.opened - engineStats.closed).toBe(0);
  // Loose: RSS includes DuckDB and allocator growth that is not returned to the OS.
  expect(rssEnd - rssStart).toBeLessThan(600 * 1024 * 1024);
  expect(heapEnd - heapStart).toBeLessThan(100 * 1024 * 1024);
  expect(seconds).toBeLessThan(60);
});
