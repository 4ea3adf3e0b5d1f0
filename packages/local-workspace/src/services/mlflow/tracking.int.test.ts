import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type LocalWorkspace, startLocalWorkspace } from '../../workspace.js';
import { call, headerObject, restApi } from './testing_http.js';

let ws: LocalWorkspace;
let api: ReturnType<typeof restApi>;

beforeAll(async () => {
  ws = await startLocalWorkspace({
    catalog: { samples: false },
    mlflow: { userName: 'ada@example.com' },
  });
  api = restApi(ws);
});
afterAll(async () => {
  await ws?.stop();
});

async function newRun(name = `/Users/ada@example.com/exp-${Math.random()}`) {
  const created = await api.post('/api/2.0/mlflow/experiments/create', { name });
  const experimentId = created.json.experiment_id as string;
  const run = await api.post('/api/2.0/mlflow/runs/create', {
    experiment_id: experimentId,
    start_time: 1_700_000_000_000,
  });
  return { experimentId, runId: run.json.run.info.run_id as string, run: run.json.run };
}

describe('current user', () => {
  it('answers SCIM Me with the configured user', async () => {
    const me = await api.get('/api/2.0/preview/scim/v2/Me');
    expect(me.status).toBe(200);
    expect(me.json).toMatchObject({
      userName: 'ada@example.com',
      active: true,
      emails: [{ value: 'ada@example.com', primary: true, type: 'work' }],
      schemas: ['urn:ietf:params:scim:schemas:core:2.0:User'],
    });
    expect(me.json.id).toMatch(/^\d+$/);
  });

  it('requires the bearer token like every workspace API', async () => {
    const anonymous = await call(ws, '/api/2.0/preview/scim/v2/Me');
    expect(anonymous.status).toBe(401);
    const wrong = await call(ws, '/api/2.0/mlflow/experiments/get?experiment_id=1', {
      headers: { authorization: 'Bearer nope' },
    });
    expect(wrong.status).toBe(403);
  });
});

describe('experiments', () => {
  it('needs an absolute workspace path, refuses duplicates and finds by name and id', async () => {
    const bare = await api.post('/api/2.0/mlflow/experiments/create', { name: 'my-experiment' });
    expect(bare.status).toBe(400);
    expect(bare.json).toEqual({
      error_code: 'INVALID_PARAMETER_VALUE',
      message:
        "Got an invalid experiment name 'my-experiment'. An experiment name must be an absolute path within the Databricks workspace, e.g. '/Users/<some-username>/my-experiment'.",
    });

    const name = '/Users/ada@example.com/tracking';
    const created = await api.post('/api/2.0/mlflow/experiments/create', {
      name,
      tags: [{ key: 'team', value: 'lake' }],
    });
    expect(created.status).toBe(200);
    const id = created.json.experiment_id;
    expect(id).toMatch(/^[1-9]\d{15}$/);

    const duplicate = await api.post('/api/2.0/mlflow/experiments/create', { name });
    expect(duplicate.status).toBe(400);
    expect(duplicate.json).toEqual({
      error_code: 'RESOURCE_ALREADY_EXISTS',
      message: `Node named '${name}' already exists`,
    });

    const byName = await api.get('/api/2.0/mlflow/experiments/get-by-name', {
      experiment_name: name,
    });
    expect(byName.json.experiment).toMatchObject({
      experiment_id: id,
      name,
      artifact_location: `dbfs:/databricks/mlflow-tracking/${id}`,
      lifecycle_stage: 'active',
      tags: [{ key: 'team', value: 'lake' }],
    });
    expect(typeof byName.json.experiment.creation_time).toBe('number');
    const byId = await api.get('/api/2.0/mlflow/experiments/get', { experiment_id: id });
    expect(byId.json.experiment).toEqual(byName.json.experiment);

    const unknownName = await api.get('/api/2.0/mlflow/experiments/get-by-name', {
      experiment_name: '/Users/nobody/none',
    });
    expect(unknownName.status).toBe(404);
    expect(unknownName.json).toEqual({
      error_code: 'RESOURCE_DOES_NOT_EXIST',
      message: "Node '/Users/nobody/none' does not exist.",
    });
    const unknownId = await api.get('/api/2.0/mlflow/experiments/get', { experiment_id: '42' });
    expect(unknownId.status).toBe(404);
    expect(unknownId.json.error_code).toBe('RESOURCE_DOES_NOT_EXIST');
    expect(ws.mlflow.experiment(name)?.experiment_id).toBe(id);
  });
});

