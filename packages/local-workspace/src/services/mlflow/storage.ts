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
import { createHash, randomBytes } from 'node:crypto';
import type { IncomingHttpHeaders, IncomingMessage, ServerResponse } from 'node:http';
import type { CloudCredentials, IssuedCredential } from './cloud_credentials.js';
import { PRESIGNED_PREFIX, queryParams, verifyPresigned } from './presign.js';
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
} from './sigv4.js';
import type { MlflowStore, StoredFile } from './state.js';
import type { MlflowStorageNames, StorageRequestRecord } from './types.js';

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

interface StorageRequest {
  method: string;
  rawPath: string;
  rawQuery: string;
  params: Record<string, string>;
  headers: IncomingHttpHeaders;
  /** Every header as the list of its lines (for SigV4, which joins repeated lines with `,`). */
  distinctHeaders: Record<string, string[] | undefined>;
  host: string;
  body: Buffer;
}

// --- error bodies in each cloud's format ---------------------------------------------------------

function xmlEscape(value: string): string {
  return value.replace(
    /[<>&'"]/g,
    (character) =>
      ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', "'": '&apos;', '"': '&quot;' })[character] ??
      character,
  );
}

function send(
  response: ServerResponse,
  status: number,
  body: string | Buffer,
  headers: Record<string, string | number> = {},
  omitBody = false,
): void {
  if (response.headersSent || response.destroyed) return;
  const payload = typeof body === 'string' ? Buffer.from(body) : body;
  response.writeHead(status, { 'content-length': payload.length, ...headers });
  response.end(omitBody ? undefined : payload);
}

/** S3 (and the GCS XML API, and Azure Blob) error: `<Error><Code>..</Code><Message>..</Message>...</Error>`. */
function sendXmlError(
  response: ServerResponse,
  status: number,
  code: string,
  message: string,
  extra: Record<string, string> = {},
  headers: Record<string, string> = {},
): void {
  const fields = Object.entries(extra)
    .map(([name, value]) => `<${name}>${xmlEscape(value)}</${name}>`)
    .join('');
  const body = `<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>${code}</Code><Message>${xmlEscape(message)}</Message>${fields}<RequestId>${randomBytes(8).toString('hex').toUpperCase()}</RequestId></Error>`;
  send(response, status, body, { 'content-type': 'application/xml', ...headers });
}

/** ADLS Gen2 (dfs endpoint) error: JSON, with the code also in `x-ms-error-code`. */
function sendAdlsError(response: ServerResponse, status: number, code: string, message: string) {
  const body = JSON.stringify({ error: { code, message } });
  send(response, status, body, { 'content-type': 'application/json', 'x-ms-error-code': code });
}

function sendBlobError(
  response: ServerResponse,
  status: number,
  code: string,
  message: string,
  extra: Record<string, string> = {},
) {
  sendXmlError(response, status, code, message, extra, { 'x-ms-error-code': code });
}

/** GCS JSON API error: `{"error": {"code", "message", "errors": [{message, domain, reason}]}}`. */
function sendGcsError(response: ServerResponse, status: number, reason: string, message: string) {
  const body = JSON.stringify({
    error: { code: status, message, errors: [{ message, domain: 'global', reason }] },
  });
  send(response, status, body, {
    'content-type': 'application/json; charset=UTF-8',
    ...(status === 401
      ? { 'www-authenticate': 'Bearer realm="https://accounts.google.com/"' }
      : {}),
  });
}

const md5 = (data: Buffer) => createHash('md5').update(data).digest();
const etagOf = (file: StoredFile) => `"${md5(file.data).toString('hex')}"`;

function fileHeaders(file: StoredFile): Record<string, string | number> {
  return {
    'content-type': file.contentType ?? 'application/octet-stream',
    etag: etagOf(file),
    'last-modified': new Date(file.lastModified).toUTCString(),
  };
}

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
  const authorityOfHost = () => new URL(store.host()).host;

  // --- operations shared by several front doors ------------------------------------------------

  /** S3-like object operations (S3 API and the aws/gcp presigned URLs). */
  const objectOperation = (
    response: ServerResponse,
    request: StorageRequest,
    uri: string,
    options: { canWrite: boolean; key: string; body?: Buffer },
  ) => {
    const file = store.files.get(uri);
    switch (request.method) {
      case 'PUT': {
        if (!options.canWrite || !store.writable(uri))
          return sendXmlError(response, 403, 'AccessDenied', 'Access Denied');
        const stored = store.putFile(
          uri,
          options.body ?? request.body,
          request.headers['content-type'],
        );
        return send(response, 200, '', { etag: etagOf(stored) });
      }
      case 'GET':
      case 'HEAD':
        if (!file)
          return request.method === 'HEAD'
            ? send(response, 404, '', {}, true)
            : sendXmlError(response, 404, 'NoSuchKey', 'The specified key does not exist.', {
                Key: options.key,
              });
        return send(response, 200, file.data, fileHeaders(file), request.method === 'HEAD');
      case 'DELETE':
        if (!options.canWrite || !store.writable(uri))
          return sendXmlError(response, 403, 'AccessDenied', 'Access Denied');
        store.files.delete(uri);
        return send(response, 204, '');
      default:
        return sendXmlError(
          response,
          405,
          'MethodNotAllowed',
          'The specified method is not allowed against this resource.',
        );
    }
  };

  const azureDenied = (response: ServerResponse, dialect: 'blob' | 'adls') =>
    (dialect === 'blob' ? sendBlobError : sendAdlsError)(
      response,
      403,
      'AuthorizationPermissionMismatch',
      'This request is not authorized to perform this operation using this permission.',
    );

  /** Azure Blob service: Put Blob, Put Block, Put Block List, Get Blob. */
  const blobOperation = (
    response: ServerResponse,
    request: StorageRequest,
    uri: string,
    permissions: string,
  ) => {
    const comp = request.params.comp;
    if (request.method === 'PUT') {
      if (!/[cw]/.test(permissions) || !store.writable(uri)) return azureDenied(response, 'blob');
      if (comp === 'block') {
        const blockId = request.params.blockid;
        if (!blockId)
          return sendBlobError(
            response,
            400,
            'MissingRequiredQueryParameter',
            'A query parameter that is mandatory for this request is not specified.',
            { QueryParameterName: 'blockid' },
          );
        let staged = store.blocks.get(uri);
        if (!staged) {
          staged = new Map();
          store.blocks.set(uri, staged);
        }
        staged.set(blockId, request.body);
        return send(response, 201, '');
      }
      if (comp === 'blocklist') {
        const staged = store.blocks.get(uri) ?? new Map<string, Buffer>();
        const ids = [
          ...request.body
            .toString('utf8')
            .matchAll(
              /<(?:Latest|Uncommitted|Committed)>([^<]*)<\/(?:Latest|Uncommitted|Committed)>/g,
            ),
        ].map((match) => match[1] ?? '');
        const parts: Buffer[] = [];
        for (const id of ids) {
          const block = staged.get(id);
          if (!block)
            return sendBlobError(
              response,
              400,
              'InvalidBlockList',
              'The specified block list is invalid.',
            );
          parts.push(block);
        }
        store.blocks.delete(uri);
        const stored = store.putFile(
          uri,
          Buffer.concat(parts),
          request.headers['x-ms-blob-content-type'] as string | undefined,
        );
        return send(response, 201, '', { etag: etagOf(stored) });
      }
      if (request.headers['x-ms-blob-type'] !== 'BlockBlob')
        return sendBlobError(
          response,
          400,
          'MissingRequiredHeader',
          "An HTTP header that's mandatory for this request is not specified.",
          { HeaderName: 'x-ms-blob-type' },
        );
      const stored = store.putFile(uri, request.body, request.headers['content-type']);
      return send(response, 201, '', { etag: etagOf(stored) });
    }
    if (request.method === 'GET' || request.method === 'HEAD') {
      if (!permissions.includes('r')) return azureDenied(response, 'blob');
      const file = store.files.get(uri);
      if (!file)
        return request.method === 'HEAD'
          ? send(response, 404, '', { 'x-ms-error-code': 'BlobNotFound' }, true)
          : sendBlobError(response, 404, 'BlobNotFound', 'The specified blob does not exist.');
      return send(
        response,
        200,
        file.data,
        { ...fileHeaders(file), 'x-ms-blob-type': 'BlockBlob' },
        request.method === 'HEAD',
      );
    }
    return sendBlobError(
      response,
      405,
      'UnsupportedHttpVerb',
      "The resource doesn't support the specified HTTP verb.",
    );
  };

  /** ADLS Gen2 path API: create (PUT resource=file), append, flush, read, delete. */
  const adlsOperation = (
    response: ServerResponse,
    request: StorageRequest,
    uri: string,
    permissions: string,
  ) => {
    const { resource, action } = request.params;
    const file = store.files.get(uri);
    const canWrite = /[cw]/.test(permissions) && store.writable(uri);
    if (request.method === 'PUT' && (resource === 'file' || resource === 'directory')) {
      if (!canWrite) return azureDenied(response, 'adls');
      if (resource === 'file') {
        store.putFile(
          uri,
          Buffer.alloc(0),
          request.headers['x-ms-content-type'] as string | undefined,
        );
        store.pending.delete(uri);
      }
      return send(response, 201, '', { 'x-ms-request-server-encrypted': 'true' });
    }
    if (request.method === 'PATCH' && (action === 'append' || action === 'flush')) {
      if (!permissions.includes('w') || !store.writable(uri)) return azureDenied(response, 'adls');
      if (!file)
        return sendAdlsError(response, 404, 'PathNotFound', 'The specified path does not exist.');
      const raw = request.params.position;
      const position = raw !== undefined && /^\d+$/.test(raw) ? Number(raw) : Number.NaN;
      const pending = store.pendingWrites(uri);
      const committed = file.data.length;
      if (action === 'append') {
        // Appends may arrive in parallel or be replayed; only flush checks contiguity.
        if (!Number.isSafeInteger(position) || position < committed)
          return sendAdlsError(
            response,
            400,
            'InvalidAppendPosition',
            `The append position ${raw ?? '(missing)'} is before the end of the flushed data (${committed} bytes).`,
          );
        pending.chunks.set(position, request.body);
        return send(response, 202, '');
      }
      // Flush: the appended data must cover [committed, position) without gaps.
      const parts: Buffer[] = [file.data];
      let cursor = committed;
      while (Number.isSafeInteger(position) && cursor < position) {
        const chunk = pending.chunks.get(cursor);
        if (!chunk || chunk.length === 0) break;
        parts.push(chunk);
        cursor += chunk.length;
      }
      if (!Number.isSafeInteger(position) || cursor !== position)
        return sendAdlsError(
          response,
          400,
          'InvalidFlushPosition',
          'The uploaded data is not contiguous or the position query parameter value is not equal to the length of the file after appending the uploaded data.',
        );
      const stored = store.putFile(
        uri,
        Buffer.concat(parts),
        (request.headers['x-ms-content-type'] as string | undefined) ?? file.contentType,
      );
      // Appended data past the flush position is dropped unless the client asks to keep it.
      if (request.params.retainUncommittedData === 'true')
        for (const [at, chunk] of pending.chunks)
          if (at >= position) store.pendingWrites(uri).chunks.set(at, chunk);
      return send(response, 200, '', { etag: etagOf(stored) });
    }
    if (request.method === 'GET' || request.method === 'HEAD') {
      if (!permissions.includes('r')) return azureDenied(response, 'adls');
      if (!file)
        return request.method === 'HEAD'
          ? send(response, 404, '', { 'x-ms-error-code': 'PathNotFound' }, true)
          : sendAdlsError(response, 404, 'PathNotFound', 'The specified path does not exist.');
      return send(
        response,
        200,
        file.data,
        { ...fileHeaders(file), 'x-ms-resource-type': 'file' },
        request.method === 'HEAD',
      );
    }
    if (request.method === 'DELETE') {
      if (!permissions.includes('d') || !store.writable(uri)) return azureDenied(response, 'adls');
      if (!file)
        return sendAdlsError(response, 404, 'PathNotFound', 'The specified path does not exist.');
      store.files.delete(uri);
      store.pending.delete(uri);
      return send(response, 200, '');
    }
    return sendAdlsError(
      response,
      400,
      'UnsupportedRestVersion',
      `The local ADLS Gen2 emulation does not implement ${request.method} with ${resource ? `resource=${resource}` : action ? `action=${action}` : 'these parameters'}; it serves create (PUT ?resource=file), append, flush, GET, HEAD and DELETE.`,
    );
  };

  // --- front doors -----------------------------------------------------------------------------

  const servePresigned = (response: ServerResponse, request: StorageRequest) => {
    const flavour = request.rawPath.slice(PRESIGNED_PREFIX.length).split('/')[0];
    const fail = (
      status: number,
      code: string,
      message: string,
      extra: Record<string, string> = {},
    ) =>
      flavour === 'azure-adls'
        ? sendAdlsError(response, status, code, message)
        : flavour === 'azure-blob'
          ? sendBlobError(response, status, code, message, extra)
          : sendXmlError(response, status, code, message, extra);
    // A signed URL is a complete credential: a client that also sends Authorization (its
    // workspace token, say) is leaking it to cloud storage. S3 refuses such requests.
    if (request.headers.authorization !== undefined)
      return flavour === 'azure-adls' || flavour === 'azure-blob'
        ? fail(
            400,
            'InvalidAuthenticationInfo',
            'Authentication information is not given in the correct format: a request must not carry both a SAS token and an Authorization header.',
          )
        : fail(
            400,
            'InvalidArgument',
            'Only one auth mechanism allowed; only the X-Amz-Algorithm query parameter, Signature query string parameter or the Authorization header should be specified',
            { ArgumentName: 'Authorization' },
          );
    const check = verifyPresigned(store, request);
    if (!check.ok) return fail(check.status, check.code, check.message);
    const key = check.uri;
    if (check.flavour === 'azure-blob')
      return blobOperation(response, request, check.uri, check.azurePermissions ?? '');
    if (check.flavour === 'azure-adls')
      return adlsOperation(response, request, check.uri, check.azurePermissions ?? '');
    if (request.method !== 'GET' && request.method !== 'PUT' && request.method !== 'HEAD')
      return fail(
        405,
        'MethodNotAllowed',
        'The specified method is not allowed against this resource.',
      );
    return objectOperation(response, request, check.uri, { canWrite: true, key });
  };

  /** SigV4 (header or query auth) against the issued temporary credentials. */
  const verifyS3 = (
    response: ServerResponse,
    request: StorageRequest,
  ): { credential: IssuedCredential; body: Buffer } | undefined => {
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
  };

  const serveS3 = (response: ServerResponse, request: StorageRequest) => {
    const segments = request.rawPath.split('/').slice(2).map(safeDecode);
    const key = segments.join('/');
    const region = store.settings.s3Region;
    // HeadBucket answers the region to anyone, as S3 does: SDKs use it to find the bucket's region.
    if (key === '' && request.method === 'HEAD')
      return send(response, 200, '', { 'x-amz-bucket-region': region }, true);
    const verified = verifyS3(response, request);
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
    return objectOperation(response, request, uri, {
      canWrite: credential.write,
      key,
      body,
    });
  };

  const serveAdls = (response: ServerResponse, request: StorageRequest) => {
    const path = request.rawPath.split('/').slice(2).map(safeDecode).join('/');
    const uri = `abfss://${names.adlsContainer}@${authorityOfHost()}/${path}`;
    if (request.headers.authorization !== undefined && request.params.sig !== undefined)
      return sendAdlsError(
        response,
        400,
        'InvalidAuthenticationInfo',
        'Authentication information is not given in the correct format: a request must not carry both a SAS token and an Authorization header.',
      );
    if (request.params.sig === undefined)
      return sendAdlsError(
        response,
        401,
        'NoAuthenticationInformation',
        'Server failed to authenticate the request. Please refer to the information in the www-authenticate header.',
      );
    const found = credentials.lookupSas(request.params);
    if (!found.ok)
      return sendAdlsError(
        response,
        403,
        'AuthenticationFailed',
        `Server failed to authenticate the request. ${found.reason}`,
      );
    if (found.credential.expiresAt < store.now())
      return sendAdlsError(
        response,
        403,
        'AuthenticationFailed',
        `Server failed to authenticate the request. Signed expiry time [${request.params.se}] must be after the current time.`,
      );
    if (!uri.startsWith(found.credential.prefix))
      return sendAdlsError(
        response,
        403,
        'AuthorizationFailure',
        'This request is not authorized to perform this operation.',
      );
    return adlsOperation(response, request, uri, found.permissions);
  };

  const gcsObjectResource = (bucket: string, name: string, file: StoredFile) => {
    const generation = String(file.lastModified * 1000);
    return {
      kind: 'storage#object',
      id: `${bucket}/${name}/${generation}`,
      selfLink: `${store.host()}/storage/v1/b/${bucket}/o/${encodeURIComponent(name)}`,
      mediaLink: `${store.host()}/download/storage/v1/b/${bucket}/o/${encodeURIComponent(name)}?generation=${generation}&alt=media`,
      name,
      bucket,
      generation,
      metageneration: '1',
      contentType: file.contentType ?? 'application/octet-stream',
      storageClass: 'STANDARD',
      size: String(file.data.length),
      md5Hash: md5(file.data).toString('base64'),
      etag: md5(file.data).toString('base64'),
      timeCreated: new Date(file.lastModified).toISOString(),
      updated: new Date(file.lastModified).toISOString(),
    };
  };

  const serveGcs = (response: ServerResponse, request: StorageRequest) => {
    const upload = /^\/upload\/storage\/v1\/b\/([^/]+)\/o\/?$/.exec(request.rawPath);
    const object = /^\/(?:download\/)?storage\/v1\/b\/([^/]+)\/o\/(.+)$/.exec(request.rawPath);
    const bucket = safeDecode((upload ?? object)?.[1] ?? '');
    if (!upload && !object)
      return sendGcsError(
        response,
        404,
        'notFound',
        `The local GCS emulation serves media uploads and object reads only, not ${request.method} ${request.rawPath}.`,
      );
    if (bucket !== names.gcsBucket)
      return sendGcsError(response, 404, 'notFound', 'The specified bucket does not exist.');
    const header = request.headers.authorization;
    const token = /^Bearer\s+(\S+)$/i.exec(header ?? '')?.[1];
    if (!token)
      return sendGcsError(
        response,
        401,
        'required',
        'Anonymous caller does not have storage.objects.get access to the Google Cloud Storage object.',
      );
    const credential = credentials.gcs.get(token);
    if (!credential || credential.expiresAt < store.now())
      return sendGcsError(response, 401, 'authError', 'Invalid Credentials');
    if (upload) {
      if (request.method !== 'POST')
        return sendGcsError(response, 405, 'methodNotAllowed', 'Use POST to upload objects.');
      if (request.params.uploadType !== 'media')
        return sendGcsError(
          response,
          400,
          'invalid',
          `uploadType=${request.params.uploadType ?? '(missing)'} is not supported by the local GCS emulation; use uploadType=media.`,
        );
      const name = request.params.name;
      if (!name) return sendGcsError(response, 400, 'required', 'Required parameter: name');
      const uri = `gs://${bucket}/${name}`;
      if (!uri.startsWith(credential.prefix) || !credential.write || !store.writable(uri))
        return sendGcsError(
          response,
          403,
          'forbidden',
          `The caller does not have storage.objects.create access to the Google Cloud Storage object. Permission 'storage.objects.create' denied on resource (or it may not exist).`,
        );
      const stored = store.putFile(uri, request.body, request.headers['content-type']);
      return send(response, 200, JSON.stringify(gcsObjectResource(bucket, name, stored)), {
        'content-type': 'application/json; charset=UTF-8',
      });
    }
    const name = safeDecode(object?.[2] ?? '');
    const uri = `gs://${bucket}/${name}`;
    if (request.method !== 'GET')
      return sendGcsError(response, 405, 'methodNotAllowed', 'Only GET is served for objects.');
    if (!uri.startsWith(credential.prefix))
      return sendGcsError(
        response,
        403,
        'forbidden',
        `The caller does not have storage.objects.get access to the Google Cloud Storage object. Permission 'storage.objects.get' denied on resource (or it may not exist).`,
      );
    const file = store.files.get(uri);
    if (!file) return sendGcsError(response, 404, 'notFound', `No such object: ${bucket}/${name}`);
    if (request.params.alt === 'media' || request.rawPath.startsWith('/download/'))
      return send(response, 200, file.data, fileHeaders(file));
    return send(response, 200, JSON.stringify(gcsObjectResource(bucket, name, file)), {
      'content-type': 'application/json; charset=UTF-8',
    });
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
      host: request.headers.host ?? authorityOfHost(),
      body,
    };
    if (kind === 'presigned') servePresigned(response, storageRequest);
    else if (kind === 's3') serveS3(response, storageRequest);
    else if (kind === 'adls') serveAdls(response, storageRequest);
    else serveGcs(response, storageRequest);
    store.recordStorageRequest({
      method: storageRequest.method,
      url: redactedUrl(rawPath, rawQuery),
      kind,
      hadAuthorization: request.headers.authorization !== undefined,
      status: response.statusCode,
    });
  };
}
