/**
 * Turns an HTTP error response into a `DatabricksApiError` with a message a user can act on.
 * Handles every body shape seen in front of Databricks: the REST `{error_code, message}`, the
 * OpenAI-compatible `{error: {message, type, code}}` of serving endpoints, OAuth
 * `{error, error_description}`, the XML `<Error><Code/><Message/></Error>` of cloud object storage
 * (S3, Azure Blob, GCS's XML API; signed-URL uploads go through this transport too), plain text,
 * and HTML pages from proxies and load balancers.
 */

import { DatabricksApiError } from '../errors.js';
import { redactSecrets } from '../redact.js';

/** Bodies are echoed into messages only this far: enough to diagnose, never a whole page. */
export const MAX_BODY_CHARS = 500;

export interface ParsedErrorBody {
  kind: 'json' | 'xml' | 'html' | 'text' | 'empty';
  /** The server's own message (capped), or the page title for HTML. */
  message?: string;
  errorCode?: string;
  /**
   * The parsed JSON body, or for XML the simple child elements of `<Error>` (`{Code, Message,
   * Region, ...}`), for `DatabricksApiError.details`.
   */
  details?: unknown;
}

function collapse(text: string, max = MAX_BODY_CHARS): string {
  const single = text.replace(/\s+/g, ' ').trim();
  return single.length > max ? `${single.slice(0, max)}…` : single;
}

function asString(value: unknown): string | undefined {
  if (typeof value === 'string' && value.trim() !== '') return value;
  if (typeof value === 'number') return String(value);
  return undefined;
}

function fromJson(json: unknown): Omit<ParsedErrorBody, 'kind' | 'details'> {
  if (json === null || typeof json !== 'object' || Array.isArray(json)) {
    return { message: typeof json === 'string' ? collapse(json) : undefined };
  }
  const record = json as Record<string, unknown>;
  // OpenAI-compatible (serving endpoints): { error: { message, type, code } }.
  if (record.error !== null && typeof record.error === 'object') {
    const inner = record.error as Record<string, unknown>;
    return {
      message: asString(inner.message) && collapse(String(inner.message)),
      errorCode: asString(inner.code) ?? asString(inner.type),
    };
  }
  // Databricks REST: { error_code, message }.
  if (asString(record.error_code) || (asString(record.message) && !asString(record.error))) {
    return {
      message: asString(record.message) && collapse(String(record.message)),
      errorCode: asString(record.error_code),
    };
  }
  // OAuth: { error, error_description }.
  if (asString(record.error)) {
    return {
      message: collapse(String(record.error_description ?? record.error)),
      errorCode: asString(record.error),
    };
  }
  // FastAPI-style { detail } from some model servers.
  if (asString(record.detail)) return { message: collapse(String(record.detail)) };
  return { message: collapse(JSON.stringify(record)) };
}

/**
 * Elements S3 adds to signature errors to help debug a signer: they echo the signed request,
 * including the `x-amz-security-token` of temporary credentials, so they never reach an error.
 */
const SIGNED_REQUEST_ECHOES = new Set([
  'CanonicalRequest',
  'CanonicalRequestBytes',
  'StringToSign',
  'StringToSignBytes',
  'SignatureProvided',
]);

/** `<Error><Code>..</Code><Message>..</Message>...</Error>`: leaf elements only, entities decoded. */
function fromXml(body: string): Omit<ParsedErrorBody, 'kind'> | undefined {
  const error = /<Error\b[^>]*>([\s\S]*?)<\/Error>/.exec(body);
  if (!error?.[1]) return undefined;
  const fields: Record<string, string> = {};
  for (const match of error[1].matchAll(/<([A-Za-z][\w.-]*)>([^<]*)<\/\1>/g)) {
    const [, name, raw] = match;
    if (name && raw !== undefined && fields[name] === undefined && !SIGNED_REQUEST_ECHOES.has(name))
      fields[name] = collapse(
        raw
          .replace(/&lt;/g, '<')
          .replace(/&gt;/g, '>')
          .replace(/&quot;/g, '"')
          .replace(/&apos;/g, "'")
          .replace(/&amp;/g, '&'),
      );
  }
  return { message: fields.Message, errorCode: fields.Code, details: fields };
}

function looksLikeHtml(contentType: string | null, body: string): boolean {
  if (contentType?.toLowerCase().includes('text/html')) return true;
  return /^\s*(<!doctype html|<html|<head|<body)/i.test(body);
}

function htmlTitle(body: string): string | undefined {
  const match =
    /<title[^>]*>([\s\S]*?)<\/title>/i.exec(body) ?? /<h1[^>]*>([\s\S]*?)<\/h1>/i.exec(body);
  if (!match?.[1]) return undefined;
  const title = collapse(match[1].replace(/<[^>]*>/g, ' '), 120);
  return title || undefined;
}

