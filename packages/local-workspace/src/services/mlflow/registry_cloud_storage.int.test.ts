/** Unity Catalog model versions in cloud storage: S3 (SigV4), ADLS Gen2 (SAS), GCS (OAuth). */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { LocalWorkspace } from '../../workspace.js';
import { call, type restApi } from './testing_http.js';
import { type RegistryFixture, startRegistryWorkspace } from './testing_registry.js';
import { signS3Request } from './testing_sigv4.js';

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

describe('S3 storage', () => {
  it('vends scoped temporary credentials and verifies SigV4 on the emulated bucket', async () => {
    ws.mlflow.configure({ modelStorage: 's3' });
    const { name, modelVersion } = await newVersion();
    const bucket = ws.mlflow.storage.s3Bucket;
    expect(modelVersion.storage_location).toMatch(new RegExp(`^s3://${bucket}/`));
    const key = `${modelVersion.storage_location.slice(`s3://${bucket}/`.length)}/model/MLmodel`;
    const response = await temporaryCredentials(name);
    const { credentials } = response.json;
    expect(credentials.storage_mode).toBe('CUSTOMER_HOSTED');
    expect(credentials.expiration_time).toBe(fixture.clock() + 900_000);
    const aws = credentials.aws_temp_credentials;
    expect(aws.access_key_id).toMatch(/^ASIA[A-Z2-7]{16}$/);
    const signed = {
      accessKeyId: aws.access_key_id,
      secretAccessKey: aws.secret_access_key,
      sessionToken: aws.session_token,
    };
    const endpoint = ws.mlflow.storageEnv().AWS_ENDPOINT_URL_S3!;
    expect(endpoint).toBe(ws.host);
    const send = (
      request: ReturnType<typeof signS3Request>,
      body?: string,
      headers: Record<string, string> = {},
    ) =>
      call(ws, request.url, {
        method: request.method,
        headers: { ...request.headers, ...headers },
        body,
      });

    const head = await call(ws, `/${bucket}`, { method: 'HEAD' });
    expect(head.status).toBe(200);
    expect(head.headers['x-amz-bucket-region']).toBe('us-west-2');

    const body = 'flavors:\n  python_function: {}\n';
    const put = signS3Request({
      endpoint,
      method: 'PUT',
      bucket,
      key,
      body,
      region: 'us-west-2',
      credentials: signed,
    });
    const stored = await send(put, body);
    expect(stored.status).toBe(200);
    expect(stored.headers.etag).toMatch(/^"[0-9a-f]{32}"$/);
    expect(ws.mlflow.readFile(`s3://${bucket}/${key}`)?.toString()).toBe(body);

    const unsigned = signS3Request({
      endpoint,
      method: 'PUT',
      bucket,
      key: `${key}.2`,
      body: 'u',
      unsignedPayload: true,
      region: 'us-west-2',
      credentials: signed,
    });
    expect((await send(unsigned, 'u')).status).toBe(200);

    // What recent AWS SDKs send for streams: an aws-chunked body with a checksum trailer.
    const chunked = '5\r\nhello\r\n6\r\n world\r\n0\r\nx-amz-checksum-crc32:DUoRhQ==\r\n\r\n';
    const streaming = signS3Request({
      endpoint,
      method: 'PUT',
      bucket,
      key: `${key}.3`,
      payloadHash: 'STREAMING-UNSIGNED-PAYLOAD-TRAILER',
      extraHeaders: {
        'content-encoding': 'aws-chunked',
        'x-amz-decoded-content-length': '11',
        'x-amz-trailer': 'x-amz-checksum-crc32',
      },
      region: 'us-west-2',
      credentials: signed,
    });
    expect((await send(streaming, chunked)).status).toBe(200);
    expect(ws.mlflow.readFile(`s3://${bucket}/${key}.3`)?.toString()).toBe('hello world');

    const get = signS3Request({
      endpoint,
      method: 'GET',
      bucket,
      key,
      region: 'us-west-2',
      credentials: signed,
    });
    const read = await send(get);
    expect(read.status).toBe(200);
    expect(read.text).toBe(body);

    const prefix = modelVersion.storage_location.slice(`s3://${bucket}/`.length);
    const list = signS3Request({
      endpoint,
      method: 'GET',
      bucket,
      query: { 'list-type': '2', prefix: `${prefix}/` },
      region: 'us-west-2',
      credentials: signed,
    });
    const listed = await send(list);
    expect(listed.status).toBe(200);
    expect(listed.text).toContain(`<Key>${key}</Key>`);
    expect(listed.text).toContain('<KeyCount>3</KeyCount>');

    const wrongRegion = signS3Request({
      endpoint,
      method: 'GET',
      bucket,
      key,
      region: 'eu-west-1',
      credentials: signed,
    });
    const malformed = await send(wrongRegion);
    expect(malformed.status).toBe(400);
    expect(malformed.text).toContain('<Code>AuthorizationHeaderMalformed</Code>');
    expect(malformed.text).toContain('<Region>us-west-2</Region>');

    const wrongToken = signS3Request({
      endpoint,
      method: 'GET',
      bucket,
      key,
      region: 'us-west-2',
      credentials: { ...signed, sessionToken: 'forged' },
    });
    expect((await send(wrongToken)).status).toBe(403);

    const wrongSecret = signS3Request({
      endpoint,
      method: 'GET',
      bucket,
      key,
      region: 'us-west-2',
      credentials: { ...signed, secretAccessKey: 'x'.repeat(40) },
    });
    const mismatch = await send(wrongSecret);
    expect(mismatch.status).toBe(403);
    expect(mismatch.text).toContain('<Code>SignatureDoesNotMatch</Code>');
    expect(mismatch.text).toContain('<CanonicalRequest>');

    const unknownKey = signS3Request({
      endpoint,
      method: 'GET',
      bucket,
      key,
      region: 'us-west-2',
      credentials: { ...signed, accessKeyId: 'ASIAAAAAAAAAAAAAAAAA' },
    });
    expect((await send(unknownKey)).text).toContain('<Code>InvalidAccessKeyId</Code>');

    const outside = signS3Request({
      endpoint,
      method: 'PUT',
      bucket,
      key: 'other/prefix/file',
      body: 'x',
      region: 'us-west-2',
      credentials: signed,
    });
    const denied = await send(outside, 'x');
    expect(denied.status).toBe(403);
    expect(denied.text).toContain('<Code>AccessDenied</Code>');

    const badHash = signS3Request({
      endpoint,
      method: 'PUT',
      bucket,
      key,
      body: 'declared',
      region: 'us-west-2',
      credentials: signed,
    });
    const hashMismatch = await send(badHash, 'different');
    expect(hashMismatch.status).toBe(400);
    expect(hashMismatch.text).toContain('XAmzContentSHA256Mismatch');

    const readOnly = (await temporaryCredentials(name, 'MODEL_VERSION_OPERATION_READ')).json
      .credentials.aws_temp_credentials;
    const readOnlyPut = signS3Request({
      endpoint,
      method: 'PUT',
      bucket,
      key,
      body: 'x',
      region: 'us-west-2',
      credentials: {
        accessKeyId: readOnly.access_key_id,
        secretAccessKey: readOnly.secret_access_key,
        sessionToken: readOnly.session_token,
      },
    });
    expect((await send(readOnlyPut, 'x')).status).toBe(403);

    // A different region setting changes what the bucket expects.
    ws.mlflow.configure({ s3Region: 'eu-central-1' });
    const now = await send(
      signS3Request({
        endpoint,
        method: 'GET',
        bucket,
        key,
        region: 'us-west-2',
        credentials: signed,
      }),
    );
    expect(now.text).toContain('<Region>eu-central-1</Region>');
    ws.mlflow.configure({ s3Region: 'us-west-2' });

    fixture.setClock(fixture.clock() + 901_000);
    const expired = await send(
      signS3Request({
        endpoint,
        method: 'GET',
        bucket,
        key,
        region: 'us-west-2',
        credentials: signed,
      }),
    );
    expect(expired.status).toBe(400);
    expect(expired.text).toContain('<Code>ExpiredToken</Code>');
    fixture.setClock();

    await api.post('/api/2.0/mlflow/unity-catalog/model-versions/finalize', { name, version: '1' });
    const afterFinalize = signS3Request({
      endpoint,
      method: 'PUT',
      bucket,
      key,
      body: 'x',
      region: 'us-west-2',
      credentials: signed,
    });
    expect((await send(afterFinalize, 'x')).status).toBe(403);
    expect(ws.mlflow.modelVersion(name, 1)).toMatchObject({ status: 'READY', storageMode: 's3' });
  });
});

