import { DatabricksConfigError } from '@lakechain/core';
import { SqlToolkit } from '@langchain/classic/agents/toolkits/sql';
import {
  type CreateSqlQueryChainFields,
  createSqlQueryChain,
  SqlDatabaseChain,
} from '@langchain/classic/chains/sql_db';
import { describe, expect, it, vi } from 'vitest';
import { createDatabricksSqlQueryChain } from './chains.js';
import { DatabricksSqlError, SqlGuardError } from './errors.js';
import { DATABRICKS_SQL_PROMPT } from './prompts.js';
import { cleanModelSql, DatabricksSqlDatabase } from './sql_database.js';
import { FakeStatusError, type FakeTable, FakeWarehouse } from './testing/fake_driver.js';
import { ScriptedChatModel } from './testing/scripted_model.js';

const TABLES: Record<string, FakeTable> = {
  orders: {
    comment: 'Orders',
    columns: [
      { name: 'o_orderkey', type: 'BIGINT', nullable: false, comment: 'Key' },
      { name: 'o_comment', type: 'STRING' },
    ],
    rows: [
      { o_orderkey: 1, o_comment: 'first\torder' },
      { o_orderkey: 2, o_comment: 'x'.repeat(500) },
      { o_orderkey: 3, o_comment: null },
      { o_orderkey: 4, o_comment: 'fourth' },
    ],
  },
  nation: {
    columns: [
      { name: 'n_nationkey', type: 'INT', nullable: false },
      { name: 'n_name', type: 'STRING' },
    ],
    rows: [{ n_nationkey: 0, n_name: 'ALGERIA' }],
  },
  secrets: { columns: [{ name: 's', type: 'STRING' }], rows: [{ s: 'hidden' }] },
};

function warehouse(handler?: ConstructorParameters<typeof FakeWarehouse>[3]) {
  return new FakeWarehouse('samples', 'tpch', TABLES, handler);
}

async function open(wh: FakeWarehouse, extra: Record<string, unknown> = {}) {
  return DatabricksSqlDatabase.fromDatabricks({
    session: wh.session(),
    catalog: 'samples',
    schema: 'tpch',
    ...extra,
  });
}

