import { inspect } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resolveConfig } from '../config/resolve.js';
import { LakechainError } from '../errors.js';
import { type LoopbackOAuthServer, startLoopbackOAuthServer } from './loopback_oauth_server.js';

// Recognisable values: if any of them shows up in a message, something leaked.
const TOKEN = 'dapiLEAKCHECKtoken00112233';
const SECRET = 'doseLEAKCHECKsecret44556677';

let server: LoopbackOAuthServer;
beforeAll(async () => {
  server = await startLoopbackOAuthServer({ clientId: 'sp', clientSecret: SECRET });
});
afterAll(async () => {
  await server.close();
});

function expectClean(...views: string[]): void {
  for (const view of views) {
    expect(view).not.toContain(TOKEN);
    expect(view).not.toContain(SECRET);
  }
}

async function failure(run: () => Promise<unknown>): Promise<Error> {
  const error = await run().then(
    () => undefined,
    (caught: unknown) => caught,
  );
  expect(LakechainError.isInstance(error)).toBe(true);
  return error as Error;
}

const base = () => ({ env: {}, homeDir: '/nonexistent-home' });

describe('secrets never appear in configs or error messages', () => {
  it('configuration errors', async () => {
    const errors = await Promise.all([
      failure(() =>
        resolveConfig({
          ...base(),
          host: server.url,
          token: TOKEN,
          clientId: 'sp',
          clientSecret: SECRET,
        }),
      ),
      failure(() =>
        resolveConfig({
          ...base(),
          host: server.url,
          token: TOKEN,
          authType: 'azure-client-secret',
        }),
      ),
      failure(() =>
        resolveConfig({
          ...base(),
          host: `https://sp:${SECRET}@x.cloud.databricks.com`,
          token: TOKEN,
        }),
      ),
      failure(() =>
        resolveConfig({
          ...base(),
          host: 'x.cloud.databricks.com',
          clientSecret: [SECRET],
        } as never),
      ),
      failure(() => resolveConfig({ ...base(), host: server.url, clientSecret: SECRET })),
    ]);
    for (const error of errors) expectClean(error.message, String(error), JSON.stringify(error));
  });

  it('token endpoint errors that echo the secret back', async () => {
    const config = await resolveConfig({
      ...base(),
      host: server.url,
      clientId: 'sp',
      clientSecret: SECRET,
    });
    expectClean(
      JSON.stringify(config),
      inspect(config, { depth: 10, showHidden: true }),
      String(config),
    );

    const replies: Array<(response: import('node:http').ServerResponse) => void> = [
      (response) =>
        response
          .writeHead(401, { 'Content-Type': 'application/json' })
          .end(
            JSON.stringify({ error: 'invalid_client', error_description: `bad secret ${SECRET}` }),
          ),
      (response) =>
        response
          .writeHead(500, { 'Content-Type': 'text/html' })
          .end(`<html><title>Error for ${SECRET}</title><body>${SECRET}</body></html>`),
      (response) =>
        response.writeHead(200, { 'Content-Type': 'text/plain' }).end(`your secret is ${SECRET}`),
      (response) =>
        response
          .writeHead(200, { 'Content-Type': 'application/json' })
          .end(JSON.stringify({ echoed: SECRET })),
      (response) =>
        response
          .writeHead(400, { 'Content-Type': 'application/json' })
          .end(JSON.stringify({ error_code: 'BAD_REQUEST', message: `rejected ${SECRET}` })),
    ];
    for (const reply of replies) {
      server.tokenOverride = (response) => {
        reply(response);
        return true;
      };
      const error = await failure(() => config.getAuthHeaders({ forceRefresh: true }));
      expectClean(error.message, String(error), JSON.stringify(error));
    }
    server.tokenOverride = undefined;
  });

  it('PAT configs and runtime errors', async () => {
    const pat = await resolveConfig({ ...base(), host: 'x.cloud.databricks.com', token: TOKEN });
    expectClean(JSON.stringify(pat), inspect(pat, { depth: 10, showHidden: true }), `${pat}`);
    const runtime = await resolveConfig({
      homeDir: '/nonexistent-home',
      env: { DATABRICKS_RUNTIME_VERSION: '15.4', DATABRICKS_HOST: 'x.cloud.databricks.com' },
    });
    const error = await failure(() => runtime.getAuthHeaders());
    expectClean(error.message);
  });
});
