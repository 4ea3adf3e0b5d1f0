import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type LocalWorkspace, startLocalWorkspace } from '../../workspace.js';
import { call, headerObject, restApi } from './testing_http.js';
import type { ArtifactCredentialType } from './types.js';

let ws: LocalWorkspace;
let api: ReturnType<typeof restApi>;
let clock = Date.now();
let runId: string;
let root: string;

beforeAll(async () => {
  ws = await startLocalWorkspace({ catalog: { samples: false }, mlflow: { now: () => clock } });
  api = restApi(ws);
  const experiment = await api.post('/api/2.0/mlflow/experiments/create', {
    name: '/Shared/artifacts',
  });
  const run = await api.post('/api/2.0/mlflow/runs/create', {
    experiment_id: experiment.json.experiment_id,
  });
  runId = run.json.run.info.run_id;
  root = run.json.run.info.artifact_uri;
});
afterAll(async () => {
  await ws?.stop();
});
beforeEach(() => {
  clock = Date.now();
  ws.mlflow.configure({ artifactCredentialType: 'AWS_PRESIGNED_URL' });
});

async function credential(kind: 'write' | 'read', path: string) {
  const response = await api.post(`/api/2.0/mlflow/artifacts/credentials-for-${kind}`, {
    run_id: runId,
    path: [path],
  });
  expect(response.status).toBe(200);
  return response.json.credential_infos[0] as {
    signed_uri: string;
    type: ArtifactCredentialType;
    headers: Array<{ name: string; value: string }>;
  };
}

describe('artifact credential types', () => {
  it.each(['AWS_PRESIGNED_URL', 'GCP_SIGNED_URL'] as const)(
    '%s: plain PUT and GET',
    async (type) => {
      ws.mlflow.configure({ artifactCredentialType: type });
      const write = await credential('write', `${type}/a.bin`);
      expect(write.type).toBe(type);
      expect(write.signed_uri).toMatch(
        type === 'AWS_PRESIGNED_URL' ? /X-Amz-Expires=900.*X-Amz-Signature=/ : /X-Goog-Signature=/,
      );
      const put = await call(ws, write.signed_uri, { method: 'PUT', body: Buffer.from([1, 2, 3]) });
      expect(put.status).toBe(200);
      const read = await credential('read', `${type}/a.bin`);
      const get = await call(ws, read.signed_uri);
      expect(get.status).toBe(200);
      expect([...get.body]).toEqual([1, 2, 3]);
    },
  );

  it('AZURE_SAS_URI: Put Blob needs x-ms-blob-type; Put Block + Put Block List also work', async () => {
    ws.mlflow.configure({ artifactCredentialType: 'AZURE_SAS_URI' });
    const write = await credential('write', 'azure/blob.txt');
    expect(write.signed_uri).toMatch(/\?sv=[^&]+&.*sp=cw.*&sig=/);
    expect(write.headers).toEqual([{ name: 'x-ms-blob-type', value: 'BlockBlob' }]);
    const bare = await call(ws, write.signed_uri, { method: 'PUT', body: 'x' });
    expect(bare.status).toBe(400);
    expect(bare.text).toContain('<Code>MissingRequiredHeader</Code>');
    const put = await call(ws, write.signed_uri, {
      method: 'PUT',
      headers: headerObject(write.headers),
      body: 'blob body',
    });
    expect(put.status).toBe(201);
    expect(ws.mlflow.readFile(`${root}/azure/blob.txt`)?.toString()).toBe('blob body');

    const blocks = await credential('write', 'azure/blocks.txt');
    for (const [id, text] of [
      ['YQ==', 'first '],
      ['Yg==', 'second'],
    ]) {
      const staged = await call(
        ws,
        `${blocks.signed_uri}&comp=block&blockid=${encodeURIComponent(id!)}`,
        {
          method: 'PUT',
          body: text,
        },
      );
      expect(staged.status).toBe(201);
    }
    const committed = await call(ws, `${blocks.signed_uri}&comp=blocklist`, {
      method: 'PUT',
      body: '<?xml version="1.0" encoding="utf-8"?><BlockList><Latest>YQ==</Latest><Latest>Yg==</Latest></BlockList>',
    });
    expect(committed.status).toBe(201);
    const read = await credential('read', 'azure/blocks.txt');
    expect((await call(ws, read.signed_uri)).text).toBe('first second');
    // A read SAS does not allow writes.
    const denied = await call(ws, read.signed_uri, {
      method: 'PUT',
      headers: { 'x-ms-blob-type': 'BlockBlob' },
      body: 'x',
    });
    expect(denied.status).toBe(403);
    expect(denied.text).toContain('AuthorizationPermissionMismatch');
  });

  it('AZURE_ADLS_GEN2_SAS_URI: create, append and flush, with positions checked', async () => {
    ws.mlflow.configure({ artifactCredentialType: 'AZURE_ADLS_GEN2_SAS_URI' });
    const write = await credential('write', 'adls/data.txt');
    expect(write.type).toBe('AZURE_ADLS_GEN2_SAS_URI');
    const url = write.signed_uri;
    expect((await call(ws, `${url}&resource=file`, { method: 'PUT' })).status).toBe(201);
    const append = (position: number, body: string) =>
      call(ws, `${url}&action=append&position=${position}`, { method: 'PATCH', body });
    expect((await append(0, 'hello ')).status).toBe(202);
    expect((await append(6, 'world')).status).toBe(202);
    // Not flushed yet: the file is still empty.
    expect(ws.mlflow.readFile(`${root}/adls/data.txt`)?.length).toBe(0);
    // Flush must land on the end of contiguous appended data.
    const wrongFlush = await call(ws, `${url}&action=flush&position=9`, { method: 'PATCH' });
    expect(wrongFlush.status).toBe(400);
    expect(wrongFlush.json.error.code).toBe('InvalidFlushPosition');
    const flush = await call(ws, `${url}&action=flush&position=11`, { method: 'PATCH' });
    expect(flush.status).toBe(200);
    expect(ws.mlflow.readFile(`${root}/adls/data.txt`)?.toString()).toBe('hello world');
    // Flushed data cannot be appended over.
    const over = await append(3, 'oops');
    expect(over.status).toBe(400);
    expect(over.json.error.code).toBe('InvalidAppendPosition');
    const read = await credential('read', 'adls/data.txt');
    expect((await call(ws, read.signed_uri)).text).toBe('hello world');
  });
});

