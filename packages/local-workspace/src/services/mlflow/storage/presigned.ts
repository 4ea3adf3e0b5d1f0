/** Workspace presigned URLs and SAS URIs (`/__cloud/<flavour>/...`, see `../presign.ts`). */
import type { ServerResponse } from 'node:http';
import { PRESIGNED_PREFIX, verifyPresigned } from '../presign.js';
import { adlsOperation, blobOperation } from './azure.js';
import { objectOperation } from './objects.js';
import {
  type StorageContext,
  type StorageRequest,
  sendAdlsError,
  sendBlobError,
  sendXmlError,
} from './wire.js';

export function servePresigned(
  context: StorageContext,
  response: ServerResponse,
  request: StorageRequest,
) {
  const { store } = context;
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
    return blobOperation(context, response, request, check.uri, check.azurePermissions ?? '');
  if (check.flavour === 'azure-adls')
    return adlsOperation(context, response, request, check.uri, check.azurePermissions ?? '');
  if (request.method !== 'GET' && request.method !== 'PUT' && request.method !== 'HEAD')
    return fail(
      405,
      'MethodNotAllowed',
      'The specified method is not allowed against this resource.',
    );
  return objectOperation(context, response, request, check.uri, { canWrite: true, key });
}
