/**
 * Public contracts of the MLflow-on-Databricks emulation: options, the inspection API tests use
 * (`ws.mlflow`), and the read-only views it hands out. Views are copies: mutating one never
 * changes the workspace.
 */

/**
 * Where Unity Catalog model versions keep their files, and so which temporary credentials
 * `generate-temporary-credentials` vends:
 * - `'default'`: Databricks default storage (`DEFAULT_STORAGE`, no cloud credential; clients
 *   upload through `/api/2.0/fs/create-upload-url`);
 * - `'s3'`: an S3 bucket (`aws_temp_credentials`, SigV4 against the emulated S3);
 * - `'adls'`: an ADLS Gen2 container (`azure_user_delegation_sas`);
 * - `'gcs'`: a GCS bucket (`gcp_oauth_token`).
 */
export type ModelStorageMode = 'default' | 's3' | 'adls' | 'gcs';

/** The `type` of run-artifact and trace credentials (MLflow's `ArtifactCredentialType`). */
export type ArtifactCredentialType =
  | 'AWS_PRESIGNED_URL'
  | 'AZURE_SAS_URI'
  | 'AZURE_ADLS_GEN2_SAS_URI'
  | 'GCP_SIGNED_URL';

/** What `configure()` may change while the workspace runs. */
export interface MlflowSettings {
  /** Storage of model versions created from now on. Default `'default'`. */
  modelStorage?: ModelStorageMode;
  /** Flavour of run-artifact and trace credentials issued from now on. Default `'AWS_PRESIGNED_URL'`. */
  artifactCredentialType?: ArtifactCredentialType;
  /** Region of the emulated S3 bucket (SigV4 scopes must name it). Default `'us-west-2'`. */
  s3Region?: string;
}

export interface MlflowOptions extends MlflowSettings {
  /** `userName` of `/api/2.0/preview/scim/v2/Me` and `user_id` of runs and models. Default `local-user@example.com`. */
  userName?: string;
  /** Lifetime of presigned URLs and temporary credentials, in seconds. Default 900. */
  credentialLifetimeSeconds?: number;
  /** Clock (epoch ms) for timestamps and expiry; tests advance it to expire credentials. */
  now?: () => number;
}

export interface MlflowTag {
  key: string;
  value: string;
}

export interface MlflowMetric {
  key: string;
  value: number | string;
  timestamp: number;
  step: number;
}

/** An experiment as `experiments/get` answers it. */
export interface MlflowExperimentView {
  experiment_id: string;
  name: string;
  artifact_location: string;
  lifecycle_stage: string;
  creation_time: number;
  last_update_time: number;
  tags: MlflowTag[];
}

export interface MlflowRunInfoView {
  run_id: string;
  run_uuid: string;
  experiment_id: string;
  run_name: string;
  user_id: string;
  status: string;
  start_time: number;
  end_time?: number;
  artifact_uri: string;
  lifecycle_stage: string;
}

/** A run: its info, params and tags as maps, and the full history of every metric. */
export interface MlflowRunView {
  info: MlflowRunInfoView;
  params: Record<string, string>;
  tags: Record<string, string>;
  /** Every logged value per key, in logging order. */
  metrics: Record<string, MlflowMetric[]>;
}

/** A trace: the stored `trace_info` (wire shape), the runs it was linked to and its uploaded data. */
export interface MlflowTraceView {
  traceId: string;
  experimentId: string;
  traceInfo: Record<string, unknown>;
  linkedRunIds: string[];
  /** `traces.json` parsed, once a client uploaded it. */
  data?: unknown;
}

export interface RegisteredModelView {
  name: string;
  creation_timestamp: number;
  last_updated_timestamp: number;
  user_id: string;
  description: string;
  aliases: Array<{ alias: string; version: string }>;
  tags: MlflowTag[];
}

