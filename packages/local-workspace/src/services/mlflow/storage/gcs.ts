/** The GCS JSON API (media upload, object read) behind an OAuth token the workspace issued. */
import type { ServerResponse } from 'node:http';
import { safeDecode } from '../sigv4.js';
import type { StoredFile } from '../state.js';
import {
  fileHeaders,
  md5,
  type StorageContext,
  type StorageRequest,
  send,
  sendGcsError,
} from './wire.js';

function gcsObjectResource(
  context: StorageContext,
  bucket: string,
  name: string,
  file: StoredFile,
) {
  const { store } = context;
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
}

export function serveGcs(
  context: StorageContext,
  response: ServerResponse,
  request: StorageRequest,
) {
  const { store, credentials, names } = context;
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
    return send(response, 200, JSON.stringify(gcsObjectResource(context, bucket, name, stored)), {
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
  return send(response, 200, JSON.stringify(gcsObjectResource(context, bucket, name, file)), {
    'content-type': 'application/json; charset=UTF-8',
  });
}
