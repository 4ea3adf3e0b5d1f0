/**
 * The tracking half of MLflow on Databricks: the current user (SCIM `Me`), experiments, runs,
 * batch logging with MLflow's limits, metric history, and run-artifact credentials and listing
 * (MLflow 3 traces are in `trace_routes.ts`). Databricks specifics that clients trip over are
 * kept: experiment names are absolute workspace paths, ids are strings, artifact roots are
 * `dbfs:/databricks/mlflow-tracking/...`, and artifact bytes go to cloud storage through signed
 * URLs, never through the workspace API.
 */
import {
  type ApiContext,
  type ApiRoute,
  missing,
  optionalInteger,
  optionalString,
  parameter,
  requiredString,
  tagList,
} from './api.js';
import { presignUrl } from './presign.js';
import {
  DBFS_TRACKING_ROOT,
  invalidParameter,
  MlflowError,
  type MlflowStore,
  notFound,
  type Run,
} from './state.js';
import type { MlflowMetric, MlflowTag } from './types.js';

/** MLflow's batch and entity limits (MLflow 3 server and Databricks). */
export const MLFLOW_LIMITS = {
  metricsPerBatch: 1000,
  paramsPerBatch: 100,
  tagsPerBatch: 100,
  entitiesPerBatch: 1000,
  keyLength: 250,
  paramValueLength: 6000,
  tagValueLength: 8000,
} as const;

const RUN_STATUSES = new Set(['RUNNING', 'SCHEDULED', 'FINISHED', 'FAILED', 'KILLED']);
const KEY_PATTERN = /^[\w\-. /:]+$/;

function validateKey(kind: string, key: string): void {
  if (key.length > MLFLOW_LIMITS.keyLength)
    throw invalidParameter(
      `${kind} '${key.slice(0, 100)}...' had length ${key.length}, which exceeded length limit of ${MLFLOW_LIMITS.keyLength}`,
    );
  if (!KEY_PATTERN.test(key) || key.split('/').includes('..'))
    throw invalidParameter(
      `Invalid ${kind.toLowerCase()}: '${key}'. Names may only contain alphanumerics, underscores (_), dashes (-), periods (.), spaces ( ), colons (:) and slashes (/).`,
    );
}

function validateTag(tag: MlflowTag): void {
  validateKey('Tag key', tag.key);
  if (tag.value.length > MLFLOW_LIMITS.tagValueLength)
    throw invalidParameter(
      `Tag value '${tag.value.slice(0, 100)}...' had length ${tag.value.length}, which exceeded length limit of ${MLFLOW_LIMITS.tagValueLength}`,
    );
}

function validateParam(param: MlflowTag): void {
  validateKey('Param key', param.key);
  if (param.value.length > MLFLOW_LIMITS.paramValueLength)
    throw invalidParameter(
      `Param value '${param.value.slice(0, 100)}...' had length ${param.value.length}, which exceeded length limit of ${MLFLOW_LIMITS.paramValueLength}`,
    );
}

function toMetric(value: unknown): MlflowMetric {
  const metric = value as Record<string, unknown>;
  if (typeof metric?.key !== 'string' || metric.key === '') throw missing('metrics.key');
  validateKey('Metric name', metric.key);
  const raw = metric.value;
  // Protobuf JSON carries non-finite doubles as strings.
  const numeric =
    typeof raw === 'number' ||
    (typeof raw === 'string' && ['NaN', 'Infinity', '-Infinity'].includes(raw));
  if (!numeric)
    throw invalidParameter(
      `Got invalid value ${JSON.stringify(raw)} for metric '${metric.key}' (timestamp=${String(metric.timestamp)}). Please specify value as a valid double (64-bit floating point)`,
    );
  const timestamp = Number(metric.timestamp);
  if (metric.timestamp === undefined || !Number.isSafeInteger(timestamp))
    throw invalidParameter(
      `Missing value for required parameter 'metrics.timestamp' of metric '${metric.key}'.`,
    );
  const step = metric.step === undefined || metric.step === null ? 0 : Number(metric.step);
  if (!Number.isSafeInteger(step))
    throw invalidParameter(
      `Invalid step ${JSON.stringify(metric.step)} for metric '${metric.key}': expected an integer.`,
    );
  return { key: metric.key, value: raw as number | string, timestamp, step };
}

/** A relative artifact path without `..` (the signed URL must stay inside the run's root). */
function relativePath(path: string): string {
  const trimmed = path.replace(/^\/+/, '').replace(/\/+$/, '');
  if (trimmed.split('/').some((segment) => segment === '..' || segment === '.'))
    throw invalidParameter(
      `Invalid artifact path '${path}': it must not contain '.' or '..' segments.`,
    );
  return trimmed;
}

