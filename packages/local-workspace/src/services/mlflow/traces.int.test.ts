import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type LocalWorkspace, startLocalWorkspace } from '../../workspace.js';
import { call, headerObject, restApi } from './testing_http.js';

let ws: LocalWorkspace;
let api: ReturnType<typeof restApi>;
let experimentId: string;

beforeAll(async () => {
  ws = await startLocalWorkspace({ catalog: { samples: false } });
  api = restApi(ws);
  const created = await api.post('/api/2.0/mlflow/experiments/create', {
    name: '/Users/local-user@example.com/traces',
  });
  experimentId = created.json.experiment_id;
});
afterAll(async () => {
  await ws?.stop();
});

function traceInfo(traceId: string, overrides: Record<string, unknown> = {}) {
  return {
    trace_id: traceId,
    trace_location: {
      type: 'MLFLOW_EXPERIMENT',
      mlflow_experiment: { experiment_id: experimentId },
    },
    request_time: '2025-01-01T00:00:00Z',
    execution_duration: '1.5s',
    state: 'OK',
    request_preview: '{"question": "hi"}',
    response_preview: '"hello"',
    trace_metadata: { 'mlflow.trace_schema.version': '3' },
    tags: { 'mlflow.traceName': 'chain' },
    ...overrides,
  };
}

describe('traces', () => {
  it('starts a trace, uploads its data through a signed URL and reads it back', async () => {
    const traceId = 'tr-0123456789abcdef0123456789abcdef';
    const started = await api.post('/api/3.0/mlflow/traces', {
      trace: { trace_info: traceInfo(traceId) },
    });
    expect(started.status).toBe(200);
    const location = `dbfs:/databricks/mlflow-tracking/${experimentId}/traces/${traceId}/artifacts`;
    expect(started.json.trace.trace_info).toMatchObject({
      trace_id: traceId,
      state: 'OK',
      tags: { 'mlflow.traceName': 'chain', 'mlflow.artifactLocation': location },
    });

    const got = await api.get(`/api/3.0/mlflow/traces/${traceId}`);
    expect(got.json).toEqual(started.json);

    const upload = await api.get(`/api/2.0/mlflow/traces/${traceId}/credentials-for-data-upload`);
    expect(upload.status).toBe(200);
    expect(upload.json.credential_info.type).toBe('AWS_PRESIGNED_URL');
    const spans = { spans: [{ name: 'chain', trace_id: traceId }] };
    const put = await call(ws, upload.json.credential_info.signed_uri, {
      method: 'PUT',
      headers: headerObject(upload.json.credential_info.headers),
      body: JSON.stringify(spans),
    });
    expect(put.status).toBe(200);
    expect(JSON.parse(ws.mlflow.readFile(`${location}/traces.json`)!.toString())).toEqual(spans);
    expect(ws.mlflow.trace(traceId)?.data).toEqual(spans);

    const download = await api.get(
      `/api/2.0/mlflow/traces/${traceId}/credentials-for-data-download`,
    );
    const get = await call(ws, download.json.credential_info.signed_uri);
    expect(get.status).toBe(200);
    expect(JSON.parse(get.text)).toEqual(spans);

    // Re-posting the same trace id replaces its info (exporters retry).
    const again = await api.post('/api/3.0/mlflow/traces', {
      trace: { trace_info: traceInfo(traceId, { state: 'ERROR' }) },
    });
    expect(again.json.trace.trace_info.state).toBe('ERROR');
    expect(ws.mlflow.traces(experimentId)).toHaveLength(1);
  });

  it('answers 404 for unknown traces and experiments, 400 for bad trace infos', async () => {
    const unknown = await api.get('/api/3.0/mlflow/traces/tr-missing');
    expect(unknown.status).toBe(404);
    expect(unknown.json.error_code).toBe('RESOURCE_DOES_NOT_EXIST');
    const credentials = await api.get(
      '/api/2.0/mlflow/traces/tr-missing/credentials-for-data-upload',
    );
    expect(credentials.status).toBe(404);

    const noExperiment = await api.post('/api/3.0/mlflow/traces', {
      trace: {
        trace_info: traceInfo('tr-1', {
          trace_location: { type: 'MLFLOW_EXPERIMENT', mlflow_experiment: { experiment_id: '1' } },
        }),
      },
    });
    expect(noExperiment.status).toBe(404);
    const noId = await api.post('/api/3.0/mlflow/traces', {
      trace: { trace_info: traceInfo('', {}) },
    });
    expect(noId.status).toBe(400);
    const badState = await api.post('/api/3.0/mlflow/traces', {
      trace: { trace_info: traceInfo('tr-2', { state: 'DONE' }) },
    });
    expect(badState.status).toBe(400);
    expect(badState.json.error_code).toBe('INVALID_PARAMETER_VALUE');
    for (const id of ['tr-1/../x', '..', 'tr 1']) {
      const badId = await api.post('/api/3.0/mlflow/traces', {
        trace: { trace_info: traceInfo(id, {}) },
      });
      expect(badId.status, id).toBe(400);
    }
    // `traces/get` is not a trace id.
    const get = await api.get('/api/3.0/mlflow/traces/get?trace_id=tr-1');
    expect(get.json.message ?? '').not.toContain("'get'");
  });

  it('links traces to a run and searches an experiment', async () => {
    await api.post('/api/3.0/mlflow/traces', { trace: { trace_info: traceInfo('tr-a') } });
    await api.post('/api/3.0/mlflow/traces', {
      trace: { trace_info: traceInfo('tr-b', { request_time: '2025-02-01T00:00:00Z' }) },
    });
    const run = await api.post('/api/2.0/mlflow/runs/create', { experiment_id: experimentId });
    const runId = run.json.run.info.run_id;
    const linked = await api.post('/api/2.0/mlflow/traces/link-to-run', {
      trace_ids: ['tr-a', 'tr-b'],
      run_id: runId,
    });
    expect(linked.status).toBe(200);
    expect(ws.mlflow.trace('tr-a')?.linkedRunIds).toEqual([runId]);
    const missing = await api.post('/api/2.0/mlflow/traces/link-to-run', {
      trace_ids: ['tr-none'],
      run_id: runId,
    });
    expect(missing.status).toBe(404);

    const search = await api.post('/api/3.0/mlflow/traces/search', {
      locations: [
        { type: 'MLFLOW_EXPERIMENT', mlflow_experiment: { experiment_id: experimentId } },
      ],
      max_results: 2,
    });
    expect(search.status).toBe(200);
    expect(search.json.traces.map((trace: { trace_id: string }) => trace.trace_id)).toEqual([
      'tr-b',
      expect.any(String),
    ]);
  });
});
