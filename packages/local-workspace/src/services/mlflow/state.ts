/**
 * The in-memory store behind the MLflow emulation: experiments, runs, traces, registered models
 * and model versions, and the files clients upload to the emulated cloud storage (keyed by the
 * URI the file would have on Databricks: `dbfs:/...`, `s3://...`, `abfss://...`, `gs://...`).
 * Nothing touches the disk. The route modules validate requests and call into this store; the
 * inspection API (`ws.mlflow`) reads copies of it.
 */
import { randomBytes, randomInt, randomUUID } from 'node:crypto';
import { ApiError } from '../../platform/errors.js';
import type {
  ArtifactCredentialType,
  MlflowExperimentView,
  MlflowMetric,
  MlflowOptions,
  MlflowRunInfoView,
  MlflowRunView,
  MlflowSettings,
  MlflowStorageNames,
  MlflowTag,
  MlflowTraceView,
  ModelStorageMode,
  ModelVersionView,
  RegisteredModelView,
  StorageRequestRecord,
} from './types.js';

/** A Databricks REST error raised by a route handler: sent as `{"error_code", "message"}`. */
export class MlflowError extends ApiError {
  constructor(status: number, errorCode: string, message: string) {
    super(status, errorCode, message);
    this.name = 'MlflowError';
  }
}

export const invalidParameter = (message: string) =>
  new MlflowError(400, 'INVALID_PARAMETER_VALUE', message);
export const notFound = (message: string) =>
  new MlflowError(404, 'RESOURCE_DOES_NOT_EXIST', message);

export const DBFS_TRACKING_ROOT = 'dbfs:/databricks/mlflow-tracking';

export const MODEL_STORAGE_MODES: readonly ModelStorageMode[] = ['default', 's3', 'adls', 'gcs'];
export const ARTIFACT_CREDENTIAL_TYPES: readonly ArtifactCredentialType[] = [
  'AWS_PRESIGNED_URL',
  'AZURE_SAS_URI',
  'AZURE_ADLS_GEN2_SAS_URI',
  'GCP_SIGNED_URL',
];

export interface Experiment {
  id: string;
  name: string;
  artifactLocation: string;
  lifecycleStage: string;
  creationTime: number;
  lastUpdateTime: number;
  tags: Map<string, string>;
}

export interface Run {
  info: MlflowRunInfoView;
  params: Map<string, string>;
  tags: Map<string, string>;
  metrics: Map<string, MlflowMetric[]>;
}

export interface Trace {
  traceId: string;
  experimentId: string;
  info: Record<string, unknown>;
  linkedRunIds: Set<string>;
}

export interface RegisteredModel {
  name: string;
  /** Random id inside storage locations (UC uses the model's UUID). */
  id: string;
  creationTimestamp: number;
  lastUpdatedTimestamp: number;
  userId: string;
  description: string;
  tags: Map<string, string>;
  versions: ModelVersion[];
}

export interface ModelVersion {
  model: RegisteredModel;
  version: number;
  creationTimestamp: number;
  lastUpdatedTimestamp: number;
  userId: string;
  description: string;
  source: string;
  runId?: string;
  runExperimentId?: string;
  runTrackingServerId?: string;
  status: ModelVersionView['status'];
  storageMode: ModelStorageMode;
  /** Storage location without a trailing slash; files live under `<location>/`. */
  storageLocation: string;
  tags: Map<string, string>;
}

export interface StoredFile {
  data: Buffer;
  contentType?: string;
  lastModified: number;
}

/**
 * ADLS Gen2 appends not yet flushed, per file URI, by the position each was appended at. ADLS
 * lets clients append in parallel and out of order (and replay an append at the same position);
 * flush is what checks that the data is contiguous.
 */
interface PendingWrites {
  chunks: Map<number, Buffer>;
}

const STORAGE_LOG_LIMIT = 1000;

