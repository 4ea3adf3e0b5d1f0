/**
 * `UCFunctionTool`: one Unity Catalog function as a LangChain `StructuredTool`, run on a SQL
 * warehouse through a `DatabricksSqlDatabase` (either transport). See `function_call.ts` for the
 * statement it sends and the answer it gives the model.
 */
import { pickConnectionOptions, type WorkspaceConnectionOptions } from '@lakechain/core';
import type { CallbackManagerForToolRun } from '@langchain/core/callbacks/manager';
import { StructuredTool, type ToolRunnableConfig } from '@langchain/core/tools';
import type { z } from 'zod';
import { DatabricksSqlError } from '../errors.js';
import { type DatabricksSqlDatabase, databaseInternals } from '../sql_database.js';
import { UCFunctionError } from './errors.js';
import {
  argumentsSchemaOf,
  buildFunctionCall,
  DEFAULT_RESULT_LIMITS,
  definitionOf,
  describeFunction,
  formatFunctionResult,
  type ResultLimits,
  toolNameOfDefinition,
  type UCFunctionDefinition,
} from './function_call.js';
import { functionsConnection, UCFunctionsApi } from './function_client.js';
import type { FunctionInfo } from './wire.js';

/** How a tool runs its function and how much of the result the model gets. */
export interface UCFunctionToolOptions {
  /** The SQL warehouse the function runs on (its `transport` decides Thrift or REST). */
  database: DatabricksSqlDatabase;
  /** Rows of a table function's result given to the model. Default 100. */
  maxRows?: number;
  /** Characters of the result given to the model. Default 20 000. */
  maxChars?: number;
  /** Seconds before a call is cancelled on the warehouse. Default: the database's `queryTimeout`. */
  queryTimeout?: number;
}

/** `UCFunctionTool.fromName` options: the tool's, plus where to read the definition. */
export interface UCFunctionToolLoadOptions
  extends UCFunctionToolOptions,
    WorkspaceConnectionOptions {
  signal?: AbortSignal;
}

/** Checks the options every tool and toolkit takes; the error names the option at fault. */
export function checkToolOptions(owner: string, options: UCFunctionToolOptions): ResultLimits {
  const database = options?.database as Partial<DatabricksSqlDatabase> | undefined;
  if (!database || typeof database.query !== 'function' || typeof database.run !== 'function')
    throw new UCFunctionError(
      `${owner}: the option \`database\` must be a DatabricksSqlDatabase (from DatabricksSqlDatabase.fromDatabricks()): the functions run on its warehouse.`,
      { reason: 'invalid' },
    );
  const positive = (value: unknown, option: string) => {
    if (value !== undefined && (typeof value !== 'number' || !Number.isInteger(value) || value < 1))
      throw new UCFunctionError(`${owner}: the option \`${option}\` must be a positive integer.`, {
        reason: 'invalid',
      });
  };
  positive(options.maxRows, 'maxRows');
  positive(options.maxChars, 'maxChars');
  if (
    options.queryTimeout !== undefined &&
    (typeof options.queryTimeout !== 'number' || !(options.queryTimeout > 0))
  )
    throw new UCFunctionError(
      `${owner}: the option \`queryTimeout\` must be a positive number of seconds.`,
      {
        reason: 'invalid',
      },
    );
  return {
    maxRows: options.maxRows ?? DEFAULT_RESULT_LIMITS.maxRows,
    maxChars: options.maxChars ?? DEFAULT_RESULT_LIMITS.maxChars,
  };
}

/**
 * The REST connection options of a toolkit or tool: the ones given, else those of the database
 * (its host and credentials), so a database is all most callers pass.
 */
export function connectionOptionsFor(
  options: WorkspaceConnectionOptions & { database: DatabricksSqlDatabase },
): WorkspaceConnectionOptions {
  const given = pickConnectionOptions(options);
  return Object.keys(given).length > 0
    ? given
    : databaseInternals(options.database).workspaceOptions();
}

/**
 * A Unity Catalog function as a LangChain tool: named `catalog__schema__function` (shortened
 * with a hash past 64 characters), described by the function's and its parameters' comments,
 * with an argument schema from its parameters (those with a default are optional). A call runs
 * the function on the warehouse with named parameters; SQL errors (a failing function, a bad
 * value) are returned to the model as `{"error": "..."}` so it can correct itself.
 *
 * @example
 * ```ts
 * const tool = await UCFunctionTool.fromName('main.tools.add_tax', { database: db });
 * await tool.invoke({ amount: 10 }); // '{"format":"SCALAR","value":"12.00"}'
 * ```
 */
export class UCFunctionTool extends StructuredTool {
  /** What `console.log` shows: the tool, not the database it holds. */
  [Symbol.for('nodejs.util.inspect.custom')](): unknown {
    return { name: this.name, functionName: this.functionName };
  }

  static override lc_name(): string {
    return 'UCFunctionTool';
  }

  name: string;
  description: string;
  schema: z.ZodObject;
  /** `catalog.schema.function`. */
  readonly functionName: string;
  readonly definition: UCFunctionDefinition;
  /** The definition as Unity Catalog gave it. */
  readonly functionInfo: FunctionInfo;

  private readonly database: DatabricksSqlDatabase;
  private readonly limits: ResultLimits;
  private readonly queryTimeout?: number;

  constructor(functionInfo: FunctionInfo, options: UCFunctionToolOptions) {
    super();
    this.limits = checkToolOptions('UCFunctionTool', options);
    this.functionInfo = functionInfo;
    this.definition = definitionOf(functionInfo);
    this.functionName = this.definition.fullName;
    this.name = toolNameOfDefinition(this.definition);
    this.description = describeFunction(this.definition);
    this.schema = argumentsSchemaOf(this.definition);
    this.database = options.database;
    this.queryTimeout = options.queryTimeout;
  }

  /** Reads `catalog.schema.function` from Unity Catalog and makes its tool. */
  static async fromName(
    fullName: string,
    options: UCFunctionToolLoadOptions,
  ): Promise<UCFunctionTool> {
    checkToolOptions('UCFunctionTool', options);
    const connection = functionsConnection(connectionOptionsFor(options));
    try {
      const [info] = await new UCFunctionsApi(connection).resolve([fullName], options.signal);
      return new UCFunctionTool(info!, options);
    } finally {
      await connection.close();
    }
  }

  protected override async _call(
    args: Record<string, unknown>,
    _runManager?: CallbackManagerForToolRun,
    config?: ToolRunnableConfig,
  ): Promise<string> {
    try {
      const { statement, params } = buildFunctionCall(this.definition, args);
      const result = await databaseInternals(this.database).execute(statement, {
        params,
        // The fetch stops there (the connection reads one row more to know whether it cut).
        maxRows: this.definition.returns.kind === 'table' ? this.limits.maxRows : 1,
        signal: config?.signal,
        ...(this.queryTimeout !== undefined ? { queryTimeout: this.queryTimeout } : {}),
      });
      return formatFunctionResult(this.definition, result, this.limits);
    } catch (error) {
      // What the model can act on comes back as the tool's answer: the function failed, a value
      // was refused, the call ran too long. Anything else (auth, network) is the caller's problem.
      const forModel =
        (DatabricksSqlError.isInstance(error) &&
          (error.kind === 'sql' || error.kind === 'timeout')) ||
        (UCFunctionError.isInstance(error) && error.reason === 'invalid');
      // The package's hints are for SQL a model writes (table info, aliases): not for a call.
      if (forModel)
        return JSON.stringify({ error: (error as Error).message.replace(/\nHint: [\s\S]*$/, '') });
      throw error;
    }
  }
}
