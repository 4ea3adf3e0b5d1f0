/**
 * What every emulated cloud-storage front door shares: the request as the handlers see it, the
 * state they work on, and error bodies in each cloud's own format (client code branches on them).
 */
import { createHash, randomBytes } from 'node:crypto';
import type { IncomingHttpHeaders, ServerResponse } from 'node:http';
import type { CloudCredentials } from '../cloud_credentials.js';
import type { MlflowStore, StoredFile } from '../state.js';
import type { MlflowStorageNames } from '../types.js';

export interface StorageContext {
  store: MlflowStore;
  credentials: CloudCredentials;
  names: MlflowStorageNames;
  /** `host:port` of the workspace (ADLS URIs name it). */
  authorityOfHost(): string;
}

export interface StorageRequest {
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

export function xmlEscape(value: string): string {
  return value.replace(
    /[<>&'"]/g,
    (character) =>
      ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', "'": '&apos;', '"': '&quot;' })[character] ??
      character,
  );
}

export function send(
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
export function sendXmlError(
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
export function sendAdlsError(
  response: ServerResponse,
  status: number,
  code: string,
  message: string,
) {
  const body = JSON.stringify({ error: { code, message } });
  send(response, status, body, { 'content-type': 'application/json', 'x-ms-error-code': code });
}

export function sendBlobError(
  response: ServerResponse,
  status: number,
  code: string,
  message: string,
  extra: Record<string, string> = {},
) {
  sendXmlError(response, status, code, message, extra, { 'x-ms-error-code': code });
}

/** GCS JSON API error: `{"error": {"code", "message", "errors": [{message, domain, reason}]}}`. */
export function sendGcsError(
  response: ServerResponse,
  status: number,
  reason: string,
  message: string,
) {
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

export const md5 = (data: Buffer) => createHash('md5').update(data).digest();
export const etagOf = (file: StoredFile) => `"${md5(file.data).toString('hex')}"`;

export function fileHeaders(file: StoredFile): Record<string, string | number> {
  return {
    'content-type': file.contentType ?? 'application/octet-stream',
    etag: etagOf(file),
    'last-modified': new Date(file.lastModified).toUTCString(),
  };
}
