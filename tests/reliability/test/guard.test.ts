/**
 * The SQL read-only guard: a hostile corpus (>= 100 inputs) refused by `checkReadOnly`,
 * `assertReadOnly` and `DatabricksSqlDatabase` (nothing reaches the warehouse), plus generated
 * variants (casing, whitespace, comments) that must stay refused, and legitimate reads carrying
 * hostile text inside literals that must still pass.
 */
import {
  assertReadOnly,
  checkReadOnly,
  DatabricksSqlDatabase,
  SqlGuardError,
} from '@lakechain/databricks-sql';
import type { LocalWorkspace } from '@lakechain/local-workspace';
import { startLocalWorkspace } from '@lakechain/local-workspace';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HOSTILE_SQL, LEGIT_WITH_HOSTILE_TEXT } from './hostile_sql.js';

const show = (sql: string) => JSON.stringify(sql.length > 120 ? `${sql.slice(0, 120)}…` : sql);

describe('hostile corpus', () => {
  it('has at least 100 distinct entries', () => {
    expect(new Set(HOSTILE_SQL).size).toBe(HOSTILE_SQL.length);
    expect(HOSTILE_SQL.length).toBeGreaterThanOrEqual(100);
  });

  it.each(HOSTILE_SQL.map((sql) => [show(sql), sql]))('refuses %s', (_, sql) => {
    const result = checkReadOnly(sql);
    expect(result.ok, `accepted: ${show(sql)}`).toBe(false);
    expect(() => assertReadOnly(sql)).toThrow(SqlGuardError);
  });

  it.each(LEGIT_WITH_HOSTILE_TEXT.map((sql) => [show(sql), sql]))('lets through %s', (_, sql) => {
    expect(checkReadOnly(sql)).toMatchObject({ ok: true });
  });
});

describe('through DatabricksSqlDatabase (read-only by default)', () => {
  let ws: LocalWorkspace;
  let db: DatabricksSqlDatabase;
  beforeAll(async () => {
    ws = await startLocalWorkspace({ samples: false });
    db = await DatabricksSqlDatabase.fromDatabricks({
      host: ws.host,
      token: ws.token,
      httpPath: ws.httpPath,
      caCert: ws.caCert,
      catalog: 'main',
      schema: 'default',
      env: {},
    } as never);
  });
  afterAll(async () => {
    await db?.close();
    await ws?.stop();
  });

  it('refuses the whole corpus with SqlGuardError before any request reaches the warehouse', async () => {
    await db.run('SELECT 1'); // warm: the session is open
    const before = ws.faults.counts().thrift ?? 0;
    for (const sql of HOSTILE_SQL) {
      const run = await db.run(sql).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(run, `run() accepted ${show(sql)}`).toBeInstanceOf(SqlGuardError);
      const query = await db.query(sql).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(query, `query() accepted ${show(sql)}`).toBeInstanceOf(SqlGuardError);
    }
    expect((ws.faults.counts().thrift ?? 0) - before).toBe(0);
  });
});

// ---- generated variants ----

/** Hostile statements written with plain words (no string literals), safe to re-case and re-space. */
const TEMPLATES: string[][] = [
  ['DROP', 'TABLE', 't'],
  ['SELECT', '1', ';', 'DROP', 'TABLE', 't'],
  ['DELETE', 'FROM', 't', 'WHERE', 'a', '=', '1'],
  ['UPDATE', 't', 'SET', 'a', '=', '1'],
  ['TRUNCATE', 'TABLE', 't'],
  [
    'MERGE',
    'INTO',
    't',
    'USING',
    's',
    'ON',
    't.id',
    '=',
    's.id',
    'WHEN',
    'MATCHED',
    'THEN',
    'DELETE',
  ],
  ['GRANT', 'SELECT', 'ON', 'TABLE', 't', 'TO', '`x`'],
  ['RESTORE', 'TABLE', 't', 'TO', 'VERSION', 'AS', 'OF', '1'],
  ['VACUUM', 't', 'RETAIN', '0', 'HOURS'],
  ['SET', 'spark.databricks.delta.retentionDurationCheck.enabled', '=', 'false'],
  ['WITH', 'x', 'AS', '(', 'SELECT', '1', ')', 'INSERT', 'INTO', 't', 'SELECT', '*', 'FROM', 'x'],
  ['SELECT', '*', 'FROM', '(', 'DELETE', 'FROM', 't', ')'],
  ['VALUES', '(', '1', ')', ';', 'UPDATE', 't', 'SET', 'a', '=', '2'],
  ['SHOW', 'TABLES', ';', 'CREATE', 'TABLE', 'x', '(', 'a', 'INT', ')'],
  ['EXPLAIN', 'DROP', 'TABLE', 't'],
  ['USE', 'CATALOG', 'other'],
  ['ALTER', 'TABLE', 't', 'OWNER', 'TO', '`x`'],
];

