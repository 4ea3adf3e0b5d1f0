/** An S3 path-style subset behind AWS SigV4 with the temporary credentials the workspace issued. */
import type { ServerResponse } from 'node:http';
import type { IssuedCredential } from '../cloud_credentials.js';
import {
  canonicalQuery,
  canonicalRequest,
  canonicalUri,
  credentialScope,
  type ParsedCredential,
  parseAmzDate,
  parseAuthorization,
  parseCredential,
  safeDecode,
  sameSignature,
  sha256Hex,
  signatureOf,
  signingKey,
  stringToSign,
} from '../sigv4.js';
import type { StoredFile } from '../state.js';
import { objectOperation } from './objects.js';
import {
  etagOf,
  type StorageContext,
  type StorageRequest,
  send,
  sendXmlError,
  xmlEscape,
} from './wire.js';

/**
 * Decodes an `aws-chunked` body (`<hex size>[;chunk-signature=..]\r\n<data>\r\n ... 0\r\n<trailers>`).
 * Sizes must be plain hex digits: `parseInt` alone would take `-6` or `0x5`, and a negative size
 * walks the offset backwards into an endless loop.
 */
function decodeAwsChunked(body: Buffer): Buffer | undefined {
  const parts: Buffer[] = [];
  let offset = 0;
  for (;;) {
    const lineEnd = body.indexOf('\r\n', offset);
    if (lineEnd === -1) return undefined;
    const sizeText = body.subarray(offset, lineEnd).toString('latin1').split(';')[0] ?? '';
    if (!/^[0-9a-fA-F]{1,12}$/.test(sizeText)) return undefined;
    const size = Number.parseInt(sizeText, 16);
    offset = lineEnd + 2;
    if (size === 0) return Buffer.concat(parts);
    if (offset + size + 2 > body.length) return undefined;
    if (body[offset + size] !== 0x0d || body[offset + size + 1] !== 0x0a) return undefined;
    parts.push(body.subarray(offset, offset + size));
    offset += size + 2;
  }
}