describe('ADLS Gen2 storage', () => {
  it('serves the path API behind the user delegation SAS', async () => {
    ws.mlflow.configure({ modelStorage: 'adls' });
    const { name, modelVersion } = await newVersion();
    const container = ws.mlflow.storage.adlsContainer;
    const authority = new URL(ws.host).host;
    expect(modelVersion.storage_location).toMatch(
      new RegExp(`^abfss://${container}@${authority.replace('.', '\\.')}/`),
    );
    const { credentials } = (await temporaryCredentials(name)).json;
    const sas: string = credentials.azure_user_delegation_sas.sas_token;
    expect(sas).toMatch(/^sv=2023-11-03&sr=d&sp=racwdl&se=[^&]+&sig=/);

    // What a client does: abfss://C@H/P → https://H/C/P, then append the SAS.
    const location = new URL(
      modelVersion.storage_location.replace(/^abfss:\/\/([^@]+)@([^/]+)/, 'https://$2/$1'),
    );
    const file = `${location.href}/MLmodel`;
    expect((await call(ws, `${file}?resource=file&${sas}`, { method: 'PUT' })).status).toBe(201);
    expect(
      (await call(ws, `${file}?action=append&position=0&${sas}`, { method: 'PATCH', body: 'abc' }))
        .status,
    ).toBe(202);
    const wrong = await call(ws, `${file}?action=flush&position=2&${sas}`, { method: 'PATCH' });
    expect(wrong.status).toBe(400);
    expect(wrong.json.error.code).toBe('InvalidFlushPosition');
    expect(
      (await call(ws, `${file}?action=flush&position=3&${sas}`, { method: 'PATCH' })).status,
    ).toBe(200);
    const read = await call(ws, `${file}?${sas}`);
    expect(read.text).toBe('abc');
    expect(ws.mlflow.readFile(`${modelVersion.storage_location}/MLmodel`)?.toString()).toBe('abc');

    const outside = await call(ws, `${ws.host}/${container}/elsewhere/file?resource=file&${sas}`, {
      method: 'PUT',
    });
    expect(outside.status).toBe(403);
    expect(outside.json.error.code).toBe('AuthorizationFailure');
    const tampered = await call(ws, `${file}?${sas.replace('sp=racwdl', 'sp=racwdlx')}`);
    expect(tampered.status).toBe(403);
    expect(tampered.json.error.code).toBe('AuthenticationFailed');
    const anonymous = await call(ws, file);
    expect(anonymous.status).toBe(401);
  });
});

