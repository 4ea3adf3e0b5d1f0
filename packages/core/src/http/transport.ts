/**
 * The single retry/timeout/error-parsing layer of lakechain (see `types.ts`). Everything that talks
 * HTTP to Databricks (the workspace client, OAuth token endpoints, serving endpoints) goes through
 * `createHttpTransport`, so retry rules and error messages are the same everywhere.
 */
import type { SecureContext } from 'node:tls';
import { DatabricksApiError, DatabricksConnectionError } from '../errors.js';
import type { FetchFunction } from '../types.js';
import { VERSION } from '../version.js';
import { abortableSleep, DEFAULT_RETRY, parseRetryAfter, retryDelayMs } from './backoff.js';
import { isTokenRejection, parseErrorBody, toApiError } from './errors.js';
import {
  classifyNetworkError,
  classifyStatus,
  mayReplay,
  type ReplayClass,
  replayClassOfMethod,
} from './replay.js';
import type {
  HttpMethod,
  HttpRequest,
  HttpResponse,
  HttpTransport,
  HttpTransportOptions,
  QueryValue,
  RetryOptions,
} from './types.js';

export const DEFAULT_TIMEOUT_MS = 60_000;

/** Modules of the `caCert` path, named in variables (see `getFetch`). */
const UNDICI_MODULE = 'undici';
const TLS_MODULE = 'node:tls';

/**
 * Seams for deterministic unit tests. Not part of the public options because production code has
 * no reason to replace the clock or the random source.
 * @internal
 */
export interface HttpTransportInternals {
  /** Returns a number in [0, 1). Default `Math.random`. */
  random?: () => number;
  /** Waits `ms`, rejecting with `signal.reason` when the signal aborts. */
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
  /** Milliseconds since the epoch. Default `Date.now`. */
  now?: () => number;
}

/** What `fetch` accepts as a body; spelled out because `lib` has no DOM types. */
type RequestBody = NonNullable<RequestInit['body']>;

type FetchCall = (url: string, init: RequestInit) => Promise<Response>;

const TLS_CODES = new Set([
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'CERT_HAS_EXPIRED',
  'CERT_NOT_YET_VALID',
  'CERT_UNTRUSTED',
  'CERT_REJECTED',
  'ERR_TLS_CERT_ALTNAME_INVALID',
]);

/**
 * TLS contexts by extra CA. Node builds one for every connection given a `ca` option, parsing the
 * ~140 bundled roots each time (tens of milliseconds); sharing one per CA makes a connection, and
 * a short-lived client per request, cost a handshake only. A process trusts few distinct CAs, and
 * the oldest context is dropped beyond this bound.
 */
const secureContexts = new Map<string, SecureContext>();
const MAX_SECURE_CONTEXTS = 8;

function secureContextFor(tls: typeof import('node:tls'), caCert: string): SecureContext {
  let context = secureContexts.get(caCert);
  if (context) {
    secureContexts.delete(caCert); // most recently used last
  } else {
    // Extra roots are added to, never substituted for, the bundled ones; verification stays on.
    context = tls.createSecureContext({ ca: [...tls.rootCertificates, caCert] });
  }
  secureContexts.set(caCert, context);
  if (secureContexts.size > MAX_SECURE_CONTEXTS) {
    const oldest = secureContexts.keys().next().value;
    if (oldest !== undefined) secureContexts.delete(oldest);
  }
  return context;
}

/** Builds the `User-Agent`: `lakechain/<v> [products] node/<v> os/<platform>`. */
export function buildUserAgent(products?: string): string {
  const parts = [`lakechain/${VERSION}`];
  if (products?.trim()) parts.push(products.trim());
  const nodeVersion = typeof process !== 'undefined' ? process.versions?.node : undefined;
  if (nodeVersion) parts.push(`node/${nodeVersion}`);
  if (typeof process !== 'undefined' && process.platform) parts.push(`os/${process.platform}`);
  return parts.join(' ');
}

/** Appends `query` to `url`; arrays become repeated keys, `undefined`/`null` are skipped. */
export function buildUrl(url: string, query?: Record<string, QueryValue | QueryValue[]>): URL {
  const result = new URL(url);
  if (!query) return result;
  for (const [key, value] of Object.entries(query)) {
    const values = Array.isArray(value) ? value : [value];
    for (const item of values) {
      if (item === undefined || item === null) continue;
      result.searchParams.append(key, String(item));
    }
  }
  return result;
}

