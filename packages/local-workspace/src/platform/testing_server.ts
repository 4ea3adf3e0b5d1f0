/**
 * Test support (not exported from the package): the OAuth, serving and driver-proxy services on
 * the real listener over plain loopback HTTP (no TLS, no SQL engine), plus an SSE reader built on
 * `eventsource-parser`.
 */
import { createParser } from 'eventsource-parser';
import type { SqlEngine } from '../engine/sql_engine.js';
import { driverProxyService } from '../services/driver_proxy/service.js';
import type { DriverProxyAppDefinition } from '../services/driver_proxy/types.js';
import { oauthService } from '../services/oauth/service.js';
import type { ServingRegistry } from '../services/serving/registry.js';
import { servingService } from '../services/serving/service.js';
import type { ServingEndpointDefinition } from '../services/serving/types.js';
import { createFaultInjector, type FaultInjector } from './faults.js';
import { startListener } from './listener.js';
import { createRouteTable } from './routes.js';
import type { Route, ServiceContext } from './service.js';
import { createTokenRegistry, type TokenRegistry } from './tokens.js';

export const TEST_PAT = 'dapi-local-test';
export const TEST_CLUSTER = '0123-456789-lakechn0';
export const TEST_CLIENT = { clientId: 'sp-local', clientSecret: 'sp-secret-1' };

export interface TestRestServerOptions {
  servingEndpoints?: ServingEndpointDefinition[];
  driverProxyApps?: DriverProxyAppDefinition[];
  tokens?: TokenRegistry;
  faults?: FaultInjector;
  expiredTokenStatus?: 401 | 403;
  oauth?: { clientId?: string; clientSecret?: string; tokenLifetimeSeconds?: number };
  publicClientIds?: string[];
  now?: () => number;
}

export interface TestRestServer {
  base: string;
  /** The state of the serving and driver-proxy services. */
  rest: {
    serving: ServingRegistry;
    driverProxyApps: Map<number, DriverProxyAppDefinition>;
  };
  tokens: TokenRegistry;
  faults: FaultInjector;
  /** `fetch` against the server with the test PAT (override headers to change it). */
  call(path: string, init?: RequestInit): Promise<Response>;
  post(path: string, body: unknown, headers?: Record<string, string>): Promise<Response>;
  close(): Promise<void>;
}

const noEngine = new Proxy({} as SqlEngine, {
  get() {
    throw new Error('The test REST server has no SQL engine.');
  },
});

export async function startRestServer(
  options: TestRestServerOptions = {},
): Promise<TestRestServer> {
  const tokens =
    options.tokens ?? createTokenRegistry({ personalAccessTokens: [TEST_PAT], now: options.now });
  const faults = options.faults ?? createFaultInjector();
  let base = '';
  const states = new Map<string, unknown>();
  const context: ServiceContext = {
    host: () => base,
    ids: { warehouseId: 'test-warehouse', clusterId: TEST_CLUSTER, workspaceId: '1' },
    tokens,
    faults,
    engine: noEngine,
    service: <State>(name: string) => states.get(name) as State,
  };
  const routes: Route[] = [];
  const oauth = await oauthService.create(context, {
    ...TEST_CLIENT,
    tokenLifetimeSeconds: 3600,
    ...options.oauth,
    publicClientIds: options.publicClientIds,
    now: options.now,
  });
  const serving = await servingService.create(context, { endpoints: options.servingEndpoints });
  states.set('serving', serving.state);
  const driverProxy = await driverProxyService.create(context, { apps: options.driverProxyApps });
  routes.push(...oauth.routes, ...serving.routes, ...driverProxy.routes);
  const listener = await startListener({
    host: '127.0.0.1',
    port: 0,
    routes: createRouteTable(routes),
    tokens,
    faults,
    expiredTokenStatus: options.expiredTokenStatus,
  });
  base = `http://127.0.0.1:${listener.port}`;
  const call = (path: string, init: RequestInit = {}) =>
    fetch(`${base}${path}`, {
      ...init,
      headers: { authorization: `Bearer ${TEST_PAT}`, ...(init.headers as Record<string, string>) },
    });
  return {
    base,
    rest: { serving: serving.state, driverProxyApps: driverProxy.state },
    tokens,
    faults,
    call,
    post: (path, body, headers = {}) =>
      call(path, {
        method: 'POST',
        body: JSON.stringify(body),
        headers: { 'content-type': 'application/json', ...headers },
      }),
    close: () => listener.close(),
  };
}

/** Reads an SSE response to its end: the `data` of every event, in order. Rejects on a cut. */
export async function readSse(response: Response): Promise<string[]> {
  const events: string[] = [];
  const parser = createParser({ onEvent: (event) => events.push(event.data) });
  const decoder = new TextDecoder();
  const reader = response.body!.getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    parser.feed(decoder.decode(value, { stream: true }));
  }
  return events;
}

/** Parsed JSON events of an SSE stream, without the final `[DONE]`. */
// biome-ignore lint/suspicious/noExplicitAny: tests read loosely typed wire JSON.
export function jsonEvents(events: string[]): Record<string, any>[] {
  return events.filter((data) => data !== '[DONE]').map((data) => JSON.parse(data));
}

/** `response.json()`, loosely typed for assertions. */
// biome-ignore lint/suspicious/noExplicitAny: tests read loosely typed wire JSON.
export function json(response: Response): Promise<any> {
  return response.json();
}
