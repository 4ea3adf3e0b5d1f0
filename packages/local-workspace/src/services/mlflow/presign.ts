/**
 * Workspace-issued presigned URLs: what `credentials-for-write`/`-read`, the trace data
 * credentials and `/api/2.0/fs/create-upload-url` hand to clients. They point at this listener
 * under `/__cloud/<flavour>/<scheme>/<path>` and carry cloud-looking query authentication, signed
 * with a per-workspace secret, so a client exercises the same code path it would against S3, Azure
 * or GCS (and never needs the workspace token for it):
 * - `aws`: SigV4 query auth (`X-Amz-Algorithm`, `X-Amz-Credential`, ..., `X-Amz-Signature`);
 * - `gcp`: Google V4 HMAC query auth (`X-Goog-Algorithm=GOOG4-HMAC-SHA256`, ..., `X-Goog-Signature`);
 * - `azure-blob` / `azure-adls`: a service SAS (`sv`, `sr`, `sp`, `se`, `sig`).
 * The method is signed for aws/gcp (the canonical request starts with it); for Azure the SAS
 * permissions (`sp=r` to read, `sp=cw` to write) decide which operations pass.
 */
import { createHmac } from 'node:crypto';
import {
  canonicalQuery,
  canonicalRequest,
  canonicalUri,
  credentialScope,
  formatAmzDate,
  parseAmzDate,
  parseCredential,
  type SigningFamily,
  safeDecode,
  sameSignature,
  signatureOf,
  signingKey,
  stringToSign,
  uriEncode,
} from './sigv4.js';
import type { MlflowStore } from './state.js';
import type { ArtifactCredentialType } from './types.js';

export const PRESIGNED_PREFIX = '/__cloud/';

export type PresignedFlavour = 'aws' | 'gcp' | 'azure-blob' | 'azure-adls';

export const FLAVOUR_OF_TYPE: Record<ArtifactCredentialType, PresignedFlavour> = {
  AWS_PRESIGNED_URL: 'aws',
  GCP_SIGNED_URL: 'gcp',
  AZURE_SAS_URI: 'azure-blob',
  AZURE_ADLS_GEN2_SAS_URI: 'azure-adls',
};

/** The access key id of workspace presigned URLs (not a credential any client holds). */
const PRESIGN_KEY_ID = 'AKIALAKECHAINLOCAL01';
/** The `sv` of every SAS the workspace and Unity Catalog hand out. */
export const SAS_VERSION = '2023-11-03';

/** `dbfs:/a/b` → `dbfs/a/b`; `s3://bucket/k` → `s3/bucket/k` (each segment URI-encoded). */
function uriToPath(uri: string): string {
  const match = /^([a-z][a-z0-9+.-]*):\/\/?(.*)$/i.exec(uri);
  if (!match) throw new Error(`Cannot presign '${uri}': not a URI`);
  const [, scheme, rest] = match as unknown as [string, string, string];
  return [scheme, ...rest.split('/')].map((segment) => uriEncode(segment)).join('/');
}

/** Inverse of `uriToPath` from the decoded segments after `/__cloud/<flavour>/`. */
function segmentsToUri(segments: string[]): string | undefined {
  const [scheme, ...rest] = segments;
  if (!scheme || rest.length === 0) return undefined;
  return scheme === 'dbfs' ? `dbfs:/${rest.join('/')}` : `${scheme}://${rest.join('/')}`;
}

/**
 * The `sig` of an emulated SAS: an HMAC over its permissions, expiry, version, resource type and
 * the resource it was issued for (a presigned path, or a Unity Catalog storage prefix).
 */
export function sasSignature(
  secret: Buffer,
  fields: Record<string, string>,
  resource: string,
): string {
  const toSign = [fields.sp, fields.se, resource, fields.sv, fields.sr].join('\n');
  return createHmac('sha256', secret).update(toSign, 'utf8').digest('base64');
}