const ADJECTIVES = ['bright', 'calm', 'eager', 'gentle', 'lucky', 'quiet', 'rare', 'swift'];
const NOUNS = ['otter', 'heron', 'lynx', 'finch', 'bison', 'koi', 'moth', 'wren'];

function numericId(digits: number): string {
  let id = String(randomInt(1, 10));
  while (id.length < digits) id += String(randomInt(0, 10));
  return id;
}

const toTags = (tags: Map<string, string>): MlflowTag[] =>
  [...tags].map(([key, value]) => ({ key, value }));

export interface MlflowStoreOptions extends MlflowOptions {
  /** Public base URL of the workspace, known after listen. */
  host: () => string;
}

export class MlflowStore {
  readonly userName: string;
  /** Numeric id of the current user (SCIM `id`). */
  readonly userId = numericId(16);
  readonly names: MlflowStorageNames = {
    s3Bucket: 'lakechain-local-uc',
    adlsContainer: 'lakechain-local-adls',
    gcsBucket: 'lakechain-local-gcs',
    defaultStorageBucket: 'databricks-default-storage',
    metastoreId: randomUUID(),
  };
  /** The key workspace presigned URLs and SAS tokens are signed with. */
  readonly signingSecret = randomBytes(32);
  readonly credentialLifetimeMs: number;
  readonly now: () => number;
  readonly host: () => string;
  settings: Required<MlflowSettings>;

  readonly experiments = new Map<string, Experiment>();
  readonly experimentsByName = new Map<string, Experiment>();
  readonly runs = new Map<string, Run>();
  readonly traces = new Map<string, Trace>();
  /** By lower-cased full name: Unity Catalog names are case-insensitive. */
  readonly models = new Map<string, RegisteredModel>();
  readonly files = new Map<string, StoredFile>();
  readonly pending = new Map<string, PendingWrites>();
  /** Azure staged blocks per blob URI, by block id. */
  readonly blocks = new Map<string, Map<string, Buffer>>();
  readonly storageLog: StorageRequestRecord[] = [];

  constructor(options: MlflowStoreOptions) {
    this.host = options.host;
    this.now = options.now ?? Date.now;
    this.userName = options.userName ?? 'local-user@example.com';
    this.credentialLifetimeMs = (options.credentialLifetimeSeconds ?? 900) * 1000;
    this.settings = {
      modelStorage: 'default',
      artifactCredentialType: 'AWS_PRESIGNED_URL',
      s3Region: 'us-west-2',
    };
    this.configure(options);
  }

  configure(settings: MlflowSettings): void {
    if (settings.modelStorage !== undefined) {
      if (!MODEL_STORAGE_MODES.includes(settings.modelStorage))
        throw new TypeError(
          `mlflow.modelStorage must be one of ${MODEL_STORAGE_MODES.join(', ')}; got '${settings.modelStorage}'.`,
        );
      this.settings.modelStorage = settings.modelStorage;
    }
    if (settings.artifactCredentialType !== undefined) {
      if (!ARTIFACT_CREDENTIAL_TYPES.includes(settings.artifactCredentialType))
        throw new TypeError(
          `mlflow.artifactCredentialType must be one of ${ARTIFACT_CREDENTIAL_TYPES.join(', ')}; got '${settings.artifactCredentialType}'.`,
        );
      this.settings.artifactCredentialType = settings.artifactCredentialType;
    }
    if (settings.s3Region !== undefined) {
      if (!/^[a-z0-9-]+$/.test(settings.s3Region))
        throw new TypeError(
          `mlflow.s3Region must look like 'us-west-2'; got '${settings.s3Region}'.`,
        );
      this.settings.s3Region = settings.s3Region;
    }
  }

  reset(): void {
    this.experiments.clear();
    this.experimentsByName.clear();
    this.runs.clear();
    this.traces.clear();
    this.models.clear();
    this.files.clear();
    this.pending.clear();
    this.blocks.clear();
    this.storageLog.length = 0;
  }

