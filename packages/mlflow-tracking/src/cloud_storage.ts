/**
 * Uploads to the cloud object storage behind a Databricks workspace. Databricks never proxies
 * artifact bytes: it hands out either a signed URL per file (run artifacts, `traces.json`, default
 * storage) or temporary cloud credentials for a whole prefix (Unity Catalog model versions on
 * customer-hosted storage). Every request here goes through core's transport WITHOUT workspace
 * credentials (`StorageSend`), so a workspace token can never reach a bucket.
 *
 * Protocols, as MLflow's Python client speaks them:
 * - signed URLs (`ArtifactCredentialInfo`): AWS/GCP `PUT`; Azure Blob `PUT` with
 *   `x-ms-blob-type: BlockBlob`; ADLS Gen2 create (`PUT ?resource=file`), append
 *   (`PATCH ?action=append&position=0`), flush (`PATCH ?action=flush&position=<length>`).
 * - temporary credentials (`TemporaryCredentials`): S3 PutObject signed with AWS Signature V4
 *   (aws4fetch: small, dependency-free, WebCrypto; the AWS SDK would add megabytes for one call);
 *   ADLS Gen2 with the user-delegation SAS; GCS JSON-API media upload with the OAuth token.
 *   `AWS_ENDPOINT_URL_S3` / `AWS_ENDPOINT_URL` and `STORAGE_EMULATOR_HOST` redirect S3 and GCS the
 *   way the AWS SDKs and Google's client libraries do (S3-compatible stores, emulators).
 */
import { createHash } from 'node:crypto';
import type { HttpMethod, HttpResponse } from '@lakechain/core';
import { DatabricksApiError } from '@lakechain/core';
import { AwsV4Signer } from 'aws4fetch';
import { MlflowArtifactError } from './errors.js';
import { defaultEnv } from './tracking_uri.js';

/** One request to cloud storage: core's transport, no workspace auth attached. */
export type StorageSend = (request: {
  method: HttpMethod;
  url: string;
  body?: string | Uint8Array;
  headers?: Record<string, string>;
}) => Promise<HttpResponse>;

export type ArtifactCredentialType =
  | 'AWS_PRESIGNED_URL'
  | 'GCP_SIGNED_URL'
  | 'AZURE_SAS_URI'
  | 'AZURE_ADLS_GEN2_SAS_URI';

/** `ArtifactCredentialInfo` of `databricks_artifacts.proto`. */
export interface ArtifactCredentialInfo {
  signed_uri: string;
  headers?: { name: string; value: string }[];
  type?: ArtifactCredentialType | string;
  path?: string;
  run_id?: string;
}

/** `TemporaryCredentials` of the Unity Catalog model registry (one credential is set). */
export interface TemporaryCredentials {
  expiration_time?: number;
  storage_mode?: 'STORAGE_MODE_UNSPECIFIED' | 'CUSTOMER_HOSTED' | 'DEFAULT_STORAGE' | string;
  aws_temp_credentials?: {
    access_key_id: string;
    secret_access_key: string;
    session_token?: string;
  };
  azure_user_delegation_sas?: { sas_token: string };
  gcp_oauth_token?: { oauth_token: string };
  r2_temp_credentials?: {
    access_key_id: string;
    secret_access_key: string;
    session_token?: string;
  };
  encryption_details?: {
    sse_encryption_details?: { algorithm?: string; aws_kms_key_arn?: string };
  };
}

const toBytes = (body: string | Uint8Array): Uint8Array =>
  typeof body === 'string' ? new TextEncoder().encode(body) : body;

function headerRecord(headers: { name: string; value: string }[] | undefined) {
  const out: Record<string, string> = {};
  for (const header of headers ?? []) out[header.name] = header.value;
  return out;
}

/**
 * Appends query parameters to a URL that already carries a SAS or signature query. Appended as
 * text: re-serialising the signed query (URLSearchParams) could change how its values are encoded.
 */
