/**
 * Lakebase (Databricks' managed Postgres), provisioned instances: the instances API
 * (`/api/2.0/database/instances`) and the credentials API (`/api/2.0/database/credentials`) in
 * front of one REAL PostgreSQL given in the options. Every instance's `read_write_dns` is that
 * server; a minted credential is a short-lived token PostgreSQL accepts as the password of the
 * workspace identity's role (checked at login through RADIUS, see `radius.ts`), until it expires
 * or is revoked, exactly as Lakebase checks its OAuth tokens only at login.
 */
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { ApiError, notFoundError } from '../../platform/errors.js';
import { defineService } from '../../platform/service.js';
import type { LocalMlflow } from '../mlflow/types.js';
import { createAutoscaling } from './autoscaling.js';
import { type RadiusServer, startRadiusServer } from './radius.js';
import type {
  LakebaseCapacity,
  LakebaseInstance,
  LakebaseInstanceDefinition,
  LakebaseInstanceState,
  LakebaseLoginRecord,
  LakebaseOptions,
  LocalLakebase,
} from './types.js';

const CAPACITIES: readonly LakebaseCapacity[] = ['CU_1', 'CU_2', 'CU_4', 'CU_8'];
const STATES: readonly LakebaseInstanceState[] = [
  'STARTING',
  'AVAILABLE',
  'UPDATING',
  'UPGRADING',
  'FAILING_OVER',
  'STOPPED',
  'DELETING',
];
/** Lakebase instance names: 1 to 63 lower-case letters, digits and hyphens, starting with a letter. */
const INSTANCE_NAME = /^[a-z][a-z0-9-]{0,62}$/;
const MAX_LOGINS_KEPT = 1000;

interface InstanceRecord {
  instance: LakebaseInstance;
  canUse: boolean;
  /** When a STARTING instance becomes AVAILABLE. */
  availableAt?: number;
}

interface CredentialRecord {
  userName: string;
  instanceNames: string[];
  /** Autoscaling endpoints (`projects/p/branches/b/endpoints/e`) the token was minted for. */
  endpointNames: string[];
  expiresAt: number;
  revoked: boolean;
}

const quoteIdentifier = (name: string) => `"${name.replace(/"/g, '""')}"`;
const quoteLiteral = (value: string) => `'${value.replace(/'/g, "''")}'`;
const hashToken = (token: string) => createHash('sha256').update(token).digest('hex');