/** Classifies and parses an error body. Never throws. */
export function parseErrorBody(body: string, contentType: string | null): ParsedErrorBody {
  if (body.trim() === '') return { kind: 'empty' };
  const mime = contentType?.split(';')[0]?.trim().toLowerCase() ?? '';
  const jsonish = mime === 'application/json' || mime.endsWith('+json') || /^\s*[{[]/.test(body);
  if (jsonish) {
    try {
      const json: unknown = JSON.parse(body);
      return { kind: 'json', details: json, ...fromJson(json) };
    } catch {
      // Not JSON after all (a truncated body, or a proxy lying about its content type).
    }
  }
  if (/^\s*(<\?xml|<Error\b)/.test(body)) {
    const xml = fromXml(body);
    if (xml) return { kind: 'xml', ...xml };
  }
  if (looksLikeHtml(contentType, body)) return { kind: 'html', message: htmlTitle(body) };
  return { kind: 'text', message: collapse(body) };
}

/**
 * True when a 403 body says the token itself is unusable (Databricks answers expired OAuth tokens
 * with 403, not 401), as opposed to a real permission problem.
 */
export function isTokenRejection(status: number, parsed: ParsedErrorBody): boolean {
  if (status === 401) return true;
  if (status !== 403) return false;
  const text = `${parsed.errorCode ?? ''} ${parsed.message ?? ''}`;
  return /\b(token|credential)s?\b[^.]*\b(expired|invalid|revoked|malformed)\b|\b(expired|invalid)\b[^.]*\b(token|credential)s?\b/i.test(
    text,
  );
}

function hintFor(status: number, errorCode: string | undefined, attempts: number): string {
  const tries = `${attempts} attempt${attempts === 1 ? '' : 's'}`;
  switch (status) {
    case 401:
      return 'Check the token or credentials.';
    case 403:
      return 'The identity lacks permission, or the token expired.';
    case 404:
      if (errorCode === 'ENDPOINT_NOT_FOUND') {
        return 'The API endpoint does not exist on this workspace: check the host and the API path.';
      }
      if (errorCode === 'RESOURCE_DOES_NOT_EXIST') {
        return 'The resource does not exist, or this identity cannot see it.';
      }
      return 'Check the host and the path.';
    case 429:
      return `Rate limited after ${tries}; slow down or raise retry.maxAttempts / retry.totalTimeoutMs.`;
    case 503:
      return `Service unavailable after ${tries}; try again later.`;
    case 500:
    case 502:
    case 504:
      return attempts > 1 ? `Gave up after ${tries}.` : '';
    default:
      return '';
  }
}

export interface ErrorResponseInfo {
  status: number;
  /** The server's `Retry-After`, already parsed to ms. */
  retryAfterMs?: number;
  statusText?: string;
  headers: Headers;
  body: string;
  method: string;
  /** Path only: the query string may carry identifiers the caller did not mean to log. */
  path: string;
  attempts: number;
  parsed?: ParsedErrorBody;
  /** Credentials sent with the request; servers sometimes echo them ("invalid token dapi…"). */
  secrets?: readonly string[];
  /**
   * Whether replaying the request could help, as the transport decided from the status and the
   * request's replay class. Defaults to what the status alone says (`isRetryableStatus`).
   */
  retryable?: boolean;
}

/** Builds the typed error for a non-2xx response. Request headers are never part of it. */
export function toApiError(info: ErrorResponseInfo): DatabricksApiError {
  const parsed = info.parsed ?? parseErrorBody(info.body, info.headers.get('content-type'));
  const requestId =
    info.headers.get('x-request-id') ?? info.headers.get('x-databricks-request-id') ?? undefined;
  const where = `HTTP ${info.status} from ${info.method} ${info.path}`;
  let summary: string;
  if (parsed.kind === 'html') {
    summary =
      `${where}: received an HTML error page (probably from a proxy or load balancer), not a ` +
      `Databricks API response${parsed.message ? ` (page title: "${parsed.message}")` : ''}.`;
  } else {
    const code = parsed.errorCode ? ` [${parsed.errorCode}]` : '';
    const text = parsed.message ?? (info.statusText?.trim() || 'no response body');
    summary = `${where}${code}: ${text.replace(/[.\s]+$/, '')}.`;
  }
  const hint = hintFor(info.status, parsed.errorCode, info.attempts);
  const suffix = requestId ? ` (request id ${requestId})` : '';
  const message = redactSecrets(`${summary}${hint ? ` ${hint}` : ''}${suffix}`, info.secrets ?? []);
  return new DatabricksApiError(message, {
    statusCode: info.status,
    errorCode: parsed.errorCode,
    requestId,
    method: info.method,
    path: info.path,
    details: parsed.kind === 'json' || parsed.kind === 'xml' ? parsed.details : undefined,
    retryAfterMs: info.retryAfterMs,
    retryable: info.retryable,
  });
}