function isPlainJson(body: unknown): boolean {
  if (Array.isArray(body)) return true;
  if (body === null || typeof body !== 'object') return false;
  const proto = Object.getPrototypeOf(body);
  return proto === Object.prototype || proto === null;
}

/**
 * Encodes the body once, into something that can be sent again on every retry (a string or bytes,
 * never a one-shot stream), and picks the matching `Content-Type`.
 */
function encodeBody(body: unknown): { body?: RequestBody; contentType?: string } {
  if (body === undefined) return {};
  if (body instanceof URLSearchParams) {
    return { body: body.toString(), contentType: 'application/x-www-form-urlencoded' };
  }
  if (typeof body === 'string') return { body };
  if (body instanceof Uint8Array || body instanceof ArrayBuffer)
    return { body: body as RequestBody };
  if (typeof Blob !== 'undefined' && body instanceof Blob) return { body };
  if (isPlainJson(body) || typeof body === 'number' || typeof body === 'boolean' || body === null) {
    return { body: JSON.stringify(body), contentType: 'application/json' };
  }
  // Anything else (FormData, class instances with toJSON, ...) is left to fetch / JSON.
  if (typeof FormData !== 'undefined' && body instanceof FormData) return { body };
  return { body: JSON.stringify(body), contentType: 'application/json' };
}

/** `replay` wins; the older `idempotent` flag says the same; else the method decides. */
function resolveReplay(req: HttpRequest): ReplayClass {
  if (req.replay) return req.replay;
  if (req.idempotent !== undefined) return req.idempotent ? 'safe' : 'unsafe';
  return replayClassOfMethod(req.method);
}

/** Walks `error.cause` to find Node's error code and the innermost message. */
function describeFetchFailure(error: unknown): { code?: string; message: string } {
  let current: unknown = error;
  let code: string | undefined;
  let message = error instanceof Error ? error.message : String(error);
  for (let depth = 0; depth < 6 && current != null; depth += 1) {
    if (typeof current === 'object') {
      const candidate = (current as { code?: unknown }).code;
      // The deepest code wins: fetch's TypeError wraps the socket or TLS error that has it.
      if (typeof candidate === 'string') code = candidate;
      const innerMessage = (current as { message?: unknown }).message;
      if (typeof innerMessage === 'string' && innerMessage) message = innerMessage;
      current = (current as { cause?: unknown }).cause;
    } else {
      break;
    }
  }
  if (!code && /other side closed/i.test(message)) code = 'UND_ERR_SOCKET';
  return { code, message };
}

function describeTarget(method: string, url: URL): string {
  return `${method} ${url.origin}${url.pathname}`;
}

type AttemptOutcome<T> =
  | { response: HttpResponse<T>; error?: undefined }
  | { error: Error; retryable: boolean; retryAfterMs?: number; tokenRejected?: boolean };

class AttemptTimeout extends Error {
  constructor() {
    super('attempt timed out');
    this.name = 'AttemptTimeout';
  }
}

/** Turns a rejected fetch into a typed error and decides whether replaying is safe. */
function toConnectionError(
  error: unknown,
  context: { method: string; url: URL; replay: ReplayClass; timedOut: boolean; timeoutMs: number },
): DatabricksConnectionError {
  const target = describeTarget(context.method, context.url);
  if (context.timedOut) {
    return new DatabricksConnectionError(
      `${target} timed out after ${context.timeoutMs} ms without a complete response. ` +
        'Raise `timeoutMs` if the operation is expected to be slow.',
      { code: 'ETIMEDOUT', timedOut: true, retryable: mayReplay('interrupted', context.replay) },
    );
  }
  const { code, message } = describeFetchFailure(error);
  if (code && (TLS_CODES.has(code) || /certificate/i.test(message))) {
    return new DatabricksConnectionError(
      `TLS certificate verification failed for ${context.url.origin} (${code}: ${message}). ` +
        'If the workspace is behind a private or self-signed CA, pass its PEM bundle as the ' +
        '`caCert` option; certificate verification is never turned off.',
      { code, retryable: false, cause: error },
    );
  }
  const failure = classifyNetworkError(code, message);
  const retryable = mayReplay(failure, context.replay);
  let hint = '';
  if (failure === 'interrupted' && !retryable) {
    hint =
      ` Not retried: the server may have processed this ${context.method} and replaying it is` +
      " not known to be safe (pass `replay: 'safe'` if it is).";
  } else if (code === 'ENOTFOUND') {
    hint = ' Check the workspace host name.';
  } else if (code === 'ECONNREFUSED') {
    hint = ' Check the workspace host and port, and any proxy in between.';
  }
  return new DatabricksConnectionError(
    `Could not complete ${target}: ${code ? `${code} (${message})` : message}.${hint}`,
    { code, retryable, cause: error },
  );
}

