import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { createDuckDbEngine } from '../index.js';
import type { EngineSession, SqlEngine } from '../sql_engine.js';
import { never, q, sqlError } from '../testing_engine.js';
import { ColumnCommentCache, type TableColumnComment } from './column_comments.js';

/** The result columns of a statement as `name: comment` (the result is closed). */
async function comments(session: EngineSession, sql: string): Promise<string[]> {
  const result = await session.execute(sql, {}, never());
  await result.close();
  return result.columns.map((column) => `${column.name}: ${column.comment ?? '-'}`);
}

describe('result column comments on the DuckDB engine, cached per engine', () => {
  let engine: SqlEngine;
  let reader: EngineSession;
  let writer: EngineSession;

  beforeAll(async () => {
    engine = await createDuckDbEngine({ samples: false });
    reader = await engine.openSession({});
    writer = await engine.openSession({});
    await q(writer, 'CREATE SCHEMA main.comments');
  }, 60_000);

  afterAll(async () => {
    await engine?.close();
  });

  test('a table column comment shows on the first SELECT, and again from the cache', async () => {
    // Looked up (and found missing) before the table exists.
    const missing = await sqlError(q(reader, 'SELECT * FROM main.comments.first'));
    expect(missing.errorClass).toBe('TABLE_OR_VIEW_NOT_FOUND');
    await q(writer, "CREATE TABLE main.comments.first (a INT COMMENT 'alpha', b INT)");
    expect(await comments(reader, 'SELECT * FROM main.comments.first')).toEqual([
      'a: alpha',
      'b: -',
    ]);
    expect(await comments(reader, 'SELECT b, a AS renamed FROM main.comments.first')).toEqual([
      'b: -',
      'renamed: alpha',
    ]);
  });

  test('COMMENT ON COLUMN from another session shows on the next SELECT', async () => {
    await q(writer, "CREATE TABLE main.comments.commented (a INT COMMENT 'old', b INT)");
    expect(await comments(reader, 'SELECT * FROM main.comments.commented')).toEqual([
      'a: old',
      'b: -',
    ]);
    await q(writer, "COMMENT ON COLUMN main.comments.commented.a IS 'new'");
    await q(writer, "COMMENT ON COLUMN main.comments.commented.b IS 'added'");
    expect(await comments(reader, 'SELECT * FROM main.comments.commented')).toEqual([
      'a: new',
      'b: added',
    ]);
  });

  test('CREATE OR REPLACE TABLE with other columns: the new columns and comments show', async () => {
    await q(writer, "CREATE TABLE main.comments.replaced (a INT COMMENT 'first a')");
    expect(await comments(reader, 'SELECT * FROM main.comments.replaced')).toEqual(['a: first a']);
    await q(
      writer,
      "CREATE OR REPLACE TABLE main.comments.replaced (x STRING COMMENT 'ex', a INT COMMENT 'second a')",
    );
    expect(await comments(reader, 'SELECT * FROM main.comments.replaced')).toEqual([
      'x: ex',
      'a: second a',
    ]);
    expect(await comments(reader, 'SELECT a FROM main.comments.replaced')).toEqual(['a: second a']);
  });

  test('DROP TABLE, then the same table created again with other comments', async () => {
    await q(writer, "CREATE TABLE main.comments.recreated (a INT COMMENT 'before')");
    expect(await comments(reader, 'SELECT * FROM main.comments.recreated')).toEqual(['a: before']);
    await q(writer, 'DROP TABLE main.comments.recreated');
    await q(writer, 'CREATE TABLE main.comments.recreated (a INT)');
    expect(await comments(reader, 'SELECT * FROM main.comments.recreated')).toEqual(['a: -']);
    // The whole schema dropped and created again (emulated DDL on the engine's boot connection).
    await q(writer, 'DROP SCHEMA main.comments CASCADE');
    await q(writer, 'CREATE SCHEMA main.comments');
    await q(writer, "CREATE TABLE main.comments.recreated (a INT COMMENT 'after')");
    expect(await comments(reader, 'SELECT * FROM main.comments.recreated')).toEqual(['a: after']);
  });

  test('a statement that failed after changing a comment: the change shows', async () => {
    await q(writer, "CREATE TABLE main.comments.failed (a INT COMMENT 'kept')");
    expect(await comments(reader, 'SELECT * FROM main.comments.failed')).toEqual(['a: kept']);
    // Two statements at once: the comment is changed, then the second statement fails.
    await sqlError(
      q(
        writer,
        "COMMENT ON COLUMN main.comments.failed.a IS 'changed'; SELECT * FROM main.comments.no_such_table",
      ),
    );
    expect(await comments(reader, 'SELECT * FROM main.comments.failed')).toEqual(['a: changed']);
  });

  test('an open transaction sees its own comment change, other sessions do not', async () => {
    await q(writer, "CREATE TABLE main.comments.transacted (a INT COMMENT 'committed')");
    expect(await comments(reader, 'SELECT * FROM main.comments.transacted')).toEqual([
      'a: committed',
    ]);
    await q(writer, 'BEGIN TRANSACTION');
    await q(writer, "COMMENT ON COLUMN main.comments.transacted.a IS 'uncommitted'");
    expect(await comments(reader, 'SELECT * FROM main.comments.transacted')).toEqual([
      'a: committed',
    ]);
    expect(await comments(writer, 'SELECT * FROM main.comments.transacted')).toEqual([
      'a: uncommitted',
    ]);
    expect(await comments(reader, 'SELECT * FROM main.comments.transacted')).toEqual([
      'a: committed',
    ]);
    await q(writer, 'ROLLBACK');
    expect(await comments(writer, 'SELECT * FROM main.comments.transacted')).toEqual([
      'a: committed',
    ]);
    await q(writer, 'BEGIN');
    await q(writer, "COMMENT ON COLUMN main.comments.transacted.a IS 'committed later'");
    expect(await comments(reader, 'SELECT * FROM main.comments.transacted')).toEqual([
      'a: committed',
    ]);
    await q(writer, 'COMMIT');
    expect(await comments(reader, 'SELECT * FROM main.comments.transacted')).toEqual([
      'a: committed later',
    ]);
  });

  test('two engines in one process do not share their cache', async () => {
    const other = await createDuckDbEngine({ samples: false });
    try {
      const otherSession = await other.openSession({});
      await q(otherSession, 'CREATE SCHEMA main.comments');
      await q(otherSession, "CREATE TABLE main.comments.twin (a INT COMMENT 'other engine')");
      await q(writer, "CREATE TABLE main.comments.twin (a INT COMMENT 'this engine')");
      // Same catalog, schema and table names in both engines; no DDL between the two reads.
      expect(await comments(reader, 'SELECT * FROM main.comments.twin')).toEqual([
        'a: this engine',
      ]);
      expect(await comments(otherSession, 'SELECT * FROM main.comments.twin')).toEqual([
        'a: other engine',
      ]);
    } finally {
      await other.close();
    }
  });
});

