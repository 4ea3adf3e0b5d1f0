/**
 * Model Serving: the Databricks `/api/2.0/serving-endpoints` API, each endpoint's
 * `/serving-endpoints/{name}/invocations`, the OpenAI-compatible
 * `/serving-endpoints/{chat/completions,completions,embeddings,responses}` routes that name the
 * endpoint in `model`, and AI Gateway's `/ai-gateway/{mlflow,openai}/v1/{chat/completions,
 * responses}` routes (a gateway route here is the endpoint of the same name). Endpoints are
 * declared in the options (or added while running through `workspace.serving`); every request is
 * logged for tests to read.
 */
import { ApiError } from '../../platform/errors.js';
import { failureStatus } from '../../platform/responses.js';
import { defineService, type RouteRequest } from '../../platform/service.js';
import { createServingRegistry, type ServingRegistry } from './registry.js';
import { ServingError } from './reply.js';
import type { ServingApi, ServingEndpointDefinition, ServingRequestRecord } from './types.js';
import { validateServingRequest } from './validate.js';

export interface ServingOptions {
  /** Endpoints to serve from the start. */
  endpoints?: ServingEndpointDefinition[];
}

const TASK_OF_API: Partial<Record<ServingApi, string>> = {
  'chat/completions': 'llm/v1/chat',
  completions: 'llm/v1/completions',
  embeddings: 'llm/v1/embeddings',
};

const LLM_TASKS = new Set(['llm/v1/chat', 'llm/v1/completions', 'llm/v1/embeddings']);

/** Which endpoint tasks each OpenAI-style route reaches (others answer 400). */
function acceptsApi(task: string, api: ServingApi): boolean {
  if (api === 'responses') return task === 'llm/v1/chat' || task === 'agent/v1/responses';
  if (api === 'chat/completions' && task === 'agent/v1/responses') return false;
  const expected = TASK_OF_API[api];
  return !(expected && LLM_TASKS.has(task) && task !== expected);
}

const endpointDoesNotExist = (name: string) =>
  new ServingError(
    404,
    'RESOURCE_DOES_NOT_EXIST',
    `Serving endpoint with name '${name}' does not exist.`,
  );

export const servingService = defineService({
  name: 'serving',
  create(_context, options: ServingOptions | undefined) {
    const serving: ServingRegistry = createServingRegistry(options?.endpoints ?? []);

    const getEndpoints = (request: RouteRequest) => {
      if (request.method !== 'GET')
        throw new ApiError(
          501,
          'NOT_IMPLEMENTED',
          `The local workspace does not implement ${request.method} on serving endpoints; declare endpoints in its options.`,
        );
      const name = request.params.name;
      if (name === undefined)
        return {
          endpoints: serving
            .list()
            .map((definition) => serving.describe(definition.name))
            .filter(Boolean),
        };
      const description = serving.describe(name);
      if (!description) throw endpointDoesNotExist(name);
      return description;
    };

    const invoke = async (request: RouteRequest, api: ServingApi) => {
      if (request.method !== 'POST')
        throw new ApiError(
          405,
          'BAD_REQUEST',
          `Method ${request.method} is not allowed; use POST.`,
          {
            headers: { allow: 'POST' },
          },
        );
      const body = request.body;
      const named = request.params.name;
      let definition: ServingEndpointDefinition | undefined;
      if (named !== undefined) {
        definition = serving.get(named);
        if (!definition) throw endpointDoesNotExist(named);
      } else {
        const model =
          typeof body === 'object' && body !== null
            ? (body as Record<string, unknown>).model
            : undefined;
        if (typeof model !== 'string' || model === '')
          throw new ServingError(
            400,
            'BAD_REQUEST',
            'Missing required field: model (the name of the serving endpoint)',
          );
        definition = serving.get(model);
        if (!definition) throw endpointDoesNotExist(model);
      }
      const record: ServingRequestRecord = {
        endpoint: definition.name,
        api,
        method: request.method,
        path: request.path,
        headers: { ...request.headers },
        body,
        receivedAt: Date.now(),
      };
      serving.record(record);
      try {
        if (definition.permissionLevel === 'CAN_VIEW')
          throw new ServingError(
            403,
            'PERMISSION_DENIED',
            `User does not have permission to query serving endpoint '${definition.name}'.`,
          );
        if (!acceptsApi(definition.task, api))
          throw new ServingError(
            400,
            'BAD_REQUEST',
            `Serving endpoint '${definition.name}' has task ${definition.task}, which does not accept ${api} requests.`,
          );
        if (body === undefined)
          throw new ServingError(400, 'BAD_REQUEST', 'The request body must be a JSON object');
        validateServingRequest(body, definition, api);
        const result = await definition.handler({
          endpoint: definition.name,
          task: definition.task,
          api,
          body,
          headers: record.headers,
          signal: request.signal,
        });
        const sent = await request.send(result);
        record.status = sent.status;
        record.streamed = sent.streamed;
      } catch (error) {
        record.status = failureStatus(error, request.response, request.signal);
        throw error;
      }
    };

    const invocations = (path: string | RegExp, api: ServingApi) => ({
      method: '*' as const,
      path,
      name: 'serving-invocations',
      handle: (request: RouteRequest) => invoke(request, api),
    });

    return {
      state: serving,
      routes: [
        {
          method: '*',
          path: '/api/2.0/serving-endpoints',
          name: 'serving-endpoints',
          body: 'none',
          handle: getEndpoints,
        },
        {
          method: '*',
          path: '/api/2.0/serving-endpoints/:name',
          name: 'serving-endpoints',
          body: 'none',
          handle: getEndpoints,
        },
        invocations('/serving-endpoints/chat/completions', 'chat/completions'),
        invocations('/serving-endpoints/completions', 'completions'),
        invocations('/serving-endpoints/embeddings', 'embeddings'),
        invocations('/serving-endpoints/responses', 'responses'),
        invocations('/serving-endpoints/:name/invocations', 'invocations'),
        // AI Gateway: MLflow routes and native OpenAI routes, `model` naming the route.
        invocations(/^\/ai-gateway\/(?:mlflow|openai)\/v1\/chat\/completions$/, 'chat/completions'),
        invocations(/^\/ai-gateway\/(?:mlflow|openai)\/v1\/responses$/, 'responses'),
      ],
    };
  },
});
