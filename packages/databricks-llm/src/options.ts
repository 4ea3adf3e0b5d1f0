/**
 * Constructor-time validation shared by the models. Options are strict: a key no class knows is
 * an error naming it (with the right option when the mistake is a common one), because an
 * ignored `apiKey` or `timeout` fails much later and much less clearly.
 */
import { DatabricksConfigError, parseClassOptions } from '@lakechain/core';
import { z } from 'zod';

/**
 * LangChain's own constructor parameters (`BaseLanguageModelParams`, `BaseChatModelParams`,
 * `EmbeddingsParams`). The base classes read and validate them; they are listed here only so
 * that they are not mistaken for unknown options.
 */
export const langchainModelParamsShape = {
  callbacks: z.unknown().optional(),
  callbackManager: z.unknown().optional(),
  tags: z.unknown().optional(),
  metadata: z.unknown().optional(),
  verbose: z.unknown().optional(),
  cache: z.unknown().optional(),
  maxConcurrency: z.unknown().optional(),
  maxRetries: z.unknown().optional(),
  onFailedAttempt: z.unknown().optional(),
  disableStreaming: z.unknown().optional(),
  outputVersion: z.unknown().optional(),
};

/** `EmbeddingsParams` is LangChain's `AsyncCallerParams`. */
export const langchainEmbeddingsParamsShape = {
  maxConcurrency: z.unknown().optional(),
  maxRetries: z.unknown().optional(),
  onFailedAttempt: z.unknown().optional(),
};

/** The endpoint name under its canonical name and its two deprecated aliases. */
export const endpointOptionsShape = {
  model: z.string().min(1, 'must be a non-empty endpoint name').optional(),
  endpoint: z.string().min(1, 'must be a non-empty endpoint name').optional(),
  endpointName: z.string().min(1, 'must be a non-empty endpoint name').optional(),
};

/** What to use instead of options people bring from other LangChain integrations. */
const HINTS: Record<string, string> = {
  apiKey: 'pass `token` (a Databricks personal access token), or set DATABRICKS_TOKEN',
  api_key: 'pass `token` (a Databricks personal access token), or set DATABRICKS_TOKEN',
  apiToken: 'pass `token` (a Databricks personal access token), or set DATABRICKS_TOKEN',
  accessToken: 'pass `token` (a Databricks personal access token), or set DATABRICKS_TOKEN',
  baseUrl: 'pass `host` (the workspace URL), or set DATABRICKS_HOST',
  baseURL: 'pass `host` (the workspace URL), or set DATABRICKS_HOST',
  endpointUrl: 'pass `host` (the workspace URL) and `model` (the serving endpoint name)',
  modelName: 'pass `model` (the serving endpoint name)',
  endpoint_name: 'pass `model` (the serving endpoint name)',
  modelKwargs: 'pass `extraParams` (merged into every request body)',
  model_kwargs: 'pass `extraParams` (merged into every request body)',
  max_tokens: 'pass `maxTokens`',
  maxOutputTokens: 'pass `maxTokens`',
  timeoutSeconds: 'pass `timeout` (milliseconds per attempt)',
};

/** Constructor-time validation; an unknown option gets the name to use instead, when it has one. */
export function validateOptions<T>(className: string, schema: z.ZodType<T>, input: unknown): T {
  return parseClassOptions(
    className,
    schema,
    input,
    (key) => HINTS[key] ?? `see the ${className} options in the @lakechain/databricks-llm README`,
  );
}

export function optionError(
  className: string,
  option: string,
  message: string,
): DatabricksConfigError {
  return new DatabricksConfigError(`${className}: ${message}`, { option });
}

/** Deprecation warnings already given in this process: each (class, option) warns once. */
const warned = new Set<string>();

/**
 * Warns once per process that `option` is a deprecated alias of `replacement`, as a Node
 * `DeprecationWarning` (silenced by `--no-deprecation`, like any other), or on the console where
 * there is no `process.emitWarning`.
 */
export function warnDeprecatedOption(className: string, option: string, replacement: string) {
  const key = `${className}.${option}`;
  if (warned.has(key)) return;
  warned.add(key);
  const message = `${className}: option "${option}" is deprecated; use "${replacement}" (same meaning).`;
  const processLike = (globalThis as { process?: { emitWarning?: unknown } }).process;
  if (typeof processLike?.emitWarning === 'function') {
    (processLike.emitWarning as (warning: string, options: object) => void)(message, {
      type: 'DeprecationWarning',
      code: 'LAKECHAIN_DEPRECATED_OPTION',
    });
  } else {
    console.warn(message);
  }
}

/**
 * Resolves one setting given under its canonical name or under aliases. Aliases listed in
 * `deprecated` warn once. Giving two names with different values is an error, since it is
 * impossible to tell which one was meant.
 */
export function resolveAlias<T>(
  className: string,
  values: Record<string, T | undefined>,
  canonical: string,
  deprecated: readonly string[] = [],
): T | undefined {
  const given = Object.entries(values).filter(([, value]) => value !== undefined) as [string, T][];
  for (const [name] of given) {
    if (deprecated.includes(name)) warnDeprecatedOption(className, name, canonical);
  }
  const [first, ...rest] = given;
  if (!first) return undefined;
  const conflicting = rest.find(([, value]) => JSON.stringify(value) !== JSON.stringify(first[1]));
  if (conflicting) {
    throw optionError(
      className,
      canonical,
      `"${first[0]}" and "${conflicting[0]}" are the same setting ("${canonical}"${
        deprecated.length > 0
          ? `; ${deprecated.map((name) => `"${name}"`).join(', ')} deprecated`
          : ''
      }) and were given different values: set only "${canonical}"`,
    );
  }
  return first[1];
}

/** Drops undefined values so unset parameters never reach the wire (Anthropic rejects `stop: null`). */
export function compact<T extends Record<string, unknown>>(record: T): Partial<T> {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(record)) if (value !== undefined) out[key] = value;
  return out as Partial<T>;
}
