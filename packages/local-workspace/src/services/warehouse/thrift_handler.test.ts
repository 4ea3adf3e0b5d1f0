import { describe, expect, it } from 'vitest';
import { createFakeEngine } from '../../engine/testing_fake_engine.js';
import { thriftEndpoint } from './service.js';
import { createWarehouseHandler } from './thrift_handler.js';
import { statementTimeoutSeconds } from './thrift_parameters.js';
import { OperationState, StatusCode, toInt64 } from './thrift_types.js';

const ids = { warehouseId: 'abc123', clusterId: '0123-456789-abcdefgh' };

describe('Thrift endpoint paths', () => {
  it('accepts the warehouse path and the cluster path of any org', () => {
    expect(thriftEndpoint('/sql/1.0/warehouses/abc123', ids)).toBe('warehouse');
    expect(thriftEndpoint('/sql/1.0/endpoints/abc123', ids)).toBe('warehouse');
    expect(thriftEndpoint('/sql/protocolv1/o/0/0123-456789-abcdefgh', ids)).toBe('cluster');
    expect(thriftEndpoint('/sql/protocolv1/o/6051921418418893/0123-456789-abcdefgh', ids)).toBe(
      'cluster',
    );
  });

  it('rejects other ids and other paths', () => {
    expect(thriftEndpoint('/sql/1.0/warehouses/other', ids)).toBeUndefined();
    expect(thriftEndpoint('/sql/protocolv1/o/0/other', ids)).toBeUndefined();
    expect(thriftEndpoint('/api/2.0/serving-endpoints', ids)).toBeUndefined();
  });
});

describe('handler', () => {
  const open = async () => {
    const warehouse = createWarehouseHandler({ engine: createFakeEngine() });
    const opened = await warehouse.handler.OpenSession?.({
      client_protocol_i64: toInt64(0xa508),
      initialNamespace: { catalogName: 'main', schemaName: 'default' },
    });
    return { warehouse, sessionHandle: opened.sessionHandle, opened };
  };

  it('opens a session with UUID handles and protocol V8', async () => {
    const { warehouse, opened } = await open();
    expect(opened.status.statusCode).toBe(StatusCode.SUCCESS);
    expect(opened.serverProtocolVersion).toBe(0xa508);
    expect(opened.sessionHandle.sessionId.guid).toHaveLength(16);
    // Version nibble of a v4 UUID.
    expect(opened.sessionHandle.sessionId.guid[6] >> 4).toBe(4);
    expect(opened.initialNamespace).toMatchObject({ catalogName: 'main', schemaName: 'default' });
    await warehouse.close();
  });

  it('answers INVALID_HANDLE_STATUS for unknown sessions and operations', async () => {
    const { warehouse } = await open();
    const unknown = { operationId: { guid: Buffer.alloc(16), secret: Buffer.alloc(16) } };
    const status = await warehouse.handler.GetOperationStatus?.({ operationHandle: unknown });
    expect(status.status.statusCode).toBe(StatusCode.INVALID_HANDLE);
    const fetch = await warehouse.handler.FetchResults?.({
      operationHandle: unknown,
      maxRows: toInt64(10),
    });
    expect(fetch.status.statusCode).toBe(StatusCode.INVALID_HANDLE);
    const execute = await warehouse.handler.ExecuteStatement?.({
      sessionHandle: { sessionId: { guid: Buffer.alloc(16) } },
      statement: 'SELECT 1',
    });
    expect(execute.status.statusCode).toBe(StatusCode.INVALID_HANDLE);
    await warehouse.close();
  });

  it('refuses FETCH_FIRST once rows were fetched', async () => {
    const { warehouse, sessionHandle } = await open();
    const executed = await warehouse.handler.ExecuteStatement?.({
      sessionHandle,
      statement: 'SELECT * FROM range(10)',
    });
    const operationHandle = executed.operationHandle;
    const first = await warehouse.handler.FetchResults?.({
      operationHandle,
      orientation: 4,
      maxRows: toInt64(3),
    });
    expect(first.status.statusCode).toBe(StatusCode.SUCCESS);
    expect(first.hasMoreRows).toBe(true);
    expect(first.results.columns[0].i64Val.values).toHaveLength(3);
    const again = await warehouse.handler.FetchResults?.({
      operationHandle,
      orientation: 4,
      maxRows: toInt64(3),
    });
    expect(again.status.statusCode).toBe(StatusCode.ERROR);
    const next = await warehouse.handler.FetchResults?.({
      operationHandle,
      orientation: 0,
      maxRows: toInt64(100),
      includeResultSetMetadata: true,
    });
    expect(next.results.startRowOffset.toNumber()).toBe(3);
    expect(next.results.columns[0].i64Val.values).toHaveLength(7);
    expect(next.resultSetMetadata.resultFormat).toBe(1);
    const status = await warehouse.handler.GetOperationStatus?.({ operationHandle });
    expect(status.operationState).toBe(OperationState.FINISHED);
    await warehouse.close();
  });

  it('reads statement timeouts from the request, the overlay or the session', () => {
    expect(statementTimeoutSeconds({ queryTimeout: toInt64(5) }, {})).toBe(5);
    expect(statementTimeoutSeconds({ confOverlay: { STATEMENT_TIMEOUT: '7' } }, {})).toBe(7);
    expect(statementTimeoutSeconds({}, { STATEMENT_TIMEOUT: '9' })).toBe(9);
    expect(statementTimeoutSeconds({}, {})).toBe(0);
  });
});
