/**
 * The REST half of the local workspace: everything that is not Thrift. Serving endpoints (the
 * Databricks `/api/2.0/serving-endpoints` API, `/serving-endpoints/{name}/invocations` and the
 * OpenAI-compatible `/serving-endpoints/{chat/completions,completions,embeddings}`), cluster
 * driver-proxy apps, OIDC discovery and the OAuth token endpoint, and (when given an MLflow
 * service) MLflow on Databricks with the cloud storage its clients upload to. Every request first
 * goes through the fault injector, then bearer authentication (except the OAuth routes and the
 * cloud-storage routes, which check their own signatures).
 */
import { randomUUID } from 'node:crypto';
import { once } from 'node:events';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { MlflowService } from '../mlflow/service.js';
import { createOAuthServer } from '../oauth/oidc.js';
import { createServingRegistry, type ServingRegistry } from '../serving/registry.js';
import { isAsyncIterable, isReply, isStreamReply, ServingError } from '../serving/reply.js';
import type {
  DriverProxyAppDefinition,
  ServingApi,
  ServingEndpointDefinition,
  ServingRequestRecord,
} from '../serving/types.js';
import { validateServingRequest } from '../serving/validate.js';
import type { FaultInjector, RestHandler, TokenRegistry } from '../types.js';
import {
  disconnectSignal,
  readBody,
  readJsonBody,
  sendError,
  sendJson,
  sendText,
  visibleHeaders,
} from './http.js';

export interface RestRouterOptions {
  /** Public base URL of the workspace (`https://127.0.0.1:PORT`), known after listen. */
  host: () => string;
  tokens: TokenRegistry;
  faults: FaultInjector;
  clusterId: string;
  /** The service principal the OAuth token endpoint accepts. */
  oauth: { clientId: string; clientSecret: string; tokenLifetimeSeconds: number };
  /** Serving endpoints, or a registry shared with the caller. */
  servingEndpoints?: ServingEndpointDefinition[] | ServingRegistry;
  /** Apps on ports of the cluster driver, reached through the driver proxy. */
  driverProxyApps?: DriverProxyAppDefinition[];
  /**
   * Status for an expired OAuth token. Databricks answers 403 "Invalid access token." (clients
   * that refresh only on 401 break on it, which is why this is the default); 401 is available for
   * clients that want to test the other path.
   */
  expiredTokenStatus?: 401 | 403;
  /** Public OAuth clients (no secret) allowed in the authorize flow. Default `['databricks-cli']`. */
  publicClientIds?: string[];
  /** MLflow tracking, traces, the UC model registry and emulated cloud storage. */
  mlflow?: MlflowService;
}

/** The REST handler plus the live state tests inspect. */
export type LocalRestHandler = RestHandler & {
  /** Serving endpoints and the log of requests they received. */
  serving: ServingRegistry;
  /** Driver-proxy apps by port; add or remove while running. */
  driverProxyApps: Map<number, DriverProxyAppDefinition>;
};

type RouteName =
  | 'oidc-discovery'
  | 'oauth-token'
  | 'oauth-authorize'
  | 'serving-endpoints'
  | 'serving-invocations'
  | 'driver-proxy';

type Route =
  | { name: 'oidc-discovery' | 'oauth-token' | 'oauth-authorize' }
  | { name: 'serving-endpoints'; endpoint?: string }
  | { name: 'serving-invocations'; api: ServingApi; endpoint?: string }
  | { name: 'driver-proxy'; orgId: string; clusterId: string; port: string; subpath: string };

function decode(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}

