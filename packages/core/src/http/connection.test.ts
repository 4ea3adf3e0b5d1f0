import { describe, expect, it, vi } from 'vitest';
import { resolveConfig } from '../config/resolve.js';
import { DatabricksConfigError } from '../errors.js';
import type { FetchFunction } from '../types.js';
import type { DatabricksRequest } from './client.js';
import {
  pickConnectionOptions,
  WorkspaceConnection,
  WorkspaceConnectionClosedError,
  type WorkspaceHttpClient,
} from './connection.js';

/** A fetch answering `{ok: true}` and recording the URLs and headers it was called with. */
function recordingFetch() {
  const calls: { url: string; headers: Headers }[] = [];
  const fetch: FetchFunction = async (url, init) => {
    calls.push({ url: String(url), headers: new Headers(init?.headers) });
    return new Response(JSON.stringify({ ok: true }), {
      headers: { 'content-type': 'application/json' },
    });
  };
  return { fetch, calls };
}

/** A client that records requests instead of sending them. */
function recordingClient() {
  const requests: DatabricksRequest[] = [];
  const client: WorkspaceHttpClient = {
    async request<T>(request: DatabricksRequest) {
      requests.push(request);
      return { ok: true } as T;
    },
  };
  return { client, requests };
}

describe('WorkspaceConnection', () => {
  it('resolves the config and makes the client once, however many first calls race', async () => {
    const { fetch, calls } = recordingFetch();
    const connection = new WorkspaceConnection(
      { host: 'https://adb-1.azuredatabricks.net', token: 'dapi-x', env: {}, fetch },
      { userAgent: 'lakechain-test/1.0' },
    );
    const clients = await Promise.all([connection.client(), connection.client()]);
    expect(clients[0]).toBe(clients[1]);
    expect(await connection.request({ method: 'GET', path: '/api/2.0/x' })).toEqual({ ok: true });
    expect(calls[0]?.url).toBe('https://adb-1.azuredatabricks.net/api/2.0/x');
    expect(calls[0]?.headers.get('authorization')).toBe('Bearer dapi-x');
    expect(calls[0]?.headers.get('user-agent')).toContain('lakechain-test/1.0');
    await connection.close();
  });

  it('does not cache a failed resolution: fixing the environment is enough', async () => {
    const env: Record<string, string | undefined> = {};
    const connection = new WorkspaceConnection({ env, fetch: recordingFetch().fetch });
    await expect(connection.client()).rejects.toSatisfy((error) =>
      DatabricksConfigError.isInstance(error),
    );
    env.DATABRICKS_HOST = 'https://example.cloud.databricks.com';
    env.DATABRICKS_TOKEN = 'dapi-y';
    await expect(connection.request({ method: 'GET', path: '/' })).resolves.toEqual({ ok: true });
    await connection.close();
  });

  it('gives its defaults to every request, which a request may override', async () => {
    const { client, requests } = recordingClient();
    const connection = new WorkspaceConnection({ client, timeoutMs: 5_000, retry: false });
    await connection.request({ method: 'POST', path: '/a', body: { x: 1 } });
    await connection.request({ method: 'GET', path: '/b', timeoutMs: 10 });
    expect(requests[0]).toMatchObject({ timeoutMs: 5_000, retry: false, body: { x: 1 } });
    expect(requests[1]).toMatchObject({ timeoutMs: 10, retry: false });
  });

  it('closes the client and config it made, never the ones it was given', async () => {
    const given = await resolveConfig({
      host: 'https://h.cloud.databricks.com',
      token: 't',
      env: {},
    });
    const closeGiven = vi.spyOn(given, 'close' as never);
    const shared = new WorkspaceConnection({ config: given, fetch: recordingFetch().fetch });
    await shared.request({ method: 'GET', path: '/' });
    await shared.close();
    expect(closeGiven).not.toHaveBeenCalled();

    const { client } = recordingClient();
    const closeClient = vi.fn();
    const withClient = new WorkspaceConnection({
      client: Object.assign(client, { close: closeClient }),
    });
    await withClient.request({ method: 'GET', path: '/' });
    await withClient.close();
    expect(closeClient).not.toHaveBeenCalled();
  });

  it('refuses requests after close() with a typed error naming its owner', async () => {
    const connection = new WorkspaceConnection(
      {
        host: 'https://h.cloud.databricks.com',
        token: 't',
        env: {},
        fetch: recordingFetch().fetch,
      },
      { owner: 'VectorSearchClient' },
    );
    await connection.request({ method: 'GET', path: '/' });
    await Promise.all([connection.close(), connection.close()]);
    expect(connection.closed).toBe(true);
    const error = (await connection
      .request({ method: 'GET', path: '/' })
      .catch((e: unknown) => e)) as Error;
    expect(WorkspaceConnectionClosedError.isInstance(error)).toBe(true);
    expect(error.message).toMatch(/This VectorSearchClient was closed/);
  });

  it('checks a given config or client at construction', () => {
    expect(() => new WorkspaceConnection({ config: {} as never })).toThrow(/option `config`/);
    expect(() => new WorkspaceConnection({ client: {} as never })).toThrow(/option `client`/);
  });

  it('picks only connection options out of a class’s fields', () => {
    expect(
      pickConnectionOptions({ host: 'h', token: 't', temperature: 0.2, indexName: 'a.b.c' }),
    ).toEqual({ host: 'h', token: 't' });
  });
});