describe('signed URL hygiene', () => {
  it('rejects a signed URL that also carries an Authorization header', async () => {
    const write = await credential('write', 'leak.txt');
    const leaked = await call(ws, write.signed_uri, {
      method: 'PUT',
      headers: { authorization: `Bearer ${ws.token}` },
      body: 'x',
    });
    expect(leaked.status).toBe(400);
    expect(leaked.text).toContain('<Code>InvalidArgument</Code>');
    expect(leaked.text).toContain('Only one auth mechanism allowed');
    expect(ws.mlflow.readFile(`${root}/leak.txt`)).toBeUndefined();
    const logged = ws.mlflow.storageRequests().at(-1);
    expect(logged).toMatchObject({
      method: 'PUT',
      kind: 'presigned',
      hadAuthorization: true,
      status: 400,
    });
    expect(logged?.url).not.toMatch(/Signature/);

    ws.mlflow.configure({ artifactCredentialType: 'AZURE_ADLS_GEN2_SAS_URI' });
    const sas = await credential('write', 'leak2.txt');
    const leakedSas = await call(ws, `${sas.signed_uri}&resource=file`, {
      method: 'PUT',
      headers: { authorization: `Bearer ${ws.token}` },
    });
    expect(leakedSas.status).toBe(400);
  });

  it('rejects tampered, expired and wrong-method URLs', async () => {
    const write = await credential('write', 'guarded.txt');
    const tampered = write.signed_uri.replace(
      /X-Amz-Signature=([0-9a-f])/,
      (_, first: string) => `X-Amz-Signature=${first === '0' ? '1' : '0'}`,
    );
    const forged = await call(ws, tampered, { method: 'PUT', body: 'x' });
    expect(forged.status).toBe(403);
    expect(forged.text).toContain('<Code>SignatureDoesNotMatch</Code>');
    const otherPath = write.signed_uri.replace('guarded.txt', 'elsewhere.txt');
    expect((await call(ws, otherPath, { method: 'PUT', body: 'x' })).status).toBe(403);

    expect((await call(ws, write.signed_uri, { method: 'PUT', body: 'ok' })).status).toBe(200);
    // The method is signed: a write URL cannot read.
    const readWithWrite = await call(ws, write.signed_uri);
    expect(readWithWrite.status).toBe(403);

    clock += 901_000;
    const expired = await call(ws, write.signed_uri, { method: 'PUT', body: 'late' });
    expect(expired.status).toBe(403);
    expect(expired.text).toContain('Request has expired');
    expect(ws.mlflow.readFile(`${root}/guarded.txt`)?.toString()).toBe('ok');

    ws.mlflow.configure({ artifactCredentialType: 'AZURE_SAS_URI' });
    clock = Date.now();
    const sas = await credential('write', 'guarded-sas.txt');
    const widened = sas.signed_uri.replace('sp=cw', 'sp=rcw');
    const widenedGet = await call(ws, widened);
    expect(widenedGet.status).toBe(403);
    expect(widenedGet.text).toContain('AuthenticationFailed');
  });
});
