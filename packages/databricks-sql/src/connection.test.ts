/**
 * The statement retry loop on fake timers: a warehouse that refuses ExecuteStatement with HTTP 503
 * or 429 (the driver's own `THTTPException`, built from a real `Response`) is retried after core's
 * jittered backoff, or after its `Retry-After` capped at 20 s. Nothing waits in real time.
 */

import { thrift } from '@databricks/sql';
import { THTTPException } from '@databricks/sql/dist/connection/connections/ThriftHttpConnection';
import RetryError, { RetryErrorCode } from '@databricks/sql/dist/errors/RetryError';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import {
  columnsFromSchema,
  replayClassOfStatement,
  SqlConnection,
  type SqlOperationLike,
  type SqlSessionLike,
  THRIFT_TYPE_NAMES,
} from './connection.js';
import { DatabricksSqlError } from './errors.js';
import { FakeOperation, FakeStatusError } from './testing/fake_driver.js';

/** A session whose first `refusals` statements are refused with `status`; then it answers. */
function refusingSession(refusals: number, status: number, headers: Record<string, string> = {}) {
  const attempts: number[] = [];
  const session: SqlSessionLike = {
    async executeStatement(): Promise<SqlOperationLike> {
      attempts.push(Date.now());
      if (attempts.length <= refusals) {
        throw new THTTPException(new Response('', { status, headers }));
      }
      return new FakeOperation([{ answer: 42 }]);
    },
    async getColumns(): Promise<SqlOperationLike> {
      throw new Error('not used');
    },
    async close() {
      return {};
    },
  };
  return { session, attempts };
}

describe('statement retries (fake timers)', () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
    vi.restoreAllMocks();
  });

  it('waits a jittered delay below 1 s, 2 s, 4 s ... (core backoff) between refused attempts', async () => {
    vi.spyOn(Math, 'random').mockReturnValue(0.25);
    const { session, attempts } = refusingSession(3, 503);
    const connection = new SqlConnection({ session });
    const result = connection.execute('SELECT 42 AS answer');
    await vi.advanceTimersByTimeAsync(0);
    expect(attempts).toHaveLength(1);
    // Without jitter these would be 1000, 2000, 4000 ms.
    for (const [wait, after] of [
      [250, 2],
      [500, 3],
      [1_000, 4],
    ] as const) {
      await vi.advanceTimersByTimeAsync(wait - 1);
      expect(attempts).toHaveLength(after - 1);
      await vi.advanceTimersByTimeAsync(1);
      expect(attempts).toHaveLength(after);
    }
    expect((await result).rows).toEqual([{ answer: 42 }]);
  });

  it('never waits more than 20 s, however many retries', async () => {
    vi.spyOn(Math, 'random').mockReturnValue(0.999_999);
    const { session, attempts } = refusingSession(7, 503);
    const connection = new SqlConnection({ session, statementRetries: 7 });
    const result = connection.execute('SELECT 42 AS answer');
    await vi.advanceTimersByTimeAsync(120_000);
    expect((await result).rows).toEqual([{ answer: 42 }]);
    const gaps = attempts.slice(1).map((at, index) => at - (attempts[index] ?? 0));
    expect(gaps).toEqual([999, 1_999, 3_999, 7_999, 15_999, 19_999, 19_999]);
  });

  it("waits the warehouse's Retry-After instead, capped at 20 s", async () => {
    const { session, attempts } = refusingSession(2, 429, { 'retry-after': '90' });
    const connection = new SqlConnection({ session });
    const result = connection.execute('SELECT 42 AS answer');
    await vi.advanceTimersByTimeAsync(40_000);
    expect((await result).rows).toEqual([{ answer: 42 }]);
    const gaps = attempts.slice(1).map((at, index) => at - (attempts[index] ?? 0));
    expect(gaps).toEqual([20_000, 20_000]);
  });

  it('gives up after statementRetries with a retryable typed error', async () => {
    vi.spyOn(Math, 'random').mockReturnValue(0.5);
    const { session, attempts } = refusingSession(10, 503);
    const connection = new SqlConnection({ session, statementRetries: 2 });
    const result = connection.execute('SELECT 1').catch((error: unknown) => error);
    await vi.advanceTimersByTimeAsync(10_000);
    const error = await result;
    expect(attempts).toHaveLength(3);
    expect(DatabricksSqlError.isInstance(error)).toBe(true);
    expect(error).toMatchObject({ kind: 'connection', retryable: true });
  });
});

/** What node-fetch (the driver's HTTP client) throws when the warehouse resets the connection. */
function connectionReset(): Error {
  return Object.assign(
    new Error('request to https://h/sql/1.0/warehouses/w failed, reason: socket hang up'),
    { name: 'FetchError', type: 'system', code: 'ECONNRESET', errno: 'ECONNRESET' },
  );
}

type Step = { submit: unknown } | { fetch: unknown } | { rows: Array<Record<string, unknown>> };

