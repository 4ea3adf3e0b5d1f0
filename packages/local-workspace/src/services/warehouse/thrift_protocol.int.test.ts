/**
 * Protocol-side tests: the unmodified driver against the TCLIService handler, with the small fake
 * engine (so these cover RPC flows, states, paging and encoding independently of DuckDB).
 */
import { request as httpsRequest } from 'node:https';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createFakeEngine } from '../../engine/testing_fake_engine.js';
import { type LocalWorkspace, startLocalWorkspace } from '../../workspace.js';
import { type Client, connectDriver, newClient } from './testing/driver.js';

function postStatus(ws: LocalWorkspace, authorization: string | undefined): Promise<number> {
  return new Promise((resolve, reject) => {
    const request = httpsRequest(
      `${ws.host}${ws.httpPath}`,
      {
        method: 'POST',
        ca: ws.caCert,
        headers: {
          'content-type': 'application/x-thrift',
          ...(authorization ? { authorization } : {}),
        },
      },
      (response) => {
        response.resume();
        resolve(response.statusCode ?? 0);
      },
    );
    request.on('error', reject);
    request.end(Buffer.from([0]));
  });
}

type Session = Awaited<ReturnType<Client['openSession']>>;

describe('TCLIService over the driver (fake engine)', () => {
  let ws: LocalWorkspace;
  let engine: ReturnType<typeof createFakeEngine>;
  let client: Client;
  let session: Session;

  beforeAll(async () => {
    engine = createFakeEngine();
    // A short inline wait, so the fake engine's slow statements take the polling path.
    ws = await startLocalWorkspace({ engine, directResultsWaitMs: 50 });
    client = await connectDriver(ws);
    session = await client.openSession({ initialCatalog: 'main', initialSchema: 'default' });
  });

  afterAll(async () => {
    await client?.close();
    await ws?.stop();
    await ws?.stop(); // idempotent
  });

  it('answers a fast statement with directResults only (one round trip)', async () => {
    ws.faults.resetCounts();
    const operation = await session.executeStatement('SELECT 1');
    expect(await operation.fetchAll()).toEqual([{ 1: 1 }]);
    await operation.close();
    expect(ws.faults.counts().thrift).toBe(1);
  });

  it('runs a slow statement asynchronously: RUNNING, polled, then fetched', async () => {
    ws.faults.resetCounts();
    const operation = await session.executeStatement('SELECT sleep(300)');
    expect(await operation.fetchAll()).toEqual([{ slept: 300 }]);
    await operation.close();
    // ExecuteStatement, GetOperationStatus (at least once), GetResultSetMetadata, FetchResults, CloseOperation
    expect(ws.faults.counts().thrift).toBeGreaterThanOrEqual(5);
  });

  it('pages a large result with maxRows honoured', async () => {
    const operation = await session.executeStatement('SELECT * FROM range(25000)', {
      maxRows: 10_000,
    });
    const sizes: number[] = [];
    while (await operation.hasMoreRows()) {
      const chunk = (await operation.fetchChunk({ maxRows: 10_000 })) as Array<{ id: number }>;
      if (chunk.length > 0) sizes.push(chunk.length);
    }
    expect(sizes.reduce((sum, size) => sum + size, 0)).toBe(25_000);
    expect(Math.max(...sizes)).toBeLessThanOrEqual(10_000);
    await operation.close();
  });

  it('round-trips every type (Arrow results: DATE and TIMESTAMP arrive as Date)', async () => {
    const operation = await session.executeStatement('SELECT types');
    const [row] = (await operation.fetchAll()) as Array<Record<string, unknown>>;
    expect(row).toMatchObject({
      dec: 12345.67,
      d: new Date('2024-02-29T00:00:00Z'),
      ts: new Date('2024-02-29T13:45:01.123Z'),
      flag: true,
      dbl: 1.5,
      s: 'héllo',
      arr: ['a', 'b'],
      m: { k: 1 },
      st: { a: 1, b: 'x', c: [1, 2] },
      i: 7,
      n: null,
    });
    expect(Buffer.from(row?.bin as Uint8Array)).toEqual(Buffer.from([0, 1, 2, 255]));
    const schema = await operation.getSchema();
    const dec = schema?.columns.find((column) => column.columnName === 'dec');
    expect(
      dec?.typeDesc.types[0]?.primitiveEntry?.typeQualifiers?.qualifiers.precision?.i32Value,
    ).toBe(10);
    expect(dec?.typeDesc.types[0]?.primitiveEntry?.typeQualifiers?.qualifiers.scale?.i32Value).toBe(
      2,
    );
    await operation.close();
  });

  it('binds named and positional parameters', async () => {
    const named = await session.executeStatement('SELECT :a, :b', {
      namedParameters: { a: 5, b: 'x' },
    });
    expect(await named.fetchAll()).toEqual([{ a: 5, b: 'x' }]);
    const positional = await session.executeStatement('SELECT ?, ?', {
      ordinalParameters: [true, 2n],
    });
    expect(await positional.fetchAll()).toEqual([{ p1: true, p2: 2 }]);
  });

  it('maps engine errors to the driver error with the error class', async () => {
    await expect(session.executeStatement('SELECT * FROM missing')).rejects.toMatchObject({
      message: expect.stringContaining('[TABLE_OR_VIEW_NOT_FOUND]'),
    });
  });

  it('reports a late error through the operation state', async () => {
    const operation = await session.executeStatement('SELECT fail_after(200)');
    await expect(operation.fetchAll()).rejects.toMatchObject({
      errorCode: 'ERROR',
      message: expect.stringContaining('[DIVIDE_BY_ZERO]'),
    });
  });

  it('cancels a running statement and aborts the engine', async () => {
    const before = engine.stats.aborted;
    const operation = await session.executeStatement('SELECT sleep(60000)');
    await new Promise((resolve) => setTimeout(resolve, 100));
    await operation.cancel();
    await expect(operation.fetchAll()).rejects.toMatchObject({ errorCode: 'CANCELED' });
    expect(engine.stats.aborted).toBeGreaterThan(before);
  });

  it('times a statement out with queryTimeout (TIMEDOUT_STATE)', async () => {
    const operation = await session.executeStatement('SELECT sleep(60000)', { queryTimeout: 1 });
    await expect(operation.fetchAll()).rejects.toMatchObject({ errorCode: 'TIMEOUT' });
  });

  it('times a statement out with the STATEMENT_TIMEOUT session configuration', async () => {
    const timed = await client.openSession({ configuration: { STATEMENT_TIMEOUT: '1' } });
    const operation = await timed.executeStatement('SELECT sleep(60000)');
    await expect(operation.fetchAll()).rejects.toMatchObject({ errorCode: 'TIMEOUT' });
    await timed.close();
  });

  it('serves the metadata RPCs', async () => {
    const catalogs = await (await session.getCatalogs()).fetchAll();
    expect(catalogs).toEqual([{ TABLE_CAT: 'main' }, { TABLE_CAT: 'samples' }]);
    const tables = await (
      await session.getTables({ catalogName: 'main', schemaName: 'default' })
    ).fetchAll();
    expect(tables[0]).toMatchObject({ TABLE_NAME: 't', TABLE_TYPE: 'TABLE' });
    expect(await (await session.getSchemas({})).fetchAll()).toHaveLength(1);
    expect(await (await session.getColumns({ tableName: 't' })).fetchAll()).toHaveLength(1);
    expect(await (await session.getTableTypes()).fetchAll()).toHaveLength(2);
    expect(await (await session.getTypeInfo()).fetchAll()).toHaveLength(1);
    expect(await (await session.getFunctions({ functionName: '%' })).fetchAll()).toHaveLength(0);
    expect(
      await (await session.getPrimaryKeys({ schemaName: 'default', tableName: 't' })).fetchAll(),
    ).toHaveLength(0);
  });

  it('answers GetInfo like Databricks', async () => {
    const { TGetInfoType } = (await import('@databricks/sql')).thrift
      .TCLIService_types as never as {
      TGetInfoType: Record<string, number>;
    };
    const name = await session.getInfo(TGetInfoType.CLI_SERVER_NAME as never);
    expect(name.getValue()).toBe('Databricks SQL');
    const dbms = await session.getInfo(TGetInfoType.CLI_DBMS_NAME as never);
    expect(dbms.getValue()).toBe('Spark SQL');
  });

  it('serves the all-purpose cluster path', async () => {
    const clusterClient = await connectDriver(ws, {}, 'cluster');
    const clusterSession = await clusterClient.openSession();
    expect(await (await clusterSession.executeStatement('SELECT 2')).fetchAll()).toEqual([
      { 2: 2 },
    ]);
    await clusterClient.close();
    const orgClient = await connectDriver(ws, {
      path: `/sql/protocolv1/o/1234567890/${ws.clusterId}`,
    });
    expect(
      await (await (await orgClient.openSession()).executeStatement('SELECT 3')).fetchAll(),
    ).toEqual([{ 3: 3 }]);
    await orgClient.close();
  });

  it('rejects a wrong token', async () => {
    const bad = newClient();
    await bad.connect({
      ...ws.connectionOptions(),
      token: 'dapi-wrong',
      telemetryEnabled: false,
    } as never);
    await expect(bad.openSession()).rejects.toMatchObject({
      message: expect.stringMatching(/401/),
    });
    await bad.close();
  });

  it('answers 401 for an unknown token and 403 for an expired one', async () => {
    const { token: expired } = ws.tokens.issue('sp', -1);
    expect(await postStatus(ws, 'Bearer dapi-nope')).toBe(401);
    expect(await postStatus(ws, `Bearer ${expired}`)).toBe(403);
    expect(await postStatus(ws, undefined)).toBe(401);
  });

  it('recovers from an injected 503 through the driver retry', async () => {
    ws.faults.setRules([{ route: 'thrift', rate503: 1, times: 1, retryAfterSeconds: 0 }]);
    // Only idempotent RPCs are retried by the driver (metadata calls, status, fetch...).
    const operation = await session.getCatalogs();
    expect(await operation.fetchAll()).toHaveLength(2);
    expect(ws.faults.counts().thrift).toBeGreaterThanOrEqual(2);
    ws.faults.setRules([]);
  });

  it('describes itself for clients', () => {
    expect(ws.host).toBe(`https://127.0.0.1:${ws.port}`);
    expect(ws.httpPath).toBe(`/sql/1.0/warehouses/${ws.warehouseId}`);
    expect(ws.clusterHttpPath).toBe(`/sql/protocolv1/o/0/${ws.clusterId}`);
    expect(ws.token).toMatch(/^dapi[0-9a-f]{32}$/);
    expect(ws.env()).toMatchObject({
      DATABRICKS_HOST: ws.host,
      DATABRICKS_TOKEN: ws.token,
      DATABRICKS_WAREHOUSE_ID: ws.warehouseId,
      DATABRICKS_HTTP_PATH: ws.httpPath,
    });
    expect(ws.connectionOptions().customCaCert.toString()).toBe(ws.caCert);
    expect(ws.caCert).toContain('BEGIN CERTIFICATE');
  });

  it('closes sessions', async () => {
    const extra = await client.openSession();
    await extra.close();
    expect(engine.stats.openSessions).toBe(1);
  });
});