const separator = fc.oneof(
  fc.constantFrom(' ', '  ', '\t', '\n', '\r\n', ' \n\t '),
  fc.constantFrom('/* x */', '/**/', '/* ; SELECT 1 */', '/* DROP */', ' --c\n', ' -- ; select\n'),
);

const randomCase = (word: string) =>
  fc
    .array(fc.boolean(), { minLength: word.length, maxLength: word.length })
    .map((flags) =>
      word.startsWith('`')
        ? word
        : [...word].map((ch, i) => (flags[i] ? ch.toUpperCase() : ch.toLowerCase())).join(''),
    );

const hostileVariant = fc
  .constantFrom(...TEMPLATES)
  .chain((words) =>
    fc.tuple(
      fc.tuple(...words.map(randomCase)),
      fc.array(separator, { minLength: words.length + 1, maxLength: words.length + 1 }),
      fc.boolean(),
    ),
  )
  .map(([words, seps, trailing]) => {
    let sql = seps[0] ?? '';
    words.forEach((word, i) => {
      sql += word + (i < words.length - 1 ? seps[i + 1] : '');
    });
    // A trailing `;` after a line comment would be commented out; put it on its own line.
    return trailing ? `${sql}\n;${seps.at(-1)}` : `${sql}${seps.at(-1)}`;
  });

/** Spark string literal of arbitrary text: backslash escapes, single quotes. */
const sparkString = (text: string) => `'${text.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;

describe('property: generated variants', () => {
  it('random casing, whitespace and comments around hostile statements stay refused', () => {
    fc.assert(
      fc.property(hostileVariant, (sql) => {
        expect(checkReadOnly(sql).ok, `accepted ${show(sql)}`).toBe(false);
      }),
      { numRuns: 2_000, seed: 9 },
    );
  });

  it('hostile text inside a string literal of a read still passes', () => {
    const text = fc.oneof(
      fc.constantFrom(...HOSTILE_SQL),
      fc.string({ unit: 'grapheme', maxLength: 80 }),
      fc.string({ unit: 'binary', maxLength: 80 }),
    );
    fc.assert(
      fc.property(
        text,
        fc.constantFrom('SELECT %s AS s', 'SELECT * FROM t WHERE a = %s', 'VALUES (%s)'),
        (payload, shape) => {
          const sql = shape.replace('%s', () => sparkString(payload));
          expect(checkReadOnly(sql), `refused ${show(sql)}`).toMatchObject({ ok: true });
        },
      ),
      { numRuns: 2_000, seed: 9 },
    );
  });

  it('hostile text inside comments and backtick identifiers of a read still passes', () => {
    const text = fc.oneof(fc.constantFrom(...HOSTILE_SQL), fc.string({ maxLength: 60 }));
    fc.assert(
      fc.property(text, (payload) => {
        const block = payload.replace(/\/\*|\*\//g, '');
        const line = payload.replace(/[\r\n\u2028\u2029]/g, ' ').replace(/\\+$/, '');
        const ident = payload.replace(/`/g, '``');
        for (const sql of [
          `SELECT 1 /* ${block} */`,
          `SELECT 1 -- ${line}\n`,
          `SELECT 1 AS \`${ident}\``,
        ]) {
          expect(checkReadOnly(sql), `refused ${show(sql)}`).toMatchObject({ ok: true });
        }
      }),
      { numRuns: 1_000, seed: 9 },
    );
  });
});

