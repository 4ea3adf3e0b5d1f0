/**
 * Integration tests against @lakechain/local-workspace, run once per transport: `thrift` (the
 * unmodified @databricks/sql driver over the real Thrift protocol) and `rest` (the SQL Statement
 * Execution API over fetch). Both must answer the same questions the same way.
 */
import { type LocalWorkspace, startLocalWorkspace } from '@lakechain/local-workspace';
import { SqlToolkit } from '@langchain/classic/agents/toolkits/sql';
import {
  type CreateSqlQueryChainFields,
  createSqlQueryChain,
  SqlDatabaseChain,
} from '@langchain/classic/chains/sql_db';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDatabricksSqlQueryChain } from './chains.js';
import { DatabricksSqlError, SqlGuardError } from './errors.js';
import { BENIGN_FUNCTION_STATEMENTS, HOSTILE_STATEMENTS } from './guard_corpus.js';
import { DATABRICKS_SQL_PROMPT } from './prompts.js';
import { DatabricksSqlDatabase } from './sql_database.js';
import { ScriptedChatModel } from './testing/scripted_model.js';

const TRANSPORTS = ['thrift', 'rest'] as const;
type Transport = (typeof TRANSPORTS)[number];

let ws: LocalWorkspace;

/** HTTP requests of a transport: Thrift RPCs, or Statement Execution calls plus link downloads. */
function requestsOf(transport: Transport): number {
  const counts = ws.faults.counts();
  return transport === 'thrift'
    ? (counts.thrift ?? 0)
    : (counts.statements ?? 0) + (counts['statement-links'] ?? 0);
}

/** The fault-injection route a statement submission goes through. */
const submitRoute = (transport: Transport) => (transport === 'thrift' ? 'thrift' : 'statements');

function connectWith(transport: Transport, extra: Record<string, unknown> = {}) {
  return DatabricksSqlDatabase.fromDatabricks({
    host: ws.host,
    token: ws.token,
    httpPath: ws.httpPath,
    caCert: ws.caCert,
    catalog: 'samples',
    schema: 'tpch',
    transport,
    ...extra,
  });
}

beforeAll(async () => {
  ws = await startLocalWorkspace();
});

afterAll(async () => {
  await ws?.stop();
});

