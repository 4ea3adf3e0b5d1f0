/**
 * The one door to the network for this package: host and credentials are resolved by
 * @lakechain/core's unified auth chain (its `WorkspaceConnection`), and every request goes through
 * core's `DatabricksClient`, so retries (429/503 with Retry-After, resets on idempotent calls), timeouts and error parsing
 * live in core's transport and nowhere else. The vector store has no AsyncCaller of its own, so
 * core's retry policy is the only one that applies.
 */
import type { HttpMethod, QueryValue, RetryOptions, WorkspaceAuthOptions } from '@lakechain/core';
import {
  parseClassOptions,
  pickConnectionOptions,
  WorkspaceConnection,
  workspaceAuthOptionsShape,
} from '@lakechain/core';
import { z } from 'zod';
import { USER_AGENT } from './version.js';

/** A request as core's `DatabricksClient.request` takes it (the subset used here). */
export interface VectorSearchClientRequest {
  method: HttpMethod;
  path: string;
  query?: Record<string, QueryValue | QueryValue[]>;
  body?: unknown;
  signal?: AbortSignal;
  timeoutMs?: number;
  idempotent?: boolean;
  retry?: RetryOptions | false;
}

/**
 * What this package needs from an HTTP client: core's `DatabricksClient` satisfies it, so one
 * client (one connection pool, one token cache) can be shared with other lakechain packages.
 */
export interface VectorSearchHttpClient {
  request<T>(request: VectorSearchClientRequest): Promise<T>;
}

/**
 * Workspace and auth options, resolved by @lakechain/core (options, then `DATABRICKS_*`
 * environment variables, then `~/.databrickscfg` profiles, then the Databricks runtime).
 */
export interface VectorSearchAuthOptions extends WorkspaceAuthOptions {
  /** A ready client (e.g. a `DatabricksClient` shared with other packages). Wins over the rest. */
  client?: VectorSearchHttpClient;
  /** Per-attempt HTTP timeout in ms (core's default: 60 s). */
  timeoutMs?: number;
  /** Core's retry policy for these requests, or `false` to turn retries off. */
  retry?: RetryOptions | false;
}

/** Zod shape of the auth options, shared by every class's option validation. */
export const authOptionsShape = {
  ...workspaceAuthOptionsShape,
  client: z
    .custom<VectorSearchHttpClient>(
      (value) =>
        typeof value === 'object' &&
        value !== null &&
        typeof (value as VectorSearchHttpClient).request === 'function',
      'must have a request() method',
    )
    .optional(),
  timeoutMs: z.number().int().positive().optional(),
  retry: z.union([z.literal(false), z.record(z.string(), z.number())]).optional(),
};

/** The auth options out of a class's constructor fields (nothing else is kept). */
export function pickAuthOptions(fields: object): VectorSearchAuthOptions {
  return pickConnectionOptions(fields) as VectorSearchAuthOptions;
}

/** Constructor-time validation: the error names the class and the option at fault. */
export const validateOptions = parseClassOptions;

/**
 * Config and client, resolved once and lazily for one object (a vector store, a tool, a client)
 * by core's `WorkspaceConnection`, which also releases on `close()` what it created.
 */
export class VectorSearchConnection extends WorkspaceConnection {
  constructor(auth: VectorSearchAuthOptions, owner = 'Vector Search client') {
    super(auth, { userAgent: USER_AGENT, owner });
  }

  override client(): Promise<VectorSearchHttpClient> {
    return super.client() as Promise<VectorSearchHttpClient>;
  }

  /** Sends one request with this connection's defaults (timeout, retry policy). */
  override request<T>(request: VectorSearchClientRequest): Promise<T> {
    return super.request<T>(request);
  }
}
