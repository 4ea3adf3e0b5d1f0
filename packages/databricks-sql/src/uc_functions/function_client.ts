/**
 * Reads function definitions from the Unity Catalog REST API (`/api/2.1/unity-catalog/functions`)
 * through @lakechain/core's `WorkspaceConnection` (its `DatabricksClient`: auth, retries, error
 * parsing), and resolves the names a toolkit is given (`catalog.schema.*`, `catalog.schema.get_*`).
 */
import { DatabricksApiError, WorkspaceConnection } from '@lakechain/core';
import { VERSION } from '../version.js';
import { UCFunctionError } from './errors.js';
import type { FunctionInfo, ListFunctionsResponse } from './wire.js';

const BASE = '/api/2.1/unity-catalog/functions';
const PAGE_SIZE = 1000;

/** A `WorkspaceConnection` named for this package (User-Agent, error messages). */
export function functionsConnection(
  options: ConstructorParameters<typeof WorkspaceConnection>[0],
): WorkspaceConnection {
  return new WorkspaceConnection(options, {
    userAgent: `lakechain-databricks-sql/${VERSION}`,
    owner: 'UCFunctionToolkit',
  });
}

function notFound(error: unknown, what: string, functionName?: string): never {
  if (DatabricksApiError.isInstance(error) && error.statusCode === 404)
    throw new UCFunctionError(
      `${what} was not found in Unity Catalog, or you may not see it (${error.errorCode ?? 'NOT_FOUND'}). Check the name and that you have USE CATALOG, USE SCHEMA and EXECUTE on it.`,
      { reason: 'not_found', functionName, cause: error },
    );
  throw error;
}

/** Splits `catalog.schema.function` (each part may be backticked); anything else throws. */
export function splitFullName(fullName: string): [string, string, string] {
  const parts: string[] = [];
  const pattern = /`((?:[^`]|``)*)`|([^.`]+)/y;
  let position = 0;
  while (position <= fullName.length) {
    pattern.lastIndex = position;
    const match = pattern.exec(fullName);
    if (!match) break;
    parts.push(match[1] !== undefined ? match[1].replace(/``/g, '`') : match[2]!.trim());
    position = pattern.lastIndex;
    if (fullName[position] !== '.') break;
    position++;
  }
  if (parts.length !== 3 || position < fullName.length || parts.some((p) => p === ''))
    throw new UCFunctionError(
      `${JSON.stringify(fullName)} is not a function name: write catalog.schema.function (or catalog.schema.* for every function of a schema).`,
      { reason: 'invalid' },
    );
  return parts as [string, string, string];
}

/** A glob of a function name (`*` any characters) as a case-insensitive test. */
function globTest(pattern: string): (name: string) => boolean {
  const source = pattern
    .split('*')
    .map((part) => part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'))
    .join('.*');
  const regex = new RegExp(`^${source}$`, 'i');
  return (name) => regex.test(name);
}

export class UCFunctionsApi {
  constructor(
    private readonly connection: WorkspaceConnection,
    /** Functions per page of a listing (the API's `max_results`). */
    private readonly pageSize = PAGE_SIZE,
  ) {}

  /** One function's definition. */
  async get(fullName: string, signal?: AbortSignal): Promise<FunctionInfo> {
    try {
      return await this.connection.request<FunctionInfo>({
        method: 'GET',
        path: `${BASE}/${encodeURIComponent(fullName)}`,
        signal,
      });
    } catch (error) {
      notFound(error, `The function ${fullName}`, fullName);
    }
  }

  /** Every function of a schema, all pages. */
  async list(catalog: string, schema: string, signal?: AbortSignal): Promise<FunctionInfo[]> {
    const functions: FunctionInfo[] = [];
    let pageToken: string | undefined;
    do {
      let page: ListFunctionsResponse;
      try {
        page = await this.connection.request<ListFunctionsResponse>({
          method: 'GET',
          path: BASE,
          query: {
            catalog_name: catalog,
            schema_name: schema,
            max_results: this.pageSize,
            ...(pageToken ? { page_token: pageToken } : {}),
          },
          signal,
        });
      } catch (error) {
        notFound(error, `The schema ${catalog}.${schema}`);
      }
      functions.push(...(page.functions ?? []));
      pageToken = page.next_page_token || undefined;
    } while (pageToken);
    return functions;
  }

  /**
   * The definitions `names` stand for: `catalog.schema.function`, or a `*` glob in the function
   * part (`catalog.schema.*`, `catalog.schema.get_*`), listed once per schema. A glob that matches
   * nothing is not an error (the schema may be empty); a plain name that does not exist is.
   * Definitions come back once each, in the order of the names, sorted within a glob.
   */
  async resolve(names: readonly string[], signal?: AbortSignal): Promise<FunctionInfo[]> {
    const out = new Map<string, FunctionInfo>();
    const listed = new Map<string, Promise<FunctionInfo[]>>();
    for (const name of names) {
      const [catalog, schema, fn] = splitFullName(name);
      if (!fn.includes('*')) {
        const info = await this.get(`${catalog}.${schema}.${fn}`, signal);
        out.set(fullNameOf(info), info);
        continue;
      }
      const key = `${catalog}.${schema}`;
      if (!listed.has(key)) listed.set(key, this.list(catalog, schema, signal));
      const matches = globTest(fn);
      const found = (await listed.get(key)!)
        .filter((info) => matches(info.name))
        .sort((a, b) => a.name.localeCompare(b.name));
      for (const info of found) {
        // A listing may leave out the parameters (Databricks lists in full today; older or other
        // servers may not): read such a function on its own.
        const complete =
          info.input_params || info.data_type ? info : await this.get(fullNameOf(info), signal);
        out.set(fullNameOf(complete), complete);
      }
    }
    return [...out.values()];
  }
}

export function fullNameOf(info: FunctionInfo): string {
  return info.full_name ?? `${info.catalog_name}.${info.schema_name}.${info.name}`;
}
