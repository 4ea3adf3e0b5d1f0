/**
 * The Statement Execution client against @lakechain/local-workspace's API: the same values from
 * every disposition and format, chunks downloaded in parallel within the bound, without the
 * workspace token and with the link's own headers, expired links renewed, polling, and
 * cancellation on an AbortSignal.
 */
import { DatabricksClient, resolveConfig } from '@lakechain/core';
import { type LocalWorkspace, startLocalWorkspace } from '@lakechain/local-workspace';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHttpsFetch, type ObservedRequest } from '../testing/https_fetch.js';
import { StatementExecutionClient } from './client.js';
import type { DecodedValue } from './values.js';
import type { Disposition, ExecuteStatementRequest, ResultFormat } from './wire.js';

const LINK_HEADER = 'x-lakechain-link-check';
let ws: LocalWorkspace;
let client: DatabricksClient;
const linkRequests: ObservedRequest[] = [];
let inFlight = 0;
let peak = 0;

function api(maxConcurrentDownloads = 3) {
  return new StatementExecutionClient({
    client,
    maxConcurrentDownloads,
    fetch: createHttpsFetch(ws.caCert, {
      started(request) {
        linkRequests.push(request);
        inFlight += 1;
        peak = Math.max(peak, inFlight);
      },
      finished() {
        inFlight -= 1;
      },
    }),
  });
}

beforeAll(async () => {
  ws = await startLocalWorkspace({
    statementExecution: { chunkBytes: 24 * 1024, linkHeaders: { [LINK_HEADER]: 'yes' } },
  });
  const config = await resolveConfig({
    host: ws.host,
    token: ws.token,
    caCert: ws.caCert,
    env: {},
  });
  client = new DatabricksClient({ config });
});

afterAll(async () => {
  await client?.close();
  await ws?.stop();
});

async function rowsOf(
  statements: StatementExecutionClient,
  request: Omit<ExecuteStatementRequest, 'warehouse_id'>,
): Promise<DecodedValue[][]> {
  const submitted = await statements.executeStatement({ warehouse_id: ws.warehouseId, ...request });
  const done = await statements.waitForStatement(submitted);
  expect(done.status.state).toBe('SUCCEEDED');
  const rows: DecodedValue[][] = [];
  for await (const chunk of statements.chunks(done)) {
    expect(chunk.rowOffset).toBe(rows.length);
    rows.push(...chunk.rows);
  }
  return rows;
}

const TYPED =
  'SELECT id, CAST(id * 1000000000000 AS BIGINT) AS big, CAST(id / 8 AS DECIMAL(20,6)) AS dec, ' +
  "DATE'2024-01-01' + CAST(id % 30 AS INT) AS day, TIMESTAMP'2024-02-29 13:14:15.250' AS ts, unhex('01FF') AS bin, " +
  "CASE WHEN id % 3 = 0 THEN NULL ELSE concat('s,\"', CAST(id AS STRING)) END AS text, " +
  "array(id, id + 1) AS arr, map('k', id) AS m, named_struct('x', id, 'y', 'z') AS s FROM range(1500)";