describe('ColumnCommentCache', () => {
  /** A read that counts its calls and answers once `release` is called. */
  function gatedRead(columns: TableColumnComment[] | null) {
    let release = () => {};
    const gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    const read = {
      calls: 0,
      release: () => release(),
      run: async () => {
        read.calls++;
        await gate;
        return columns;
      },
    };
    return read;
  }

  test('a lookup that overlapped an invalidation answers but is not kept', async () => {
    const cache = new ColumnCommentCache();
    const read = gatedRead([{ name: 'a', comment: 'old' }]);
    const lookup = cache.get('t', read.run);
    cache.invalidate();
    read.release();
    expect(await lookup).toEqual([{ name: 'a', comment: 'old' }]);
    await cache.get('t', read.run);
    expect(read.calls).toBe(2);
  });

  test('a change that fails invalidates when it ends too', async () => {
    const cache = new ColumnCommentCache();
    const read = gatedRead([{ name: 'a', comment: 'read during the change' }]);
    read.release();
    let fail = (_error: Error) => {};
    const change = cache.whileChanging(
      () =>
        new Promise<void>((_resolve, reject) => {
          fail = reject;
        }),
    );
    // Read while the change runs (the catalog may be half changed): kept until the change ends.
    await cache.get('t', read.run);
    await cache.get('t', read.run);
    expect(read.calls).toBe(1);
    fail(new Error('DDL failed'));
    await expect(change).rejects.toThrow('DDL failed');
    await cache.get('t', read.run);
    expect(read.calls).toBe(2);
  });

  test('keeps at most CAPACITY tables, the least recently used leaving first', async () => {
    const cache = new ColumnCommentCache();
    const read = gatedRead(null);
    read.release();
    for (let index = 0; index < ColumnCommentCache.CAPACITY; index++)
      await cache.get(`t${index}`, read.run);
    await cache.get('t0', read.run); // t0 used again: t1 is now the least recently used
    await cache.get('one more', read.run);
    expect(read.calls).toBe(ColumnCommentCache.CAPACITY + 1);
    await cache.get('t0', read.run);
    expect(read.calls).toBe(ColumnCommentCache.CAPACITY + 1);
    await cache.get('t1', read.run);
    expect(read.calls).toBe(ColumnCommentCache.CAPACITY + 2);
  });
});
