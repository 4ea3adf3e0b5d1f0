/**
 * The one door to the network for this package. Every request goes through @lakechain/core's
 * HTTP transport (OSS server, signed URLs) or its DatabricksClient (workspace APIs), so retries,
 * timeouts and error parsing live in exactly one layer of the repository.
 */

import type {
  DatabricksConfig,
  FetchFunction,
  HttpMethod,
  HttpTransport,
  QueryValue,
  RetryOptions,
} from '@lakechain/core';
import {
  createHttpTransport,
  DatabricksClient,
  DatabricksConnectionError,
  resolveConfig,
} from '@lakechain/core';
import type { StorageSend } from './cloud_storage.js';
import {
  ossAuthHeaders,
  redactUrl,
  resolveTrackingTarget,
  secretsOf,
  type TrackingOptions,
  type TrackingTarget,
} from './tracking_uri.js';
import { VERSION } from './version.js';

export interface MlflowRequest {
  method: HttpMethod;
  /** Path on the tracking server, e.g. `/api/2.0/mlflow/runs/create`. */
  path: string;
  query?: Record<string, QueryValue | QueryValue[]>;
  /** JSON-serialisable object, or raw bytes/text for artifact uploads. */
  body?: unknown;
  headers?: Record<string, string>;
  signal?: AbortSignal;
  idempotent?: boolean;
  retry?: RetryOptions | false;
}

/** JSON and byte requests against one tracking server (OSS or Databricks). */
export interface MlflowConnection {
  readonly kind: 'oss' | 'databricks';
  /** Display form of the server (no credentials). */
  readonly displayHost: string;
  request<T>(req: MlflowRequest): Promise<T>;
  /**
   * A request to cloud object storage (signed URLs, temporary credentials): the same transport and
   * retry policy, but never the tracking server's or workspace's credentials.
   */
  storage: StorageSend;
  /** Secret strings to scrub from anything this package writes or prints. */
  secrets(): readonly string[];
  /**
   * Releases what the connection opened (connection pools made for the workspace's `caCert`, the
   * config it resolved) once requests in flight finish; later requests are refused. Idempotent.
   * Never closes what was passed in (`transport`, `databricksConfig`).
   */
  close(): Promise<void>;
}

export interface ConnectionOptions extends TrackingOptions {
  /** Custom fetch (tests, proxies). Passed to core's transport/client. */
  fetch?: FetchFunction;
  /**
   * A ready transport to use instead of core's `createHttpTransport` (tests). Databricks mode
   * uses it for signed-URL uploads.
   */
  transport?: HttpTransport;
  /** Resolved Databricks config to use instead of core's `resolveConfig` (tests, apps that have one). */
  databricksConfig?: DatabricksConfig;
  /** Default retry policy for this package's requests; the exporter keeps its own outer budget. */
  retry?: RetryOptions;
}

const USER_AGENT = `@lakechain/mlflow-tracking/${VERSION}`;

export function createConnection(options: ConnectionOptions = {}): MlflowConnection {
  const target = resolveTrackingTarget(options);
  return target.kind === 'oss'
    ? ossConnection(target, options)
    : databricksConnection(target, options);
}

function makeTransport(options: ConnectionOptions, caCert?: string): HttpTransport {
  if (options.transport) return options.transport;
  return createHttpTransport({
    fetch: options.fetch,
    userAgent: USER_AGENT,
    retry: options.retry,
    // The workspace's extra CA (a corporate TLS proxy, a local workspace) applies to the storage
    // it hands out too; it is added to the system roots, never instead of them.
    ...(caCert ? { caCert } : {}),
  });
}

/** Storage requests are idempotent: whole-file PUTs, and ADLS create/append/flush steps that Azure accepts again at the same position. */
function storageSender(getTransport: () => Promise<HttpTransport> | HttpTransport): StorageSend {
  return async ({ method, url, body, headers }) =>
    (await getTransport()).request({ method, url, body, headers, idempotent: true });
}

