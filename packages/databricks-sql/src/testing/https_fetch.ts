/**
 * Test support: a `fetch` over `node:https` that trusts one extra CA (the local workspace's), so
 * tests can inject a fetch they observe (headers sent, downloads in flight) into the clients.
 */
import { request } from 'node:https';

export interface ObservedRequest {
  url: string;
  headers: Record<string, string>;
}

export function createHttpsFetch(
  caCert: string,
  observe: { started?(request: ObservedRequest): void; finished?(): void } = {},
): typeof fetch {
  return (async (input: string | URL | Request, init: RequestInit = {}) => {
    const url = String(input instanceof Request ? input.url : input);
    const headers: Record<string, string> = {};
    new Headers(init.headers).forEach((value, name) => {
      headers[name] = value;
    });
    observe.started?.({ url, headers });
    try {
      return await new Promise<Response>((resolve, reject) => {
        const outgoing = request(
          url,
          { method: init.method ?? 'GET', headers, ca: caCert, signal: init.signal ?? undefined },
          (incoming) => {
            const chunks: Buffer[] = [];
            incoming.on('data', (chunk: Buffer) => chunks.push(chunk));
            incoming.on('error', reject);
            incoming.on('end', () => {
              const responseHeaders = new Headers();
              for (const [name, value] of Object.entries(incoming.headers)) {
                if (typeof value === 'string') responseHeaders.set(name, value);
              }
              resolve(
                new Response(Buffer.concat(chunks), {
                  status: incoming.statusCode ?? 0,
                  headers: responseHeaders,
                }),
              );
            });
          },
        );
        outgoing.on('error', reject);
        outgoing.end(typeof init.body === 'string' ? init.body : undefined);
      });
    } finally {
      observe.finished?.();
    }
  }) as typeof fetch;
}