export interface ModelVersionView {
  name: string;
  version: string;
  creation_timestamp: number;
  last_updated_timestamp: number;
  user_id: string;
  description: string;
  source: string;
  run_id?: string;
  run_experiment_id?: string;
  run_tracking_server_id?: string;
  status: 'PENDING_REGISTRATION' | 'READY' | 'FAILED_REGISTRATION';
  storage_location: string;
  aliases: string[];
  tags: MlflowTag[];
  /** Which storage the version lives in (fixed at creation). */
  storageMode: ModelStorageMode;
}

/** A version of the legacy workspace model registry, in its wire shape. */
export interface WorkspaceModelVersionView {
  name: string;
  version: string;
  creation_timestamp: number;
  last_updated_timestamp: number;
  user_id: string;
  current_stage: string;
  description: string;
  source: string;
  run_id: string;
  status: 'PENDING_REGISTRATION' | 'READY' | 'FAILED_REGISTRATION';
  status_message?: string;
  tags: MlflowTag[];
}

/** One request to the emulated cloud storage, for assertions about what clients sent. */
export interface StorageRequestRecord {
  method: string;
  /** Path and query, with signatures, SAS `sig` and session tokens removed. */
  url: string;
  /** Which emulation answered: workspace presigned URLs, or the S3 / ADLS / GCS APIs. */
  kind: 'presigned' | 's3' | 'adls' | 'gcs';
  /** Whether the request carried an `Authorization` header. */
  hadAuthorization: boolean;
  status: number;
}

/** Bucket and container names of the emulated cloud storage. */
export interface MlflowStorageNames {
  /** The S3 bucket of `modelStorage: 's3'`. */
  s3Bucket: string;
  /** The ADLS Gen2 container of `modelStorage: 'adls'`. */
  adlsContainer: string;
  /** The GCS bucket of `modelStorage: 'gcs'`. */
  gcsBucket: string;
  /** The (informational) bucket of `modelStorage: 'default'` storage locations. */
  defaultStorageBucket: string;
  /** The Unity Catalog metastore id inside every storage location. */
  metastoreId: string;
}

/** `ws.mlflow`: the live state of tracking, traces and the model registry, and its settings. */
export interface LocalMlflow {
  readonly userName: string;
  readonly storage: MlflowStorageNames;
  /** Current settings (after `configure()`). */
  settings(): Required<MlflowSettings>;
  /** Change settings at runtime; model versions keep the storage they were created in. */
  configure(settings: MlflowSettings): void;
  /** `AWS_ENDPOINT_URL_S3` and `STORAGE_EMULATOR_HOST`, both the workspace host. */
  storageEnv(): Record<string, string>;
  /**
   * A stored file by URI: `dbfs:/databricks/mlflow-tracking/...`, `s3://...`, `abfss://...`,
   * `gs://...`, or a Files API path `/Models/<catalog>/<schema>/<model>/<version>/<path>`.
   */
  readFile(uri: string): Buffer | undefined;
  /** URIs of the stored files under a prefix (same URI forms as `readFile`), sorted. */
  listFiles(prefixUri: string): string[];
  experiments(): MlflowExperimentView[];
  /** By id or by name. */
  experiment(idOrName: string): MlflowExperimentView | undefined;
  runs(experimentId?: string): MlflowRunView[];
  run(runId: string): MlflowRunView | undefined;
  traces(experimentId?: string): MlflowTraceView[];
  trace(traceId: string): MlflowTraceView | undefined;
  registeredModels(): RegisteredModelView[];
  registeredModel(name: string): RegisteredModelView | undefined;
  modelVersions(name?: string): ModelVersionView[];
  modelVersion(name: string, version: string | number): ModelVersionView | undefined;
  /**
   * Versions in the legacy workspace model registry (`/api/2.0/mlflow/model-versions/*`), as the
   * API answers them; a version settles from PENDING_REGISTRATION on the next `get`.
   */
  workspaceModelVersions(name?: string): WorkspaceModelVersionView[];
  /** Requests to the emulated cloud storage, oldest first. */
  storageRequests(): StorageRequestRecord[];
  /** Forget every experiment, run, trace, model and file (settings stay). */
  reset(): void;
}
