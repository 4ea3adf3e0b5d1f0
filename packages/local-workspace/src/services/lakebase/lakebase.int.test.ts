/**
 * The Lakebase instances and credentials APIs: shapes, states, validation and errors. That the
 * credentials work against a real PostgreSQL (RADIUS at login, expiry, revocation) is tested in
 * @lakechain/lakebase, which owns the PostgreSQL server script.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { type LocalWorkspace, startLocalWorkspace } from '../../workspace.js';
import { call } from '../mlflow/testing_http.js';

let ws: LocalWorkspace | undefined;
afterEach(async () => {
  await ws?.stop();
  ws = undefined;
});

function api(workspace: LocalWorkspace, path: string, method = 'GET', body?: unknown) {
  return call(workspace, path, {
    method,
    headers: { Authorization: `Bearer ${workspace.token}`, 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
}

describe('lakebase instances API', () => {
  it('creates, lists, gets, stops, starts and deletes instances with Lakebase states', async () => {
    let clock = Date.parse('2026-01-01T00:00:00Z');
    ws = await startLocalWorkspace({
      catalog: { samples: false },
      mlflow: { userName: 'ada@example.com' },
      lakebase: {
        startingSeconds: 60,
        now: () => clock,
        instances: [{ name: 'existing' }],
      },
    });
    const created = await api(ws, '/api/2.0/database/instances', 'POST', {
      name: 'agent-memory',
      capacity: 'CU_2',
    });
    expect(created.status).toBe(200);
    expect(created.json).toMatchObject({
      name: 'agent-memory',
      state: 'STARTING',
      capacity: 'CU_2',
      read_write_dns: '127.0.0.1',
      creator: 'ada@example.com',
      stopped: false,
      pg_version: '16',
    });
    expect(created.json.uid).toMatch(/^[0-9a-f-]{36}$/);

    clock += 59_000;
    expect((await api(ws, '/api/2.0/database/instances/agent-memory')).json.state).toBe('STARTING');
    clock += 1_000;
    expect((await api(ws, '/api/2.0/database/instances/agent-memory')).json.state).toBe(
      'AVAILABLE',
    );

    const list = await api(ws, '/api/2.0/database/instances');
    expect(list.json.database_instances.map((i: { name: string }) => i.name)).toEqual([
      'existing',
      'agent-memory',
    ]);

    const stopped = await api(ws, '/api/2.0/database/instances/agent-memory', 'PATCH', {
      stopped: true,
    });
    expect(stopped.json).toMatchObject({
      state: 'STOPPED',
      stopped: true,
      effective_stopped: true,
    });
    const restarted = await api(ws, '/api/2.0/database/instances/agent-memory', 'PATCH', {
      stopped: false,
    });
    expect(restarted.json.state).toBe('STARTING');

    expect((await api(ws, '/api/2.0/database/instances/agent-memory', 'DELETE')).status).toBe(200);
    const gone = await api(ws, '/api/2.0/database/instances/agent-memory');
    expect(gone.status).toBe(404);
    expect(gone.json).toMatchObject({
      error_code: 'RESOURCE_DOES_NOT_EXIST',
      message: "Database instance 'agent-memory' does not exist.",
    });
  });

  it('refuses bad names, duplicates and unknown capacities', async () => {
    ws = await startLocalWorkspace({
      catalog: { samples: false },
      lakebase: { instances: [{ name: 'db1' }] },
    });
    const bad = await api(ws, '/api/2.0/database/instances', 'POST', { name: 'Not_Valid' });
    expect(bad.status).toBe(400);
    expect(bad.json.error_code).toBe('INVALID_PARAMETER_VALUE');
    const duplicate = await api(ws, '/api/2.0/database/instances', 'POST', { name: 'db1' });
    expect(duplicate.status).toBe(409);
    expect(duplicate.json.error_code).toBe('RESOURCE_ALREADY_EXISTS');
    const capacity = await api(ws, '/api/2.0/database/instances', 'POST', {
      name: 'db2',
      capacity: 'CU_3',
    });
    expect(capacity.status).toBe(400);
    const noAuth = await call(ws, '/api/2.0/database/instances');
    expect(noAuth.status).toBe(401);
  });
});

describe('lakebase credentials API', () => {
  it('validates the request before minting', async () => {
    ws = await startLocalWorkspace({
      catalog: { samples: false },
      lakebase: { instances: [{ name: 'db1' }, { name: 'locked', canUse: false }] },
    });
    const empty = await api(ws, '/api/2.0/database/credentials', 'POST', { request_id: 'r1' });
    expect(empty.status).toBe(400);
    expect(empty.json.error_code).toBe('INVALID_PARAMETER_VALUE');
    const unknown = await api(ws, '/api/2.0/database/credentials', 'POST', {
      instance_names: ['nope'],
      request_id: 'r2',
    });
    expect(unknown.status).toBe(404);
    const denied = await api(ws, '/api/2.0/database/credentials', 'POST', {
      instance_names: ['locked'],
      request_id: 'r3',
    });
    expect(denied.status).toBe(403);
    expect(denied.json.error_code).toBe('PERMISSION_DENIED');
    // No PostgreSQL behind this workspace: the answer says how to give it one.
    const noPostgres = await api(ws, '/api/2.0/database/credentials', 'POST', {
      instance_names: ['db1'],
      request_id: 'r4',
    });
    expect(noPostgres.status).toBe(503);
    expect(noPostgres.json.message).toContain('lakebase: { postgres }');
    expect(ws.lakebase.credentialsIssued).toBe(0);
  });
});

describe('lakebase autoscaling API', () => {
  it('serves projects, branches and endpoints, and checks credential requests', async () => {
    ws = await startLocalWorkspace({
      catalog: { samples: false },
      lakebase: {
        projects: [
          {
            id: 'memory',
            branches: [
              {
                id: 'main',
                endpoints: [
                  { id: 'primary' },
                  { id: 'replica', type: 'ENDPOINT_TYPE_READ_ONLY', state: 'IDLE' },
                ],
              },
            ],
          },
        ],
      },
    });
    const project = await api(ws, '/api/2.0/postgres/projects/memory');
    expect(project.json).toMatchObject({
      name: 'projects/memory',
      spec: { display_name: 'memory' },
    });
    const branch = await api(ws, '/api/2.0/postgres/projects/memory/branches/main');
    expect(branch.json).toMatchObject({
      name: 'projects/memory/branches/main',
      status: { current_state: 'READY' },
    });
    const list = await api(ws, '/api/2.0/postgres/projects/memory/branches/main/endpoints');
    expect(list.json.endpoints).toMatchObject([
      {
        name: 'projects/memory/branches/main/endpoints/primary',
        spec: { endpoint_type: 'ENDPOINT_TYPE_READ_WRITE' },
        status: { current_state: 'ACTIVE', hosts: { host: '127.0.0.1' } },
      },
      {
        name: 'projects/memory/branches/main/endpoints/replica',
        spec: { endpoint_type: 'ENDPOINT_TYPE_READ_ONLY' },
        status: { current_state: 'IDLE' },
      },
    ]);
    ws.lakebase.setEndpointState('projects/memory/branches/main/endpoints/primary', 'DEGRADED');
    const one = await api(ws, '/api/2.0/postgres/projects/memory/branches/main/endpoints/primary');
    expect(one.json.status.current_state).toBe('DEGRADED');
    expect((await api(ws, '/api/2.0/postgres/projects/other')).status).toBe(404);

    const missing = await api(ws, '/api/2.0/postgres/credentials', 'POST', {});
    expect(missing.status).toBe(400);
    const badTtl = await api(ws, '/api/2.0/postgres/credentials', 'POST', {
      endpoint: 'projects/memory/branches/main/endpoints/primary',
      ttl: '60s',
    });
    expect(badTtl.status).toBe(400);
    expect(badTtl.json.message).toContain('"300s"');
    const unknown = await api(ws, '/api/2.0/postgres/credentials', 'POST', {
      endpoint: 'projects/memory/branches/main/endpoints/nope',
    });
    expect(unknown.status).toBe(404);
  });
});