export const lakebaseService = defineService({
  name: 'lakebase',
  async create(context, options: LakebaseOptions | undefined) {
    const now = options?.now ?? Date.now;
    const mlflow = context.service<LocalMlflow>('mlflow');
    const roleName = mlflow.userName;
    const postgres = options?.postgres;
    const database = postgres?.database ?? 'databricks_postgres';
    const startingMs = (options?.startingSeconds ?? 0) * 1000;
    let credentialLifetimeMs = (options?.credentialLifetimeSeconds ?? 3600) * 1000;
    const instances = new Map<string, InstanceRecord>();
    // Keyed by a hash of the token: the state never holds a usable secret.
    const credentials = new Map<string, CredentialRecord>();
    const logins: LakebaseLoginRecord[] = [];
    let credentialsIssued = 0;
    let roleReady: Promise<void> | undefined;

    const refresh = (record: InstanceRecord): LakebaseInstance => {
      const { instance } = record;
      if (
        instance.state === 'STARTING' &&
        record.availableAt !== undefined &&
        now() >= record.availableAt
      ) {
        instance.state = 'AVAILABLE';
        record.availableAt = undefined;
      }
      instance.stopped = instance.state === 'STOPPED';
      instance.effective_stopped = instance.stopped;
      return instance;
    };
    const snapshot = (record: InstanceRecord): LakebaseInstance => ({ ...refresh(record) });
    const find = (name: string): InstanceRecord => {
      const record = instances.get(name);
      if (!record) {
        throw notFoundError(`Database instance '${name}' does not exist.`);
      }
      return record;
    };

    const createInstance = (
      definition: LakebaseInstanceDefinition,
      initialState: LakebaseInstanceState = 'AVAILABLE',
    ): InstanceRecord => {
      const { name } = definition;
      if (!INSTANCE_NAME.test(name)) {
        throw new ApiError(
          400,
          'INVALID_PARAMETER_VALUE',
          `Invalid database instance name '${name}': use 1 to 63 lower-case letters, digits and hyphens, starting with a letter.`,
        );
      }
      if (instances.has(name)) {
        throw new ApiError(
          409,
          'RESOURCE_ALREADY_EXISTS',
          `Database instance '${name}' already exists.`,
        );
      }
      const capacity = definition.capacity ?? 'CU_1';
      if (!CAPACITIES.includes(capacity)) {
        throw new ApiError(
          400,
          'INVALID_PARAMETER_VALUE',
          `Invalid capacity '${capacity}': use one of ${CAPACITIES.join(', ')}.`,
        );
      }
      const state = definition.state ?? initialState;
      const instance: LakebaseInstance = {
        name,
        uid: randomUUID(),
        state,
        capacity,
        pg_version: '16',
        read_write_dns: postgres?.host ?? '127.0.0.1',
        creator: roleName,
        creation_time: new Date(now()).toISOString(),
        node_count: 1,
        retention_window_in_days: 7,
        stopped: state === 'STOPPED',
        effective_capacity: capacity,
        effective_stopped: state === 'STOPPED',
        effective_node_count: 1,
        effective_retention_window_in_days: 7,
      };
      const record: InstanceRecord = {
        instance,
        canUse: definition.canUse ?? true,
        availableAt: state === 'STARTING' ? now() + startingMs : undefined,
      };
      instances.set(name, record);
      return record;
    };
    for (const definition of options?.instances ?? []) createInstance(definition);
    const autoscaling = createAutoscaling(
      options?.projects ?? [],
      postgres?.host ?? '127.0.0.1',
      now,
    );

    /** The identity's role, created once with what Lakebase gives an instance's users. */
    const ensureRole = () => {
      if (!postgres) {
        throw new ApiError(
          503,
          'TEMPORARILY_UNAVAILABLE',
          'This local workspace has no PostgreSQL behind its Lakebase instances: start it with `lakebase: { postgres }` (see @lakechain/lakebase scripts/postgres-server.mjs).',
        );
      }
      roleReady ??= (async () => {
        const role = quoteIdentifier(roleName);
        await postgres.admin.query(
          `DO $$ BEGIN IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = ${quoteLiteral(roleName)}) THEN CREATE ROLE ${role} LOGIN; END IF; END $$;` +
            `GRANT CONNECT, CREATE, TEMPORARY ON DATABASE ${quoteIdentifier(database)} TO ${role};` +
            `GRANT ALL ON SCHEMA public TO ${role};`,
        );
      })().catch((error: unknown) => {
        roleReady = undefined;
        throw new ApiError(
          500,
          'INTERNAL_ERROR',
          `Could not set up the Postgres role for ${roleName}: ${error instanceof Error ? error.message : String(error)}`,
        );
      });
      return roleReady;
    };

    /** A new token for the identity, valid for the given instances or endpoints until it expires. */
    const mint = async (
      targets: { instanceNames: string[]; endpointNames: string[] },
      lifetimeSeconds?: number,
    ) => {
      await ensureRole();
      // Short enough for RADIUS (128 bytes); opaque to clients, as Lakebase's JWTs should be.
      const token = `dlb-${randomBytes(32).toString('base64url')}`;
      const expiresAt =
        now() + (lifetimeSeconds === undefined ? credentialLifetimeMs : lifetimeSeconds * 1000);
      credentials.set(hashToken(token), {
        userName: roleName,
        ...targets,
        expiresAt,
        revoked: false,
      });
      credentialsIssued += 1;
      return { token, expiresAt: new Date(expiresAt).toISOString() };
    };

    const verifyLogin = (userName: string, password: string): boolean => {
      const record = credentials.get(hashToken(password));
      let reason: string | undefined;
      if (!record) reason = 'unknown';
      else if (record.revoked) reason = 'revoked';
      else if (now() >= record.expiresAt) reason = 'expired';
      else if (record.userName !== userName) reason = 'wrong-user';
      else if (
        record.instanceNames.length > 0 &&
        !record.instanceNames.some((name) => {
          const instance = instances.get(name);
          return instance !== undefined && refresh(instance).state === 'AVAILABLE';
        })
      ) {
        reason = 'instance-not-available';
      } else if (
        record.endpointNames.length > 0 &&
        !record.endpointNames.some((name) => {
          // An idle endpoint wakes up on connection; one still initialising or degraded does not.
          const state = autoscaling.endpoint(name)?.status.current_state;
          return state === 'ACTIVE' || state === 'IDLE';
        })
      ) {
        reason = 'endpoint-not-available';
      }
      logins.push({ userName, accepted: reason === undefined, reason, at: now() });
      if (logins.length > MAX_LOGINS_KEPT) logins.splice(0, logins.length - MAX_LOGINS_KEPT);
      return reason === undefined;
    };

    let radius: RadiusServer | undefined;
    if (postgres) {
      radius = await startRadiusServer({
        port: postgres.radius.port,
        secret: postgres.radius.secret,
        verify: verifyLogin,
      });
    }

    const state: LocalLakebase = {
      roleName,
      instance: (name) => {
        const record = instances.get(name);
        return record ? snapshot(record) : undefined;
      },
      instanceNames: () => [...instances.keys()],
      createInstance: (definition) => snapshot(createInstance(definition)),
      setState(name, next) {
        if (!STATES.includes(next)) throw new Error(`Unknown Lakebase instance state ${next}.`);
        const record = find(name);
        record.instance.state = next;
        record.availableAt = next === 'STARTING' ? now() + startingMs : undefined;
        refresh(record);
      },
      setCanUse(name, canUse) {
        find(name).canUse = canUse;
      },
      setEndpointState: (name, next) => autoscaling.setEndpointState(name, next),
      setCredentialLifetime(seconds) {
        credentialLifetimeMs = seconds * 1000;
      },
      revokeCredentials(instanceName) {
        let count = 0;
        for (const record of credentials.values()) {
          if (record.revoked) continue;
          if (
            instanceName !== undefined &&
            !record.instanceNames.includes(instanceName) &&
            !record.endpointNames.includes(instanceName)
          ) {
            continue;
          }
          record.revoked = true;
          count += 1;
        }
        return count;
      },
      get credentialsIssued() {
        return credentialsIssued;
      },
      get logins() {
        return logins;
      },
    };

    const stringList = (value: unknown, field: string): string[] => {
      if (value === undefined) return [];
      if (!Array.isArray(value) || value.some((item) => typeof item !== 'string' || item === '')) {
        throw new ApiError(400, 'INVALID_PARAMETER_VALUE', `'${field}' must be a list of names.`);
      }
      return value as string[];
    };

    return {
      state,
      routes: [
        {
          method: 'GET',
          path: '/api/2.0/database/instances',
          name: 'lakebase-instances',
          body: 'none',
          handle: () => ({ database_instances: [...instances.values()].map(snapshot) }),
        },
        {
          method: 'POST',
          path: '/api/2.0/database/instances',
          name: 'lakebase-instances',
          handle: (request) => {
            const body = (request.body ?? {}) as Record<string, unknown>;
            if (typeof body.name !== 'string' || body.name === '') {
              throw new ApiError(400, 'INVALID_PARAMETER_VALUE', "Missing required field 'name'.");
            }
            const record = createInstance(
              { name: body.name, capacity: body.capacity as LakebaseCapacity | undefined },
              body.stopped === true ? 'STOPPED' : 'STARTING',
            );
            return snapshot(record);
          },
        },
        {
          method: 'GET',
          path: '/api/2.0/database/instances/:name',
          name: 'lakebase-instances',
          body: 'none',
          handle: (request) => snapshot(find(request.params.name ?? '')),
        },
        {
          method: 'PATCH',
          path: '/api/2.0/database/instances/:name',
          name: 'lakebase-instances',
          handle: (request) => {
            const record = find(request.params.name ?? '');
            const body = (request.body ?? {}) as Record<string, unknown>;
            if (body.capacity !== undefined) {
              if (!CAPACITIES.includes(body.capacity as LakebaseCapacity)) {
                throw new ApiError(
                  400,
                  'INVALID_PARAMETER_VALUE',
                  `Invalid capacity '${String(body.capacity)}': use one of ${CAPACITIES.join(', ')}.`,
                );
              }
              record.instance.capacity = body.capacity as LakebaseCapacity;
              record.instance.effective_capacity = record.instance.capacity;
            }
            if (body.stopped === true) {
              record.instance.state = 'STOPPED';
              record.availableAt = undefined;
            } else if (body.stopped === false && refresh(record).state === 'STOPPED') {
              record.instance.state = 'STARTING';
              record.availableAt = now() + startingMs;
            }
            return snapshot(record);
          },
        },
        {
          method: 'DELETE',
          path: '/api/2.0/database/instances/:name',
          name: 'lakebase-instances',
          body: 'none',
          handle: (request) => {
            find(request.params.name ?? '');
            instances.delete(request.params.name ?? '');
            return {};
          },
        },
        {
          method: 'POST',
          path: '/api/2.0/database/credentials',
          name: 'lakebase-credentials',
          handle: async (request) => {
            const body = (request.body ?? {}) as Record<string, unknown>;
            const instanceNames = stringList(body.instance_names, 'instance_names');
            if (instanceNames.length === 0 && body.claims === undefined) {
              throw new ApiError(
                400,
                'INVALID_PARAMETER_VALUE',
                "Either 'instance_names' or 'claims' must be given.",
              );
            }
            for (const name of instanceNames) {
              if (!find(name).canUse) {
                throw new ApiError(
                  403,
                  'PERMISSION_DENIED',
                  `User ${roleName} does not have permission to use database instance '${name}'.`,
                );
              }
            }
            const minted = await mint({ instanceNames, endpointNames: [] });
            return { token: minted.token, expiration_time: minted.expiresAt };
          },
        },
        ...autoscaling.routes(async (endpoint, lifetimeSeconds) => {
          const minted = await mint(
            { instanceNames: [], endpointNames: [endpoint] },
            lifetimeSeconds,
          );
          return { token: minted.token, expire_time: minted.expiresAt };
        }),
      ],
      stop: async () => {
        await radius?.close();
      },
    };
  },
});
