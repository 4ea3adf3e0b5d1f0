/**
 * Unity Catalog's `FunctionInfo` (the functions REST API's shape, as Databricks' SDKs read it)
 * from the engine's function records, and a `CreateFunction` body back into a function spec.
 */
import {
  columnTypeName,
  fieldJson,
  parseTypeText,
  type SparkType,
  typeFromJson,
  typeSql,
  typeText,
} from '../../engine/dialect/spark_types.js';
import type {
  DataAccess,
  FunctionDefinition,
  FunctionParameter,
  FunctionReturns,
  FunctionSpec,
} from '../../engine/functions/function_definition.js';
import { ApiError } from '../../platform/errors.js';

type Json = Record<string, unknown>;

/** `type_precision` / `type_scale` / `type_interval_type` of a parameter or column. */
function typeDetails(type: SparkType): Json {
  if (type.kind !== 'primitive') return {};
  if (type.name === 'DECIMAL')
    return { type_precision: type.precision ?? 10, type_scale: type.scale ?? 0 };
  if (type.name === 'INTERVAL') return { type_interval_type: type.qualifier };
  return {};
}

function parameterInfo(
  name: string,
  type: SparkType,
  position: number,
  kind: 'PARAM' | 'COLUMN',
  extra: { comment?: string; defaultSql?: string; nullable?: boolean },
): Json {
  return {
    name,
    type_text: typeText(type),
    type_name: columnTypeName(type),
    type_json: JSON.stringify(
      fieldJson({
        name,
        type,
        nullable: extra.nullable ?? true,
        ...(extra.comment !== undefined ? { comment: extra.comment } : {}),
      }),
    ),
    ...typeDetails(type),
    position,
    parameter_mode: 'IN',
    parameter_type: kind,
    ...(extra.defaultSql !== undefined ? { parameter_default: extra.defaultSql } : {}),
    ...(extra.comment !== undefined ? { comment: extra.comment } : {}),
  };
}

/** The `FunctionInfo` of a function. */
export function functionInfo(definition: FunctionDefinition, metastoreId: string): Json {
  const returns = definition.returns;
  const table = returns.kind === 'table';
  // A Python function's ENVIRONMENT clause is reported with its properties.
  const properties = { ...definition.properties, ...definition.environment };
  return {
    name: definition.name,
    catalog_name: definition.catalog,
    schema_name: definition.schema,
    full_name: definition.fullName,
    function_id: definition.functionId,
    metastore_id: metastoreId,
    owner: definition.owner,
    ...(definition.comment !== undefined ? { comment: definition.comment } : {}),
    input_params: {
      parameters: definition.parameters.map((p, position) =>
        parameterInfo(p.name, p.type, position, 'PARAM', {
          comment: p.comment,
          defaultSql: p.defaultSql,
        }),
      ),
    },
    data_type: table ? 'TABLE_TYPE' : columnTypeName(returns.type),
    full_data_type: table
      ? `TABLE(${returns.columns.map((c) => `${c.name} ${typeSql(c.type)}`).join(', ')})`
      : typeSql(returns.type),
    ...(table
      ? {
          return_params: {
            parameters: returns.columns.map((column, position) =>
              parameterInfo(column.name, column.type, position, 'COLUMN', {
                comment: column.comment,
                nullable: column.nullable,
              }),
            ),
          },
        }
      : {}),
    routine_body: definition.language === 'PYTHON' ? 'EXTERNAL' : 'SQL',
    routine_definition: definition.body,
    ...(definition.language === 'PYTHON' ? { external_language: 'Python' } : {}),
    is_deterministic: definition.deterministic,
    is_null_call: false,
    parameter_style: 'S',
    security_type: 'DEFINER',
    sql_data_access: definition.dataAccess,
    specific_name: definition.name,
    sql_path: definition.sqlPath,
    ...(Object.keys(properties).length > 0 ? { properties: JSON.stringify(properties) } : {}),
    routine_dependencies: { dependencies: [] },
    created_at: definition.createdAt,
    created_by: definition.createdBy,
    updated_at: definition.updatedAt,
    updated_by: definition.updatedBy,
    browse_only: false,
  };
}

function invalid(message: string): ApiError {
  return new ApiError(400, 'INVALID_PARAMETER_VALUE', message);
}

function text(value: unknown, field: string): string {
  if (typeof value !== 'string' || value.trim() === '')
    throw invalid(`function_info.${field} is required and must be a non-empty string.`);
  return value;
}

