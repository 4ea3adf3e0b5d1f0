import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { DuckDbEngine } from '../duckdb/duckdb_engine.js';
import { classifyError } from '../errors.js';
import { createDuckDbEngine } from '../index.js';
import type { EngineSession, SqlEngine } from '../sql_engine.js';
import { q, sqlError } from '../testing_engine.js';
import { refusedStatements } from './testing_host_access.js';

let directory: string;
/** Files the refused statements name: none may exist afterwards. */
let written: string[];
let engine: SqlEngine;
let s: EngineSession;

beforeAll(async () => {
  directory = await mkdtemp(join(tmpdir(), 'lc-host-access-'));
  written = ['x.csv', 'x.db', 'export', 'copied.csv'].map((name) => join(directory, name));
  const people = join(directory, 'people.csv');
  await writeFile(people, 'id,name\n1,Ada\n2,Linus\n');
  // Data loaded at start is read before the engine is locked.
  engine = await createDuckDbEngine({
    samples: false,
    data: [{ table: 'main.default.people', path: people }],
  });
  s = await engine.openSession({});
}, 60_000);

afterAll(async () => {
  await engine?.close();
  await rm(directory, { recursive: true, force: true });
});

describe('a session cannot reach the machine the engine runs on', () => {
  test.each(refusedStatements('<dir>'))('%s → %s', async (template, errorClass, sqlState) => {
    const e = await sqlError(q(s, template.replaceAll('<dir>', directory)));
    expect([e.errorClass, e.sqlState]).toEqual([errorClass, sqlState]);
    expect(e.message).toMatch(new RegExp(`^\\[${errorClass}\\] .+ SQLSTATE: ${sqlState}$`, 's'));
    for (const file of written) expect(existsSync(file)).toBe(false);
  });

  test('the engine settings are unchanged and the data loaded at start is there', async () => {
    expect(
      await q(
        s,
        "SELECT current_setting('enable_external_access'), current_setting('lock_configuration')",
      ),
    ).toEqual([[false, true]]);
    expect(await q(s, 'SELECT name FROM people ORDER BY id')).toEqual([['Ada'], ['Linus']]);
  });

  test('look-alikes of refused statements still run', async () => {
    await q(s, 'CREATE TABLE main.default.read_log (id INT, copy STRING)');
    await q(s, "INSERT INTO read_log (id, copy) VALUES (1, 'install httpfs')");
    await q(s, "UPDATE read_log SET copy = 'read_text(x)' WHERE id = 1");
    expect(
      await q(
        s,
        'WITH read_data (n) AS (SELECT id FROM read_log) SELECT n, copy FROM read_data, read_log',
      ),
    ).toEqual([[1, 'read_text(x)']]);
    expect(await q(s, "SELECT 'COPY (SELECT 1) TO x' AS load")).toEqual([['COPY (SELECT 1) TO x']]);
    // Databricks parameters and Spark settings are session configuration, as before.
    expect(await q(s, "SET timezone = 'UTC'")).toEqual([['timezone', 'UTC']]);
    expect(await q(s, 'SET spark.sql.shuffle.partitions = 4')).toEqual([
      ['spark.sql.shuffle.partitions', '4'],
    ]);
    // Creating a catalog attaches an in-memory database: still possible after the lock.
    await q(s, 'CREATE CATALOG IF NOT EXISTS after_lock');
    await q(s, 'CREATE TABLE after_lock.default.t AS SELECT 1 AS one');
    expect(await q(s, 'SELECT one FROM after_lock.default.t')).toEqual([[1]]);
  });
});

describe('the lock holds below the dialect layer', () => {
  test('DuckDB itself refuses files, extensions and configuration changes', async () => {
    const locked = await DuckDbEngine.create({ samples: false });
    const raw = await locked.instance.connect();
    try {
      const refusal = async (sql: string) => {
        try {
          await raw.run(sql);
        } catch (error) {
          return classifyError(error);
        }
        throw new Error(`DuckDB ran: ${sql}`);
      };
      for (const sql of [
        "SELECT * FROM read_text('/etc/passwd')",
        `COPY (SELECT 1) TO '${join(directory, 'x.csv')}'`,
        'LOAD httpfs',
        'INSTALL httpfs',
        `ATTACH '${join(directory, 'x.db')}'`,
      ]) {
        expect((await refusal(sql)).errorClass, sql).toBe('INSUFFICIENT_PERMISSIONS');
      }
      for (const sql of [
        'SET enable_external_access = true',
        'SET lock_configuration = false',
        'SET autoload_known_extensions = true',
        'SET allow_community_extensions = true',
      ]) {
        expect((await refusal(sql)).errorClass, sql).toBe('CONFIG_NOT_AVAILABLE');
      }
      for (const file of written) expect(existsSync(file)).toBe(false);
    } finally {
      raw.closeSync();
      await locked.close();
    }
  });
});

describe('allowLocalFileAccess', () => {
  test('lets SQL read and write files, and nothing else', async () => {
    const open = await createDuckDbEngine({ samples: false, allowLocalFileAccess: true });
    const copied = join(directory, 'copied.csv');
    try {
      const session = await open.openSession({});
      await q(session, `COPY (SELECT 7 AS n) TO '${copied}' (HEADER)`);
      expect(await q(session, `SELECT n FROM read_csv('${copied}')`)).toEqual([[7n]]);
      for (const [sql, errorClass] of [
        ['INSTALL httpfs', 'PARSE_SYNTAX_ERROR'],
        ['LOAD httpfs', 'PARSE_SYNTAX_ERROR'],
        [`ATTACH '${join(directory, 'x.db')}'`, 'PARSE_SYNTAX_ERROR'],
        ['PRAGMA database_list', 'PARSE_SYNTAX_ERROR'],
        ['SET enable_external_access = false', 'CONFIG_NOT_AVAILABLE'],
        ["SELECT * FROM query('SELECT 1')", 'UNRESOLVED_ROUTINE'],
      ]) {
        expect((await sqlError(q(session, sql as string))).errorClass, sql).toBe(errorClass);
      }
      expect(await q(session, "SELECT current_setting('lock_configuration')")).toEqual([[true]]);
    } finally {
      await open.close();
      await rm(copied, { force: true });
    }
  });
});