describe('StatementExecutionClient', () => {
  it('decodes the same values from INLINE JSON_ARRAY and from links in every format', async () => {
    const statements = api();
    const inline = await rowsOf(statements, { statement: TYPED, wait_timeout: '30s' });
    expect(inline).toHaveLength(1500);
    expect(inline[7]).toEqual([
      7n,
      7000000000000n,
      '0.875000',
      new Date(Date.UTC(2024, 0, 8)),
      new Date('2024-02-29T13:14:15.250Z'),
      new Uint8Array([1, 255]),
      's,"7',
      [7n, 8n],
      { k: 7n },
      { x: 7n, y: 'z' },
    ]);
    expect(inline[0]?.[6]).toBeNull();
    for (const format of ['ARROW_STREAM', 'CSV', 'JSON_ARRAY'] as ResultFormat[]) {
      const viaLinks = await rowsOf(statements, {
        statement: TYPED,
        disposition: 'EXTERNAL_LINKS' as Disposition,
        format,
        wait_timeout: '30s',
      });
      expect(viaLinks, format).toEqual(inline);
    }
  });

  it('downloads chunks in parallel within the bound, never with the workspace token, with the link headers', async () => {
    const statements = api(3);
    ws.faults.setRules([{ route: 'statement-links', latencyMs: 40 }]);
    linkRequests.length = 0;
    peak = 0;
    try {
      const rows = await rowsOf(statements, {
        statement: "SELECT id, repeat('x', 40) AS pad FROM range(20000)",
        disposition: 'EXTERNAL_LINKS',
        format: 'ARROW_STREAM',
      });
      expect(rows).toHaveLength(20_000);
      expect(rows[19_999]).toEqual([19_999n, 'x'.repeat(40)]);
    } finally {
      ws.faults.setRules([]);
    }
    expect(linkRequests.length).toBeGreaterThan(6);
    expect(peak).toBeGreaterThan(1);
    expect(peak).toBeLessThanOrEqual(3);
    for (const request of linkRequests) {
      expect(request.headers.authorization).toBeUndefined();
      expect(request.headers[LINK_HEADER]).toBe('yes');
    }
    // The server saw the same: no Authorization on any link download.
    expect(ws.statementExecution.linkRequests.every((r) => !r.authorization)).toBe(true);
  });

  it('stopping the iteration early cancels the downloads in flight, and only then', async () => {
    const signals: AbortSignal[] = [];
    const observed = createHttpsFetch(ws.caCert);
    const statements = new StatementExecutionClient({
      client,
      maxConcurrentDownloads: 3,
      fetch: ((input: string | URL | Request, init?: RequestInit) => {
        if (init?.signal) signals.push(init.signal);
        return observed(input, init);
      }) as typeof fetch,
    });
    const read = async (stopAfter: number) => {
      const submitted = await statements.executeStatement({
        warehouse_id: ws.warehouseId,
        statement: "SELECT id, repeat('x', 40) AS pad FROM range(20000)",
        disposition: 'EXTERNAL_LINKS',
        format: 'ARROW_STREAM',
      });
      const done = await statements.waitForStatement(submitted);
      let chunks = 0;
      for await (const _ of statements.chunks(done)) if (++chunks === stopAfter) break;
      return { chunks, total: done.manifest?.total_chunk_count ?? 0 };
    };
    ws.faults.setRules([{ route: 'statement-links', latencyMs: 200 }]);
    try {
      const early = await read(1);
      expect(early.total).toBeGreaterThan(3);
      // Downloads of the next chunks were started ahead of the consumer and are now cancelled.
      expect(signals.length).toBeGreaterThan(1);
      expect(signals.length).toBeLessThan(early.total);
      expect(signals.some((signal) => signal.aborted)).toBe(true);
      signals.length = 0;
      const whole = await read(Number.POSITIVE_INFINITY);
      expect(whole.chunks).toBe(whole.total);
      expect(signals.some((signal) => signal.aborted)).toBe(false);
    } finally {
      ws.faults.setRules([]);
    }
  });

  it('asks for a fresh link when a download is refused as expired', async () => {
    const statements = api();
    const submitted = await statements.executeStatement({
      warehouse_id: ws.warehouseId,
      statement: 'SELECT id FROM range(5000)',
      disposition: 'EXTERNAL_LINKS',
      format: 'JSON_ARRAY',
    });
    // Every link handed out so far (chunk 0's, in this answer) stops working.
    ws.statementExecution.expireLinks();
    const before = ws.statementExecution.linkRequests.length;
    let count = 0;
    for await (const chunk of statements.chunks(submitted)) count += chunk.rows.length;
    expect(count).toBe(5000);
    const chunkZero = ws.statementExecution.linkRequests
      .slice(before)
      .filter((r) => r.statementId === submitted.statement_id && r.chunkIndex === 0)
      .map((r) => r.status);
    expect(chunkZero).toEqual([403, 200]);
  });

  it('polls a statement submitted with wait_timeout 0s until it ends', async () => {
    const statements = api();
    const submitted = await statements.executeStatement({
      warehouse_id: ws.warehouseId,
      statement: 'SELECT 41 + 1 AS answer',
      wait_timeout: '0s',
    });
    expect(['PENDING', 'RUNNING']).toContain(submitted.status.state);
    const done = await statements.waitForStatement(submitted);
    expect(done.status.state).toBe('SUCCEEDED');
    expect(done.result?.data_array).toEqual([['42']]);
  });

  it('cancels the statement on the warehouse when the AbortSignal fires while waiting', async () => {
    const statements = api();
    const submitted = await statements.executeStatement({
      warehouse_id: ws.warehouseId,
      statement: 'SELECT count(*) FROM range(100000000000)',
      wait_timeout: '5s',
    });
    expect(submitted.status.state).toBe('RUNNING');
    const error = await statements
      .waitForStatement(submitted, { signal: AbortSignal.timeout(200) })
      .catch((caught: unknown) => caught);
    expect((error as Error).name).toBe('TimeoutError');
    const after = await statements.getStatement(submitted.statement_id);
    expect(after.status.state).toBe('CANCELED');
  });

  it('a failed statement reports the error class and SQLSTATE', async () => {
    const statements = api();
    const done = await statements.executeStatement({
      warehouse_id: ws.warehouseId,
      statement: 'SELECT nope FROM range(1)',
    });
    expect(done.status.state).toBe('FAILED');
    expect(done.status.error?.message).toMatch(/^\[UNRESOLVED_COLUMN/);
    expect(done.status.sql_state).toBe('42703');
  });
});
