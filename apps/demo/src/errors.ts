/**
 * One clear line per error, with the fix: what a person at a terminal needs instead of a stack
 * trace (the stack is printed with --verbose).
 */
import {
  DatabricksApiError,
  DatabricksAuthError,
  DatabricksConfigError,
  DatabricksConnectionError,
  hasErrorMarker,
} from '@lakechain/core';
import { DatabricksServingError } from '@lakechain/databricks-llm';
import { DatabricksSqlError } from '@lakechain/databricks-sql';
import { MlflowLocalError } from './mlflow_local.js';

export interface ErrorDescription {
  line: string;
  fix?: string;
}

function firstLine(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  return message.split('\n')[0]?.trim() ?? message;
}

export function describeError(error: unknown): ErrorDescription {
  const line = firstLine(error);
  if (error instanceof Error && error.name === 'UsageError') return { line, fix: 'see --help' };
  if (DatabricksServingError.isInstance(error)) {
    const status = (error as { status?: number }).status;
    const endpoint = (error as { endpoint?: string }).endpoint;
    if (status === 404) {
      return {
        line,
        fix: `the serving endpoint "${endpoint}" does not exist here; pass --endpoint <name>`,
      };
    }
    if (status === 401 || status === 403) {
      return {
        line,
        fix: `check that your token may query the endpoint "${endpoint}" (CAN_QUERY)`,
      };
    }
    if (status === 429)
      return { line, fix: 'the endpoint is rate limited; wait a moment and retry' };
    return {
      line,
      fix: `the serving endpoint "${endpoint}" failed; retry, or try another --endpoint`,
    };
  }
  if (DatabricksConfigError.isInstance(error)) {
    const option = (error as { option?: string }).option;
    if (option === 'model') return { line };
    if (option === 'warehouseId' || /warehouse|httpPath/i.test(line)) {
      return {
        line,
        fix: 'set DATABRICKS_WAREHOUSE_ID (or warehouse_id in your profile), or run with --offline',
      };
    }
    return {
      line,
      fix: 'fix the configuration named above, or run with --offline for the local workspace',
    };
  }
  if (DatabricksAuthError.isInstance(error)) {
    return {
      line,
      fix: 'check DATABRICKS_TOKEN / your profile credentials (`databricks auth login`), or run with --offline',
    };
  }
  if (DatabricksConnectionError.isInstance(error)) {
    return { line, fix: 'check DATABRICKS_HOST and your network, or run with --offline' };
  }
  if (DatabricksSqlError.isInstance(error)) {
    if (/SCHEMA_NOT_FOUND|TABLE_OR_VIEW_NOT_FOUND|CATALOG/i.test(line)) {
      return {
        line,
        fix: 'check --catalog and --schema (the samples catalog has nyctaxi and tpch)',
      };
    }
    return { line, fix: 'check the warehouse is running and that you may use it' };
  }
  if (DatabricksApiError.isInstance(error)) return { line, fix: 'see the Databricks error above' };
  // ModelFetchError of @lakechain/local-workspace, by its marker: importing the package here would
  // load DuckDB in workspace mode too.
  if (hasErrorMarker(error, 'lakechain.error.model_fetch') || error instanceof MlflowLocalError)
    return { line, fix: (error as { fix: string }).fix };
  if (/node-llama-cpp|gguf|llama/i.test(line)) {
    return {
      line,
      fix: 'check the model file (lakechain-local models verify), run `pnpm install && pnpm build` at the repository root, or pass --model scripted to test the plumbing',
    };
  }
  return { line, fix: 'run again with --verbose for details' };
}
