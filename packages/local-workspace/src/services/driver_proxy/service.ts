/**
 * The cluster driver proxy: `/driver-proxy-api/o/{orgId}/{clusterId}/{port}[/...]` reaches an app
 * listening on a port of the driver of the workspace's cluster (how Python's `llms.Databricks`
 * calls a model served from a notebook). Requests are logged in the serving request log under the
 * endpoint name `driver-proxy:<port>`.
 */
import { ApiError } from '../../platform/errors.js';
import { failureStatus } from '../../platform/responses.js';
import { defineService } from '../../platform/service.js';
import type { ServingRegistry } from '../serving/registry.js';
import type { ServingRequestRecord } from '../serving/types.js';
import type { DriverProxyAppDefinition } from './types.js';

export interface DriverProxyOptions {
  /** Apps on ports of the cluster driver. */
  apps?: DriverProxyAppDefinition[];
}

/** Driver-proxy apps by port; add or remove while running. */
export type LocalDriverProxy = Map<number, DriverProxyAppDefinition>;

export const driverProxyService = defineService({
  name: 'driverProxy',
  create(context, options: DriverProxyOptions | undefined) {
    const apps: LocalDriverProxy = new Map();
    for (const app of options?.apps ?? []) apps.set(app.port, app);
    const log = context.service<ServingRegistry>('serving');
    return {
      state: apps,
      routes: [
        {
          method: '*',
          path: '/driver-proxy-api/o/:orgId/:clusterId/:port{/*subpath}',
          name: 'driver-proxy',
          body: 'raw',
          handle: async (request) => {
            const { orgId = '', clusterId = '', port: portText = '' } = request.params;
            if (clusterId !== context.ids.clusterId)
              throw new ApiError(
                404,
                'RESOURCE_DOES_NOT_EXIST',
                `Cluster ${clusterId} does not exist`,
              );
            const port = Number(portText);
            const app = Number.isInteger(port) ? apps.get(port) : undefined;
            if (!app)
              throw new ApiError(
                502,
                'TEMPORARILY_UNAVAILABLE',
                `No application is listening on port ${portText} of the driver of cluster ${clusterId}.`,
              );
            const text = request.rawBody.toString('utf8');
            let body: unknown;
            if (text.trim() !== '') {
              try {
                body = JSON.parse(text);
              } catch {
                body = text;
              }
            }
            const record: ServingRequestRecord = {
              endpoint: `driver-proxy:${port}`,
              api: 'driver-proxy',
              method: request.method,
              path: request.path,
              headers: { ...request.headers },
              body,
              receivedAt: Date.now(),
            };
            log.record(record);
            try {
              const result = await app.handler(body, {
                method: request.method,
                clusterId,
                orgId,
                port,
                subpath: request.params.subpath ?? '',
                query: request.query,
                headers: record.headers,
                signal: request.signal,
              });
              const sent = await request.send(result);
              record.status = sent.status;
              record.streamed = sent.streamed;
            } catch (error) {
              record.status = failureStatus(error, request.response, request.signal);
              throw error;
            }
          },
        },
      ],
    };
  },
});
