/**
 * AWS Signature Version 4, the server side: canonical request, string to sign, signing key and
 * the parsing of `Authorization: AWS4-HMAC-SHA256 ...`. Written from the AWS SigV4 specification
 * with node:crypto only. The same code (with the `GOOG4` prefix) signs the GCS-flavoured presigned
 * URLs, since Google's V4 HMAC signing is the same algorithm under other names.
 *
 * S3 flavour: the canonical URI is the path URI-encoded ONCE (other AWS services encode twice),
 * so callers pass the decoded path and this module encodes it.
 */
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';

/** `AWS4` for AWS, `GOOG4` for Google Cloud Storage HMAC signing. */
export type SigningFamily = 'AWS4' | 'GOOG4';

export const EMPTY_SHA256 = 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855';

export function sha256Hex(data: string | Buffer): string {
  return createHash('sha256').update(data).digest('hex');
}

function hmac(key: string | Buffer, data: string): Buffer {
  return createHmac('sha256', key).update(data, 'utf8').digest();
}

/**
 * RFC 3986 encoding as SigV4 wants it: unreserved characters (A-Z a-z 0-9 - . _ ~) stay, every
 * other UTF-8 byte becomes %XX in upper case. `encodeURIComponent` leaves `!'()*` alone, which
 * SigV4 does not, hence the extra pass.
 */
export function uriEncode(value: string, encodeSlash = true): string {
  const encoded = encodeURIComponent(value).replace(
    /[!'()*]/g,
    (character) => `%${character.charCodeAt(0).toString(16).toUpperCase()}`,
  );
  return encodeSlash ? encoded : encoded.replace(/%2F/g, '/');
}

/** Percent-decoding that leaves malformed escapes as they are instead of throwing. */
export function safeDecode(value: string): string {
  try {
    return decodeURIComponent(value);
  } catch {
    return value;
  }
}

/** The canonical URI of an S3 request from its raw (as sent) path: decode, then encode once. */
export function canonicalUri(rawPath: string): string {
  const path = rawPath === '' ? '/' : rawPath;
  return path
    .split('/')
    .map((segment) => uriEncode(safeDecode(segment)))
    .join('/');
}

/**
 * The canonical query string from a raw query (without `?`): every parameter decoded and
 * re-encoded, sorted by name then value, `name=value` joined with `&`. `+` is a literal plus here,
 * not a space (SigV4 clients encode spaces as %20). Parameters named in `exclude` (the signature
 * itself, for presigned URLs) are left out.
 */
export function canonicalQuery(rawQuery: string, exclude: readonly string[] = []): string {
  const pairs: Array<[string, string]> = [];
  for (const part of rawQuery.split('&')) {
    if (part === '') continue;
    const index = part.indexOf('=');
    const name = safeDecode(index === -1 ? part : part.slice(0, index));
    const value = index === -1 ? '' : safeDecode(part.slice(index + 1));
    if (exclude.includes(name)) continue;
    pairs.push([uriEncode(name), uriEncode(value)]);
  }
  pairs.sort(([nameA, valueA], [nameB, valueB]) =>
    nameA < nameB ? -1 : nameA > nameB ? 1 : valueA < valueB ? -1 : valueA > valueB ? 1 : 0,
  );
  return pairs.map(([name, value]) => `${name}=${value}`).join('&');
}

/**
 * `name:value\n` per signed header: names lower case, each value trimmed with inner runs of
 * spaces collapsed. A header sent on several lines (an array, as `IncomingMessage.headersDistinct`
 * gives it) is its trimmed values joined by `,` with no space, as SigV4 signers do; Node's
 * `request.headers` would join them with `, ` and break such signatures.
 */
export function canonicalHeaders(
  headers: Record<string, string | string[] | undefined>,
  signedHeaders: readonly string[],
): string {
  const trimAll = (value: string) => value.trim().replace(/\s+/g, ' ');
  const lower: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value === undefined) continue;
    lower[name.toLowerCase()] = Array.isArray(value)
      ? value.map(trimAll).join(',')
      : trimAll(value);
  }
  return signedHeaders.map((name) => `${name}:${lower[name] ?? ''}\n`).join('');
}

