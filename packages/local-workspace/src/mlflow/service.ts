/**
 * MLflow on Databricks, assembled: the store, the cloud credentials, the tracking and registry
 * routes, the cloud-storage emulation and the inspection API (`ws.mlflow`). The REST router asks
 * `match()` for a route, runs faults and (except for cloud storage) bearer auth, then hands the
 * request to `handleApi()` or `handleStorage()`.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { readJsonBody, sendError, sendJson } from '../rest/http.js';
import type { SqlEngine } from '../warehouse/engine_types.js';
import type { ApiRoute, MlflowRouteName } from './api.js';
import { CloudCredentials } from './cloud_credentials.js';
import { registryRoutes } from './registry_routes.js';
import { MlflowError, MlflowStore } from './state.js';
import { createStorageHandler, isStoragePath } from './storage.js';
import { trackingRoutes } from './tracking_routes.js';
import type { LocalMlflow, MlflowOptions } from './types.js';
import {
  type WorkspaceRegisteredModel,
  workspaceRegistryRoutes,
} from './workspace_registry_routes.js';

export type MlflowRouteMatch =
  | { name: MlflowRouteName; route: ApiRoute; captures: string[] }
  | { name: 'cloud-storage' };

export interface MlflowService {
  /** The route a request names, if it is an MLflow or cloud-storage route. */
  match(method: string, path: string): MlflowRouteMatch | undefined;
  handleApi(
    request: IncomingMessage,
    response: ServerResponse,
    match: Extract<MlflowRouteMatch, { route: ApiRoute }>,
  ): Promise<void>;
  handleStorage(request: IncomingMessage, response: ServerResponse): Promise<void>;
  readonly api: LocalMlflow;
}

export interface MlflowServiceOptions extends MlflowOptions {
  host: () => string;
  /** The SQL engine whose schemas registered models must live in; undefined skips the check. */
  engine?: SqlEngine;
}

/** Whether `catalog.schema` exists, asked through the engine's metadata (like GetSchemas). */
async function engineHasSchema(
  engine: SqlEngine,
  catalog: string,
  schema: string,
): Promise<boolean> {
  const session = await engine.openSession({});
  try {
    const result = await session.getSchemas({ catalogName: catalog, schemaName: schema });
    try {
      const rows = await result.fetch(10_000);
      const index = Object.fromEntries(
        result.columns.map((column, position) => [column.name, position]),
      );
      const schemaColumn = index.TABLE_SCHEM ?? 0;
      const catalogColumn = index.TABLE_CATALOG ?? 1;
      // The filter is a JDBC pattern (`_` matches any character), so compare exactly here.
      return rows.some(
        (row) =>
          String(row[catalogColumn]).toLowerCase() === catalog &&
          String(row[schemaColumn]).toLowerCase() === schema,
      );
    } finally {
      await result.close();
    }
  } finally {
    await session.close();
  }
}