/** A parameter's type from whichever of `type_text`, `type_json` or `type_name` it has. */
function parameterType(info: Json, field: string): SparkType {
  try {
    if (typeof info.type_text === 'string' && info.type_text.trim() !== '')
      return parseTypeText(info.type_text);
    if (typeof info.type_json === 'string') {
      const parsed = JSON.parse(info.type_json) as Json;
      return typeFromJson(parsed.type ?? parsed);
    }
    if (typeof info.type_name === 'string') {
      const name = info.type_name.toUpperCase();
      if (name === 'DECIMAL')
        return parseTypeText(`DECIMAL(${info.type_precision ?? 10},${info.type_scale ?? 0})`);
      return parseTypeText(name === 'NULL' ? 'VOID' : name);
    }
  } catch (error) {
    throw invalid(`${field}: ${(error as Error).message}`);
  }
  throw invalid(`${field} needs type_text, type_json or type_name.`);
}

function parameters(value: unknown, field: string): Json[] {
  const list = (value as Json | undefined)?.parameters;
  if (list === undefined || list === null) return [];
  if (!Array.isArray(list)) throw invalid(`${field}.parameters must be an array.`);
  return [...(list as Json[])].sort((a, b) => Number(a.position ?? 0) - Number(b.position ?? 0));
}

const DATA_ACCESS = new Set(['CONTAINS_SQL', 'READS_SQL_DATA', 'NO_SQL']);

/** The function a `POST /functions` body (`{ function_info: {...} }`) describes. */
export function specFromFunctionInfo(body: Json): Omit<FunctionSpec, 'returns'> & {
  returns?: FunctionReturns;
} {
  const info = body.function_info as Json | undefined;
  if (!info || typeof info !== 'object') throw invalid('function_info is required.');
  const routineBody = String(info.routine_body ?? 'SQL').toUpperCase();
  const externalLanguage = String(info.external_language ?? '').toLowerCase();
  let language: 'SQL' | 'PYTHON';
  if (routineBody === 'SQL') language = 'SQL';
  else if (routineBody === 'EXTERNAL' && externalLanguage === 'python') language = 'PYTHON';
  else
    throw invalid(
      `routine_body ${routineBody}${externalLanguage ? ` with external_language ${info.external_language}` : ''} is not supported: use SQL, or EXTERNAL with external_language Python.`,
    );
  const params: FunctionParameter[] = parameters(info.input_params, 'input_params').map(
    (param, index) => ({
      name: text(param.name, `input_params.parameters[${index}].name`),
      type: parameterType(param, `input_params.parameters[${index}]`),
      ...(typeof param.parameter_default === 'string'
        ? { defaultSql: param.parameter_default }
        : {}),
      ...(typeof param.comment === 'string' ? { comment: param.comment } : {}),
    }),
  );
  const dataType = String(info.data_type ?? '').toUpperCase();
  let returns: FunctionReturns | undefined;
  if (dataType === 'TABLE_TYPE') {
    const columns = parameters(info.return_params, 'return_params');
    if (columns.length === 0)
      throw invalid('A table function (data_type TABLE_TYPE) needs return_params.parameters.');
    returns = {
      kind: 'table',
      columns: columns.map((column, index) => ({
        name: text(column.name, `return_params.parameters[${index}].name`),
        type: parameterType(column, `return_params.parameters[${index}]`),
        nullable: true,
        ...(typeof column.comment === 'string' ? { comment: column.comment } : {}),
      })),
    };
  } else if (typeof info.full_data_type === 'string' && info.full_data_type.trim() !== '') {
    returns = {
      kind: 'scalar',
      type: parameterType({ type_text: info.full_data_type }, 'full_data_type'),
    };
  } else if (dataType) {
    returns = { kind: 'scalar', type: parameterType({ type_name: dataType }, 'data_type') };
  }
  const access = String(info.sql_data_access ?? '').toUpperCase();
  let properties: Record<string, string> | undefined;
  if (typeof info.properties === 'string' && info.properties.trim() !== '') {
    try {
      properties = JSON.parse(info.properties) as Record<string, string>;
    } catch {
      throw invalid('function_info.properties must be a JSON object encoded as a string.');
    }
  }
  return {
    catalog: text(info.catalog_name, 'catalog_name').toLowerCase(),
    schema: text(info.schema_name, 'schema_name').toLowerCase(),
    name: text(info.name, 'name').toLowerCase(),
    parameters: params,
    ...(returns ? { returns } : {}),
    language,
    body: text(info.routine_definition, 'routine_definition'),
    deterministic: info.is_deterministic !== false,
    dataAccess: (DATA_ACCESS.has(access)
      ? access
      : language === 'PYTHON'
        ? 'NO_SQL'
        : 'CONTAINS_SQL') as DataAccess,
    ...(typeof info.comment === 'string' ? { comment: info.comment } : {}),
    ...(properties ? { properties } : {}),
  };
}
