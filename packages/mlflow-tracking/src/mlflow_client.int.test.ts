import { describe, expect, inject, it } from 'vitest';
import { MlflowArtifactError, MlflowClient } from './index.js';
import { getJson } from './testing/read_back.js';

const url = inject('mlflowUrl');

describe('MlflowClient against a real MLflow server', () => {
  const client = new MlflowClient({ trackingUri: url, env: {} });

  it('get-or-create experiment is race-safe (RESOURCE_ALREADY_EXISTS handled)', async () => {
    const name = `race-${Date.now()}`;
    const ids = await Promise.all(
      Array.from({ length: 6 }, () => client.getOrCreateExperiment(name)),
    );
    expect(new Set(ids).size).toBe(1);
  });

  it('log-batch beyond every limit is split/truncated and accepted by the server', async () => {
    const experimentId = await client.getOrCreateExperiment('limits');
    const run = await client.createRun({ experimentId, runName: 'limits' });
    const longKey = `k/${'x'.repeat(300)}`;
    await client.logBatch(run.run_id, {
      metrics: Array.from({ length: 2500 }, (_, i) => ({
        key: `m${i % 5}`,
        value: i,
        timestamp: Date.now(),
        step: i,
      })),
      params: [
        ...Array.from({ length: 230 }, (_, i) => ({ key: `p${i}`, value: `v${i}` })),
        { key: 'long.value', value: 'v'.repeat(7000) },
        { key: 'bad:key*chars', value: '1' },
        { key: longKey, value: '1' },
      ],
      tags: Array.from({ length: 130 }, (_, i) => ({ key: `t${i}`, value: 't'.repeat(9000) })),
    });
    const { run: stored } = await getJson<{
      run: {
        data: { params: { key: string; value: string }[]; tags: { key: string; value: string }[] };
      };
    }>(`${url}/api/2.0/mlflow/runs/get?run_id=${run.run_id}`);
    const params = Object.fromEntries(stored.data.params.map((p) => [p.key, p.value]));
    expect(Object.keys(params)).toHaveLength(233);
    expect(params['long.value']).toHaveLength(6000);
    expect(params.bad_key_chars).toBe('1');
    expect(Object.keys(params).some((k) => k.length === 250)).toBe(true);
    expect(stored.data.tags.filter((t) => /^t\d+$/.test(t.key))).toHaveLength(130);
    const history = await getJson<{ metrics: unknown[] }>(
      `${url}/api/2.0/mlflow/metrics/get-history?run_id=${run.run_id}&metric_key=m0`,
    );
    expect(history.metrics).toHaveLength(500);
    await client.updateRun(run.run_id, 'FINISHED', Date.now());
  });

  it('artifact proxy upload + clear error for unsupported roots', async () => {
    const experimentId = await client.getOrCreateExperiment('artifacts');
    const run = await client.createRun({ experimentId });
    expect(run.artifact_uri).toMatch(/^mlflow-artifacts:\//);
    await client.uploadArtifact(run.artifact_uri, 'dir/hello world.json', '{"a":1}');
    const listing = await getJson<{ files: { path: string }[] }>(
      `${url}/api/2.0/mlflow/artifacts/list?run_id=${run.run_id}&path=dir`,
    );
    expect(listing.files.map((f) => f.path)).toEqual(['dir/hello world.json']);
    await expect(client.uploadArtifact('s3://bucket/x', 'a.json', '{}')).rejects.toBeInstanceOf(
      MlflowArtifactError,
    );
  });
});