/** SigV4 (header or query auth) against the issued temporary credentials. */
export function verifyS3(
  context: StorageContext,
  response: ServerResponse,
  request: StorageRequest,
): { credential: IssuedCredential; body: Buffer } | undefined {
  const { store, credentials } = context;
  const header = request.headers.authorization;
  const queryAuth = request.params['X-Amz-Algorithm'] !== undefined;
  if (header !== undefined && queryAuth) {
    sendXmlError(
      response,
      400,
      'InvalidArgument',
      'Only one auth mechanism allowed; only the X-Amz-Algorithm query parameter, Signature query string parameter or the Authorization header should be specified',
      { ArgumentName: 'Authorization' },
    );
    return undefined;
  }
  let algorithm: string;
  let scope: ParsedCredential | undefined;
  let signedHeaders: string[];
  let provided: string;
  let amzDate: string;
  let sessionToken: string | undefined;
  let payloadHash: string;
  let query: string;
  let presignedExpiry: number | undefined;
  if (queryAuth) {
    algorithm = request.params['X-Amz-Algorithm'] ?? '';
    scope = parseCredential(request.params['X-Amz-Credential'] ?? '');
    signedHeaders = (request.params['X-Amz-SignedHeaders'] ?? '').split(';');
    provided = request.params['X-Amz-Signature'] ?? '';
    amzDate = request.params['X-Amz-Date'] ?? '';
    sessionToken = request.params['X-Amz-Security-Token'];
    payloadHash = 'UNSIGNED-PAYLOAD';
    query = canonicalQuery(request.rawQuery, ['X-Amz-Signature']);
    const expires = Number(request.params['X-Amz-Expires']);
    const signedAt = parseAmzDate(amzDate);
    if (!scope || !provided || signedAt === undefined || !Number.isFinite(expires)) {
      sendXmlError(
        response,
        400,
        'AuthorizationQueryParametersError',
        'Query-string authentication version 4 requires the X-Amz-Algorithm, X-Amz-Credential, X-Amz-Signature, X-Amz-Date, X-Amz-SignedHeaders, and X-Amz-Expires parameters.',
      );
      return undefined;
    }
    presignedExpiry = signedAt + expires * 1000;
  } else {
    if (header === undefined) {
      sendXmlError(response, 403, 'AccessDenied', 'Access Denied');
      return undefined;
    }
    const parsed = parseAuthorization(header);
    if (typeof parsed === 'string') {
      sendXmlError(response, 400, 'AuthorizationHeaderMalformed', parsed);
      return undefined;
    }
    algorithm = parsed.algorithm;
    scope = parsed.credential;
    signedHeaders = parsed.signedHeaders;
    provided = parsed.signature;
    amzDate = String(request.headers['x-amz-date'] ?? '');
    sessionToken = request.headers['x-amz-security-token'] as string | undefined;
    const contentHash = request.headers['x-amz-content-sha256'];
    if (typeof contentHash !== 'string') {
      sendXmlError(
        response,
        400,
        'InvalidRequest',
        'Missing required header for this request: x-amz-content-sha256',
      );
      return undefined;
    }
    payloadHash = contentHash;
    query = canonicalQuery(request.rawQuery);
  }
  if (algorithm !== 'AWS4-HMAC-SHA256') {
    sendXmlError(response, 400, 'InvalidArgument', 'Unsupported Authorization Type', {
      ArgumentName: 'Authorization',
      ArgumentValue: algorithm,
    });
    return undefined;
  }
  const credential = credentials.s3.get(scope.accessKeyId);
  if (!credential) {
    sendXmlError(
      response,
      403,
      'InvalidAccessKeyId',
      'The AWS Access Key Id you provided does not exist in our records.',
      { AWSAccessKeyId: scope.accessKeyId },
    );
    return undefined;
  }
  const region = store.settings.s3Region;
  if (scope.region !== region) {
    sendXmlError(
      response,
      400,
      'AuthorizationHeaderMalformed',
      `The authorization header is malformed; the region '${scope.region}' is wrong; expecting '${region}'`,
      { Region: region },
      { 'x-amz-bucket-region': region },
    );
    return undefined;
  }
  if (scope.service !== 's3' || scope.terminator !== 'aws4_request') {
    sendXmlError(
      response,
      400,
      'AuthorizationHeaderMalformed',
      `The authorization header is malformed; incorrect service '${scope.service}' or terminator '${scope.terminator}'; expecting 's3' and 'aws4_request'.`,
    );
    return undefined;
  }
  if (parseAmzDate(amzDate) === undefined) {
    sendXmlError(
      response,
      403,
      'AccessDenied',
      'AWS authentication requires a valid Date or x-amz-date header',
    );
    return undefined;
  }
  if (amzDate.slice(0, 8) !== scope.date) {
    sendXmlError(
      response,
      400,
      'AuthorizationHeaderMalformed',
      `The authorization header is malformed; Invalid credential date "${scope.date}". This date is not the same as X-Amz-Date: "${amzDate.slice(0, 8)}".`,
    );
    return undefined;
  }
  if (!signedHeaders.includes('host')) {
    sendXmlError(response, 403, 'AccessDenied', 'The host header must be signed.');
    return undefined;
  }
  const unsigned = Object.keys(request.headers).filter(
    (name) => name.startsWith('x-amz-') && !signedHeaders.includes(name),
  );
  if (!queryAuth && unsigned.length > 0) {
    sendXmlError(
      response,
      403,
      'AccessDenied',
      'There were headers present in the request which were not signed',
      { HeadersNotSigned: unsigned.join(', ') },
    );
    return undefined;
  }
  if (sessionToken !== credential.sessionToken) {
    sendXmlError(
      response,
      403,
      'InvalidToken',
      'The provided token is malformed or otherwise invalid.',
    );
    return undefined;
  }
  const canonical = canonicalRequest({
    method: request.method,
    uri: canonicalUri(request.rawPath),
    query,
    headers: { ...request.distinctHeaders, host: request.host },
    signedHeaders,
    payloadHash,
  });
  const toSign = stringToSign(
    amzDate,
    credentialScope(scope.date, scope.region, scope.service),
    canonical,
  );
  const expected = signatureOf(
    signingKey(credential.secretAccessKey, scope.date, scope.region, scope.service),
    toSign,
  );
  if (!sameSignature(expected, provided)) {
    sendXmlError(
      response,
      403,
      'SignatureDoesNotMatch',
      'The request signature we calculated does not match the signature you provided. Check your key and signing method.',
      {
        AWSAccessKeyId: scope.accessKeyId,
        StringToSign: toSign,
        SignatureProvided: provided,
        CanonicalRequest: canonical,
      },
    );
    return undefined;
  }
  const now = store.now();
  if (credential.expiresAt < now) {
    sendXmlError(response, 400, 'ExpiredToken', 'The provided token has expired.');
    return undefined;
  }
  if (presignedExpiry !== undefined && presignedExpiry < now) {
    sendXmlError(response, 403, 'AccessDenied', 'Request has expired');
    return undefined;
  }
  let body = request.body;
  if (/^[0-9a-f]{64}$/.test(payloadHash)) {
    const computed = sha256Hex(body);
    if (computed !== payloadHash) {
      sendXmlError(
        response,
        400,
        'XAmzContentSHA256Mismatch',
        "The provided 'x-amz-content-sha256' header does not match what was computed.",
        { ClientComputedContentSHA256: payloadHash, S3ComputedContentSHA256: computed },
      );
      return undefined;
    }
  } else if (payloadHash.startsWith('STREAMING-')) {
    // aws-chunked bodies: the chunks are decoded; per-chunk signatures are not checked.
    const decoded = decodeAwsChunked(body);
    if (!decoded) {
      sendXmlError(response, 400, 'IncompleteBody', 'The aws-chunked request body is malformed.');
      return undefined;
    }
    body = decoded;
  } else if (payloadHash !== 'UNSIGNED-PAYLOAD') {
    sendXmlError(
      response,
      400,
      'InvalidArgument',
      'x-amz-content-sha256 must be UNSIGNED-PAYLOAD, STREAMING-UNSIGNED-PAYLOAD-TRAILER, STREAMING-AWS4-HMAC-SHA256-PAYLOAD or a valid sha256 value.',
      { ArgumentName: 'x-amz-content-sha256', ArgumentValue: payloadHash },
    );
    return undefined;
  }
  return { credential, body };
}

