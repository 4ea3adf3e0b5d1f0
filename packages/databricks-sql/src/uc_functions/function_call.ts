/**
 * A Unity Catalog function as a tool sees it (from its `FunctionInfo`), the statement that calls
 * it, and what goes back to the model.
 *
 * The call: `SELECT catalog.schema.fn(...) AS value` for a scalar function, `SELECT * FROM
 * catalog.schema.fn(...)` for a table function. Every argument travels as a named parameter
 * marker (`:p0`, `:p1`...) with a string value, never inside the SQL text, on both transports (the
 * Thrift driver and the Statement Execution API take string parameters alike); the SQL text only
 * holds names and types re-rendered from the parsed definition. Values are turned into their type
 * on the warehouse: `CAST(:p AS DECIMAL(10,2))`, `from_json(:p, :p_type)` for arrays, maps and
 * structs (the JSON the model wrote), `unbase64(:p)` for BINARY, `parse_json(:p)` for VARIANT.
 * Arguments go by position up to the first one left out (a parameter with a default), by name
 * (`name => :p`) after it.
 *
 * The result, as Unity Catalog's function clients report it (Python's `unitycatalog-ai`, the
 * managed MCP server): `{"format":"SCALAR","value":...}` or `{"format":"CSV","value":"<header and
 * rows>","truncated":...}`, cut to a row and a character limit.
 */
import { z } from 'zod';
import type { QueryColumn, StatementResult } from '../connection.js';
import { type JsonValue, toJsonValue } from '../values.js';
import { UCFunctionError } from './errors.js';
import { toolNameOf } from './tool_name.js';
import {
  parameterType,
  quoteIdentifier,
  typeHint,
  typeSql,
  type UCType,
  zodOfType,
} from './uc_types.js';
import type { FunctionInfo } from './wire.js';

export interface UCFunctionParameter {
  name: string;
  type: UCType;
  comment?: string;
  /** SQL text of the default: the parameter is optional. */
  defaultSql?: string;
}

export interface UCFunctionDefinition {
  catalog: string;
  schema: string;
  name: string;
  /** `catalog.schema.name`. */
  fullName: string;
  comment?: string;
  parameters: UCFunctionParameter[];
  /** A scalar function's return type, or a table function's columns (as SQL type text). */
  returns: { kind: 'scalar'; typeText: string } | { kind: 'table'; columns: string[] };
  /** `SQL` or `PYTHON` (informative). */
  language: string;
}

/** The definition a tool needs, from a `FunctionInfo`; unreadable types throw `UCFunctionError`. */
export function definitionOf(info: FunctionInfo): UCFunctionDefinition {
  const fullName = info.full_name ?? `${info.catalog_name}.${info.schema_name}.${info.name}`;
  const parameters = [...(info.input_params?.parameters ?? [])]
    .sort((a, b) => (a.position ?? 0) - (b.position ?? 0))
    .map((param): UCFunctionParameter => {
      let type: UCType;
      try {
        type = parameterType(param);
      } catch (error) {
        throw new UCFunctionError(
          `Parameter ${param.name} of ${fullName}: ${(error as Error).message}`,
          { reason: 'unsupported_type', functionName: fullName, cause: error },
        );
      }
      return {
        name: param.name,
        type,
        ...(param.comment ? { comment: param.comment } : {}),
        ...(param.parameter_default !== undefined && param.parameter_default !== null
          ? { defaultSql: param.parameter_default }
          : {}),
      };
    });
  const table = String(info.data_type ?? '').toUpperCase() === 'TABLE_TYPE';
  const columns = [...(info.return_params?.parameters ?? [])]
    .sort((a, b) => (a.position ?? 0) - (b.position ?? 0))
    .map((column) => `${column.name} ${column.type_text ?? column.type_name ?? ''}`.trim());
  return {
    catalog: info.catalog_name,
    schema: info.schema_name,
    name: info.name,
    fullName,
    ...(info.comment ? { comment: info.comment } : {}),
    parameters,
    returns: table
      ? { kind: 'table', columns }
      : { kind: 'scalar', typeText: info.full_data_type ?? info.data_type ?? 'unknown' },
    language:
      String(info.routine_body ?? 'SQL').toUpperCase() === 'EXTERNAL'
        ? String(info.external_language ?? 'external').toUpperCase()
        : 'SQL',
  };
}

/** The tool's description: the function's comment, what it returns, and each parameter. */
export function describeFunction(definition: UCFunctionDefinition): string {
  const lines = [definition.comment ?? `Calls the Unity Catalog function ${definition.fullName}.`];
  lines.push(
    definition.returns.kind === 'table'
      ? `Returns rows${definition.returns.columns.length ? ` (${definition.returns.columns.join(', ')})` : ''}.`
      : `Returns ${definition.returns.typeText}.`,
  );
  for (const parameter of definition.parameters) {
    const notes = [typeSql(parameter.type)];
    if (parameter.defaultSql !== undefined) notes.push(`optional, default ${parameter.defaultSql}`);
    lines.push(
      `- ${parameter.name} (${notes.join(', ')})${parameter.comment ? `: ${parameter.comment}` : ''}`,
    );
  }
  return lines.join('\n');
}

/** The zod object schema of the tool's arguments: optional where the parameter has a default. */
export function argumentsSchemaOf(definition: UCFunctionDefinition): z.ZodObject {
  const shape = Object.fromEntries(
    definition.parameters.map((parameter) => {
      const value = zodOfType(parameter.type);
      const schema = parameter.defaultSql !== undefined ? value.optional() : value;
      const description = [
        parameter.comment,
        typeHint(parameter.type),
        parameter.defaultSql !== undefined ? `Default: ${parameter.defaultSql}` : undefined,
      ]
        .filter((part): part is string => Boolean(part))
        .map((part) => part.trim().replace(/\.$/, ''))
        .join('. ');
      return [parameter.name, description ? schema.describe(`${description}.`) : schema];
    }),
  );
  return z.object(shape);
}

