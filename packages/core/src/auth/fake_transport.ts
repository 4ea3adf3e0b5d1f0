/**
 * A scripted HttpTransport for unit tests: each handler answers one URL, and HTTP error statuses
 * become DatabricksApiError the way the real transport reports them (parsed JSON in `details`).
 * Not exported from the package.
 */
import { DatabricksApiError } from '../errors.js';
import type { HttpRequest, HttpResponse, HttpTransport } from '../http/types.js';

export interface FakeReply {
  status?: number;
  body?: unknown;
  contentType?: string;
}

export interface FakeTransport extends HttpTransport {
  requests: HttpRequest[];
}

export function createFakeTransport(
  handler: (request: HttpRequest) => FakeReply | Promise<FakeReply>,
): FakeTransport {
  const requests: HttpRequest[] = [];
  return {
    requests,
    async request<T>(request: HttpRequest): Promise<HttpResponse<T>> {
      requests.push(request);
      const reply = await handler(request);
      const status = reply.status ?? 200;
      const isJson = typeof reply.body !== 'string';
      if (status >= 400) {
        const details = isJson ? reply.body : undefined;
        const record = (details ?? {}) as Record<string, unknown>;
        throw new DatabricksApiError(
          isJson
            ? `HTTP ${status}: ${String(record.message ?? record.error_description ?? record.error ?? '')}`
            : `HTTP ${status} with a non-JSON body (${String(reply.body).length} characters)`,
          {
            statusCode: status,
            errorCode: typeof record.error_code === 'string' ? record.error_code : undefined,
            method: request.method,
            path: new URL(request.url).pathname,
            details,
          },
        );
      }
      return {
        status,
        headers: new Headers({ 'content-type': reply.contentType ?? 'application/json' }),
        data: reply.body as T,
        raw: new Response(null, { status }),
        attempts: 1,
      };
    },
  };
}
