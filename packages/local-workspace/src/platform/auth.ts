/**
 * Bearer authentication, answered as Databricks answers: 401 when no bearer credential was sent,
 * 403 "Invalid access token." for an unknown one (401 on the SQL gateway's Thrift paths), and for
 * an expired OAuth token 403 as well (configurable to 401: clients that refresh only on 401 break
 * on Databricks' 403, which is why 403 is the default).
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { sendError } from './http.js';
import type { TokenRegistry } from './tokens.js';

export function authenticate(
  request: IncomingMessage,
  response: ServerResponse,
  tokens: TokenRegistry,
  statuses: { expired: 401 | 403; invalid: 401 | 403 },
): boolean {
  const header = request.headers.authorization;
  if (!header || !/^Bearer\s+\S+$/i.test(header.trim())) {
    sendError(
      response,
      401,
      '401',
      'Credential was not sent or was of an unsupported type for this API.',
      { 'www-authenticate': 'Bearer' },
    );
    return false;
  }
  const verdict = tokens.verify(header);
  if (verdict === 'valid') return true;
  const status = verdict === 'expired' ? statuses.expired : statuses.invalid;
  sendError(
    response,
    status,
    String(status),
    'Invalid access token.',
    status === 401 ? { 'www-authenticate': 'Bearer' } : {},
  );
  return false;
}
