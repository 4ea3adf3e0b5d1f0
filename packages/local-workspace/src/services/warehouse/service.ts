/**
 * The SQL warehouse: TCLIService (the Thrift protocol of `@databricks/sql` and the Python
 * connector) over HTTPS at the warehouse path (`/sql/1.0/warehouses/<id>`) and at the cluster
 * path (`/sql/protocolv1/o/<org>/<clusterId>`), on the workspace's SQL engine.
 */
import thrift from 'thrift';
import { ApiError } from '../../platform/errors.js';
import { defineService, type RouteRequest } from '../../platform/service.js';
import { createWarehouseHandler, DEFAULT_DIRECT_RESULTS_WAIT_MS } from './thrift_handler.js';
import { TCLIService } from './thrift_types.js';

export interface WarehouseOptions {
  /** The warehouse id (its HTTP path is `/sql/1.0/warehouses/<id>`). Default: 16 random hex. */
  id?: string;
  /**
   * How long ExecuteStatement waits for a statement to finish and answer it inline
   * (directResults, one round trip). Default 5000 ms, like Databricks.
   */
  directResultsWaitMs?: number;
}

export interface LocalWarehouse {
  readonly id: string;
  /** `/sql/1.0/warehouses/<id>` */
  readonly httpPath: string;
  /** `/sql/protocolv1/o/0/<clusterId>` */
  readonly clusterHttpPath: string;
  /** Thrift sessions open now. */
  openSessions(): number;
  /** Thrift operations not closed yet (CloseOperation, or their session's close, ends one). */
  openOperations(): number;
}

const WAREHOUSE_PATH = /^\/sql\/1\.0\/(?:warehouses|endpoints)\/([^/]+)\/?$/;
const CLUSTER_PATH = /^\/?sql\/protocolv1\/o\/[^/]+\/([^/]+)\/?$/;
/** Every path of the SQL gateway, whether or not it names this workspace's warehouse or cluster. */
const SQL_GATEWAY_PATH = /^\/(?:sql\/1\.0\/|\/?sql\/protocolv1\/)/;

/** Which Thrift endpoint a path names, if any. */
export function thriftEndpoint(
  path: string,
  ids: { warehouseId: string; clusterId: string },
): 'warehouse' | 'cluster' | undefined {
  const warehouse = WAREHOUSE_PATH.exec(path);
  if (warehouse) return warehouse[1] === ids.warehouseId ? 'warehouse' : undefined;
  const cluster = CLUSTER_PATH.exec(path);
  if (cluster) return cluster[1] === ids.clusterId ? 'cluster' : undefined;
  return undefined;
}

export const warehouseService = defineService({
  name: 'warehouse',
  create(context, options: WarehouseOptions | undefined) {
    const warehouse = createWarehouseHandler({
      engine: context.engine,
      directResultsWaitMs: options?.directResultsWaitMs ?? DEFAULT_DIRECT_RESULTS_WAIT_MS,
    });
    const processor = new TCLIService.Processor(warehouse.handler);
    const { warehouseId, clusterId } = context.ids;

    const serveThrift = (request: RouteRequest) => {
      if (!thriftEndpoint(request.path, context.ids))
        throw new ApiError(
          404,
          'RESOURCE_DOES_NOT_EXIST',
          `No SQL warehouse or cluster at ${request.path}.`,
        );
      if (request.method !== 'POST')
        throw new ApiError(405, 'BAD_REQUEST', 'Thrift endpoints accept POST only.');
      const response = request.response;
      // The processor answers asynchronously (its handlers return promises): done when the
      // response is, or when the client goes away first.
      const done = new Promise<void>((resolve) => response.once('close', () => resolve()));
      thrift.TBufferedTransport.receiver((transport) => {
        const input = new thrift.TBinaryProtocol(transport);
        const output = new thrift.TBinaryProtocol(
          new thrift.TBufferedTransport(undefined, (buffer?: Buffer) => {
            if (response.headersSent) return;
            const payload = buffer ?? Buffer.alloc(0);
            response.writeHead(200, {
              'content-type': 'application/x-thrift',
              'content-length': payload.length,
            });
            response.end(payload);
          }),
        );
        processor.process(input, output);
      }, 0)(request.rawBody);
      return done;
    };

    const state: LocalWarehouse = {
      id: warehouseId,
      httpPath: `/sql/1.0/warehouses/${warehouseId}`,
      clusterHttpPath: `/sql/protocolv1/o/0/${clusterId}`,
      openSessions: () => warehouse.registry.sessionCount,
      openOperations: () => warehouse.registry.operationCount,
    };
    return {
      state,
      routes: [
        {
          method: '*',
          path: SQL_GATEWAY_PATH,
          name: 'thrift',
          body: 'raw',
          invalidTokenStatus: 401,
          handle: serveThrift,
        },
      ],
      stop: () => warehouse.close(),
    };
  },
});
