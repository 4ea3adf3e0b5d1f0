/**
 * The contract between the one HTTPS listener and the services it serves. A service is a folder
 * under `src/services/` that exports one `defineService(...)`: its name (which is also the key of
 * its options in `startLocalWorkspace()` and of its state on the workspace object), and a
 * `create()` that returns its routes, its inspectable state and how to stop it. The listener does
 * everything routes have in common, once: route matching, request ids, fault injection, body size
 * limits, bearer authentication, body parsing, sending results (JSON, replies, SSE streams) and
 * Databricks-shaped errors.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { SqlEngine } from '../engine/sql_engine.js';
import type { FaultInjector } from './faults.js';
import type { TokenRegistry } from './tokens.js';

export type HttpMethod = 'GET' | 'HEAD' | 'POST' | 'PUT' | 'PATCH' | 'DELETE' | 'OPTIONS';

/** What a route handler receives. */
export interface RouteRequest {
  readonly method: string;
  /** The path, without the query string, as sent (not decoded). */
  readonly path: string;
  readonly url: URL;
  readonly query: URLSearchParams;
  /**
   * Parameters of the path pattern, decoded: named ones for string patterns (`:name`; a wildcard
   * `*rest` is its segments joined with `/`, with a leading `/`), and `'1'`, `'2'`... for the
   * capture groups of a RegExp pattern.
   */
  readonly params: Readonly<Record<string, string>>;
  /** Request headers in lower case, without `authorization` and `cookie`. */
  readonly headers: Readonly<Record<string, string>>;
  /**
   * The body: parsed JSON (`undefined` when empty) for routes with `body: 'json'`, the raw bytes
   * for `body: 'raw'`, and `undefined` for `body: 'none'`.
   */
  readonly body: unknown;
  /** The raw bytes of the body (empty for `body: 'none'`). */
  readonly rawBody: Buffer;
  /** Aborted when the client goes away before the response is complete. */
  readonly signal: AbortSignal;
  /** The fault-injection route name this request was counted under. */
  readonly routeName: string;
  /** The Node request, for handlers that need more than the above (signatures, raw headers). */
  readonly incoming: IncomingMessage;
  /**
   * The Node response. A handler may write it itself (cloud storage answers in each cloud's own
   * format, Thrift in its binary protocol); otherwise its return value is sent for it.
   */
  readonly response: ServerResponse;
  /**
   * Sends a result now (as the listener would send a return value) and says what went out; for
   * handlers that log the status of what they answered.
   */
  send(result: unknown): Promise<{ status: number; streamed: boolean }>;
}

/**
 * What a handler may return: a JSON value (sent with 200; `undefined` sends `{}`), a `reply(...)`
 * with a status and headers, a `streamReply(...)` or a bare async iterable (sent as SSE events),
 * or nothing after writing the response itself. Throwing an `ApiError` (or a subclass) answers
 * with its status and Databricks' error body; any other error answers 500 `INTERNAL_ERROR`.
 */
export type RouteHandler = (request: RouteRequest) => unknown | Promise<unknown>;

export interface Route {
  /** Accepted methods; `'*'` accepts any (the handler answers the others itself). */
  readonly method: HttpMethod | readonly HttpMethod[] | '*';
  /**
   * A path pattern (`/api/2.0/serving-endpoints/:name`, `/files{/*path}`; see path-to-regexp),
   * or a RegExp matched against the raw path, for paths no pattern can express.
   */
  readonly path: string | RegExp;
  /**
   * The route name used by fault injection rules and request counts (`'serving-invocations'`,
   * `'thrift'`, `'mlflow'`...). Several routes may share one.
   */
  readonly name: string;
  /**
   * `'bearer'` (default): a workspace token (PAT or OAuth) is required, checked after faults and
   * before the body is read. `'none'`: public (OAuth endpoints) or checked by the handler (signed
   * cloud-storage URLs, which must never need a workspace token).
   */
  readonly auth?: 'bearer' | 'none';
  /** Status for a bearer token the workspace does not know: 403 (default, REST) or 401 (Thrift). */
  readonly invalidTokenStatus?: 401 | 403;
  /** How the body is read: `'json'` (default), `'raw'` or `'none'` (drained, not kept). */
  readonly body?: 'json' | 'raw' | 'none';
  /** Larger bodies answer 413 (checked before authentication). Default `DEFAULT_MAX_BODY_BYTES`. */
  readonly maxBodyBytes?: number;
  readonly handle: RouteHandler;
}

/** Identifiers of the workspace that several services need. */
export interface WorkspaceIds {
  readonly warehouseId: string;
  readonly clusterId: string;
  /** Numeric workspace id (the `o=` of Databricks URLs), as a string. */
  readonly workspaceId: string;
}

/** What every service gets at creation. */
export interface ServiceContext {
  /** Public base URL of the workspace (`https://127.0.0.1:PORT`); known once listening. */
  host(): string;
  readonly ids: WorkspaceIds;
  /** The bearer tokens the workspace accepts (PATs and issued OAuth tokens). */
  readonly tokens: TokenRegistry;
  readonly faults: FaultInjector;
  /** The workspace's tables (Unity Catalog on DuckDB), shared by every service that reads them. */
  readonly engine: SqlEngine;
  /**
   * The state of a service created earlier in the registration order (for a service built on
   * another, e.g. one that calls serving endpoints). Throws if there is none by that name.
   */
  service<State = unknown>(name: string): State;
}

/** A running service. */
export interface ServiceInstance<State = unknown> {
  readonly routes: readonly Route[];
  /** Exposed as `workspace.<name>` for tests and tools to inspect and configure. */
  readonly state: State;
  /** Stops what the service started (sessions, processes). Called once, in reverse order. */
  stop?(): Promise<void>;
}

export interface ServiceDefinition<
  Name extends string = string,
  Options = unknown,
  State = unknown,
> {
  readonly name: Name;
  create(
    context: ServiceContext,
    options: Options | undefined,
  ): ServiceInstance<State> | Promise<ServiceInstance<State>>;
}

/** Identity function that infers a service's name, options and state types. */
export function defineService<Name extends string, Options, State>(
  definition: ServiceDefinition<Name, Options, State>,
): ServiceDefinition<Name, Options, State> {
  return definition;
}

// biome-ignore lint/suspicious/noExplicitAny: inference helpers over any service definition.
type AnyService = ServiceDefinition<string, any, any>;

export type ServiceOptionsOf<S> =
  S extends ServiceDefinition<string, infer Options, unknown> ? Options : never;
export type ServiceStateOf<S> =
  S extends ServiceDefinition<string, unknown, infer State> ? State : never;

/** `{ [name]?: options }` for a list of services. */
export type OptionsOfServices<List extends readonly AnyService[]> = {
  [S in List[number] as S['name']]?: ServiceOptionsOf<S>;
};

/** `{ [name]: state }` for a list of services. */
export type StatesOfServices<List extends readonly AnyService[]> = {
  readonly [S in List[number] as S['name']]: ServiceStateOf<S>;
};
