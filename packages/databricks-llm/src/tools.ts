/**
 * Tool definitions and tool_choice in the shape Databricks accepts: OpenAI function tools,
 * without `strict` (FMAPI answers "Extra inputs are not permitted") and always with `parameters`
 * (FMAPI requires it, even for tools that take no arguments).
 */
import type { BindToolsInput } from '@langchain/core/language_models/chat_models';
import { convertToOpenAITool, isLangChainTool } from '@langchain/core/utils/function_calling';
import { toJsonSchema } from '@langchain/core/utils/json_schema';
import { isInteropZodSchema } from '@langchain/core/utils/types';

export interface DatabricksTool {
  type: 'function';
  function: { name: string; description?: string; parameters: Record<string, unknown> };
}

export type DatabricksToolChoice =
  | 'auto'
  | 'none'
  | 'required'
  | { type: 'function'; function: { name: string } };

const EMPTY_PARAMETERS = { type: 'object', properties: {} };

function cleanParameters(parameters: unknown): Record<string, unknown> {
  if (isInteropZodSchema(parameters)) return toJsonSchema(parameters) as Record<string, unknown>;
  if (typeof parameters !== 'object' || parameters === null) return { ...EMPTY_PARAMETERS };
  const { $schema: _schema, ...rest } = parameters as Record<string, unknown>;
  return rest;
}

/** Any tool LangChain accepts (tool instances, `{name, description, schema}`, OpenAI tools) → Databricks tool. */
export function toDatabricksTool(tool: BindToolsInput): DatabricksTool {
  const record = tool as Record<string, unknown>;
  let name: unknown;
  let description: unknown;
  let parameters: unknown;
  if (
    record.type === 'function' &&
    typeof record.function === 'object' &&
    record.function !== null
  ) {
    const fn = record.function as Record<string, unknown>;
    name = fn.name;
    description = fn.description;
    parameters = fn.parameters;
  } else if (isLangChainTool(tool)) {
    const converted = convertToOpenAITool(tool);
    name = converted.function.name;
    description = converted.function.description;
    parameters = converted.function.parameters;
  } else if (typeof record.name === 'string') {
    // `{name, description, parameters | input_schema | schema}` (JSON schema or zod).
    name = record.name;
    description = record.description;
    parameters = record.parameters ?? record.input_schema ?? record.schema;
  } else if (typeof record.title === 'string' && record.type === 'object') {
    // A bare JSON schema with a title: the title names the tool.
    name = record.title;
    description = record.description;
    parameters = record;
  }
  if (typeof name !== 'string' || name === '') {
    throw new Error(
      'Each tool passed to bindTools() needs a name (a LangChain tool, {name, schema}, or an OpenAI tool).',
    );
  }
  const fn: DatabricksTool['function'] = { name, parameters: cleanParameters(parameters) };
  if (typeof description === 'string' && description !== '') fn.description = description;
  return { type: 'function', function: fn };
}

/**
 * LangChain tool_choice → OpenAI tool_choice: `'any'` → `'required'`, a tool name → a function
 * choice, a function-choice object is checked against the bound tool names.
 */
export function toDatabricksToolChoice(
  choice: unknown,
  tools: DatabricksTool[] | undefined,
): DatabricksToolChoice | undefined {
  if (choice === undefined || choice === null) return undefined;
  const names = new Set((tools ?? []).map((tool) => tool.function.name));
  if (typeof choice === 'string') {
    if (choice === 'auto' || choice === 'none' || choice === 'required') return choice;
    if (choice === 'any') return 'required';
    if (tools && !names.has(choice)) {
      throw new Error(
        `tool_choice "${choice}" is not one of the bound tools (${[...names].join(', ')})`,
      );
    }
    return { type: 'function', function: { name: choice } };
  }
  if (typeof choice === 'object') {
    const fnName =
      (choice as { function?: { name?: unknown }; name?: unknown }).function?.name ??
      (choice as { name?: unknown }).name;
    if (typeof fnName !== 'string')
      throw new Error(
        'tool_choice object must name a function: {type: "function", function: {name}}',
      );
    if (tools && !names.has(fnName)) {
      throw new Error(
        `tool_choice "${fnName}" is not one of the bound tools (${[...names].join(', ')})`,
      );
    }
    return { type: 'function', function: { name: fnName } };
  }
  throw new Error(`Unsupported tool_choice: ${String(choice)}`);
}
