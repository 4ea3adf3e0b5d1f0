/**
 * The Unity Catalog functions REST API (`/api/2.1/unity-catalog/functions`): list by
 * `catalog_name` and `schema_name` with paging, get, create (`{ function_info }`), update (owner)
 * and delete, in Databricks' `FunctionInfo` shape and error codes. It is a view of the SQL
 * engine's function catalog: functions made with `CREATE FUNCTION` are listed here, and functions
 * created here are called from SQL, since both are the same objects.
 */
import { randomUUID } from 'node:crypto';
import type { UnityCatalogFunctions } from '../../engine/functions/function_catalog.js';
import { SqlError } from '../../engine/sql_engine.js';
import { ApiError } from '../../platform/errors.js';
import { defineService, type RouteRequest } from '../../platform/service.js';
import { functionInfo, specFromFunctionInfo } from './function_info.js';

type Json = Record<string, unknown>;

const BASE = '/api/2.1/unity-catalog/functions';
/** Page size when the client asks for the server's (`max_results=0` or none). */
const DEFAULT_PAGE = 1_000;

export interface UnityCatalogOptions {
  /** The metastore id reported in `FunctionInfo.metastore_id`. Default: random. */
  metastoreId?: string;
}

/** What `workspace.unityCatalog` exposes. */
export interface LocalUnityCatalog {
  readonly metastoreId: string;
  /** The engine's function catalog (the same objects SQL sees). */
  readonly functions: UnityCatalogFunctions;
}

/** The engine's errors as the Unity Catalog REST API answers them. */
function apiError(error: unknown, fullName?: string): unknown {
  if (!(error instanceof SqlError)) return error;
  const detail = error.message.replace(/^\[[^\]]+\]\s*/, '').replace(/\s*SQLSTATE: \w+$/, '');
  switch (error.errorClass) {
    case 'NO_SUCH_CATALOG_EXCEPTION':
      return new ApiError(404, 'CATALOG_DOES_NOT_EXIST', detail);
    case 'SCHEMA_NOT_FOUND':
      return new ApiError(404, 'SCHEMA_DOES_NOT_EXIST', detail);
    case 'ROUTINE_NOT_FOUND':
      return new ApiError(
        404,
        'FUNCTION_DOES_NOT_EXIST',
        `Routine or Model '${fullName ?? ''}' does not exist.`,
      );
    case 'ROUTINE_ALREADY_EXISTS':
      return new ApiError(409, 'FUNCTION_ALREADY_EXISTS', `Function '${fullName}' already exists.`);
    case 'INSUFFICIENT_PERMISSIONS':
      return new ApiError(403, 'PERMISSION_DENIED', detail);
    default:
      return new ApiError(400, 'INVALID_PARAMETER_VALUE', error.message);
  }
}

function bodyOf(request: RouteRequest): Json {
  const body = request.body;
  if (body === undefined || body === null) return {};
  if (typeof body !== 'object' || Array.isArray(body))
    throw new ApiError(400, 'MALFORMED_REQUEST', 'The request body must be a JSON object.');
  return body as Json;
}

function fullNameOf(request: RouteRequest): string {
  const name = (request.params.name ?? '').toLowerCase();
  if (name.split('.').length !== 3 || name.split('.').some((part) => part === ''))
    throw new ApiError(
      400,
      'INVALID_PARAMETER_VALUE',
      `Invalid function name '${request.params.name}': use the full name catalog.schema.function.`,
    );
  return name;
}

export const unityCatalogService = defineService({
  name: 'unityCatalog',
  create(context, options: UnityCatalogOptions | undefined) {
    const metastoreId = options?.metastoreId ?? randomUUID();
    const catalog = (): UnityCatalogFunctions => {
      const functions = context.engine.functions;
      if (!functions)
        throw new ApiError(
          501,
          'NOT_IMPLEMENTED',
          'This workspace was started with an engine that has no Unity Catalog functions.',
        );
      return functions;
    };
    const info = (fullName: string): Json => {
      const definition = catalog().get(fullName);
      if (!definition)
        throw new ApiError(
          404,
          'FUNCTION_DOES_NOT_EXIST',
          `Routine or Model '${fullName}' does not exist.`,
        );
      return functionInfo(definition, metastoreId);
    };

    const list = async (request: RouteRequest) => {
      const catalogName = request.query.get('catalog_name');
      const schemaName = request.query.get('schema_name');
      if (!catalogName)
        throw new ApiError(
          400,
          'INVALID_PARAMETER_VALUE',
          'catalog_name is required to list functions.',
        );
      if (!schemaName)
        throw new ApiError(
          400,
          'INVALID_PARAMETER_VALUE',
          'schema_name is required to list functions.',
        );
      const functions = catalog();
      try {
        await functions.checkNamespace(catalogName, schemaName);
      } catch (error) {
        throw apiError(error);
      }
      const maxResults = Number(request.query.get('max_results') ?? '0');
      if (!Number.isInteger(maxResults) || maxResults < 0)
        throw new ApiError(
          400,
          'INVALID_PARAMETER_VALUE',
          'max_results must be 0 or a positive integer.',
        );
      const pageSize = maxResults === 0 ? DEFAULT_PAGE : Math.min(maxResults, DEFAULT_PAGE);
      const token = request.query.get('page_token');
      const offset = token ? Number(Buffer.from(token, 'base64url').toString('utf8')) : 0;
      if (!Number.isInteger(offset) || offset < 0)
        throw new ApiError(400, 'INVALID_PARAMETER_VALUE', `Invalid page_token '${token}'.`);
      const all = functions.list(catalogName, schemaName);
      const page = all.slice(offset, offset + pageSize);
      const next = offset + page.length;
      return {
        functions: page.map((definition) => functionInfo(definition, metastoreId)),
        ...(next < all.length
          ? { next_page_token: Buffer.from(String(next), 'utf8').toString('base64url') }
          : {}),
      };
    };

    const create = async (request: RouteRequest) => {
      const spec = specFromFunctionInfo(bodyOf(request));
      const fullName = `${spec.catalog}.${spec.schema}.${spec.name}`;
      try {
        return functionInfo(await catalog().create(spec), metastoreId);
      } catch (error) {
        throw apiError(error, fullName);
      }
    };

    const state: LocalUnityCatalog = {
      metastoreId,
      get functions() {
        return catalog();
      },
    };

    return {
      state,
      routes: [
        {
          method: ['GET', 'POST'],
          path: BASE,
          name: 'unity-catalog-functions',
          handle: (request: RouteRequest) =>
            request.method === 'POST' ? create(request) : list(request),
        },
        {
          method: ['GET', 'PATCH', 'DELETE'],
          path: `${BASE}/:name`,
          name: 'unity-catalog-functions',
          handle: async (request: RouteRequest) => {
            const fullName = fullNameOf(request);
            if (request.method === 'GET') return info(fullName);
            if (request.method === 'PATCH') {
              const body = bodyOf(request);
              if (typeof body.owner !== 'string' || body.owner === '')
                throw new ApiError(
                  400,
                  'INVALID_PARAMETER_VALUE',
                  'Only the owner of a function can be updated: pass owner.',
                );
              try {
                return functionInfo(catalog().setOwner(fullName, body.owner), metastoreId);
              } catch (error) {
                throw apiError(error, fullName);
              }
            }
            try {
              await catalog().drop(fullName);
            } catch (error) {
              throw apiError(error, fullName);
            }
            return {};
          },
        },
      ],
    };
  },
});