/** Headers whose values are credentials. */
const SECRET_HEADERS = ['authorization', 'proxy-authorization', 'cookie'];
/** Form fields that carry credentials in OAuth token requests. */
const SECRET_FORM_FIELD = /secret|token|password|assertion|code_verifier|^code$/i;

/**
 * The credentials of one request, so an error message can redact them if the server echoes them
 * back. Covers `Authorization` (whole value, and the part after the scheme, plus both halves of a
 * Basic pair) and secret-looking fields of form bodies.
 */
function collectSecrets(headers: Headers, body: unknown): string[] {
  const secrets: string[] = [];
  for (const name of SECRET_HEADERS) {
    const value = headers.get(name);
    if (!value) continue;
    secrets.push(value);
    const [scheme, credential] = value.split(/\s+/, 2);
    if (!credential) continue;
    secrets.push(credential);
    if (scheme?.toLowerCase() === 'basic') {
      let decoded = '';
      try {
        decoded = atob(credential);
      } catch {
        // Not valid base64: the whole credential is already listed.
      }
      const colon = decoded.indexOf(':');
      if (colon > 0) secrets.push(decoded.slice(colon + 1));
    }
  }
  if (typeof body === 'string' && body.includes('=') && !body.trimStart().startsWith('{')) {
    for (const [key, value] of new URLSearchParams(body)) {
      if (SECRET_FORM_FIELD.test(key) && value) secrets.push(value);
    }
  }
  return secrets;
}

function isJsonContentType(contentType: string | null): boolean {
  if (!contentType) return false;
  const mime = contentType.split(';')[0]?.trim().toLowerCase() ?? '';
  return mime === 'application/json' || mime.endsWith('+json');
}

export function readRequestId(headers: Headers): string | undefined {
  return headers.get('x-request-id') ?? headers.get('x-databricks-request-id') ?? undefined;
}

function resolveRetry(
  base: Required<RetryOptions>,
  override: RetryOptions | false | undefined,
): Required<RetryOptions> {
  if (override === false) return { ...base, maxAttempts: 1 };
  return {
    maxAttempts: Math.max(1, override?.maxAttempts ?? base.maxAttempts),
    initialDelayMs: override?.initialDelayMs ?? base.initialDelayMs,
    maxDelayMs: override?.maxDelayMs ?? base.maxDelayMs,
    totalTimeoutMs: override?.totalTimeoutMs ?? base.totalTimeoutMs,
  };
}

/**
 * Creates the transport. One transport owns at most one connection pool (an undici `Agent` when
 * `caCert` is set), so create one per workspace and reuse it.
 */
