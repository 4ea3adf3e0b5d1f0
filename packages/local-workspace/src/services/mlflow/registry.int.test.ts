/** The Unity Catalog model registry: registered models, default storage, fault injection. */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { LocalWorkspace } from '../../workspace.js';
import { call, headerObject, type restApi } from './testing_http.js';
import { type RegistryFixture, startRegistryWorkspace } from './testing_registry.js';

let fixture: RegistryFixture;
let ws: LocalWorkspace;
let api: ReturnType<typeof restApi>;

beforeAll(async () => {
  fixture = await startRegistryWorkspace();
  ws = fixture.ws;
  api = fixture.api;
});
afterAll(async () => {
  await ws?.stop();
});
beforeEach(() => {
  fixture.setClock();
});

const newVersion = () => fixture.newVersion();
const temporaryCredentials = (name: string, operation?: string, version?: string) =>
  fixture.temporaryCredentials(name, operation, version);

describe('registered models', () => {
  it('needs three-level names in an existing schema, once', async () => {
    const flat = await api.post('/api/2.0/mlflow/unity-catalog/registered-models/create', {
      name: 'my_model',
    });
    expect(flat.status).toBe(400);
    expect(flat.json.error_code).toBe('INVALID_PARAMETER_VALUE');
    expect(flat.json.message).toContain('<catalog>.<schema>.<model>');

    const noSchema = await api.post('/api/2.0/mlflow/unity-catalog/registered-models/create', {
      name: 'main.nowhere.my_model',
    });
    expect(noSchema.status).toBe(404);
    expect(noSchema.json).toEqual({
      error_code: 'RESOURCE_DOES_NOT_EXIST',
      message: "Schema 'main.nowhere' does not exist.",
    });

    const created = await api.post('/api/2.0/mlflow/unity-catalog/registered-models/create', {
      name: 'main.default.Registered',
      tags: [{ key: 'owner', value: 'ada' }],
    });
    expect(created.status).toBe(200);
    expect(created.json.registered_model).toMatchObject({
      name: 'main.default.registered',
      user_id: 'local-user@example.com',
      aliases: [],
      tags: [{ key: 'owner', value: 'ada' }],
    });
    const again = await api.post('/api/2.0/mlflow/unity-catalog/registered-models/create', {
      name: 'main.default.registered',
    });
    expect(again.status).toBe(400);
    expect(again.json.error_code).toBe('RESOURCE_ALREADY_EXISTS');

    const got = await api.get('/api/2.0/mlflow/unity-catalog/registered-models/get', {
      name: 'main.default.registered',
    });
    expect(got.json.registered_model.name).toBe('main.default.registered');
    const missing = await api.get('/api/2.0/mlflow/unity-catalog/registered-models/get', {
      name: 'main.default.none',
    });
    expect(missing.status).toBe(404);

    const noSource = await api.post('/api/2.0/mlflow/unity-catalog/model-versions/create', {
      name: 'main.default.registered',
    });
    expect(noSource.status).toBe(400);
    const noModel = await api.post('/api/2.0/mlflow/unity-catalog/model-versions/create', {
      name: 'main.default.none',
      source: 'x',
    });
    expect(noModel.status).toBe(404);
  });
});

