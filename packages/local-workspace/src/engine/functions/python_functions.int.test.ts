/**
 * `LANGUAGE PYTHON` functions and `system.ai.python_exec` on the engine, each call in a real
 * Python 3 process: typed arguments in (every Unity Catalog type), typed results out, named
 * arguments, nested calls, errors and tracebacks as Databricks' error class, the timeout, and
 * what the audit hook refuses (network, processes, writing or reading the host's files).
 * Needs `python3` (or LAKECHAIN_PYTHON); under CI a missing interpreter fails the test.
 */
import { spawnSync } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { createDuckDbEngine } from '../index.js';
import type { EngineSession, SqlEngine } from '../sql_engine.js';
import { q, sqlError } from '../testing_engine.js';

const python = process.env.LAKECHAIN_PYTHON || 'python3';
const missing = spawnSync(python, ['--version']).status !== 0;
if (missing && process.env.CI)
  throw new Error(
    `${python} was not found: install Python 3 (apt-get install python3) or set LAKECHAIN_PYTHON.`,
  );
if (missing) console.warn(`skipping the Python function tests: ${python} was not found`);

describe.skipIf(missing)('Python functions', () => {
  let engine: SqlEngine;
  let s: EngineSession;

  beforeAll(async () => {
    engine = await createDuckDbEngine({
      samples: false,
      pythonFunctions: { python, timeoutMs: 5_000 },
    });
    s = await engine.openSession({});
    await q(s, 'CREATE SCHEMA main.py');
  });

  afterAll(async () => {
    await s?.close();
    await engine?.close();
  });

  test('scalar function with parameters and named arguments', async () => {
    await q(
      s,
      `CREATE FUNCTION main.py.shout(text STRING COMMENT 'What to say', times INT)
       RETURNS STRING LANGUAGE PYTHON COMMENT 'Repeats loudly'
       AS $$
         return " ".join([text.upper()] * times)
       $$`,
    );
    expect(await q(s, "SELECT main.py.shout('hi', 2)")).toEqual([['HI HI']]);
    expect(
      await q(s, 'SELECT main.py.shout(times => :n, text => :t) AS out', {
        named: { t: { value: 'yo', type: 'STRING' }, n: { value: '3', type: 'INT' } },
      }),
    ).toEqual([['YO YO YO']]);
    expect(await q(s, "SELECT main.py.shout(main.py.shout('a', 1), 2)")).toEqual([['A A']]);
  });

  test('every type goes in and comes out', async () => {
    await q(
      s,
      `CREATE FUNCTION main.py.describe(
         b BOOLEAN, i TINYINT, sm SMALLINT, n INT, l BIGINT, f FLOAT, d DOUBLE, m DECIMAL(10,3),
         t STRING, day DATE, at TIMESTAMP, raw BINARY, xs ARRAY<INT>, kv MAP<STRING, DOUBLE>,
         st STRUCT<a: INT, b: STRING>)
       RETURNS STRING LANGUAGE PYTHON
       AS $$
import json
return json.dumps([type(v).__name__ for v in (b, i, sm, n, l, f, d, m, t, day, at, raw, xs, kv, st)]
                  + [str(m), day.isoformat(), at.isoformat(), raw.hex(), xs, kv, st])
$$`,
    );
    const [[text]] = (await q(
      s,
      `SELECT main.py.describe(true, 1, 2, 3, 9007199254740993, 1.5, 2.25, 1.125, 'x',
         DATE'2024-02-29', TIMESTAMP'2024-02-29 13:45:01.5', unbase64('AAEC'), array(1, 2),
         map('a', 0.5), named_struct('a', 1, 'b', 'q'))`,
    )) as [[string]];
    expect(JSON.parse(text)).toEqual([
      'bool',
      'int',
      'int',
      'int',
      'int',
      'float',
      'float',
      'Decimal',
      'str',
      'date',
      'datetime',
      'bytes',
      'list',
      'dict',
      'dict',
      '1.125',
      '2024-02-29',
      '2024-02-29T13:45:01.500000',
      '000102',
      [1, 2],
      { a: 0.5 },
      { a: 1, b: 'q' },
    ]);
    await q(
      s,
      `CREATE FUNCTION main.py.make(kind STRING) RETURNS ARRAY<STRUCT<k: STRING, v: BIGINT>>
       LANGUAGE PYTHON AS $$ return [{"k": kind, "v": 2 ** 62}] $$`,
    );
    expect(await q(s, "SELECT main.py.make('z')")).toEqual([[[{ k: 'z', v: 2n ** 62n }]]]);
    await q(
      s,
      'CREATE FUNCTION main.py.money(x DOUBLE) RETURNS DECIMAL(12,2) LANGUAGE PYTHON AS $$ return x * 2 $$',
    );
    expect(await q(s, 'SELECT main.py.money(1.25)')).toEqual([['2.50']]);
    await q(
      s,
      'CREATE FUNCTION main.py.tomorrow(d DATE) RETURNS DATE LANGUAGE PYTHON AS $$\nimport datetime\nreturn d + datetime.timedelta(days=1)\n$$',
    );
    expect(await q(s, "SELECT main.py.tomorrow(DATE'2024-12-31')")).toEqual([['2025-01-01']]);
  });

  test('an exception is UDF_PYSPARK_USER_CODE_ERROR with the traceback', async () => {
    await q(
      s,
      'CREATE FUNCTION main.py.boom(x INT) RETURNS INT LANGUAGE PYTHON AS $$ return 1 // x $$',
    );
    const error = await sqlError(q(s, 'SELECT main.py.boom(0)'));
    expect(error.errorClass).toBe('UDF_PYSPARK_USER_CODE_ERROR.GENERIC');
    expect(error.message).toContain('ZeroDivisionError');
  });

  test('a call that runs too long is stopped', async () => {
    await q(
      s,
      'CREATE FUNCTION main.py.spin() RETURNS INT LANGUAGE PYTHON AS $$\nwhile True:\n    pass\n$$',
    );
    const error = await sqlError(q(s, 'SELECT main.py.spin()'));
    expect(error.message).toContain('ran longer than 5000 ms');
  });

  test('network, processes and host files are refused', async () => {
    await q(
      s,
      `CREATE FUNCTION main.py.probe(what STRING) RETURNS STRING LANGUAGE PYTHON AS $$
import os
try:
    if what == "net":
        import socket
        socket.create_connection(("127.0.0.1", 9), timeout=1)
    elif what == "process":
        import subprocess
        subprocess.run(["true"])
    elif what == "write":
        open("out.txt", "w").write("x")
    elif what == "read":
        open("/etc/hostname").read()
    elif what == "env":
        return ",".join(sorted(k for k in os.environ if "TOKEN" in k or "DATABRICKS" in k)) or "clean"
    return "allowed"
except PermissionError as error:
    return "refused: " + str(error)
$$`,
    );
    for (const what of ['net', 'process', 'write', 'read'])
      expect((await q(s, `SELECT main.py.probe('${what}')`))[0]?.[0]).toMatch(/^refused: /);
    expect(await q(s, "SELECT main.py.probe('env')")).toEqual([['clean']]);
  });

  test('system.ai.python_exec runs code and returns what it prints', async () => {
    expect(
      await q(s, 'SELECT system.ai.python_exec(:code)', {
        named: { code: { value: 'print(sum(range(10)))\nprint("done")', type: 'STRING' } },
      }),
    ).toEqual([['45\ndone\n']]);
    const [[failed]] = (await q(s, "SELECT system.ai.python_exec('1/0')")) as [[string]];
    expect(failed).toContain('ZeroDivisionError');
    const described = (await q(s, 'DESCRIBE FUNCTION system.ai.python_exec')).map((r) => r[0]);
    expect(described).toContain('Input:    code STRING');
  });

  test('column arguments and defaults are refused with a clear error', async () => {
    const error = await sqlError(q(s, "SELECT main.py.shout(t, 1) FROM (SELECT 'a' AS t)", {}));
    expect(error.errorClass).toBe('UNSUPPORTED_FEATURE');
    expect(
      (
        await sqlError(
          q(
            s,
            "CREATE FUNCTION main.py.d(x STRING DEFAULT 'a') RETURNS STRING LANGUAGE PYTHON AS $$ return x $$",
          ),
        )
      ).errorClass,
    ).toBe('NOT_SUPPORTED_WITH_PYTHON_UDF');
    const cancelled = new AbortController();
    const running = s.execute('SELECT main.py.spin()', {}, cancelled.signal);
    cancelled.abort();
    expect((await sqlError(running)).errorClass).toBe('OPERATION_CANCELED');
  });
});
