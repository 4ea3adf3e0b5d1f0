/**
 * The statement retry loop on fake timers: a warehouse that refuses ExecuteStatement with HTTP 503
 * or 429 (the driver's own `THTTPException`, built from a real `Response`) is retried after core's
 * jittered backoff, or after its `Retry-After` capped at 20 s. Nothing waits in real time.
 */
import { THTTPException } from '@databricks/sql/dist/connection/connections/ThriftHttpConnection';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { SqlConnection, type SqlOperationLike, type SqlSessionLike } from './connection.js';
import { DatabricksSqlError } from './errors.js';
import { FakeOperation } from './testing/fake_driver.js';

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
