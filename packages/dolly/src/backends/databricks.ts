/**
 * Dolly on Databricks Model Serving, through @lakechain/databricks-llm's `Databricks` LLM (one
 * HTTP stack: core's `DatabricksClient`, shared by the task lookup and the invocations). Every
 * request is a single attempt: the Dolly LLM's AsyncCaller is the one retry layer.
 *
 * - Custom MLflow model (how Dolly is served): `{"dataframe_records": [{prompt, stop,
 *   max_new_tokens, top_p, do_sample, temperature?}]}` → `predictions[0]`.
 * - `llm/v1/completions` endpoints: `{prompt, stop, max_tokens, top_p, temperature?}`, streamed.
 */
import { DatabricksClient, type DatabricksConfig, resolveConfig } from '@lakechain/core';
import {
  Databricks,
  type DatabricksAuthOptions,
  pickAuthOptions,
  type ServingHttpClient,
} from '@lakechain/databricks-llm';
import { DollyError } from '../errors.js';
import { VERSION } from '../version.js';
import type { DollyBackend, DollyGenerationRequest } from './types.js';

export interface DollyDatabricksBackendOptions extends DatabricksAuthOptions {
  type: 'databricks';
  /**
   * The serving endpoint serving Dolly (a custom model, or a completions endpoint): the option
   * name of every @lakechain/databricks-llm class (LangChain's standard `model`).
   */
  model?: string;
  /** @deprecated Use `model` (same meaning). */
  endpointName?: string;
  /**
   * The endpoint task. Detected from the endpoint metadata when unset. `llm/v1/completions` and
   * `llm/v1/chat` get OpenAI parameter names (`max_tokens`); anything else (custom models) gets the
   * Dolly pipeline's names (`max_new_tokens`, `top_p`, `do_sample`).
   */
  task?: string;
  /** Merged into every request record (e.g. parameters your MLflow model's signature accepts). */
  extraParams?: Record<string, unknown>;
  /** Builds the request from `{prompt, stop, ...params}` (see `Databricks.transformInputFn`). */
  transformInputFn?: (
    request: { prompt: string; stop?: string[] } & Record<string, unknown>,
  ) => unknown;
  /** Maps the raw prediction to the generated string (see `Databricks.transformOutputFn`). */
  transformOutputFn?: (output: unknown) => string;
}

const OPENAI_TASKS = new Set(['llm/v1/completions', 'llm/v1/chat']);

/** Deprecation warnings already given in this process (one per option). */
const warned = new Set<string>();

