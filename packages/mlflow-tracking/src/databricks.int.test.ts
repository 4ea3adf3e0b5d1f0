/**
 * Databricks mode: `MLFLOW_TRACKING_URI=databricks` with nothing else MLflow-specific set.
 * Host and auth resolution run through @lakechain/core against @lakechain/local-workspace. It has
 * no MLflow routes (and answers 404 before checking auth there), so auth is proven on its
 * authenticated `serving-endpoints` route through the same connection; the MLflow protocol on
 * Databricks (StartTraceV3, credentials-for-data-upload, signed-URL PUT without workspace auth,
 * credentials-for-write) is checked with an injected fetch.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DatabricksApiError } from '@lakechain/core';
import { type LocalWorkspace, startLocalWorkspace } from '@lakechain/local-workspace';
import { RunnableLambda } from '@langchain/core/runnables';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createConnection, MlflowClient, MlflowTracer } from './index.js';

let ws: LocalWorkspace;
let env: Record<string, string>;

beforeAll(async () => {
  ws = await startLocalWorkspace();
  const dir = mkdtempSync(join(tmpdir(), 'mlflow-dbx-'));
  const caFile = join(dir, 'ca.pem');
  writeFileSync(caFile, ws.caCert);
  env = {
    ...ws.env(),
    DATABRICKS_CA_CERT_FILE: caFile,
    DATABRICKS_CONFIG_FILE: join(dir, 'none.cfg'),
    HOME: dir,
    MLFLOW_TRACKING_URI: 'databricks',
  };
});

afterAll(async () => {
  await ws?.stop();
});

describe('Databricks mode against @lakechain/local-workspace', () => {
  it('resolves host and token from the environment through core (auth accepted)', async () => {
    const connection = createConnection({ env });
    expect(connection.kind).toBe('databricks');
    const listed = await connection.request<{ endpoints?: unknown[] }>({
      method: 'GET',
      path: '/api/2.0/serving-endpoints',
    });
    expect(listed).toHaveProperty('endpoints');
    const error = await connection
      .request({
        method: 'GET',
        path: '/api/2.0/mlflow/experiments/get-by-name',
        query: { experiment_name: 'x' },
        retry: false,
      })
      .catch((e: unknown) => e);
    expect(DatabricksApiError.isInstance(error)).toBe(true);
    expect((error as DatabricksApiError).statusCode).toBe(404); // reached the workspace; no MLflow there
  });

  it('a wrong token is refused and the token never appears in the error', async () => {
    const connection = createConnection({
      env: { ...env, DATABRICKS_TOKEN: 'dapi-wrong-token-0000' },
    });
    const error = await connection
      .request({ method: 'GET', path: '/api/2.0/serving-endpoints', retry: false })
      .catch((e: unknown) => e);
    expect([401, 403]).toContain((error as DatabricksApiError).statusCode); // local-workspace answers 403 for an unknown token
    expect(JSON.stringify(error) + String(error)).not.toContain('dapi-wrong-token-0000');
  });

  it('databricks://<profile> reads host and token from ~/.databrickscfg', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'mlflow-dbx-profile-'));
    const cfg = join(dir, '.databrickscfg');
    writeFileSync(
      cfg,
      `[staging]\nhost = ${ws.host}\ntoken = ${ws.token}\nca_cert_file = ${env.DATABRICKS_CA_CERT_FILE}\n`,
    );
    const connection = createConnection({
      trackingUri: 'databricks://staging',
      env: { HOME: dir, DATABRICKS_CONFIG_FILE: cfg },
    });
    expect(connection.displayHost).toBe('databricks://staging');
    const listed = await connection.request<{ endpoints?: unknown[] }>({
      method: 'GET',
      path: '/api/2.0/serving-endpoints',
    });
    expect(listed).toHaveProperty('endpoints');
  });
});

describe('Databricks MLflow protocol (injected fetch)', () => {
  const host = 'https://adb-123.azuredatabricks.net';
  const token = 'dapi-abcdef0123456789';
  type Call = { url: string; method: string; headers: Headers; body: string };

  function fakeWorkspace() {
    const calls: Call[] = [];
    const fetchImpl: typeof fetch = async (input, init) => {
      const url = String(input instanceof Request ? input.url : input);
      const headers = new Headers(init?.headers);
      const body =
        typeof init?.body === 'string'
          ? init.body
          : init?.body
            ? new TextDecoder().decode(init.body as Uint8Array)
            : '';
      calls.push({ url, method: init?.method ?? 'GET', headers, body });
      const json = (data: unknown) =>
        new Response(JSON.stringify(data), {
          status: 200,
          headers: { 'content-type': 'application/json' },
        });
      const path = new URL(url).pathname;
      if (path === '/api/2.0/mlflow/experiments/get-by-name') {
        return json({ experiment: { experiment_id: '42', name: '/Users/me@example.com/app' } });
      }
      if (path === '/api/3.0/mlflow/traces') {
        const sent = JSON.parse(body) as { trace: { trace_info: Record<string, unknown> } };
        return json({
          trace: {
            trace_info: {
              ...sent.trace.trace_info,
              tags: {
                'mlflow.artifactLocation': 'dbfs:/databricks/mlflow-tracking/42/traces/x/artifacts',
              },
            },
          },
        });
      }
      if (path.endsWith('/credentials-for-data-upload')) {
        return json({
          credential_info: {
            type: 'AWS_PRESIGNED_URL',
            signed_uri: 'https://bucket.s3.amazonaws.com/traces.json?X-Amz-Signature=abc',
            headers: [{ name: 'x-amz-server-side-encryption', value: 'AES256' }],
          },
        });
      }
      if (path === '/api/2.0/mlflow/artifacts/credentials-for-write') {
        return json({
          credential_infos: [
            {
              type: 'AZURE_SAS_URI',
              signed_uri: 'https://acct.blob.core.windows.net/c/f.json?sig=1',
              headers: [],
            },
          ],
        });
      }
      if (url.startsWith('https://bucket.s3') || url.startsWith('https://acct.blob'))
        return new Response('', { status: 200 });
      return new Response(JSON.stringify({ error_code: 'ENDPOINT_NOT_FOUND', message: 'no' }), {
        status: 404,
      });
    };
    return { calls, fetchImpl };
  }

  it('exports a trace: StartTraceV3 + traces.json to the signed URL, workspace auth only on workspace calls', async () => {
    const { calls, fetchImpl } = fakeWorkspace();
    const warnings: string[] = [];
    const tracer = new MlflowTracer({
      env: {
        MLFLOW_TRACKING_URI: 'databricks',
        DATABRICKS_HOST: host,
        DATABRICKS_TOKEN: token,
        HOME: '/nonexistent',
      },
      experimentName: '/Users/me@example.com/app',
      fetch: fetchImpl,
      warn: (m) => warnings.push(m),
    });
    await RunnableLambda.from((x: number) => x + 1)
      .withConfig({ runName: 'Add' })
      .invoke(1, { callbacks: [tracer] });
    await tracer.flush();
    expect(warnings).toEqual([]);
    expect(tracer.exporter.stats).toMatchObject({ exported: 1, dropped: 0 });
    const start = calls.find((c) => c.url === `${host}/api/3.0/mlflow/traces`);
    expect(start?.method).toBe('POST');
    expect(start?.headers.get('authorization')).toBe(`Bearer ${token}`);
    const info = (
      JSON.parse(start?.body ?? '{}') as {
        trace: { trace_info: { trace_location: unknown; trace_id: string } };
      }
    ).trace.trace_info;
    expect(info.trace_location).toEqual({
      type: 'MLFLOW_EXPERIMENT',
      mlflow_experiment: { experiment_id: '42' },
    });
    expect(
      calls.some(
        (c) =>
          c.url === `${host}/api/2.0/mlflow/traces/${info.trace_id}/credentials-for-data-upload`,
      ),
    ).toBe(true);
    const put = calls.find((c) => c.url.startsWith('https://bucket.s3'));
    expect(put?.method).toBe('PUT');
    expect(put?.headers.get('authorization')).toBeNull();
    expect(put?.headers.get('x-amz-server-side-encryption')).toBe('AES256');
    expect(put?.body).toContain('"name":"Add"');
  });

  it('uploads run artifacts through credentials-for-write (Azure SAS gets BlockBlob)', async () => {
    const { calls, fetchImpl } = fakeWorkspace();
    const client = new MlflowClient({
      trackingUri: 'databricks',
      env: { DATABRICKS_HOST: host, DATABRICKS_TOKEN: token, HOME: '/nonexistent' },
      fetch: fetchImpl,
    });
    await client.uploadArtifact(
      'dbfs:/databricks/mlflow-tracking/42/run123/artifacts',
      'records/f.json',
      '{}',
    );
    const cred = calls.find((c) => c.url.endsWith('/credentials-for-write'));
    expect(JSON.parse(cred?.body ?? '{}')).toEqual({ run_id: 'run123', path: ['records/f.json'] });
    const put = calls.find((c) => c.url.startsWith('https://acct.blob'));
    expect(put?.headers.get('x-ms-blob-type')).toBe('BlockBlob');
    expect(put?.headers.get('authorization')).toBeNull();
  });

  it('non-proxy artifact locations on OSS fail clearly', async () => {
    const client = new MlflowClient({ trackingUri: 'http://127.0.0.1:1', env: {} });
    await expect(
      client.uploadArtifact('/var/mlruns/1/abc/artifacts', 'x.json', '{}'),
    ).rejects.toThrow(/mlflow-artifacts/);
  });
});