describe('runs', () => {
  it('creates, logs, updates and reads back a run', async () => {
    const { experimentId, runId, run } = await newRun();
    expect(runId).toMatch(/^[0-9a-f]{32}$/);
    expect(run.info).toMatchObject({
      run_id: runId,
      run_uuid: runId,
      experiment_id: experimentId,
      user_id: 'ada@example.com',
      status: 'RUNNING',
      start_time: 1_700_000_000_000,
      artifact_uri: `dbfs:/databricks/mlflow-tracking/${experimentId}/${runId}/artifacts`,
      lifecycle_stage: 'active',
    });
    expect(run.data.tags).toEqual([{ key: 'mlflow.runName', value: run.info.run_name }]);

    const logged = await api.post('/api/2.0/mlflow/runs/log-batch', {
      run_id: runId,
      metrics: [
        { key: 'loss', value: 0.9, timestamp: 1, step: 0 },
        { key: 'loss', value: 0.5, timestamp: 2, step: 1 },
        { key: 'accuracy', value: 0.7, timestamp: 2 },
      ],
      params: [{ key: 'lr', value: '0.01' }],
      tags: [{ key: 'mlflow.runName', value: 'renamed' }],
    });
    expect(logged.status).toBe(200);
    expect(logged.json).toEqual({});

    const updated = await api.post('/api/2.0/mlflow/runs/update', {
      run_id: runId,
      status: 'FINISHED',
      end_time: 1_700_000_100_000,
    });
    expect(updated.json.run_info).toMatchObject({
      run_id: runId,
      status: 'FINISHED',
      end_time: 1_700_000_100_000,
      run_name: 'renamed',
    });

    const got = await api.get('/api/2.0/mlflow/runs/get', { run_id: runId });
    expect(got.json.run.info.status).toBe('FINISHED');
    expect(got.json.run.data.metrics).toEqual(
      expect.arrayContaining([
        { key: 'loss', value: 0.5, timestamp: 2, step: 1 },
        { key: 'accuracy', value: 0.7, timestamp: 2, step: 0 },
      ]),
    );
    expect(got.json.run.data.params).toEqual([{ key: 'lr', value: '0.01' }]);

    const history = await api.get('/api/2.0/mlflow/metrics/get-history', {
      run_id: runId,
      metric_key: 'loss',
    });
    expect(history.json.metrics.map((metric: { value: number }) => metric.value)).toEqual([
      0.9, 0.5,
    ]);
    expect(ws.mlflow.run(runId)?.metrics.loss).toHaveLength(2);

    const unknown = await api.post('/api/2.0/mlflow/runs/create', { experiment_id: '123' });
    expect(unknown.status).toBe(404);
    const badStatus = await api.post('/api/2.0/mlflow/runs/update', {
      run_id: runId,
      status: 'DONE',
    });
    expect(badStatus.status).toBe(400);
  });

  it("enforces MLflow's batch limits and never changes a param", async () => {
    const { runId } = await newRun();
    const metric = (index: number) => ({ key: `m${index}`, value: index, timestamp: 1, step: 0 });
    const param = (index: number) => ({ key: `p${index}`, value: 'v' });
    const cases: Array<[Record<string, unknown>, RegExp]> = [
      [
        { metrics: Array.from({ length: 1001 }, (_, index) => metric(index)) },
        /at most 1000 metrics/,
      ],
      [{ params: Array.from({ length: 101 }, (_, index) => param(index)) }, /at most 100 params/],
      [{ tags: Array.from({ length: 101 }, (_, index) => param(index)) }, /at most 100 tags/],
      [
        {
          metrics: Array.from({ length: 950 }, (_, index) => metric(index)),
          params: Array.from({ length: 60 }, (_, index) => param(index)),
        },
        /at most 1000 metrics, params and tags in total/,
      ],
      [{ params: [{ key: 'long', value: 'x'.repeat(6001) }] }, /length limit of 6000/],
      [{ tags: [{ key: 'long', value: 'x'.repeat(8001) }] }, /length limit of 8000/],
      [{ params: [{ key: 'k'.repeat(251), value: 'v' }] }, /length limit of 250/],
      [{ metrics: [{ key: 'loss', value: 'high', timestamp: 1 }] }, /valid double/],
    ];
    for (const [body, message] of cases) {
      const response = await api.post('/api/2.0/mlflow/runs/log-batch', { run_id: runId, ...body });
      expect(response.status, JSON.stringify(message)).toBe(400);
      expect(response.json.error_code).toBe('INVALID_PARAMETER_VALUE');
      expect(response.json.message).toMatch(message);
    }
    // A rejected batch logs nothing.
    expect(ws.mlflow.run(runId)?.metrics).toEqual({});

    const first = await api.post('/api/2.0/mlflow/runs/log-batch', {
      run_id: runId,
      params: [{ key: 'lr', value: '0.01' }],
    });
    expect(first.status).toBe(200);
    const same = await api.post('/api/2.0/mlflow/runs/log-batch', {
      run_id: runId,
      params: [{ key: 'lr', value: '0.01' }],
    });
    expect(same.status).toBe(200);
    const changed = await api.post('/api/2.0/mlflow/runs/log-batch', {
      run_id: runId,
      params: [{ key: 'lr', value: '0.02' }],
    });
    expect(changed.status).toBe(400);
    expect(changed.json.error_code).toBe('INVALID_PARAMETER_VALUE');
    expect(changed.json.message).toMatch(/^Changing param values is not allowed/);
  });
});

