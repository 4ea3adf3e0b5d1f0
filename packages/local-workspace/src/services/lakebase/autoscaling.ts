/**
 * Lakebase autoscaling (`/api/2.0/postgres`): projects, branches and compute endpoints, read-only
 * here (defined in the options), and the credentials API for an endpoint. Every endpoint's host
 * is the same real PostgreSQL as the provisioned instances'.
 */
import { randomUUID } from 'node:crypto';
import { ApiError, notFoundError } from '../../platform/errors.js';
import type { Route } from '../../platform/service.js';
import type {
  LakebaseEndpointState,
  LakebaseEndpointType,
  LakebaseProjectDefinition,
} from './types.js';

export interface AutoscalingEndpoint {
  name: string;
  uid: string;
  create_time: string;
  spec: {
    endpoint_type: LakebaseEndpointType;
    autoscaling_limit_min_cu: number;
    autoscaling_limit_max_cu: number;
  };
  status: {
    current_state: LakebaseEndpointState;
    hosts: { host: string };
  };
}

export interface AutoscalingModel {
  endpoint(name: string): AutoscalingEndpoint | undefined;
  setEndpointState(name: string, state: LakebaseEndpointState): void;
  routes(
    mint: (endpoint: string, lifetimeSeconds: number | undefined) => Promise<unknown>,
  ): Route[];
}

/** `"900s"` (the API's duration format) in seconds, between Lakebase's 300 and 3600. */
function parseTtl(value: unknown): number | undefined {
  if (value === undefined) return undefined;
  const match = typeof value === 'string' ? /^(\d+)s$/.exec(value) : null;
  const seconds = match ? Number(match[1]) : Number.NaN;
  if (!(seconds >= 300 && seconds <= 3600)) {
    throw new ApiError(
      400,
      'INVALID_PARAMETER_VALUE',
      `Invalid ttl '${String(value)}': use a duration between "300s" and "3600s".`,
    );
  }
  return seconds;
}

export function createAutoscaling(
  projects: LakebaseProjectDefinition[],
  host: string,
  now: () => number,
): AutoscalingModel {
  const created = new Date(now()).toISOString();
  const projectRecords = new Map<
    string,
    { name: string; uid: string; spec: object; create_time: string }
  >();
  const branchRecords = new Map<
    string,
    { name: string; uid: string; status: object; create_time: string }
  >();
  const endpoints = new Map<string, AutoscalingEndpoint>();
  for (const project of projects) {
    const projectName = `projects/${project.id}`;
    projectRecords.set(projectName, {
      name: projectName,
      uid: randomUUID(),
      spec: { display_name: project.displayName ?? project.id, pg_version: 16 },
      create_time: created,
    });
    for (const branch of project.branches ?? []) {
      const branchName = `${projectName}/branches/${branch.id}`;
      branchRecords.set(branchName, {
        name: branchName,
        uid: randomUUID(),
        status: { current_state: 'READY' },
        create_time: created,
      });
      for (const endpoint of branch.endpoints ?? []) {
        const name = `${branchName}/endpoints/${endpoint.id}`;
        endpoints.set(name, {
          name,
          uid: randomUUID(),
          create_time: created,
          spec: {
            endpoint_type: endpoint.type ?? 'ENDPOINT_TYPE_READ_WRITE',
            autoscaling_limit_min_cu: 0.5,
            autoscaling_limit_max_cu: 4,
          },
          status: { current_state: endpoint.state ?? 'ACTIVE', hosts: { host } },
        });
      }
    }
  }
  const find = <T>(records: Map<string, T>, name: string, kind: string): T => {
    const record = records.get(name);
    if (!record) throw notFoundError(`${kind} '${name}' does not exist.`);
    return record;
  };
  return {
    endpoint: (name) => endpoints.get(name),
    setEndpointState(name, state) {
      find(endpoints, name, 'Endpoint').status.current_state = state;
    },
    routes: (mint) => [
      {
        method: 'GET',
        path: '/api/2.0/postgres/projects/:project',
        name: 'lakebase-postgres',
        body: 'none',
        handle: (request) => find(projectRecords, `projects/${request.params.project}`, 'Project'),
      },
      {
        method: 'GET',
        path: '/api/2.0/postgres/projects/:project/branches/:branch',
        name: 'lakebase-postgres',
        body: 'none',
        handle: (request) =>
          find(
            branchRecords,
            `projects/${request.params.project}/branches/${request.params.branch}`,
            'Branch',
          ),
      },
      {
        method: 'GET',
        path: '/api/2.0/postgres/projects/:project/branches/:branch/endpoints',
        name: 'lakebase-postgres',
        body: 'none',
        handle: (request) => {
          const parent = `projects/${request.params.project}/branches/${request.params.branch}`;
          find(branchRecords, parent, 'Branch');
          return {
            endpoints: [...endpoints.values()].filter((endpoint) =>
              endpoint.name.startsWith(`${parent}/`),
            ),
          };
        },
      },
      {
        method: 'GET',
        path: '/api/2.0/postgres/projects/:project/branches/:branch/endpoints/:endpoint',
        name: 'lakebase-postgres',
        body: 'none',
        handle: (request) =>
          find(
            endpoints,
            `projects/${request.params.project}/branches/${request.params.branch}/endpoints/${request.params.endpoint}`,
            'Endpoint',
          ),
      },
      {
        method: 'POST',
        path: '/api/2.0/postgres/credentials',
        name: 'lakebase-credentials',
        handle: (request) => {
          const body = (request.body ?? {}) as Record<string, unknown>;
          if (typeof body.endpoint !== 'string' || body.endpoint === '') {
            throw new ApiError(
              400,
              'INVALID_PARAMETER_VALUE',
              "Missing required field 'endpoint'.",
            );
          }
          find(endpoints, body.endpoint, 'Endpoint');
          return mint(body.endpoint, parseTtl(body.ttl));
        },
      },
    ],
  };
}