export function createHttpTransport(
  options: HttpTransportOptions = {},
  internals: HttpTransportInternals = {},
): HttpTransport {
  const baseRetry = resolveRetry(DEFAULT_RETRY, options.retry);
  const baseTimeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const userAgent = buildUserAgent(options.userAgent);
  const random = internals.random ?? Math.random;
  const sleep = internals.sleep ?? abortableSleep;
  const now = internals.now ?? Date.now;

  let fetchPromise: Promise<FetchCall> | undefined;
  let closeAgent: (() => Promise<void>) | undefined;
  let closed: Promise<void> | undefined;

  // Resolved lazily so that transports without `caCert` never load undici's own copy.
  function getFetch(): Promise<FetchCall> {
    if (!fetchPromise) {
      if (options.fetch) {
        const injected: FetchFunction = options.fetch;
        fetchPromise = Promise.resolve((url, init) => injected(url, init));
      } else if (options.caCert) {
        const caCert = options.caCert;
        // Loaded on demand, and by names held in variables, so that the transport itself needs no
        // Node built-in and bundlers for fetch-only runtimes (edge functions, workers) do not try
        // to bundle undici: those runtimes never take this branch.
        fetchPromise = Promise.all([
          import(UNDICI_MODULE) as Promise<typeof import('undici')>,
          import(TLS_MODULE) as Promise<typeof import('node:tls')>,
        ]).then(([undici, tls]) => {
          const agent = new undici.Agent({
            connect: { secureContext: secureContextFor(tls, caCert) },
            // No undici headers timeout (300 s by default): this transport's own per-request
            // timer decides, so a caller's larger `timeoutMs` holds.
            headersTimeout: 0,
          });
          closeAgent = () => agent.close();
          return (url, init) =>
            undici.fetch(url, {
              ...(init as Parameters<typeof undici.fetch>[1]),
              dispatcher: agent,
            }) as unknown as Promise<Response>;
        });
      } else {
        fetchPromise = Promise.resolve((url, init) => globalThis.fetch(url, init));
      }
    }
    return fetchPromise;
  }

  /** A closed pool would fail with a socket error that looks retryable: say what happened instead. */
  function assertOpen(method: HttpMethod, url: URL): void {
    if (closed === undefined) return;
    throw new DatabricksConnectionError(
      `${describeTarget(method, url)} was not sent: this client was closed (close() releases its ` +
        'connection pool). Create a new client for further requests.',
      { code: 'CLIENT_CLOSED', retryable: false },
    );
  }

  async function request<T>(req: HttpRequest): Promise<HttpResponse<T>> {
    const method = req.method;
    const url = buildUrl(req.url, req.query);
    const retry = resolveRetry(baseRetry, req.retry);
    const timeoutMs = req.timeoutMs ?? baseTimeoutMs;
    const replay = resolveReplay(req);
    const callerSignal = req.signal;
    const encoded = encodeBody(req.body);
    assertOpen(method, url);
    const fetchCall = await getFetch();

    const startedAt = now();
    let attempt = 0;
    let retriesDone = 0;
    let forceRefresh = false;
    let authRefreshed = false;

    for (;;) {
      callerSignal?.throwIfAborted();
      attempt += 1;

      const headers = new Headers();
      headers.set('Accept', 'application/json');
      headers.set('User-Agent', userAgent);
      if (encoded.contentType) headers.set('Content-Type', encoded.contentType);
      for (const [name, value] of Object.entries(req.headers ?? {})) headers.set(name, value);
      if (req.getAuthHeaders) {
        // Asked on every attempt so a token refreshed meanwhile (or forcibly) is the one sent.
        const authHeaders = await req.getAuthHeaders({
          signal: callerSignal,
          ...(forceRefresh ? { forceRefresh: true } : {}),
        });
        for (const [name, value] of Object.entries(authHeaders)) headers.set(name, value);
        forceRefresh = false;
      }

      const elapsed = now() - startedAt;
      // The total budget bounds the retries; it never cuts the first attempt shorter than the
      // caller's own `timeoutMs` (a slow local model asks for more than the default budget).
      const budgetMs =
        attempt === 1 ? Math.max(timeoutMs, retry.totalTimeoutMs) : retry.totalTimeoutMs;
      const attemptTimeoutMs = Math.max(1, Math.min(timeoutMs, budgetMs - elapsed));
      // A cancellable timer rather than `AbortSignal.timeout`: for `stream: true` the timeout
      // covers only the wait for headers and must not cut the body off later.
      const timeoutController = new AbortController();
      const timer = setTimeout(
        () => timeoutController.abort(new AttemptTimeout()),
        attemptTimeoutMs,
      );
      const signal = callerSignal
        ? AbortSignal.any([callerSignal, timeoutController.signal])
        : timeoutController.signal;

      let outcome: AttemptOutcome<T>;
      try {
        outcome = await attemptOnce<T>(fetchCall, {
          url,
          method,
          headers,
          body: encoded.body,
          signal,
          stream: req.stream === true,
          attempt,
          replay,
          timeoutMs: attemptTimeoutMs,
        });
      } catch (error) {
        clearTimeout(timer);
        // The caller's abort wins over everything, and is never retried.
        if (callerSignal?.aborted) throw callerSignal.reason;
        throw error;
      }
      clearTimeout(timer);
      if (callerSignal?.aborted) throw callerSignal.reason;

      if (outcome.error === undefined) return outcome.response;

      const { error, retryable, retryAfterMs } = outcome;
      if (req.getAuthHeaders && !authRefreshed && outcome.tokenRejected) {
        // One immediate replay with a forcibly refreshed token; not a backoff retry. Safe even
        // for POST: a rejected token proves the request was not processed.
        authRefreshed = true;
        forceRefresh = true;
        continue;
      }

      // A closed transport finishes the attempt in flight but starts no retry.
      if (!retryable || retriesDone + 1 >= retry.maxAttempts || closed) throw error;

      const wait = retryDelayMs(retriesDone, retryAfterMs, retry, random);
      // Never start a wait that cannot be followed by an attempt inside the budget.
      if (now() - startedAt + wait > retry.totalTimeoutMs) throw error;
      await sleep(wait, callerSignal);
      if (closed) throw error;
      retriesDone += 1;
    }
  }

  async function attemptOnce<T>(
    fetchCall: FetchCall,
    attemptReq: {
      url: URL;
      method: HttpMethod;
      headers: Headers;
      body?: RequestBody;
      signal: AbortSignal;
      stream: boolean;
      attempt: number;
      replay: ReplayClass;
      timeoutMs: number;
    },
  ): Promise<AttemptOutcome<T>> {
    const { url, method, signal, replay, timeoutMs } = attemptReq;
    const timedOut = () => signal.reason instanceof AttemptTimeout;
    let response: Response;
    try {
      response = await fetchCall(url.toString(), {
        method,
        headers: attemptReq.headers,
        body: method === 'GET' || method === 'HEAD' ? undefined : attemptReq.body,
        signal,
        redirect: 'follow',
      });
    } catch (error) {
      if (signal.aborted && !timedOut()) throw signal.reason;
      const connectionError = toConnectionError(error, {
        method,
        url,
        replay,
        timedOut: signal.aborted && timedOut(),
        timeoutMs,
      });
      return { error: connectionError, retryable: connectionError.retryable };
    }

    const requestId = readRequestId(response.headers);

    if (!response.ok) {
      let bodyText: string;
      try {
        bodyText = await response.text();
      } catch {
        if (signal.aborted && !timedOut()) throw signal.reason;
        // The status alone still makes a useful error when the body cannot be read.
        bodyText = '';
      }
      const parsed = parseErrorBody(bodyText, response.headers.get('content-type'));
      const retryAfterMs = parseRetryAfter(response.headers.get('retry-after'), now());
      const retryable = mayReplay(classifyStatus(response.status), replay);
      const apiError = toApiError({
        parsed,
        retryAfterMs,
        status: response.status,
        statusText: response.statusText,
        headers: response.headers,
        body: bodyText,
        method,
        path: url.pathname,
        attempts: attemptReq.attempt,
        secrets: collectSecrets(attemptReq.headers, attemptReq.body),
        retryable,
      });
      return {
        error: apiError,
        retryable,
        tokenRejected: isTokenRejection(response.status, parsed),
        retryAfterMs,
      };
    }

    if (attemptReq.stream) {
      return {
        response: {
          status: response.status,
          headers: response.headers,
          data: undefined as T,
          raw: response,
          requestId,
          attempts: attemptReq.attempt,
        },
      };
    }

    let text: string;
    try {
      text = method === 'HEAD' ? '' : await response.text();
    } catch (error) {
      if (signal.aborted && !timedOut()) throw signal.reason;
      const connectionError = toConnectionError(error, {
        method,
        url,
        replay,
        timedOut: signal.aborted && timedOut(),
        timeoutMs,
      });
      return { error: connectionError, retryable: connectionError.retryable };
    }

    let data: unknown = text;
    if (isJsonContentType(response.headers.get('content-type'))) {
      if (text.trim() === '') {
        data = undefined;
      } else {
        try {
          data = JSON.parse(text);
        } catch {
          // The parse error and the body are left out: a token endpoint's body may hold secrets.
          const invalid = new DatabricksApiError(
            `Received invalid JSON from ${method} ${url.pathname} (HTTP ${response.status}, ` +
              `${text.length} characters). The server, or a proxy in front of it, did not send a ` +
              'Databricks API response.',
            {
              statusCode: response.status,
              errorCode: 'INVALID_RESPONSE',
              requestId,
              method,
              path: url.pathname,
              retryable: false,
            },
          );
          return { error: invalid, retryable: false };
        }
      }
    }

    return {
      response: {
        status: response.status,
        headers: response.headers,
        data: data as T,
        raw: response,
        requestId,
        attempts: attemptReq.attempt,
      },
    };
  }

  const transport: HttpTransport = {
    request,
    close() {
      // Idempotent; waits for a pool still being created, and lets requests in flight finish
      // (undici's `close()` is graceful) while refusing new ones.
      closed ??= (async () => {
        await fetchPromise?.catch(() => undefined);
        await closeAgent?.();
      })();
      return closed;
    },
  };
  return transport;
}