export function trackingRoutes(store: MlflowStore): ApiRoute[] {
  const activeRun = (context: ApiContext): Run => {
    const id = optionalString(context, 'run_id') ?? optionalString(context, 'run_uuid');
    if (!id) throw missing('run_id');
    const run = store.run(id);
    if (run.info.lifecycle_stage !== 'active')
      throw invalidParameter(
        `The run ${id} must be in the 'active' state. Current state is ${run.info.lifecycle_stage}.`,
      );
    return run;
  };

  /** MLflow's per-request limits, checked on the raw counts before any entry is parsed. */
  const checkLimits = (metrics: number, params: number, tags: number) => {
    if (metrics > MLFLOW_LIMITS.metricsPerBatch)
      throw invalidParameter(
        `A batch logging request can contain at most ${MLFLOW_LIMITS.metricsPerBatch} metrics. Got ${metrics} metrics. Please split up metrics across multiple requests and try again.`,
      );
    if (params > MLFLOW_LIMITS.paramsPerBatch)
      throw invalidParameter(
        `A batch logging request can contain at most ${MLFLOW_LIMITS.paramsPerBatch} params. Got ${params} params. Please split up params across multiple requests and try again.`,
      );
    if (tags > MLFLOW_LIMITS.tagsPerBatch)
      throw invalidParameter(
        `A batch logging request can contain at most ${MLFLOW_LIMITS.tagsPerBatch} tags. Got ${tags} tags. Please split up tags across multiple requests and try again.`,
      );
    const total = metrics + params + tags;
    if (total > MLFLOW_LIMITS.entitiesPerBatch)
      throw invalidParameter(
        `A batch logging request can contain at most ${MLFLOW_LIMITS.entitiesPerBatch} metrics, params and tags in total. Got ${total}. Please split up the data across multiple requests and try again.`,
      );
  };

  /** Validates everything first, then applies: a rejected batch logs nothing (as MLflow). */
  const logBatch = (run: Run, metrics: MlflowMetric[], params: MlflowTag[], tags: MlflowTag[]) => {
    checkLimits(metrics.length, params.length, tags.length);
    params.forEach(validateParam);
    tags.forEach(validateTag);
    const seen = new Map<string, string>();
    for (const param of params) {
      const previous = run.params.get(param.key) ?? seen.get(param.key);
      if (previous !== undefined && previous !== param.value)
        throw invalidParameter(
          `Changing param values is not allowed. Param with key='${param.key}' was already logged with value='${previous}' for run ID='${run.info.run_id}'. Attempted logging new value '${param.value}'.`,
        );
      seen.set(param.key, param.value);
    }
    for (const metric of metrics) {
      const history = run.metrics.get(metric.key) ?? [];
      history.push(metric);
      run.metrics.set(metric.key, history);
    }
    for (const param of params) run.params.set(param.key, param.value);
    for (const tag of tags) {
      run.tags.set(tag.key, tag.value);
      if (tag.key === 'mlflow.runName') run.info.run_name = tag.value;
    }
  };

  const credentialInfos = (context: ApiContext, method: 'GET' | 'PUT') => {
    const run = store.run(requiredString(context, 'run_id'));
    const fromBody = context.body.path;
    const paths: unknown[] = Array.isArray(fromBody)
      ? fromBody
      : fromBody !== undefined
        ? [fromBody]
        : context.query.getAll('path');
    if (paths.length === 0) throw missing('path');
    const type = store.settings.artifactCredentialType;
    return {
      credential_infos: paths.map((path) => {
        if (typeof path !== 'string' || path === '') throw missing('path');
        const signed = presignUrl(store, {
          uri: `${run.info.artifact_uri}/${relativePath(path)}`,
          method,
          type,
        });
        return {
          run_id: run.info.run_id,
          path,
          signed_uri: signed.url,
          type,
          headers: signed.headers,
        };
      }),
    };
  };

  return [
    {
      methods: ['GET'],
      pattern: /^\/api\/2\.0\/preview\/scim\/v2\/Me$/,
      name: 'scim-me',
      handler: () => ({
        id: store.userId,
        userName: store.userName,
        displayName: store.userName.split('@')[0],
        active: true,
        emails: [{ value: store.userName, primary: true, type: 'work' }],
        schemas: ['urn:ietf:params:scim:schemas:core:2.0:User'],
      }),
    },
    {
      methods: ['POST'],
      pattern: /^\/api\/2\.0\/mlflow\/experiments\/create$/,
      name: 'mlflow',
      handler: (context) => {
        const name = requiredString(context, 'name');
        if (!name.startsWith('/'))
          throw invalidParameter(
            `Got an invalid experiment name '${name}'. An experiment name must be an absolute path within the Databricks workspace, e.g. '/Users/<some-username>/my-experiment'.`,
          );
        if (store.experimentsByName.has(name))
          throw new MlflowError(
            400,
            'RESOURCE_ALREADY_EXISTS',
            `Node named '${name}' already exists`,
          );
        const tags = tagList(context.body.tags, 'tags');
        tags.forEach(validateTag);
        const id = store.newExperimentId();
        const now = store.now();
        // Databricks manages the artifact root of workspace experiments; a requested
        // artifact_location is not honoured here (see the README).
        const experiment = {
          id,
          name,
          artifactLocation: `${DBFS_TRACKING_ROOT}/${id}`,
          lifecycleStage: 'active',
          creationTime: now,
          lastUpdateTime: now,
          tags: new Map(tags.map((tag) => [tag.key, tag.value])),
        };
        store.experiments.set(id, experiment);
        store.experimentsByName.set(name, experiment);
        return { experiment_id: id };
      },
    },
    {
      methods: ['GET'],
      pattern: /^\/api\/2\.0\/mlflow\/experiments\/get-by-name$/,
      name: 'mlflow',
      handler: (context) => {
        const name = requiredString(context, 'experiment_name');
        const experiment = store.experimentsByName.get(name);
        if (!experiment) throw notFound(`Node '${name}' does not exist.`);
        return { experiment: store.experimentView(experiment) };
      },
    },
    {
      methods: ['GET'],
      pattern: /^\/api\/2\.0\/mlflow\/experiments\/get$/,
      name: 'mlflow',
      handler: (context) => ({
        experiment: store.experimentView(
          store.experiment(requiredString(context, 'experiment_id')),
        ),
      }),
    },
    {
      methods: ['POST'],
      pattern: /^\/api\/2\.0\/mlflow\/experiments\/search$/,
      name: 'mlflow',
      handler: (context) => {
        const max = optionalInteger(context, 'max_results') ?? 1000;
        return {
          experiments: [...store.experiments.values()]
            .filter((experiment) => experiment.lifecycleStage === 'active')
            .slice(0, max)
            .map((experiment) => store.experimentView(experiment)),
        };
      },
    },
    {
      methods: ['POST'],
      pattern: /^\/api\/2\.0\/mlflow\/runs\/create$/,
      name: 'mlflow',
      handler: (context) => {
        const experiment = store.experiment(requiredString(context, 'experiment_id'));
        const tags = tagList(context.body.tags, 'tags');
        tags.forEach(validateTag);
        const tagMap = new Map(tags.map((tag) => [tag.key, tag.value]));
        const runName =
          optionalString(context, 'run_name') ||
          tagMap.get('mlflow.runName') ||
          store.randomRunName();
        // As MLflow: the run name is mirrored in the mlflow.runName tag.
        tagMap.set('mlflow.runName', runName);
        const runId = store.newRunId();
        const run: Run = {
          info: {
            run_id: runId,
            run_uuid: runId,
            experiment_id: experiment.id,
            run_name: runName,
            // Databricks records the authenticated user, whatever user_id the client sends.
            user_id: store.userName,
            status: 'RUNNING',
            start_time: optionalInteger(context, 'start_time') ?? store.now(),
            artifact_uri: `${experiment.artifactLocation}/${runId}/artifacts`,
            lifecycle_stage: 'active',
          },
          params: new Map(),
          tags: tagMap,
          metrics: new Map(),
        };
        store.runs.set(runId, run);
        return { run: store.runWire(run) };
      },
    },
    {
      methods: ['GET'],
      pattern: /^\/api\/2\.0\/mlflow\/runs\/get$/,
      name: 'mlflow',
      handler: (context) => {
        const id = optionalString(context, 'run_id') ?? optionalString(context, 'run_uuid');
        if (!id) throw missing('run_id');
        return { run: store.runWire(store.run(id)) };
      },
    },
    {
      methods: ['POST'],
      pattern: /^\/api\/2\.0\/mlflow\/runs\/update$/,
      name: 'mlflow',
      handler: (context) => {
        const run = activeRun(context);
        const status = optionalString(context, 'status');
        if (status !== undefined && !RUN_STATUSES.has(status))
          throw invalidParameter(
            `Invalid value ${status} for parameter 'status' supplied. Must be one of ${[...RUN_STATUSES].join(', ')}.`,
          );
        const endTime = optionalInteger(context, 'end_time');
        const runName = optionalString(context, 'run_name');
        if (status !== undefined) run.info.status = status;
        if (endTime !== undefined) run.info.end_time = endTime;
        if (runName) {
          run.info.run_name = runName;
          run.tags.set('mlflow.runName', runName);
        }
        return { run_info: { ...run.info } };
      },
    },
    {
      methods: ['POST'],
      pattern: /^\/api\/2\.0\/mlflow\/runs\/log-batch$/,
      name: 'mlflow',
      handler: (context) => {
        const run = activeRun(context);
        const list = (name: string): unknown[] => {
          const value = context.body[name];
          if (value === undefined || value === null) return [];
          if (!Array.isArray(value))
            throw invalidParameter(
              `Invalid value for parameter '${name}' supplied: expected a list.`,
            );
          return value;
        };
        const metrics = list('metrics');
        const params = list('params');
        const tags = list('tags');
        checkLimits(metrics.length, params.length, tags.length);
        logBatch(run, metrics.map(toMetric), tagList(params, 'params'), tagList(tags, 'tags'));
        return {};
      },
    },
    {
      methods: ['POST'],
      pattern: /^\/api\/2\.0\/mlflow\/runs\/log-metric$/,
      name: 'mlflow',
      handler: (context) => {
        const run = activeRun(context);
        logBatch(run, [toMetric(context.body)], [], []);
        return {};
      },
    },
    {
      methods: ['POST'],
      pattern: /^\/api\/2\.0\/mlflow\/runs\/log-parameter$/,
      name: 'mlflow',
      handler: (context) => {
        const run = activeRun(context);
        logBatch(
          run,
          [],
          tagList(
            [{ key: parameter(context, 'key'), value: parameter(context, 'value') }],
            'param',
          ),
          [],
        );
        return {};
      },
    },
    {
      methods: ['POST'],
      pattern: /^\/api\/2\.0\/mlflow\/runs\/set-tag$/,
      name: 'mlflow',
      handler: (context) => {
        const run = activeRun(context);
        logBatch(
          run,
          [],
          [],
          tagList([{ key: parameter(context, 'key'), value: parameter(context, 'value') }], 'tag'),
        );
        return {};
      },
    },
    {
      methods: ['GET'],
      pattern: /^\/api\/2\.0\/mlflow\/metrics\/get-history$/,
      name: 'mlflow',
      handler: (context) => {
        const id = optionalString(context, 'run_id') ?? optionalString(context, 'run_uuid');
        if (!id) throw missing('run_id');
        const run = store.run(id);
        const key = requiredString(context, 'metric_key');
        return { metrics: (run.metrics.get(key) ?? []).map((entry) => ({ ...entry })) };
      },
    },
    {
      methods: ['POST', 'GET'],
      pattern: /^\/api\/2\.0\/mlflow\/artifacts\/credentials-for-write$/,
      name: 'mlflow',
      handler: (context) => credentialInfos(context, 'PUT'),
    },
    {
      methods: ['POST', 'GET'],
      pattern: /^\/api\/2\.0\/mlflow\/artifacts\/credentials-for-read$/,
      name: 'mlflow',
      handler: (context) => credentialInfos(context, 'GET'),
    },
    {
      methods: ['GET'],
      pattern: /^\/api\/2\.0\/mlflow\/artifacts\/list$/,
      name: 'mlflow',
      handler: (context) => {
        const id = optionalString(context, 'run_id') ?? optionalString(context, 'run_uuid');
        if (!id) throw missing('run_id');
        const run = store.run(id);
        const base = relativePath(optionalString(context, 'path') ?? '');
        const root = run.info.artifact_uri;
        const directory = base ? `${root}/${base}/` : `${root}/`;
        const files = new Map<string, { path: string; is_dir: boolean; file_size?: number }>();
        for (const uri of store.listUnder(directory)) {
          const rest = uri.slice(directory.length);
          const slash = rest.indexOf('/');
          const child = slash === -1 ? rest : rest.slice(0, slash);
          const path = base ? `${base}/${child}` : child;
          if (slash !== -1) files.set(path, { path, is_dir: true });
          else
            files.set(path, {
              path,
              is_dir: false,
              file_size: store.files.get(uri)?.data.length ?? 0,
            });
        }
        return { root_uri: root, files: [...files.values()] };
      },
    },
  ];
}
