/**
 * MLflow on Databricks, assembled: the store, the cloud credentials, the tracking and registry
 * routes, the cloud-storage emulation and the inspection API (`ws.mlflow`). API routes take the
 * workspace token; cloud-storage routes check their own signatures, as the real clouds do.
 */
import type { SqlEngine } from '../../engine/sql_engine.js';
import type { Route } from '../../platform/service.js';
import { defineService } from '../../platform/service.js';
import type { ApiRoute } from './api.js';
import { CloudCredentials } from './cloud_credentials.js';
import { registryRoutes } from './registry_routes.js';
import { MlflowError, MlflowStore } from './state.js';
import { createStorageHandler, storagePathPatterns } from './storage/index.js';
import { traceRoutes } from './trace_routes.js';
import { trackingRoutes } from './tracking_routes.js';
import type { LocalMlflow, MlflowOptions } from './types.js';
import {
  type WorkspaceRegisteredModel,
  workspaceRegistryRoutes,
} from './workspace_registry_routes.js';

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

/** An MLflow API route as a listener route: a JSON object body, errors as `MlflowError`s. */
function toListenerRoute(route: ApiRoute): Route {
  return {
    method: route.methods as Route['method'],
    path: route.pattern,
    name: route.name,
    handle: async (request) => {
      const readsBody = request.method !== 'GET' && request.method !== 'HEAD';
      const body = readsBody ? request.body : undefined;
      if (body !== undefined && (body === null || typeof body !== 'object' || Array.isArray(body)))
        throw new MlflowError(400, 'MALFORMED_REQUEST', 'The request body must be a JSON object.');
      const captures = Object.keys(request.params)
        .sort((left, right) => Number(left) - Number(right))
        .map((key) => request.params[key] ?? '');
      return (
        (await route.handler({
          method: request.method,
          query: request.query,
          body: (body ?? {}) as Record<string, unknown>,
          captures,
        })) ?? {}
      );
    },
  };
}

export const mlflowService = defineService({
  name: 'mlflow',
  create(context, options: MlflowOptions | undefined) {
    const store = new MlflowStore({ ...options, host: () => context.host() });
    const credentials = new CloudCredentials(store);
    const engine = context.engine;
    const workspaceModels = new Map<string, WorkspaceRegisteredModel>();
    const apiRoutes: ApiRoute[] = [
      ...trackingRoutes(store),
      ...traceRoutes(store),
      ...workspaceRegistryRoutes(store, workspaceModels),
      ...registryRoutes(store, credentials, {
        schemaExists: (catalog, schema) => engineHasSchema(engine, catalog, schema),
      }),
    ];
    const handleStorage = createStorageHandler(store, credentials);
    const resolve = (uri: string) => store.resolveUri(uri);
    const api: LocalMlflow = {
      userName: store.userName,
      storage: { ...store.names },
      settings: () => ({ ...store.settings }),
      configure: (settings) => store.configure(settings),
      storageEnv: () => ({
        AWS_ENDPOINT_URL_S3: store.host(),
        STORAGE_EMULATOR_HOST: store.host(),
      }),
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

    const storageRoutes: Route[] = storagePathPatterns(store.names).map((path) => ({
      method: '*',
      path,
      name: 'cloud-storage',
      // Signed URLs and cloud credentials: a workspace token must never be needed here.
      auth: 'none',
      body: 'raw',
      handle: (request) => handleStorage(request.incoming, request.response, request.rawBody),
    }));
    return {
      state: api,
      routes: [...storageRoutes, ...apiRoutes.map(toListenerRoute)],
    };
  },
});
