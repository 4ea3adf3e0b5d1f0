/** Azure: the Blob service and the ADLS Gen2 path API (SAS-authorised). */
import type { ServerResponse } from 'node:http';
import { safeDecode } from '../sigv4.js';
import {
  etagOf,
  fileHeaders,
  type StorageContext,
  type StorageRequest,
  send,
  sendAdlsError,
  sendBlobError,
} from './wire.js';

export function azureDenied(response: ServerResponse, dialect: 'blob' | 'adls') {
  return (dialect === 'blob' ? sendBlobError : sendAdlsError)(
    response,
    403,
    'AuthorizationPermissionMismatch',
    'This request is not authorized to perform this operation using this permission.',
  );
}

/** Azure Blob service: Put Blob, Put Block, Put Block List, Get Blob. */
export function blobOperation(
  context: StorageContext,
  response: ServerResponse,
  request: StorageRequest,
  uri: string,
  permissions: string,
) {
  const { store } = context;
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
}

/** ADLS Gen2 path API: create (PUT resource=file), append, flush, read, delete. */
export function adlsOperation(
  context: StorageContext,
  response: ServerResponse,
  request: StorageRequest,
  uri: string,
  permissions: string,
) {
  const { store } = context;
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
}

export function serveAdls(
  context: StorageContext,
  response: ServerResponse,
  request: StorageRequest,
) {
  const { store, credentials, names, authorityOfHost } = context;
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
  return adlsOperation(context, response, request, uri, found.permissions);
}
