import { describe, expect, it } from 'vitest';
import { parseSqlReply } from './nl_to_sql.js';
import { checkReadOnly } from './read_only.js';

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

describe('parseSqlReply', () => {
  it('reads the JSON asked for, a fenced SQL block, bare SQL, or text', () => {
    expect(parseSqlReply('```json\n{"sql": "SELECT 1", "description": "one"}\n```')).toEqual({
      sql: 'SELECT 1',
      description: 'one',
      text: undefined,
    });
    expect(parseSqlReply('{"sql": "", "description": "", "text": "Which year?"}')).toMatchObject({
      sql: undefined,
      text: 'Which year?',
    });
    expect(parseSqlReply('Here:\n```sql\nSELECT 2\n```')).toEqual({ sql: 'SELECT 2' });
    expect(parseSqlReply('select 3')).toEqual({ sql: 'select 3' });
    expect(parseSqlReply('I cannot help.')).toEqual({ text: 'I cannot help.' });
  });
});
