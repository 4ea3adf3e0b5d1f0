/**
 * Typed errors of @lakechain/databricks-mcp: a server that cannot be reached or refuses the
 * workspace's credentials, a resource it does not know (`BAD_REQUEST: ... not found`), a tool
 * call that failed. Each carries the server's name and URL, and a `Symbol.for` marker so
 * `isInstance()` works across package copies.
 */
import {
  DatabricksAuthError,
  DatabricksConnectionError,
  hasErrorMarker,
  LakechainError,
} from '@lakechain/core';
import { StreamableHTTPError } from '@modelcontextprotocol/sdk/client/streamableHttp.js';

export type MCPServerErrorReason =
  /** No HTTP answer: refused, reset, DNS, TLS, timeout. */
  | 'connection_failed'
  /** The server refused the credentials (401/403), or a Databricks App redirected to a login. */
  | 'unauthorized'
  /** The server answered the protocol with an error (an unknown space, index or tool...). */
  | 'bad_request'
  /** A tool ran and reported an error. */
  | 'tool_failed'
  /** Anything else the server answered. */
  | 'request_failed';

const marker = 'lakechain.error.mcp';
const symbol = Symbol.for(marker);

export class MCPServerError extends LakechainError {
  protected readonly [symbol] = true;
  readonly reason: MCPServerErrorReason;
  readonly serverName: string;
  readonly url?: string;
  /** HTTP status, when the failure was an HTTP answer. */
  readonly statusCode?: number;

  constructor(
    message: string,
    options: {
      reason: MCPServerErrorReason;
      serverName: string;
      url?: string;
      statusCode?: number;
      cause?: unknown;
    },
  ) {
    super(message, { cause: options.cause });
    this.name = 'MCPServerError';
    this.reason = options.reason;
    this.serverName = options.serverName;
    this.url = options.url;
    this.statusCode = options.statusCode;
  }

  static override isInstance(error: unknown): error is MCPServerError {
    return hasErrorMarker(error, marker);
  }

  override toJSON(): Record<string, unknown> {
    return {
      ...super.toJSON(),
      reason: this.reason,
      serverName: this.serverName,
      url: this.url,
      statusCode: this.statusCode,
    };
  }
}

/** Names what failed while connecting to or listing a server. */
export function toServerError(error: unknown, serverName: string, url?: string): MCPServerError {
  if (MCPServerError.isInstance(error)) return error;
  const record = error as { code?: unknown; message?: unknown; name?: string } | undefined;
  const message = String(record?.message ?? error);
  const code = typeof record?.code === 'number' ? record.code : undefined;
  let reason: MCPServerErrorReason = 'request_failed';
  let statusCode: number | undefined;
  if (DatabricksConnectionError.isInstance(error)) reason = 'connection_failed';
  else if (DatabricksAuthError.isInstance(error)) reason = 'unauthorized';
  else if (error instanceof StreamableHTTPError && code !== undefined && code > 0) {
    statusCode = code;
    reason = code === 401 || code === 403 ? 'unauthorized' : 'request_failed';
  } else if (code !== undefined && code < 0)
    reason = /BAD_REQUEST/.test(message) ? 'bad_request' : 'request_failed';
  const hint =
    reason === 'unauthorized'
      ? ' Check the workspace credentials and that the principal may use this server (Databricks Apps need OAuth and CAN USE).'
      : reason === 'connection_failed'
        ? ' Check that the workspace (or app) is up and reachable.'
        : '';
  return new MCPServerError(
    `MCP server "${serverName}"${url ? ` (${url})` : ''}: ${message}.${hint}`,
    {
      reason,
      serverName,
      url,
      statusCode,
      cause: error,
    },
  );
}