/** The tool name of a function (see `tool_name.ts`). */
export function toolNameOfDefinition(definition: UCFunctionDefinition): string {
  return toolNameOf(definition.fullName);
}

export interface FunctionCall {
  statement: string;
  /** Named parameters: strings or null, typed on the warehouse by the statement. */
  params: Record<string, string | null>;
}

/** A value the model gave as the text a parameter carries (JSON for nested values). */
function valueText(value: unknown): string {
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint')
    return String(value);
  return JSON.stringify(value);
}

/** The SQL expression that turns the string parameter `:marker` into a value of `type`. */
function typedMarker(type: UCType, marker: string, params: Record<string, string | null>): string {
  if (type.kind !== 'primitive') {
    params[`${marker}_type`] = typeSql(type);
    return `from_json(:${marker}, :${marker}_type)`;
  }
  switch (type.name) {
    case 'STRING':
    case 'CHAR':
    case 'VARCHAR':
      return `:${marker}`;
    case 'BINARY':
      return `unbase64(:${marker})`;
    case 'VARIANT':
      return `parse_json(:${marker})`;
    default:
      return `CAST(:${marker} AS ${typeSql(type)})`;
  }
}

/** The statement and parameters that call `definition` with the model's `args`. */
export function buildFunctionCall(
  definition: UCFunctionDefinition,
  args: Record<string, unknown>,
): FunctionCall {
  const params: Record<string, string | null> = {};
  const items: string[] = [];
  let byName = false;
  definition.parameters.forEach((parameter, index) => {
    const value = args[parameter.name];
    if (value === undefined) {
      if (parameter.defaultSql === undefined)
        throw new UCFunctionError(
          `Missing a value for the parameter ${parameter.name} of ${definition.fullName}.`,
          { reason: 'invalid', functionName: definition.fullName },
        );
      byName = true;
      return;
    }
    const marker = `p${index}`;
    let expression: string;
    if (value === null) {
      params[marker] = null;
      expression = `CAST(:${marker} AS ${typeSql(parameter.type)})`;
    } else {
      params[marker] =
        parameter.type.kind === 'primitive' && parameter.type.name === 'VARIANT'
          ? JSON.stringify(value)
          : valueText(value);
      expression = typedMarker(parameter.type, marker, params);
    }
    items.push(byName ? `${quoteIdentifier(parameter.name)} => ${expression}` : expression);
  });
  const name = [definition.catalog, definition.schema, definition.name]
    .map(quoteIdentifier)
    .join('.');
  const statement =
    definition.returns.kind === 'table'
      ? `SELECT * FROM ${name}(${items.join(', ')})`
      : `SELECT ${name}(${items.join(', ')}) AS value`;
  return { statement, params };
}

/** Limits on what goes back to the model. */
export interface ResultLimits {
  /** Rows of a table function's result. */
  maxRows: number;
  /** Characters of the result's `value` (rows are dropped from the end to fit). */
  maxChars: number;
}

export const DEFAULT_RESULT_LIMITS: ResultLimits = { maxRows: 100, maxChars: 20_000 };

function cellText(value: unknown, column: QueryColumn): string | null {
  const json: JsonValue = toJsonValue(value, { type: column.type });
  if (json === null) return null;
  return typeof json === 'string' ? json : JSON.stringify(json);
}

function csvField(value: string | null): string {
  if (value === null) return '';
  return /[",\r\n]/.test(value) ? `"${value.replace(/"/g, '""')}"` : value;
}

/**
 * The tool's answer from a statement's result: a scalar as `{"format":"SCALAR","value":...}`
 * (lossless JSON; a string longer than `maxChars` is cut and `truncated` set), a table as CSV
 * with a header (RFC 4180; NULL an empty field), at most `maxRows` rows and `maxChars` characters.
 */
export function formatFunctionResult(
  definition: UCFunctionDefinition,
  result: StatementResult,
  limits: ResultLimits,
): string {
  if (definition.returns.kind === 'scalar') {
    const column = result.columns[0] ?? { name: 'value', type: 'STRING' };
    const row = result.rows[0];
    let value = row === undefined ? null : toJsonValue(row[column.name], { type: column.type });
    let truncated = false;
    if (typeof value === 'string' && value.length > limits.maxChars) {
      value = `${value.slice(0, limits.maxChars)}...`;
      truncated = true;
    } else if (value !== null && typeof value === 'object') {
      const text = JSON.stringify(value);
      if (text.length > limits.maxChars) {
        value = `${text.slice(0, limits.maxChars)}...`;
        truncated = true;
      }
    }
    return JSON.stringify({ format: 'SCALAR', value, ...(truncated ? { truncated } : {}) });
  }
  const header = `${result.columns.map((c) => csvField(c.name)).join(',')}\n`;
  let csv = header;
  let truncated = result.truncated || result.rows.length > limits.maxRows;
  for (const row of result.rows.slice(0, limits.maxRows)) {
    const line = `${result.columns.map((c) => csvField(cellText(row[c.name], c))).join(',')}\n`;
    if (csv.length + line.length > limits.maxChars) {
      truncated = true;
      break;
    }
    csv += line;
  }
  return JSON.stringify({ format: 'CSV', value: csv, truncated });
}
