/**
 * Databricks-managed MCP servers over Streamable HTTP, at Databricks' paths and behind the
 * workspace's bearer auth (PATs and the OAuth tokens of the `oauth` service): SQL
 * (`/api/2.0/mcp/sql`, on the SQL engine), Genie spaces (`/api/2.0/mcp/genie/{space_id}`, on the
 * `genie` service), Vector Search (`/api/2.0/mcp/vector-search/{catalog}/{schema}[/{index}]`,
 * on the `vectorSearch` service) and Unity Catalog functions
 * (`/api/2.0/mcp/functions/{catalog}/{schema}[/{function}]`, on the engine's function catalog),
 * served with the official `@modelcontextprotocol/sdk` server, each one `ManagedServerKind` in
 * `serverKinds()`. Stateless, like a managed endpoint behind a load balancer: every HTTP request
 * gets a fresh protocol server for the resource its path names, so no session has to be kept.
 */
import { Server } from '@modelcontextprotocol/sdk/server/index.js';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import { CallToolRequestSchema, ListToolsRequestSchema } from '@modelcontextprotocol/sdk/types.js';
import { defineService, type Route, type RouteRequest } from '../../platform/service.js';
import { functionsServerKind } from './functions_server.js';
import { genieServerKind } from './genie_server.js';
import type { ManagedServer, ManagedServerKind } from './managed_server.js';
import { sqlServerKind } from './sql_server.js';
import type { LocalMcp, McpCallRecord, McpOptions } from './types.js';
import { vectorSearchServerKind } from './vector_search_server.js';

/** The managed servers this workspace serves. */
function serverKinds(options: McpOptions): ManagedServerKind[] {
  return [
    sqlServerKind(options),
    genieServerKind(options),
    vectorSearchServerKind(),
    functionsServerKind(),
  ] as ManagedServerKind[];
}

function methodsOf(body: unknown): string[] {
  const messages = Array.isArray(body) ? body : [body];
  return messages
    .map((message) => (message as { method?: unknown } | undefined)?.method)
    .filter((method): method is string => typeof method === 'string');
}

export const mcpService = defineService({
  name: 'mcp',
  create(context, options: McpOptions | undefined) {
    const settings = options ?? {};
    const calls: McpCallRecord[] = [];
    const counts: Record<string, number> = {};

    const serve = async (kind: ManagedServerKind, shared: unknown, request: RouteRequest) => {
      for (const method of methodsOf(request.body)) counts[method] = (counts[method] ?? 0) + 1;
      let opened: ManagedServer | undefined;
      // Opened on first use, so `initialize` succeeds and an unknown resource is a JSON-RPC
      // error of tools/list and tools/call, as on Databricks.
      const open = () => {
        opened ??= kind.open(context, request.params, shared);
        return opened;
      };
      const server = new Server(
        { name: 'databricks-managed-mcp', version: '1.0.0' },
        { capabilities: { tools: {} } },
      );
      server.setRequestHandler(ListToolsRequestSchema, async () => ({
        tools: await open().tools(),
      }));
      server.setRequestHandler(CallToolRequestSchema, async (call, extra) => {
        const args = (call.params.arguments ?? {}) as Record<string, unknown>;
        const meta = (call.params._meta ?? {}) as Record<string, unknown>;
        const record: McpCallRecord = {
          server: kind.kind,
          path: request.path,
          tool: call.params.name,
          arguments: args,
          ...(Object.keys(meta).length > 0 ? { meta } : {}),
          isError: false,
        };
        calls.push(record);
        try {
          const result = await open().call({
            name: call.params.name,
            arguments: args,
            meta,
            signal: extra.signal,
          });
          record.isError = result.isError === true;
          return result;
        } catch (error) {
          record.isError = true;
          throw error;
        }
      });
      const transport = new StreamableHTTPServerTransport({
        sessionIdGenerator: undefined,
        enableJsonResponse: settings.jsonResponse ?? true,
      });
      request.response.on('close', () => {
        void transport.close();
        void server.close();
      });
      await server.connect(transport);
      await transport.handleRequest(request.incoming, request.response, request.body);
    };

    const routes: Route[] = serverKinds(settings).flatMap((kind) => {
      const shared = kind.shared(context);
      return kind.paths.map(
        (path): Route => ({
          method: ['GET', 'POST', 'DELETE'],
          path,
          name: `mcp-${kind.kind}`,
          handle: (request: RouteRequest) => serve(kind, shared, request),
        }),
      );
    });

    const state: LocalMcp = {
      calls: () => [...calls],
      requestCounts: () => ({ ...counts }),
      clear() {
        calls.length = 0;
        for (const key of Object.keys(counts)) delete counts[key];
      },
    };
    return { state, routes };
  },
});