function withQuery(url: string, params: Record<string, string | number>): string {
  const extra = Object.entries(params)
    .map(([key, value]) => `${encodeURIComponent(key)}=${encodeURIComponent(String(value))}`)
    .join('&');
  const hash = url.indexOf('#');
  const base = hash >= 0 ? url.slice(0, hash) : url;
  return `${base}${base.includes('?') ? (base.endsWith('?') || base.endsWith('&') ? '' : '&') : '?'}${extra}`;
}

/** ADLS Gen2 path API: create the file, append the bytes, flush (commit) at their length. */
async function adlsGen2Upload(
  send: StorageSend,
  fileUrl: string,
  body: string | Uint8Array,
  headers: Record<string, string> = {},
): Promise<void> {
  const bytes = toBytes(body);
  await send({ method: 'PUT', url: withQuery(fileUrl, { resource: 'file' }), headers });
  if (bytes.byteLength > 0)
    await send({
      method: 'PATCH',
      url: withQuery(fileUrl, { action: 'append', position: 0 }),
      body: bytes,
      headers: { ...headers, 'Content-Type': 'application/octet-stream' },
    });
  await send({
    method: 'PATCH',
    url: withQuery(fileUrl, { action: 'flush', position: bytes.byteLength }),
    headers,
  });
}

/** Uploads one file to a signed URL handed out by `credentials-for-write`, traces or files APIs. */
export async function uploadWithCredential(
  send: StorageSend,
  credential: ArtifactCredentialInfo,
  body: string | Uint8Array,
): Promise<void> {
  const headers = headerRecord(credential.headers);
  switch (credential.type) {
    case 'AZURE_ADLS_GEN2_SAS_URI':
      await adlsGen2Upload(send, credential.signed_uri, body, headers);
      return;
    case 'AZURE_SAS_URI':
      await send({
        method: 'PUT',
        url: credential.signed_uri,
        body,
        headers: { ...headers, 'x-ms-blob-type': 'BlockBlob' },
      });
      return;
    default:
      // AWS_PRESIGNED_URL, GCP_SIGNED_URL, and the typeless URLs of /api/2.0/fs/create-upload-url.
      await send({ method: 'PUT', url: credential.signed_uri, body, headers });
  }
}

/** `scheme://authority/path` split the way cloud storage locations are written. */
function parseLocation(location: string): { scheme: string; authority: string; path: string } {
  const match = /^([a-z0-9]+):\/\/([^/]+)(\/.*)?$/i.exec(location.trim());
  if (!match?.[1] || !match[2])
    throw new MlflowArtifactError(`Unrecognised storage location "${location}".`);
  return {
    scheme: match[1].toLowerCase(),
    authority: match[2],
    path: (match[3] ?? '').replace(/^\/+|\/+$/g, ''),
  };
}

/**
 * A `/`-separated object path with each segment percent-encoded as RFC 3986 wants (also
 * `!'()*`, which `encodeURIComponent` leaves alone but SigV4 canonicalisation encodes). The one
 * path encoder of this package: `dropEmpty` for proxy routes, kept segments for object keys.
 */