function matchRoute(path: string): Route | undefined {
  if (
    path === '/oidc/.well-known/oauth-authorization-server' ||
    path === '/oidc/.well-known/openid-configuration'
  )
    return { name: 'oidc-discovery' };
  if (path === '/oidc/v1/token') return { name: 'oauth-token' };
  if (path === '/oidc/v1/authorize') return { name: 'oauth-authorize' };
  if (path === '/api/2.0/serving-endpoints' || path === '/api/2.0/serving-endpoints/')
    return { name: 'serving-endpoints' };
  let match = /^\/api\/2\.0\/serving-endpoints\/([^/]+)\/?$/.exec(path);
  if (match?.[1]) return { name: 'serving-endpoints', endpoint: decode(match[1]) };
  if (path === '/serving-endpoints/chat/completions')
    return { name: 'serving-invocations', api: 'chat/completions' };
  if (path === '/serving-endpoints/completions')
    return { name: 'serving-invocations', api: 'completions' };
  if (path === '/serving-endpoints/embeddings')
    return { name: 'serving-invocations', api: 'embeddings' };
  match = /^\/serving-endpoints\/([^/]+)\/invocations\/?$/.exec(path);
  if (match?.[1])
    return { name: 'serving-invocations', api: 'invocations', endpoint: decode(match[1]) };
  match = /^\/driver-proxy-api\/o\/([^/]+)\/([^/]+)\/([^/]+)(\/.*)?$/.exec(path);
  if (match?.[1] && match[2] && match[3])
    return {
      name: 'driver-proxy',
      orgId: match[1],
      clusterId: decode(match[2]),
      port: match[3],
      subpath: match[4] ?? '',
    };
  return undefined;
}

const TASK_OF_API: Partial<Record<ServingApi, string>> = {
  'chat/completions': 'llm/v1/chat',
  completions: 'llm/v1/completions',
  embeddings: 'llm/v1/embeddings',
};

const LLM_TASKS = new Set(['llm/v1/chat', 'llm/v1/completions', 'llm/v1/embeddings']);

/** Pause between the last event of a cut stream and the socket being destroyed. */
const CUT_GRACE_MS = 100;

function formatEvent(chunk: unknown): string {
  const data = typeof chunk === 'string' ? chunk : JSON.stringify(chunk);
  return `data: ${data}\n\n`;
}

async function write(response: ServerResponse, text: string): Promise<void> {
  if (response.destroyed) return;
  if (!response.write(text)) {
    await Promise.race([once(response, 'drain'), once(response, 'close')]);
  }
}

/**
 * Writes chunks as SSE events and returns the status sent. The first chunk is awaited before the
 * headers go out, so a handler whose stream fails at once with a `ServingError` (a scripted 429,
 * say) still answers with that status and a JSON error body. With `cut`, writes the first half of
 * the chunks and then destroys the socket: the client sees a stream that ends without `[DONE]` and
 * without a clean end of the HTTP body (the chunks are gathered first, to know where half is).
 */
async function writeStream(
  response: ServerResponse,
  chunks: AsyncIterable<unknown>,
  options: { headers: Record<string, string>; done: boolean; cut: boolean; signal: AbortSignal },
): Promise<number> {
  const iterator = chunks[Symbol.asyncIterator]();
  let next: IteratorResult<unknown>;
  try {
    next = await iterator.next();
  } catch (error) {
    if (options.signal.aborted || response.destroyed) return 499;
    if (error instanceof ServingError) {
      sendError(response, error.status, error.errorCode, error.message, error.headers);
      return error.status;
    }
    throw error;
  }
  response.writeHead(200, {
    'content-type': 'text/event-stream; charset=utf-8',
    'cache-control': 'no-cache',
    connection: 'keep-alive',
    'x-accel-buffering': 'no',
    ...options.headers,
  });
  response.flushHeaders();
  try {
    if (options.cut) {
      const all: unknown[] = [];
      while (!next.done && !options.signal.aborted) {
        all.push(next.value);
        next = await iterator.next();
      }
      const keep = all.length >= 2 ? Math.floor(all.length / 2) : 0;
      const text = all.slice(0, keep).map(formatEvent).join('') || ': stream cut\n\n';
      // Destroy a moment after the flush: a client whose body reader lags would otherwise get
      // the error before the events that did arrive (a WHATWG stream drops its queue on error).
      response.write(text, () => {
        setTimeout(() => response.socket?.destroy(), CUT_GRACE_MS).unref();
      });
      return 200;
    }
    while (!next.done) {
      if (options.signal.aborted || response.destroyed) {
        await iterator.return?.();
        return 200;
      }
      await write(response, formatEvent(next.value));
      next = await iterator.next();
    }
    if (options.done) await write(response, 'data: [DONE]\n\n');
    response.end();
  } catch (error) {
    if (options.signal.aborted || response.destroyed) return 200;
    if (error instanceof ServingError) {
      // An error in the middle of a stream arrives as one more event, then the stream ends.
      await write(response, formatEvent({ error_code: error.errorCode, message: error.message }));
      response.end();
      return 200;
    }
    response.socket?.destroy();
  }
  return 200;
}

