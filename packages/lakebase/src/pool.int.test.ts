/**
 * `LakebasePool` against the local workspace's Lakebase APIs and a real PostgreSQL (TLS on,
 * passwords checked at login against the credentials the workspace minted): identity, rotation,
 * revocation, and the typed errors for a wrong, stopped or forbidden instance.
 */
import { Socket } from 'node:net';
import { inspect } from 'node:util';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  LakebaseConnectionError,
  LakebaseInstanceNotAvailableError,
  LakebaseInstanceNotFoundError,
  LakebasePermissionError,
} from './errors.js';
import { LakebasePool, type LakebasePoolOptions, lakebasePool } from './pool.js';
import {
  type LocalStack,
  postgresSkipReason,
  sharedPostgres,
  startLocalStack,
} from './testing/local_stack.js';

if (!sharedPostgres) console.warn(`lakebase pool tests skipped: ${postgresSkipReason}`);

describe.skipIf(!sharedPostgres)('LakebasePool on the local stack', () => {
  let clock = Date.parse('2026-03-01T09:00:00Z');
  let stack: LocalStack;
  const pools: LakebasePool[] = [];
  // The pools read the same clock as the workspace that mints and checks the credentials.
  const open = async (instanceName?: string, extra: Partial<LakebasePoolOptions> = {}) => {
    const pool = await lakebasePool(
      stack.poolOptions(instanceName, { now: () => clock, ...extra }),
    );
    pools.push(pool);
    return pool;
  };

  beforeAll(async () => {
    stack = await startLocalStack({
      lakebase: {
        now: () => clock,
        credentialLifetimeSeconds: 3600,
        instances: [
          { name: 'agent-memory' },
          { name: 'paused', state: 'STOPPED' },
          { name: 'locked', canUse: false },
        ],
        projects: [
          {
            id: 'memory',
            branches: [
              {
                id: 'main',
                endpoints: [
                  { id: 'replica', type: 'ENDPOINT_TYPE_READ_ONLY' },
                  { id: 'primary', type: 'ENDPOINT_TYPE_READ_WRITE' },
                ],
              },
            ],
          },
        ],
      },
    });
  });
  afterEach(async () => {
    await Promise.all(pools.splice(0).map((pool) => pool.close()));
    stack.ws.lakebase.setCredentialLifetime(3600);
    stack.ws.lakebase.setState('agent-memory', 'AVAILABLE');
  });
  afterAll(async () => {
    await stack?.stop();
  });

  it('logs in over TLS as the workspace identity with a minted credential', async () => {
    const pool = await open();
    const { rows } = await pool.query(
      'SELECT current_user AS user, current_database() AS db, ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()',
    );
    expect(rows).toEqual([
      { user: stack.ws.lakebase.roleName, db: 'databricks_postgres', ssl: true },
    ]);
    expect(pool.connectionInfo).toEqual({
      instanceName: 'agent-memory',
      host: '127.0.0.1',
      port: stack.postgres.port,
      database: 'databricks_postgres',
      user: stack.ws.lakebase.roleName,
    });
    expect(pool.workspace.credentialsMinted).toBe(1);
    expect(stack.ws.lakebase.logins.at(-1)).toMatchObject({
      accepted: true,
      userName: stack.ws.lakebase.roleName,
    });
  });

  it('rotates credentials ahead of expiry: no login is refused and no query fails', async () => {
    stack.ws.lakebase.setCredentialLifetime(60);
    const pool = await open();
    // Opened with the first credential; Lakebase checks tokens only at login, so it outlives it.
    const longLived = await pool.connect();
    const loginsBefore = stack.ws.lakebase.logins.length;
    const results: number[] = [];
    for (let round = 0; round < 24; round++) {
      clock += 10_000; // four minutes in all: four lifetimes of the credential
      // Five fresh logins per round (destroyed after use), each needing a valid password now.
      const clients = await Promise.all(Array.from({ length: 5 }, () => pool.connect()));
      for (const [index, client] of clients.entries()) {
        const { rows } = await client.query('SELECT $1::int AS n', [round * 5 + index]);
        results.push(rows[0].n);
        client.release(true);
      }
    }
    expect(results).toEqual(Array.from({ length: 120 }, (_, n) => n));
    expect((await longLived.query('SELECT 1 AS one')).rows).toEqual([{ one: 1 }]);
    longLived.release();
    const logins = stack.ws.lakebase.logins.slice(loginsBefore);
    expect(logins.length).toBeGreaterThanOrEqual(120);
    expect(logins.filter((login) => !login.accepted)).toEqual([]);
    // Reused for half its 60 s life at most: at least one new credential every 30 s of the 240 s.
    expect(pool.workspace.credentialsMinted).toBeGreaterThanOrEqual(8);
  });

  it('lets two clients hold different valid credentials at once', async () => {
    const first = await open();
    const second = await open();
    const [a, b] = await Promise.all([first.workspace.password(), second.workspace.password()]);
    expect(a).not.toBe(b);
    await first.query('SELECT 1');
    await second.query('SELECT 1');
    // The first client's new logins still work after the second one minted.
    const client = await first.connect();
    client.release(true);
    await first.query('SELECT 1');
  });

  it('replaces a revoked credential at the next login, once', async () => {
    const pool = await open();
    const held = await pool.connect();
    try {
      expect(stack.ws.lakebase.revokeCredentials('agent-memory')).toBeGreaterThanOrEqual(1);
      const before = stack.ws.lakebase.logins.length;
      // A new login: the cached (revoked) credential is refused, a fresh one is minted and accepted.
      const fresh = await pool.connect();
      expect((await fresh.query('SELECT current_user AS user')).rows[0].user).toBe(
        stack.ws.lakebase.roleName,
      );
      fresh.release();
      expect(
        stack.ws.lakebase.logins.slice(before).map((login) => login.reason ?? 'accepted'),
      ).toEqual(['revoked', 'accepted']);
      expect(pool.workspace.credentialsMinted).toBe(2);
      // The connection opened before the revocation carries on (checked only at login).
      expect((await held.query('SELECT 2 AS two')).rows).toEqual([{ two: 2 }]);
    } finally {
      held.release();
    }
  });

  it('prepares the statements it repeats on each connection', async () => {
    const pool = await open('agent-memory', { poolSettings: { max: 1 } });
    for (let index = 0; index < 5; index++) await pool.query('SELECT $1::int AS n', [index]);
    const { rows } = await pool.query(
      "SELECT count(*)::int AS n FROM pg_prepared_statements WHERE name LIKE 'lakechain_%'",
    );
    expect(rows).toEqual([{ n: 1 }]);
    const unprepared = await open('agent-memory', {
      poolSettings: { max: 1 },
      prepareStatements: false,
    });
    for (let index = 0; index < 5; index++) await unprepared.query('SELECT $1::int AS n', [index]);
    const none = await unprepared.query('SELECT count(*)::int AS n FROM pg_prepared_statements');
    expect(none.rows).toEqual([{ n: 0 }]);
  });

  it('reads bytea[] (as checkpoint reads return blobs) exactly as plain pg does', async () => {
    const pool = await open();
    // Two dimensions as array_agg(array[...]) gives, NULL, empty, every byte value, a large blob.
    const sql = `SELECT array_agg(array[convert_to(channel, 'UTF8'), blob]) AS blobs
      FROM (VALUES ('messages', decode(repeat('00ff7f80', 4096), 'hex')),
                   ('empty', NULL),
                   ('nothing', ''::bytea),
                   ('bytes', (SELECT string_agg(set_byte('\\x00'::bytea, 0, n), ''::bytea ORDER BY n)
                              FROM generate_series(0, 255) AS n))) AS t(channel, blob)`;
    const ours = (await pool.query(sql)).rows[0].blobs;
    const plain = (await stack.admin.query(sql)).rows[0].blobs;
    expect(ours).toEqual(plain);
    expect(ours).toHaveLength(4);
    expect(ours[1][1]).toBeNull();
    expect(ours[3][1]).toHaveLength(256);
  });

  it('asks for the credential of a new connection while its socket connects', async () => {
    const events: string[] = [];
    const pool = await open('agent-memory', {
      poolSettings: {
        // pg calls this for every new connection's socket.
        stream: () => {
          events.push('socket');
          return new Socket().once('connect', () => events.push('connected'));
        },
      },
    });
    const password = pool.workspace.password.bind(pool.workspace);
    pool.workspace.password = (options) => {
      events.push('credential');
      return password(options);
    };
    await pool.query('SELECT 1');
    // Asked for before TCP (then TLS) is up; pg's own request after TLS finds it cached.
    expect(events.slice(0, 3)).toEqual(['socket', 'credential', 'connected']);
    expect(pool.workspace.credentialsMinted).toBe(1);
    // An idle connection is reused: no new socket, no credential asked for.
    events.length = 0;
    await pool.query('SELECT 1');
    expect(events).toEqual([]);
  });

  it('connects to an autoscaling endpoint, named or found from its project and branch', async () => {
    const endpoint = 'projects/memory/branches/main/endpoints/primary';
    const base = stack.poolOptions();
    const { instanceName: _provisioned, ...connection } = base;
    for (const target of [
      { autoscalingEndpoint: endpoint },
      { project: 'memory', branch: 'main' },
      { branch: 'projects/memory/branches/main' },
    ]) {
      const pool = await lakebasePool({ ...connection, ...target, now: () => clock });
      pools.push(pool);
      const { rows } = await pool.query('SELECT current_user AS user');
      expect(rows).toEqual([{ user: stack.ws.lakebase.roleName }]);
      expect(pool.connectionInfo?.host).toBe('127.0.0.1');
      // A token minted for this endpoint: revoking the endpoint's tokens refuses it.
      const password = await pool.workspace.password();
      expect(password).toMatch(/^dlb-/);
    }
    expect(stack.ws.lakebase.revokeCredentials(endpoint)).toBe(3);

    stack.ws.lakebase.setEndpointState(endpoint, 'DEGRADED');
    try {
      const degraded = await lakebasePool({ ...connection, autoscalingEndpoint: endpoint }).catch(
        (caught: unknown) => caught,
      );
      expect(LakebaseInstanceNotAvailableError.isInstance(degraded)).toBe(true);
      expect(degraded).toMatchObject({ state: 'DEGRADED' });
    } finally {
      stack.ws.lakebase.setEndpointState(endpoint, 'ACTIVE');
    }
    const missing = await lakebasePool({ ...connection, project: 'memory', branch: 'nope' }).catch(
      (caught: unknown) => caught,
    );
    expect(LakebaseInstanceNotFoundError.isInstance(missing)).toBe(true);
    expect((missing as Error).message).toContain('"projects/memory/branches/nope"');
    expect(() => new LakebasePool({ ...base, project: 'memory', branch: 'main' })).toThrow(
      /exactly one of `instanceName`/,
    );
  });

  it('says which instance does not exist', async () => {
    const error = await lakebasePool(stack.poolOptions('no-such-instance')).catch(
      (caught: unknown) => caught,
    );
    expect(LakebaseInstanceNotFoundError.isInstance(error)).toBe(true);
    expect((error as Error).message).toContain('"no-such-instance" does not exist');
  });

  it('refuses a stopped instance, before and after connecting', async () => {
    const error = await lakebasePool(stack.poolOptions('paused')).catch(
      (caught: unknown) => caught,
    );
    expect(LakebaseInstanceNotAvailableError.isInstance(error)).toBe(true);
    expect(error).toMatchObject({ state: 'STOPPED', instanceName: 'paused' });
    expect((error as Error).message).toContain('Start it');

    const pool = await open();
    await pool.query('SELECT 1');
    stack.ws.lakebase.setState('agent-memory', 'STOPPED');
    const client = await pool.connect();
    client.release(true);
    const stopped = await pool.connect().catch((caught: unknown) => caught);
    expect(LakebaseInstanceNotAvailableError.isInstance(stopped)).toBe(true);
    expect((stopped as LakebaseInstanceNotAvailableError).state).toBe('STOPPED');
  });

  it('says when the identity may not use the instance', async () => {
    const pool = await open('locked').catch((caught: unknown) => caught);
    // The instance is found; the first credential request is refused.
    expect(pool).toMatchObject({ instanceName: 'locked' });
    const error = await (pool as LakebasePool).query('SELECT 1').catch((caught: unknown) => caught);
    expect(LakebasePermissionError.isInstance(error)).toBe(true);
    expect((error as Error).message).toMatch(/CAN_USE/);
  });

  it('requires TLS that verifies: without the CA the error says to pass tls.ca', async () => {
    const pool = await open('agent-memory', { tls: {} });
    const error = await pool.query('SELECT 1').catch((caught: unknown) => caught);
    expect(LakebaseConnectionError.isInstance(error)).toBe(true);
    expect((error as Error).message).toContain('tls: { ca }');
  });

  it('never shows a credential in inspect output, JSON or errors', async () => {
    const pool = await open();
    await pool.query('SELECT 1');
    const password = await pool.workspace.password();
    stack.ws.lakebase.setState('agent-memory', 'STOPPED');
    const client = await pool.connect();
    client.release(true);
    const error = await pool.query('SELECT 1').catch((caught: unknown) => caught);
    const shown = [
      inspect(pool, { depth: 6 }),
      JSON.stringify(pool),
      inspect(pool.workspace, { depth: 6 }),
      JSON.stringify(error),
      inspect(error, { depth: 6 }),
      String(error),
    ];
    for (const text of shown) expect(text).not.toContain(password);
  });
});
