/**
 * Mosaic AI Vector Search: the `/api/2.0/vector-search` REST API (endpoints, indexes, query,
 * query-next-page, scan, upsert-data, delete-data, sync) at the paths of the SDK and at the
 * endpoint-scoped paths Python's `databricks-vectorsearch` uses (it sends GET with a JSON body to
 * `{index_url}/query`), plus `GET /api/2.1/unity-catalog/tables/{index}` for the columns of an
 * index (what `VectorSearchRetrieverTool` describes to a model). Delta Sync indexes read their
 * source table through the SQL engine and embed through the serving service.
 */
import { ApiError } from '../../platform/errors.js';
import { defineService, type HttpMethod, type RouteRequest } from '../../platform/service.js';
import { createVectorSearchStore, type VectorSearchStore } from './state.js';
import type { LocalVectorSearch, VectorSearchOptions } from './types.js';

type Json = Record<string, unknown>;

const BASE = '/api/2.0/vector-search';

function bodyOf(request: RouteRequest): Json {
  const body = request.body;
  if (body === undefined || body === null) return {};
  if (typeof body !== 'object' || Array.isArray(body))
    throw new ApiError(400, 'BAD_REQUEST', 'The request body must be a JSON object.');
  return body as Json;
}

function methodNotAllowed(request: RouteRequest, allowed: HttpMethod[]): never {
  throw new ApiError(
    405,
    'BAD_REQUEST',
    `Method ${request.method} is not allowed here; use ${allowed.join(' or ')}.`,
    { headers: { allow: allowed.join(', ') } },
  );
}

function dataOperation(store: VectorSearchStore, request: RouteRequest, endpoint?: string) {
  const { index, operation } = request.params as { index: string; operation: string };
  const method = request.method;
  switch (operation) {
    case 'query':
      if (method !== 'GET' && method !== 'POST') methodNotAllowed(request, ['POST', 'GET']);
      return store.query(index, bodyOf(request), request.signal, endpoint);
    case 'query-next-page':
      if (method !== 'GET' && method !== 'POST') methodNotAllowed(request, ['POST', 'GET']);
      return store.queryNextPage(index, bodyOf(request), endpoint);
    case 'scan':
      if (method !== 'GET' && method !== 'POST') methodNotAllowed(request, ['POST', 'GET']);
      return store.scan(index, bodyOf(request), endpoint);
    case 'upsert-data':
      if (method !== 'POST') methodNotAllowed(request, ['POST']);
      return store.upsert(index, bodyOf(request), endpoint);
    case 'delete-data': {
      if (method !== 'DELETE') methodNotAllowed(request, ['DELETE']);
      // The SDK sends ?primary_keys=a&primary_keys=b; Python's client a JSON body.
      const fromQuery = request.query.getAll('primary_keys');
      const fromBody = bodyOf(request).primary_keys;
      const keys = fromQuery.length > 0 ? fromQuery : Array.isArray(fromBody) ? fromBody : [];
      return store.deleteData(index, keys, endpoint);
    }
    case 'sync':
      if (method !== 'POST') methodNotAllowed(request, ['POST']);
      return store.syncIndex(index, endpoint);
    default:
      throw new ApiError(
        404,
        'ENDPOINT_NOT_FOUND',
        `No API found for '${request.method} ${request.path}'`,
      );
  }
}

export const vectorSearchService = defineService({
  name: 'vectorSearch',
  create(context, options: VectorSearchOptions | undefined) {
    const store = createVectorSearchStore(context, options);
    const control = 'vector-search';
    const data = 'vector-search-data';

    const indexes = (request: RouteRequest, endpoint?: string) => {
      if (request.method === 'POST') return store.createIndex(bodyOf(request), endpoint);
      if (request.method === 'GET')
        return store.listIndexes(endpoint ?? request.query.get('endpoint_name') ?? undefined);
      return methodNotAllowed(request, ['GET', 'POST']);
    };
    const oneIndex = (request: RouteRequest, endpoint?: string) => {
      const name = request.params.index as string;
      if (request.method === 'GET') return store.getIndex(name, endpoint);
      if (request.method === 'DELETE') return store.deleteIndex(name, endpoint);
      return methodNotAllowed(request, ['GET', 'DELETE']);
    };

    const state: LocalVectorSearch = store;
    return {
      state,
      routes: [
        {
          method: '*',
          path: `${BASE}/endpoints`,
          name: control,
          handle: (request: RouteRequest) => {
            if (request.method === 'POST') return store.createEndpoint(bodyOf(request));
            if (request.method === 'GET') return store.listEndpoints();
            return methodNotAllowed(request, ['GET', 'POST']);
          },
        },
        {
          method: '*',
          path: `${BASE}/endpoints/:endpoint`,
          name: control,
          handle: (request: RouteRequest) => {
            const name = request.params.endpoint as string;
            if (request.method === 'GET') return store.getEndpoint(name);
            if (request.method === 'DELETE') return store.deleteEndpoint(name);
            return methodNotAllowed(request, ['GET', 'DELETE']);
          },
        },
        {
          method: '*',
          path: `${BASE}/endpoints/:endpoint/indexes`,
          name: control,
          handle: (request: RouteRequest) => indexes(request, request.params.endpoint),
        },
        {
          method: '*',
          path: `${BASE}/endpoints/:endpoint/indexes/:index`,
          name: control,
          handle: (request: RouteRequest) => oneIndex(request, request.params.endpoint),
        },
        {
          method: '*',
          path: `${BASE}/endpoints/:endpoint/indexes/:index/:operation`,
          name: data,
          handle: (request: RouteRequest) => dataOperation(store, request, request.params.endpoint),
        },
        {
          method: '*',
          path: `${BASE}/indexes`,
          name: control,
          handle: (request: RouteRequest) => indexes(request),
        },
        {
          method: '*',
          path: `${BASE}/indexes/:index`,
          name: control,
          handle: (request: RouteRequest) => oneIndex(request),
        },
        {
          method: '*',
          path: `${BASE}/indexes/:index/:operation`,
          name: data,
          handle: (request: RouteRequest) => dataOperation(store, request),
        },
        {
          method: 'GET',
          path: '/api/2.1/unity-catalog/tables/:name',
          name: 'vector-search-uc',
          body: 'none',
          handle: (request: RouteRequest) => {
            try {
              return store.describeTable(request.params.name as string);
            } catch (error) {
              if (error instanceof ApiError && error.status === 404)
                throw new ApiError(404, 'TABLE_DOES_NOT_EXIST', error.message);
              throw error;
            }
          },
        },
      ],
      stop: async () => {
        store.stop();
      },
    };
  },
});
