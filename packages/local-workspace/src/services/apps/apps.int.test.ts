/**
 * The Workspace API and Databricks Apps of the local workspace, with a plain Node app (no
 * dependencies): upload, create, deploy, the app's environment and service principal, the URL
 * behind OAuth, a deployment that fails, a crash, and the processes stopped with the workspace.
 */
import { request as httpsRequest } from 'node:https';
import { afterEach, describe, expect, it } from 'vitest';
import { type LocalWorkspace, startLocalWorkspace } from '../../workspace.js';

type Json = Record<string, any>;

/** Echoes the environment Databricks gives apps, and what the request looked like. */
const SERVER = `
import { createServer } from 'node:http';
const port = Number(process.env.DATABRICKS_APP_PORT);
createServer((request, response) => {
  if (request.url === '/crash') process.exit(3);
  let body = '';
  request.on('data', (chunk) => (body += chunk));
  request.on('end', () => {
    response.writeHead(200, { 'content-type': 'application/json' });
    response.end(JSON.stringify({
      path: request.url, method: request.method, body,
      authorization: request.headers.authorization ?? null,
      forwardedHost: request.headers['x-forwarded-host'] ?? null,
      env: Object.fromEntries(Object.entries(process.env).filter(([key]) =>
        key.startsWith('DATABRICKS_') || key === 'GREETING' || key === 'EXPERIMENT' || key === 'NODE_EXTRA_CA_CERTS')),
    }));
  });
}).listen(port, '127.0.0.1');
`;

let ws: LocalWorkspace;
afterEach(async () => {
  await ws?.stop();
});

function call(
  method: string,
  path: string,
  options: { token?: string; body?: unknown; raw?: Buffer } = {},
): Promise<{ status: number; json: Json }> {
  return new Promise((resolve, reject) => {
    const payload =
      options.raw ??
      (options.body === undefined ? undefined : Buffer.from(JSON.stringify(options.body)));
    const request = httpsRequest(
      `${ws.host}${path}`,
      {
        method,
        ca: ws.caCert,
        headers: {
          ...(options.token !== undefined ? { authorization: `Bearer ${options.token}` } : {}),
          ...(payload
            ? { 'content-type': options.raw ? 'application/octet-stream' : 'application/json' }
            : {}),
        },
      },
      (response) => {
        let text = '';
        response.setEncoding('utf8');
        response.on('data', (chunk: string) => (text += chunk));
        response.on('end', () =>
          resolve({ status: response.statusCode ?? 0, json: text ? JSON.parse(text) : {} }),
        );
      },
    );
    request.once('error', reject);
    request.end(payload);
  });
}

async function oauthToken(clientId: string, clientSecret: string): Promise<string> {
  const form = new URLSearchParams({ grant_type: 'client_credentials', scope: 'all-apis' });
  const response = await new Promise<Json>((resolve, reject) => {
    const request = httpsRequest(
      `${ws.host}/oidc/v1/token`,
      {
        method: 'POST',
        ca: ws.caCert,
        headers: {
          authorization: `Basic ${Buffer.from(`${clientId}:${clientSecret}`).toString('base64')}`,
          'content-type': 'application/x-www-form-urlencoded',
        },
      },
      (answer) => {
        let text = '';
        answer.on('data', (chunk) => (text += chunk));
        answer.on('end', () => resolve(JSON.parse(text)));
      },
    );
    request.once('error', reject);
    request.end(form.toString());
  });
  return String(response.access_token);
}