// ---- function calls (issue 14) ----

/** Refused by default, written here independently of the package's own tables. */
const REFUSED_NAMES = [
  'secret',
  'try_secret',
  'list_secrets',
  'ai_query',
  'ai_gen',
  'ai_classify',
  'ai_forecast',
  'vector_search',
  'read_files',
  'read_kafka',
  'read_kinesis',
  'read_pubsub',
  'read_pulsar',
  'read_statestore',
  'cloud_files_state',
  'remote_query',
  'http_request',
  'reflect',
  'java_method',
  'try_reflect',
  'python_exec',
];

const qualifier = fc.constantFrom(
  '',
  'builtin.',
  'BUILTIN.',
  'system.builtin.',
  'System . Builtin . ',
  '`system`.`builtin`.',
);

/** A refused name as a query can spell it: any case, maybe backticked, maybe qualified. */
const spelledName = fc
  .tuple(fc.constantFrom(...REFUSED_NAMES), qualifier, fc.boolean())
  .chain(([name, prefix, quoted]) =>
    randomCase(name).map((cased) => `${prefix}${quoted ? `\`${cased}\`` : cased}`),
  );

const callShape = fc.constantFrom(
  'SELECT %s AS v',
  'SELECT * FROM %s',
  'SELECT * FROM t WHERE x = %s',
  'WITH c AS (SELECT %s AS v) SELECT * FROM c',
  'SELECT v FROM t LATERAL VIEW explode(array(%s)) e AS v',
  'SELECT * FROM t WHERE a IN (SELECT %s)',
  'SELECT * FROM t, LATERAL %s',
  'SELECT transform(arr, x -> %s) FROM t',
  'EXPLAIN SELECT %s',
);

describe('property: function calls', () => {
  it('a refused function stays refused whatever its case, quoting, qualifier, spacing or comments before (', () => {
    fc.assert(
      fc.property(spelledName, separator, callShape, (name, gap, shape) => {
        const call = `${name}${gap}('a')`;
        const sql = shape.replace('%s', () => call);
        expect(checkReadOnly(sql), `accepted ${show(sql)}`).toMatchObject({
          ok: false,
          reason: 'side-effect-function',
        });
        expect(() => assertReadOnly(sql)).toThrow(/allowFunctions|readOnly: false/);
      }),
      { numRuns: 2_000, seed: 14 },
    );
  });

  it('the same names as columns, aliases and strings pass; followed by ( they are refused', () => {
    fc.assert(
      fc.property(fc.constantFrom(...REFUSED_NAMES), fc.boolean(), (name, quoted) =>
        fc.assert(
          fc.property(randomCase(name), (cased) => {
            const column = quoted ? `\`${cased}\`` : cased;
            for (const sql of [
              `SELECT ${column} FROM t WHERE ${column} IS NOT NULL`,
              `SELECT a AS ${column} FROM t`,
              `SELECT t.${column} FROM t ORDER BY ${column}`,
              `SELECT '${cased}(1)' AS s`,
            ]) {
              expect(checkReadOnly(sql), `refused ${show(sql)}`).toMatchObject({ ok: true });
              expect(checkReadOnly(sql, { functions: 'builtin-safe' })).toMatchObject({ ok: true });
            }
            const call = `SELECT ${column} ('a') FROM t`;
            expect(checkReadOnly(call), `accepted ${show(call)}`).toMatchObject({ ok: false });
          }),
          { numRuns: 10, seed: 14 },
        ),
      ),
      { numRuns: 200, seed: 14 },
    );
  });

  it('allowFunctions lets exactly the listed function through', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...REFUSED_NAMES),
        fc.constantFrom(...REFUSED_NAMES),
        (allowed, called) => {
          const sql = `SELECT ${called}('a')`;
          expect(checkReadOnly(sql, { allowFunctions: [allowed] }).ok).toBe(allowed === called);
        },
      ),
      { numRuns: 500, seed: 14 },
    );
  });
});
