import { describe, expect, it } from 'vitest';
import { SqlGuardError } from './errors.js';
import { assertReadOnly, checkReadOnly } from './guard.js';
import { HOSTILE_STATEMENTS, LEGITIMATE_STATEMENTS } from './guard_corpus.js';

describe('read-only guard corpus', () => {
  it('has at least 60 hostile and 20 legitimate entries', () => {
    expect(HOSTILE_STATEMENTS.length).toBeGreaterThanOrEqual(60);
    expect(LEGITIMATE_STATEMENTS.length).toBeGreaterThanOrEqual(20);
  });

  it.each(HOSTILE_STATEMENTS)('refuses: $note', ({ sql }) => {
    const result = checkReadOnly(sql);
    expect(result.ok, `should refuse ${JSON.stringify(sql)}`).toBe(false);
    expect(() => assertReadOnly(sql)).toThrow(SqlGuardError);
  });

  it.each(LEGITIMATE_STATEMENTS)('allows: $note', ({ sql }) => {
    const result = checkReadOnly(sql);
    expect(result, `should allow ${JSON.stringify(sql)}`).toMatchObject({ ok: true });
  });
});

describe('assertReadOnly', () => {
  it('strips one trailing semicolon and anything after it', () => {
    expect(assertReadOnly('SELECT 1;')).toBe('SELECT 1');
    expect(assertReadOnly('  SELECT 1 ; -- bye\n')).toBe('SELECT 1');
    expect(assertReadOnly("SELECT ';' AS s")).toBe("SELECT ';' AS s");
  });

  it('explains the refusal and how to opt out', () => {
    try {
      assertReadOnly('SELECT 1; DROP TABLE t');
      expect.fail('should throw');
    } catch (error) {
      expect(error).toBeInstanceOf(Error);
      expect(SqlGuardError.isInstance(error)).toBe(true);
      const e = error as SqlGuardError;
      expect(e.reason).toBe('multiple-statements');
      expect(e.message).toMatch(/^Refused: only a single read-only statement/);
      expect(e.message).toMatch(/readOnly: false/);
      expect(e.offset).toBe(8);
    }
  });

  it('names the offending keyword and look-alike characters', () => {
    expect(() => assertReadOnly('WITH x AS (SELECT 1) INSERT INTO t SELECT * FROM x')).toThrow(
      /INSERT/,
    );
    expect(() => assertReadOnly('SELECT 1\uFF1B DROP TABLE t')).toThrow(/U\+FF1B/);
    expect(() => assertReadOnly('DROP TABLE t')).toThrow(/DROP statements are not read-only/);
  });

  it('reports the statement kind', () => {
    expect(checkReadOnly('with x as (select 1) select * from x')).toMatchObject({
      ok: true,
      kind: 'WITH',
    });
    expect(checkReadOnly('SHOW TABLES')).toMatchObject({ ok: true, kind: 'SHOW' });
  });
});

describe('guard properties over the corpus', () => {
  const quote = (text: string) => `'${text.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;

  it.each(HOSTILE_STATEMENTS.filter((h) => h.sql.trim().length > 0))(
    'hostile text inside a string literal is inert: $note',
    ({ sql }) => {
      expect(checkReadOnly(`SELECT ${quote(sql)} AS s`)).toMatchObject({ ok: true });
    },
  );

  it.each(LEGITIMATE_STATEMENTS)(
    'a legitimate statement followed by a write is refused: $note',
    ({ sql }) => {
      const base = sql.replace(/;\s*(--.*)?$/, '');
      expect(checkReadOnly(`${base}\n; DROP TABLE t`).ok).toBe(false);
      expect(checkReadOnly(`${base};\nDELETE FROM t;`).ok).toBe(false);
    },
  );

  it.each(LEGITIMATE_STATEMENTS)(
    'surrounding comments do not change the verdict: $note',
    ({ sql }) => {
      expect(checkReadOnly(`/* lead */ ${sql}\n/* trail */`)).toMatchObject({ ok: true });
      expect(checkReadOnly(`-- lead\n${sql}`)).toMatchObject({ ok: true });
    },
  );
});
