/**
 * The legacy per-workspace model registry (`/api/2.0/mlflow/registered-models/*`,
 * `/api/2.0/mlflow/model-versions/*`, the open-source `model_registry.proto` API), which MLflow
 * clients use on Databricks with `registry_uri="databricks"`. Unlike Unity Catalog, the workspace
 * copies the version's files from `source` itself: a version is born `PENDING_REGISTRATION` and
 * becomes `READY` (or `FAILED_REGISTRATION` when nothing is stored under `source`) by the time a
 * client asks for it again, so clients must poll `model-versions/get` as Python's does.
 */
import { type ApiRoute, optionalString, requiredString, tagList } from './api.js';
import { MlflowError, type MlflowStore, notFound } from './state.js';
import type { MlflowTag, WorkspaceModelVersionView } from './types.js';

type WorkspaceModelVersion = WorkspaceModelVersionView;

export interface WorkspaceRegisteredModel {
  name: string;
  creation_timestamp: number;
  last_updated_timestamp: number;
  user_id: string;
  description: string;
  tags: MlflowTag[];
  versions: WorkspaceModelVersion[];
}

export function workspaceRegistryRoutes(
  store: MlflowStore,
  models: Map<string, WorkspaceRegisteredModel>,
): ApiRoute[] {
  const modelNamed = (name: string): WorkspaceRegisteredModel => {
    const model = models.get(name);
    if (!model) throw notFound(`Registered Model with name=${name} not found`);
    return model;
  };
  const view = ({ versions: _versions, ...model }: WorkspaceRegisteredModel) =>
    structuredClone(model);

  /** The copy from `source` happens between the create call and the next look at the version. */
  const settle = (version: WorkspaceModelVersion): void => {
    if (version.status !== 'PENDING_REGISTRATION') return;
    const copied = store.listUnder(store.resolveUri(version.source) ?? version.source);
    version.status = copied.length > 0 ? 'READY' : 'FAILED_REGISTRATION';
    if (copied.length === 0)
      version.status_message = `No files found under ${version.source}; log the model's artifacts before registering it.`;
    version.last_updated_timestamp = store.now();
  };

  return [
    {
      methods: ['POST'],
      pattern: /^\/api\/2\.0\/mlflow\/registered-models\/create$/,
      name: 'mlflow',
      handler: (context) => {
        const name = requiredString(context, 'name');
        if (models.has(name))
          throw new MlflowError(
            400,
            'RESOURCE_ALREADY_EXISTS',
            `Registered Model (name=${name}) already exists.`,
          );
        const now = store.now();
        const model: WorkspaceRegisteredModel = {
          name,
          creation_timestamp: now,
          last_updated_timestamp: now,
          user_id: store.userName,
          description: optionalString(context, 'description') ?? '',
          tags: tagList(context.body.tags, 'tags'),
          versions: [],
        };
        models.set(name, model);
        return { registered_model: view(model) };
      },
    },
    {
      methods: ['GET'],
      pattern: /^\/api\/2\.0\/mlflow\/registered-models\/get$/,
      name: 'mlflow',
      handler: (context) => ({
        registered_model: view(modelNamed(requiredString(context, 'name'))),
      }),
    },
    {
      methods: ['POST'],
      pattern: /^\/api\/2\.0\/mlflow\/model-versions\/create$/,
      name: 'mlflow',
      handler: (context) => {
        const model = modelNamed(requiredString(context, 'name'));
        const now = store.now();
        const version: WorkspaceModelVersion = {
          name: model.name,
          version: String(model.versions.length + 1),
          creation_timestamp: now,
          last_updated_timestamp: now,
          user_id: store.userName,
          current_stage: 'None',
          description: optionalString(context, 'description') ?? '',
          source: requiredString(context, 'source'),
          run_id: optionalString(context, 'run_id') ?? '',
          status: 'PENDING_REGISTRATION',
          tags: tagList(context.body.tags, 'tags'),
        };
        model.versions.push(version);
        model.last_updated_timestamp = now;
        return { model_version: structuredClone(version) };
      },
    },
    {
      methods: ['GET'],
      pattern: /^\/api\/2\.0\/mlflow\/model-versions\/get$/,
      name: 'mlflow',
      handler: (context) => {
        const model = modelNamed(requiredString(context, 'name'));
        const number = requiredString(context, 'version');
        const version = model.versions.find((v) => v.version === number);
        if (!version)
          throw notFound(`Model Version (name=${model.name}, version=${number}) not found`);
        settle(version);
        return { model_version: structuredClone(version) };
      },
    },
  ];
}
