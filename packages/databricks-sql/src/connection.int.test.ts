/**
 * SqlConnection against the local workspace, through the unmodified `@databricks/sql` driver:
 * `close()` leaves no socket open (the driver's own `close()` keeps its idle keep-alive sockets
 * until the server drops them), reads are replayed after resets the server injects, and
 * `caCert` is trusted through one TLS secure context instead of the driver's per-request `ca` list.
 */
import { readdirSync } from 'node:fs';
import type { Agent } from 'node:https';
import { rootCertificates } from 'node:tls';
import { type LocalWorkspace, startLocalWorkspace } from '@lakechain/local-workspace';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { resolveConnectOptions } from './auth.js';
import { SqlConnection } from './connection.js';
import { DatabricksSqlError } from './errors.js';

let ws: LocalWorkspace;

beforeAll(async () => {
  ws = await startLocalWorkspace({ samples: false });
});
afterAll(async () => {
  await ws?.stop();
});
beforeEach(() => {
  ws.faults.setRules([]);
  ws.faults.resetCounts();
});

function connection(caCert = ws.caCert, statementRetries?: number) {
  return new SqlConnection({
    connectOptions: () =>
      resolveConnectOptions({
        host: ws.host,
        token: ws.token,
        httpPath: ws.httpPath,
        caCert,
        env: {},
      }),
    statementRetries,
    catalog: 'main',
    schema: 'default',
  });
}

/** Open file descriptors of this process (the workspace's sockets included: it runs here). */
function descriptors(): number {
  for (const path of ['/proc/self/fd', '/dev/fd']) {
    try {
      return readdirSync(path).length;
    } catch {
      // not this platform's path
    }
  }
  throw new Error('Cannot count open file descriptors: neither /proc/self/fd nor /dev/fd exists.');
}

const settle = async () => {
  // A destroyed socket's descriptor, and the server's end of it, go in the next turns.
  for (let turn = 0; turn < 20; turn++) await new Promise((resolve) => setImmediate(resolve));
  await new Promise((resolve) => setTimeout(resolve, 50));
};

describe('SqlConnection against the local warehouse', () => {
  it('close() leaves no socket open, the idle keep-alive ones included', async () => {
    await settle();
    const before = descriptors();
    const sql = connection();
    // Concurrent statements: the driver's agent opens several keep-alive connections.
    const results = await Promise.all(
      Array.from({ length: 8 }, (_, n) => sql.execute(`SELECT ${n} AS n`)),
    );
    expect(results.map((result) => result.rows[0])).toEqual(
      Array.from({ length: 8 }, (_, n) => ({ n })),
    );
    expect(descriptors()).toBeGreaterThan(before);
    await sql.close();
    await settle();
    expect(descriptors()).toBeLessThanOrEqual(before);
    expect(ws.warehouse.openSessions()).toBe(0);
  });

  it('a read whose connection is reset runs again; a write does not, and says why', async () => {
    const sql = connection();
    await sql.execute('SELECT 1 AS warm'); // the session is open: the next reset hits the statement
    const before = ws.faults.counts().thrift ?? 0;
    ws.faults.setRules([{ route: 'thrift', resetRate: 1, times: 1 }]);
    await expect(sql.execute('SELECT 42 AS answer')).resolves.toMatchObject({
      rows: [{ answer: 42 }],
    });
    expect((ws.faults.counts().thrift ?? 0) - before).toBe(2); // the reset attempt, the replay

    await sql.execute('CREATE TABLE IF NOT EXISTS main.default.replay_probe (x INT)');
    ws.faults.setRules([{ route: 'thrift', resetRate: 1, times: 1 }]);
    const error = await sql
      .execute('INSERT INTO main.default.replay_probe VALUES (1)')
      .catch((caught: unknown) => caught);
    expect(DatabricksSqlError.isInstance(error)).toBe(true);
    expect(error).toMatchObject({ kind: 'connection', retryable: false });
    expect((error as Error).message).toContain('Not retried: the statement may have run');
    await sql.close();
  });

  it('trusts caCert through one secure context: no certificates in the pool key; another CA is refused', async () => {
    const sql = connection();
    await expect(sql.execute('SELECT 1 AS one')).resolves.toMatchObject({ rows: [{ one: 1 }] });
    const internals = sql as unknown as { driverAgent: () => Promise<Agent> };
    const agent = await internals.driverAgent();
    const options = (agent as unknown as { options: Record<string, unknown> }).options;
    expect(options.secureContext).toBeDefined();
    expect(options.ca).toBeUndefined();
    expect(options.rejectUnauthorized).toBe(true);
    const poolKeys = Object.keys({ ...agent.freeSockets, ...agent.sockets });
    expect(poolKeys.length).toBeGreaterThan(0);
    expect(poolKeys.some((key) => key.includes('BEGIN CERTIFICATE'))).toBe(false);
    await sql.close();

    // A certificate that did not sign the workspace's: the handshake fails as without one.
    const untrusted = connection(rootCertificates[0], 0);
    const error = await untrusted.execute('SELECT 1 AS one').catch((caught: unknown) => caught);
    expect(DatabricksSqlError.isInstance(error)).toBe(true);
    expect((error as Error).message).toMatch(
      /UNABLE_TO_VERIFY_LEAF_SIGNATURE|self-signed|certificate/i,
    );
    await untrusted.close();
  });
});
