/** The cluster driver proxy: apps on driver ports, reached by any org id and sub-path. */
import { afterEach, describe, expect, it } from 'vitest';
import {
  json,
  startRestServer,
  TEST_CLUSTER,
  type TestRestServer,
} from '../../platform/testing_server.js';
import { reply } from '../serving/reply.js';

let server: TestRestServer;
afterEach(async () => {
  await server?.close();
});

describe('driver proxy', () => {
  it('routes to the app on the port, for any org id and sub-path', async () => {
    server = await startRestServer({
      driverProxyApps: [
        {
          port: 7777,
          handler: (body, request) => {
            const { prompt } = body as { prompt: string };
            return request.subpath === '/raw'
              ? reply({ text: 'plain text', status: 201 })
              : `${prompt.toUpperCase()}!`;
          },
        },
      ],
    });
    const ok = await server.post(`/driver-proxy-api/o/0/${TEST_CLUSTER}/7777`, {
      prompt: 'hi',
      stop: ['\n'],
    });
    expect(ok.status).toBe(200);
    expect(await json(ok)).toBe('HI!');
    const raw = await server.post(`/driver-proxy-api/o/1234567/${TEST_CLUSTER}/7777/raw`, {
      prompt: 'x',
    });
    expect(raw.status).toBe(201);
    expect(await raw.text()).toBe('plain text');

    expect(server.rest.serving.requestsFor('driver-proxy:7777')[0]).toMatchObject({
      api: 'driver-proxy',
      body: { prompt: 'hi', stop: ['\n'] },
      status: 200,
    });
    const wrongCluster = await server.post('/driver-proxy-api/o/0/other-cluster/7777', {});
    expect(wrongCluster.status).toBe(404);
    expect((await json(wrongCluster)).error_code).toBe('RESOURCE_DOES_NOT_EXIST');
    const noApp = await server.post(`/driver-proxy-api/o/0/${TEST_CLUSTER}/8000`, {});
    expect(noApp.status).toBe(502);
    const noAuth = await fetch(`${server.base}/driver-proxy-api/o/0/${TEST_CLUSTER}/7777`, {
      method: 'POST',
    });
    expect(noAuth.status).toBe(401);
  });
});
