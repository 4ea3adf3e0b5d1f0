/**
 * The MLflow REST calls this package needs, on an OSS server or a Databricks workspace.
 * Requests go through `MlflowConnection` (core's transport/client); this file adds the MLflow
 * semantics: error codes, limits, artifact URI schemes, the StartTraceV3 + traces.json protocol.
 */
import { abortableSleep, DatabricksApiError } from '@lakechain/core';
import {
  type ArtifactCredentialInfo,
  encodePathSegments,
  type TemporaryCredentials,
  uploadToStorageLocation,
  uploadWithCredential,
} from './cloud_storage.js';
import { type ConnectionOptions, createConnection, type MlflowConnection } from './connection.js';
import { MlflowArtifactError } from './errors.js';
import { type KeyValue, type LogBatch, type Metric, sanitizeTag, splitBatch } from './limits.js';
import type { TraceInfo } from './spans.js';

export interface Experiment {
  experiment_id: string;
  name: string;
  artifact_location?: string;
  lifecycle_stage?: string;
  tags?: KeyValue[];
}

export type RunStatus = 'RUNNING' | 'SCHEDULED' | 'FINISHED' | 'FAILED' | 'KILLED';

export interface RunInfo {
  run_id: string;
  run_name?: string;
  experiment_id: string;
  status: RunStatus;
  start_time?: number;
  end_time?: number;
  artifact_uri: string;
  lifecycle_stage?: string;
}

export interface Run {
  info: RunInfo;
  data: { metrics?: (Metric & { timestamp: number })[]; params?: KeyValue[]; tags?: KeyValue[] };
}

export interface ModelVersion {
  name: string;
  version: string;
  source: string;
  run_id?: string;
  /** `PENDING_REGISTRATION`, `FAILED_REGISTRATION` or `READY`. */
  status?: string;
  status_message?: string;
  /** Unity Catalog: where the version's files live (`s3://`, `abfss://`, `gs://`). */
  storage_location?: string;
  creation_timestamp?: number;
  description?: string;
}

/** One file of a model version, relative to the version's root. */
export interface ModelFile {
  path: string;
  body: string | Uint8Array;
}

/** The server has no usable OTLP span ingestion (older MLflow, FileStore, non-uvicorn server). */
export function isOtlpUnsupported(error: unknown): boolean {
  if (!DatabricksApiError.isInstance(error)) return false;
  if (error.statusCode === 501) return true; // "REST OTLP span logging is not supported by FileStore"
  // A route that does not exist answers without an MLflow error code; a 404 that has one (a
  // deleted experiment) is about the request, not about OTLP support.
  return [404, 405, 415].includes(error.statusCode) && !error.errorCode;
}

export function errorCodeOf(error: unknown): string | undefined {
  return DatabricksApiError.isInstance(error) ? error.errorCode : undefined;
}

const API2 = '/api/2.0/mlflow';
const API3 = '/api/3.0/mlflow';

/** Path prefix of the model registry: the server's own, or Databricks' Unity Catalog. */
const registryBase = (registry: { unityCatalog?: boolean }) =>
  registry.unityCatalog ? `${API2}/unity-catalog` : API2;

const PROXY = '/api/2.0/mlflow-artifacts/artifacts';

const encodePath = (path: string) => encodePathSegments(path, { dropEmpty: true });

function contentTypeOf(path: string): string {
  if (path.endsWith('.json')) return 'application/json';
  if (path.endsWith('.html')) return 'text/html';
  if (path.endsWith('.csv')) return 'text/csv';
  if (path.endsWith('.txt')) return 'text/plain';
  return 'application/octet-stream';
}

/** `dbfs:/databricks/mlflow-tracking/<exp>/<run>/artifacts[/sub]` → run id and sub-path. */
function parseDatabricksRunArtifactUri(
  uri: string,
): { runId: string; subPath: string } | undefined {
  const m = /^dbfs:\/databricks\/mlflow-tracking\/[^/]+\/([^/]+)\/artifacts\/?(.*)$/.exec(uri);
  return m ? { runId: m[1] as string, subPath: m[2] ?? '' } : undefined;
}

