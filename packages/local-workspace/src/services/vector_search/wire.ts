/**
 * The small vocabulary every Vector Search operation shares: its error answers, the checks of
 * names and vectors in requests, and the encoding of stored values in answers.
 */
import { ApiError } from '../../platform/errors.js';

export type Json = Record<string, unknown>;

export const notFound = (message: string) => new ApiError(404, 'RESOURCE_DOES_NOT_EXIST', message);
export const invalid = (message: string) => new ApiError(400, 'INVALID_PARAMETER_VALUE', message);
export const badRequest = (message: string) => new ApiError(400, 'BAD_REQUEST', message);

/** The key of a row in an index's row map: the primary key's value as text (BIGINT included). */
export function rowKey(value: unknown): string {
  return typeof value === 'bigint' ? value.toString() : String(value);
}

/** Whether a Unity Catalog type orders as a number (scan pages by primary key). */
export function isNumericType(type: string | undefined): boolean {
  return /^(int|bigint|smallint|tinyint|float|double|decimal.*)$/.test(type ?? '');
}

/** The name as given, when it is a three-level `catalog.schema.name`; otherwise a 400. */
export function requireFullName(name: unknown, what = 'index'): string {
  // Databricks' own message for index names (seen in its answers; the rule is not in the API reference).
  if (what === 'index') {
    if (typeof name !== 'string' || !/^\w+\.\w+\.\w+$/.test(name))
      throw invalid(
        'Invalid index name. Must specify the full index name <catalog>.<schema>.<table>. Only alphanumerics and underscores are allowed.',
      );
    return name;
  }
  if (typeof name !== 'string' || !/^[^.\s]+\.[^.\s]+\.[^.\s]+$/.test(name))
    throw invalid(
      `Invalid ${what} name ${JSON.stringify(name)}: use the full name catalog.schema.name.`,
    );
  return name;
}

/** A request's vector as a Float32Array, checked against the index's dimension. */
export function toVector(
  value: unknown,
  dimension: number | undefined,
  what: string,
): Float32Array {
  if (
    !Array.isArray(value) ||
    value.some((item) => typeof item !== 'number' || !Number.isFinite(item))
  )
    throw invalid(`${what} must be an array of numbers.`);
  if (dimension !== undefined && value.length !== dimension)
    throw invalid(`${what} has ${value.length} dimensions; the index's vectors have ${dimension}.`);
  return Float32Array.from(value as number[]);
}

/** JSON-safe cell values (BIGINT from the engine as numbers when exact, else strings). */
export function jsonValue(value: unknown): unknown {
  if (typeof value === 'bigint')
    return value <= BigInt(Number.MAX_SAFE_INTEGER) && value >= BigInt(Number.MIN_SAFE_INTEGER)
      ? Number(value)
      : value.toString();
  if (Array.isArray(value)) return value.map(jsonValue);
  if (value instanceof Uint8Array) return Buffer.from(value).toString('base64');
  if (value !== null && typeof value === 'object')
    return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, jsonValue(item)]));
  return value;
}

/** A `google.protobuf.Value` for scan answers. */
export function protobufValue(value: unknown): Json {
  if (value === null || value === undefined) return { null_value: 'NULL_VALUE' };
  if (typeof value === 'number') return { number_value: value };
  if (typeof value === 'boolean') return { bool_value: value };
  if (Array.isArray(value)) return { list_value: { values: value.map(protobufValue) } };
  if (typeof value === 'object')
    return {
      struct_value: {
        fields: Object.entries(value).map(([key, item]) => ({ key, value: protobufValue(item) })),
      },
    };
  return { string_value: String(value) };
}
