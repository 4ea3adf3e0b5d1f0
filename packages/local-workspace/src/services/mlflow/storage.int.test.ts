/**
 * Regression tests for the emulated cloud storage: malformed aws-chunked bodies, ADLS Gen2
 * append/flush positions (parallel and replayed appends), and the pruning of expired credentials.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type LocalWorkspace, startLocalWorkspace } from '../../workspace.js';
import { call, restApi } from './testing_http.js';
import { signS3Request } from './testing_sigv4.js';

let ws: LocalWorkspace;
let api: ReturnType<typeof restApi>;
let clock = Date.now();
let modelCount = 0;

beforeAll(async () => {
  ws = await startLocalWorkspace({ catalog: { samples: false }, mlflow: { now: () => clock } });
  api = restApi(ws);
});
afterAll(async () => {
  await ws?.stop();
});
beforeEach(() => {
  clock = Date.now();
});

/** A fresh pending model version in the given storage, with read-write credentials for it. */
async function pendingVersion(storage: 's3' | 'adls') {
  ws.mlflow.configure({ modelStorage: storage });
  modelCount += 1;
  const name = `main.default.storage_${modelCount}`;
  expect(
    (await api.post('/api/2.0/mlflow/unity-catalog/registered-models/create', { name })).status,
  ).toBe(200);
  const created = await api.post('/api/2.0/mlflow/unity-catalog/model-versions/create', {
    name,
    source: 'dbfs:/databricks/mlflow-tracking/1/abc/artifacts/model',
  });
  expect(created.status).toBe(200);
  const credentials = await api.post(
    '/api/2.0/mlflow/unity-catalog/model-versions/generate-temporary-credentials',
    { name, version: '1', operation: 'MODEL_VERSION_OPERATION_READ_WRITE' },
  );
  expect(credentials.status).toBe(200);
  return {
    location: created.json.model_version.storage_location as string,
    credentials: credentials.json.credentials,
  };
}

describe('S3 aws-chunked bodies', () => {
  it('rejects malformed chunk sizes instead of looping', async () => {
    const { location, credentials } = await pendingVersion('s3');
    const bucket = ws.mlflow.storage.s3Bucket;
    const key = `${location.slice(`s3://${bucket}/`.length)}/MLmodel`;
    const aws = credentials.aws_temp_credentials;
    const put = (body: string) => {
      const signed = signS3Request({
        endpoint: ws.host,
        method: 'PUT',
        bucket,
        key,
        payloadHash: 'STREAMING-UNSIGNED-PAYLOAD-TRAILER',
        extraHeaders: { 'content-encoding': 'aws-chunked' },
        region: 'us-west-2',
        credentials: {
          accessKeyId: aws.access_key_id,
          secretAccessKey: aws.secret_access_key,
          sessionToken: aws.session_token,
        },
      });
      return call(ws, signed.url, { method: 'PUT', headers: signed.headers, body });
    };
    // A negative size used to walk the parser backwards forever (the process hung).
    for (const body of ['-6\r\nabcdef\r\n0\r\n\r\n', '0x5\r\nhello\r\n0\r\n\r\n', '5\r\nhelloXX']) {
      const answer = await put(body);
      expect(answer.status, body).toBe(400);
      expect(answer.text).toContain('<Code>IncompleteBody</Code>');
    }
    expect((await put('5\r\nhello\r\n0\r\n\r\n')).status).toBe(200);
    expect(ws.mlflow.readFile(`s3://${bucket}/${key}`)?.toString()).toBe('hello');
  });
});

describe('ADLS Gen2 append and flush positions', () => {
  it('accepts parallel and replayed appends, and flush checks contiguity', async () => {
    const { location, credentials } = await pendingVersion('adls');
    const sas: string = credentials.azure_user_delegation_sas.sas_token;
    const base = location.replace(/^abfss:\/\/([^@]+)@([^/]+)/, 'https://$2/$1');
    const file = `${base}/data.bin`;
    const patch = (query: string, body?: string) =>
      call(ws, `${file}?${query}&${sas}`, { method: 'PATCH', body });

    expect((await call(ws, `${file}?resource=file&${sas}`, { method: 'PUT' })).status).toBe(201);
    // Out of order, as a parallel uploader sends them.
    expect((await patch('action=append&position=3', 'def')).status).toBe(202);
    expect((await patch('action=append&position=0', 'abc')).status).toBe(202);
    // A replay of the same append (a retry after a lost response) is accepted.
    expect((await patch('action=append&position=0', 'abc')).status).toBe(202);
    // A gap (nothing at 6) cannot be flushed past.
    const gap = await patch('action=flush&position=9');
    expect(gap.status).toBe(400);
    expect(gap.json.error.code).toBe('InvalidFlushPosition');
    expect((await patch('action=flush&position=6')).status).toBe(200);
    expect(ws.mlflow.readFile(`${location}/data.bin`)?.toString()).toBe('abcdef');
    // A replayed flush at the same length is harmless.
    expect((await patch('action=flush&position=6')).status).toBe(200);
    expect(ws.mlflow.readFile(`${location}/data.bin`)?.toString()).toBe('abcdef');

    // Flushed data cannot be appended over.
    const over = await patch('action=append&position=2', 'zz');
    expect(over.status).toBe(400);
    expect(over.json.error.code).toBe('InvalidAppendPosition');
    const missing = await patch('action=append', 'zz');
    expect(missing.status).toBe(400);
    expect(missing.json.error.code).toBe('InvalidAppendPosition');
    expect((await patch('action=append&position=6', 'gh')).status).toBe(202);
    expect((await patch('action=append&position=8', 'ij')).status).toBe(202);
    // Flushing part of the appended data, keeping the rest (as AzCopy flushes as it goes).
    expect((await patch('action=flush&position=8&retainUncommittedData=true')).status).toBe(200);
    expect(ws.mlflow.readFile(`${location}/data.bin`)?.toString()).toBe('abcdefgh');
    expect((await patch('action=flush&position=10')).status).toBe(200);
    expect(ws.mlflow.readFile(`${location}/data.bin`)?.toString()).toBe('abcdefghij');
    // Without retainUncommittedData, data past the flush position is dropped.
    expect((await patch('action=append&position=10', 'kl')).status).toBe(202);
    expect((await patch('action=flush&position=10')).status).toBe(200);
    expect((await patch('action=flush&position=12')).status).toBe(400);
  });
});

describe('temporary credentials', () => {
  it('are answered as expired for an hour, then forgotten', async () => {
    const first = await pendingVersion('s3');
    const bucket = ws.mlflow.storage.s3Bucket;
    const aws = first.credentials.aws_temp_credentials;
    const get = () => {
      const signed = signS3Request({
        endpoint: ws.host,
        method: 'GET',
        bucket,
        key: `${first.location.slice(`s3://${bucket}/`.length)}/missing`,
        region: 'us-west-2',
        credentials: {
          accessKeyId: aws.access_key_id,
          secretAccessKey: aws.secret_access_key,
          sessionToken: aws.session_token,
        },
      });
      return call(ws, signed.url, { headers: signed.headers });
    };
    clock += 15 * 60_000 + 1000;
    await pendingVersion('s3');
    expect((await get()).text).toContain('<Code>ExpiredToken</Code>');
    clock += 2 * 60 * 60_000;
    await pendingVersion('s3');
    expect((await get()).text).toContain('<Code>InvalidAccessKeyId</Code>');
  });
});
