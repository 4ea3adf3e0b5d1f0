/**
 * `LakebaseWorkspace` against scripted responses in the Databricks wire format (offline):
 * the credential cache (single flight, reuse window), and the typed errors of the APIs.
 */
import { describe, expect, it } from 'vitest';
import { LakebaseError, LakebaseInstanceNotFoundError, LakebasePermissionError } from './errors.js';
import { DEFAULT_CREDENTIAL_REUSE_MS, LakebaseWorkspace } from './workspace.js';

type Handler = (path: string, body: unknown) => { status?: number; json: unknown };

function workspaceWith(
  handler: Handler,
  options: {
    now?: () => number;
    credentialReuseMs?: number;
    project?: string;
    branch?: string;
  } = {},
) {
  const calls: Array<{ method: string; path: string; body: unknown }> = [];
  const fetch = async (input: string | URL | Request, init?: RequestInit) => {
    const url = new URL(typeof input === 'string' || input instanceof URL ? input : input.url);
    const body = init?.body ? JSON.parse(String(init.body)) : undefined;
    calls.push({ method: init?.method ?? 'GET', path: url.pathname, body });
    const { status = 200, json } = handler(url.pathname, body);
    return new Response(JSON.stringify(json), {
      status,
      headers: { 'content-type': 'application/json' },
    });
  };
  const target = options.project ? {} : { instanceName: 'agent-memory' };
  const workspace = new LakebaseWorkspace({
    ...target,
    workspace: { host: 'https://adb-1.azuredatabricks.net', token: 'dapi-test', fetch, env: {} },
    ...options,
  });
  return { workspace, calls };
}

describe('LakebaseWorkspace credentials', () => {
  it('mints once for concurrent callers and reuses for at most 15 minutes', async () => {
    let clock = Date.parse('2026-03-01T09:00:00Z');
    let minted = 0;
    const { workspace, calls } = workspaceWith(
      () => {
        minted += 1;
        return {
          json: {
            token: `token-${minted}`,
            expiration_time: new Date(clock + 3600_000).toISOString(),
          },
        };
      },
      { now: () => clock },
    );
    const passwords = await Promise.all(Array.from({ length: 10 }, () => workspace.password()));
    expect(new Set(passwords)).toEqual(new Set(['token-1']));
    expect(calls).toHaveLength(1);
    expect(calls[0]).toMatchObject({ method: 'POST', path: '/api/2.0/database/credentials' });
    expect(calls[0]?.body).toEqual({
      instance_names: ['agent-memory'],
      request_id: expect.stringMatching(/^[0-9a-f-]{36}$/),
    });

    clock += DEFAULT_CREDENTIAL_REUSE_MS - 1;
    expect(await workspace.password()).toBe('token-1');
    clock += 1;
    expect(await workspace.password()).toBe('token-2');
    workspace.invalidatePassword();
    expect(await workspace.password()).toBe('token-3');
    expect(workspace.credentialsMinted).toBe(3);
  });

  it('never reuses a credential past half its lifetime', async () => {
    let clock = 0;
    let minted = 0;
    const { workspace } = workspaceWith(
      () => {
        minted += 1;
        return {
          json: { token: `t${minted}`, expiration_time: new Date(clock + 60_000).toISOString() },
        };
      },
      { now: () => clock },
    );
    expect(await workspace.password()).toBe('t1');
    clock += 29_999;
    expect(await workspace.password()).toBe('t1');
    clock += 1;
    expect(await workspace.password()).toBe('t2');
  });

  it('turns API answers into typed errors', async () => {
    const missing = workspaceWith(() => ({
      status: 404,
      json: {
        error_code: 'RESOURCE_DOES_NOT_EXIST',
        message: "Database instance 'agent-memory' does not exist.",
      },
    }));
    expect(
      LakebaseInstanceNotFoundError.isInstance(
        await missing.workspace.describe().catch((e: unknown) => e),
      ),
    ).toBe(true);

    const denied = workspaceWith(() => ({
      status: 403,
      json: { error_code: 'PERMISSION_DENIED', message: 'no CAN_USE' },
    }));
    const error = await denied.workspace.password().catch((e: unknown) => e);
    expect(LakebasePermissionError.isInstance(error)).toBe(true);
    expect((error as Error).message).not.toContain('dapi-test');

    const malformed = workspaceWith(() => ({ json: { token: 'x' } }));
    const bad = await malformed.workspace.password().catch((e: unknown) => e);
    expect(LakebaseError.isInstance(bad)).toBe(true);
    expect((bad as Error).message).toContain('expiration_time');
  });

  it('takes the Postgres user from SCIM Me', async () => {
    const { workspace, calls } = workspaceWith((path) =>
      path.endsWith('/Me') ? { json: { userName: 'ada@example.com' } } : { json: {} },
    );
    expect(await workspace.user()).toBe('ada@example.com');
    expect(await workspace.user()).toBe('ada@example.com');
    expect(calls.filter((call) => call.path === '/api/2.0/preview/scim/v2/Me')).toHaveLength(1);
  });
});

describe('LakebaseWorkspace on Lakebase autoscaling', () => {
  it("finds the branch's read-write endpoint and mints for it", async () => {
    const { workspace, calls } = workspaceWith(
      (path) => {
        if (path.endsWith('/endpoints')) {
          return {
            json: {
              endpoints: [
                {
                  name: 'projects/p/branches/b/endpoints/ro',
                  spec: { endpoint_type: 'ENDPOINT_TYPE_READ_ONLY' },
                },
                {
                  name: 'projects/p/branches/b/endpoints/rw',
                  spec: { endpoint_type: 'ENDPOINT_TYPE_READ_WRITE' },
                },
              ],
            },
          };
        }
        if (path.endsWith('/endpoints/rw')) {
          return {
            json: { status: { current_state: 'IDLE', hosts: { host: 'ep-rw.database.example' } } },
          };
        }
        return { json: { token: 'ep-token', expire_time: '2099-01-01T00:00:00Z' } };
      },
      { project: 'p', branch: 'b' },
    );
    expect(workspace.instanceName).toBe('projects/p/branches/b');
    expect(await workspace.describe()).toEqual({
      name: 'projects/p/branches/b/endpoints/rw',
      host: 'ep-rw.database.example',
      state: 'IDLE',
      available: true,
    });
    expect(await workspace.password()).toBe('ep-token');
    expect(calls.map((call) => `${call.method} ${call.path}`)).toEqual([
      'GET /api/2.0/postgres/projects/p/branches/b/endpoints',
      'GET /api/2.0/postgres/projects/p/branches/b/endpoints/rw',
      'POST /api/2.0/postgres/credentials',
    ]);
    expect(calls.at(-1)?.body).toEqual({ endpoint: 'projects/p/branches/b/endpoints/rw' });
  });

  it('takes exactly one way of naming the target', () => {
    const workspace = { host: 'https://x.cloud.databricks.com', token: 't', env: {} };
    expect(() => new LakebaseWorkspace({ workspace })).toThrow(/exactly one of/);
    expect(() => new LakebaseWorkspace({ workspace, autoscalingEndpoint: 'ep-1' })).toThrow(
      /projects\/<project>\/branches/,
    );
    expect(() => new LakebaseWorkspace({ workspace, project: 'p' })).toThrow(
      /both `project` and `branch`/,
    );
  });
});
