/**
 * The Unity Catalog model registry as MLflow clients use it (`/api/2.0/mlflow/unity-catalog/...`,
 * the paths of MLflow's databricks_uc_registry_service.proto), plus the Files API presigned URLs
 * that default-storage uploads go through. A model version is born PENDING_REGISTRATION with a
 * storage location; the client gets temporary credentials for that location, uploads the files,
 * then finalizes the version (READY), after which its files are immutable.
 */
import { randomUUID } from 'node:crypto';
import {
  type ApiContext,
  type ApiRoute,
  missing,
  optionalString,
  requiredString,
  tagList,
} from './api.js';
import type { CloudCredentials, ModelVersionOperation } from './cloud_credentials.js';
import { presignUrl } from './presign.js';
import {
  invalidParameter,
  MlflowError,
  type MlflowStore,
  type ModelVersion,
  type RegisteredModel,
} from './state.js';
import type { ArtifactCredentialType } from './types.js';

const OPERATIONS = new Set<ModelVersionOperation>([
  'MODEL_VERSION_OPERATION_READ',
  'MODEL_VERSION_OPERATION_READ_WRITE',
]);

export interface RegistryRouteOptions {
  /** Whether `<catalog>.<schema>` exists (in the SQL engine); undefined skips the check. */
  schemaExists?: (catalog: string, schema: string) => Promise<boolean>;
}

function threeLevelName(name: string): [string, string, string] {
  const parts = name.split('.');
  if (parts.length !== 3 || parts.some((part) => part.trim() === ''))
    throw invalidParameter(
      `Invalid name '${name}'. Unity Catalog model names must have three levels, <catalog>.<schema>.<model>, e.g. 'main.default.my_model'.`,
    );
  return parts as [string, string, string];
}