function warnDeprecated(option: string, replacement: string): void {
  if (warned.has(option)) return;
  warned.add(option);
  const message = `Dolly: backend "databricks": option "${option}" is deprecated; use "${replacement}" (same meaning).`;
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

function resolveModel(options: DollyDatabricksBackendOptions): string {
  const { model, endpointName } = options;
  if (endpointName !== undefined) warnDeprecated('endpointName', 'model');
  if (model !== undefined && endpointName !== undefined && model !== endpointName) {
    throw new DollyError(
      'config',
      'Dolly: backend "databricks": "model" and "endpointName" (its deprecated alias) were given different values: set only "model"',
    );
  }
  const name = model ?? endpointName;
  if (typeof name !== 'string' || name === '') {
    throw new DollyError(
      'config',
      'Dolly: backend "databricks" needs a non-empty "model" (the serving endpoint name)',
    );
  }
  return name;
}

export function createDatabricksBackend(
  options: DollyDatabricksBackendOptions,
): DollyBackend & { readonly model: string } {
  const model = resolveModel(options);
  if (
    options.timeout !== undefined &&
    options.timeoutMs !== undefined &&
    options.timeout !== options.timeoutMs
  ) {
    throw new DollyError(
      'config',
      'Dolly: backend "databricks": "timeout" and "timeoutMs" are the same setting and were given different values: set only one',
    );
  }
  const timeoutMs = options.timeoutMs ?? options.timeout;
  let closed = false;
  /** The client this backend made (and so closes); a `client` option belongs to the caller. */
  let ownClient: Promise<DatabricksClient> | undefined;
  /** A config this backend resolved (and so closes: its OAuth token requests have a pool). */
  let ownConfig: DatabricksConfig | undefined;
  const getClient = (): Promise<ServingHttpClient> => {
    if (options.client) return Promise.resolve(options.client);
    if (!ownClient) {
      const pending = (async () => {
        let config = options.config;
        if (!config) {
          // The same option names as @lakechain/databricks-llm's classes, resolved by core.
          config = await resolveConfig(pickAuthOptions(options));
          ownConfig = config;
        }
        return new DatabricksClient({
          config,
          fetch: options.fetch ?? config.fetch,
          userAgent: `lakechain-dolly/${VERSION}`,
          timeoutMs,
        });
      })();
      pending.catch(() => {
        if (ownClient === pending) ownClient = undefined;
      });
      ownClient = pending;
    }
    return ownClient;
  };

  let llm: Promise<{ llm: Databricks; openaiParams: boolean }> | undefined;
  const getLlm = () => {
    if (closed) {
      throw new DollyError(
        'closed',
        'Dolly was closed (close() released its backend): create a new instance to make more calls',
      );
    }
    if (!llm) {
      const pending = (async () => {
        const shared = await getClient();
        let task = options.task;
        if (task === undefined) {
          const info = await shared.request<{ task?: string | null }>({
            method: 'GET',
            path: `/api/2.0/serving-endpoints/${encodeURIComponent(model)}`,
            timeoutMs,
            retry: false,
          });
          task = info?.task ?? undefined;
        }
        const instance = new Databricks({
          model,
          task,
          client: shared,
          timeoutMs,
          transformInputFn: options.transformInputFn,
          transformOutputFn: options.transformOutputFn,
          // One attempt per call: the Dolly LLM's caller decides about retries.
          maxRetries: 0,
        });
        return { llm: instance, openaiParams: task !== undefined && OPENAI_TASKS.has(task) };
      })();
      pending.catch(() => {
        if (llm === pending) llm = undefined;
      });
      llm = pending;
    }
    return llm;
  };

  const callOptions = (request: DollyGenerationRequest, openaiParams: boolean) => {
    const params: Record<string, unknown> = openaiParams
      ? { max_tokens: request.maxNewTokens, top_p: request.topP }
      : { max_new_tokens: request.maxNewTokens, top_p: request.topP, do_sample: request.doSample };
    if (request.temperature !== undefined) params.temperature = request.temperature;
    // top_k 0 means "disabled" to transformers but is rejected or misread elsewhere: omit it.
    if (request.topK > 0) params.top_k = request.topK;
    return {
      stop: request.stop,
      signal: request.signal,
      extraParams: { ...options.extraParams, ...params },
    };
  };

  return {
    type: 'databricks',
    model,
    async generate(request) {
      const { llm: instance, openaiParams } = await getLlm();
      // `_call` (not `invoke`): Dolly already runs the callbacks for this generation.
      return instance._call(
        request.prompt,
        callOptions(request, openaiParams) as unknown as Databricks['ParsedCallOptions'],
      );
    },
    async *stream(request) {
      const { llm: instance, openaiParams } = await getLlm();
      for await (const chunk of instance._streamResponseChunks(
        request.prompt,
        callOptions(request, openaiParams) as unknown as Databricks['ParsedCallOptions'],
      )) {
        if (chunk.text) yield chunk.text;
      }
    },
    async close() {
      closed = true;
      const pending = ownClient;
      ownClient = undefined;
      llm = undefined;
      const client = await pending?.catch(() => undefined);
      await client?.close();
      const config = ownConfig;
      ownConfig = undefined;
      await config?.close?.();
    },
  };
}