async function upload(folder: string, files: Record<string, string>) {
  for (const [name, content] of Object.entries(files)) {
    const path = `${folder}/${name}`.replace(/^\//, '');
    const result = await call(
      'POST',
      `/api/2.0/workspace-files/import-file/${path}?overwrite=true`,
      {
        token: ws.token,
        raw: Buffer.from(content),
      },
    );
    expect(result.status).toBe(200);
  }
}

async function settle(name: string, id: string): Promise<Json> {
  await ws.apps.settled(name);
  return (await call('GET', `/api/2.0/apps/${name}/deployments/${id}`, { token: ws.token })).json;
}

describe('the Workspace API', () => {
  it('mkdirs, import (base64, overwrite, 10 MB), import-file, get-status, list, export, delete', async () => {
    ws = await startLocalWorkspace({ catalog: { samples: false } });
    const t = { token: ws.token };
    expect(
      (
        await call('POST', '/api/2.0/workspace/mkdirs', {
          ...t,
          body: { path: '/Workspace/Users/me@x.com/app' },
        })
      ).status,
    ).toBe(200);
    const content = Buffer.from('print("hi")').toString('base64');
    const imported = await call('POST', '/api/2.0/workspace/import', {
      ...t,
      body: { path: '/Users/me@x.com/app/main.py', content, format: 'AUTO' },
    });
    expect(imported.status).toBe(200);
    const again = await call('POST', '/api/2.0/workspace/import', {
      ...t,
      body: { path: '/Users/me@x.com/app/main.py', content, format: 'AUTO' },
    });
    expect(again).toMatchObject({ status: 400, json: { error_code: 'RESOURCE_ALREADY_EXISTS' } });
    const orphan = await call('POST', '/api/2.0/workspace/import', {
      ...t,
      body: { path: '/Users/nobody/x.py', content, format: 'AUTO' },
    });
    expect(orphan).toMatchObject({ status: 404, json: { error_code: 'RESOURCE_DOES_NOT_EXIST' } });
    const big = await call('POST', '/api/2.0/workspace/import', {
      ...t,
      body: {
        path: '/Users/me@x.com/app/big.bin',
        content: Buffer.alloc(10 * 1024 * 1024 + 1).toString('base64'),
        format: 'RAW',
      },
    });
    expect(big).toMatchObject({ status: 400, json: { error_code: 'MAX_NOTEBOOK_SIZE_EXCEEDED' } });
    await upload('/Workspace/Users/me@x.com/app', { 'lib/util.mjs': 'export const x = 1;' });
    const status = await call(
      'GET',
      '/api/2.0/workspace/get-status?path=/Users/me@x.com/app/lib/util.mjs',
      t,
    );
    expect(status.json).toMatchObject({
      object_type: 'FILE',
      path: '/Workspace/Users/me@x.com/app/lib/util.mjs',
      size: 19,
    });
    const listed = await call(
      'GET',
      '/api/2.0/workspace/list?path=/Workspace/Users/me@x.com/app',
      t,
    );
    expect(
      listed.json.objects.map((object: Json) => `${object.object_type} ${object.path}`).sort(),
    ).toEqual([
      'DIRECTORY /Workspace/Users/me@x.com/app/lib',
      'FILE /Workspace/Users/me@x.com/app/main.py',
    ]);
    const exported = await call(
      'GET',
      '/api/2.0/workspace/export?path=/Users/me@x.com/app/main.py',
      t,
    );
    expect(Buffer.from(exported.json.content, 'base64').toString()).toBe('print("hi")');
    const refused = await call('POST', '/api/2.0/workspace/delete', {
      ...t,
      body: { path: '/Users/me@x.com/app' },
    });
    expect(refused.json.error_code).toBe('DIRECTORY_NOT_EMPTY');
    await call('POST', '/api/2.0/workspace/delete', {
      ...t,
      body: { path: '/Users/me@x.com/app', recursive: true },
    });
    expect(
      (await call('GET', '/api/2.0/workspace/get-status?path=/Users/me@x.com/app/main.py', t))
        .status,
    ).toBe(404);
  });
});

describe('Databricks Apps', () => {
  it('deploys an app as a process with Databricks environment, behind OAuth at /__apps/<name>', async () => {
    ws = await startLocalWorkspace({ catalog: { samples: false } });
    const t = { token: ws.token };
    const folder = '/Workspace/Users/local-user@example.com/apps/echo';
    await upload(folder, {
      'server.mjs': SERVER,
      'app.yaml':
        'command: ["node", "server.mjs"]\nenv:\n  - name: GREETING\n    value: hello\n  - name: EXPERIMENT\n    valueFrom: experiment\n',
    });
    const created = await call('POST', '/api/2.0/apps', {
      ...t,
      body: {
        name: 'echo',
        description: 'echo app',
        resources: [
          { name: 'experiment', experiment: { experiment_id: '42', permission: 'CAN_EDIT' } },
        ],
      },
    });
    expect(created.json).toMatchObject({
      name: 'echo',
      url: `${ws.host}/__apps/echo`,
      compute_status: { state: 'ACTIVE' },
      app_status: { state: 'UNAVAILABLE' },
    });
    const bad = await call('POST', '/api/2.0/apps', { ...t, body: { name: 'Bad_Name' } });
    expect(bad.status).toBe(400);
    const deployment = await call('POST', '/api/2.0/apps/echo/deployments', {
      ...t,
      body: { source_code_path: folder, mode: 'SNAPSHOT' },
    });
    expect(deployment.json.status.state).toBe('IN_PROGRESS');
    expect((await settle('echo', deployment.json.deployment_id)).status.state).toBe('SUCCEEDED');
    const app = (await call('GET', '/api/2.0/apps/echo', t)).json;
    expect(app).toMatchObject({
      app_status: { state: 'RUNNING' },
      active_deployment: { deployment_id: deployment.json.deployment_id },
    });

    // The app's own service principal gets OAuth tokens from the workspace.
    const principal = ws.apps.servicePrincipal('echo');
    expect(principal?.clientId).toBe(app.service_principal_client_id);
    const token = await oauthToken(principal?.clientId ?? '', principal?.clientSecret ?? '');
    const answer = await call('POST', '/__apps/echo/responses?x=1', {
      token,
      body: { input: 'hi' },
    });
    expect(answer.status).toBe(200);
    expect(answer.json).toMatchObject({
      path: '/responses?x=1',
      method: 'POST',
      body: '{"input":"hi"}',
      authorization: null,
    });
    expect(answer.json.forwardedHost).toBe(new URL(ws.host).host);
    expect(answer.json.env).toMatchObject({
      DATABRICKS_APP_NAME: 'echo',
      DATABRICKS_HOST: ws.host,
      DATABRICKS_WORKSPACE_ID: ws.workspaceId,
      DATABRICKS_CLIENT_ID: principal?.clientId,
      DATABRICKS_CLIENT_SECRET: principal?.clientSecret,
      GREETING: 'hello',
      EXPERIMENT: '42',
      NODE_EXTRA_CA_CERTS: expect.stringMatching(/workspace-ca\.pem$/),
    });
    expect(answer.json.env).not.toHaveProperty('DATABRICKS_TOKEN');

    // Apps take OAuth tokens only.
    expect((await call('GET', '/__apps/echo/', { token: ws.token })).status).toBe(401);
    expect((await call('GET', '/__apps/echo/')).status).toBe(401);
    expect((await call('GET', '/__apps/nope/', { token })).status).toBe(404);

    // A crash is seen in the app's status.
    await call('GET', '/__apps/echo/crash', { token }).catch(() => undefined);
    await expect
      .poll(async () => (await call('GET', '/api/2.0/apps/echo', t)).json.app_status.state)
      .toBe('CRASHED');
    expect((await call('GET', '/__apps/echo/', { token })).status).toBe(503);
  });

  it('a deployment whose process exits before listening fails with its output', async () => {
    ws = await startLocalWorkspace({ catalog: { samples: false } });
    const t = { token: ws.token };
    const folder = '/Workspace/Shared/broken';
    await upload(folder, {
      'app.yaml': 'command: ["node", "-e", "console.error(\'missing config\'); process.exit(2)"]\n',
    });
    await call('POST', '/api/2.0/apps', { ...t, body: { name: 'broken' } });
    const deployment = await call('POST', '/api/2.0/apps/broken/deployments', {
      ...t,
      body: { source_code_path: folder },
    });
    const settled = await settle('broken', deployment.json.deployment_id);
    expect(settled.status.state).toBe('FAILED');
    expect(settled.status.message).toMatch(/code 2.*missing config/);
    expect((await call('GET', '/api/2.0/apps/broken', t)).json.app_status.state).toBe('CRASHED');
    const empty = await call('POST', '/api/2.0/apps/broken/deployments', {
      ...t,
      body: { source_code_path: '/Workspace/Shared/none' },
    });
    expect((await settle('broken', empty.json.deployment_id)).status.message).toMatch(
      /No files found/,
    );
  });

  it('stops app processes with the workspace', async () => {
    ws = await startLocalWorkspace({ catalog: { samples: false } });
    const t = { token: ws.token };
    const folder = '/Workspace/Shared/echo2';
    await upload(folder, { 'server.mjs': SERVER, 'app.yaml': 'command: ["node", "server.mjs"]\n' });
    await call('POST', '/api/2.0/apps', { ...t, body: { name: 'echo2' } });
    const deployment = await call('POST', '/api/2.0/apps/echo2/deployments', {
      ...t,
      body: { source_code_path: folder },
    });
    await settle('echo2', deployment.json.deployment_id);
    const principal = ws.apps.servicePrincipal('echo2');
    const token = await oauthToken(principal?.clientId ?? '', principal?.clientSecret ?? '');
    const { json } = await call('GET', '/__apps/echo2/', { token });
    const port = Number(json.env.DATABRICKS_APP_PORT);
    await ws.stop();
    const { connect } = await import('node:net');
    const reachable = await new Promise<boolean>((resolve) => {
      const socket = connect({ host: '127.0.0.1', port });
      socket.once('connect', () => {
        socket.destroy();
        resolve(true);
      });
      socket.once('error', () => resolve(false));
    });
    expect(reachable).toBe(false);
  });
});
