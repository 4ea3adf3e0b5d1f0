/**
 * A `fetch` for the MCP SDK's Streamable HTTP transport that goes through @lakechain/core's
 * transport: auth headers asked for on every attempt (core's token cache refreshes OAuth tokens
 * ahead of expiry), one forced refresh and replay after a token the workspace rejects (Databricks
 * answers expired tokens with 403), retries of what was provably not processed (429, 503,
 * refused connections), the workspace's private CA (`caCert`), and timeouts. Error statuses come
 * back to the SDK as responses (it needs them: 404 for an expired session, 405 for no SSE stream).
 */
import {
  createHttpTransport,
  DatabricksApiError,
  type DatabricksConfig,
  type HttpMethod,
} from '@lakechain/core';
import type { FetchLike } from '@modelcontextprotocol/sdk/shared/transport.js';
import { VERSION } from './version.js';

/** Per attempt: long enough for a tool call answered as JSON (tool timeouts govern, not this). */
const ATTEMPT_TIMEOUT_MS = 600_000;

function errorResponse(error: DatabricksApiError): Response {
  const headers = new Headers({ 'content-type': 'application/json' });
  if (error.retryAfterMs !== undefined)
    headers.set('retry-after', String(Math.ceil(error.retryAfterMs / 1000)));
  if (error.requestId) headers.set('x-request-id', error.requestId);
  return new Response(
    JSON.stringify({
      error_code: error.errorCode ?? String(error.statusCode),
      message: error.message,
    }),
    { status: error.statusCode, headers },
  );
}

export interface CoreFetch {
  fetch: FetchLike;
  close(): Promise<void>;
}

/** A fetch bound to one workspace's config. `close()` releases its connection pool. */
export function createCoreFetch(config: DatabricksConfig): CoreFetch {
  const transport = createHttpTransport({
    fetch: config.fetch,
    caCert: config.caCert,
    userAgent: `lakechain-databricks-mcp/${VERSION}`,
    timeoutMs: ATTEMPT_TIMEOUT_MS,
  });
  const fetch: FetchLike = async (url, init = {}) => {
    const headers: Record<string, string> = {};
    new Headers(init.headers).forEach((value, name) => {
      headers[name] = value;
    });
    try {
      const response = await transport.request({
        method: (init.method ?? 'GET').toUpperCase() as HttpMethod,
        url: String(url),
        headers,
        body: init.body ?? undefined,
        signal: init.signal ?? undefined,
        stream: true,
        getAuthHeaders: (options) => config.getAuthHeaders(options),
      });
      return response.raw;
    } catch (error) {
      if (DatabricksApiError.isInstance(error)) return errorResponse(error);
      throw error;
    }
  };
  return { fetch, close: async () => transport.close?.() };
}
