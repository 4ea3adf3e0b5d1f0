/**
 * `DatabricksMultiServerMCPClient`: the tools of several MCP servers (Databricks-managed ones,
 * Databricks Apps, any other) as LangChain tools, loaded in parallel. Each server gets an MCP SDK
 * `Client` over its own transport (for Databricks servers, every request goes through
 * @lakechain/core: fresh tokens, private CA, retries), and its tools are converted by
 * `@langchain/mcp-adapters`' `loadMcpTools`, so they behave like those of `MultiServerMCPClient`.
 * A failing tool answers the model with the error (per server: `toolErrors`), so an agent can
 * recover; a server that cannot be reached or refuses the credentials fails `getTools()` with an
 * `MCPServerError` naming it (or is skipped with `onConnectionError: 'ignore'`).
 */

import { DatabricksConfigError } from '@lakechain/core';
import type { DynamicStructuredTool } from '@langchain/core/tools';
import { loadMcpTools } from '@langchain/mcp-adapters';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { MCPServerError, toServerError } from './errors.js';
import type { MCPServer, MCPServerTransport } from './servers.js';
import { lazyJsonSchemaValidator } from './session_fetch.js';
import { VERSION } from './version.js';

export interface DatabricksMultiServerMCPClientOptions {
  /** Prefix each tool's name with its server's (`<server>__<tool>`). Default false. */
  prefixToolNameWithServerName?: boolean;
  /** A prefix for every tool's name (`<prefix>__<tool>`). */
  additionalToolNamePrefix?: string;
  /** `'throw'` (default): `getTools()` fails when a server fails; `'ignore'`: its tools are left out. */
  onConnectionError?: 'throw' | 'ignore';
  /** Where the parts of tool results go (the adapters' `outputHandling`). */
  outputHandling?: Parameters<typeof loadMcpTools>[2] extends infer Options
    ? Options extends { outputHandling?: infer Handling }
      ? Handling
      : never
    : never;
}

interface Connected {
  client: Client;
  transport: MCPServerTransport;
  tools: DynamicStructuredTool[];
}

/**
 * @example
 * ```ts
 * const mcp = new DatabricksMultiServerMCPClient([
 *   DatabricksMCPServer.fromSql(),
 *   DatabricksMCPServer.fromGenieSpace(spaceId),
 * ]);
 * const agent = createAgent({ model, tools: await mcp.getTools() });
 * // ...
 * await mcp.close();
 * ```
 */
export class DatabricksMultiServerMCPClient {
  readonly servers: readonly MCPServer[];
  readonly #options: DatabricksMultiServerMCPClientOptions;
  readonly #connections = new Map<string, Promise<Connected>>();
  readonly #failed = new Map<string, MCPServerError>();

  constructor(servers: readonly MCPServer[], options: DatabricksMultiServerMCPClientOptions = {}) {
    const names = new Set<string>();
    for (const server of servers) {
      if (names.has(server.name))
        throw new DatabricksConfigError(
          `Two MCP servers are named ${JSON.stringify(server.name)}: give each a distinct \`name\`.`,
          { option: 'name' },
        );
      names.add(server.name);
    }
    this.servers = [...servers];
    this.#options = options;
  }

