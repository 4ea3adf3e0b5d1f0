/**
 * MCP servers as `@langchain/mcp-adapters` connections. `MCPServer` is any Streamable HTTP server
 * with static headers; `DatabricksMCPServer` is a Databricks-managed server (or a Databricks App)
 * whose host and credentials come from @lakechain/core, authenticated per request through
 * `DatabricksOAuthClientProvider` so OAuth tokens are refreshed while an agent runs.
 */

import type { WorkspaceAuthOptions } from '@lakechain/core';
import { type DatabricksConfig, DatabricksConfigError, WorkspaceConnection } from '@lakechain/core';
import type { StreamableHTTPConnection } from '@langchain/mcp-adapters';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { DatabricksOAuthClientProvider } from './auth_provider.js';
import { createCoreFetch } from './core_fetch.js';
import { withoutSessionlessStream } from './session_fetch.js';

/** A transport for the MCP SDK `Client`, and what to release when done with it. */
export interface MCPServerTransport {
  transport: StreamableHTTPClientTransport;
  url: string;
  close(): Promise<void>;
}

/** How a server's tool errors reach the agent. */
export type ToolErrorHandling =
  /** The error text becomes the tool's answer: the model sees it and can act (default). */
  | 'return'
  /** The tool throws (the agent's own error handling decides). */
  | 'throw';

export interface MCPServerOptions {
  /** The server's name in a multi-server client (tool names can be prefixed with it). */
  name: string;
  /** The server's Streamable HTTP endpoint. */
  url: string;
  /** Static headers sent with every request (not for expiring credentials). */
  headers?: Record<string, string>;
  /** Time a tool call may take, in ms. Default: the adapters' (none). */
  timeoutMs?: number;
  /** Default `'return'`. */
  toolErrors?: ToolErrorHandling;
}

const inspectSymbol = Symbol.for('nodejs.util.inspect.custom');

/** A Streamable HTTP MCP server with static headers (any server, not only Databricks'). */
export class MCPServer {
  readonly name: string;
  readonly toolErrors: ToolErrorHandling;
  readonly timeoutMs?: number;
  readonly #url: string;
  readonly #headers?: Record<string, string>;

  constructor(options: MCPServerOptions) {
    if (!options?.name)
      throw new DatabricksConfigError('An MCP server needs a `name`.', { option: 'name' });
    checkUrl(options.url, 'url');
    this.name = options.name;
    this.#url = options.url;
    this.#headers = options.headers;
    this.timeoutMs = options.timeoutMs;
    this.toolErrors = options.toolErrors ?? 'return';
  }

  /** The server's URL. */
  async url(): Promise<string> {
    return this.#url;
  }

