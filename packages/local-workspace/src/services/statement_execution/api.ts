/**
 * The JSON of the Statement Execution API: validating `POST /api/2.0/sql/statements` bodies
 * (with Databricks' `INVALID_PARAMETER_VALUE` answers) and building `StatementResponse`,
 * `ResultManifest` and `ResultData` from a stored statement.
 */
import type {
  ColumnMetadata,
  ParameterValue,
  StatementParameters,
} from '../../engine/sql_engine.js';
import { ApiError } from '../../platform/errors.js';
import type { ResultFormat } from './encoding.js';
import type { LinkSigner } from './links.js';
import type { Disposition, Statement, StatementRequest } from './statements.js';

export const STATEMENTS_PATH = '/api/2.0/sql/statements';
const MAX_STATEMENT_BYTES = 16 * 1024 * 1024;

const invalid = (message: string) => new ApiError(400, 'INVALID_PARAMETER_VALUE', message);

function optionalString(body: Record<string, unknown>, key: string): string | undefined {
  const value = body[key];
  if (value === undefined || value === null || value === '') return undefined;
  if (typeof value !== 'string') throw invalid(`Invalid ${key}: expected a string.`);
  return value;
}

function oneOf<T extends string>(
  body: Record<string, unknown>,
  key: string,
  values: readonly T[],
  fallback: T,
): T {
  const value = body[key];
  if (value === undefined || value === null) return fallback;
  if (typeof value !== 'string' || !(values as readonly string[]).includes(value)) {
    throw invalid(`Invalid ${key}: '${String(value)}'. Expected one of ${values.join(', ')}.`);
  }
  return value as T;
}

function positiveInteger(body: Record<string, unknown>, key: string): number | undefined {
  const raw = body[key];
  if (raw === undefined || raw === null) return undefined;
  const value = typeof raw === 'string' ? Number(raw) : raw;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 0) {
    throw invalid(`Invalid ${key}: expected a non-negative integer.`);
  }
  return value;
}