export function createRestHandler(options: RestRouterOptions): LocalRestHandler {
  const serving = Array.isArray(options.servingEndpoints)
    ? createServingRegistry(options.servingEndpoints)
    : (options.servingEndpoints ?? createServingRegistry());
  const driverProxyApps = new Map<number, DriverProxyAppDefinition>();
  for (const app of options.driverProxyApps ?? []) driverProxyApps.set(app.port, app);
  const oauth = createOAuthServer({
    host: options.host,
    tokens: options.tokens,
    clientId: options.oauth.clientId,
    clientSecret: options.oauth.clientSecret,
    tokenLifetimeSeconds: options.oauth.tokenLifetimeSeconds,
    publicClientIds: options.publicClientIds,
  });
  const expiredStatus = options.expiredTokenStatus ?? 403;

  /** Databricks-style answers for missing, unknown and expired bearer tokens. */
  const authenticate = (request: IncomingMessage, response: ServerResponse): boolean => {
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
    const verdict = options.tokens.verify(header);
    if (verdict === 'valid') return true;
    if (verdict === 'expired')
      sendError(response, expiredStatus, String(expiredStatus), 'Invalid access token.');
    else sendError(response, 403, '403', 'Invalid access token.');
    return false;
  };

  /** Sends a handler's result: a reply, a stream, or a JSON value. Returns the status sent. */
  const sendResult = async (
    response: ServerResponse,
    result: unknown,
    signal: AbortSignal,
    route: RouteName,
    path: string,
  ): Promise<{ status: number; streamed: boolean }> => {
    if (isReply(result)) {
      if (result.text !== undefined) sendText(response, result.status, result.text, result.headers);
      else sendJson(response, result.status, result.body, result.headers);
      return { status: result.status, streamed: false };
    }
    if (isStreamReply(result) || isAsyncIterable(result)) {
      const stream = isStreamReply(result)
        ? result
        : { chunks: result as AsyncIterable<unknown>, headers: {}, done: true };
      const status = await writeStream(response, stream.chunks, {
        headers: stream.headers,
        done: stream.done,
        cut: options.faults.shouldCutStream(route, path),
        signal,
      });
      return { status, streamed: status === 200 };
    }
    sendJson(response, 200, result === undefined ? {} : result);
    return { status: 200, streamed: false };
  };

  const sendHandlerError = (response: ServerResponse, error: unknown, signal: AbortSignal) => {
    if (signal.aborted || response.destroyed) return 499;
    if (error instanceof ServingError) {
      sendError(response, error.status, error.errorCode, error.message, error.headers);
      return error.status;
    }
    const message = error instanceof Error ? error.message : String(error);
    sendError(response, 500, 'INTERNAL_ERROR', message);
    return 500;
  };

  const getEndpoints = (request: IncomingMessage, response: ServerResponse, endpoint?: string) => {
    if (request.method !== 'GET')
      return sendError(
        response,
        501,
        'NOT_IMPLEMENTED',
        `The local workspace does not implement ${request.method} on serving endpoints; declare endpoints in its options.`,
      );
    if (endpoint === undefined)
      return sendJson(response, 200, {
        endpoints: serving
          .list()
          .map((definition) => serving.describe(definition.name))
          .filter(Boolean),
      });
    const description = serving.describe(endpoint);
    if (!description)
      return sendError(
        response,
        404,
        'RESOURCE_DOES_NOT_EXIST',
        `Serving endpoint with name '${endpoint}' does not exist.`,
      );
    return sendJson(response, 200, description);
  };

  const invoke = async (
    request: IncomingMessage,
    response: ServerResponse,
    route: Extract<Route, { name: 'serving-invocations' }>,
    path: string,
  ) => {
    if (request.method !== 'POST')
      return sendError(
        response,
        405,
        'BAD_REQUEST',
        `Method ${request.method} is not allowed; use POST.`,
        { allow: 'POST' },
      );
    let definition: ServingEndpointDefinition | undefined;
    if (route.endpoint !== undefined) {
      definition = serving.get(route.endpoint);
      if (!definition) {
        await readBody(request).catch(() => undefined);
        return sendError(
          response,
          404,
          'RESOURCE_DOES_NOT_EXIST',
          `Serving endpoint with name '${route.endpoint}' does not exist.`,
        );
      }
    }
    const parsed = await readJsonBody(request, response);
    if (!parsed.ok) return;
    const body = parsed.body;
    if (!definition) {
      const model =
        typeof body === 'object' && body !== null
          ? (body as Record<string, unknown>).model
          : undefined;
      if (typeof model !== 'string' || model === '')
        return sendError(
          response,
          400,
          'BAD_REQUEST',
          'Missing required field: model (the name of the serving endpoint)',
        );
      definition = serving.get(model);
      if (!definition)
        return sendError(
          response,
          404,
          'RESOURCE_DOES_NOT_EXIST',
          `Serving endpoint with name '${model}' does not exist.`,
        );
    }
    const record: ServingRequestRecord = {
      endpoint: definition.name,
      api: route.api,
      method: request.method ?? 'POST',
      path,
      headers: visibleHeaders(request),
      body,
      receivedAt: Date.now(),
    };
    serving.record(record);

    const signal = disconnectSignal(response);
    try {
      if (definition.permissionLevel === 'CAN_VIEW')
        throw new ServingError(
          403,
          'PERMISSION_DENIED',
          `User does not have permission to query serving endpoint '${definition.name}'.`,
        );
      const expectedTask = TASK_OF_API[route.api];
      if (expectedTask && LLM_TASKS.has(definition.task) && definition.task !== expectedTask)
        throw new ServingError(
          400,
          'BAD_REQUEST',
          `Serving endpoint '${definition.name}' has task ${definition.task}, which does not accept ${route.api} requests.`,
        );
      if (body === undefined)
        throw new ServingError(400, 'BAD_REQUEST', 'The request body must be a JSON object');
      validateServingRequest(body, definition);
      const result = await definition.handler({
        endpoint: definition.name,
        task: definition.task,
        api: route.api,
        body,
        headers: record.headers,
        signal,
      });
      const sent = await sendResult(response, result, signal, 'serving-invocations', path);
      record.status = sent.status;
      record.streamed = sent.streamed;
    } catch (error) {
      record.status = sendHandlerError(response, error, signal);
    }
  };

  const driverProxy = async (
    request: IncomingMessage,
    response: ServerResponse,
    route: Extract<Route, { name: 'driver-proxy' }>,
    url: URL,
  ) => {
    const raw = await readBody(request).catch(() => undefined);
    if (route.clusterId !== options.clusterId)
      return sendError(
        response,
        404,
        'RESOURCE_DOES_NOT_EXIST',
        `Cluster ${route.clusterId} does not exist`,
      );
    const port = Number(route.port);
    const app = Number.isInteger(port) ? driverProxyApps.get(port) : undefined;
    if (!app)
      return sendError(
        response,
        502,
        'TEMPORARILY_UNAVAILABLE',
        `No application is listening on port ${route.port} of the driver of cluster ${route.clusterId}.`,
      );
    const text = raw?.toString('utf8') ?? '';
    let body: unknown;
    if (text.trim() !== '') {
      try {
        body = JSON.parse(text);
      } catch {
        body = text;
      }
    }
    const record: ServingRequestRecord = {
      endpoint: `driver-proxy:${port}`,
      api: 'driver-proxy',
      method: request.method ?? 'POST',
      path: url.pathname,
      headers: visibleHeaders(request),
      body,
      receivedAt: Date.now(),
    };
    serving.record(record);
    const signal = disconnectSignal(response);
    try {
      const result = await app.handler(body, {
        method: request.method ?? 'POST',
        clusterId: route.clusterId,
        orgId: route.orgId,
        port,
        subpath: route.subpath,
        query: url.searchParams,
        headers: record.headers,
        signal,
      });
      const sent = await sendResult(response, result, signal, 'driver-proxy', url.pathname);
      record.status = sent.status;
      record.streamed = sent.streamed;
    } catch (error) {
      record.status = sendHandlerError(response, error, signal);
    }
  };

  const handler: RestHandler = async (request, response, context) => {
    const url = new URL(request.url ?? '/', 'http://local');
    const path = (context?.path || url.pathname).split('?')[0] ?? url.pathname;
    const route = matchRoute(path);
    const mlflowRoute = route ? undefined : options.mlflow?.match(request.method ?? 'GET', path);
    const routeName = route?.name ?? mlflowRoute?.name;
    if (!routeName) return false;
    // Databricks tags every answer with a request id; clients quote it in their errors.
    if (!response.headersSent) response.setHeader('x-request-id', randomUUID());

    const decision = await options.faults.before(routeName, path);
    if (decision.kind === 'reset') {
      request.socket.destroy();
      return true;
    }
    if (decision.kind === 'status') {
      request.resume();
      const headers: Record<string, string> = {};
      if (decision.retryAfterSeconds !== undefined)
        headers['retry-after'] = String(decision.retryAfterSeconds);
      if (decision.status === 429)
        sendError(
          response,
          429,
          'REQUEST_LIMIT_EXCEEDED',
          'The request rate limit was exceeded. Retry after the time given in Retry-After.',
          headers,
        );
      else
        sendError(
          response,
          503,
          'TEMPORARILY_UNAVAILABLE',
          'The service is temporarily unavailable. Please retry.',
          headers,
        );
      return true;
    }

    if (mlflowRoute && options.mlflow) {
      // Cloud storage checks its own signatures: a workspace token must never be needed there.
      if (mlflowRoute.name === 'cloud-storage') {
        await options.mlflow.handleStorage(request, response);
        return true;
      }
      if (!authenticate(request, response)) {
        request.resume();
        return true;
      }
      await options.mlflow.handleApi(request, response, mlflowRoute);
      return true;
    }
    if (!route) return false;

    switch (route.name) {
      case 'oidc-discovery':
        await oauth.discovery(request, response);
        return true;
      case 'oauth-token':
        if (request.method !== 'POST') {
          sendJson(
            response,
            405,
            { error: 'invalid_request', error_description: 'Use POST' },
            { allow: 'POST' },
          );
          return true;
        }
        await oauth.token(request, response);
        return true;
      case 'oauth-authorize':
        await oauth.authorize(request, response);
        return true;
      default:
        break;
    }

    if (!authenticate(request, response)) {
      request.resume();
      return true;
    }
    if (route.name === 'serving-endpoints') getEndpoints(request, response, route.endpoint);
    else if (route.name === 'serving-invocations') await invoke(request, response, route, path);
    else await driverProxy(request, response, route, url);
    return true;
  };

  return Object.assign(handler, { serving, driverProxyApps });
}
