import { inspect } from 'node:util';
import { describe, expect, it, vi } from 'vitest';
import { DatabricksConfigError, DatabricksConnectionError } from '../errors.js';
import type { DatabricksConfig, FetchFunction, GetAuthHeadersOptions } from '../types.js';
import { DatabricksClient } from './client.js';

const TOKEN = 'dapi-super-secret-token';

function fakeConfig(overrides: Partial<DatabricksConfig> = {}) {
  const getAuthHeaders = vi.fn(async (_options?: GetAuthHeadersOptions) => ({
    Authorization: `Bearer ${TOKEN}`,
  }));
  const config: DatabricksConfig = {
    host: 'https://adb-123.azuredatabricks.net',
    authType: 'pat',
    getAuthHeaders,
    toJSON: () => ({ host: 'https://adb-123.azuredatabricks.net', authType: 'pat' }),
    ...overrides,
  };
  return { config, getAuthHeaders };
}

function recordingFetch(body: unknown = { ok: true }) {
  const calls: Array<{ url: string; headers: Headers }> = [];
  const fetch = vi.fn(async (url: string | URL | Request, init?: RequestInit) => {
    calls.push({ url: String(url), headers: new Headers(init?.headers) });
    return new Response(JSON.stringify(body), { headers: { 'content-type': 'application/json' } });
  }) as unknown as FetchFunction;
  return { fetch, calls };
}

describe('DatabricksClient', () => {
  it('`await using` closes it at the end of the scope: later requests are refused', async () => {
    const { config } = fakeConfig();
    const { fetch, calls } = recordingFetch();
    let escaped: DatabricksClient | undefined;
    {
      await using client = new DatabricksClient({ config, fetch });
      await client.request({ method: 'GET', path: '/api/2.0/x' });
      escaped = client;
    }
    const error = await escaped.request({ method: 'GET', path: '/api/2.0/x' }).catch((e) => e);
    expect(DatabricksConnectionError.isInstance(error)).toBe(true);
    expect(error).toMatchObject({ code: 'CLIENT_CLOSED', retryable: false });
    expect(calls).toHaveLength(1);
  });

  it('resolves paths against the host and sends auth headers', async () => {
    const { config, getAuthHeaders } = fakeConfig();
    const { fetch, calls } = recordingFetch({ clusters: [] });
    const client = new DatabricksClient({ config, fetch, userAgent: 'test/1' });
    const data = await client.request<{ clusters: unknown[] }>({
      method: 'GET',
      path: '/api/2.1/clusters/list',
      query: { filter_by: ['a', 'b'] },
    });
    expect(data).toEqual({ clusters: [] });
    expect(calls[0]?.url).toBe(
      'https://adb-123.azuredatabricks.net/api/2.1/clusters/list?filter_by=a&filter_by=b',
    );
    expect(calls[0]?.headers.get('authorization')).toBe(`Bearer ${TOKEN}`);
    expect(calls[0]?.headers.get('user-agent')).toContain(' test/1 ');
    expect(getAuthHeaders).toHaveBeenCalledTimes(1);
  });

  it('uses config.fetch when no fetch is given', async () => {
    const { fetch, calls } = recordingFetch();
    const { config } = fakeConfig({ fetch });
    await new DatabricksClient({ config }).request({ method: 'GET', path: 'api/2.0/x' });
    expect(calls[0]?.url).toBe('https://adb-123.azuredatabricks.net/api/2.0/x');
  });

  it('accepts absolute URLs on the same host and rejects other hosts', async () => {
    const { config } = fakeConfig();
    const { fetch, calls } = recordingFetch();
    const client = new DatabricksClient({ config, fetch });
    await client.request({ method: 'GET', path: 'https://adb-123.azuredatabricks.net/api/2.0/y' });
    expect(calls).toHaveLength(1);
    await expect(
      client.request({ method: 'GET', path: 'https://evil.example.com/api/2.0/y' }),
    ).rejects.toSatisfy((error: unknown) => DatabricksConfigError.isInstance(error));
    await expect(
      client.request({ method: 'GET', path: 'http://adb-123.azuredatabricks.net/api' }),
    ).rejects.toThrow(/Refusing/);
    // A protocol-relative path stays on the workspace host.
    await client.request({ method: 'GET', path: '//evil.example.com/x' });
    expect(new URL(calls[1]?.url ?? '').host).toBe('adb-123.azuredatabricks.net');
    expect(calls).toHaveLength(2);
  });

  it('exposes no secrets through JSON.stringify or util.inspect', async () => {
    const { config } = fakeConfig();
    const client = new DatabricksClient({ config, fetch: recordingFetch().fetch });
    await client.request({ method: 'GET', path: '/api' });
    expect(JSON.parse(JSON.stringify(client))).toEqual({
      host: 'https://adb-123.azuredatabricks.net',
      userAgent: client.userAgent,
    });
    expect(JSON.stringify(client)).not.toContain(TOKEN);
    expect(inspect(client, { depth: 10, showHidden: true })).not.toContain(TOKEN);
    expect(inspect(client)).not.toContain('getAuthHeaders');
    expect(Object.keys(client).sort()).toEqual(['host', 'userAgent']);
  });

  it('streams SSE events from an injected fetch', async () => {
    const { config } = fakeConfig();
    const encoder = new TextEncoder();
    const body = new ReadableStream<Uint8Array>({
      start(controller) {
        controller.enqueue(encoder.encode('data: {"a":1}\n\nevent: done\nid: 2\ndata: [DO'));
        controller.enqueue(encoder.encode('NE]\n\n'));
        controller.close();
      },
    });
    const fetch = vi.fn(
      async () => new Response(body, { headers: { 'content-type': 'text/event-stream' } }),
    );
    const client = new DatabricksClient({ config, fetch: fetch as unknown as FetchFunction });
    const events = [];
    for await (const event of client.streamEvents({ method: 'POST', path: '/x', body: {} })) {
      events.push(event);
    }
    expect(events).toEqual([{ data: '{"a":1}' }, { event: 'done', id: '2', data: '[DONE]' }]);
    const init = (fetch.mock.calls[0] as unknown as [string, RequestInit])[1];
    expect(new Headers(init.headers).get('accept')).toBe('text/event-stream');
  });
});
