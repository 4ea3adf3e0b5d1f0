/**
 * Conformance suite: the unmodified `@databricks/sql` driver against the local workspace with the
 * real DuckDB engine, exactly as an application would use it against Databricks.
 */
import { resolveConfig, toSqlConnectionOptions } from '@lakechain/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type LocalWorkspace, startLocalWorkspace } from '../../workspace.js';
import { type Client, connectDriver, newClient } from './testing/driver.js';
import { httpsRequest } from './testing/https.js';

type Session = Awaited<ReturnType<Client['openSession']>>;
type Row = Record<string, unknown>;

describe('conformance: @databricks/sql against the local workspace', () => {
  let ws: LocalWorkspace;
  let client: Client;
  let session: Session;

  const rows = async (sql: string, options: Record<string, unknown> = {}): Promise<Row[]> => {
    const operation = await session.executeStatement(sql, options);
    try {
      return (await operation.fetchAll()) as Row[];
    } finally {
      await operation.close();
    }
  };

  beforeAll(async () => {
    // A generous inline wait keeps the direct-results assertions stable on a loaded CI machine;
    // the polling path is exercised deterministically (the client asks for no direct results).
    ws = await startLocalWorkspace({ directResultsWaitMs: 1000 });
    client = await connectDriver(ws);
    session = await client.openSession({ initialCatalog: 'main', initialSchema: 'default' });
  });

  afterAll(async () => {
    await client?.close();
    await ws?.stop();
  });

  describe('authentication', () => {
    it('connects with the PAT', async () => {
      expect(await rows('SELECT 1 AS one')).toEqual([{ one: 1 }]);
    });

    it('rejects a wrong token', async () => {
      const bad = newClient();
      await bad.connect({
        ...ws.connectionOptions(),
        token: 'dapi00000000000000000000000000000000',
        telemetryEnabled: false,
      } as never);
      await expect(bad.openSession()).rejects.toMatchObject({
        message: expect.stringMatching(/401/),
      });
      await bad.close();
    });

    it('accepts an OAuth M2M token from the workspace token endpoint', async () => {
      const basic = Buffer.from(`${ws.oauth.clientId}:${ws.oauth.clientSecret}`).toString('base64');
      const response = await httpsRequest(`${ws.host}/oidc/v1/token`, {
        ca: ws.caCert,
        method: 'POST',
        headers: {
          authorization: `Basic ${basic}`,
          'content-type': 'application/x-www-form-urlencoded',
        },
        body: 'grant_type=client_credentials&scope=all-apis',
      });
      expect(response.status).toBe(200);
      const { access_token: accessToken } = JSON.parse(response.body) as { access_token: string };
      const oauthClient = await connectDriver(ws, { token: accessToken });
      const oauthSession = await oauthClient.openSession();
      const operation = await oauthSession.executeStatement('SELECT 2 AS two');
      expect(await operation.fetchAll()).toEqual([{ two: 2 }]);
      await oauthClient.close();
    });
  });

  describe('authentication through @lakechain/core', () => {
    it('connects with OAuth M2M resolved from DATABRICKS_* variables', async () => {
      const config = await resolveConfig({
        env: {
          DATABRICKS_HOST: ws.host,
          DATABRICKS_CLIENT_ID: ws.oauth.clientId,
          DATABRICKS_CLIENT_SECRET: ws.oauth.clientSecret,
          DATABRICKS_WAREHOUSE_ID: ws.warehouseId,
        },
        caCert: ws.caCert,
      });
      const issuedBefore = ws.tokens.issuedCount;
      const oauthClient = newClient();
      await oauthClient.connect({
        ...toSqlConnectionOptions(config),
        telemetryEnabled: false,
      } as never);
      const oauthSession = await oauthClient.openSession();
      for (let round = 0; round < 3; round += 1) {
        const operation = await oauthSession.executeStatement('SELECT 5 AS five');
        expect(await operation.fetchAll()).toEqual([{ five: 5 }]);
      }
      await oauthClient.close();
      // One token for every Thrift call: core caches it.
      expect(ws.tokens.issuedCount - issuedBefore).toBe(1);
    });
  });

  describe('statements', () => {
    it('returns a fast result inline (directResults: one round trip)', async () => {
      ws.faults.resetCounts();
      const operation = await session.executeStatement('SELECT 40 + 2 AS answer');
      expect(await operation.fetchAll()).toEqual([{ answer: 42 }]);
      await operation.close();
      expect(ws.faults.counts().thrift).toBe(1);
    });

    it('runs asynchronously when the client does not ask for direct results (polling path)', async () => {
      ws.faults.resetCounts();
      const operation = await session.executeStatement(
        'SELECT count(*) AS total FROM range(3000000)',
        { maxRows: null },
      );
      const result = (await operation.fetchAll()) as Row[];
      expect(Number(result[0]?.total)).toBe(3_000_000);
      await operation.close();
      // ExecuteStatement, GetOperationStatus, GetResultSetMetadata, FetchResults..., CloseOperation
      expect(ws.faults.counts().thrift).toBeGreaterThanOrEqual(4);
    });

    it('streams 1M rows in pages with bounded memory', async () => {
      const before = process.memoryUsage().rss;
      const operation = await session.executeStatement('SELECT * FROM range(1000000)');
      let count = 0;
      let last = -1;
      let pages = 0;
      while (await operation.hasMoreRows()) {
        const chunk = (await operation.fetchChunk({ maxRows: 100_000 })) as Row[];
        if (chunk.length === 0) continue;
        pages += 1;
        count += chunk.length;
        // The only column (`id` on Databricks): read it by position.
        last = Number(Object.values(chunk[chunk.length - 1] ?? {})[0]);
      }
      await operation.close();
      expect(count).toBe(1_000_000);
      expect(last).toBe(999_999);
      expect(pages).toBeGreaterThanOrEqual(10);
      expect(process.memoryUsage().rss - before).toBeLessThan(300 * 1024 * 1024);
    });

    it('cancels a long query and the engine stops', async () => {
      const operation = await session.executeStatement(
        'SELECT count(*) AS n FROM range(200000) AS a CROSS JOIN range(200000) AS b',
      );
      await new Promise((resolve) => setTimeout(resolve, 300));
      // Still running on the server (TOperationState.RUNNING_STATE = 1) when the cancel arrives.
      expect((await operation.status()).operationState).toBe(1);
      await operation.cancel();
      await expect(operation.fetchAll()).rejects.toMatchObject({ errorCode: 'CANCELED' });
      // The session is usable again: the engine query was interrupted, not left running (it
      // would hold the session for minutes, far past the test's timeout).
      expect(await rows('SELECT 1 AS ok')).toEqual([{ ok: 1 }]);
    });

    it('binds named parameters', async () => {
      expect(
        await rows('SELECT :a AS a, :b AS b, :c AS c', {
          namedParameters: { a: 5, b: 'x', c: true },
        }),
      ).toEqual([{ a: 5, b: 'x', c: true }]);
    });

    it('binds positional parameters', async () => {
      expect(await rows('SELECT ? AS x, ? AS y', { ordinalParameters: [7, 'y'] })).toEqual([
        { x: 7, y: 'y' },
      ]);
    });

    const TYPES_SQL = `SELECT
          CAST(10000000000 AS BIGINT) AS big,
          CAST(12345.67 AS DECIMAL(10,2)) AS dec,
          DATE'2024-02-29' AS d,
          TIMESTAMP'2024-02-29 13:45:01' AS ts,
          true AS flag,
          CAST(1.5 AS DOUBLE) AS dbl,
          'héllo' AS s,
          CAST('abc' AS BINARY) AS bin,
          array('a', 'b') AS arr,
          map('k', 1) AS m,
          named_struct('a', 1, 'b', 'x') AS st,
          CAST(NULL AS STRING) AS n`;

    it('round-trips the types (Arrow results, native Arrow types: the driver default)', async () => {
      const [row] = await rows(TYPES_SQL);
      expect(row).toMatchObject({
        big: 10_000_000_000,
        dec: 12345.67,
        d: new Date('2024-02-29T00:00:00Z'),
        ts: new Date('2024-02-29T13:45:01Z'),
        flag: true,
        dbl: 1.5,
        s: 'héllo',
        arr: ['a', 'b'],
        m: { k: 1 },
        st: { a: 1, b: 'x' },
        n: null,
      });
      expect(Buffer.from(row?.bin as Uint8Array).toString()).toBe('abc');
    });

    it('keeps BIGINT above 2^53 and DECIMAL(38,10) exact with preserveBigNumericPrecision', async () => {
      const exact = await connectDriver(ws);
      (exact.getConfig() as { preserveBigNumericPrecision?: boolean }).preserveBigNumericPrecision =
        true;
      try {
        const exactSession = await exact.openSession();
        const operation = await exactSession.executeStatement(`SELECT
            CAST(9007199254740993 AS BIGINT) AS big,
            CAST('1234567890123456789012345678.0123456789' AS DECIMAL(38,10)) AS dec,
            array(named_struct('a', 1, 'b', array(CAST(9007199254740993 AS BIGINT)))) AS nested,
            map('x', named_struct('d', DATE'2024-01-02')) AS m`);
        const [row] = (await operation.fetchAll()) as Row[];
        await operation.close();
        expect(row?.big).toBe(9007199254740993n);
        expect(row?.dec).toBe('1234567890123456789012345678.0123456789');
        expect(row?.nested).toEqual([{ a: 1, b: [9007199254740993n] }]);
        expect(row?.m).toEqual({ x: { d: new Date('2024-01-02T00:00:00Z') } });
      } finally {
        await exact.close();
      }
    });

    it('reads nested types with non-string keys and typed leaves over Arrow', async () => {
      const [row] = await rows(`SELECT
          map(1, 'a', 2, 'b') AS int_keys,
          array(CAST(1.5 AS DECIMAL(3,1)), NULL) AS decs,
          array(TIMESTAMP'2024-01-02 03:04:05', DATE'2024-01-03') AS times,
          named_struct('m', map('k', array(1, 2)), 's', CAST(NULL AS STRING)) AS deep,
          CAST(array() AS ARRAY<INT>) AS empty,
          CAST(NULL AS ARRAY<INT>) AS none`);
      expect(row).toEqual({
        int_keys: { 1: 'a', 2: 'b' },
        decs: [1.5, null],
        times: [new Date('2024-01-02T03:04:05Z'), new Date('2024-01-03T00:00:00Z')],
        deep: { m: { k: [1, 2] }, s: null },
        empty: [],
        none: null,
      });
    });

    it('answers column-based results to a client with Arrow disabled', async () => {
      const plain = await connectDriver(ws);
      (plain.getConfig() as { arrowEnabled?: boolean }).arrowEnabled = false;
      try {
        const plainSession = await plain.openSession();
        const operation = await plainSession.executeStatement(TYPES_SQL);
        const [row] = (await operation.fetchAll()) as Row[];
        await operation.close();
        expect(row).toMatchObject({
          big: 10_000_000_000,
          dec: 12345.67,
          d: '2024-02-29',
          flag: true,
          dbl: 1.5,
          s: 'héllo',
          arr: ['a', 'b'],
          m: { k: 1 },
          st: { a: 1, b: 'x' },
          n: null,
        });
        expect(String(row?.ts)).toMatch(/^2024-02-29 13:45:01/);
        expect(Buffer.from(row?.bin as Uint8Array).toString()).toBe('abc');
        // Paging on the column path too.
        const paged = await plainSession.executeStatement('SELECT * FROM range(250000)');
        let count = 0;
        let pages = 0;
        while (await paged.hasMoreRows()) {
          const chunk = (await paged.fetchChunk({ maxRows: 50_000 })) as Row[];
          if (chunk.length === 0) continue;
          pages += 1;
          count += chunk.length;
        }
        await paged.close();
        expect(count).toBe(250_000);
        expect(pages).toBeGreaterThanOrEqual(5);
      } finally {
        await plain.close();
      }
    });

    it('reports DECIMAL precision and scale in the schema', async () => {
      const operation = await session.executeStatement('SELECT CAST(1.5 AS DECIMAL(12,3)) AS x');
      const schema = await operation.getSchema();
      const qualifiers =
        schema?.columns[0]?.typeDesc.types[0]?.primitiveEntry?.typeQualifiers?.qualifiers;
      expect(qualifiers?.precision?.i32Value).toBe(12);
      expect(qualifiers?.scale?.i32Value).toBe(3);
      await operation.close();
    });

    it('surfaces Databricks error classes in the driver error', async () => {
      await expect(rows('SELECT * FROM main.default.no_such_table')).rejects.toMatchObject({
        message: expect.stringContaining('[TABLE_OR_VIEW_NOT_FOUND]'),
      });
    });

    it('runs DDL and DML, then reads the rows back', async () => {
      expect(
        await rows('CREATE TABLE main.default.conformance_t (id BIGINT, name STRING)'),
      ).toEqual([]);
      await rows("INSERT INTO main.default.conformance_t VALUES (1, 'a'), (2, 'b')");
      expect(await rows('SELECT id, name FROM main.default.conformance_t ORDER BY id')).toEqual([
        { id: 1, name: 'a' },
        { id: 2, name: 'b' },
      ]);
      await rows('DROP TABLE main.default.conformance_t');
    });

    it('reports the table column comment of a pass-through result column', async () => {
      const operation = await session.executeStatement(
        'SELECT fare_amount FROM samples.nyctaxi.trips LIMIT 1',
      );
      const schema = await operation.getSchema();
      expect(schema?.columns[0]?.comment).toEqual(expect.stringContaining('fare'));
      await operation.close();
    });

    it('counts the sample trips', async () => {
      const [row] = await rows('SELECT count(*) AS n FROM samples.nyctaxi.trips');
      expect(Number(row?.n)).toBeGreaterThan(1000);
    });
  });

  describe('metadata', () => {
    it('lists catalogs and schemas', async () => {
      const catalogs = (await (await session.getCatalogs()).fetchAll()) as Row[];
      expect(catalogs.map((row) => row.TABLE_CAT)).toEqual(
        expect.arrayContaining(['main', 'samples']),
      );
      const schemas = (await (
        await session.getSchemas({ catalogName: 'samples' })
      ).fetchAll()) as Row[];
      expect(schemas.map((row) => row.TABLE_SCHEM)).toEqual(
        expect.arrayContaining(['nyctaxi', 'tpch']),
      );
    });

    it('lists the tpch tables', async () => {
      const tables = (await (
        await session.getTables({ catalogName: 'samples', schemaName: 'tpch' })
      ).fetchAll()) as Row[];
      expect(tables.map((row) => row.TABLE_NAME)).toEqual(
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
    });

    it('lists columns', async () => {
      const columns = (await (
        await session.getColumns({
          catalogName: 'samples',
          schemaName: 'nyctaxi',
          tableName: 'trips',
        })
      ).fetchAll()) as Row[];
      expect(columns.map((row) => row.COLUMN_NAME)).toEqual(
        expect.arrayContaining([
          'tpep_pickup_datetime',
          'trip_distance',
          'fare_amount',
          'pickup_zip',
        ]),
      );
    });
  });

  describe('transport', () => {
    it('serves the all-purpose cluster path', async () => {
      const clusterClient = await connectDriver(ws, {}, 'cluster');
      const clusterSession = await clusterClient.openSession();
      const operation = await clusterSession.executeStatement('SELECT 3 AS three');
      expect(await operation.fetchAll()).toEqual([{ three: 3 }]);
      await clusterClient.close();
    });

    it('recovers from an injected 503 through the driver retry', async () => {
      ws.faults.setRules([{ route: 'thrift', rate503: 1, times: 1 }]);
      ws.faults.resetCounts();
      try {
        const operation = await session.getCatalogs();
        expect((await operation.fetchAll()).length).toBeGreaterThan(0);
        expect(ws.faults.counts().thrift).toBeGreaterThanOrEqual(2);
      } finally {
        ws.faults.setRules([]);
      }
    });
  });
});
