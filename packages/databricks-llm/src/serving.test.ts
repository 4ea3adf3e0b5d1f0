/** ServingConnection.close(): what it releases, and what it leaves to its owner. */
import { DatabricksClient } from '@lakechain/core';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { DatabricksServingError } from './index.js';
import { ServingConnection, type ServingHttpClient } from './serving.js';
import { authFor, json, mockFetch } from './testing/helpers.js';

afterEach(() => {
  vi.restoreAllMocks();
});

describe('ServingConnection.close()', () => {
  it('closes the DatabricksClient it made, once; later calls fail with kind closed', async () => {
    const close = vi.spyOn(DatabricksClient.prototype, 'close');
    const mock = mockFetch(() => json({ ok: true }));
    const connection = new ServingConnection(authFor(mock.fetch), 'ChatDatabricks');
    await connection.postJson('ep', connection.invocationsPath('ep'), {});
    await Promise.all([connection.close(), connection[Symbol.asyncDispose]()]);
    expect(close).toHaveBeenCalledTimes(1);
    expect(connection.closed).toBe(true);
    const error = await connection
      .postJson('ep', connection.invocationsPath('ep'), {})
      .catch((caught: unknown) => caught);
    expect(DatabricksServingError.isInstance(error)).toBe(true);
    expect(error).toMatchObject({ kind: 'closed', endpoint: 'ep', retryable: false });
    await expect(connection.describeEndpoint('ep')).rejects.toMatchObject({ kind: 'closed' });
    expect(mock.calls).toHaveLength(1);
  });

  it('never made a client: nothing to close', async () => {
    const close = vi.spyOn(DatabricksClient.prototype, 'close');
    await new ServingConnection(authFor(mockFetch(() => json({})).fetch)).close();
    expect(close).not.toHaveBeenCalled();
  });

  it('leaves a client passed in the options to its owner', async () => {
    const client: ServingHttpClient & { close: () => Promise<void> } = {
      request: async <T>() => ({ ok: true }) as T,
      stream: async () => new Response(''),
      close: vi.fn(async () => undefined),
    };
    const connection = new ServingConnection({ client });
    await connection.postJson('ep', '/x', {});
    await connection.close();
    expect(client.close).not.toHaveBeenCalled();
  });
});
