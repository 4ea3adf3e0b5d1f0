/**
 * The one door to the network for this package: host and credentials come from @lakechain/core's
 * unified auth chain and every request goes through core's `DatabricksClient`, so retries (429 and
 * 503 with `Retry-After`, resets on reads), timeouts and error parsing live in core's transport.
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
export interface GenieClientRequest {
  method: HttpMethod;
  path: string;
  query?: Record<string, QueryValue | QueryValue[]>;
  body?: unknown;
  signal?: AbortSignal;
  timeoutMs?: number;
  retry?: RetryOptions | false;
}

/**
 * What this package needs from an HTTP client: core's `DatabricksClient` satisfies it, so one
 * client (one connection pool, one token cache) can be shared with other lakechain packages.
 */
export interface GenieHttpClient {
  readonly host?: string;
  request<T>(request: GenieClientRequest): Promise<T>;
}

/**
 * Workspace and auth options, resolved by @lakechain/core (options, then `DATABRICKS_*`
 * environment variables, then `~/.databrickscfg` profiles, then the Databricks runtime).
 */
export interface GenieAuthOptions extends WorkspaceAuthOptions {
  /** A ready client (e.g. a `DatabricksClient` shared with other packages). Wins over the rest. */
  client?: GenieHttpClient;
  /** Per-attempt HTTP timeout in ms (core's default: 60 s). */
  requestTimeoutMs?: number;
  /**
   * Core's retry policy for reads (polls, results), or `false` for none. Questions always wait
   * out 429s within the call's time budget.
   */
  retry?: RetryOptions | false;
}

const _isFunction = (value: unknown) => typeof value === 'function';

/** Zod shape of the auth options, shared by every class's option validation. */
export const authOptionsShape = {
  ...workspaceAuthOptionsShape,
  client: z
    .custom<GenieHttpClient>(
      (value) => typeof (value as GenieHttpClient | undefined)?.request === 'function',
      'must have a request() method',
    )
    .optional(),
  requestTimeoutMs: z.number().int().positive().optional(),
  retry: z.union([z.literal(false), z.record(z.string(), z.number())]).optional(),
};

/** Constructor-time validation: the error names the class and the option at fault. */
export const validateOptions = parseClassOptions;

/**
 * Config and client, resolved once and lazily by core's `WorkspaceConnection` (which also
 * releases on `close()` what it created). Genie names its per-attempt timeout `requestTimeoutMs`
 * (its `timeoutMs` is the budget of a whole question), so it is passed on as core's `timeoutMs`.
 */
export class GenieConnection extends WorkspaceConnection {
  constructor(auth: GenieAuthOptions) {
    const { requestTimeoutMs, ...rest } = auth;
    super(
      {
        ...pickConnectionOptions(rest),
        ...(requestTimeoutMs !== undefined ? { timeoutMs: requestTimeoutMs } : {}),
      },
      { userAgent: USER_AGENT, owner: 'Genie client' },
    );
  }

  override client(): Promise<GenieHttpClient> {
    return super.client() as Promise<GenieHttpClient>;
  }

  /** Sends one request through the (lazily created) client. */
  override request<T>(request: GenieClientRequest): Promise<T> {
    return super.request<T>(request);
  }
}
