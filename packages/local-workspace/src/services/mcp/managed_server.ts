/**
 * The contract of one managed MCP server kind (SQL, Genie space, Vector Search; Unity Catalog
 * functions drop in the same way): the paths it answers, and for each request the server of the
 * resource the path names, with its tools and how to call them. Unknown resources, unknown tools
 * and missing arguments are JSON-RPC errors whose message starts with Databricks' error code
 * (`BAD_REQUEST: ...`), as `databricks-mcp`'s own integration tests expect from Databricks.
 */
import { type CallToolResult, ErrorCode, type Tool } from '@modelcontextprotocol/sdk/types.js';
import type { ServiceContext } from '../../platform/service.js';

export interface ToolCall {
  name: string;
  arguments: Record<string, unknown>;
  /** The request's `_meta`: values the agent's code presets (num_results, warehouse_id, ...). */
  meta: Record<string, unknown>;
  signal: AbortSignal;
}

/** The server of one resource (a space, an index or a schema of indexes, the warehouse). */
export interface ManagedServer {
  /** The server name announced at `initialize`. */
  readonly name: string;
  tools(): Promise<Tool[]>;
  call(call: ToolCall): Promise<CallToolResult>;
}

export interface ManagedServerKind<Shared = unknown> {
  /** `sql`, `genie`, `vector-search`, ... (the request log's `server`). */
  readonly kind: string;
  /** path-to-regexp patterns under the workspace host. */
  readonly paths: readonly string[];
  /** State shared by every request to this kind (statements, ...), made once. */
  shared(context: ServiceContext): Shared;
  /** The server for one request; throws `badRequest(...)` when the resource does not exist. */
  open(
    context: ServiceContext,
    params: Readonly<Record<string, string>>,
    shared: Shared,
  ): ManagedServer;
}

/** A JSON-RPC error (`InvalidParams`) whose message is `BAD_REQUEST: <detail>`. */
export function badRequest(detail: string): Error {
  return Object.assign(new Error(`BAD_REQUEST: ${detail}`), { code: ErrorCode.InvalidParams });
}

/** A tool result holding one JSON text block. */
export function jsonResult(value: unknown, isError = false): CallToolResult {
  return {
    content: [{ type: 'text', text: JSON.stringify(value) }],
    ...(isError ? { isError } : {}),
  };
}

/** A tool result that reports a failure to the model (not a protocol error). */
export function errorResult(text: string): CallToolResult {
  return { content: [{ type: 'text', text }], isError: true };
}

/** Checks a tool's arguments against its schema's required string and integer fields. */
export function requireArguments(tool: Tool, args: Record<string, unknown>): void {
  const properties = (tool.inputSchema.properties ?? {}) as Record<string, { type?: string }>;
  for (const name of tool.inputSchema.required ?? []) {
    const value = args[name];
    if (value === undefined || value === null || value === '')
      throw badRequest(`Missing parameter value for ${name} (tool ${tool.name}).`);
  }
  for (const [name, value] of Object.entries(args)) {
    const type = properties[name]?.type;
    if (!type) throw badRequest(`Unknown parameter ${name} for tool ${tool.name}.`);
    if (type === 'string' && typeof value !== 'string')
      throw badRequest(`Parameter ${name} of tool ${tool.name} must be a string.`);
  }
}

/** Finds the tool a call names, or answers as Databricks does for a name it does not serve. */
export function toolNamed(tools: readonly Tool[], name: string): Tool {
  const tool = tools.find((candidate) => candidate.name === name);
  if (!tool)
    throw badRequest(
      `Tool name ${JSON.stringify(name)} is malformed or unknown here. Tools: ${tools.map((candidate) => candidate.name).join(', ')}.`,
    );
  return tool;
}
