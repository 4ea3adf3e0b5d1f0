/**
 * The managed Unity Catalog functions MCP server (`/api/2.0/mcp/functions/{catalog}/{schema}` and
 * `.../{function}`): one tool per function of the schema (`system/ai` serves
 * `system.ai.python_exec`), named `catalog__schema__function` (the name `databricks-mcp` maps back
 * to the function), described by the function's comment, with an input schema from its
 * parameters (those with a DEFAULT are optional). A call runs the function on the workspace's
 * SQL engine with named parameters, never with values in the SQL text: scalar functions answer
 * `{"format":"SCALAR","value":"..."}`, table functions `{"format":"CSV","value":"...",
 * "truncated":...}` (at most 100 rows), as Unity Catalog's own function clients report results;
 * SQL errors are tool results with `isError`.
 */
import type { CallToolResult, Tool } from '@modelcontextprotocol/sdk/types.js';
import { type SparkType, typeSql } from '../../engine/dialect/spark_types.js';
import type { FunctionDefinition } from '../../engine/functions/function_definition.js';
import { SqlError, type StatementParameters } from '../../engine/sql_engine.js';
import { cellText } from '../genie/statement.js';
import {
  badRequest,
  errorResult,
  jsonResult,
  type ManagedServerKind,
  toolNamed,
} from './managed_server.js';

type Json = Record<string, unknown>;

const MAX_ROWS = 100;

/** The JSON schema of a value of a Unity Catalog type. */
function jsonSchema(type: SparkType, description?: string): Json {
  const described = (schema: Json): Json =>
    description === undefined ? schema : { ...schema, description };
  switch (type.kind) {
    case 'array':
      return described({ type: 'array', items: jsonSchema(type.element) });
    case 'map':
      return described({ type: 'object', additionalProperties: jsonSchema(type.value) });
    case 'struct':
      return described({
        type: 'object',
        properties: Object.fromEntries(
          type.fields.map((field) => [field.name, jsonSchema(field.type, field.comment)]),
        ),
        required: type.fields.filter((field) => !field.nullable).map((field) => field.name),
      });
    default:
      switch (type.name) {
        case 'TINYINT':
        case 'SMALLINT':
        case 'INT':
        case 'BIGINT':
          return described({ type: 'integer' });
        case 'FLOAT':
        case 'DOUBLE':
        case 'DECIMAL':
          return described({ type: 'number' });
        case 'BOOLEAN':
          return described({ type: 'boolean' });
        case 'DATE':
          return described({ type: 'string', format: 'date' });
        case 'TIMESTAMP':
        case 'TIMESTAMP_NTZ':
          return described({ type: 'string', format: 'date-time' });
        case 'BINARY':
          return described({ type: 'string', contentEncoding: 'base64' });
        case 'VARIANT':
          return described({ type: ['object', 'array', 'string', 'number', 'boolean', 'null'] });
        default:
          return described({ type: 'string' });
      }
  }
}

function toolOf(definition: FunctionDefinition): Tool {
  return {
    name: definition.fullName.replace(/\./g, '__'),
    description: definition.comment ?? '',
    inputSchema: {
      type: 'object',
      properties: Object.fromEntries(
        definition.parameters.map((p) => [
          p.name,
          jsonSchema(
            p.type,
            [p.comment, p.defaultSql === undefined ? undefined : `(Default: ${p.defaultSql})`]
              .filter(Boolean)
              .join(' ') || undefined,
          ),
        ]),
      ),
      required: definition.parameters.filter((p) => p.defaultSql === undefined).map((p) => p.name),
    },
  };
}

function quoted(name: string): string {
  return `\`${name.replace(/`/g, '``')}\``;
}

/**
 * The statement and named parameters that call a function with `args`: arguments in order up to
 * the first omitted one, `name => :pN` after it; nested types as `from_json`, BINARY as base64.
 */
