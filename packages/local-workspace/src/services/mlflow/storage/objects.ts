/** S3-like object operations, shared by the S3 API and the aws/gcp presigned URLs. */
import type { ServerResponse } from 'node:http';
import {
  etagOf,
  fileHeaders,
  type StorageContext,
  type StorageRequest,
  send,
  sendXmlError,
} from './wire.js';

/** S3-like object operations (S3 API and the aws/gcp presigned URLs). */
export function objectOperation(
  context: StorageContext,
  response: ServerResponse,
  request: StorageRequest,
  uri: string,
  options: { canWrite: boolean; key: string; body?: Buffer },
) {
  const { store } = context;
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
}