/** A session that plays `steps` in order, one per ExecuteStatement: fail it, fail its fetch, or answer. */
function scriptedSession(steps: Step[]) {
  const statements: string[] = [];
  const operations: FakeOperation[] = [];
  const session: SqlSessionLike = {
    async executeStatement(statement: string): Promise<SqlOperationLike> {
      statements.push(statement);
      const step = steps[statements.length - 1] ?? { rows: [{ answer: 42 }] };
      if ('submit' in step) throw step.submit;
      const operation =
        'fetch' in step ? new FakeOperation([], 0, step.fetch) : new FakeOperation(step.rows);
      operations.push(operation);
      return operation;
    },
    async getColumns(): Promise<SqlOperationLike> {
      throw new Error('not used');
    },
    async close() {
      return {};
    },
  };
  return { session, statements, operations };
}

describe('what a statement replays (core backoff drawn at 0: no real waits)', () => {
  beforeEach(() => {
    vi.spyOn(Math, 'random').mockReturnValue(0);
  });
  afterEach(() => {
    vi.restoreAllMocks();
  });

  it('a read whose ExecuteStatement connection was reset runs again and answers', async () => {
    const { session, statements } = scriptedSession([{ submit: connectionReset() }]);
    const connection = new SqlConnection({ session });
    const result = await connection.execute('SELECT 42 AS answer');
    expect(result.rows).toEqual([{ answer: 42 }]);
    expect(statements).toHaveLength(2);
  });

  it('a write whose connection was reset is not run again: a typed error says why', async () => {
    const { session, statements } = scriptedSession([{ submit: connectionReset() }]);
    const connection = new SqlConnection({ session });
    const error = await connection
      .execute("INSERT INTO t VALUES ('x')")
      .catch((caught: unknown) => caught);
    expect(statements).toHaveLength(1);
    expect(DatabricksSqlError.isInstance(error)).toBe(true);
    expect(error).toMatchObject({ kind: 'connection', driverCode: 'ECONNRESET', retryable: false });
    expect((error as Error).message).toContain('Not retried: the statement may have run');
  });

  it('a read that broke while fetching runs again from the start; the broken operation is closed', async () => {
    const { session, statements, operations } = scriptedSession([
      { fetch: connectionReset() },
      { fetch: new RetryError(RetryErrorCode.AttemptsExceeded) },
    ]);
    const connection = new SqlConnection({ session });
    const result = await connection.execute('SELECT 42 AS answer');
    expect(result.rows).toEqual([{ answer: 42 }]);
    expect(statements).toHaveLength(3);
    expect(operations.map((operation) => operation.closed)).toEqual([true, true, true]);
  });

  it('a write whose fetch was refused is not run again: it has run', async () => {
    const refused = new THTTPException(new Response('', { status: 503 }));
    const { session, statements } = scriptedSession([{ fetch: refused }]);
    const connection = new SqlConnection({ session });
    const error = await connection.execute('UPDATE t SET x = 1').catch((caught: unknown) => caught);
    expect(statements).toHaveLength(1);
    expect(error).toMatchObject({ kind: 'connection', retryable: false });
  });

  it.each([
    [500, 'SELECT 1 AS answer', 2],
    [502, 'SELECT 1 AS answer', 2],
    [500, 'DELETE FROM t', 1],
    [503, 'DELETE FROM t', 2],
    [400, 'SELECT 1 AS answer', 1],
  ])('ExecuteStatement answered HTTP %i for `%s`: %i attempts', async (status, sql, attempts) => {
    const failure = new THTTPException(new Response('', { status }));
    const { session, statements } = scriptedSession([{ submit: failure }]);
    const connection = new SqlConnection({ session, statementRetries: 3 });
    await connection.execute(sql).catch(() => undefined);
    expect(statements).toHaveLength(attempts);
  });

  it('SQL errors, and calls to functions outside the safe list, are not replayed', async () => {
    const sqlError = new FakeStatusError('[DIVIDE_BY_ZERO] Division by zero. SQLSTATE: 22012');
    const first = scriptedSession([{ submit: sqlError }]);
    await new SqlConnection({ session: first.session })
      .execute('SELECT 1/0')
      .catch(() => undefined);
    expect(first.statements).toHaveLength(1);

    const second = scriptedSession([{ submit: connectionReset() }]);
    await new SqlConnection({ session: second.session })
      .execute('SELECT main.default.notify_team() AS sent')
      .catch(() => undefined);
    expect(second.statements).toHaveLength(1);
  });

  it('the replay class can be given: a caller that knows its statement is safe says so', async () => {
    const { session, statements } = scriptedSession([{ submit: connectionReset() }]);
    const connection = new SqlConnection({ session });
    await connection.execute('MERGE INTO t USING s ON t.id = s.id WHEN MATCHED THEN DELETE', {
      replay: 'safe',
    });
    expect(statements).toHaveLength(2);
  });

  it('replayClassOfStatement: reads are safe, writes and anything the strict guard refuses are not', () => {
    expect(replayClassOfStatement('SELECT * FROM main.default.trips LIMIT 5')).toBe('safe');
    expect(replayClassOfStatement('WITH x AS (SELECT 1 AS a) SELECT a FROM x')).toBe('safe');
    expect(replayClassOfStatement('SHOW TABLES IN main.default')).toBe('safe');
    expect(replayClassOfStatement('INSERT INTO t VALUES (1)')).toBe('unsafe');
    expect(replayClassOfStatement('SELECT 1; DROP TABLE t')).toBe('unsafe');
    expect(replayClassOfStatement("SELECT ai_query('m', 'x')")).toBe('unsafe');
  });
});