describe.each(TRANSPORTS)('%s transport', (transport) => {
  let db: DatabricksSqlDatabase;
  const thrift = () => requestsOf(transport);
  const connect = (extra: Record<string, unknown> = {}) => connectWith(transport, extra);

  beforeAll(async () => {
    db = await connect();
  });

  afterAll(async () => {
    await db?.close();
  });

  describe('introspection and table info (samples.tpch)', () => {
    it('loads the table list with one statement', async () => {
      const before = thrift();
      const fresh = await connect();
      // OpenSession + one statement: 2 requests with direct results; when the statement outlasts the
      // warehouse's direct-results wait, add status polls, GetResultSetMetadata, FetchResults and
      // CloseOperation. Never anything per table.
      expect(thrift() - before).toBeLessThanOrEqual(8);
      expect((fresh as any).strategy).toBe('information_schema+keys');
      expect(fresh.allTables.map((t) => t.tableName)).toEqual(
        expect.arrayContaining([
          'customer',
          'lineitem',
          'nation',
          'orders',
          'part',
          'partsupp',
          'region',
          'supplier',
        ]),
      );
      await fresh.close();
    });

    it('renders DDL with comments and sample rows for every table in one batched round trip', async () => {
      const fresh = await connect();
      const statements: string[] = [];
      const connection = (fresh as any).connection;
      const execute = connection.execute.bind(connection);
      connection.execute = (sql: string, options: unknown) => {
        statements.push(sql);
        return execute(sql, options);
      };
      const before = thrift();
      const info = await fresh.getTableInfo();
      const trips = thrift() - before;
      // One statement for all 8 tables, never one per table. Its HTTP requests: ExecuteStatement,
      // plus status polls / fetch / close when the result is not inlined as direct results.
      expect(statements).toHaveLength(1);
      expect(trips).toBeLessThanOrEqual(6);
      expect(info).toContain('CREATE TABLE `samples`.`tpch`.`orders` (');
      expect(info).toMatch(/`o_orderkey` BIGINT NOT NULL COMMENT '[^']+'/);
      expect(info).toMatch(/`o_totalprice` DECIMAL\(\d+,\d+\)/);
      expect(info).toContain('  PRIMARY KEY (`o_orderkey`)');
      expect(info).toContain('  PRIMARY KEY (`l_orderkey`, `l_linenumber`)');
      expect(info).toMatch(/\/\*\n3 rows from orders table:\no_orderkey\to_custkey/);
      expect(info.match(/rows from \w+ table:/g)).toHaveLength(fresh.allTables.length);
      const again = thrift();
      await fresh.getTableInfo(['orders']);
      expect(thrift()).toBe(again); // cached
      await fresh.close();
    });

    it('getTableInfo(targets) and unknown names', async () => {
      const info = await db.getTableInfo(['samples.tpch.nation']);
      expect(info).toContain('CREATE TABLE `samples`.`tpch`.`nation`');
      expect(info).toContain('3 rows from nation table:');
      await expect(db.getTableInfo(['nope'])).rejects.toThrow(
        /Wrong target table name.*Available tables: customer/,
      );
    });

    it('includeTables with an unknown table lists what exists', async () => {
      await expect(connect({ includeTables: ['orders', 'ordres'] })).rejects.toThrow(
        /`includeTables`: 'ordres' not found in samples.tpch. Available tables: .*orders/,
      );
    });

    it('works for samples.nyctaxi.trips', async () => {
      const taxi = await connect({ schema: 'nyctaxi', sampleRowsInTableInfo: 2 });
      const info = await taxi.getTableInfo(['trips']);
      expect(info).toContain('CREATE TABLE `samples`.`nyctaxi`.`trips`');
      expect(info).toMatch(/TIMESTAMP/);
      expect(info).toContain('2 rows from trips table:');
      await taxi.close();
    });
  });

  describe('auth through @lakechain/core', () => {
    it('connects with OAuth M2M (service principal) as well as a PAT', async () => {
      const m2m = await DatabricksSqlDatabase.fromDatabricks({
        host: ws.host,
        clientId: ws.oauth.clientId,
        clientSecret: ws.oauth.clientSecret,
        httpPath: ws.httpPath,
        caCert: ws.caCert,
        catalog: 'samples',
        schema: 'tpch',
        env: {},
      });
      expect(await m2m.run('SELECT 1 AS one')).toBe('[{"one":1}]');
      await m2m.close();
    });

    it('a wrong token fails with a real Error', async () => {
      const error = await connect({ token: 'dapi-wrong' }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(Error);
      expect(`${error}`).not.toContain('[object Object]');
      expect(`${error}`).not.toContain('dapi-wrong');
      // Databricks answers an unknown token with 401 on Thrift and 403 on REST.
      expect(`${error}`).toMatch(/rejected the credentials \(HTTP 40[13]\)/);
    });
  });

  describe('run() and query()', () => {
    it('serialises Databricks types without loss or crash', async () => {
      const out = await db.run(
        "SELECT CAST(9007199254740991 AS BIGINT) AS big, CAST(12.50 AS DECIMAL(10,2)) AS dec, DATE'2024-02-29' AS d, " +
          "TIMESTAMP'2024-02-29 13:14:15' AS ts, unhex('01FF') AS bin, array(1, 2) AS arr, map('k', 1) AS m, " +
          "named_struct('x', 1, 'y', 'z') AS s, CAST(NULL AS STRING) AS n",
      );
      const [row] = JSON.parse(out);
      expect(row).toMatchObject({
        big: 9007199254740991,
        d: '2024-02-29',
        bin: '01FF',
        arr: [1, 2],
        m: { k: 1 },
        s: { x: 1, y: 'z' },
        n: null,
      });
      expect(String(row.dec)).toMatch(/^12\.5/);
      expect(String(row.ts)).toMatch(/^2024-02-29[ T]13:14:15/);
    });

    it('keeps BIGINT beyond 2^53 and DECIMAL(38,10) exact, end to end', async () => {
      const out = await db.run(
        'SELECT CAST(9007199254740993 AS BIGINT) AS big, CAST(-9223372036854775807 AS BIGINT) AS low, ' +
          "CAST('12345678901234567890.1234567890' AS DECIMAL(38,10)) AS dec",
      );
      // A JS number would print 9007199254740992 and 12345678901234567000: the digits prove no
      // float ever held these values (Arrow from the warehouse, bigint and exact decimal strings).
      expect(out).toContain('9007199254740993');
      expect(out).toContain('-9223372036854775807');
      expect(out).toContain('12345678901234567890.1234567890');
    });

    it('stops fetching after maxRows and says the result was truncated', async () => {
      const small = await connect({ maxRows: 10 });
      const before = thrift();
      const out = await small.run('SELECT * FROM range(1000000)');
      // A full download would take thousands of FetchResults; the capped fetch needs a handful of
      // requests (execute, status polls, metadata, one fetch, close).
      expect(thrift() - before).toBeLessThanOrEqual(10);
      const [json, note] = out.split('\n');
      expect(JSON.parse(json!)).toHaveLength(10);
      expect(note).toMatch(/Showing the first 10 rows; the result has more/);
      const q = await small.query('SELECT * FROM range(1000000)', { maxRows: 3 });
      expect(q.rows).toHaveLength(3);
      expect(q.truncated).toBe(true);
      expect(q.columns).toHaveLength(1);
      await small.close();
    });

    it('query() takes named parameters and returns column metadata', async () => {
      const q = await db.query('SELECT n_name FROM samples.tpch.nation WHERE n_nationkey = :k', {
        params: { k: 1 },
      });
      expect(q.rows).toEqual([{ n_name: 'ARGENTINA' }]);
      expect(q.columns).toEqual([{ name: 'n_name', type: 'STRING' }]);
      expect(q.truncated).toBe(false);
    });

    it('errors from bad SQL are real Errors carrying the error class', async () => {
      const error = await db.run('SELECT * FROM nope').catch((e: unknown) => e);
      expect(error).toBeInstanceOf(Error);
      expect(DatabricksSqlError.isInstance(error)).toBe(true);
      expect((error as DatabricksSqlError).errorClass).toBe('TABLE_OR_VIEW_NOT_FOUND');
      expect(`${error}`).toContain('[TABLE_OR_VIEW_NOT_FOUND]');
      expect(`${error}`).not.toContain('[object Object]');
    });

    it('guard refusals never reach the warehouse', async () => {
      const before = thrift();
      for (const { sql } of HOSTILE_STATEMENTS) {
        await expect(db.run(sql)).rejects.toBeInstanceOf(SqlGuardError);
      }
      expect(thrift()).toBe(before);
    });

    it('function calls: refused ones never reach the warehouse, names that are not calls run, opted-in calls are sent', async () => {
      const before = thrift();
      for (const { twin } of BENIGN_FUNCTION_STATEMENTS) {
        await expect(db.run(twin)).rejects.toBeInstanceOf(SqlGuardError);
      }
      expect(thrift()).toBe(before);

      // Columns and CTEs named like refused functions reach the warehouse and run.
      expect(
        await db.run('WITH secret AS (SELECT 1 AS secret) SELECT secret FROM secret AS ai_query'),
      ).toBe('[{"secret":1}]');
      const strict = await connect({ functions: 'builtin-safe' });
      expect(
        await strict.run(
          'SELECT upper(n_name) AS n, count(*) AS c FROM samples.tpch.nation WHERE n_nationkey IN (1, 2) GROUP BY n_name ORDER BY n',
        ),
      ).toBe('[{"n":"ARGENTINA","c":1},{"n":"BRAZIL","c":1}]');
      await expect(strict.run('SELECT my_udf(1)')).rejects.toMatchObject({
        reason: 'function-not-allowed',
      });
      await strict.close();

      // Opted in, the call is the warehouse's to answer (the local one has no ai_query).
      const optedIn = await connect({ allowFunctions: ['ai_query'] });
      await optedIn.run('SELECT 1');
      const sent = thrift();
      const error = await optedIn
        .run("SELECT ai_query('endpoint', 'text')")
        .catch((e: unknown) => e);
      expect(SqlGuardError.isInstance(error)).toBe(false);
      expect(DatabricksSqlError.isInstance(error)).toBe(true);
      expect(thrift()).toBeGreaterThan(sent);
      await optedIn.close();
    });
  });

  describe('cancellation and sessions', () => {
    it('AbortSignal cancels the running statement on the warehouse', async () => {
      const controller = new AbortController();
      const pending = db.query('SELECT count(*) FROM range(100000000000)', {
        signal: controller.signal,
      });
      setTimeout(() => controller.abort(), 300);
      await expect(pending).rejects.toSatisfy(
        (e: unknown) => DatabricksSqlError.isInstance(e) && e.kind === 'canceled',
      );
      expect(await db.run('SELECT 1 AS ok')).toBe('[{"ok":1}]');
    });

    it('queryTimeout cancels the statement', async () => {
      const quick = await connect({ queryTimeout: 0.5 });
      await expect(quick.run('SELECT count(*) FROM range(100000000000)')).rejects.toThrow(
        /timed out/,
      );
      await quick.close();
    });

    it('a 503 or 429 on ExecuteStatement (statement not run) is retried, like the Python connector', async () => {
      const fresh = await connect();
      try {
        for (const rule of [{ rate503: 1 }, { rate429: 1, retryAfterSeconds: 0 }]) {
          ws.faults.resetCounts();
          // The next two submissions fail: the Thrift driver itself retries nothing for
          // ExecuteStatement (it is not idempotent), so these reach the package; on REST core's
          // transport retries a POST only for these two statuses, which prove it did not run.
          ws.faults.setRules([{ route: submitRoute(transport), ...rule, times: 2 }]);
          expect(await fresh.run('SELECT 41 + 1 AS answer')).toBe('[{"answer":42}]');
          expect(thrift()).toBeGreaterThanOrEqual(3);
        }
      } finally {
        ws.faults.setRules([]);
        await fresh.close();
      }
    });

    it('a warehouse that keeps answering 503 fails with a retryable typed error', async () => {
      const fresh = await connect({ statementRetries: 1 });
      const patient = await connect({ statementRetries: 10 });
      try {
        ws.faults.setRules([{ route: submitRoute(transport), rate503: 1 }]);
        const error = await fresh.query('SELECT 1').catch((e: unknown) => e);
        expect(DatabricksSqlError.isInstance(error)).toBe(true);
        expect(error).toMatchObject({ kind: 'connection', retryable: true });
        // Waiting for the next attempt is cancellable like the statement itself.
        const controller = new AbortController();
        setTimeout(() => controller.abort(), 300);
        const aborted = await patient
          .query('SELECT 1', { signal: controller.signal })
          .catch((e: unknown) => e);
        expect(aborted).toMatchObject({ kind: 'canceled' });
      } finally {
        ws.faults.setRules([]);
        await patient.close();
        await fresh.close();
      }
    });
  });

  describe('@langchain/classic compatibility', () => {
    it('createSqlQueryChain with DATABRICKS_SQL_PROMPT, then run()', async () => {
      const llm = new ScriptedChatModel({
        responses: ['SELECT count(*) AS `orders` FROM `samples`.`tpch`.`orders`'],
      });
      const chain = await createSqlQueryChain({
        llm,
        db,
        prompt: DATABRICKS_SQL_PROMPT,
        dialect: 'databricks' as CreateSqlQueryChainFields['dialect'],
      });
      const sql = await chain.invoke({ question: 'How many orders are there?' });
      expect(llm.prompts[0]).toContain('CREATE TABLE `samples`.`tpch`.`orders`');
      const out = JSON.parse(await db.run(sql));
      expect(Number(out[0].orders)).toBeGreaterThan(0);
    });

    it('the README quick start: createDatabricksSqlQueryChain then run()', async () => {
      const llm = new ScriptedChatModel({
        responses: [
          'SELECT count(*) AS `orders` FROM `samples`.`tpch`.`orders` WHERE year(`o_orderdate`) = 1995',
        ],
      });
      const chain = await createDatabricksSqlQueryChain({ llm, db });
      const sql = await chain.invoke({ question: 'How many orders were placed in 1995?' });
      const [row] = JSON.parse(await db.run(sql));
      expect(Number(row.orders)).toBeGreaterThan(0);
      expect(llm.prompts[0]).toContain('You are a Databricks SQL expert');
    });

    it('SqlToolkit: all four tools', async () => {
      const llm = new ScriptedChatModel({ responses: ['SELECT 1'] });
      const toolkit = new SqlToolkit(db, llm);
      const tools = Object.fromEntries(toolkit.tools.map((t) => [t.name, t]));
      expect(await tools['list-tables-sql']!.invoke('')).toContain('orders');
      expect(await tools['info-sql']!.invoke('orders, region')).toContain(
        'rows from region table:',
      );
      expect(
        await tools['query-sql']!.invoke(
          'SELECT r_name FROM samples.tpch.region ORDER BY r_regionkey LIMIT 1',
        ),
      ).toBe('[{"r_name":"AFRICA"}]');
      expect(await tools['query-sql']!.invoke('SELECT zz FROM samples.tpch.region')).toContain(
        '[UNRESOLVED_COLUMN',
      );
      expect(await tools['query-checker']!.invoke('SELECT 1')).toBe('SELECT 1');
    });

    it('SqlDatabaseChain', async () => {
      const llm = new ScriptedChatModel({
        responses: ['SELECT count(*) AS n FROM samples.tpch.region', 'There are 5 regions.'],
      });
      const chain = new SqlDatabaseChain({ llm, database: db, prompt: DATABRICKS_SQL_PROMPT });
      const out = await chain.invoke({ query: 'How many regions?' });
      expect(out.result).toBe('There are 5 regions.');
      expect(llm.prompts[1]).toContain('SQLResult: [{"n":5}]');
    });
  });
});

describe('thrift transport only: driver sessions', () => {
  it('reuses one session and reopens it transparently when the warehouse dropped it', async () => {
    const own = await connectWith('thrift');
    await own.run('SELECT 1');
    await own.run('SELECT 2');
    const connection = (own as any).connection;
    expect(connection.sessionsOpened).toBe(1);
    // Close the session on the server only (the driver object still thinks it is open).
    await connection.currentSession.backend.close();
    expect(await own.run('SELECT 3 AS x')).toBe('[{"x":3}]');
    expect(connection.sessionsOpened).toBe(2);
    await own.close();
    await expect(own.run('SELECT 4')).rejects.toThrow(/closed/);
  });
});

describe('rest transport only', () => {
  it('the Thrift and REST transports give the same rows for the same questions', async () => {
    const [thriftDb, restDb] = await Promise.all([connectWith('thrift'), connectWith('rest')]);
    try {
      for (const sql of [
        'SELECT * FROM samples.tpch.nation ORDER BY n_nationkey',
        'SELECT o_orderkey, o_totalprice, o_orderdate FROM samples.tpch.orders ORDER BY o_orderkey LIMIT 50',
        'SELECT * FROM samples.nyctaxi.trips ORDER BY tpep_pickup_datetime LIMIT 20',
      ]) {
        expect(await restDb.run(sql)).toBe(await thriftDb.run(sql));
        const [fromThrift, fromRest] = await Promise.all([thriftDb.query(sql), restDb.query(sql)]);
        expect(fromRest).toEqual(fromThrift);
      }
      expect(await restDb.getTableInfo()).toBe(await thriftDb.getTableInfo());
    } finally {
      await Promise.all([thriftDb.close(), restDb.close()]);
    }
  });

  it('an aborted statement is cancelled on the warehouse once its id is known', async () => {
    const rest = await connectWith('rest', { statementExecution: { waitTimeoutSeconds: 5 } });
    try {
      const controller = new AbortController();
      const pending = rest.query('SELECT count(*) FROM range(100000000000)', {
        signal: controller.signal,
      });
      setTimeout(() => controller.abort(), 300);
      await expect(pending).rejects.toMatchObject({ kind: 'canceled' });
      let state: string | undefined;
      for (let i = 0; i < 200 && state !== 'CANCELED'; i++) {
        await new Promise((resolve) => setTimeout(resolve, 50));
        state = ws.statementExecution
          .statements()
          .filter((s) => s.statement.includes('range(100000000000)'))
          .at(-1)?.state;
      }
      expect(state).toBe('CANCELED');
    } finally {
      await rest.close();
    }
  });

  it('large results come as Arrow chunks from presigned links, without the workspace token', async () => {
    const rest = await connectWith('rest');
    try {
      const before = ws.statementExecution.linkRequests.length;
      const result = await rest.query('SELECT id, id * 2 AS twice FROM range(50000)', {
        maxRows: 50_000,
      });
      expect(result.rows).toHaveLength(50_000);
      expect(result.truncated).toBe(false);
      expect(result.rows[49_999]).toEqual({ id: 49_999n, twice: 99_998n });
      const downloads = ws.statementExecution.linkRequests.slice(before);
      expect(downloads.length).toBeGreaterThan(0);
      expect(downloads.every((d) => !d.authorization && d.status === 200)).toBe(true);
    } finally {
      await rest.close();
    }
  });

  it('positional parameters are refused with a typed error that says what to do', async () => {
    const rest = await connectWith('rest');
    try {
      await expect(rest.query('SELECT ?', { params: [1] })).rejects.toThrow(
        /named parameters only/,
      );
    } finally {
      await rest.close();
    }
  });
});
