/**
 * Adding a service needs nothing but its definition: this test registers one (through the
 * `services` option, the same list the built-in ones are on) and checks that the listener gives it
 * everything it gives the built-in services: auth, faults, body limits, error shapes, inspection
 * and stop.
 */
import { request as httpsRequest } from 'node:https';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type LocalWorkspace, startLocalWorkspace } from '../workspace.js';
import { ApiError } from './errors.js';
import { defineService } from './service.js';

interface Guestbook {
  readonly entries: string[];
  stopped: boolean;
}

const guestbookService = defineService({
  name: 'guestbook',
  create(context, options: { greeting?: string } | undefined) {
    const state: Guestbook = { entries: [], stopped: false };
    return {
      state,
      routes: [
        {
          method: 'POST',
          path: '/api/2.0/guestbook/:book/entries',
          name: 'guestbook',
          maxBodyBytes: 1024,
          handle: (request) => {
            const { name } = (request.body ?? {}) as { name?: unknown };
            if (typeof name !== 'string')
              throw new ApiError(400, 'INVALID_PARAMETER_VALUE', 'Missing name.');
            state.entries.push(`${request.params.book}:${name}`);
            return { message: `${options?.greeting ?? 'Hello'}, ${name}`, host: context.host() };
          },
        },
        {
          method: 'GET',
          path: '/api/2.0/guestbook/:book/entries',
          name: 'guestbook',
          handle: (request) => ({
            entries: state.entries.filter((entry) => entry.startsWith(`${request.params.book}:`)),
          }),
        },
      ],
      async stop() {
        state.stopped = true;
      },
    };
  },
});

/** Raw HTTPS request (fetch would refuse the self-signed certificate and set content-length). */
function send(
  ws: LocalWorkspace,
  options: { method: string; path: string; headers?: Record<string, string>; body?: string },
): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const request = httpsRequest(
      {
        host: ws.hostname,
        port: ws.port,
        method: options.method,
        path: options.path,
        headers: options.headers,
        ca: ws.caCert,
      },
      (response) => {
        const chunks: Buffer[] = [];
        response.on('data', (chunk: Buffer) => chunks.push(chunk));
        response.on('end', () =>
          resolve({ status: response.statusCode ?? 0, body: Buffer.concat(chunks).toString() }),
        );
      },
    );
    request.on('error', reject);
    request.end(options.body);
  });
}

describe('a service added by definition alone', () => {
  let ws: LocalWorkspace;
  const auth = () => ({ authorization: `Bearer ${ws.token}`, 'content-type': 'application/json' });

  beforeAll(async () => {
    ws = await startLocalWorkspace({
      catalog: { samples: false },
      services: [guestbookService],
    });
  });
  afterAll(async () => {
    await ws?.stop();
  });

  it('serves its routes with path parameters, JSON bodies and the workspace host', async () => {
    const created = await send(ws, {
      method: 'POST',
      path: '/api/2.0/guestbook/main/entries',
      headers: auth(),
      body: JSON.stringify({ name: 'Ada' }),
    });
    expect(created.status).toBe(200);
    expect(JSON.parse(created.body)).toEqual({ message: 'Hello, Ada', host: ws.host });
    const listed = await send(ws, {
      method: 'GET',
      path: '/api/2.0/guestbook/main/entries',
      headers: auth(),
    });
    expect(JSON.parse(listed.body)).toEqual({ entries: ['main:Ada'] });
    expect(ws.service<Guestbook>('guestbook').entries).toEqual(['main:Ada']);
  });

  it('gets bearer authentication without asking for it', async () => {
    const anonymous = await send(ws, { method: 'GET', path: '/api/2.0/guestbook/main/entries' });
    expect(anonymous.status).toBe(401);
    const wrong = await send(ws, {
      method: 'GET',
      path: '/api/2.0/guestbook/main/entries',
      headers: { authorization: 'Bearer dapi-not-a-token' },
    });
    expect(wrong.status).toBe(403);
    expect(JSON.parse(wrong.body)).toEqual({ error_code: '403', message: 'Invalid access token.' });
  });

  it('answers its ApiErrors and unparsable JSON in Databricks shape', async () => {
    const invalid = await send(ws, {
      method: 'POST',
      path: '/api/2.0/guestbook/main/entries',
      headers: auth(),
      body: '{}',
    });
    expect(invalid.status).toBe(400);
    expect(JSON.parse(invalid.body)).toEqual({
      error_code: 'INVALID_PARAMETER_VALUE',
      message: 'Missing name.',
    });
    const malformed = await send(ws, {
      method: 'POST',
      path: '/api/2.0/guestbook/main/entries',
      headers: auth(),
      body: '{"name":',
    });
    expect(malformed.status).toBe(400);
    expect(JSON.parse(malformed.body).error_code).toBe('MALFORMED_REQUEST');
    const wrongMethod = await send(ws, {
      method: 'DELETE',
      path: '/api/2.0/guestbook/main/entries',
      headers: auth(),
    });
    expect(wrongMethod.status).toBe(404);
    expect(JSON.parse(wrongMethod.body).error_code).toBe('ENDPOINT_NOT_FOUND');
  });

  it('refuses a body over its limit before authentication, and a chunked one while reading', async () => {
    const declared = await send(ws, {
      method: 'POST',
      path: '/api/2.0/guestbook/main/entries',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'x'.repeat(2000) }),
    });
    expect(declared.status).toBe(413);
    expect(JSON.parse(declared.body).error_code).toBe('REQUEST_ENTITY_TOO_LARGE');
    const chunked = await send(ws, {
      method: 'POST',
      path: '/api/2.0/guestbook/main/entries',
      headers: { ...auth(), 'transfer-encoding': 'chunked' },
      body: JSON.stringify({ name: 'x'.repeat(2000) }),
    });
    expect(chunked.status).toBe(413);
    expect(ws.service<Guestbook>('guestbook').entries).toEqual(['main:Ada']);
  });

  it('is subject to fault rules under its route name', async () => {
    ws.faults.setRules([{ route: 'guestbook', rate503: 1, times: 1 }]);
    const unavailable = await send(ws, {
      method: 'GET',
      path: '/api/2.0/guestbook/main/entries',
      headers: auth(),
    });
    expect(unavailable.status).toBe(503);
    expect(JSON.parse(unavailable.body).error_code).toBe('TEMPORARILY_UNAVAILABLE');
    ws.faults.setRules([]);
    expect(ws.faults.counts().guestbook).toBeGreaterThan(0);
  });

  it('is stopped with the workspace', async () => {
    const state = ws.service<Guestbook>('guestbook');
    await ws.stop();
    expect(state.stopped).toBe(true);
  });
});

describe('the Thrift endpoints under the shared body limit', () => {
  it('refuse a declared oversize body before authentication instead of buffering it', async () => {
    const ws = await startLocalWorkspace({ catalog: { samples: false } });
    try {
      const response = await new Promise<number>((resolve, reject) => {
        const request = httpsRequest(
          {
            host: ws.hostname,
            port: ws.port,
            method: 'POST',
            path: ws.httpPath,
            ca: ws.caCert,
            headers: { 'content-length': String(64 * 1024 * 1024) },
          },
          (answer) => {
            answer.resume();
            resolve(answer.statusCode ?? 0);
          },
        );
        request.on('error', reject);
        // Send only a little of the declared body: the answer must not wait for the rest.
        request.write(Buffer.alloc(1024));
      });
      expect(response).toBe(413);
    } finally {
      await ws.stop();
    }
  });
});
