/**
 * Request shapes for cloud storage that the local workspace cannot show: real AWS host names,
 * wrong-region redirects, dotted buckets, SAS queries kept byte for byte. The protocols themselves
 * are exercised end to end against @lakechain/local-workspace in databricks.int.test.ts.
 */
import { DatabricksApiError, type HttpResponse } from '@lakechain/core';
import { describe, expect, it } from 'vitest';
import {
  encodePathSegments,
  type StorageSend,
  uploadToStorageLocation,
  uploadWithCredential,
} from './cloud_storage.js';
import { MlflowArtifactError } from './errors.js';

function recorder(fail?: (url: string, index: number) => Error | undefined) {
  const sent: { method: string; url: string; headers: Record<string, string> }[] = [];
  const send: StorageSend = async (request) => {
    sent.push({ method: request.method, url: request.url, headers: request.headers ?? {} });
    const error = fail?.(request.url, sent.length - 1);
    if (error) throw error;
    return { status: 200 } as HttpResponse;
  };
  return { sent, send };
}

const aws = {
  aws_temp_credentials: {
    access_key_id: 'ASIAEXAMPLE',
    secret_access_key: 's',
    session_token: 't',
  },
};

const s3Error = (errorCode: string, details: Record<string, string>) =>
  new DatabricksApiError(`HTTP 301 ${errorCode}`, { statusCode: 301, errorCode, details });

describe('S3 uploads with temporary credentials', () => {
  it('learns the region from a PermanentRedirect endpoint and retries there', async () => {
    const { sent, send } = recorder((_url, i) =>
      i === 0
        ? s3Error('PermanentRedirect', { Endpoint: 'bucket-a.s3.eu-west-1.amazonaws.com' })
        : undefined,
    );
    const regionCache = new Map<string, string>();
    await uploadToStorageLocation(send, {
      storageLocation: 's3://bucket-a/models/v1',
      credentials: aws,
      relativePath: 'MLmodel',
      body: 'x',
      env: { AWS_REGION: 'us-east-1' },
      regionCache,
    });
    expect(sent.map((r) => r.url)).toEqual([
      'https://bucket-a.s3.us-east-1.amazonaws.com/models/v1/MLmodel',
      'https://bucket-a.s3.eu-west-1.amazonaws.com/models/v1/MLmodel',
    ]);
    expect(sent[1]?.headers.authorization).toMatch(/\/eu-west-1\/s3\/aws4_request/);
    expect(sent[1]?.headers['x-amz-security-token']).toBe('t');
    expect(regionCache.get('bucket-a')).toBe('eu-west-1');
  });

  it('uses path style for buckets with dots (the *.s3 certificate does not cover them)', async () => {
    const { sent, send } = recorder();
    await uploadToStorageLocation(send, {
      storageLocation: 's3://my.bucket/p',
      credentials: aws,
      relativePath: "a b/it's.json",
      body: '{}',
      env: { AWS_REGION: 'us-west-2' },
    });
    expect(sent[0]?.url).toBe('https://s3.us-west-2.amazonaws.com/my.bucket/p/a%20b/it%27s.json');
  });

  it('refuses . and .. segments instead of storing the file under another key', async () => {
    const { sent, send } = recorder();
    const error = await uploadToStorageLocation(send, {
      storageLocation: 's3://b/p',
      credentials: aws,
      relativePath: '../escape.json',
      body: '{}',
      env: {},
    }).catch((e: unknown) => e);
    expect(MlflowArtifactError.isInstance(error)).toBe(true);
    expect(sent).toEqual([]);
  });
});

describe('signed URLs', () => {
  it('ADLS Gen2 appends its steps to the SAS query without re-encoding it', async () => {
    const { sent, send } = recorder();
    const sas =
      'https://acct.dfs.core.windows.net/c/f.json?sv=2023-11-03&se=2026-11-24T03%3A00%3A00Z&sig=a%2Bb%3D&rscd=a%20b';
    await uploadWithCredential(send, { type: 'AZURE_ADLS_GEN2_SAS_URI', signed_uri: sas }, 'abc');
    expect(sent.map((r) => `${r.method} ${r.url}`)).toEqual([
      `PUT ${sas}&resource=file`,
      `PATCH ${sas}&action=append&position=0`,
      `PATCH ${sas}&action=flush&position=3`,
    ]);
  });

  it('Azure Blob SAS gets x-ms-blob-type; no credential type is a plain PUT', async () => {
    const { sent, send } = recorder();
    await uploadWithCredential(
      send,
      { type: 'AZURE_SAS_URI', signed_uri: 'https://a/b?sig=1' },
      'x',
    );
    await uploadWithCredential(send, { signed_uri: 'https://c/d?X-Amz-Signature=2' }, 'x');
    expect(sent[0]?.headers['x-ms-blob-type']).toBe('BlockBlob');
    expect(sent[1]).toMatchObject({ method: 'PUT', headers: {} });
  });
});

describe('encodePathSegments', () => {
  it('encodes each segment like SigV4 does and keeps or drops empty ones', () => {
    expect(encodePathSegments("a b/(x)!*'/ü")).toBe('a%20b/%28x%29%21%2A%27/%C3%BC');
    expect(encodePathSegments('/a//b/', { dropEmpty: true })).toBe('a/b');
    expect(encodePathSegments('a//b')).toBe('a//b');
  });
});