describe('run artifacts', () => {
  it('uploads through credentials-for-write and reads back through credentials-for-read', async () => {
    const { runId, run } = await newRun();
    const root = run.info.artifact_uri as string;
    const write = await api.post('/api/2.0/mlflow/artifacts/credentials-for-write', {
      run_id: runId,
      path: ['model/MLmodel', 'notes.txt'],
    });
    expect(write.status).toBe(200);
    const infos = write.json.credential_infos;
    expect(infos).toHaveLength(2);
    expect(infos[0]).toMatchObject({
      run_id: runId,
      path: 'model/MLmodel',
      type: 'AWS_PRESIGNED_URL',
    });
    expect(infos[0].signed_uri).toMatch(/X-Amz-Signature=[0-9a-f]{64}$/);
    expect(infos[0].signed_uri.startsWith(ws.host)).toBe(true);

    for (const [index, content] of ['flavors: {}\n', 'hello'].entries()) {
      const put = await call(ws, infos[index].signed_uri, {
        method: 'PUT',
        headers: headerObject(infos[index].headers),
        body: content,
      });
      expect(put.status).toBe(200);
    }
    expect(ws.mlflow.readFile(`${root}/model/MLmodel`)?.toString()).toBe('flavors: {}\n');
    expect(ws.mlflow.listFiles(root)).toEqual([`${root}/model/MLmodel`, `${root}/notes.txt`]);

    const read = await api.get('/api/2.0/mlflow/artifacts/credentials-for-read', {
      run_id: runId,
      path: 'notes.txt',
    });
    const get = await call(ws, read.json.credential_infos[0].signed_uri);
    expect(get.status).toBe(200);
    expect(get.text).toBe('hello');

    const listed = await api.get('/api/2.0/mlflow/artifacts/list', { run_id: runId });
    expect(listed.json).toEqual({
      root_uri: root,
      files: [
        { path: 'model', is_dir: true },
        { path: 'notes.txt', is_dir: false, file_size: 5 },
      ],
    });
    const inModel = await api.get('/api/2.0/mlflow/artifacts/list', {
      run_id: runId,
      path: 'model',
    });
    expect(inModel.json.files).toEqual([{ path: 'model/MLmodel', is_dir: false, file_size: 12 }]);

    const outsideRoot = await api.post('/api/2.0/mlflow/artifacts/credentials-for-write', {
      run_id: runId,
      path: ['../other/x'],
    });
    expect(outsideRoot.status).toBe(400);
  });
});
