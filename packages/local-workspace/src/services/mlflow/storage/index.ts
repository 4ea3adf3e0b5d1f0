/**
 * The cloud storage MLflow clients upload to, emulated on the workspace's own listener. None of
 * these routes take the workspace token: each verifies its own credential, as the real cloud
 * would, and answers errors in that cloud's format (S3 XML, Azure XML/JSON, GCS JSON), because
 * client code branches on them.
 *
 * - `/__cloud/<flavour>/...`: workspace presigned URLs and SAS URIs (see `presign.ts`) for run
 *   artifacts, traces and default-storage model files. Plain PUT/GET for aws and gcp; Azure blob
 *   (`x-ms-blob-type: BlockBlob`, or Put Block + Put Block List); ADLS Gen2 create/append/flush.
 * - `/<s3 bucket>[/<key>]`: an S3 path-style subset (PutObject, GetObject, HeadObject,
 *   DeleteObject, HeadBucket, ListObjectsV2) behind AWS SigV4 with the temporary credentials of
 *   `generate-temporary-credentials`.
 * - `/<adls container>/<path>?<sas>`: the ADLS Gen2 path API behind a user delegation SAS.
 * - `/upload/storage/v1/b/<bucket>/o?uploadType=media&name=...` and
 *   `/[download/]storage/v1/b/<bucket>/o/<name>`: the GCS JSON API behind an OAuth token.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { CloudCredentials } from '../cloud_credentials.js';
import { PRESIGNED_PREFIX, queryParams } from '../presign.js';
import { safeDecode } from '../sigv4.js';
import type { MlflowStore } from '../state.js';
import type { MlflowStorageNames, StorageRequestRecord } from '../types.js';
import { serveAdls } from './azure.js';
import { serveGcs } from './gcs.js';
import { servePresigned } from './presigned.js';
import { serveS3 } from './s3.js';
import type { StorageContext, StorageRequest } from './wire.js';

type Kind = StorageRequestRecord['kind'];

const escapeRegExp = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** The paths of the emulated cloud storage: presigned URLs, the S3 bucket, ADLS and GCS. */
export function storagePathPatterns(names: MlflowStorageNames): RegExp[] {
  return [
    new RegExp(`^${escapeRegExp(PRESIGNED_PREFIX)}`),
    new RegExp(`^/${escapeRegExp(names.s3Bucket)}(?:/|$)`),
    new RegExp(`^/${escapeRegExp(names.adlsContainer)}/`),
    /^\/(?:upload\/|download\/)?storage\/v1\/b\//,
  ];
}

const SENSITIVE_QUERY = new Set([
  'x-amz-signature',
  'x-amz-security-token',
  'x-goog-signature',
  'sig',
]);

/** Path and query with signatures and tokens removed, for the request log. */
function redactedUrl(rawPath: string, rawQuery: string): string {
  const kept = rawQuery
    .split('&')
    .filter(
      (part) =>
        part !== '' && !SENSITIVE_QUERY.has(safeDecode(part.split('=')[0] ?? '').toLowerCase()),
    );
  return kept.length > 0 ? `${rawPath}?${kept.join('&')}` : rawPath;
}

/** Serves one cloud-storage request whose body the listener has read. */
export type StorageHandler = (
  request: IncomingMessage,
  response: ServerResponse,
  body: Buffer,
) => void;

export function createStorageHandler(
  store: MlflowStore,
  credentials: CloudCredentials,
): StorageHandler {
  const names = store.names;
  const context: StorageContext = {
    store,
    credentials,
    names,
    authorityOfHost: () => new URL(store.host()).host,
  };
  return (request, response, body) => {
    const raw = request.url ?? '/';
    const mark = raw.indexOf('?');
    const rawPath = mark === -1 ? raw : raw.slice(0, mark);
    const rawQuery = mark === -1 ? '' : raw.slice(mark + 1);
    const kind: Kind = rawPath.startsWith(PRESIGNED_PREFIX)
      ? 'presigned'
      : rawPath === `/${names.s3Bucket}` || rawPath.startsWith(`/${names.s3Bucket}/`)
        ? 's3'
        : rawPath.startsWith(`/${names.adlsContainer}/`)
          ? 'adls'
          : 'gcs';
    const storageRequest: StorageRequest = {
      method: request.method ?? 'GET',
      rawPath,
      rawQuery,
      params: queryParams(rawQuery),
      headers: request.headers,
      distinctHeaders: request.headersDistinct,
      host: request.headers.host ?? context.authorityOfHost(),
      body,
    };
    if (kind === 'presigned') servePresigned(context, response, storageRequest);
    else if (kind === 's3') serveS3(context, response, storageRequest);
    else if (kind === 'adls') serveAdls(context, response, storageRequest);
    else serveGcs(context, response, storageRequest);
    store.recordStorageRequest({
      method: storageRequest.method,
      url: redactedUrl(rawPath, rawQuery),
      kind,
      hadAuthorization: request.headers.authorization !== undefined,
      status: response.statusCode,
    });
  };
}