describe('DatabricksSqlDatabase (offline, fake driver)', () => {
  it('loads the table list with one metadata query and no samples', async () => {
    const wh = warehouse();
    const db = await open(wh);
    expect(wh.statements).toHaveLength(1);
    expect(wh.statements[0]).toContain('information_schema.columns');
    expect(db.allTables.map((t) => t.tableName)).toEqual(['nation', 'orders', 'secrets']);
    expect(db.dialect).toBe('databricks');
    expect(db.getUsableTableNames()).toEqual(['nation', 'orders', 'secrets']);
  });

  it('getTableInfo: DDL and samples for all tables in ONE batched query, cached', async () => {
    const wh = warehouse();
    const db = await open(wh, { ignoreTables: ['secrets'], maxStringLength: 20 });
    const info = await db.getTableInfo();
    expect(wh.statements).toHaveLength(2);
    expect(wh.statements[1]!.match(/UNION ALL/g)).toHaveLength(1);
    expect(info).toContain(
      "CREATE TABLE `samples`.`tpch`.`orders` (\n  `o_orderkey` BIGINT NOT NULL COMMENT 'Key',",
    );
    expect(info).toContain(
      '3 rows from orders table:\no_orderkey\to_comment\n1\tfirst order\n2\txxxxxxxxxxxxxxxxx...\n3\tNULL',
    );
    expect(info).toContain('1 rows from nation table:');
    expect(info).not.toContain('secrets');
    await db.getTableInfo(['orders']);
    expect(wh.statements).toHaveLength(2); // samples cached
  });

  it('getTableInfo(targets) accepts qualified names and rejects unknown or ignored ones', async () => {
    const db = await open(warehouse(), { ignoreTables: ['secrets'], sampleRowsInTableInfo: 0 });
    const info = await db.getTableInfo(['samples.tpch.`nation`']);
    expect(info).toContain('CREATE TABLE `samples`.`tpch`.`nation`');
    expect(info).not.toContain('rows from');
    await expect(db.getTableInfo(['secrets'])).rejects.toThrow(
      /Wrong target table name: the table secrets was not found.*Available tables: nation, orders/,
    );
  });

  it('checks includeTables against the schema', async () => {
    const wh = warehouse();
    await expect(open(wh, { includeTables: ['orders', 'lineitem'] })).rejects.toSatisfy(
      (e: unknown) =>
        DatabricksConfigError.isInstance(e) &&
        /'lineitem' not found in samples.tpch. Available tables: nation, orders, secrets/.test(
          (e as Error).message,
        ),
    );
    const db = await open(warehouse(), { includeTables: ['ORDERS'] });
    expect(db.includesTables).toEqual(['orders']);
    expect(db.getUsableTableNames()).toEqual(['orders']);
  });

  it('run(): JSON rows, fetch one, empty string, truncation note after maxRows', async () => {
    const rows = Array.from({ length: 1000 }, (_, i) => ({
      id: BigInt(i) * 10n ** 17n,
      d: new Date(0),
    }));
    const wh = warehouse((sql) =>
      sql.includes('range') ? rows : sql.includes('empty') ? [] : rows.slice(0, 2),
    );
    const db = await open(wh, { maxRows: 5 });
    const out = await db.run('SELECT * FROM range(1000)');
    const [json, note] = out.split('\n');
    expect(JSON.parse(json!)).toHaveLength(5);
    expect(JSON.parse(json!)[1].id).toBe('100000000000000000');
    expect(note).toBe('(Showing the first 5 rows; the result has more. Add a LIMIT or aggregate.)');
    const op = wh.operations.at(-1)!;
    expect(op.rowsServed).toBeLessThanOrEqual(6);
    expect(op.closed).toBe(true);
    expect(await db.run('SELECT 1 AS two', 'one')).toBe('{"id":0,"d":"1970-01-01T00:00:00.000Z"}');
    expect(await db.run('SELECT * FROM empty')).toBe('');
  });

  it('run() ignores a Markdown fence or SQLQuery: label around the SQL', async () => {
    const wh = warehouse(() => [{ one: 1 }]);
    const db = await open(wh);
    expect(await db.run('```sql\nSELECT 1 AS one;\n```')).toBe('[{"one":1}]');
    expect(await db.run('SQLQuery: SELECT 1 AS one')).toBe('[{"one":1}]');
    expect(wh.statements.at(-1)).toBe('SELECT 1 AS one');
    expect(cleanModelSql('```\nSELECT 2\n```')).toBe('SELECT 2');
    expect(cleanModelSql("SELECT '```'")).toBe("SELECT '```'");
  });

  it('turns driver StatusErrors into real Errors with the error class', async () => {
    const db = await open(
      warehouse(() => {
        throw new FakeStatusError(
          '[TABLE_OR_VIEW_NOT_FOUND] The table or view `nope` cannot be found. SQLSTATE: 42P01',
        );
      }),
    );
    const error = await db.run('SELECT * FROM nope').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(Error);
    expect(`${error}`).toMatch(/^DatabricksSqlError: \[TABLE_OR_VIEW_NOT_FOUND\]/);
    expect((error as DatabricksSqlError).sqlState).toBe('42P01');
    expect(await db.runNoThrow('SELECT * FROM nope')).toMatch(
      /^Error: \[TABLE_OR_VIEW_NOT_FOUND\]/,
    );
  });

  it('refuses writes before anything reaches the warehouse; readOnly: false opts out', async () => {
    const wh = warehouse(() => [{ ok: true }]);
    const db = await open(wh);
    const before = wh.statements.length;
    await expect(db.run('DROP TABLE orders')).rejects.toBeInstanceOf(SqlGuardError);
    await expect(db.query('SELECT 1; DELETE FROM orders')).rejects.toThrow(/Refused/);
    expect(wh.statements.length).toBe(before);
    const rw = await open(wh, { readOnly: false });
    expect(await rw.run('DELETE FROM orders')).toBe('[{"ok":true}]');
  });

  it('refuses dangerous functions before the warehouse; functions and allowFunctions are options', async () => {
    const wh = warehouse(() => [{ ok: true }]);
    const db = await open(wh);
    const before = wh.statements.length;
    const refused = await db.run("SELECT secret('scope', 'key')").catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(SqlGuardError);
    expect(refused).toMatchObject({ functionName: 'secret', category: 'secrets' });
    expect(await db.runNoThrow("SELECT * FROM read_files('s3://bucket/x')")).toMatch(
      /^Error: Refused: read_files\(\) reads files.*add 'read_files' to the allowFunctions option/,
    );
    await expect(db.query("SELECT ai_query('endpoint', 'text')")).rejects.toThrow(/category: ai/);
    expect(wh.statements.length).toBe(before);

    const optedIn = await open(wh, { allowFunctions: ['ai_query'] });
    expect(await optedIn.run("SELECT ai_query('endpoint', 'text') AS ok")).toBe('[{"ok":true}]');
    await expect(optedIn.run("SELECT ai_gen('text')")).rejects.toBeInstanceOf(SqlGuardError);
    expect(optedIn.serialize()).toMatchObject({
      functions: 'denylist',
      allowFunctions: ['ai_query'],
    });

    const strict = await open(wh, { functions: 'builtin-safe' });
    await expect(strict.run('SELECT main.tools.lookup(1)')).rejects.toMatchObject({
      reason: 'function-not-allowed',
    });
    expect(await strict.run('SELECT upper(n_name) AS ok FROM nation')).toBe('[{"ok":true}]');
    expect(strict.serialize()).toMatchObject({ functions: 'builtin-safe', allowFunctions: [] });

    // readOnly: false sends statements unchecked, functions included.
    const unchecked = await open(wh, { readOnly: false });
    expect(await unchecked.run("SELECT secret('scope', 'key') AS ok")).toBe('[{"ok":true}]');
  });

  it('query(): columns, raw values, truncated flag, parameters pass through', async () => {
    const wh = warehouse(() => [{ a: 1n }, { a: 2n }, { a: 3n }]);
    const db = await open(wh);
    const result = await db.query('SELECT a FROM t WHERE a > :min', {
      params: { min: 0 },
      maxRows: 2,
    });
    expect(result.rows).toEqual([{ a: 1n }, { a: 2n }]);
    expect(result.truncated).toBe(true);
    expect(result.columns).toEqual([{ name: 'a', type: 'STRING' }]);
  });

  it('AbortSignal cancels the statement on the warehouse', async () => {
    const wh = warehouse(() => ({ rows: [{ a: 1 }], delayMs: 5000 }));
    const db = await open(wh);
    const controller = new AbortController();
    const pending = db.query('SELECT slow()', { signal: controller.signal });
    // Abort once the statement runs on the warehouse (it would run for 5 s).
    await vi.waitFor(() => expect(wh.operations).not.toHaveLength(0));
    controller.abort();
    await expect(pending).rejects.toSatisfy(
      (e: unknown) => DatabricksSqlError.isInstance(e) && e.kind === 'canceled',
    );
    expect(wh.operations.at(-1)!.canceled).toBe(true);
    expect(wh.operations.at(-1)!.closed).toBe(true);
  });

  it('queryTimeout cancels the statement on the warehouse', async () => {
    const wh = warehouse(() => ({ rows: [{ a: 1 }], delayMs: 5000 }));
    const db = await open(wh, { queryTimeout: 0.05 });
    await expect(db.run('SELECT slow()')).rejects.toThrow(
      /timed out after 0.05 s and was cancelled/,
    );
    expect(wh.operations.at(-1)!.canceled).toBe(true);
  });

  it('reuses one session and reopens it when the warehouse dropped it', async () => {
    const wh = warehouse(() => [{ x: 1 }]);
    const db = await DatabricksSqlDatabase.fromDatabricks({
      client: wh.client(),
      catalog: 'samples',
      schema: 'tpch',
    });
    await db.run('SELECT 1');
    await db.run('SELECT 2');
    expect(wh.sessionsOpened).toBe(1);
    wh.expireSessions = true;
    expect(await db.run('SELECT 3')).toBe('[{"x":1}]');
    expect(wh.sessionsOpened).toBe(2);
    await db.close();
    await expect(db.run('SELECT 4')).rejects.toThrow(/closed/);
  });

  it('serialize() carries configuration, never credentials', async () => {
    const db = await DatabricksSqlDatabase.fromDatabricks({
      session: warehouse().session(),
      host: 'https://adb-1.azuredatabricks.net',
      token: 'dapi-SECRET',
      catalog: 'samples',
      schema: 'tpch',
      includeTables: ['orders'],
    });
    const s = db.serialize();
    expect(s).toMatchObject({
      _type: 'databricks_sql_database',
      host: 'adb-1.azuredatabricks.net',
      catalog: 'samples',
      schema: 'tpch',
      includesTables: ['orders'],
      sampleRowsInTableInfo: 3,
      readOnly: true,
    });
    expect(JSON.stringify(s)).not.toContain('SECRET');
    await expect(db.getContext()).resolves.toMatchObject({ table_names: 'orders' });
  });
});

