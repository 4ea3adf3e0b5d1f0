/**
 * The legacy workspace model registry: versions copy their files from `source` in the background,
 * so they are PENDING_REGISTRATION when created and settle on the next look.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type LocalWorkspace, startLocalWorkspace } from '../../workspace.js';
import { call, restApi } from './testing_http.js';

let ws: LocalWorkspace;
let api: ReturnType<typeof restApi>;

beforeAll(async () => {
  ws = await startLocalWorkspace({ catalog: { samples: false } });
  api = restApi(ws);
});
afterAll(async () => {
  await ws?.stop();
});

/** A run with one artifact under `model/`, uploaded through credentials-for-write. */
async function runWithModel(): Promise<{ runId: string; source: string }> {
  const experiment = await api.post('/api/2.0/mlflow/experiments/create', {
    name: `/Shared/registry-${Date.now()}`,
  });
  const run = await api.post('/api/2.0/mlflow/runs/create', {
    experiment_id: experiment.json.experiment_id,
  });
  const info = run.json.run.info;
  const credential = await api.post('/api/2.0/mlflow/artifacts/credentials-for-write', {
    run_id: info.run_id,
    path: ['model/MLmodel'],
  });
  const cred = credential.json.credential_infos[0];
  const put = await call(ws, cred.signed_uri, { method: 'PUT', body: 'flavors: {}\n' });
  expect(put.status).toBe(200);
  return { runId: info.run_id, source: `${info.artifact_uri}/model` };
}

describe('workspace model registry', () => {
  it('creates a model and versions that settle READY once their files are there', async () => {
    const { runId, source } = await runWithModel();
    const created = await api.post('/api/2.0/mlflow/registered-models/create', { name: 'bot' });
    expect(created.json.registered_model).toMatchObject({
      name: 'bot',
      user_id: ws.mlflow.userName,
    });
    const again = await api.post('/api/2.0/mlflow/registered-models/create', { name: 'bot' });
    expect([again.status, again.json.error_code]).toEqual([400, 'RESOURCE_ALREADY_EXISTS']);

    const version = await api.post('/api/2.0/mlflow/model-versions/create', {
      name: 'bot',
      source,
      run_id: runId,
    });
    expect(version.json.model_version).toMatchObject({
      name: 'bot',
      version: '1',
      status: 'PENDING_REGISTRATION',
      current_stage: 'None',
      source,
    });
    const got = await api.get('/api/2.0/mlflow/model-versions/get?name=bot&version=1');
    expect(got.json.model_version.status).toBe('READY');
    expect(ws.mlflow.workspaceModelVersions('bot')).toMatchObject([
      { version: '1', status: 'READY' },
    ]);
  });

  it('a source with no files fails registration with a reason; unknown names are 404', async () => {
    await api.post('/api/2.0/mlflow/registered-models/create', { name: 'empty' });
    await api.post('/api/2.0/mlflow/model-versions/create', {
      name: 'empty',
      source: 'dbfs:/databricks/mlflow-tracking/1/nope/artifacts/model',
    });
    const got = await api.get('/api/2.0/mlflow/model-versions/get?name=empty&version=1');
    expect(got.json.model_version.status).toBe('FAILED_REGISTRATION');
    expect(got.json.model_version.status_message).toContain('No files found');
    const missing = await api.post('/api/2.0/mlflow/model-versions/create', {
      name: 'nobody',
      source: 'x',
    });
    expect([missing.status, missing.json.error_code]).toEqual([404, 'RESOURCE_DOES_NOT_EXIST']);
  });
});
