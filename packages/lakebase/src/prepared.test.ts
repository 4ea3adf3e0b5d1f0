import type pg from 'pg';
import { describe, expect, it } from 'vitest';
import { StatementPreparer } from './prepared.js';

describe('StatementPreparer', () => {
  it('names a text once it has been seen `threshold` times, always with the same name', () => {
    const preparer = new StatementPreparer({ threshold: 3 });
    const text = 'SELECT * FROM checkpoints WHERE thread_id = $1';
    expect(preparer.nameFor(text)).toBeUndefined();
    expect(preparer.nameFor(text)).toBeUndefined();
    const name = preparer.nameFor(text);
    expect(name).toMatch(/^lakechain_[0-9a-f]{24}$/);
    expect(preparer.nameFor(text)).toBe(name);
    expect(new StatementPreparer({ threshold: 1 }).nameFor(text)).toBe(name);
  });

  it('prepares at most `maxStatements` texts', () => {
    const preparer = new StatementPreparer({ threshold: 1, maxStatements: 2 });
    expect(preparer.nameFor('SELECT $1')).toBeDefined();
    expect(preparer.nameFor('SELECT $1, $2')).toBeDefined();
    expect(preparer.nameFor('SELECT $1, $2, $3')).toBeUndefined();
    expect(preparer.nameFor('SELECT $1')).toBeDefined();
  });

  it('names only queries with parameter values (single statements), and keeps callbacks', () => {
    const calls: unknown[][] = [];
    const client = { query: (...args: unknown[]) => calls.push(args) } as unknown as pg.PoolClient;
    new StatementPreparer({ threshold: 1 }).attach(client);
    const callback = () => {};
    client.query('BEGIN; SET LOCAL x = 1');
    client.query('SELECT $1::int', [1], callback as never);
    client.query({ text: 'SELECT 2' });
    expect(calls[0]).toEqual(['BEGIN; SET LOCAL x = 1']);
    expect(calls[1]).toEqual([
      { name: expect.stringMatching(/^lakechain_/), text: 'SELECT $1::int', values: [1] },
      callback,
    ]);
    expect(calls[2]).toEqual([{ text: 'SELECT 2' }]);
  });
});
