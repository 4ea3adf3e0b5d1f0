/**
 * The field checks every request validator of the serving service shares, with the messages
 * Databricks' Foundation Model APIs answer them with.
 */
import { badRequest } from './reply.js';

export type Json = Record<string, unknown>;

export function isObject(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export function typeName(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  return typeof value;
}

/** Databricks refuses fields it does not know (Go's JSON decoder's message). */
export function checkUnknownFields(body: Json, known: string[], extra: string[] = []) {
  for (const key of Object.keys(body)) {
    if (!known.includes(key) && !extra.includes(key)) {
      throw badRequest(`Bad request: json: unknown field "${key}"`);
    }
  }
}

export function checkNumber(body: Json, field: string, min: number, max: number, integer = false) {
  if (!(field in body)) return;
  const value = body[field];
  if (typeof value !== 'number' || !Number.isFinite(value) || (integer && !Number.isInteger(value)))
    throw badRequest(
      `${field} was not of type ${integer ? 'Integer' : 'Number'}: ${JSON.stringify(value)}`,
    );
  if (value < min || value > max)
    throw badRequest(`${field} must be between ${min} and ${max}, got ${value}`);
}

/** `stream` a boolean, `stream_options` an object with a boolean `include_usage`. */
export function checkStream(body: Json) {
  if ('stream' in body && typeof body.stream !== 'boolean')
    throw badRequest(`stream was not of type Boolean: ${JSON.stringify(body.stream)}`);
  if ('stream_options' in body) {
    const options = body.stream_options;
    if (!isObject(options)) throw badRequest('stream_options must be an object');
    if ('include_usage' in options && typeof options.include_usage !== 'boolean')
      throw badRequest('stream_options.include_usage must be a boolean');
  }
}

export function requireObject(body: unknown): Json {
  if (!isObject(body)) throw badRequest('The request body must be a JSON object');
  return body;
}
