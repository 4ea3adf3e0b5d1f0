/**
 * `system.ai.python_exec` as a tool: Databricks' built-in Unity Catalog function that runs Python
 * code and returns what it prints. Its definition is fixed, so the tool is made without a REST
 * call; `UCFunctionToolkit` with `functionNames: ['system.ai.python_exec']` reads the same function
 * from Unity Catalog.
 */
import { UCFunctionTool, type UCFunctionToolOptions } from './tool.js';
import type { FunctionInfo } from './wire.js';

/** The `FunctionInfo` of `system.ai.python_exec`, as Unity Catalog describes it. */
export const PYTHON_EXEC_FUNCTION_INFO: FunctionInfo = Object.freeze({
  name: 'python_exec',
  catalog_name: 'system',
  schema_name: 'ai',
  full_name: 'system.ai.python_exec',
  comment:
    'Executes Python code and returns its standard output. Each call starts from scratch: nothing (variables, imports, files) carries over from an earlier call, and other tools cannot be called from the code. Use the Python standard library only, and print() what you want to see.',
  input_params: {
    parameters: [
      {
        name: 'code',
        type_text: 'string',
        type_name: 'STRING',
        type_json:
          '{"name":"code","type":"string","nullable":true,"metadata":{"comment":"Python code to execute. Remember to print the final result to stdout."}}',
        position: 0,
        comment: 'Python code to execute. Remember to print the final result to stdout.',
      },
    ],
  },
  data_type: 'STRING',
  full_data_type: 'STRING',
  routine_body: 'EXTERNAL',
  external_language: 'Python',
}) as FunctionInfo;

/** The `system__ai__python_exec` tool, running on the database's warehouse. */
export function createPythonExecTool(options: UCFunctionToolOptions): UCFunctionTool {
  return new UCFunctionTool(PYTHON_EXEC_FUNCTION_INFO, options);
}
