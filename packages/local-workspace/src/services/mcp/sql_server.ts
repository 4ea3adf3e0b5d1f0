/**
 * The managed DBSQL MCP server (`/api/2.0/mcp/sql`): `execute_sql`, `execute_sql_read_only` and
 * `poll_sql_result`, as Databricks documents them. Each answers JSON text with `statement_id` and
 * `status.state`, and, once `SUCCEEDED`, the manifest and the rows (`result.data_array`), the
 * Statement Execution API's shape. Statements run on the workspace's SQL engine; a statement
 * still running after `sqlWaitMs` answers `RUNNING` and is polled with `poll_sql_result`.
 * `_meta.warehouse_id` may name the workspace's warehouse. Writes need `sqlWrites: true`.
 */
import { randomUUID } from 'node:crypto';
import type { Tool } from '@modelcontextprotocol/sdk/types.js';
import { checkReadOnly } from '../../engine/dialect/read_only.js';
import { SqlError } from '../../engine/sql_engine.js';
import { runStatement, type StatementResultJson } from '../genie/statement.js';
import {
  badRequest,
  errorResult,
  jsonResult,
  type ManagedServerKind,
  requireArguments,
  toolNamed,
} from './managed_server.js';
import type { McpOptions } from './types.js';

interface Statement {
  response: StatementResultJson | { statement_id: string; status: { state: 'RUNNING' } };
  done: Promise<void>;
}

interface SqlShared {
  statements: Map<string, Statement>;
}

const KEPT_STATEMENTS = 1_000;

const queryArgument = {
  type: 'object' as const,
  properties: { query: { type: 'string', description: 'The SQL statement to run.' } },
  required: ['query'],
};

function sqlTools(writes: boolean): Tool[] {
  return [
    {
      name: 'execute_sql',
      description: `Run a SQL statement on a Databricks SQL warehouse${writes ? ', including statements that write data' : ' (this workspace allows read-only statements only)'}. Returns JSON with statement_id and status.state; when SUCCEEDED, the manifest (columns) and the rows in result.data_array. While PENDING or RUNNING, call poll_sql_result with the statement_id.`,
      inputSchema: queryArgument,
    },
    {
      name: 'execute_sql_read_only',
      description:
        'Run a read-only SQL statement (SELECT, SHOW, DESCRIBE, EXPLAIN) on a Databricks SQL warehouse. Returns JSON with statement_id and status.state; when SUCCEEDED, the manifest and the rows in result.data_array. While PENDING or RUNNING, call poll_sql_result.',
      inputSchema: queryArgument,
      annotations: { readOnlyHint: true },
    },
    {
      name: 'poll_sql_result',
      description:
        'Return the current status and, once SUCCEEDED, the result of a statement started by execute_sql or execute_sql_read_only.',
      inputSchema: {
        type: 'object',
        properties: { statement_id: { type: 'string', description: 'The statement_id to poll.' } },
        required: ['statement_id'],
      },
      annotations: { readOnlyHint: true },
    },
  ];
}

function failed(statementId: string, error: SqlError): StatementResultJson {
  return {
    statement_id: statementId,
    status: { state: 'FAILED', error: { error_code: error.errorClass, message: error.message } },
  };
}

export function sqlServerKind(options: McpOptions): ManagedServerKind<SqlShared> {
  const writes = options.sqlWrites ?? false;
  const waitMs = options.sqlWaitMs ?? 10_000;
  const maxRows = options.sqlMaxRows ?? 1_000;
  const tools = sqlTools(writes);
  return {
    kind: 'sql',
    paths: ['/api/2.0/mcp/sql'],
    shared: () => ({ statements: new Map() }),
    open(context, _params, shared) {
      const start = async (sql: string, signal: AbortSignal) => {
        const statementId = randomUUID();
        const statement: Statement = {
          response: { statement_id: statementId, status: { state: 'RUNNING' } },
          done: Promise.resolve(),
        };
        // The statement outlives the HTTP request that started it (it is polled later).
        const controller = new AbortController();
        statement.done = runStatement(context.engine, sql, {
          statementId,
          maxRows,
          signal: controller.signal,
        }).then(
          (result) => {
            statement.response = result;
          },
          (error: unknown) => {
            statement.response =
              error instanceof SqlError
                ? failed(statementId, error)
                : failed(statementId, new SqlError('INTERNAL_ERROR', 'XX000', String(error)));
          },
        );
        shared.statements.set(statementId, statement);
        if (shared.statements.size > KEPT_STATEMENTS)
          shared.statements.delete(shared.statements.keys().next().value as string);
        await waitFor(statement, waitMs, signal);
        return statement.response;
      };
      return {
        name: 'databricks-sql',
        tools: async () => tools,
        async call(call) {
          const tool = toolNamed(tools, call.name);
          requireArguments(tool, call.arguments);
          const warehouse = call.meta.warehouse_id;
          if (warehouse !== undefined && warehouse !== context.ids.warehouseId)
            throw badRequest(
              `SQL warehouse ${String(warehouse)} does not exist; this workspace's is ${context.ids.warehouseId}.`,
            );
          if (tool.name === 'poll_sql_result') {
            const statement = shared.statements.get(String(call.arguments.statement_id));
            if (!statement)
              throw badRequest(`Statement ${String(call.arguments.statement_id)} not found.`);
            await waitFor(statement, waitMs, call.signal);
            return jsonResult(statement.response);
          }
          const sql = String(call.arguments.query);
          const verdict = checkReadOnly(sql);
          if (!verdict.ok && (tool.name === 'execute_sql_read_only' || !writes))
            return errorResult(
              `${tool.name === 'execute_sql_read_only' ? '' : 'Writes are disabled on this server (disallow_writes). '}${verdict.detail}`,
            );
          return jsonResult(await start(verdict.ok ? verdict.sql : sql, call.signal));
        },
      };
    },
  };
}

async function waitFor(statement: Statement, waitMs: number, signal: AbortSignal) {
  let timer: ReturnType<typeof setTimeout> | undefined;
  await Promise.race([
    statement.done,
    new Promise<void>((resolve) => {
      timer = setTimeout(resolve, waitMs);
      signal.addEventListener('abort', () => resolve(), { once: true });
    }),
  ]);
  clearTimeout(timer);
}
