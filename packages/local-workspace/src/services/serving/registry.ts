import { createHash } from 'node:crypto';
import type {
  ServingEndpointDefinition,
  ServingEndpointType,
  ServingRequestRecord,
} from './types.js';

const KNOWN_TASKS = new Set(['llm/v1/chat', 'llm/v1/completions', 'llm/v1/embeddings']);

export function resolveEndpointType(definition: ServingEndpointDefinition): ServingEndpointType {
  if (definition.endpointType) return definition.endpointType;
  return KNOWN_TASKS.has(definition.task) ? 'FOUNDATION_MODEL_API' : 'CUSTOM_MODEL';
}

/**
 * The serving endpoints of a workspace and the log of every request they received. Endpoints can
 * be added and removed while the workspace runs; tests read `requestsFor(name)` to assert the
 * exact bodies and headers a client sent.
 */
export interface ServingRegistry {
  list(): ServingEndpointDefinition[];
  get(name: string): ServingEndpointDefinition | undefined;
  /** Adds or replaces an endpoint. */
  add(definition: ServingEndpointDefinition): void;
  remove(name: string): boolean;
  /** The `GET /api/2.0/serving-endpoints/{name}` object, as Databricks shapes it. */
  describe(name: string): Record<string, unknown> | undefined;
  /** Requests received by one endpoint, oldest first. */
  requestsFor(name: string): ServingRequestRecord[];
  /** Every request received by any endpoint, oldest first. */
  requests(): ServingRequestRecord[];
  /** Forget recorded requests (all, or one endpoint's). */
  clearRequests(name?: string): void;
  /** Used by the router. */
  record(entry: ServingRequestRecord): void;
}

const NAME = /^[A-Za-z0-9_-]{1,63}$/;

function endpointId(name: string): string {
  return createHash('sha256').update(`serving-endpoint:${name}`).digest('hex').slice(0, 32);
}

function servedEntity(definition: ServingEndpointDefinition, type: ServingEndpointType) {
  const model = definition.model ?? definition.name;
  const ready = { deployment: 'DEPLOYMENT_READY', deployment_state_message: '' };
  if (type === 'FOUNDATION_MODEL_API') {
    return {
      name: definition.name,
      entity_name: model.startsWith('system.ai.') ? model : `system.ai.${model}`,
      entity_version: '1',
      type: 'FOUNDATION_MODEL',
      foundation_model: { name: model, display_name: model },
      state: ready,
    };
  }
  if (type === 'EXTERNAL_MODEL') {
    return {
      name: definition.name,
      external_model: {
        name: model,
        provider: definition.provider ?? 'openai',
        task: definition.task,
      },
      type: 'EXTERNAL_MODEL',
      state: ready,
    };
  }
  return {
    name: `${model.split('.').pop()}-1`,
    entity_name: model,
    entity_version: '1',
    workload_size: 'Small',
    workload_type: 'CPU',
    scale_to_zero_enabled: true,
    state: ready,
  };
}

export function createServingRegistry(
  definitions: ServingEndpointDefinition[] = [],
  options: { now?: () => number } = {},
): ServingRegistry {
  const now = options.now ?? Date.now;
  const endpoints = new Map<string, { definition: ServingEndpointDefinition; created: number }>();
  const log: ServingRequestRecord[] = [];

  const add = (definition: ServingEndpointDefinition) => {
    if (!NAME.test(definition.name))
      throw new TypeError(
        `Invalid serving endpoint name ${JSON.stringify(definition.name)}: use letters, digits, '-' and '_' (at most 63).`,
      );
    if (typeof definition.handler !== 'function')
      throw new TypeError(`Serving endpoint ${definition.name} needs a handler function.`);
    endpoints.set(definition.name, { definition, created: now() });
  };
  for (const definition of definitions) add(definition);

  return {
    list: () => [...endpoints.values()].map((entry) => entry.definition),
    get: (name) => endpoints.get(name)?.definition,
    add,
    remove: (name) => endpoints.delete(name),
    describe(name) {
      const entry = endpoints.get(name);
      if (!entry) return undefined;
      const { definition, created } = entry;
      const type = resolveEndpointType(definition);
      const description: Record<string, unknown> = {
        name: definition.name,
        id: endpointId(definition.name),
        creator: definition.creator ?? 'local-workspace@lakechain.dev',
        creation_timestamp: created,
        last_updated_timestamp: created,
        state: { ready: 'READY', config_update: 'NOT_UPDATING' },
        config: {
          served_entities: [servedEntity(definition, type)],
          config_version: 1,
        },
        tags: definition.tags ?? [],
        endpoint_type: type,
        permission_level: definition.permissionLevel ?? 'CAN_QUERY',
        route_optimized: false,
      };
      // Databricks leaves `task` out for custom models; Python falls back to dataframe_records.
      if (definition.task !== 'custom') description.task = definition.task;
      return { ...description, ...definition.describe };
    },
    requestsFor: (name) => log.filter((entry) => entry.endpoint === name),
    requests: () => [...log],
    clearRequests(name) {
      if (name === undefined) log.length = 0;
      else {
        const kept = log.filter((entry) => entry.endpoint !== name);
        log.length = 0;
        log.push(...kept);
      }
    },
    record: (entry) => {
      log.push(entry);
    },
  };
}
