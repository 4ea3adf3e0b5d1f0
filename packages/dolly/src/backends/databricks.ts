/**
 * Dolly on Databricks Model Serving, through @lakechain/databricks-llm's `Databricks` LLM (one
 * HTTP stack: core's `DatabricksClient`, shared by the task lookup and the invocations).
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
  /** The serving endpoint serving Dolly (a custom model, or a completions endpoint). */
  endpointName: string;
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

export function createDatabricksBackend(
  options: DollyDatabricksBackendOptions,
  llmFields: { maxRetries?: number; maxConcurrency?: number },
): DollyBackend {
  if (typeof options.endpointName !== 'string' || options.endpointName === '') {
    throw new DollyError('config', 'Dolly: backend "databricks" needs a non-empty "endpointName"');
  }
  let client: Promise<ServingHttpClient> | undefined;
  const getClient = (): Promise<ServingHttpClient> => {
    if (options.client) return Promise.resolve(options.client);
    if (!client) {
      client = (async () => {
        const config: DatabricksConfig =
          options.config ??
          // The same option names as @lakechain/databricks-llm's classes, resolved by core.
          (await resolveConfig(pickAuthOptions(options)));
        return new DatabricksClient({
          config,
          fetch: options.fetch ?? config.fetch,
          userAgent: `lakechain-dolly/${VERSION}`,
          timeoutMs: options.timeoutMs,
        }) as ServingHttpClient;
      })();
      client.catch(() => {
        client = undefined;
      });
    }
    return client;
  };

  let llm: Promise<{ llm: Databricks; openaiParams: boolean }> | undefined;
  const getLlm = () => {
    if (!llm) {
      llm = (async () => {
        const shared = await getClient();
        let task = options.task;
        if (task === undefined) {
          const info = await shared.request<{ task?: string | null }>({
            method: 'GET',
            path: `/api/2.0/serving-endpoints/${encodeURIComponent(options.endpointName)}`,
            timeoutMs: options.timeoutMs,
          });
          task = info?.task ?? undefined;
        }
        const instance = new Databricks({
          endpointName: options.endpointName,
          task,
          client: shared,
          timeoutMs: options.timeoutMs,
          transformInputFn: options.transformInputFn,
          transformOutputFn: options.transformOutputFn,
          maxRetries: llmFields.maxRetries,
          maxConcurrency: llmFields.maxConcurrency,
        });
        return { llm: instance, openaiParams: task !== undefined && OPENAI_TASKS.has(task) };
      })();
      llm.catch(() => {
        llm = undefined;
      });
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
  };
}