  // --- ids -------------------------------------------------------------------------------------

  newExperimentId(): string {
    let id = numericId(16);
    while (this.experiments.has(id)) id = numericId(16);
    return id;
  }

  newRunId(): string {
    return randomBytes(16).toString('hex');
  }

  /** MLflow names unnamed runs with a random `adjective-noun-number`. */
  randomRunName(): string {
    const pick = <T>(items: readonly T[]) => items[randomInt(0, items.length)] as T;
    return `${pick(ADJECTIVES)}-${pick(NOUNS)}-${randomInt(100, 1000)}`;
  }

  // --- lookups that raise Databricks errors ----------------------------------------------------

  experiment(id: string): Experiment {
    const experiment = this.experiments.get(id);
    if (!experiment) throw notFound(`No Experiment with id=${id} exists`);
    return experiment;
  }

  run(id: string): Run {
    const run = this.runs.get(id);
    if (!run) throw notFound(`Run '${id}' not found.`);
    return run;
  }

  trace(id: string): Trace {
    const trace = this.traces.get(id);
    if (!trace) throw notFound(`Trace with ID '${id}' not found.`);
    return trace;
  }

  model(name: string): RegisteredModel {
    const model = this.models.get(name.toLowerCase());
    if (!model) throw notFound(`Registered model '${name}' does not exist.`);
    return model;
  }

  modelVersion(name: string, version: string | number): ModelVersion {
    const model = this.model(name);
    const number = Number(version);
    const found = Number.isInteger(number)
      ? model.versions.find((candidate) => candidate.version === number)
      : undefined;
    if (!found) throw notFound(`Model version '${name}' version '${version}' does not exist.`);
    return found;
  }

  // --- files -----------------------------------------------------------------------------------

  /** Maps `/Models/<catalog>/<schema>/<model>/<version>/<path>` to the version's storage URI. */
  resolveUri(uri: string): string | undefined {
    if (!uri.startsWith('/Models/')) return uri;
    const [catalog, schema, model, version, ...rest] = uri.slice('/Models/'.length).split('/');
    if (!catalog || !schema || !model || !version) return undefined;
    const found = this.models
      .get(`${catalog}.${schema}.${model}`.toLowerCase())
      ?.versions.find((candidate) => String(candidate.version) === version);
    if (!found) return undefined;
    return rest.length > 0 ? `${found.storageLocation}/${rest.join('/')}` : found.storageLocation;
  }

  /** The model version whose storage holds `uri`, if any. */
  versionHolding(uri: string): ModelVersion | undefined {
    for (const model of this.models.values())
      for (const version of model.versions)
        if (uri.startsWith(`${version.storageLocation}/`)) return version;
    return undefined;
  }

  /**
   * Model version files are written only while the version is PENDING_REGISTRATION (UC makes
   * them immutable at finalize); run artifacts and traces may be written at any time.
   */
  writable(uri: string): boolean {
    const version = this.versionHolding(uri);
    return !version || version.status === 'PENDING_REGISTRATION';
  }

  putFile(uri: string, data: Buffer, contentType?: string): StoredFile {
    const file = { data, contentType, lastModified: this.now() };
    this.files.set(uri, file);
    this.pending.delete(uri);
    return file;
  }

  /** Files strictly under `prefix` (a directory URI, with or without the trailing slash). */
  listUnder(prefix: string): string[] {
    const directory = prefix.endsWith('/') ? prefix : `${prefix}/`;
    return [...this.files.keys()].filter((uri) => uri.startsWith(directory)).sort();
  }

  recordStorageRequest(record: StorageRequestRecord): void {
    this.storageLog.push(record);
    if (this.storageLog.length > STORAGE_LOG_LIMIT) this.storageLog.shift();
  }

  pendingWrites(uri: string): PendingWrites {
    let pending = this.pending.get(uri);
    if (!pending) {
      pending = { chunks: new Map() };
      this.pending.set(uri, pending);
    }
    return pending;
  }