export function createMlflowService(options: MlflowServiceOptions): MlflowService {
  const store = new MlflowStore(options);
  const credentials = new CloudCredentials(store);
  const engine = options.engine;
  const workspaceModels = new Map<string, WorkspaceRegisteredModel>();
  const routes: ApiRoute[] = [
    ...trackingRoutes(store),
    ...workspaceRegistryRoutes(store, workspaceModels),
    ...registryRoutes(store, credentials, {
      schemaExists: engine
        ? (catalog, schema) => engineHasSchema(engine, catalog, schema)
        : undefined,
    }),
  ];
  const handleStorage = createStorageHandler(store, credentials);

  const resolve = (uri: string) => store.resolveUri(uri);

  const api: LocalMlflow = {
    userName: store.userName,
    storage: { ...store.names },
    settings: () => ({ ...store.settings }),
    configure: (settings) => store.configure(settings),
    storageEnv: () => ({ AWS_ENDPOINT_URL_S3: store.host(), STORAGE_EMULATOR_HOST: store.host() }),
    readFile(uri) {
      const resolved = resolve(uri);
      const file = resolved === undefined ? undefined : store.files.get(resolved);
      return file ? Buffer.from(file.data) : undefined;
    },
    listFiles(prefixUri) {
      const resolved = resolve(prefixUri);
      if (resolved === undefined) return [];
      const files = store.listUnder(resolved);
      if (!prefixUri.startsWith('/Models/')) return files;
      // Answer in the form asked: Files API paths for a Files API prefix.
      const base = prefixUri.replace(/\/+$/, '');
      const root = resolved.replace(/\/+$/, '');
      return files.map((uri) => `${base}${uri.slice(root.length)}`);
    },
    experiments: () =>
      [...store.experiments.values()].map((experiment) => store.experimentView(experiment)),
    experiment(idOrName) {
      const experiment = store.experiments.get(idOrName) ?? store.experimentsByName.get(idOrName);
      return experiment ? store.experimentView(experiment) : undefined;
    },
    runs: (experimentId) =>
      [...store.runs.values()]
        .filter((run) => experimentId === undefined || run.info.experiment_id === experimentId)
        .map((run) => store.runView(run)),
    run(runId) {
      const run = store.runs.get(runId);
      return run ? store.runView(run) : undefined;
    },
    traces: (experimentId) =>
      [...store.traces.values()]
        .filter((trace) => experimentId === undefined || trace.experimentId === experimentId)
        .map((trace) => store.traceView(trace)),
    trace(traceId) {
      const trace = store.traces.get(traceId);
      return trace ? store.traceView(trace) : undefined;
    },
    registeredModels: () => [...store.models.values()].map((model) => store.modelView(model)),
    registeredModel(name) {
      const model = store.models.get(name.toLowerCase());
      return model ? store.modelView(model) : undefined;
    },
    modelVersions: (name) =>
      [...store.models.values()]
        .filter((model) => name === undefined || model.name === name.toLowerCase())
        .flatMap((model) => model.versions.map((version) => store.versionView(version))),
    modelVersion(name, version) {
      const model = store.models.get(name.toLowerCase());
      const found = model?.versions.find(
        (candidate) => String(candidate.version) === String(version),
      );
      return found ? store.versionView(found) : undefined;
    },
    workspaceModelVersions: (name) =>
      [...workspaceModels.values()]
        .filter((model) => name === undefined || model.name === name)
        .flatMap((model) => model.versions.map((version) => structuredClone(version))),
    storageRequests: () => store.storageLog.map((record) => ({ ...record })),
    reset() {
      store.reset();
      workspaceModels.clear();
      credentials.clear();
    },
  };

  return {
    api,
    match(method, path) {
      if (isStoragePath(path, store.names)) return { name: 'cloud-storage' };
      for (const route of routes) {
        if (!route.methods.includes(method)) continue;
        const found = route.pattern.exec(path);
        if (!found) continue;
        const captures = found.slice(1).map((capture) => {
          try {
            return decodeURIComponent(capture ?? '');
          } catch {
            return capture ?? '';
          }
        });
        return { name: route.name, route, captures };
      }
      return undefined;
    },
    async handleApi(request, response, match) {
      let body: Record<string, unknown> = {};
      if (request.method !== 'GET' && request.method !== 'HEAD') {
        const read = await readJsonBody(request, response);
        if (!read.ok) return;
        if (read.body !== undefined) {
          if (read.body === null || typeof read.body !== 'object' || Array.isArray(read.body)) {
            sendError(
              response,
              400,
              'MALFORMED_REQUEST',
              'The request body must be a JSON object.',
            );
            return;
          }
          body = read.body as Record<string, unknown>;
        }
      } else {
        request.resume();
      }
      const url = new URL(request.url ?? '/', 'http://local');
      try {
        const result = await match.route.handler({
          method: request.method ?? 'GET',
          query: url.searchParams,
          body,
          captures: match.captures,
        });
        sendJson(response, 200, result ?? {});
      } catch (error) {
        if (error instanceof MlflowError)
          sendError(response, error.status, error.errorCode, error.message);
        else
          sendError(
            response,
            500,
            'INTERNAL_ERROR',
            error instanceof Error ? error.message : String(error),
          );
      }
    },
    handleStorage,
  };
}
