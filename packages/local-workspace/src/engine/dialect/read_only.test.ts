import { describe, expect, it } from 'vitest';
import { significant } from './lexer.js';
import { checkReadOnly, isReadOnly, transactionChange } from './read_only.js';

describe('checkReadOnly', () => {
  it('accepts one read, with comments, strings and a trailing semicolon', () => {
    expect(checkReadOnly("SELECT 'DROP TABLE x; --' AS s -- DELETE\n;")).toEqual({
      ok: true,
      sql: "SELECT 'DROP TABLE x; --' AS s",
    });
    expect(checkReadOnly('WITH t AS (SELECT 1) SELECT replace(x, 1, 2) FROM t').ok).toBe(true);
    expect(checkReadOnly('SHOW TABLES IN main.default').ok).toBe(true);
  });

  it('refuses writes, several statements and nothing', () => {
    expect(checkReadOnly('DELETE FROM t')).toMatchObject({ ok: false, reason: 'not_a_read' });
    expect(checkReadOnly('WITH x AS (SELECT 1) INSERT INTO t SELECT * FROM x')).toMatchObject({
      ok: false,
      detail: expect.stringContaining('INSERT'),
    });
    expect(checkReadOnly('SELECT 1; DROP TABLE t')).toMatchObject({
      reason: 'multiple_statements',
    });
    expect(checkReadOnly(' -- nothing\n')).toMatchObject({ reason: 'empty' });
  });
});

describe('isReadOnly and transactionChange (the engine, on lexed statements)', () => {
  it('tells reads from statements that may change something', () => {
    expect(isReadOnly(significant("SELECT * FROM t WHERE note = 'DROP'"))).toBe(true);
    expect(isReadOnly(significant('SHOW TABLES'))).toBe(true);
    for (const statement of [
      "COMMENT ON COLUMN t.a IS 'x'",
      'CREATE OR REPLACE TABLE t (a INT)',
      'ALTER TABLE t ADD COLUMN b INT',
      'INSERT INTO t VALUES (1)',
      'USE main.default',
      'BEGIN',
      'SELECT 1; DROP TABLE t',
    ])
      expect(isReadOnly(significant(statement)), statement).toBe(false);
  });

  it('finds the transaction a statement opens or ends, at statement starts only', () => {
    expect(transactionChange(significant('BEGIN TRANSACTION'))).toBe('begin');
    expect(transactionChange(significant('START TRANSACTION'))).toBe('begin');
    expect(transactionChange(significant('COMMIT'))).toBe('end');
    expect(transactionChange(significant('BEGIN; INSERT INTO t VALUES (1); ROLLBACK'))).toBe('end');
    expect(transactionChange(significant('COMMIT; BEGIN'))).toBe('begin');
    expect(transactionChange(significant('CREATE TABLE t (start INT, "begin" INT)'))).toBe(
      undefined,
    );
  });
});