describe('GCS storage', () => {
  it('serves media uploads and reads behind the OAuth token', async () => {
    ws.mlflow.configure({ modelStorage: 'gcs' });
    const { name, modelVersion } = await newVersion();
    const bucket = ws.mlflow.storage.gcsBucket;
    expect(modelVersion.storage_location).toMatch(new RegExp(`^gs://${bucket}/`));
    expect(ws.mlflow.storageEnv().STORAGE_EMULATOR_HOST).toBe(ws.host);
    const { credentials } = (await temporaryCredentials(name)).json;
    const token: string = credentials.gcp_oauth_token.oauth_token;
    expect(token).toMatch(/^ya29\./);
    const object = `${modelVersion.storage_location.slice(`gs://${bucket}/`.length)}/model/MLmodel`;
    const upload = await call(
      ws,
      `/upload/storage/v1/b/${bucket}/o?uploadType=media&name=${encodeURIComponent(object)}`,
      {
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'text/yaml' },
        body: 'gcs: true\n',
      },
    );
    expect(upload.status).toBe(200);
    expect(upload.json).toMatchObject({ kind: 'storage#object', name: object, bucket, size: '10' });
    const read = await call(
      ws,
      `/storage/v1/b/${bucket}/o/${encodeURIComponent(object)}?alt=media`,
      {
        headers: { authorization: `Bearer ${token}` },
      },
    );
    expect(read.status).toBe(200);
    expect(read.text).toBe('gcs: true\n');

    const badToken = await call(
      ws,
      `/storage/v1/b/${bucket}/o/${encodeURIComponent(object)}?alt=media`,
      {
        headers: { authorization: 'Bearer ya29.nope' },
      },
    );
    expect(badToken.status).toBe(401);
    expect(badToken.json.error).toMatchObject({ code: 401, message: 'Invalid Credentials' });
    const outside = await call(
      ws,
      `/upload/storage/v1/b/${bucket}/o?uploadType=media&name=other%2Fx`,
      {
        method: 'POST',
        headers: { authorization: `Bearer ${token}` },
        body: 'x',
      },
    );
    expect(outside.status).toBe(403);
    expect(outside.json.error.errors[0].reason).toBe('forbidden');
  });
});
