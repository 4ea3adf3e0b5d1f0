/**
 * `UCFunctionToolkit`: the Unity Catalog functions of a schema (or the functions named, with `*`
 * globs) as LangChain tools, like Python's `databricks_langchain.UCFunctionToolkit`.
 */
import type { WorkspaceConnectionOptions } from '@lakechain/core';
import { BaseToolkit } from '@langchain/core/tools';
import { UCFunctionError } from './errors.js';
import { functionsConnection, splitFullName, UCFunctionsApi } from './function_client.js';
import {
  checkToolOptions,
  connectionOptionsFor,
  UCFunctionTool,
  type UCFunctionToolOptions,
} from './tool.js';
import { quoteIdentifier } from './uc_types.js';

export interface UCFunctionToolkitOptions
  extends UCFunctionToolOptions,
    WorkspaceConnectionOptions {
  /**
   * Functions to make tools of: `catalog.schema.function`, or `*` globs of the function part
   * (`main.tools.*`, `main.tools.get_*`). With `catalog` and `schema` instead: every function of
   * that schema.
   */
  functionNames?: string[];
  catalog?: string;
  schema?: string;
  signal?: AbortSignal;
}

/**
 * Tools for Unity Catalog functions, read from the Unity Catalog REST API once (through core's
 * client, with the database's workspace and credentials unless others are given) and run on the
 * database's SQL warehouse.
 *
 * @example
 * ```ts
 * const db = await DatabricksSqlDatabase.fromDatabricks({ warehouseId, catalog: 'main', schema: 'tools' });
 * const toolkit = await UCFunctionToolkit.create({ database: db, functionNames: ['main.tools.*'] });
 * const agent = createAgent({ model, tools: toolkit.getTools() });
 * ```
 */
export class UCFunctionToolkit extends BaseToolkit {
  tools: UCFunctionTool[];

  private constructor(tools: UCFunctionTool[]) {
    super();
    this.tools = tools;
  }

  /** Reads the definitions and makes the tools. */
  static async create(options: UCFunctionToolkitOptions): Promise<UCFunctionToolkit> {
    checkToolOptions('UCFunctionToolkit', options);
    const names = namesOf(options);
    const connection = functionsConnection(connectionOptionsFor(options));
    try {
      const infos = await new UCFunctionsApi(connection).resolve(names, options.signal);
      const tools = infos.map((info) => new UCFunctionTool(info, options));
      const seen = new Map<string, string>();
      for (const tool of tools) {
        const other = seen.get(tool.name);
        if (other)
          throw new UCFunctionError(
            `${other} and ${tool.functionName} would both be the tool ${tool.name}: list only one of them.`,
            { reason: 'invalid', functionName: tool.functionName },
          );
        seen.set(tool.name, tool.functionName);
      }
      return new UCFunctionToolkit(tools);
    } finally {
      await connection.close();
    }
  }

  override getTools(): UCFunctionTool[] {
    return this.tools;
  }

  /** The tool of a function, by tool name or by `catalog.schema.function`. */
  getTool(name: string): UCFunctionTool | undefined {
    const lower = name.toLowerCase();
    return this.tools.find(
      (tool) => tool.name === name || tool.functionName.toLowerCase() === lower,
    );
  }
}

function namesOf(options: UCFunctionToolkitOptions): string[] {
  const { functionNames, catalog, schema } = options;
  if (functionNames !== undefined) {
    if (
      !Array.isArray(functionNames) ||
      functionNames.some((name) => typeof name !== 'string' || name.trim() === '')
    )
      throw new UCFunctionError(
        'UCFunctionToolkit: the option `functionNames` must be an array of names such as "main.tools.lookup" or "main.tools.*".',
        { reason: 'invalid' },
      );
    if (catalog !== undefined || schema !== undefined)
      throw new UCFunctionError(
        'UCFunctionToolkit: pass either `functionNames` or `catalog` and `schema`, not both.',
        { reason: 'invalid' },
      );
    // Malformed names fail here, before any request.
    for (const name of functionNames) splitFullName(name);
    return functionNames;
  }
  if (typeof catalog === 'string' && catalog && typeof schema === 'string' && schema)
    return [`${quoteIdentifier(catalog)}.${quoteIdentifier(schema)}.*`];
  throw new UCFunctionError(
    'UCFunctionToolkit: say which functions to load: `functionNames` (["main.tools.*"]) or `catalog` and `schema`.',
    { reason: 'invalid' },
  );
}