function callOf(
  definition: FunctionDefinition,
  args: Record<string, unknown>,
): { sql: string; parameters: StatementParameters } {
  const named: NonNullable<StatementParameters['named']> = {};
  const items: string[] = [];
  let byName = false;
  definition.parameters.forEach((parameter, index) => {
    const value = args[parameter.name];
    if (value === undefined) {
      byName = true;
      return;
    }
    const marker = `p${index}`;
    const type = parameter.type;
    let expression = `:${marker}`;
    if (value === null) named[marker] = { value: null };
    else if (type.kind !== 'primitive' || type.name === 'VARIANT') {
      named[marker] = { value: JSON.stringify(value), type: 'STRING' };
      if (type.kind === 'primitive') expression = `parse_json(:${marker})`;
      else {
        named[`${marker}_type`] = { value: typeSql(type), type: 'STRING' };
        expression = `from_json(:${marker}, :${marker}_type)`;
      }
    } else if (type.name === 'BINARY') {
      named[marker] = { value: String(value), type: 'STRING' };
      expression = `unbase64(:${marker})`;
    } else {
      // Geospatial values travel as text (WKT); the engine has no such types.
      const textual = type.name === 'GEOGRAPHY' || type.name === 'GEOMETRY';
      named[marker] = {
        value: typeof value === 'object' ? JSON.stringify(value) : String(value),
        type: textual ? 'STRING' : typeSql(type),
      };
    }
    items.push(byName ? `${quoted(parameter.name)} => ${expression}` : expression);
  });
  const name = [definition.catalog, definition.schema, definition.name].map(quoted).join('.');
  const sql =
    definition.returns.kind === 'table'
      ? `SELECT * FROM ${name}(${items.join(', ')})`
      : `SELECT ${name}(${items.join(', ')}) AS value`;
  return { sql, parameters: { named } };
}

/** RFC 4180 CSV with a header; NULL is an empty field. */
function csv(header: string[], rows: Array<Array<string | null>>): string {
  const field = (value: string | null) =>
    value === null ? '' : /[",\r\n]/.test(value) ? `"${value.replace(/"/g, '""')}"` : value;
  return [header, ...rows].map((row) => `${row.map(field).join(',')}\n`).join('');
}

export function functionsServerKind(): ManagedServerKind<undefined> {
  return {
    kind: 'functions',
    paths: ['/api/2.0/mcp/functions/:catalog/:schema{/:name}'],
    shared: () => undefined,
    open(context, params) {
      const catalog = context.engine.functions;
      if (!catalog) throw badRequest('This workspace has no Unity Catalog functions.');
      const prefix = `${params.catalog}.${params.schema}`;
      let tools: Promise<{ tool: Tool; definition: FunctionDefinition }[]> | undefined;
      const load = () => {
        tools ??= (async () => {
          try {
            await catalog.checkNamespace(params.catalog as string, params.schema as string);
          } catch (error) {
            if (error instanceof SqlError) throw badRequest(`Schema ${prefix} not found.`);
            throw error;
          }
          const definitions = params.name
            ? [catalog.get(`${prefix}.${params.name}`)]
            : catalog.list(params.catalog as string, params.schema as string);
          if (definitions[0] === undefined)
            throw badRequest(`Function ${prefix}.${params.name} not found.`);
          return (definitions as FunctionDefinition[]).map((definition) => ({
            definition,
            tool: toolOf(definition),
          }));
        })();
        return tools;
      };
      return {
        name: `uc-functions-${params.catalog}-${params.schema}${params.name ? `-${params.name}` : ''}`,
        tools: async () => (await load()).map((entry) => entry.tool),
        async call(call): Promise<CallToolResult> {
          const entries = await load();
          const tool = toolNamed(
            entries.map((entry) => entry.tool),
            call.name,
          );
          const { definition } = entries.find((entry) => entry.tool === tool)!;
          const required = (tool.inputSchema.required ?? []) as string[];
          for (const name of required)
            if (call.arguments[name] === undefined || call.arguments[name] === null)
              throw badRequest(`Missing parameter value for ${name} (tool ${tool.name}).`);
          for (const name of Object.keys(call.arguments))
            if (!definition.parameters.some((p) => p.name === name))
              throw badRequest(`Unknown parameter ${name} for tool ${tool.name}.`);
          const { sql, parameters } = callOf(definition, call.arguments);
          const session = await context.engine.openSession({});
          try {
            const result = await session.execute(sql, parameters, call.signal);
            try {
              const rows = await result.fetch(MAX_ROWS + 1);
              const truncated = rows.length > MAX_ROWS;
              const texts = rows.slice(0, MAX_ROWS).map((row) => row.map(cellText));
              if (definition.returns.kind === 'scalar')
                return jsonResult({ format: 'SCALAR', value: texts[0]?.[0] ?? null });
              return jsonResult({
                format: 'CSV',
                value: csv(
                  result.columns.map((column) => column.name),
                  texts,
                ),
                truncated,
              });
            } finally {
              await result.close();
            }
          } catch (error) {
            if (error instanceof SqlError) return errorResult(error.message);
            throw error;
          } finally {
            await session.close();
          }
        },
      };
    },
  };
}