export class MlflowClient {
  readonly connection: MlflowConnection;

  /** Environment for cloud-storage settings (`AWS_REGION`, endpoint overrides); default process.env. */
  readonly #env: Record<string, string | undefined> | undefined;

  /** Whether this client made its connection (and so closes it). */
  readonly #ownsConnection: boolean;

  constructor(options: ConnectionOptions | { connection: MlflowConnection } = {}) {
    this.#ownsConnection = !('connection' in options);
    this.connection = 'connection' in options ? options.connection : createConnection(options);
    this.#env = 'connection' in options ? undefined : options.env;
  }

  /**
   * Releases the connection this client made (its connection pools with `caCert`) once requests
   * in flight finish; later requests are refused. A connection passed in is left open, as its
   * owner may still use it. Idempotent.
   */
  async close(): Promise<void> {
    if (this.#ownsConnection) await this.connection.close();
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }

  // --- experiments ------------------------------------------------------------------------

  async getExperimentByName(name: string): Promise<Experiment | undefined> {
    try {
      const res = await this.connection.request<{ experiment: Experiment }>({
        method: 'GET',
        path: `${API2}/experiments/get-by-name`,
        query: { experiment_name: name },
      });
      return res.experiment;
    } catch (error) {
      if (errorCodeOf(error) === 'RESOURCE_DOES_NOT_EXIST') return undefined;
      throw error;
    }
  }

  async getExperiment(experimentId: string): Promise<Experiment> {
    const res = await this.connection.request<{ experiment: Experiment }>({
      method: 'GET',
      path: `${API2}/experiments/get`,
      query: { experiment_id: experimentId },
    });
    return res.experiment;
  }

  async createExperiment(name: string, tags: Record<string, string> = {}): Promise<string> {
    const res = await this.connection.request<{ experiment_id: string }>({
      method: 'POST',
      path: `${API2}/experiments/create`,
      body: { name, tags: Object.entries(tags).map(([k, v]) => sanitizeTag(k, v)) },
    });
    return res.experiment_id;
  }

  #userName?: Promise<string>;

  /** The signed-in workspace user (`GET /api/2.0/preview/scim/v2/Me`), asked once. Databricks only. */
  async currentUserName(): Promise<string> {
    this.#userName ??= this.connection
      .request<{ userName?: string }>({ method: 'GET', path: '/api/2.0/preview/scim/v2/Me' })
      .then((me) => {
        if (!me.userName)
          throw new Error('The workspace returned no userName for the current user.');
        return me.userName;
      });
    this.#userName.catch(() => {
      this.#userName = undefined;
    });
    return this.#userName;
  }

  /**
   * Databricks keeps experiments in the workspace tree and refuses names that are not absolute
   * paths; a bare name (the `langchain` default, `MLFLOW_EXPERIMENT_NAME=chatbot`) goes to the
   * current user's home folder, `/Users/<user>/<name>`, as a notebook's experiment would.
   */
  async workspaceExperimentName(name: string): Promise<string> {
    if (this.connection.kind !== 'databricks' || name.startsWith('/')) return name;
    return `/Users/${await this.currentUserName()}/${name}`;
  }

  /** Gets the experiment id for a name, creating it if missing; tolerates a concurrent creator. */
  async getOrCreateExperiment(requestedName: string): Promise<string> {
    const name = await this.workspaceExperimentName(requestedName);
    const existing = await this.getExperimentByName(name);
    if (existing && existing.lifecycle_stage !== 'deleted') return existing.experiment_id;
    if (existing) {
      throw new Error(
        `MLflow experiment "${name}" is deleted. Restore it in the MLflow UI or choose another name.`,
      );
    }
    try {
      return await this.createExperiment(name);
    } catch (error) {
      if (errorCodeOf(error) !== 'RESOURCE_ALREADY_EXISTS') throw error;
      const raced = await this.getExperimentByName(name);
      if (raced) return raced.experiment_id;
      throw error;
    }
  }

  // --- runs -------------------------------------------------------------------------------

  async createRun(options: {
    experimentId: string;
    runName?: string;
    tags?: Record<string, string>;
    startTime?: number;
  }): Promise<RunInfo> {
    const res = await this.connection.request<{ run: Run }>({
      method: 'POST',
      path: `${API2}/runs/create`,
      body: {
        experiment_id: options.experimentId,
        ...(options.runName ? { run_name: options.runName } : {}),
        start_time: options.startTime ?? Date.now(),
        tags: Object.entries(options.tags ?? {})
          .slice(0, 100)
          .map(([k, v]) => sanitizeTag(k, v)),
      },
    });
    return res.run.info;
  }

  async getRun(runId: string): Promise<Run> {
    const res = await this.connection.request<{ run: Run }>({
      method: 'GET',
      path: `${API2}/runs/get`,
      query: { run_id: runId },
    });
    return res.run;
  }

  async updateRun(runId: string, status: RunStatus, endTime?: number): Promise<void> {
    await this.connection.request({
      method: 'POST',
      path: `${API2}/runs/update`,
      body: { run_id: runId, status, ...(endTime !== undefined ? { end_time: endTime } : {}) },
      // Setting a status is idempotent, so a retry after a lost response is safe.
      idempotent: true,
    });
  }

  /** Logs any number of metrics/params/tags, split into requests within MLflow's limits. */
  async logBatch(runId: string, batch: Partial<LogBatch>): Promise<void> {
    const parts = splitBatch({
      metrics: batch.metrics ?? [],
      params: batch.params ?? [],
      tags: batch.tags ?? [],
    });
    for (const part of parts) {
      await this.connection.request({
        method: 'POST',
        path: `${API2}/runs/log-batch`,
        body: { run_id: runId, ...part },
        idempotent: true,
      });
    }
  }

  // --- artifacts --------------------------------------------------------------------------

  /**
   * Uploads one file under an artifact URI. OSS: `mlflow-artifacts:/...` (or an http(s) proxy URL)
   * through the server's artifact proxy. Databricks: run artifacts via credentials-for-write.
   * Other schemes (local paths, s3:// without the proxy) fail with an explanation.
   */
  async uploadArtifact(
    artifactUri: string,
    relativePath: string,
    body: string | Uint8Array,
  ): Promise<void> {
    const rel = encodePath(relativePath);
    const contentType = contentTypeOf(relativePath);
    if (artifactUri.startsWith('mlflow-artifacts:')) {
      const base = artifactUri.replace(/^mlflow-artifacts:(\/\/[^/]*)?/, '');
      await this.connection.request({
        method: 'PUT',
        path: `${PROXY}/${encodePath(base)}/${rel}`,
        body,
        headers: { 'Content-Type': contentType },
      });
      return;
    }
    const proxyIdx = artifactUri.indexOf(PROXY);
    if (/^https?:\/\//.test(artifactUri) && proxyIdx >= 0 && this.connection.kind === 'oss') {
      const base = artifactUri.slice(proxyIdx + PROXY.length);
      await this.connection.request({
        method: 'PUT',
        path: `${PROXY}/${encodePath(base)}/${rel}`,
        body,
        headers: { 'Content-Type': contentType },
      });
      return;
    }
    if (this.connection.kind === 'databricks') {
      const run = parseDatabricksRunArtifactUri(artifactUri);
      if (run) {
        const path = run.subPath
          ? `${run.subPath.replace(/\/+$/, '')}/${relativePath}`
          : relativePath;
        const res = await this.connection.request<{ credential_infos?: ArtifactCredentialInfo[] }>({
          method: 'POST',
          path: `${API2}/artifacts/credentials-for-write`,
          body: { run_id: run.runId, path: [path] },
          idempotent: true,
        });
        const cred = res.credential_infos?.[0];
        if (!cred)
          throw new MlflowArtifactError(`Databricks returned no upload credential for ${path}.`);
        await uploadWithCredential(this.connection.storage, cred, body);
        return;
      }
    }
    throw new MlflowArtifactError(
      `Cannot upload artifacts to "${artifactUri}": only the MLflow artifact proxy ("mlflow-artifacts:/" URIs) ` +
        'and Databricks run artifacts are supported. Start the server with artifact serving enabled ' +
        '(the default, or --serve-artifacts) and without a local --default-artifact-root.',
    );
  }

  /**
   * Reads one text file under an artifact URI (the mirror of `uploadArtifact`): through the
   * artifact proxy of an open-source server, or Databricks run artifacts through
   * `credentials-for-read` and the signed URL. JSON files come back as their JSON text.
   */
  async downloadArtifactText(artifactUri: string, relativePath: string): Promise<string> {
    const text = (data: unknown) =>
      typeof data === 'string' ? data : data === undefined ? '' : JSON.stringify(data, null, 2);
    const rel = encodePath(relativePath);
    const proxyIdx = artifactUri.indexOf(PROXY);
    if (
      artifactUri.startsWith('mlflow-artifacts:') ||
      (/^https?:\/\//.test(artifactUri) && proxyIdx >= 0 && this.connection.kind === 'oss')
    ) {
      const base = artifactUri.startsWith('mlflow-artifacts:')
        ? artifactUri.replace(/^mlflow-artifacts:(\/\/[^/]*)?/, '')
        : artifactUri.slice(proxyIdx + PROXY.length);
      return text(
        await this.connection.request({
          method: 'GET',
          path: `${PROXY}/${encodePath(base)}/${rel}`,
        }),
      );
    }
    if (this.connection.kind === 'databricks') {
      const run = parseDatabricksRunArtifactUri(artifactUri);
      if (run) {
        const path = run.subPath
          ? `${run.subPath.replace(/\/+$/, '')}/${relativePath}`
          : relativePath;
        const res = await this.connection.request<{ credential_infos?: ArtifactCredentialInfo[] }>({
          method: 'POST',
          path: `${API2}/artifacts/credentials-for-read`,
          body: { run_id: run.runId, path: [path] },
          idempotent: true,
        });
        const cred = res.credential_infos?.[0];
        if (!cred)
          throw new MlflowArtifactError(`Databricks returned no read credential for ${path}.`);
        const headers = Object.fromEntries((cred.headers ?? []).map((h) => [h.name, h.value]));
        const response = await this.connection.storage({
          method: 'GET',
          url: cred.signed_uri,
          headers,
        });
        return text(response.data);
      }
    }
    throw new MlflowArtifactError(
      `Cannot read artifacts from "${artifactUri}": only the MLflow artifact proxy ("mlflow-artifacts:/" URIs) and Databricks run artifacts are supported.`,
    );
  }

  // --- traces (protocol A) ----------------------------------------------------------------

  /** `StartTraceV3`: records the finished trace's info; the response carries its artifact location. */
  async startTrace(traceInfo: TraceInfo): Promise<TraceInfo> {
    const res = await this.connection.request<{ trace: { trace_info: TraceInfo } }>({
      method: 'POST',
      path: `${API3}/traces`,
      // Databricks expects a Trace object, so an empty `data` is sent as Python does.
      body: { trace: { trace_info: traceInfo, data: {} } },
      // The trace id is client-chosen, so replaying the call cannot create a duplicate.
      idempotent: true,
    });
    return res.trace.trace_info;
  }

  /**
   * Logs a trace's spans over OTLP (`POST /v1/traces`, open-source MLflow ≥ 3.4 with a SQL store).
   * `body` is `otlpTraceRequest(spans)`. Servers without the route answer 404/405, FileStore
   * backends 501: `isOtlpUnsupported()` tells those apart from transient failures.
   */
  async logSpansOtlp(experimentId: string, body: string): Promise<void> {
    await this.connection.request({
      method: 'POST',
      path: '/v1/traces',
      body,
      headers: { 'Content-Type': 'application/json', 'x-mlflow-experiment-id': experimentId },
      // Span ids are client-chosen and the store upserts them (a replay answered 200 in a test
      // against MLflow 3.17), so a lost response can be retried safely.
      idempotent: true,
    });
  }

  /** Uploads `traces.json` to where the server said the trace's spans live. */
  async uploadTraceData(traceInfo: TraceInfo, json: string): Promise<void> {
    if (traceInfo.tags?.['mlflow.trace.spansLocation'] === 'TRACKING_STORE') return;
    if (this.connection.kind === 'databricks') {
      const res = await this.connection.request<{ credential_info: ArtifactCredentialInfo }>({
        method: 'GET',
        path: `${API2}/traces/${encodeURIComponent(traceInfo.trace_id)}/credentials-for-data-upload`,
      });
      await uploadWithCredential(this.connection.storage, res.credential_info, json);
      return;
    }
    const location = traceInfo.tags?.['mlflow.artifactLocation'];
    if (!location)
      throw new MlflowArtifactError(
        `The server returned no artifact location for ${traceInfo.trace_id}.`,
      );
    await this.uploadArtifact(location, 'traces.json', json);
  }

  async getTraceInfo(traceId: string): Promise<TraceInfo> {
    const res = await this.connection.request<{ trace: { trace_info: TraceInfo } }>({
      method: 'GET',
      path: `${API3}/traces/${encodeURIComponent(traceId)}`,
    });
    return res.trace.trace_info;
  }

  async linkTracesToRun(traceIds: string[], runId: string): Promise<void> {
    await this.connection.request({
      method: 'POST',
      path: `${API2}/traces/link-to-run`,
      body: { trace_ids: traceIds, run_id: runId },
      idempotent: true,
    });
  }

  // --- model registry ---------------------------------------------------------------------

  /**
   * Creates a registered model; an existing one is reused. `unityCatalog` picks Databricks'
   * Unity Catalog registry (`/unity-catalog/...`, same request shape) over the server's own.
   */
  async createRegisteredModel(
    name: string,
    description?: string,
    registry: { unityCatalog?: boolean } = {},
  ): Promise<void> {
    try {
      await this.connection.request({
        method: 'POST',
        path: `${registryBase(registry)}/registered-models/create`,
        body: { name, ...(description ? { description } : {}) },
      });
    } catch (error) {
      if (errorCodeOf(error) !== 'RESOURCE_ALREADY_EXISTS') throw error;
    }
  }

  /** Creates a model version (see `createRegisteredModel` for `unityCatalog`). */
  async createModelVersion(
    options: {
      name: string;
      source: string;
      runId?: string;
      description?: string;
      tags?: Record<string, string>;
    },
    registry: { unityCatalog?: boolean } = {},
  ): Promise<ModelVersion> {
    const res = await this.connection.request<{ model_version: ModelVersion }>({
      method: 'POST',
      path: `${registryBase(registry)}/model-versions/create`,
      body: {
        name: options.name,
        source: options.source,
        ...(options.runId ? { run_id: options.runId } : {}),
        ...(options.description ? { description: options.description } : {}),
        tags: Object.entries(options.tags ?? {}).map(([k, v]) => sanitizeTag(k, v)),
      },
    });
    return res.model_version;
  }

  async getModelVersion(
    name: string,
    version: string,
    registry: { unityCatalog?: boolean } = {},
  ): Promise<ModelVersion> {
    const res = await this.connection.request<{ model_version: ModelVersion }>({
      method: 'GET',
      path: `${registryBase(registry)}/model-versions/get`,
      query: { name, version },
    });
    return res.model_version;
  }

  /**
   * Waits until a new version leaves `PENDING_REGISTRATION` (Databricks' workspace registry
   * copies the files in the background; open-source servers answer `READY` at once), polling like
   * Python's `await_registration_for` (default 300 s). A failed registration is an error.
   */
  async awaitModelVersion(
    version: ModelVersion,
    options: { timeoutMs?: number; signal?: AbortSignal } = {},
  ): Promise<ModelVersion> {
    const deadline = Date.now() + (options.timeoutMs ?? 300_000);
    let current = version;
    for (
      let delay = 250;
      current.status === 'PENDING_REGISTRATION';
      delay = Math.min(delay * 2, 5_000)
    ) {
      if (Date.now() + delay > deadline)
        throw new MlflowArtifactError(
          `Model version ${current.name}/${current.version} is still PENDING_REGISTRATION after ${Math.round((options.timeoutMs ?? 300_000) / 1000)} s.`,
        );
      await abortableSleep(delay, options.signal);
      current = await this.getModelVersion(current.name, current.version);
    }
    if (current.status === 'FAILED_REGISTRATION')
      throw new MlflowArtifactError(
        `Registering ${current.name} version ${current.version} failed: ${current.status_message ?? 'no reason given'}`,
      );
    return current;
  }

  // --- Unity Catalog model registry (Databricks) ------------------------------------------

  /**
   * Registers a model version in Unity Catalog the way MLflow's `databricks-uc` registry does:
   * create the registered model (an existing one is reused), create a version (status
   * `PENDING_REGISTRATION`), write its files to the version's storage with credentials scoped to
   * it, then finalize (`READY`). Files can only be written before finalize, so a failed upload
   * leaves a pending version that Unity Catalog marks failed; nothing already registered changes.
   */
  async registerUnityCatalogModelVersion(options: {
    /** `catalog.schema.model`. */
    name: string;
    /** Where the files came from (the run's artifact folder). */
    source: string;
    runId?: string;
    description?: string;
    tags?: Record<string, string>;
    files: ModelFile[];
  }): Promise<ModelVersion> {
    const UC = registryBase({ unityCatalog: true });
    await this.createRegisteredModel(options.name, options.description, { unityCatalog: true });
    const created = await this.createModelVersion(options, { unityCatalog: true });
    // Unity Catalog may normalise the name (lower case); later calls use the name it answered.
    const name = created.name || options.name;
    const issueCredentials = async () =>
      (
        await this.connection.request<{ credentials: TemporaryCredentials }>({
          method: 'POST',
          path: `${UC}/model-versions/generate-temporary-credentials`,
          body: { name, version: created.version, operation: 'MODEL_VERSION_OPERATION_READ_WRITE' },
          idempotent: true,
        })
      ).credentials;
    let credentials = await issueCredentials();
    const regionCache = new Map<string, string>();
    for (const file of options.files) {
      // Credentials last minutes; a long upload asks for fresh ones before they lapse.
      if (
        credentials.expiration_time !== undefined &&
        Number(credentials.expiration_time) - Date.now() < 60_000
      )
        credentials = await issueCredentials();
      if (credentials.storage_mode === 'DEFAULT_STORAGE') {
        // Serverless default storage: no cloud credential, one signed URL per file instead.
        const root = `/Models/${name.split('.').join('/')}/${created.version}`;
        const url = await this.connection.request<{
          url: string;
          headers?: { name: string; value: string }[];
        }>({
          method: 'POST',
          path: '/api/2.0/fs/create-upload-url',
          body: { path: `${root}/${file.path}` },
          idempotent: true,
        });
        await uploadWithCredential(
          this.connection.storage,
          { signed_uri: url.url, headers: url.headers },
          file.body,
        );
        continue;
      }
      if (!created.storage_location)
        throw new MlflowArtifactError(
          `Unity Catalog returned no storage location for ${name} version ${created.version}.`,
        );
      await uploadToStorageLocation(this.connection.storage, {
        storageLocation: created.storage_location,
        credentials,
        relativePath: file.path,
        body: file.body,
        contentType: contentTypeOf(file.path),
        regionCache,
        ...(this.#env ? { env: this.#env } : {}),
      });
    }
    const { model_version: finalized } = await this.connection.request<{
      model_version: ModelVersion;
    }>({
      method: 'POST',
      path: `${UC}/model-versions/finalize`,
      body: { name, version: created.version },
      idempotent: true,
    });
    return finalized;
  }
}
