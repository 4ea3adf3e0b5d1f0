/** What a driver-proxy app is and what its handler receives. */

export interface DriverProxyRequest {
  method: string;
  clusterId: string;
  orgId: string;
  port: number;
  /** Path after `/{port}` (`''` or `/something`), without the query string. */
  subpath: string;
  query: URLSearchParams;
  headers: Record<string, string>;
  signal: AbortSignal;
}

/**
 * An app listening on a port of the cluster driver, reached through
 * `/driver-proxy-api/o/{orgId}/{clusterId}/{port}[/...]`. The handler's return value is sent as
 * JSON (a string becomes a JSON string, which is what Python's `llms.Databricks` expects); return
 * `reply(...)` for another status or a raw text body.
 */
export interface DriverProxyAppDefinition {
  port: number;
  handler: (body: unknown, request: DriverProxyRequest) => unknown | Promise<unknown>;
}