  // --- views -----------------------------------------------------------------------------------

  experimentView(experiment: Experiment): MlflowExperimentView {
    return {
      experiment_id: experiment.id,
      name: experiment.name,
      artifact_location: experiment.artifactLocation,
      lifecycle_stage: experiment.lifecycleStage,
      creation_time: experiment.creationTime,
      last_update_time: experiment.lastUpdateTime,
      tags: toTags(experiment.tags),
    };
  }

  runView(run: Run): MlflowRunView {
    return {
      info: { ...run.info },
      params: Object.fromEntries(run.params),
      tags: Object.fromEntries(run.tags),
      metrics: Object.fromEntries(
        [...run.metrics].map(([key, history]) => [key, history.map((entry) => ({ ...entry }))]),
      ),
    };
  }

  /** `{info, data: {metrics (latest per key), params, tags}}`: the wire shape of `runs/get`. */
  runWire(run: Run): { info: MlflowRunInfoView; data: Record<string, unknown> } {
    return {
      info: { ...run.info },
      data: {
        metrics: [...run.metrics.values()].map((history) => ({ ...latestMetric(history) })),
        params: toTags(run.params),
        tags: toTags(run.tags),
      },
    };
  }

  traceView(trace: Trace): MlflowTraceView {
    const artifactLocation = (trace.info.tags as Record<string, string> | undefined)?.[
      'mlflow.artifactLocation'
    ];
    const file = artifactLocation ? this.files.get(`${artifactLocation}/traces.json`) : undefined;
    let data: unknown;
    if (file) {
      try {
        data = JSON.parse(file.data.toString('utf8'));
      } catch {
        data = file.data.toString('utf8');
      }
    }
    return {
      traceId: trace.traceId,
      experimentId: trace.experimentId,
      traceInfo: structuredClone(trace.info),
      linkedRunIds: [...trace.linkedRunIds],
      ...(file ? { data } : {}),
    };
  }

  modelView(model: RegisteredModel): RegisteredModelView {
    return {
      name: model.name,
      creation_timestamp: model.creationTimestamp,
      last_updated_timestamp: model.lastUpdatedTimestamp,
      user_id: model.userId,
      description: model.description,
      aliases: [],
      tags: toTags(model.tags),
    };
  }

  versionView(version: ModelVersion): ModelVersionView {
    return {
      name: version.model.name,
      version: String(version.version),
      creation_timestamp: version.creationTimestamp,
      last_updated_timestamp: version.lastUpdatedTimestamp,
      user_id: version.userId,
      description: version.description,
      source: version.source,
      ...(version.runId !== undefined ? { run_id: version.runId } : {}),
      ...(version.runExperimentId !== undefined
        ? { run_experiment_id: version.runExperimentId }
        : {}),
      ...(version.runTrackingServerId !== undefined
        ? { run_tracking_server_id: version.runTrackingServerId }
        : {}),
      status: version.status,
      storage_location: version.storageLocation,
      aliases: [],
      tags: toTags(version.tags),
      storageMode: version.storageMode,
    };
  }

  /** The version's wire shape: the view without the emulator-only `storageMode`. */
  versionWire(version: ModelVersion): Omit<ModelVersionView, 'storageMode'> {
    const { storageMode: _storageMode, ...wire } = this.versionView(version);
    return wire;
  }
}

/** MLflow's "latest" metric: the highest step, then the latest timestamp, then the largest value. */
export function latestMetric(history: MlflowMetric[]): MlflowMetric {
  let latest = history[0] as MlflowMetric;
  for (const entry of history.slice(1)) {
    if (
      entry.step > latest.step ||
      (entry.step === latest.step && entry.timestamp > latest.timestamp) ||
      (entry.step === latest.step &&
        entry.timestamp === latest.timestamp &&
        Number(entry.value) >= Number(latest.value))
    )
      latest = entry;
  }
  return latest;
}