function ossConnection(target: TrackingTarget, options: ConnectionOptions): MlflowConnection {
  const baseUrl = target.baseUrl ?? '';
  let transport: HttpTransport | undefined;
  const authHeaders = ossAuthHeaders(target.auth);
  const secrets = secretsOf(target.auth);
  let closed = false;
  const getTransport = () => {
    if (closed) throw closedError();
    transport ??= makeTransport(options);
    return transport;
  };
  return {
    kind: 'oss',
    displayHost: redactUrl(baseUrl),
    async request<T>(req: MlflowRequest): Promise<T> {
      const res = await getTransport().request<T>({
        method: req.method,
        url: baseUrl + req.path,
        query: req.query,
        // Auth is added here, not baked into the transport, so signed-URL uploads that share the
        // transport never carry tracking-server credentials to a cloud bucket.
        headers: { ...req.headers, ...authHeaders },
        body: req.body,
        signal: req.signal,
        idempotent: req.idempotent,
        retry: req.retry ?? options.retry,
      });
      return res.data;
    },
    storage: storageSender(getTransport),
    secrets: () => secrets,
    async close() {
      closed = true;
      if (!options.transport) await transport?.close?.();
    },
  };
}

function databricksConnection(
  target: TrackingTarget,
  options: ConnectionOptions,
): MlflowConnection {
  let clientPromise: Promise<DatabricksClient> | undefined;
  let transport: HttpTransport | undefined;
  let caCert: string | undefined;
  /** A config this connection resolved itself (it owns its token-request pool). */
  let ownConfig: DatabricksConfig | undefined;
  let closing: Promise<void> | undefined;
  const getClient = () => {
    if (closing) return Promise.reject(closedError());
    clientPromise ??= (async () => {
      let config = options.databricksConfig;
      if (!config) {
        config = await resolveConfig({
          ...(target.profile ? { profile: target.profile } : {}),
          ...(options.fetch ? { fetch: options.fetch } : {}),
          ...(options.env ? { env: { ...options.env } } : {}),
        });
        ownConfig = config;
      }
      caCert = config.caCert;
      return new DatabricksClient({
        config,
        fetch: options.fetch,
        userAgent: USER_AGENT,
        retry: options.retry,
      });
    })();
    // A failed resolution (missing host, bad profile) is retried on the next call, not cached.
    clientPromise.catch(() => {
      clientPromise = undefined;
    });
    return clientPromise;
  };
  return {
    kind: 'databricks',
    displayHost: target.profile ? `databricks://${target.profile}` : 'databricks',
    async request<T>(req: MlflowRequest): Promise<T> {
      const client = await getClient();
      return client.request<T>({
        method: req.method,
        path: req.path,
        query: req.query,
        body: req.body,
        headers: req.headers,
        signal: req.signal,
        idempotent: req.idempotent,
        retry: req.retry ?? options.retry,
      });
    },
    storage: storageSender(async () => {
      if (!transport) {
        await getClient();
        if (closing) throw closedError();
        // With an injected fetch, TLS belongs to that fetch (as in core's client).
        transport = makeTransport(options, options.fetch ? undefined : caCert);
      }
      return transport;
    }),
    // Databricks tokens never reach this package: core adds them inside its client.
    secrets: () => [],
    close() {
      closing ??= (async () => {
        const client = await clientPromise?.catch(() => undefined);
        await client?.close();
        if (!options.transport) await transport?.close?.();
        await ownConfig?.close?.();
      })();
      return closing;
    },
  };
}

/** What core's client throws after close() (same code), for requests refused before reaching it. */
function closedError(): DatabricksConnectionError {
  return new DatabricksConnectionError(
    'The MLflow connection was closed (close() releases its connection pools). Create a new ' +
      'client, tracer or handler for further requests.',
    { code: 'CLIENT_CLOSED', retryable: false },
  );
}
