/**
 * Test support (not exported from the package): the REST handler mounted on a plain loopback HTTP
 * server, plus an SSE reader built on `eventsource-parser`.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createParser } from 'eventsource-parser';
import { createFaultInjector } from '../faults.js';
import { createTokenRegistry } from '../oauth/token_registry.js';
import type { FaultInjector, TokenRegistry } from '../types.js';
import { createRestHandler, type LocalRestHandler, type RestRouterOptions } from './router.js';

export const TEST_PAT = 'dapi-local-test';
export const TEST_CLUSTER = '0123-456789-lakechn0';
export const TEST_CLIENT = { clientId: 'sp-local', clientSecret: 'sp-secret-1' };

export interface TestRestServer {
  base: string;
  rest: LocalRestHandler;
  tokens: TokenRegistry;
  faults: FaultInjector;
  /** `fetch` against the server with the test PAT (override headers to change it). */
  call(path: string, init?: RequestInit): Promise<Response>;
  post(path: string, body: unknown, headers?: Record<string, string>): Promise<Response>;
  close(): Promise<void>;
}

export async function startRestServer(
  options: Partial<RestRouterOptions> & { now?: () => number } = {},
): Promise<TestRestServer> {
  const tokens =
    options.tokens ?? createTokenRegistry({ personalAccessTokens: [TEST_PAT], now: options.now });
  const faults = options.faults ?? createFaultInjector();
  let base = '';
  const rest = createRestHandler({
    host: () => base,
    tokens,
    faults,
    clusterId: TEST_CLUSTER,
    oauth: { ...TEST_CLIENT, tokenLifetimeSeconds: 3600 },
    ...options,
  });
  const server: Server = createServer((request, response) => {
    const path = new URL(request.url ?? '/', 'http://local').pathname;
    rest(request, response, { route: 'rest', path }).then(
      (handled) => {
        if (!handled) {
          response.writeHead(404, { 'content-type': 'application/json' });
          response.end(
            JSON.stringify({ error_code: 'ENDPOINT_NOT_FOUND', message: 'No API found' }),
          );
        }
      },
      (error: unknown) => {
        response.writeHead(500);
        response.end(String(error));
      },
    );
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const call = (path: string, init: RequestInit = {}) =>
    fetch(`${base}${path}`, {
      ...init,
      headers: { authorization: `Bearer ${TEST_PAT}`, ...(init.headers as Record<string, string>) },
    });
  return {
    base,
    rest,
    tokens,
    faults,
    call,
    post: (path, body, headers = {}) =>
      call(path, {
        method: 'POST',
        body: JSON.stringify(body),
        headers: { 'content-type': 'application/json', ...headers },
      }),
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
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