export function encodePathSegments(path: string, options: { dropEmpty?: boolean } = {}): string {
  return path
    .split('/')
    .filter((segment) => !options.dropEmpty || segment !== '')
    .map((segment) =>
      encodeURIComponent(segment).replace(
        /[!'()*]/g,
        (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`,
      ),
    )
    .join('/');
}

const encodeKey = (key: string) => encodePathSegments(key);

/**
 * `prefix/relative`. `.` and `..` segments are refused: URL parsing would resolve them and the
 * file would be stored (and signed) under another key than the one meant.
 */
function joinKey(prefix: string, relative: string): string {
  const trimmed = relative.replace(/^\/+/, '');
  if (trimmed.split('/').some((segment) => segment === '.' || segment === '..'))
    throw new MlflowArtifactError(
      `Refusing the relative path "${relative}": it has . or .. segments.`,
    );
  return [prefix, trimmed].filter(Boolean).join('/');
}

export interface StorageLocationUpload {
  /** `s3://bucket/prefix`, `abfss://container@account.dfs.core.windows.net/prefix`, `gs://bucket/prefix`. */
  storageLocation: string;
  credentials: TemporaryCredentials;
  /** Path under the storage location. */
  relativePath: string;
  body: string | Uint8Array;
  contentType?: string;
  /** Environment for endpoint overrides and the AWS region (default `process.env`). */
  env?: Readonly<Record<string, string | undefined>>;
  /** Bucket → region learnt from S3's redirects, shared across the files of one upload. */
  regionCache?: Map<string, string>;
}

/** Uploads one file under a storage location with the temporary credentials issued for it. */
export async function uploadToStorageLocation(
  send: StorageSend,
  upload: StorageLocationUpload,
): Promise<void> {
  const { credentials } = upload;
  const location = parseLocation(upload.storageLocation);
  const contentType = upload.contentType ?? 'application/octet-stream';
  if (credentials.aws_temp_credentials) {
    if (location.scheme !== 's3' && location.scheme !== 's3a')
      throw new MlflowArtifactError(
        `AWS credentials were issued for "${upload.storageLocation}", which is not an s3:// location.`,
      );
    await s3PutObject(send, upload, location, contentType);
    return;
  }
  if (credentials.azure_user_delegation_sas) {
    if (location.scheme !== 'abfss' && location.scheme !== 'abfs')
      throw new MlflowArtifactError(
        `Azure credentials were issued for "${upload.storageLocation}", which is not an abfss:// location.`,
      );
    // abfss://<container>@<account host>/<path> → https://<account host>/<container>/<path>
    const at = location.authority.indexOf('@');
    if (at <= 0)
      throw new MlflowArtifactError(
        `Expected abfss://<container>@<account>.dfs.core.windows.net/... , got "${upload.storageLocation}".`,
      );
    const container = location.authority.slice(0, at);
    const host = location.authority.slice(at + 1);
    const key = joinKey(location.path, upload.relativePath);
    const sas = credentials.azure_user_delegation_sas.sas_token.replace(/^\?/, '');
    const url = `https://${host}/${encodeURIComponent(container)}/${encodeKey(key)}?${sas}`;
    await adlsGen2Upload(send, url, upload.body);
    return;
  }
  if (credentials.gcp_oauth_token) {
    if (location.scheme !== 'gs')
      throw new MlflowArtifactError(
        `GCP credentials were issued for "${upload.storageLocation}", which is not a gs:// location.`,
      );
    const env = upload.env ?? defaultEnv();
    const emulator = env.STORAGE_EMULATOR_HOST?.trim();
    const base = emulator
      ? /^https?:\/\//.test(emulator)
        ? emulator.replace(/\/+$/, '')
        : `http://${emulator.replace(/\/+$/, '')}`
      : 'https://storage.googleapis.com';
    const name = joinKey(location.path, upload.relativePath);
    await send({
      method: 'POST',
      url: `${base}/upload/storage/v1/b/${encodeURIComponent(location.authority)}/o?uploadType=media&name=${encodeURIComponent(name)}`,
      body: upload.body,
      headers: {
        Authorization: `Bearer ${credentials.gcp_oauth_token.oauth_token}`,
        'Content-Type': contentType,
      },
    });
    return;
  }
  if (credentials.r2_temp_credentials)
    throw new MlflowArtifactError(
      'This workspace stores models on Cloudflare R2, which @lakechain/mlflow-tracking does not support yet.',
    );
  throw new MlflowArtifactError(
    `Databricks issued no cloud credential for "${upload.storageLocation}" (storage mode ${credentials.storage_mode ?? 'unspecified'}).`,
  );
}

/**
 * The bucket's region from S3's wrong-region answers: `<Region>` (a signature scoped to another
 * region), or the regional host in `<Endpoint>` (`PermanentRedirect` from a regional endpoint).
 */
function regionFromError(error: unknown): string | undefined {
  if (!DatabricksApiError.isInstance(error)) return undefined;
  if (
    error.errorCode !== 'AuthorizationHeaderMalformed' &&
    error.errorCode !== 'PermanentRedirect' &&
    error.errorCode !== 'IllegalLocationConstraintException'
  )
    return undefined;
  const details = error.details as Record<string, unknown> | undefined;
  const region = details?.Region;
  if (typeof region === 'string' && /^[a-z0-9-]+$/.test(region)) return region;
  const endpoint = details?.Endpoint;
  const match =
    typeof endpoint === 'string'
      ? /(?:^|\.)s3[.-]([a-z0-9-]+)\.amazonaws\.com$/.exec(endpoint)
      : null;
  return match?.[1] && match[1] !== 'external-1' ? match[1] : undefined;
}

async function s3PutObject(
  send: StorageSend,
  upload: StorageLocationUpload,
  location: { authority: string; path: string },
  contentType: string,
): Promise<void> {
  const aws = upload.credentials.aws_temp_credentials;
  if (!aws) return;
  const env = upload.env ?? defaultEnv();
  const bucket = location.authority;
  const key = joinKey(location.path, upload.relativePath);
  const endpoint = (env.AWS_ENDPOINT_URL_S3 ?? env.AWS_ENDPOINT_URL)?.trim().replace(/\/+$/, '');
  const bytes = toBytes(upload.body);
  const sha256 = createHash('sha256').update(bytes).digest('hex');
  const sse = upload.credentials.encryption_details?.sse_encryption_details;
  const sseHeaders: Record<string, string> =
    sse?.algorithm === 'AWS_SSE_KMS'
      ? {
          'x-amz-server-side-encryption': 'aws:kms',
          ...(sse.aws_kms_key_arn
            ? {
                'x-amz-server-side-encryption-aws-kms-key-id':
                  sse.aws_kms_key_arn.split('/').pop() ?? '',
              }
            : {}),
        }
      : sse?.algorithm === 'AWS_SSE_S3'
        ? { 'x-amz-server-side-encryption': 'AES256' }
        : {};

  const put = async (region: string | undefined) => {
    // With a known region, the regional endpoint; otherwise the global one, which answers a
    // wrong-region signature with the bucket's region (learnt below, then cached). Virtual-hosted
    // style, except for buckets with dots, which the `*.s3` certificate does not cover.
    const host = `s3.${region ? `${region}.` : ''}amazonaws.com`;
    const url = endpoint
      ? `${endpoint}/${encodeURIComponent(bucket)}/${encodeKey(key)}`
      : bucket.includes('.')
        ? `https://${host}/${encodeURIComponent(bucket)}/${encodeKey(key)}`
        : `https://${bucket}.${host}/${encodeKey(key)}`;
    const signer = new AwsV4Signer({
      method: 'PUT',
      url,
      headers: { 'x-amz-content-sha256': sha256, ...sseHeaders },
      body: bytes,
      accessKeyId: aws.access_key_id,
      secretAccessKey: aws.secret_access_key,
      sessionToken: aws.session_token || undefined,
      service: 's3',
      region: region ?? 'us-east-1',
    });
    const signed = await signer.sign();
    const headers: Record<string, string> = { 'Content-Type': contentType };
    signed.headers.forEach((value, name) => {
      headers[name] = value;
    });
    await send({ method: 'PUT', url: signed.url.toString(), body: bytes, headers });
  };

  const cached = upload.regionCache?.get(bucket);
  const first = cached ?? env.AWS_REGION ?? env.AWS_DEFAULT_REGION;
  try {
    await put(first);
  } catch (error) {
    const region = regionFromError(error);
    if (!region || region === first) throw error;
    upload.regionCache?.set(bucket, region);
    await put(region);
  }
}
