/**
 * Test support (not exported from the package): a small SigV4 signer for S3 PutObject/GetObject
 * requests, written separately from the emulator's verifier (`sigv4.ts`) so that the tests are a
 * cross-check of two implementations rather than the verifier agreeing with itself.
 */
import { createHash, createHmac } from 'node:crypto';

export interface AwsTestCredentials {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
}

export interface SignedS3Request {
  url: string;
  method: string;
  headers: Record<string, string>;
}

function rfc3986(value: string): string {
  let out = '';
  for (const byte of Buffer.from(value, 'utf8')) {
    const character = String.fromCharCode(byte);
    out += /[A-Za-z0-9\-._~]/.test(character)
      ? character
      : `%${byte.toString(16).toUpperCase().padStart(2, '0')}`;
  }
  return out;
}

const hex = (data: string | Buffer) => createHash('sha256').update(data).digest('hex');
const mac = (key: string | Buffer, data: string) => createHmac('sha256', key).update(data).digest();

/**
 * Signs an S3 path-style request: `endpoint` is `https://host:port`, `key` the object key
 * (unencoded). Signs host, x-amz-content-sha256, x-amz-date and x-amz-security-token.
 */
export function signS3Request(options: {
  endpoint: string;
  method: string;
  bucket: string;
  key?: string;
  query?: Record<string, string>;
  body?: Buffer | string;
  region: string;
  credentials: AwsTestCredentials;
  /** Default now. */
  date?: Date;
  unsignedPayload?: boolean;
  /** Overrides the payload hash (e.g. `STREAMING-UNSIGNED-PAYLOAD-TRAILER`). */
  payloadHash?: string;
  extraHeaders?: Record<string, string>;
}): SignedS3Request {
  const date = options.date ?? new Date();
  const amzDate = date.toISOString().replace(/[-:]/g, '').slice(0, 15).concat('Z');
  const day = amzDate.slice(0, 8);
  const host = new URL(options.endpoint).host;
  const path = `/${options.bucket}${options.key === undefined ? '' : `/${options.key.split('/').map(rfc3986).join('/')}`}`;
  const query = Object.entries(options.query ?? {})
    .map(([name, value]) => [rfc3986(name), rfc3986(value)] as const)
    .sort((a, b) => (a[0] === b[0] ? (a[1] < b[1] ? -1 : 1) : a[0] < b[0] ? -1 : 1))
    .map(([name, value]) => `${name}=${value}`)
    .join('&');
  const payloadHash =
    options.payloadHash ?? (options.unsignedPayload ? 'UNSIGNED-PAYLOAD' : hex(options.body ?? ''));
  const headers: Record<string, string> = {
    host,
    'x-amz-content-sha256': payloadHash,
    'x-amz-date': amzDate,
    ...(options.credentials.sessionToken
      ? { 'x-amz-security-token': options.credentials.sessionToken }
      : {}),
    ...options.extraHeaders,
  };
  const names = Object.keys(headers)
    .map((name) => name.toLowerCase())
    .sort();
  const lowered = Object.fromEntries(
    Object.entries(headers).map(([name, value]) => [name.toLowerCase(), value]),
  );
  const canonical = [
    options.method,
    path,
    query,
    names.map((name) => `${name}:${String(lowered[name]).trim()}\n`).join(''),
    names.join(';'),
    payloadHash,
  ].join('\n');
  const scope = `${day}/${options.region}/s3/aws4_request`;
  const toSign = `AWS4-HMAC-SHA256\n${amzDate}\n${scope}\n${hex(canonical)}`;
  const key = mac(
    mac(mac(mac(`AWS4${options.credentials.secretAccessKey}`, day), options.region), 's3'),
    'aws4_request',
  );
  const signature = createHmac('sha256', key).update(toSign).digest('hex');
  const { host: _host, ...sent } = headers;
  return {
    url: `${options.endpoint}${path}${query ? `?${query}` : ''}`,
    method: options.method,
    headers: {
      ...sent,
      authorization: `AWS4-HMAC-SHA256 Credential=${options.credentials.accessKeyId}/${scope}, SignedHeaders=${names.join(';')}, Signature=${signature}`,
    },
  };
}