describe('statement retries through an outage (fake timers)', () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
    vi.restoreAllMocks();
  });

  it('by default a statement waits out a warehouse refusing it for 10 s, within its 2-minute deadline', async () => {
    // Low draws are the worst case for an outage: the retries come back early.
    vi.spyOn(Math, 'random').mockReturnValue(0.1);
    const started = Date.now();
    const attempts: number[] = [];
    const session: SqlSessionLike = {
      async executeStatement(): Promise<SqlOperationLike> {
        attempts.push(Date.now() - started);
        if (Date.now() - started < 10_000) {
          throw new THTTPException(new Response('', { status: 503 }));
        }
        return new FakeOperation([{ answer: 42 }]);
      },
      async getColumns(): Promise<SqlOperationLike> {
        throw new Error('not used');
      },
      async close() {
        return {};
      },
    };
    const result = new SqlConnection({ session }).execute('SELECT 42 AS answer');
    await vi.advanceTimersByTimeAsync(60_000);
    expect((await result).rows).toEqual([{ answer: 42 }]);
    expect(attempts.at(-1)).toBeGreaterThanOrEqual(10_000);
    expect(attempts.length).toBeLessThanOrEqual(11);
  });

  it('an outage longer than the deadline ends in a typed, retryable error within it', async () => {
    vi.spyOn(Math, 'random').mockReturnValue(0.999);
    const { session, attempts } = refusingSession(1_000, 503);
    const result = new SqlConnection({ session, statementRetries: 20 })
      .execute('SELECT 1')
      .catch((error: unknown) => error);
    await vi.advanceTimersByTimeAsync(130_000);
    const error = await result;
    expect(error).toMatchObject({ kind: 'connection', retryable: true });
    expect((attempts.at(-1) ?? 0) - (attempts[0] ?? 0)).toBeLessThanOrEqual(120_000);
  });
});

describe('closing during a retry', () => {
  it('close() while a refused statement waits to retry: no further attempt, a typed error', async () => {
    vi.useFakeTimers();
    try {
      vi.spyOn(Math, 'random').mockReturnValue(0.5);
      const { session, attempts } = refusingSession(10, 503);
      const connection = new SqlConnection({ session });
      const result = connection.execute('SELECT 1').catch((error: unknown) => error);
      await vi.advanceTimersByTimeAsync(0);
      expect(attempts).toHaveLength(1);
      await connection.close();
      await vi.advanceTimersByTimeAsync(60_000);
      const error = await result;
      expect(attempts).toHaveLength(1);
      expect(DatabricksSqlError.isInstance(error)).toBe(true);
      expect((error as Error).message).toContain('was closed');
    } finally {
      vi.useRealTimers();
      vi.restoreAllMocks();
    }
  });
});

describe('Thrift column types', () => {
  // The table is written out so that reading a schema does not load the driver: it must still
  // say what the driver's generated TTypeId enum says.
  it('names every TTypeId of the driver as the enum does, without _TYPE', () => {
    const ids = thrift.TCLIService_types.TTypeId as unknown as Record<string, number | string>;
    const expected: string[] = [];
    for (const [name, id] of Object.entries(ids)) {
      if (typeof id !== 'number') continue;
      expected[id] = name
        .replace(/_TYPE$/, '')
        .replace('USER_DEFINED', 'UDT')
        .replace('NULL', 'VOID');
    }
    expect([...THRIFT_TYPE_NAMES]).toEqual(expected);
  });

  it('reads names, types and DECIMAL precision from a TTableSchema', () => {
    const { TTypeId } = thrift.TCLIService_types;
    const column = (columnName: string, type: number, qualifiers?: object) => ({
      columnName,
      typeDesc: { types: [{ primitiveEntry: { type, typeQualifiers: { qualifiers } } }] },
    });
    const schema = {
      columns: [
        column('id', TTypeId.BIGINT_TYPE),
        column('price', TTypeId.DECIMAL_TYPE, {
          precision: { i32Value: 10 },
          scale: { i32Value: 2 },
        }),
        column('nothing', TTypeId.NULL_TYPE),
        column('odd', 99),
      ],
    };
    expect(columnsFromSchema(schema)).toEqual([
      { name: 'id', type: 'BIGINT' },
      { name: 'price', type: 'DECIMAL(10,2)' },
      { name: 'nothing', type: 'VOID' },
      { name: 'odd', type: 'UNKNOWN' },
    ]);
  });
});
