/**
 * `DatabricksSqlDatabase.stream()` against @lakechain/local-workspace, on both transports: the
 * unmodified `@databricks/sql` driver over Thrift, and the Statement Execution API. The rows are
 * those `query()` returns, pages are bounded by `batchRows`, and leaving the loop early, aborting
 * or a failure leaves nothing open on the warehouse (Thrift: its operation registry; REST: no
 * chunk fetched after the loop was left).
 */
import { type LocalWorkspace, startLocalWorkspace } from '@lakechain/local-workspace';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DatabricksSqlError, SqlGuardError } from './errors.js';
import { DatabricksSqlDatabase } from './sql_database.js';

const TRANSPORTS = ['thrift', 'rest'] as const;
const ROWS = 2_500;
const SQL = `SELECT id, concat('row_', CAST(id AS STRING)) AS name, id * 1.5 AS amount, DATE'2024-01-01' + CAST(id % 365 AS INT) AS day FROM range(${ROWS}) ORDER BY id`;

let ws: LocalWorkspace;

beforeAll(async () => {
  // Small REST chunks (24 KiB): a 2,500-row result spans several, as a large one does on Databricks.
  ws = await startLocalWorkspace({ samples: false, statementExecution: { chunkBytes: 24 * 1024 } });
});
afterAll(async () => {
  await ws?.stop();
});

describe.each(TRANSPORTS)('db.stream() over %s', (transport) => {
  let db: DatabricksSqlDatabase;

  beforeAll(async () => {
    db = await DatabricksSqlDatabase.fromDatabricks({
      host: ws.host,
      token: ws.token,
      warehouseId: ws.warehouseId,
      caCert: ws.caCert,
      catalog: 'main',
      schema: 'default',
      transport,
      env: {},
    });
  });
  afterAll(async () => {
    await db?.close();
  });

  /** REST: chunk and link requests the warehouse served for the statement `sql`. */
  const chunkReads = (sql: string) => {
    const ids = new Set(
      ws.statementExecution
        .statements()
        .filter((s) => s.statement === sql)
        .map((s) => s.id),
    );
    return ws.statementExecution.linkRequests.filter((r) => ids.has(r.statementId)).length;
  };

  it('yields the rows query() returns, in pages of at most batchRows', async () => {
    const expected = await db.query(SQL, { maxRows: ROWS });
    const stream = db.stream(SQL, { batchRows: 700 });
    const sizes: number[] = [];
    const rows: Array<Record<string, unknown>> = [];
    for await (const batch of stream.batches()) {
      sizes.push(batch.length);
      rows.push(...batch);
    }
    expect(rows).toEqual(expected.rows);
    expect(Math.max(...sizes)).toBeLessThanOrEqual(700);
    expect(sizes.length).toBeGreaterThanOrEqual(Math.ceil(ROWS / 700));
    expect(stream.columns).toEqual(expected.columns);
    expect(stream.truncated).toBe(false);
    expect(stream.rowCount).toBe(ROWS);
    if (transport === 'thrift') expect(ws.warehouse.openOperations()).toBe(0);

    // Row by row: the same rows.
    const oneByOne: Array<Record<string, unknown>> = [];
    for await (const row of db.stream(SQL, { batchRows: 999 })) oneByOne.push(row);
    expect(oneByOne).toEqual(expected.rows);
  });

  it('maxRows ends the stream and says the result had more', async () => {
    const stream = db.stream(SQL, { batchRows: 300, maxRows: 1_000 });
    const ids: unknown[] = [];
    for await (const row of stream) ids.push(row.id);
    expect(ids).toHaveLength(1_000);
    expect(ids.at(-1)).toBe(999n);
    expect(stream.truncated).toBe(true);
    const exact = db.stream(SQL, { maxRows: ROWS });
    for await (const _row of exact);
    expect(exact.truncated).toBe(false);
  });

  it('break closes the statement on the warehouse and reads no further page', async () => {
    const sql = `${SQL} -- break ${transport}`;
    let seen = 0;
    for await (const _row of db.stream(sql, { batchRows: 100 })) {
      if (++seen === 150) break;
    }
    expect(seen).toBe(150);
    if (transport === 'thrift') {
      expect(ws.warehouse.openOperations()).toBe(0);
    } else {
      // The result spans several chunks; the loop left during the first two.
      const statement = ws.statementExecution.statements().find((s) => s.statement === sql);
      expect(statement?.chunks).toBeGreaterThan(3);
      expect(statement?.state).not.toBe('RUNNING');
      expect(chunkReads(sql)).toBeLessThanOrEqual(2);
    }

    // close() from outside the loop does the same.
    const stream = db.stream(sql, { batchRows: 100 });
    const iterator = stream[Symbol.asyncIterator]();
    await iterator.next();
    await stream.close();
    if (transport === 'thrift') expect(ws.warehouse.openOperations()).toBe(0);
    expect((await iterator.next()).done).toBe(true);
  });

  it('an aborted signal cancels the statement and the loop throws a canceled error', async () => {
    const controller = new AbortController();
    const seen: number[] = [];
    const error = await (async () => {
      for await (const batch of db
        .stream(SQL, { batchRows: 200, signal: controller.signal })
        .batches()) {
        seen.push(batch.length);
        controller.abort(new Error('user left'));
      }
    })().catch((caught: unknown) => caught);
    expect(seen).toEqual([200]);
    expect(DatabricksSqlError.isInstance(error)).toBe(true);
    expect(error).toMatchObject({ kind: 'canceled' });
    expect((error as Error).message).toContain('user left');
    if (transport === 'thrift') expect(ws.warehouse.openOperations()).toBe(0);

    // Aborted before the loop starts: nothing is sent.
    const before = ws.faults.counts();
    const aborted = db.stream(SQL, { signal: AbortSignal.abort() });
    await expect(aborted[Symbol.asyncIterator]().next()).rejects.toMatchObject({
      kind: 'canceled',
    });
    expect(ws.faults.counts()).toEqual(before);
  });

  it('a failing statement throws its typed error; the guard throws before anything runs', async () => {
    const error = await (async () => {
      for await (const _row of db.stream('SELECT * FROM main.default.no_such_table'));
    })().catch((caught: unknown) => caught);
    expect(DatabricksSqlError.isInstance(error)).toBe(true);
    expect(error).toMatchObject({ kind: 'sql', errorClass: 'TABLE_OR_VIEW_NOT_FOUND' });
    if (transport === 'thrift') expect(ws.warehouse.openOperations()).toBe(0);

    expect(() => db.stream('DROP TABLE main.default.anything')).toThrow(SqlGuardError);
    const stream = db.stream('SELECT 1 AS one');
    expect(await stream.batches().next()).toMatchObject({ value: [{ one: 1 }] });
    // A stream runs its statement once.
    expect(() => stream.batches()).toThrow(/already read/);
  });
});