/** The parameter value the engine binds, from the API's string and type. */
function parameterValue(value: string | null | undefined, type: string): ParameterValue {
  if (value === null || value === undefined) return null;
  switch (type.replace(/\(.*$/, '').trim().toUpperCase()) {
    case 'VOID':
      return null;
    case 'BOOLEAN':
      return value.trim().toLowerCase() === 'true';
    case 'BIGINT':
    case 'LONG':
      return /^[+-]?\d+$/.test(value.trim()) ? BigInt(value.trim()) : Number(value);
    case 'INT':
    case 'INTEGER':
    case 'SMALLINT':
    case 'SHORT':
    case 'TINYINT':
    case 'BYTE':
    case 'DOUBLE':
    case 'FLOAT':
      return Number(value);
    default:
      return value;
  }
}

function parseParameters(raw: unknown): StatementParameters {
  if (raw === undefined || raw === null) return {};
  if (!Array.isArray(raw)) throw invalid('Invalid parameters: expected an array.');
  const named: NonNullable<StatementParameters['named']> = {};
  for (const item of raw) {
    const parameter = (item ?? {}) as Record<string, unknown>;
    const name = parameter.name;
    if (typeof name !== 'string' || name === '')
      throw invalid('Invalid parameters: every parameter needs a name.');
    const type =
      typeof parameter.type === 'string' && parameter.type !== '' ? parameter.type : 'STRING';
    if (/^\s*(ARRAY|MAP|STRUCT)\b/i.test(type)) {
      throw invalid(
        `Invalid parameter '${name}': type ${type} is not supported; parameters are scalar (pass JSON text and use from_json).`,
      );
    }
    const value = parameter.value;
    if (value !== undefined && value !== null && typeof value !== 'string') {
      throw invalid(`Invalid parameter '${name}': value must be a string (or omitted for NULL).`);
    }
    named[name] = { value: parameterValue(value as string | null | undefined, type), type };
  }
  return Object.keys(named).length > 0 ? { named } : {};
}

/** Validates an execute request; `warehouseId` is the only warehouse of the workspace. */
export function parseExecuteRequest(body: unknown, warehouseId: string): StatementRequest {
  if (body === null || typeof body !== 'object' || Array.isArray(body)) {
    throw invalid('The request body must be a JSON object.');
  }
  const fields = body as Record<string, unknown>;
  const statement = fields.statement;
  if (typeof statement !== 'string' || statement.trim() === '')
    throw invalid('Missing required field: statement.');
  if (Buffer.byteLength(statement) > MAX_STATEMENT_BYTES)
    throw invalid('Invalid statement: larger than 16 MiB.');
  const warehouse = fields.warehouse_id;
  if (typeof warehouse !== 'string' || warehouse === '')
    throw invalid('Missing required field: warehouse_id.');
  if (warehouse !== warehouseId) {
    throw new ApiError(404, 'RESOURCE_DOES_NOT_EXIST', `Warehouse ${warehouse} does not exist.`);
  }
  const waitText = fields.wait_timeout ?? '10s';
  const wait = typeof waitText === 'string' ? /^(\d+)s$/.exec(waitText.trim()) : null;
  const waitTimeoutSeconds = wait ? Number(wait[1]) : Number.NaN;
  if (!(waitTimeoutSeconds === 0 || (waitTimeoutSeconds >= 5 && waitTimeoutSeconds <= 50))) {
    throw invalid(
      `Invalid wait_timeout: '${String(waitText)}'. Expected 0s, or between 5s and 50s.`,
    );
  }
  const disposition = oneOf<Disposition>(
    fields,
    'disposition',
    ['INLINE', 'EXTERNAL_LINKS'],
    'INLINE',
  );
  const format = oneOf<ResultFormat>(
    fields,
    'format',
    ['JSON_ARRAY', 'ARROW_STREAM', 'CSV'],
    'JSON_ARRAY',
  );
  if (disposition === 'INLINE' && format !== 'JSON_ARRAY') {
    throw invalid(
      `Invalid format: ${format} is only supported with the EXTERNAL_LINKS disposition.`,
    );
  }
  return {
    statement,
    catalog: optionalString(fields, 'catalog'),
    schema: optionalString(fields, 'schema'),
    parameters: parseParameters(fields.parameters),
    waitTimeoutSeconds,
    onWaitTimeout: oneOf(fields, 'on_wait_timeout', ['CONTINUE', 'CANCEL'], 'CONTINUE'),
    disposition,
    format,
    rowLimit: positiveInteger(fields, 'row_limit'),
    byteLimit: positiveInteger(fields, 'byte_limit'),
  };
}

/** Databricks' `type_name` for a column (`LONG` for BIGINT, `SHORT`, `BYTE`, ...). */
function typeNameOf(column: ColumnMetadata): string {
  const base = column.baseType.toUpperCase();
  switch (base) {
    case 'BIGINT':
      return 'LONG';
    case 'SMALLINT':
      return 'SHORT';
    case 'TINYINT':
      return 'BYTE';
    case 'INTEGER':
      return 'INT';
    case 'VOID':
      return 'NULL';
    case 'TIMESTAMP_LTZ':
      return 'TIMESTAMP';
    default:
      return base.startsWith('INTERVAL') ? 'INTERVAL' : base;
  }
}

export function manifestOf(statement: Statement): Record<string, unknown> {
  const { request } = statement;
  const columns = statement.columns.map((column, position) => {
    const info: Record<string, unknown> = {
      name: column.name,
      position,
      type_name: typeNameOf(column),
      type_text: column.type,
    };
    if (column.precision !== undefined) info.type_precision = column.precision;
    if (column.scale !== undefined) info.type_scale = column.scale;
    return info;
  });
  const manifest: Record<string, unknown> = {
    format: request.format,
    schema: { column_count: columns.length, columns },
    total_chunk_count: statement.chunks.length,
    chunks: statement.chunks.map((chunk, index) => ({
      chunk_index: index,
      row_offset: chunk.rowOffset,
      row_count: chunk.rowCount,
      ...(request.disposition === 'EXTERNAL_LINKS' ? { byte_count: chunk.byteCount } : {}),
    })),
    total_row_count: statement.totalRows,
    truncated: statement.truncated,
  };
  if (request.disposition === 'EXTERNAL_LINKS') manifest.total_byte_count = statement.totalBytes;
  return manifest;
}

/** One chunk as `ResultData`: its rows (INLINE) or one fresh presigned link (EXTERNAL_LINKS). */
export function resultDataOf(
  statement: Statement,
  index: number,
  signer: LinkSigner,
  linkHeaders: Record<string, string> | undefined,
): Record<string, unknown> {
  const chunk = statement.chunks[index];
  if (!chunk)
    throw invalid(
      `Invalid chunk index ${index}: the result has ${statement.chunks.length} chunks.`,
    );
  const last = index + 1 >= statement.chunks.length;
  const next = last
    ? {}
    : {
        next_chunk_index: index + 1,
        next_chunk_internal_link: `${STATEMENTS_PATH}/${statement.id}/result/chunks/${index + 1}`,
      };
  if (statement.request.disposition === 'INLINE') {
    return {
      chunk_index: index,
      row_offset: chunk.rowOffset,
      row_count: chunk.rowCount,
      data_array: chunk.dataArray ?? [],
      ...next,
    };
  }
  const { url, expiration } = signer.sign(statement.id, index);
  return {
    external_links: [
      {
        chunk_index: index,
        row_offset: chunk.rowOffset,
        row_count: chunk.rowCount,
        byte_count: chunk.byteCount,
        external_link: url,
        expiration,
        ...(linkHeaders && Object.keys(linkHeaders).length > 0
          ? { http_headers: linkHeaders }
          : {}),
        ...next,
      },
    ],
  };
}

export function statementResponseOf(
  statement: Statement,
  signer: LinkSigner,
  linkHeaders: Record<string, string> | undefined,
): Record<string, unknown> {
  const status: Record<string, unknown> = { state: statement.state };
  if (statement.error && (statement.state === 'FAILED' || statement.state === 'CANCELED')) {
    status.error = statement.error;
  }
  if (statement.sqlState && statement.state === 'FAILED') status.sql_state = statement.sqlState;
  const response: Record<string, unknown> = { statement_id: statement.id, status };
  if (statement.state === 'SUCCEEDED') {
    response.manifest = manifestOf(statement);
    if (statement.chunks.length > 0)
      response.result = resultDataOf(statement, 0, signer, linkHeaders);
  }
  return response;
}
