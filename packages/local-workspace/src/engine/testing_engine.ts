/**
 * Helpers for the engine's tests: statements run to completion, rows as objects, and the
 * `SqlError` a statement rejects with.
 */
import { expect } from 'vitest';
import type {
  EngineResult,
  EngineSession,
  EngineValue,
  StatementParameters,
} from './sql_engine.js';
import { SqlError } from './sql_error.js';

/** A signal that never aborts. */
export function never(): AbortSignal {
  return new AbortController().signal;
}

/** Every row of a result, fetched `page` rows at a time; the result is closed. */
export async function all(r: EngineResult, page = 1000): Promise<EngineValue[][]> {
  const out: EngineValue[][] = [];
  for (;;) {
    const rows = await r.fetch(page);
    out.push(...rows);
    if (rows.length < page) break;
  }
  await r.close();
  return out;
}

/** The rows of a statement. */
export async function q(
  s: EngineSession,
  sql: string,
  params: StatementParameters = {},
): Promise<EngineValue[][]> {
  return all(await s.execute(sql, params, never()));
}

/** The rows of a statement as objects keyed by column name. */
export async function objects(s: EngineSession, sql: string, params: StatementParameters = {}) {
  const r = await s.execute(sql, params, never());
  const names = r.columns.map((c) => c.name);
  return (await all(r)).map((row) => Object.fromEntries(names.map((n, i) => [n, row[i]])));
}

/** The SqlError `p` rejects with (fails the test when it resolves or rejects otherwise). */
export async function sqlError(p: Promise<unknown>): Promise<SqlError> {
  try {
    await p;
  } catch (e) {
    expect(e).toBeInstanceOf(SqlError);
    return e as SqlError;
  }
  throw new Error('expected a SqlError');
}
