/**
 * EXTERNAL_LINKS as presigned URLs: `/__statements/<statement>/chunks/<index>?issued=..&expires=..
 * &signature=..`, an HMAC-SHA256 over the statement, chunk and times with a per-workspace secret.
 * Like the S3 presigned URLs Databricks hands out, the URL alone is the credential: a download
 * needs no workspace token, and one that carries an `Authorization` header is refused (S3 refuses
 * two auth mechanisms in one request). Answers use S3's XML error shape.
 */
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

export const LINK_PREFIX = '/__statements/';

export interface LinkSigner {
  /** A fresh URL for one chunk, valid `lifetimeMs` from `now`. */
  sign(statementId: string, chunkIndex: number): { url: string; expiration: string };
  verify(
    statementId: string,
    chunkIndex: number,
    query: URLSearchParams,
  ): { ok: true } | { ok: false; status: number; code: string; message: string };
  /** Every link issued so far is refused as expired from now on (tests of link renewal). */
  revokeIssued(): void;
}

export function createLinkSigner(options: {
  host: () => string;
  lifetimeMs: number;
  now: () => number;
}): LinkSigner {
  const secret = randomBytes(32);
  // Links carry the generation they were issued in; revoking starts a new one.
  let generation = 0;
  const signatureOf = (statementId: string, chunkIndex: number, issued: string, expires: string) =>
    createHmac('sha256', secret)
      .update(`${statementId}\n${chunkIndex}\n${issued}\n${expires}`, 'utf8')
      .digest('hex');
  return {
    sign(statementId, chunkIndex) {
      const issuedMs = options.now();
      const expiresMs = issuedMs + options.lifetimeMs;
      const issued = `${issuedMs}.${generation}`;
      const expires = String(expiresMs);
      const query = new URLSearchParams({
        issued,
        expires,
        signature: signatureOf(statementId, chunkIndex, issued, expires),
      });
      const path = `${LINK_PREFIX}${encodeURIComponent(statementId)}/chunks/${chunkIndex}`;
      return {
        url: `${options.host()}${path}?${query.toString()}`,
        expiration: new Date(expiresMs).toISOString(),
      };
    },
    verify(statementId, chunkIndex, query) {
      const issued = query.get('issued') ?? '';
      const expires = query.get('expires') ?? '';
      const signature = query.get('signature') ?? '';
      const expected = Buffer.from(signatureOf(statementId, chunkIndex, issued, expires), 'hex');
      const given = Buffer.from(/^[0-9a-f]+$/i.test(signature) ? signature : '', 'hex');
      if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
        return {
          ok: false,
          status: 403,
          code: 'SignatureDoesNotMatch',
          message: 'The request signature we calculated does not match the signature you provided.',
        };
      }
      const issuedIn = Number(issued.split('.')[1] ?? 0);
      if (Number(expires) <= options.now() || issuedIn < generation) {
        return { ok: false, status: 403, code: 'AccessDenied', message: 'Request has expired' };
      }
      return { ok: true };
    },
    revokeIssued() {
      generation += 1;
    },
  };
}

/** S3's XML error body. */
export function s3ErrorXml(code: string, message: string): string {
  const escapeXml = (text: string) =>
    text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
  return `<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>${escapeXml(code)}</Code><Message>${escapeXml(message)}</Message></Error>`;
}
