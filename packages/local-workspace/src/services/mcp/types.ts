/**
 * Options and inspectable state of the local managed MCP servers (`ws.mcp`).
 */

export interface McpOptions {
  /**
   * Let the SQL server's `execute_sql` write (INSERT, CREATE, ...), as Databricks' does unless
   * the `disallow_writes` policy is set. Default false: every SQL tool is read-only.
   */
  sqlWrites?: boolean;
  /** How long `execute_sql` waits for a statement before answering `RUNNING` (poll it). Default 10 000 ms. */
  sqlWaitMs?: number;
  /** Rows kept per statement result (the rest is reported `truncated`). Default 1 000. */
  sqlMaxRows?: number;
  /** How long a Genie tool waits for the answer before answering with its status (poll it). Default 30 000 ms. */
  genieWaitMs?: number;
  /** Answer JSON-RPC requests with `application/json` (default) or an SSE stream (`false`). */
  jsonResponse?: boolean;
}

/** One tool call that reached a server (tests read them to see what a client sent). */
export interface McpCallRecord {
  /** `sql`, `genie`, `vector-search` or `functions`. */
  server: string;
  /** The path of the server, e.g. `/api/2.0/mcp/genie/sales`. */
  path: string;
  tool: string;
  arguments: Record<string, unknown>;
  /** The request's `_meta` (e.g. `num_results`, `warehouse_id`). */
  meta?: Record<string, unknown>;
  isError: boolean;
}

export interface LocalMcp {
  /** Tool calls received, oldest first. */
  calls(): McpCallRecord[];
  /** JSON-RPC requests received (initialize, tools/list, tools/call, ...), by method. */
  requestCounts(): Record<string, number>;
  clear(): void;
}
