import { describe, expect, it } from 'vitest';
import { createConnection } from './connection.js';
import { MlflowConfigError } from './errors.js';
import {
  ossAuthHeaders,
  resolveExperimentSelector,
  resolveTrackingTarget,
} from './tracking_uri.js';

describe('resolveTrackingTarget', () => {
  it('reads MLFLOW_TRACKING_URI from the injected env; the option wins', () => {
    expect(resolveTrackingTarget({ env: { MLFLOW_TRACKING_URI: 'http://h:5000/' } })).toEqual({
      kind: 'oss',
      baseUrl: 'http://h:5000',
    });
    expect(
      resolveTrackingTarget({
        trackingUri: 'https://x.example/mlflow',
        env: { MLFLOW_TRACKING_URI: 'http://h' },
      }),
    ).toEqual({ kind: 'oss', baseUrl: 'https://x.example/mlflow' });
  });

  it('databricks and databricks://<profile>', () => {
    expect(resolveTrackingTarget({ trackingUri: 'databricks', env: {} })).toEqual({
      kind: 'databricks',
    });
    expect(resolveTrackingTarget({ env: { MLFLOW_TRACKING_URI: 'databricks://staging' } })).toEqual(
      {
        kind: 'databricks',
        profile: 'staging',
      },
    );
    expect(() =>
      resolveTrackingTarget({ trackingUri: 'databricks://scope:prefix', env: {} }),
    ).toThrow(MlflowConfigError);
  });

  it('fails clearly when missing or unsupported', () => {
    expect(() => resolveTrackingTarget({ env: {} })).toThrow(/MLFLOW_TRACKING_URI/);
    expect(() => resolveTrackingTarget({ trackingUri: 'file:///tmp/mlruns', env: {} })).toThrow(
      /mlflow server/,
    );
    expect(() => resolveTrackingTarget({ trackingUri: 'sqlite:///mlflow.db', env: {} })).toThrow(
      MlflowConfigError,
    );
  });

  it('auth: basic beats bearer; URL credentials are moved out of the URL', () => {
    const basic = resolveTrackingTarget({
      trackingUri: 'http://h',
      env: {
        MLFLOW_TRACKING_USERNAME: 'u',
        MLFLOW_TRACKING_PASSWORD: 'p',
        MLFLOW_TRACKING_TOKEN: 't',
      },
    });
    expect(basic.auth).toEqual({ type: 'basic', username: 'u', password: 'p' });
    expect(ossAuthHeaders(basic.auth)).toEqual({
      Authorization: `Basic ${Buffer.from('u:p').toString('base64')}`,
    });
    const bearer = resolveTrackingTarget({
      trackingUri: 'http://h',
      env: { MLFLOW_TRACKING_TOKEN: 'tok' },
    });
    expect(ossAuthHeaders(bearer.auth)).toEqual({ Authorization: 'Bearer tok' });
    const inUrl = resolveTrackingTarget({ trackingUri: 'http://al%40ce:pw@h:1/', env: {} });
    expect(inUrl).toEqual({
      kind: 'oss',
      baseUrl: 'http://h:1',
      auth: { type: 'basic', username: 'al@ce', password: 'pw' },
    });
  });

  it('error messages never echo URL credentials', () => {
    try {
      resolveTrackingTarget({ trackingUri: 'ht!tp://user:topsecret@', env: {} });
    } catch (e) {
      expect(String(e)).not.toContain('topsecret');
    }
  });
});

describe('resolveExperimentSelector', () => {
  it('id beats name; env fallbacks', () => {
    expect(
      resolveExperimentSelector({
        env: { MLFLOW_EXPERIMENT_ID: '7', MLFLOW_EXPERIMENT_NAME: 'n' },
      }),
    ).toEqual({
      experimentId: '7',
    });
    expect(resolveExperimentSelector({ env: { MLFLOW_EXPERIMENT_NAME: 'n' } })).toEqual({
      experimentName: 'n',
    });
    expect(
      resolveExperimentSelector({ experimentName: 'opt', env: { MLFLOW_EXPERIMENT_NAME: 'n' } }),
    ).toEqual({
      experimentName: 'opt',
    });
    expect(resolveExperimentSelector({ env: {} })).toEqual({});
  });
});

describe('OSS connection', () => {
  it('adds MLflow auth per request through the given transport and reports a redacted host', async () => {
    const seen: { url: string; headers?: Record<string, string> }[] = [];
    const connection = createConnection({
      trackingUri: 'http://bob:pw-123456@mlflow.local:5000',
      env: {},
      transport: {
        async request<T>(req: { url: string; headers?: Record<string, string> }) {
          seen.push(req);
          return {
            status: 200,
            data: { ok: true } as T,
            headers: new Headers(),
            raw: new Response(),
            attempts: 1,
          };
        },
      },
    });
    expect(connection.displayHost).toBe('http://mlflow.local:5000');
    await connection.request({
      method: 'GET',
      path: '/api/2.0/mlflow/experiments/get',
      query: { experiment_id: '1' },
    });
    expect(seen[0]?.url).toBe('http://mlflow.local:5000/api/2.0/mlflow/experiments/get');
    expect(seen[0]?.headers?.Authorization).toBe(
      `Basic ${Buffer.from('bob:pw-123456').toString('base64')}`,
    );
    expect(connection.secrets()).toContain('pw-123456');
  });
});
