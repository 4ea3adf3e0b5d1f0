import { DatabricksConfigError } from '@lakechain/core';
import { describe, expect, it } from 'vitest';
import { DatabricksRowStream } from './row_stream.js';
import { pageSizeOf, rowCapOf, type StatementPage } from './statement_connection.js';

const columns = [{ name: 'n', type: 'INT' }];

/** Pages of `sizes` rows; `state.closed` says whether the generator's `finally` ran. */
function pages(sizes: number[], truncated = false) {
  const state = { closed: false, served: 0 };
  async function* generate(): AsyncGenerator<StatementPage, void, undefined> {
    try {
      let n = 0;
      for (const [index, size] of sizes.entries()) {
        state.served += 1;
        const rows = Array.from({ length: size }, () => ({ n: n++ }));
        yield { columns, rows, truncated: truncated && index === sizes.length - 1 };
      }
    } finally {
      state.closed = true;
    }
  }
  return { state, open: generate };
}

describe('DatabricksRowStream', () => {
  it('yields rows in order, skips empty pages, and reports columns, count and truncation', async () => {
    const { state, open } = pages([2, 0, 3, 0], true);
    const stream = new DatabricksRowStream(open);
    const seen: unknown[] = [];
    for await (const row of stream) seen.push(row.n);
    expect(seen).toEqual([0, 1, 2, 3, 4]);
    expect(stream.columns).toEqual(columns);
    expect(stream.rowCount).toBe(5);
    expect(stream.truncated).toBe(true);
    expect(state.closed).toBe(true);
  });

  it('batches() gives whole pages; break ends the source and asks for no further page', async () => {
    const { state, open } = pages([2, 2, 2]);
    const stream = new DatabricksRowStream(open);
    for await (const batch of stream.batches()) {
      expect(batch).toHaveLength(2);
      break;
    }
    expect(state.closed).toBe(true);
    expect(state.served).toBe(1);
    expect(stream.truncated).toBe(false);
  });

  it('starts nothing before iteration, runs once, and close() drops the page in hand', async () => {
    const { state, open } = pages([3, 3]);
    const stream = new DatabricksRowStream(open);
    await stream.close(); // never started: nothing to end
    expect(state.served).toBe(0);
    const fresh = pages([3, 3]);
    const other = new DatabricksRowStream(fresh.open);
    const iterator = other[Symbol.asyncIterator]();
    expect((await iterator.next()).value).toEqual({ n: 0 });
    await other.close();
    expect(fresh.state.closed).toBe(true);
    expect((await iterator.next()).done).toBe(true);
    expect(() => other.batches()).toThrow(/already read/);
  });
});

describe('row caps and page sizes', () => {
  it('rowCapOf: whole rows, none for undefined or Infinity', () => {
    expect(rowCapOf(undefined)).toBeUndefined();
    expect(rowCapOf(Number.POSITIVE_INFINITY)).toBeUndefined();
    expect(rowCapOf(10.7)).toBe(10);
    expect(rowCapOf(-3)).toBe(0);
  });

  it('pageSizeOf: 10 000 by default, at most 100 000, a typed error below 1', () => {
    expect(pageSizeOf(undefined)).toBe(10_000);
    expect(pageSizeOf(250.9)).toBe(250);
    expect(pageSizeOf(5_000_000)).toBe(100_000);
    for (const bad of [0, -1, Number.NaN]) {
      let error: unknown;
      try {
        pageSizeOf(bad);
      } catch (caught) {
        error = caught;
      }
      expect(DatabricksConfigError.isInstance(error)).toBe(true);
      expect(error).toMatchObject({ option: 'batchRows' });
    }
  });
});