  /** Connects to every server (in parallel) and loads their tools. */
  async initializeConnections(): Promise<Record<string, DynamicStructuredTool[]>> {
    const entries = await Promise.all(
      this.servers.map(async (server) => [server.name, await this.#toolsOf(server)] as const),
    );
    return Object.fromEntries(entries);
  }

  /** The tools of the named servers (all by default), in server order. */
  async getTools(...serverNames: string[]): Promise<DynamicStructuredTool[]> {
    for (const name of serverNames)
      if (!this.servers.some((server) => server.name === name))
        throw new DatabricksConfigError(
          `No MCP server named ${JSON.stringify(name)}; servers: ${this.servers.map((server) => server.name).join(', ')}.`,
          { option: 'serverNames' },
        );
    const chosen = serverNames.length
      ? this.servers.filter((server) => serverNames.includes(server.name))
      : this.servers;
    const lists = await Promise.all(chosen.map((server) => this.#toolsOf(server)));
    return lists.flat();
  }

  /** The MCP SDK client of one server (connected on first use), for prompts, resources, pings. */
  async getClient(serverName: string): Promise<Client | undefined> {
    const server = this.servers.find((candidate) => candidate.name === serverName);
    if (!server) return undefined;
    await this.#toolsOf(server);
    return (await this.#connections.get(serverName))?.client;
  }

  /** Servers skipped with `onConnectionError: 'ignore'`, and why. */
  failures(): Record<string, MCPServerError> {
    return Object.fromEntries(this.#failed);
  }

  /**
   * Closes every connection (and each transport's connection pool), then the servers (the
   * configs they resolved).
   */
  async close(): Promise<void> {
    const connections = [...this.#connections.values()];
    this.#connections.clear();
    await Promise.all(
      connections.map(async (pending) => {
        const connected = await pending.catch(() => undefined);
        if (!connected) return;
        await connected.client.close().catch(() => undefined);
        await connected.transport.close().catch(() => undefined);
      }),
    );
    await Promise.all(this.servers.map((server) => server.close().catch(() => undefined)));
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }

  async #toolsOf(server: MCPServer): Promise<DynamicStructuredTool[]> {
    let pending = this.#connections.get(server.name);
    if (!pending) {
      pending = this.#connect(server);
      this.#connections.set(server.name, pending);
      // A failed connection is retried by the next call instead of being cached.
      pending.catch(() => this.#connections.delete(server.name));
    }
    try {
      return (await pending).tools;
    } catch (error) {
      if (this.#options.onConnectionError === 'ignore' && MCPServerError.isInstance(error)) {
        this.#failed.set(server.name, error);
        return [];
      }
      throw error;
    }
  }

  async #connect(server: MCPServer): Promise<Connected> {
    let transport: MCPServerTransport | undefined;
    const client = new Client(
      { name: 'lakechain-databricks-mcp', version: VERSION },
      { jsonSchemaValidator: lazyJsonSchemaValidator() },
    );
    try {
      transport = await server.createTransport();
      await client.connect(transport.transport);
      const tools = await loadMcpTools(server.name, client, {
        throwOnLoadError: true,
        prefixToolNameWithServerName: this.#options.prefixToolNameWithServerName ?? false,
        additionalToolNamePrefix: this.#options.additionalToolNamePrefix ?? '',
        useStandardContentBlocks: false,
        ...(this.#options.outputHandling ? { outputHandling: this.#options.outputHandling } : {}),
        ...(server.timeoutMs !== undefined ? { defaultToolTimeout: server.timeoutMs } : {}),
      });
      if (server.toolErrors === 'return')
        for (const tool of tools) returnErrorsToModel(tool, server);
      return { client, transport, tools };
    } catch (error) {
      await client.close().catch(() => undefined);
      await transport?.close().catch(() => undefined);
      throw toServerError(error, server.name, transport?.url);
    }
  }
}

/**
 * Makes a tool answer with its error instead of throwing, so the model reads what went wrong
 * (an unknown column, a rate limit, a refused token) and can correct itself or say so.
 */
function returnErrorsToModel(tool: DynamicStructuredTool, server: MCPServer): void {
  const call = tool.func;
  tool.func = async (...args: Parameters<typeof call>) => {
    try {
      return await call(...args);
    } catch (error) {
      const signal = (args[2] as { signal?: AbortSignal } | undefined)?.signal;
      if (signal?.aborted) throw error;
      const message = error instanceof Error ? error.message : String(error);
      return [
        `Error from MCP server "${server.name}", tool ${tool.name}: ${message}`,
        { error: { serverName: server.name, tool: tool.name, message } },
      ];
    }
  };
}