describe('default storage', () => {
  it('uploads through Files API URLs while pending, then freezes the version at finalize', async () => {
    ws.mlflow.configure({ modelStorage: 'default' });
    const { name, modelVersion } = await newVersion();
    expect(modelVersion).toMatchObject({
      name,
      version: '1',
      status: 'PENDING_REGISTRATION',
      source: 'dbfs:/databricks/mlflow-tracking/1/abc/artifacts/model',
      run_id: 'abc',
      aliases: [],
    });
    expect(modelVersion.storage_location).toMatch(
      new RegExp(
        `^s3://databricks-default-storage/${ws.mlflow.storage.metastoreId}/models/[0-9a-f-]{36}/versions/[0-9a-f-]{36}$`,
      ),
    );
    const credentials = await temporaryCredentials(name);
    expect(credentials.json.credentials).toEqual({
      expiration_time: expect.any(Number),
      storage_mode: 'DEFAULT_STORAGE',
    });

    const model = name.split('.')[2];
    const filePath = `/Models/main/default/${model}/1/MLmodel`;
    const upload = await api.post('/api/2.0/fs/create-upload-url', { path: filePath });
    expect(upload.status).toBe(200);
    expect(upload.json.headers).toEqual([
      { name: 'Content-Type', value: 'application/octet-stream' },
    ]);
    const put = await call(ws, upload.json.url, {
      method: 'PUT',
      headers: headerObject(upload.json.headers),
      body: 'artifact_path: model\n',
    });
    expect(put.status).toBe(200);
    expect(ws.mlflow.readFile(filePath)?.toString()).toBe('artifact_path: model\n');
    expect(ws.mlflow.readFile(`${modelVersion.storage_location}/MLmodel`)?.toString()).toBe(
      'artifact_path: model\n',
    );
    expect(ws.mlflow.listFiles(`/Models/main/default/${model}/1`)).toEqual([filePath]);

    const finalized = await api.post('/api/2.0/mlflow/unity-catalog/model-versions/finalize', {
      name,
      version: '1',
    });
    expect(finalized.json.model_version.status).toBe('READY');
    const got = await api.get('/api/2.0/mlflow/unity-catalog/model-versions/get', {
      name,
      version: '1',
    });
    expect(got.json.model_version.status).toBe('READY');

    const late = await temporaryCredentials(name);
    expect(late.status).toBe(400);
    expect(late.json.error_code).toBe('INVALID_PARAMETER_VALUE');
    expect(late.json.message).toMatch(/can only be written at creation time/);
    expect((await temporaryCredentials(name, 'MODEL_VERSION_OPERATION_READ')).status).toBe(200);
    const lateUrl = await api.post('/api/2.0/fs/create-upload-url', { path: filePath });
    expect(lateUrl.status).toBe(400);
    // A URL issued while pending no longer writes once the version is READY.
    const lateWrite = await call(ws, upload.json.url, { method: 'PUT', body: 'changed' });
    expect(lateWrite.status).toBe(403);

    const download = await api.post('/api/2.0/fs/create-download-url', { path: filePath });
    const get = await call(ws, download.json.url, { headers: headerObject(download.json.headers) });
    expect(get.text).toBe('artifact_path: model\n');
  });
});

describe('fault injection', () => {
  it('routes MLflow and storage requests through the fault injector', async () => {
    ws.mlflow.configure({ modelStorage: 'default' });
    ws.faults.setRules([{ route: 'uc-registry', rate503: 1, times: 1 }]);
    ws.faults.resetCounts();
    const failed = await api.post('/api/2.0/mlflow/unity-catalog/registered-models/create', {
      name: 'main.default.flaky',
    });
    expect(failed.status).toBe(503);
    expect(failed.json.error_code).toBe('TEMPORARILY_UNAVAILABLE');
    const retried = await api.post('/api/2.0/mlflow/unity-catalog/registered-models/create', {
      name: 'main.default.flaky',
    });
    expect(retried.status).toBe(200);

    ws.faults.setRules([
      { route: 'cloud-storage', rate503: 1, times: 1 },
      { route: 'mlflow', rate503: 1, times: 1 },
      { route: 'mlflow-traces', rate503: 1, times: 1 },
    ]);
    expect((await call(ws, `/${ws.mlflow.storage.s3Bucket}`, { method: 'HEAD' })).status).toBe(503);
    expect((await api.get('/api/2.0/mlflow/experiments/get', { experiment_id: '1' })).status).toBe(
      503,
    );
    expect((await api.get('/api/3.0/mlflow/traces/tr-x')).status).toBe(503);
    ws.faults.setRules([]);
    expect(ws.faults.counts()).toMatchObject({
      'uc-registry': 2,
      'cloud-storage': 1,
      mlflow: 1,
      'mlflow-traces': 1,
    });
  });
});
