import { DatabricksConfigError } from '@lakechain/core';
import { describe, expect, it } from 'vitest';
import { SqlGuardError } from './errors.js';
import { FUNCTION_CATEGORIES } from './function_policy.js';
import { assertReadOnly, checkReadOnly } from './guard.js';
import {
  BENIGN_FUNCTION_STATEMENTS,
  HOSTILE_FUNCTION_CALLS,
  HOSTILE_FUNCTION_TRICKS,
  HOSTILE_STATEMENTS,
  LEGITIMATE_STATEMENTS,
  USER_FUNCTION_STATEMENTS,
} from './guard_corpus.js';

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

describe('function calls', () => {
  const refused = [...HOSTILE_FUNCTION_CALLS, ...HOSTILE_FUNCTION_TRICKS];

  it('the corpus covers every category, spelling and position', () => {
    expect(HOSTILE_FUNCTION_CALLS.length).toBeGreaterThanOrEqual(500);
    const categories = new Set(refused.map((entry) => entry.category));
    for (const category of Object.keys(FUNCTION_CATEGORIES)) expect(categories).toContain(category);
    // Every name the guard lists by name is in the corpus (a name dropped from the corpus or a
    // category gaining a name without a test fails here).
    const inCorpus = new Set(refused.map((entry) => entry.functionName));
    for (const info of Object.values(FUNCTION_CATEGORIES)) {
      for (const name of info.names) expect(inCorpus, name).toContain(name);
    }
  });

  it.each(refused)('refuses in both modes, naming the function: $note', (entry) => {
    const expected = {
      ok: false,
      reason: 'side-effect-function',
      functionName: entry.functionName,
      category: entry.category,
    };
    expect(checkReadOnly(entry.sql), entry.sql).toMatchObject(expected);
    expect(checkReadOnly(entry.sql, { functions: 'builtin-safe' }), entry.sql).toMatchObject(
      expected,
    );
  });

  it.each(BENIGN_FUNCTION_STATEMENTS)(
    'allows in both modes, refuses its twin with a call: $note',
    ({ sql, twin }) => {
      expect(checkReadOnly(sql), sql).toMatchObject({ ok: true });
      expect(checkReadOnly(sql, { functions: 'builtin-safe' }), sql).toMatchObject({ ok: true });
      expect(checkReadOnly(twin), twin).toMatchObject({
        ok: false,
        reason: 'side-effect-function',
      });
    },
  );

  it.each(USER_FUNCTION_STATEMENTS)(
    'user-defined functions: allowed by the denylist, refused by builtin-safe unless listed: $note',
    ({ sql }) => {
      expect(checkReadOnly(sql)).toMatchObject({ ok: true });
      const strict = checkReadOnly(sql, { functions: 'builtin-safe' });
      expect(strict).toMatchObject({
        ok: false,
        reason: 'function-not-allowed',
        category: 'not-allowlisted',
      });
      const name = (strict as { optIn: string }).optIn;
      expect(
        checkReadOnly(sql, { functions: 'builtin-safe', allowFunctions: [name] }),
      ).toMatchObject({ ok: true });
    },
  );

  it('builtin-safe accepts every legitimate statement of the corpus (and is in force)', () => {
    for (const { sql } of LEGITIMATE_STATEMENTS) {
      expect(checkReadOnly(sql, { functions: 'builtin-safe' }), sql).toMatchObject({ ok: true });
    }
    expect(checkReadOnly('SELECT my_udf(1)', { functions: 'builtin-safe' }).ok).toBe(false);
  });

  it('builtin-safe refuses built-ins that are not on its list', () => {
    for (const sql of [
      'SELECT input_file_name() FROM t',
      "SELECT aes_decrypt(b, 'key') FROM t",
      "SELECT xpath(x, 'a/b') FROM t",
      "SELECT is_account_group_member('admins')",
    ]) {
      expect(checkReadOnly(sql, { functions: 'builtin-safe' }), sql).toMatchObject({
        ok: false,
        reason: 'function-not-allowed',
      });
      expect(checkReadOnly(sql), sql).toMatchObject({ ok: true });
    }
  });

  it('allowFunctions opts in one function, by the name the query uses', () => {
    const allow = { allowFunctions: ['ai_query'] };
    expect(checkReadOnly("SELECT ai_query('e', 't')", allow)).toMatchObject({ ok: true });
    expect(checkReadOnly("SELECT AI_QUERY('e', 't')", allow)).toMatchObject({ ok: true });
    expect(checkReadOnly("SELECT `ai_query`('e', 't')", allow)).toMatchObject({ ok: true });
    // The built-in under its qualified names is the same function.
    expect(checkReadOnly("SELECT builtin.ai_query('e', 't')", allow)).toMatchObject({ ok: true });
    expect(checkReadOnly("SELECT system.builtin.ai_query('e', 't')", allow)).toMatchObject({
      ok: true,
    });
    // Not its neighbours, nor a UC function of the same name.
    expect(checkReadOnly("SELECT ai_gen('t')", allow)).toMatchObject({ ok: false });
    expect(checkReadOnly("SELECT main.x.ai_query('e', 't')", allow)).toMatchObject({
      ok: false,
      functionName: 'main.x.ai_query',
      optIn: 'main.x.ai_query',
    });
    expect(
      checkReadOnly("SELECT main.x.ai_query('e', 't')", {
        allowFunctions: ['`main`.`x`.`ai_query`'],
      }),
    ).toMatchObject({ ok: true });
    // An entry for builtin.ai_query is the built-in too.
    expect(
      checkReadOnly("SELECT ai_query('e', 't')", { allowFunctions: ['SYSTEM.BUILTIN.ai_query'] }),
    ).toMatchObject({ ok: true });
    // In builtin-safe mode too.
    expect(
      checkReadOnly("SELECT ai_query('e', 't')", { functions: 'builtin-safe', ...allow }),
    ).toMatchObject({ ok: true });
  });

  it('allowFunctions: a schema wildcard, system functions, and read_files for path reads', () => {
    const tools = { functions: 'builtin-safe' as const, allowFunctions: ['main.tools.*'] };
    expect(checkReadOnly('SELECT main.tools.lookup(a) FROM t', tools)).toMatchObject({ ok: true });
    expect(checkReadOnly('SELECT main.other.lookup(a) FROM t', tools).ok).toBe(false);
    expect(checkReadOnly('SELECT main.tools.sub.lookup(a) FROM t', tools).ok).toBe(false);
    // A listed schema is the user's own: its functions are allowed whatever their names.
    expect(checkReadOnly("SELECT main.tools.secret('a', 'b')", tools)).toMatchObject({
      ok: true,
    });
    expect(
      checkReadOnly("SELECT system.ai.python_exec('1')", {
        allowFunctions: ['system.ai.python_exec'],
      }),
    ).toMatchObject({ ok: true });
    const files = { allowFunctions: ['read_files'] };
    expect(checkReadOnly("SELECT * FROM read_files('/Volumes/a/b/c')", files).ok).toBe(true);
    expect(checkReadOnly('SELECT * FROM parquet.`/Volumes/a/b/c`', files).ok).toBe(true);
    expect(checkReadOnly("SELECT * FROM read_kafka(topic => 't')", files).ok).toBe(false);
  });

  it('the error names the function, its category and how to opt in', () => {
    try {
      assertReadOnly("SELECT secret('scope', 'key')");
      expect.fail('should throw');
    } catch (error) {
      expect(SqlGuardError.isInstance(error)).toBe(true);
      const e = error as SqlGuardError;
      expect(e.reason).toBe('side-effect-function');
      expect(e.functionName).toBe('secret');
      expect(e.category).toBe('secrets');
      expect(e.offset).toBe(7);
      expect(e.message).toBe(
        "Refused: secret() reads secrets from the Databricks secret service (category: secrets) (at offset 7). Rewrite the query without it. To allow it, add 'secret' to the allowFunctions option.",
      );
      expect(e.toJSON()).toMatchObject({ functionName: 'secret', category: 'secrets' });
    }
    expect(() => assertReadOnly('SELECT my_udf(1)', { functions: 'builtin-safe' })).toThrow(
      "Refused: my_udf() is not on the built-in-safe function list (functions: 'builtin-safe') (at offset 7). Use only standard built-in functions. To allow it, add 'my_udf' to the allowFunctions option.",
    );
    // No entry can allow a computed name.
    expect(() => assertReadOnly("SELECT IDENTIFIER('a' || 'b')(1)")).toThrow(
      /cannot tell which function runs.*readOnly: false/,
    );
  });

  it.each([
    [{ allowFunctions: [''] }, 'allowFunctions'],
    [{ allowFunctions: ['*'] }, 'allowFunctions'],
    [{ allowFunctions: ['main.*.fn'] }, 'allowFunctions'],
    [{ allowFunctions: ['`unterminated'] }, 'allowFunctions'],
    [{ allowFunctions: [42] }, 'allowFunctions'],
    [{ functions: 'strict' }, 'functions'],
  ])('invalid options %j throw DatabricksConfigError naming %s', (options, option) => {
    try {
      checkReadOnly('SELECT 1', options as never);
      expect.fail('should throw');
    } catch (error) {
      expect(DatabricksConfigError.isInstance(error)).toBe(true);
      expect((error as DatabricksConfigError).option).toBe(option);
    }
  });
});