/** A SAS `se` (ISO 8601 in UTC, whole seconds). */
export function sasExpiry(epochMs: number): string {
  return new Date(epochMs).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

export interface PresignedUrl {
  url: string;
  /** Headers the client must send (Azure blob PUTs need `x-ms-blob-type`). */
  headers: Array<{ name: string; value: string }>;
}

export function presignUrl(
  store: MlflowStore,
  options: { uri: string; method: 'GET' | 'PUT'; type: ArtifactCredentialType },
): PresignedUrl {
  const flavour = FLAVOUR_OF_TYPE[options.type];
  const host = store.host();
  const path = `${PRESIGNED_PREFIX}${flavour}/${uriToPath(options.uri)}`;
  const now = store.now();
  const expiresSeconds = Math.round(store.credentialLifetimeMs / 1000);
  if (flavour === 'azure-blob' || flavour === 'azure-adls') {
    const fields: Record<string, string> = {
      sv: SAS_VERSION,
      spr: 'https',
      se: sasExpiry(now + store.credentialLifetimeMs),
      sr: 'b',
      sp: options.method === 'GET' ? 'r' : 'cw',
    };
    fields.sig = sasSignature(store.signingSecret, fields, safeDecode(path));
    const query = Object.entries(fields)
      .map(([name, value]) => `${name}=${encodeURIComponent(value)}`)
      .join('&');
    const headers =
      flavour === 'azure-blob' && options.method === 'PUT'
        ? [{ name: 'x-ms-blob-type', value: 'BlockBlob' }]
        : [];
    return { url: `${host}${path}?${query}`, headers };
  }
  const family: SigningFamily = flavour === 'gcp' ? 'GOOG4' : 'AWS4';
  const prefix = flavour === 'gcp' ? 'X-Goog' : 'X-Amz';
  const amzDate = formatAmzDate(now);
  const date = amzDate.slice(0, 8);
  const region = flavour === 'gcp' ? 'auto' : store.settings.s3Region;
  const service = flavour === 'gcp' ? 'storage' : 's3';
  const scope = credentialScope(date, region, service, family);
  const params: Array<[string, string]> = [
    [`${prefix}-Algorithm`, `${family}-HMAC-SHA256`],
    [`${prefix}-Credential`, `${PRESIGN_KEY_ID}/${scope}`],
    [`${prefix}-Date`, amzDate],
    [`${prefix}-Expires`, String(expiresSeconds)],
    [`${prefix}-SignedHeaders`, 'host'],
  ];
  const rawQuery = params.map(([name, value]) => `${name}=${uriEncode(value)}`).join('&');
  const canonical = canonicalRequest({
    method: options.method,
    uri: canonicalUri(path),
    query: canonicalQuery(rawQuery),
    headers: { host: new URL(host).host },
    signedHeaders: ['host'],
    payloadHash: 'UNSIGNED-PAYLOAD',
  });
  const signature = signatureOf(
    signingKey(store.signingSecret.toString('hex'), date, region, service, family),
    stringToSign(amzDate, scope, canonical, family),
  );
  return { url: `${host}${path}?${rawQuery}&${prefix}-Signature=${signature}`, headers: [] };
}

export type PresignedCheck =
  | { ok: true; uri: string; flavour: PresignedFlavour; azurePermissions?: string }
  | { ok: false; status: number; code: string; message: string };

const deny = (status: number, code: string, message: string): PresignedCheck => ({
  ok: false,
  status,
  code,
  message,
});

/** Query parameters of a raw query string, decoded, first value wins. */
export function queryParams(rawQuery: string): Record<string, string> {
  const params: Record<string, string> = {};
  for (const part of rawQuery.split('&')) {
    if (part === '') continue;
    const index = part.indexOf('=');
    const name = safeDecode(index === -1 ? part : part.slice(0, index));
    if (name in params) continue;
    params[name] = index === -1 ? '' : safeDecode(part.slice(index + 1));
  }
  return params;
}

/**
 * Checks a request to `/__cloud/...`: the signature (over method, path, host and the signed
 * query parameters for aws/gcp; over path, permissions and expiry for Azure) and the expiry.
 */
export function verifyPresigned(
  store: MlflowStore,
  request: { method: string; rawPath: string; rawQuery: string; host: string },
): PresignedCheck {
  const rest = request.rawPath.slice(PRESIGNED_PREFIX.length).split('/');
  const flavour = rest.shift() as PresignedFlavour;
  const uri = segmentsToUri(rest.map(safeDecode));
  if (!uri || !['aws', 'gcp', 'azure-blob', 'azure-adls'].includes(flavour))
    return deny(400, 'InvalidURI', 'Could not parse the specified URI.');
  const params = queryParams(request.rawQuery);
  const now = store.now();

  if (flavour === 'azure-blob' || flavour === 'azure-adls') {
    const { sv, sr, sp, se, sig } = params;
    if (!sv || !sr || !sp || !se || !sig)
      return deny(
        403,
        'AuthenticationFailed',
        'Server failed to authenticate the request. The SAS token is incomplete (sv, sr, sp, se and sig are required).',
      );
    const expected = sasSignature(
      store.signingSecret,
      { sv, sr, sp, se },
      safeDecode(request.rawPath),
    );
    if (!sameSignature(expected, sig))
      return deny(
        403,
        'AuthenticationFailed',
        'Server failed to authenticate the request. Make sure the value of Authorization header is formed correctly including the signature. Signature did not match.',
      );
    if (Date.parse(se) < now)
      return deny(
        403,
        'AuthenticationFailed',
        `Server failed to authenticate the request. Signed expiry time [${se}] must be after the current time.`,
      );
    return { ok: true, uri, flavour, azurePermissions: sp };
  }

  const family: SigningFamily = flavour === 'gcp' ? 'GOOG4' : 'AWS4';
  const prefix = flavour === 'gcp' ? 'X-Goog' : 'X-Amz';
  const credential = parseCredential(params[`${prefix}-Credential`] ?? '');
  const amzDate = params[`${prefix}-Date`] ?? '';
  const signedAt = parseAmzDate(amzDate);
  const expires = Number(params[`${prefix}-Expires`]);
  const provided = params[`${prefix}-Signature`];
  if (
    params[`${prefix}-Algorithm`] !== `${family}-HMAC-SHA256` ||
    !credential ||
    signedAt === undefined ||
    !Number.isFinite(expires) ||
    !provided
  )
    return deny(
      400,
      'AuthorizationQueryParametersError',
      `Query-string authentication version 4 requires the ${prefix}-Algorithm, ${prefix}-Credential, ${prefix}-Signature, ${prefix}-Date, ${prefix}-SignedHeaders, and ${prefix}-Expires parameters.`,
    );
  if (credential.accessKeyId !== PRESIGN_KEY_ID)
    return deny(
      403,
      'InvalidAccessKeyId',
      'The access key Id you provided does not exist in our records.',
    );
  const signedHeaders = (params[`${prefix}-SignedHeaders`] ?? '').split(';');
  const canonical = canonicalRequest({
    method: request.method,
    uri: canonicalUri(request.rawPath),
    query: canonicalQuery(request.rawQuery, [`${prefix}-Signature`]),
    headers: { host: request.host },
    signedHeaders,
    payloadHash: 'UNSIGNED-PAYLOAD',
  });
  const scope = credentialScope(credential.date, credential.region, credential.service, family);
  const expected = signatureOf(
    signingKey(
      store.signingSecret.toString('hex'),
      credential.date,
      credential.region,
      credential.service,
      family,
    ),
    stringToSign(amzDate, scope, canonical, family),
  );
  if (!sameSignature(expected, provided))
    return deny(
      403,
      'SignatureDoesNotMatch',
      'The request signature we calculated does not match the signature you provided. Check your key and signing method.',
    );
  if (signedAt + expires * 1000 < now) return deny(403, 'AccessDenied', 'Request has expired');
  return { ok: true, uri, flavour };
}