export function registryRoutes(
  store: MlflowStore,
  credentials: CloudCredentials,
  options: RegistryRouteOptions = {},
): ApiRoute[] {
  const versionOf = (context: ApiContext): ModelVersion =>
    store.modelVersion(requiredString(context, 'name'), requiredString(context, 'version'));

  const storageLocation = (
    model: RegisteredModel,
  ): { mode: ModelVersion['storageMode']; location: string } => {
    const mode = store.settings.modelStorage;
    const { names } = store;
    const path = `${names.metastoreId}/models/${model.id}/versions/${randomUUID()}`;
    switch (mode) {
      case 's3':
        return { mode, location: `s3://${names.s3Bucket}/${path}` };
      case 'adls':
        // Real locations are abfss://<container>@<account>.dfs.core.windows.net/<path>; clients
        // map abfss://C@H/P to https://H/C/P, so naming this listener makes them land here.
        return {
          mode,
          location: `abfss://${names.adlsContainer}@${new URL(store.host()).host}/${path}`,
        };
      case 'gcs':
        return { mode, location: `gs://${names.gcsBucket}/${path}` };
      default:
        return { mode: 'default', location: `s3://${names.defaultStorageBucket}/${path}` };
    }
  };

  /** `/Models/<catalog>/<schema>/<model>/<version>/<path>` → the version and the file's URI. */
  const filesApiTarget = (context: ApiContext, upload: boolean): { uri: string } => {
    const path = requiredString(context, 'path');
    const match = /^\/Models\/([^/]+)\/([^/]+)\/([^/]+)\/([^/]+)\/(.+)$/.exec(path);
    if (!match)
      throw invalidParameter(
        `Invalid path '${path}': the local workspace serves Files API URLs for model version files only, '/Models/<catalog>/<schema>/<model>/<version>/<file path>'.`,
      );
    const [, catalog, schema, model, versionNumber, rest] = match as unknown as string[];
    if (
      (rest as string)
        .split('/')
        .some((segment) => segment === '..' || segment === '.' || segment === '')
    )
      throw invalidParameter(
        `Invalid path '${path}': it must not contain empty, '.' or '..' segments.`,
      );
    const version = store.modelVersion(`${catalog}.${schema}.${model}`, versionNumber as string);
    if (version.storageMode !== 'default')
      throw invalidParameter(
        `Model version ${version.version} of '${version.model.name}' is stored in customer-hosted storage (${version.storageLocation}); use generate-temporary-credentials and the cloud storage API instead of the Files API.`,
      );
    if (upload && version.status !== 'PENDING_REGISTRATION')
      throw invalidParameter(
        `Model version files can only be written at creation time: version ${version.version} of '${version.model.name}' is ${version.status}.`,
      );
    return { uri: `${version.storageLocation}/${rest}` };
  };

  /** Files API URLs use the workspace's cloud flavour; Azure uses blob SAS (the Files API has no ADLS flow). */
  const filesApiType = (): ArtifactCredentialType =>
    store.settings.artifactCredentialType === 'AZURE_ADLS_GEN2_SAS_URI'
      ? 'AZURE_SAS_URI'
      : store.settings.artifactCredentialType;

  return [
    {
      methods: ['POST'],
      pattern: /^\/api\/2\.0\/mlflow\/unity-catalog\/registered-models\/create$/,
      name: 'uc-registry',
      handler: async (context) => {
        const requested = requiredString(context, 'name');
        const [catalog, schema] = threeLevelName(requested);
        // Unity Catalog identifiers are case-insensitive and stored in lower case.
        const name = requested.toLowerCase();
        if (
          options.schemaExists &&
          !(await options.schemaExists(catalog.toLowerCase(), schema.toLowerCase()))
        )
          throw new MlflowError(
            404,
            'RESOURCE_DOES_NOT_EXIST',
            `Schema '${catalog}.${schema}' does not exist.`,
          );
        if (store.models.has(name))
          throw new MlflowError(
            400,
            'RESOURCE_ALREADY_EXISTS',
            `Registered model '${name}' already exists.`,
          );
        const now = store.now();
        const model: RegisteredModel = {
          name,
          id: randomUUID(),
          creationTimestamp: now,
          lastUpdatedTimestamp: now,
          userId: store.userName,
          description: optionalString(context, 'description') ?? '',
          tags: new Map(tagList(context.body.tags, 'tags').map((tag) => [tag.key, tag.value])),
          versions: [],
        };
        store.models.set(name, model);
        return { registered_model: store.modelView(model) };
      },
    },
    {
      methods: ['GET'],
      pattern: /^\/api\/2\.0\/mlflow\/unity-catalog\/registered-models\/get$/,
      name: 'uc-registry',
      handler: (context) => ({
        registered_model: store.modelView(store.model(requiredString(context, 'name'))),
      }),
    },
    {
      methods: ['POST'],
      pattern: /^\/api\/2\.0\/mlflow\/unity-catalog\/model-versions\/create$/,
      name: 'uc-registry',
      handler: (context) => {
        const name = requiredString(context, 'name');
        const source = optionalString(context, 'source');
        if (!source) throw missing('source');
        const model = store.model(name);
        const runId = optionalString(context, 'run_id');
        const { mode, location } = storageLocation(model);
        const now = store.now();
        const version: ModelVersion = {
          model,
          version: model.versions.length + 1,
          creationTimestamp: now,
          lastUpdatedTimestamp: now,
          userId: store.userName,
          description: optionalString(context, 'description') ?? '',
          source,
          runId,
          runExperimentId: runId ? store.runs.get(runId)?.info.experiment_id : undefined,
          runTrackingServerId: optionalString(context, 'run_tracking_server_id'),
          status: 'PENDING_REGISTRATION',
          storageMode: mode,
          storageLocation: location,
          tags: new Map(tagList(context.body.tags, 'tags').map((tag) => [tag.key, tag.value])),
        };
        model.versions.push(version);
        model.lastUpdatedTimestamp = now;
        return { model_version: store.versionWire(version) };
      },
    },
    {
      methods: ['GET'],
      pattern: /^\/api\/2\.0\/mlflow\/unity-catalog\/model-versions\/get$/,
      name: 'uc-registry',
      handler: (context) => ({ model_version: store.versionWire(versionOf(context)) }),
    },
    {
      methods: ['POST'],
      pattern:
        /^\/api\/2\.0\/mlflow\/unity-catalog\/model-versions\/generate-temporary-credentials$/,
      name: 'uc-registry',
      handler: (context) => {
        const version = versionOf(context);
        const operation = requiredString(context, 'operation') as ModelVersionOperation;
        if (!OPERATIONS.has(operation))
          throw invalidParameter(
            `Invalid operation '${operation}'. Must be one of ${[...OPERATIONS].join(', ')}.`,
          );
        if (
          operation === 'MODEL_VERSION_OPERATION_READ_WRITE' &&
          version.status !== 'PENDING_REGISTRATION'
        )
          throw invalidParameter(
            `Model version files can only be written at creation time: version ${version.version} of '${version.model.name}' is ${version.status}, so only MODEL_VERSION_OPERATION_READ credentials are available.`,
          );
        return { credentials: credentials.issue(version, operation) };
      },
    },
    {
      methods: ['POST'],
      pattern: /^\/api\/2\.0\/mlflow\/unity-catalog\/model-versions\/finalize$/,
      name: 'uc-registry',
      handler: (context) => {
        const version = versionOf(context);
        // Idempotent: finalizing a READY version answers it unchanged (a retried finalize).
        if (version.status === 'PENDING_REGISTRATION') {
          version.status = 'READY';
          version.lastUpdatedTimestamp = store.now();
        }
        return { model_version: store.versionWire(version) };
      },
    },
    {
      methods: ['POST'],
      pattern: /^\/api\/2\.0\/fs\/create-upload-url$/,
      name: 'uc-registry',
      handler: (context) => {
        const { uri } = filesApiTarget(context, true);
        const signed = presignUrl(store, { uri, method: 'PUT', type: filesApiType() });
        return {
          url: signed.url,
          headers: [{ name: 'Content-Type', value: 'application/octet-stream' }, ...signed.headers],
        };
      },
    },
    {
      methods: ['POST'],
      pattern: /^\/api\/2\.0\/fs\/create-download-url$/,
      name: 'uc-registry',
      handler: (context) => {
        const { uri } = filesApiTarget(context, false);
        const signed = presignUrl(store, { uri, method: 'GET', type: filesApiType() });
        return { url: signed.url, headers: signed.headers };
      },
    },
  ];
}
