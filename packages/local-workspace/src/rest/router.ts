// STUB with the final signature: the REST helper replaces the body (serving endpoints, driver
// proxy, OIDC discovery and token endpoint). Until then no REST route exists.
import type { FaultInjector, RestHandler, TokenRegistry } from '../types.js';

export interface RestRouterOptions {
  /** Public base URL of the workspace (`https://127.0.0.1:PORT`), known after listen. */
  host: () => string;
  tokens: TokenRegistry;
  faults: FaultInjector;
  clusterId: string;
  /** The service principal the OAuth token endpoint accepts. */
  oauth: { clientId: string; clientSecret: string; tokenLifetimeSeconds: number };
  // The REST helper adds: servingEndpoints, driverProxyApps (types in src/serving/types.ts).
}

export function createRestHandler(_options: RestRouterOptions): RestHandler {
  return async () => false;
}