  /** The connection for `MultiServerMCPClient({ mcpServers: { [name]: connection } })`. */
  async toConnection(): Promise<StreamableHTTPConnection> {
    return {
      transport: 'http',
      url: await this.url(),
      ...(this.#headers ? { headers: this.#headers } : {}),
      ...(this.timeoutMs !== undefined ? { defaultToolTimeout: this.timeoutMs } : {}),
      automaticSSEFallback: false,
    };
  }

  /** A Streamable HTTP transport for the MCP SDK's `Client` (what `DatabricksMultiServerMCPClient` uses). */
  async createTransport(): Promise<MCPServerTransport> {
    const url = await this.url();
    const transport = new StreamableHTTPClientTransport(new URL(url), {
      // Global fetch looked up per request (it may be replaced after this transport exists).
      fetch: withoutSessionlessStream((target, init) => fetch(target, init)),
      ...(this.#headers ? { requestInit: { headers: this.#headers } } : {}),
    });
    return { transport, url, close: async () => transport.close() };
  }

  /** Releases what the server object holds beyond its transports (nothing for a plain server). */
  async close(): Promise<void> {}

  toJSON(): Record<string, unknown> {
    return { name: this.name, url: this.#url };
  }

  [inspectSymbol](): string {
    return `MCPServer { name: '${this.name}', url: '${this.#url}' }`;
  }
}

function checkUrl(url: string | undefined, option: string): URL {
  try {
    const parsed = new URL(url ?? '');
    if (parsed.protocol !== 'https:' && parsed.protocol !== 'http:') throw new Error('protocol');
    return parsed;
  } catch {
    throw new DatabricksConfigError(
      `Invalid MCP server URL ${JSON.stringify(url)}: pass an absolute http(s) URL.`,
      { option },
    );
  }
}

/**
 * The workspace and auth options of core, plus a shared resolved config. No `fetch`: requests go
 * through core's transport, which `createTransport` hands to the MCP SDK.
 */
export type DatabricksMCPAuthOptions = Omit<WorkspaceAuthOptions, 'fetch'>;

export interface DatabricksMCPServerOptions
  extends DatabricksMCPAuthOptions,
    Omit<MCPServerOptions, 'url' | 'name'> {
  name: string;
  /** A path on the workspace host, e.g. `/api/2.0/mcp/sql`. */
  path?: string;
  /**
   * An absolute URL instead: a Databricks App (`https://<app>.databricksapps.com/mcp`), or the
   * workspace itself. Another origin needs `trustOrigin: true`, since the workspace's token is sent
   * to it.
   */
  url?: string;
  /** Send workspace credentials to a `url` that is neither the workspace nor a Databricks App. */
  trustOrigin?: boolean;
}

/** Options of the factories: everything but the name and path, which they set. */
export type DatabricksMCPFactoryOptions = Omit<
  DatabricksMCPServerOptions,
  'path' | 'url' | 'name'
> & {
  /** Default: a name derived from the resource, as `@databricks/langchainjs` names them. */
  name?: string;
};

const AUTH_KEYS = [
  'host',
  'token',
  'clientId',
  'clientSecret',
  'authType',
  'profile',
  'configFile',
  'caCert',
  'tokenProvider',
  'env',
] as const;

function segment(value: string, what: string): string {
  if (typeof value !== 'string' || value.trim() === '' || value.includes('/'))
    throw new DatabricksConfigError(`Invalid ${what} ${JSON.stringify(value)}.`, { option: what });
  return encodeURIComponent(value);
}

function isDatabricksApp(url: URL): boolean {
  return url.hostname.endsWith('.databricksapps.com');
}

/**
 * A Databricks-managed MCP server (or a Databricks App) for `@langchain/mcp-adapters`: the host
 * and credentials come from @lakechain/core (options, `DATABRICKS_*` variables, profiles, the
 * runtime), and each request carries a token from core's cache, refreshed before it expires.
 *
 * @example
 * ```ts
 * const client = new DatabricksMultiServerMCPClient([
 *   DatabricksMCPServer.fromSql(),
 *   DatabricksMCPServer.fromGenieSpace('01ef...'),
 *   DatabricksMCPServer.fromVectorSearch('main', 'docs'),
 * ]);
 * const tools = await client.getTools();
 * ```
 */
export class DatabricksMCPServer extends MCPServer {
  readonly path?: string;
  readonly #absoluteUrl?: string;
  readonly #trustOrigin: boolean;
  /** Host and credentials, resolved once on first use; closes only a config it resolved itself. */
  readonly #connection: WorkspaceConnection;
  readonly #extraHeaders?: Record<string, string>;

  constructor(options: DatabricksMCPServerOptions) {
    if (!options?.path === !options?.url)
      throw new DatabricksConfigError(
        'DatabricksMCPServer needs exactly one of `path` (on the workspace, e.g. /api/2.0/mcp/sql) and `url` (e.g. a Databricks App).',
        { option: 'path' },
      );
    const url = options.url ?? 'https://workspace.invalid';
    super({
      name: options.name,
      url,
      timeoutMs: options.timeoutMs,
      toolErrors: options.toolErrors,
    });
    this.path = options.path ? `/${options.path.replace(/^\/+/, '')}` : undefined;
    this.#absoluteUrl = options.url;
    this.#trustOrigin = options.trustOrigin ?? false;
    this.#extraHeaders = options.headers;
    const auth: Record<string, unknown> = {};
    for (const key of [...AUTH_KEYS, 'config'] as const)
      if (options[key] !== undefined) auth[key] = options[key];
    this.#connection = new WorkspaceConnection(auth as DatabricksMCPAuthOptions, {
      owner: `DatabricksMCPServer ${options.name}`,
    });
  }

  /** Databricks SQL: `execute_sql`, `execute_sql_read_only`, `poll_sql_result`. */
  static fromSql(options: DatabricksMCPFactoryOptions = {}): DatabricksMCPServer {
    return new DatabricksMCPServer({
      ...options,
      name: options.name ?? 'databricks-sql',
      path: '/api/2.0/mcp/sql',
    });
  }

  /** A Genie space: ask it questions in natural language (`query_space_<id>`). */
  static fromGenieSpace(
    spaceId: string,
    options: DatabricksMCPFactoryOptions = {},
  ): DatabricksMCPServer {
    const id = segment(spaceId, 'spaceId');
    return new DatabricksMCPServer({
      ...options,
      name: options.name ?? `genie-space-${spaceId}`,
      path: `/api/2.0/mcp/genie/${id}`,
    });
  }

  /** The Vector Search indexes (managed embeddings) of a schema, or one index. */
  static fromVectorSearch(
    catalog: string,
    schema: string,
    index?: string,
    options: DatabricksMCPFactoryOptions = {},
  ): DatabricksMCPServer {
    const path = `/api/2.0/mcp/vector-search/${segment(catalog, 'catalog')}/${segment(schema, 'schema')}${index === undefined ? '' : `/${segment(index, 'index')}`}`;
    return new DatabricksMCPServer({
      ...options,
      name:
        options.name ??
        `vector-search-${catalog}-${schema}${index === undefined ? '' : `-${index}`}`,
      path,
    });
  }

  /** The Unity Catalog functions of a schema, or one function, as tools. */
  static fromUCFunctions(
    catalog: string,
    schema: string,
    functionName?: string,
    options: DatabricksMCPFactoryOptions = {},
  ): DatabricksMCPServer {
    const path = `/api/2.0/mcp/functions/${segment(catalog, 'catalog')}/${segment(schema, 'schema')}${functionName === undefined ? '' : `/${segment(functionName, 'functionName')}`}`;
    return new DatabricksMCPServer({
      ...options,
      name:
        options.name ??
        (functionName === undefined
          ? `uc-functions-${catalog}-${schema}`
          : `uc-function-${catalog}-${schema}-${functionName}`),
      path,
    });
  }

  /** A custom MCP server hosted as a Databricks App (OAuth only), or any URL on the workspace. */
  static fromUrl(
    url: string,
    options: DatabricksMCPFactoryOptions & { trustOrigin?: boolean } = {},
  ) {
    return new DatabricksMCPServer({
      ...options,
      name: options.name ?? checkUrl(url, 'url').hostname,
      url,
    });
  }

  /** The resolved workspace config (resolved once, on first use). */
  async config(): Promise<DatabricksConfig> {
    const config = await this.#connection.config();
    if (!config) throw new Error('unreachable: a DatabricksMCPServer has no client option');
    return config;
  }

  /**
   * Releases the config this server resolved (the pool of its OAuth token requests); a `config`
   * passed in belongs to the caller and stays open. `DatabricksMultiServerMCPClient.close()`
   * calls it for its servers. Idempotent.
   */
  override async close(): Promise<void> {
    await this.#connection.close();
  }

  override async url(): Promise<string> {
    const config = await this.config();
    const workspace = new URL(config.host);
    if (this.path) return `${config.host.replace(/\/+$/, '')}${this.path}`;
    const target = checkUrl(this.#absoluteUrl, 'url');
    if (isDatabricksApp(target)) {
      if (config.authType === 'pat')
        throw new DatabricksConfigError(
          `Databricks Apps accept only OAuth tokens, and ${config.host} is configured with a personal access token. Use OAuth (clientId/clientSecret, the Databricks CLI, external-browser) for ${target.origin}.`,
          { option: 'authType' },
        );
    } else if (target.origin !== workspace.origin && !this.#trustOrigin) {
      throw new DatabricksConfigError(
        `Refusing to send the credentials of ${workspace.origin} to ${target.origin}: it is neither the workspace nor a Databricks App. Pass \`trustOrigin: true\` if it should get them, or use MCPServer with its own headers.`,
        { option: 'url' },
      );
    }
    return target.toString();
  }

  override async toConnection(): Promise<StreamableHTTPConnection> {
    const url = await this.url();
    return {
      transport: 'http',
      url,
      authProvider: new DatabricksOAuthClientProvider(() => this.config()),
      ...(this.#extraHeaders ? { headers: this.#extraHeaders } : {}),
      ...(this.timeoutMs !== undefined ? { defaultToolTimeout: this.timeoutMs } : {}),
      automaticSSEFallback: false,
    };
  }

  /**
   * A transport whose every request goes through @lakechain/core: a token from core's cache per
   * request, one forced refresh and replay when the workspace rejects a token, core's retries and
   * the workspace's `caCert`.
   */
  override async createTransport(): Promise<MCPServerTransport> {
    const url = await this.url();
    const core = createCoreFetch(await this.config());
    const transport = new StreamableHTTPClientTransport(new URL(url), {
      fetch: withoutSessionlessStream(core.fetch),
      ...(this.#extraHeaders ? { requestInit: { headers: this.#extraHeaders } } : {}),
    });
    return {
      transport,
      url,
      close: async () => {
        await transport.close();
        await core.close();
      },
    };
  }

  override toJSON(): Record<string, unknown> {
    return { name: this.name, path: this.path, url: this.#absoluteUrl };
  }

  override [inspectSymbol](): string {
    return `DatabricksMCPServer { name: '${this.name}', ${this.path ? `path: '${this.path}'` : `url: '${this.#absoluteUrl}'`} }`;
  }
}

/** The connections of several servers, keyed by name, for `new MultiServerMCPClient(...)`. */
export async function buildMCPServerConfig(
  servers: readonly MCPServer[],
): Promise<Record<string, StreamableHTTPConnection>> {
  const names = new Set<string>();
  for (const server of servers) {
    if (names.has(server.name))
      throw new DatabricksConfigError(
        `Two MCP servers are named ${JSON.stringify(server.name)}: give each a distinct \`name\`.`,
        { option: 'name' },
      );
    names.add(server.name);
  }
  const entries = await Promise.all(
    servers.map(async (server) => [server.name, await server.toConnection()] as const),
  );
  return Object.fromEntries(entries);
}