export function serveS3(
  context: StorageContext,
  response: ServerResponse,
  request: StorageRequest,
) {
  const { store, names } = context;
  const segments = request.rawPath.split('/').slice(2).map(safeDecode);
  const key = segments.join('/');
  const region = store.settings.s3Region;
  // HeadBucket answers the region to anyone, as S3 does: SDKs use it to find the bucket's region.
  if (key === '' && request.method === 'HEAD')
    return send(response, 200, '', { 'x-amz-bucket-region': region }, true);
  const verified = verifyS3(context, response, request);
  if (!verified) return;
  const { credential, body } = verified;
  const bucketUri = `s3://${names.s3Bucket}/`;
  if (key === '') {
    if (request.method !== 'GET')
      return sendXmlError(
        response,
        405,
        'MethodNotAllowed',
        'The specified method is not allowed against this resource.',
      );
    const prefix = request.params.prefix ?? '';
    if (
      !`${bucketUri}${prefix}`.startsWith(credential.prefix) &&
      `${bucketUri}${prefix}/` !== credential.prefix
    )
      return sendXmlError(response, 403, 'AccessDenied', 'Access Denied');
    const delimiter = request.params.delimiter;
    const keys = [...store.files.keys()]
      .filter((uri) => uri.startsWith(`${bucketUri}${prefix}`))
      .map((uri) => uri.slice(bucketUri.length))
      .sort();
    const contents: string[] = [];
    const common = new Set<string>();
    for (const candidate of keys) {
      const rest = candidate.slice(prefix.length);
      const cut = delimiter ? rest.indexOf(delimiter) : -1;
      if (delimiter && cut !== -1) {
        common.add(prefix + rest.slice(0, cut + delimiter.length));
        continue;
      }
      const file = store.files.get(`${bucketUri}${candidate}`) as StoredFile;
      contents.push(
        `<Contents><Key>${xmlEscape(candidate)}</Key><LastModified>${new Date(file.lastModified).toISOString()}</LastModified><ETag>${xmlEscape(etagOf(file))}</ETag><Size>${file.data.length}</Size><StorageClass>STANDARD</StorageClass></Contents>`,
      );
    }
    const prefixes = [...common]
      .map((value) => `<CommonPrefixes><Prefix>${xmlEscape(value)}</Prefix></CommonPrefixes>`)
      .join('');
    const xml = `<?xml version="1.0" encoding="UTF-8"?>\n<ListBucketResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><Name>${names.s3Bucket}</Name><Prefix>${xmlEscape(prefix)}</Prefix><KeyCount>${contents.length + common.size}</KeyCount><MaxKeys>1000</MaxKeys>${delimiter ? `<Delimiter>${xmlEscape(delimiter)}</Delimiter>` : ''}<IsTruncated>false</IsTruncated>${contents.join('')}${prefixes}</ListBucketResult>`;
    return send(response, 200, xml, { 'content-type': 'application/xml' });
  }
  const uri = `${bucketUri}${key}`;
  if (!uri.startsWith(credential.prefix))
    return sendXmlError(response, 403, 'AccessDenied', 'Access Denied');
  return objectOperation(context, response, request, uri, {
    canWrite: credential.write,
    key,
    body,
  });
}