export interface CanonicalRequestParts {
  method: string;
  /** Already canonical (see `canonicalUri`). */
  uri: string;
  /** Already canonical (see `canonicalQuery`). */
  query: string;
  headers: Record<string, string | string[] | undefined>;
  /** Lower-case names, sorted. */
  signedHeaders: readonly string[];
  /** Hex SHA-256 of the body, or `UNSIGNED-PAYLOAD` (or a STREAMING-* marker). */
  payloadHash: string;
}

export function canonicalRequest(parts: CanonicalRequestParts): string {
  return [
    parts.method.toUpperCase(),
    parts.uri,
    parts.query,
    canonicalHeaders(parts.headers, parts.signedHeaders),
    parts.signedHeaders.join(';'),
    parts.payloadHash,
  ].join('\n');
}

/** `<date>/<region>/<service>/aws4_request` (or `goog4_request`). */
export function credentialScope(
  date: string,
  region: string,
  service: string,
  family: SigningFamily = 'AWS4',
): string {
  return `${date}/${region}/${service}/${family.toLowerCase()}_request`;
}

export function stringToSign(
  amzDate: string,
  scope: string,
  canonical: string,
  family: SigningFamily = 'AWS4',
): string {
  return [`${family}-HMAC-SHA256`, amzDate, scope, sha256Hex(canonical)].join('\n');
}

export function signingKey(
  secret: string,
  date: string,
  region: string,
  service: string,
  family: SigningFamily = 'AWS4',
): Buffer {
  const dateKey = hmac(`${family}${secret}`, date);
  const regionKey = hmac(dateKey, region);
  const serviceKey = hmac(regionKey, service);
  return hmac(serviceKey, `${family.toLowerCase()}_request`);
}

export function signatureOf(key: Buffer, toSign: string): string {
  return createHmac('sha256', key).update(toSign, 'utf8').digest('hex');
}

/** Constant-time comparison of two hex (or any ASCII) strings. */
export function sameSignature(expected: string, provided: string): boolean {
  const a = Buffer.from(expected);
  const b = Buffer.from(provided);
  return a.length === b.length && timingSafeEqual(a, b);
}

export interface ParsedCredential {
  accessKeyId: string;
  date: string;
  region: string;
  service: string;
  terminator: string;
}

/** `AKID/20150830/us-east-1/s3/aws4_request` → its parts; undefined when not five parts. */
export function parseCredential(value: string): ParsedCredential | undefined {
  const parts = value.split('/');
  if (parts.length !== 5 || parts.some((part) => part === '')) return undefined;
  const [accessKeyId, date, region, service, terminator] = parts as [
    string,
    string,
    string,
    string,
    string,
  ];
  return { accessKeyId, date, region, service, terminator };
}

export interface ParsedAuthorization {
  algorithm: string;
  credential: ParsedCredential;
  signedHeaders: string[];
  signature: string;
}

/**
 * Parses `AWS4-HMAC-SHA256 Credential=..., SignedHeaders=a;b, Signature=hex`. Returns a string
 * describing what is wrong when the header is not well formed.
 */
export function parseAuthorization(header: string): ParsedAuthorization | string {
  const trimmed = header.trim();
  const space = trimmed.indexOf(' ');
  if (space === -1) return 'The authorization header has no algorithm and fields.';
  const algorithm = trimmed.slice(0, space);
  const fields: Record<string, string> = {};
  for (const field of trimmed.slice(space + 1).split(',')) {
    const index = field.indexOf('=');
    if (index === -1) continue;
    fields[field.slice(0, index).trim()] = field.slice(index + 1).trim();
  }
  const { Credential: credential, SignedHeaders: signed, Signature: signature } = fields;
  if (!credential || !signed || !signature)
    return 'The authorization header must have Credential, SignedHeaders and Signature.';
  const parsed = parseCredential(credential);
  if (!parsed)
    return `The authorization header is malformed; the Credential is mal-formed; expecting "<YOUR-AKID>/YYYYMMDD/REGION/SERVICE/aws4_request".`;
  return {
    algorithm,
    credential: parsed,
    signedHeaders: signed.split(';').map((name) => name.trim().toLowerCase()),
    signature,
  };
}

/** `20150830T123600Z` ↔ epoch ms. */
export function formatAmzDate(epochMs: number): string {
  return new Date(epochMs)
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d{3}/, '');
}

export function parseAmzDate(value: string): number | undefined {
  const match = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(value);
  if (!match) return undefined;
  const [, year, month, day, hour, minute, second] = match.map(Number) as number[];
  return Date.UTC(year!, month! - 1, day!, hour, minute, second);
}