describe('@langchain/classic compatibility (scripted chat model)', () => {
  it('createSqlQueryChain with DATABRICKS_SQL_PROMPT', async () => {
    const db = await open(warehouse());
    const llm = new ScriptedChatModel({
      responses: ['SELECT count(*) FROM `samples`.`tpch`.`orders`'],
    });
    const chain = await createSqlQueryChain({
      llm,
      db,
      prompt: DATABRICKS_SQL_PROMPT,
      k: 7,
      dialect: 'databricks' as CreateSqlQueryChainFields['dialect'],
    });
    const sql = await chain.invoke({ question: 'How many orders?' });
    expect(sql).toBe('SELECT count(*) FROM `samples`.`tpch`.`orders`');
    const prompt = llm.prompts[0]!;
    expect(prompt).toContain('LIMIT 7');
    expect(prompt).toContain('CREATE TABLE `samples`.`tpch`.`orders`');
    expect(prompt).toContain('Question: How many orders?');
  });

  it('createDatabricksSqlQueryChain uses the Databricks prompt by default', async () => {
    const db = await open(warehouse());
    const llm = new ScriptedChatModel({ responses: ['SELECT 1'] });
    const chain = await createDatabricksSqlQueryChain({ llm, db, k: 3 });
    expect(await chain.invoke({ question: 'Q?', tableNamesToUse: ['nation'] })).toBe('SELECT 1');
    expect(llm.prompts[0]).toContain('You are a Databricks SQL expert');
    expect(llm.prompts[0]).toContain('LIMIT 3');
    expect(llm.prompts[0]).not.toContain('`orders`');
  });

  it('SqlToolkit: query-sql, info-sql, list-tables-sql, query-checker', async () => {
    const wh = warehouse(() => {
      throw new FakeStatusError(
        '[UNRESOLVED_COLUMN.WITH_SUGGESTION] A column `zz` cannot be resolved. SQLSTATE: 42703',
      );
    });
    const db = await open(wh, { ignoreTables: ['secrets'] });
    const llm = new ScriptedChatModel({ responses: ['SELECT 1'] });
    const toolkit = new SqlToolkit(db, llm);
    const byName = Object.fromEntries(toolkit.tools.map((t) => [t.name, t]));
    expect(Object.keys(byName).sort()).toEqual([
      'info-sql',
      'list-tables-sql',
      'query-checker',
      'query-sql',
    ]);
    expect(await byName['list-tables-sql']!.invoke('')).toBe('nation, orders');
    expect(await byName['info-sql']!.invoke('orders, nation')).toContain(
      'CREATE TABLE `samples`.`tpch`.`nation`',
    );
    const err = await byName['query-sql']!.invoke('SELECT zz FROM orders');
    expect(err).toContain('[UNRESOLVED_COLUMN.WITH_SUGGESTION]');
    expect(err).not.toContain('[object Object]');
    expect(await byName['query-sql']!.invoke('DROP TABLE orders')).toMatch(/Refused/);
    expect(await byName['query-checker']!.invoke('SELECT 1')).toBe('SELECT 1');
  });

  it('SqlDatabaseChain runs through the appDataSource shim (guarded)', async () => {
    const wh = warehouse(() => [{ n: 42n }]);
    const db = await open(wh);
    const llm = new ScriptedChatModel({
      responses: ['SELECT count(*) AS n FROM orders', 'There are 42 orders.'],
    });
    const chain = new SqlDatabaseChain({
      llm,
      database: db,
      prompt: DATABRICKS_SQL_PROMPT,
      sqlOutputKey: 'sql',
    });
    const out = await chain.invoke({ query: 'How many orders?' });
    expect(out.result).toBe('There are 42 orders.');
    expect(out.sql).toBe('SELECT count(*) AS n FROM orders');
    expect(wh.statements.at(-1)).toBe('SELECT count(*) AS n FROM orders');
  });
});
