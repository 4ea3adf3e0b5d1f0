/**
 * The small routing vocabulary the MLflow route modules share: a route is a method, a path
 * pattern, a fault-injection route name and a handler that returns the JSON answer or throws an
 * `MlflowError`. Parameter helpers read the JSON body (POST/PATCH) or the query string (GET), as
 * the MLflow REST API does, and raise MLflow's own messages for missing or mistyped values.
 */
import { invalidParameter, type MlflowError } from './state.js';
import type { MlflowTag } from './types.js';

/** Fault-injection route names of the MLflow emulation. */
export type MlflowRouteName = 'scim-me' | 'mlflow' | 'mlflow-traces' | 'uc-registry';

export interface ApiContext {
  method: string;
  query: URLSearchParams;
  /** The JSON body (an object; empty for GET). */
  body: Record<string, unknown>;
  /** Captures of the path pattern, decoded. */
  captures: string[];
}

export interface ApiRoute {
  methods: readonly string[];
  pattern: RegExp;
  name: MlflowRouteName;
  handler: (context: ApiContext) => unknown | Promise<unknown>;
}

/** A value from the body, or else from the query string. */
export function parameter(context: ApiContext, name: string): unknown {
  if (context.body[name] !== undefined) return context.body[name];
  const fromQuery = context.query.get(name);
  return fromQuery === null ? undefined : fromQuery;
}

export function missing(name: string): MlflowError {
  return invalidParameter(
    `Missing value for required parameter '${name}'. See the API docs for more information about request parameters.`,
  );
}

export function requiredString(context: ApiContext, name: string): string {
  const value = parameter(context, name);
  if (value === undefined || value === null || value === '') throw missing(name);
  if (typeof value === 'number') return String(value);
  if (typeof value !== 'string')
    throw invalidParameter(
      `Invalid value ${JSON.stringify(value)} for parameter '${name}' supplied: expected a string.`,
    );
  return value;
}

export function optionalString(context: ApiContext, name: string): string | undefined {
  const value = parameter(context, name);
  if (value === undefined || value === null) return undefined;
  if (typeof value === 'number') return String(value);
  if (typeof value !== 'string')
    throw invalidParameter(
      `Invalid value ${JSON.stringify(value)} for parameter '${name}' supplied: expected a string.`,
    );
  return value;
}

export function optionalInteger(context: ApiContext, name: string): number | undefined {
  const value = parameter(context, name);
  if (value === undefined || value === null || value === '') return undefined;
  const number = typeof value === 'string' ? Number(value) : value;
  if (typeof number !== 'number' || !Number.isSafeInteger(number))
    throw invalidParameter(
      `Invalid value ${JSON.stringify(value)} for parameter '${name}' supplied: expected an integer.`,
    );
  return number;
}

/** `[{key, value}]` (MLflow's repeated tag messages). */
export function tagList(value: unknown, name: string): MlflowTag[] {
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value))
    throw invalidParameter(
      `Invalid value for parameter '${name}' supplied: expected a list of {key, value}.`,
    );
  return value.map((entry) => {
    const tag = entry as { key?: unknown; value?: unknown };
    if (typeof tag?.key !== 'string' || tag.key === '')
      throw invalidParameter(
        `Invalid value for parameter '${name}': every tag needs a string 'key'.`,
      );
    if (tag.value !== undefined && tag.value !== null && typeof tag.value !== 'string')
      throw invalidParameter(
        `Invalid value for parameter '${name}': tag '${tag.key}' has a non-string value.`,
      );
    return { key: tag.key, value: (tag.value as string | undefined) ?? '' };
  });
}
