import { redactForInspection } from '@lakechain/core';
import type { CallbackManagerForLLMRun } from '@langchain/core/callbacks/manager';
import {
  type BaseLLMCallOptions,
  type BaseLLMParams,
  LLM,
} from '@langchain/core/language_models/llms';
import { GenerationChunk } from '@langchain/core/outputs';
import { z } from 'zod';
import { DatabricksCaller } from './caller.js';
import { databricksFailedAttemptHandler, malformedResponse } from './errors.js';
import { parseResponseContent } from './messages.js';
import {
  compact,
  endpointOptionsShape,
  langchainModelParamsShape,
  optionError,
  resolveAlias,
  validateOptions,
} from './options.js';
import {
  authOptionsShape,
  type DatabricksAuthOptions,
  type EndpointInfo,
  ServingConnection,
} from './serving.js';

/** The request a transform receives: `{prompt, stop?, ...params}`. */
export type DatabricksLLMRequest = { prompt: string; stop?: string[] } & Record<string, unknown>;

export interface DatabricksCallOptions extends BaseLLMCallOptions {
  /** Merged into the request for this call (after `extraParams`). */
  extraParams?: Record<string, unknown>;
}

export interface DatabricksInput extends DatabricksAuthOptions, BaseLLMParams {
  /**
   * Serving endpoint mode: the endpoint name (LangChain's standard `model`, the name used by
   * `ChatDatabricks` and `DatabricksEmbeddings` too). Cannot be combined with `clusterId`.
   */
  model?: string;
  /** @deprecated Use `model` (same meaning; Python's `Databricks` LLM called it `endpoint_name`). */
  endpointName?: string;
  /** @deprecated Use `model` (same meaning). */
  endpoint?: string;
  /**
   * Cluster driver proxy mode: the cluster running the app. Defaults to the resolved config's
   * cluster id (`DATABRICKS_CLUSTER_ID`, profile `cluster_id`, or the cluster this runs on).
   */
  clusterId?: string;
  /** Cluster driver proxy mode: the port the app listens on (required in that mode). */
  clusterDriverPort?: number | string;
  /**
   * Endpoint task (`llm/v1/chat`, `llm/v1/completions`, `llama2/chat`, ...). Detected once from
   * the endpoint metadata when unset.
   */
  task?: string;
  /** Builds the request body from `{prompt, stop, ...params}` (e.g. to apply a template). */
  transformInputFn?: (request: DatabricksLLMRequest) => unknown;
  /** Maps the raw endpoint output to the generated string. */
  transformOutputFn?: (output: unknown) => string;
  /** Merged into every request. */
  extraParams?: Record<string, unknown>;
  /** @deprecated Alias of `extraParams` (Python's `model_kwargs`). */
  modelKwargs?: Record<string, unknown>;
  stop?: string[];
  /** LangChain's other name for `stop`. */
  stopSequences?: string[];
  maxTokens?: number;
  temperature?: number;
  n?: number;
}

const llmOptionsSchema = z
  .object({
    ...langchainModelParamsShape,
    ...authOptionsShape,
    ...endpointOptionsShape,
    clusterId: z.string().min(1, 'must be a non-empty cluster id').optional(),
    clusterDriverPort: z
      .union([
        z.number(),
        z.string().regex(/^\d+$/, 'clusterDriverPort must be a positive integer'),
      ])
      .transform((value) => Number(value))
      .refine((value) => Number.isInteger(value) && value > 0 && value <= 65535, {
        message: 'clusterDriverPort must be a positive integer (a port, 1-65535)',
      })
      .optional(),
    task: z.string().min(1).optional(),
    transformInputFn: z
      .custom<(request: DatabricksLLMRequest) => unknown>(
        (v) => typeof v === 'function',
        'must be a function',
      )
      .optional(),
    transformOutputFn: z
      .custom<(output: unknown) => string>((v) => typeof v === 'function', 'must be a function')
      .optional(),
    extraParams: z.record(z.string(), z.unknown()).optional(),
    modelKwargs: z.record(z.string(), z.unknown()).optional(),
    stop: z.array(z.string()).optional(),
    stopSequences: z.array(z.string()).optional(),
    maxTokens: z.number().int().positive().optional(),
    temperature: z.number().min(0).optional(),
    n: z.number().int().positive().optional(),
  })
  .strict();

const CHAT_TASKS = new Set(['llm/v1/chat']);
const COMPLETION_TASKS = new Set(['llm/v1/completions']);
/** Endpoint types whose request is the plain JSON (not `dataframe_records`). */
const NATIVE_TYPES = new Set(['FOUNDATION_MODEL_API', 'EXTERNAL_MODEL']);

type Mode = { kind: 'endpoint'; model: string } | { kind: 'driver-proxy'; port: number };

/**
 * String-in, string-out LLM over a Databricks serving endpoint (chat, completions, or a custom
 * MLflow model such as Dolly) or an app on a cluster driver (driver proxy).
 *
 * @example
 * ```ts
 * import { Databricks } from '@lakechain/databricks-llm';
 * const llm = new Databricks({ model: 'dolly-v2-3b' });
 * const text = await llm.invoke('Explain Delta Lake in one sentence.');
 * const proxy = new Databricks({ clusterId: '0123-456789-abcdef', clusterDriverPort: 7777 });
 * ```
 */
export class Databricks extends LLM<DatabricksCallOptions> {
  /**
   * What `console.log` / `util.inspect` show: this object with credential-bearing fields masked
   * (LangChain keeps constructor arguments, tokens included, in plain fields).
   */
  [Symbol.for('nodejs.util.inspect.custom')](): unknown {
    return redactForInspection(this);
  }

  static override lc_name() {
    return 'Databricks';
  }

  override lc_serializable = true;

  override get lc_secrets(): Record<string, string> {
    return { token: 'DATABRICKS_TOKEN', clientSecret: 'DATABRICKS_CLIENT_SECRET' };
  }

  /** Functions (transforms), clients and configs are never serialised. */
  override get lc_serializable_keys(): string[] {
    return [
      'model',
      'clusterId',
      'clusterDriverPort',
      'task',
      'extraParams',
      'stop',
      'maxTokens',
      'temperature',
      'n',
      'host',
      'authType',
      'clientId',
      'token',
      'clientSecret',
    ];
  }

  /** The serving endpoint name (serving endpoint mode). */
  model?: string;
  clusterId?: string;
  clusterDriverPort?: number;
  task?: string;
  transformInputFn?: (request: DatabricksLLMRequest) => unknown;
  transformOutputFn?: (output: unknown) => string;
  extraParams?: Record<string, unknown>;
  stop?: string[];
  maxTokens?: number;
  temperature?: number;
  n?: number;
  host?: string;

  readonly #mode: Mode;
  readonly #connection: ServingConnection;

  constructor(fields: DatabricksInput) {
    const options = validateOptions('Databricks', llmOptionsSchema, fields);
    const model = resolveAlias(
      'Databricks',
      { model: options.model, endpointName: options.endpointName, endpoint: options.endpoint },
      'model',
      ['endpointName', 'endpoint'],
    );
    if (model && options.clusterId) {
      throw optionError('Databricks', 'clusterId', 'Cannot set both model and clusterId');
    }
    if (model && options.clusterDriverPort !== undefined) {
      throw optionError(
        'Databricks',
        'clusterDriverPort',
        'Cannot set both model and clusterDriverPort',
      );
    }
    if (!model && options.clusterDriverPort === undefined) {
      throw optionError(
        'Databricks',
        options.clusterId ? 'clusterDriverPort' : 'model',
        options.clusterId
          ? 'clusterDriverPort is required to reach an app on the cluster driver'
          : 'set model (the serving endpoint name) or clusterDriverPort (cluster driver proxy; clusterId defaults to DATABRICKS_CLUSTER_ID)',
      );
    }
    // Not Python's B1: the two names are one setting, so only giving both (differently) is wrong.
    if (options.extraParams && options.modelKwargs) {
      throw optionError(
        'Databricks',
        'modelKwargs',
        'set extraParams or modelKwargs (its deprecated alias), not both',
      );
    }
    const extra = options.extraParams ?? options.modelKwargs;
    for (const reserved of ['prompt', 'stop'] as const) {
      if (extra && reserved in extra) {
        const option = options.extraParams ? 'extraParams' : 'modelKwargs';
        throw optionError(
          'Databricks',
          option,
          `${option} must not contain "${reserved}" (use the ${reserved === 'stop' ? 'stop option' : 'prompt argument'})`,
        );
      }
    }
    const stop = resolveAlias(
      'Databricks',
      { stop: options.stop, stopSequences: options.stopSequences },
      'stop',
    );
    const timeoutMs = resolveAlias(
      'Databricks',
      { timeoutMs: options.timeoutMs, timeout: options.timeout },
      'timeoutMs',
    );
    // LangChain keeps the constructor fields (serialisation): give it the canonical names only.
    const {
      endpointName: _endpointName,
      endpoint: _endpoint,
      stopSequences: _stopSequences,
      timeout: _timeout,
      ...rest
    } = fields;
    const canonical = compact({ ...rest, model, stop, timeoutMs }) as DatabricksInput;
    super({
      ...canonical,
      onFailedAttempt: fields.onFailedAttempt ?? databricksFailedAttemptHandler,
    });
    // Retries wait with core's backoff, within a deadline (caller.ts).
    this.caller = new DatabricksCaller(fields);
    this.model = model;
    this.clusterId = options.clusterId;
    this.clusterDriverPort = options.clusterDriverPort;
    this.task = options.task;
    this.transformInputFn = options.transformInputFn;
    this.transformOutputFn = options.transformOutputFn;
    this.extraParams = extra;
    this.stop = stop;
    this.maxTokens = options.maxTokens;
    this.temperature = options.temperature;
    this.n = options.n;
    this.host = options.host;
    this.#mode = model
      ? { kind: 'endpoint', model }
      : { kind: 'driver-proxy', port: options.clusterDriverPort as number };
    this.#connection = new ServingConnection(canonical, 'Databricks');
  }

  /** @deprecated Use `model` (the serving endpoint name). */
  get endpointName(): string | undefined {
    return this.model;
  }

  /**
   * Releases the HTTP connections this model opened (the connection pool made for `caCert`).
   * Calls in flight finish first; later calls fail with a `DatabricksServingError` of kind
   * `closed`. A `client` passed in the options is not closed: it belongs to the caller.
   */
  close(): Promise<void> {
    return this.#connection.close();
  }

  /** `await using llm = new Databricks(...)` closes it at the end of the scope. */
  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }

  _llmType(): string {
    return 'databricks';
  }

  override _identifyingParams(): Record<string, unknown> {
    return compact({
      model: this.model,
      clusterId: this.clusterId,
      clusterDriverPort: this.clusterDriverPort,
      task: this.task,
      ...this.#params({} as this['ParsedCallOptions']),
    });
  }

  /** `{stop?, max_tokens?, temperature?, n?, ...extraParams}`: unset values are omitted. */
  #params(options: this['ParsedCallOptions']): Record<string, unknown> {
    const stop = options.stop ?? this.stop;
    return {
      ...this.extraParams,
      ...options.extraParams,
      ...compact({
        temperature: this.temperature,
        max_tokens: this.maxTokens,
        n: this.n,
        stop: stop && stop.length > 0 ? stop : undefined,
      }),
    };
  }

  async #endpointInfo(endpointName: string, signal?: AbortSignal): Promise<EndpointInfo> {
    // Through the caller: a 429/503 on the metadata lookup is retried like an invocation.
    const info = await this.caller.callWithOptions({ signal }, () =>
      this.#connection.describeEndpoint(endpointName),
    );
    return this.task ? { ...info, task: this.task } : info;
  }

  /** Label used in errors: the endpoint name, or the driver proxy target. */
  async #target(
    signal?: AbortSignal,
  ): Promise<{ label: string; path: string; info?: EndpointInfo }> {
    if (this.#mode.kind === 'endpoint') {
      const name = this.#mode.model;
      return {
        label: name,
        path: this.#connection.invocationsPath(name),
        info: await this.#endpointInfo(name, signal),
      };
    }
    const clusterId = this.clusterId ?? (await this.#connection.config())?.clusterId;
    if (!clusterId) {
      throw optionError(
        'Databricks',
        'clusterId',
        'clusterId is required in driver proxy mode: pass it, or set DATABRICKS_CLUSTER_ID (or cluster_id in the profile)',
      );
    }
    const port = this.#mode.port;
    return {
      label: `driver-proxy ${clusterId}:${port}`,
      path: `/driver-proxy-api/o/0/${encodeURIComponent(clusterId)}/${port}`,
    };
  }

  /** Builds the wire body for the endpoint's task (or the driver proxy). */
  #body(
    prompt: string,
    info: EndpointInfo | undefined,
    options: this['ParsedCallOptions'],
    stream: boolean,
  ): unknown {
    const params = this.#params(options);
    const request: DatabricksLLMRequest = { prompt, ...params };
    if (this.transformInputFn) {
      const transformed = this.transformInputFn(request);
      return info && isCustomModel(info)
        ? { dataframe_records: asRecords(transformed) }
        : transformed;
    }
    if (!info) return request;
    if (info.task && CHAT_TASKS.has(info.task)) {
      const { prompt: _p, ...rest } = request;
      return {
        messages: [{ role: 'user', content: prompt }],
        ...rest,
        ...(stream ? { stream: true } : {}),
      };
    }
    if (info.task && COMPLETION_TASKS.has(info.task))
      return { ...request, ...(stream ? { stream: true } : {}) };
    if (isCustomModel(info)) {
      // A custom MLflow model's signature is usually just (prompt, stop): send what is set.
      return { dataframe_records: [request] };
    }
    return request;
  }

  #parse(raw: unknown, info: EndpointInfo | undefined, label: string): string {
    if (!info) {
      if (this.transformOutputFn) return this.transformOutputFn(raw);
      if (typeof raw === 'string') return raw;
      throw malformedResponse(
        label,
        `expected a string from the driver proxy app (or set transformOutputFn), got ${describe(raw)}`,
      );
    }
    if (isCustomModel(info)) {
      const predictions = (raw as { predictions?: unknown } | null)?.predictions;
      if (predictions === undefined) {
        if (this.transformOutputFn) return this.transformOutputFn(raw);
        throw malformedResponse(label, 'the response has no "predictions"');
      }
      const prediction = Array.isArray(predictions) ? predictions[0] : predictions;
      if (info.task === 'llama2/chat') {
        const text = (prediction as { candidates?: { text?: unknown }[] } | null)?.candidates?.[0]
          ?.text;
        if (typeof text === 'string') return text;
      }
      if (this.transformOutputFn) return this.transformOutputFn(prediction);
      return textOf(prediction, label);
    }
    if (this.transformOutputFn) return this.transformOutputFn(raw);
    return textOf(raw, label);
  }

  async _call(
    prompt: string,
    options: this['ParsedCallOptions'],
    _runManager?: CallbackManagerForLLMRun,
  ): Promise<string> {
    const { label, path, info } = await this.#target(options.signal);
    const body = this.#body(prompt, info, options, false);
    const raw = await this.caller.callWithOptions({ signal: options.signal }, () =>
      this.#connection.postJson(label, path, body, options.signal),
    );
    return this.#parse(raw, info, label);
  }

  override async *_streamResponseChunks(
    prompt: string,
    options: this['ParsedCallOptions'],
    runManager?: CallbackManagerForLLMRun,
  ): AsyncGenerator<GenerationChunk> {
    const { label, path, info } = await this.#target(options.signal);
    const streams =
      info !== undefined &&
      !this.transformInputFn &&
      !this.transformOutputFn &&
      info.task !== undefined &&
      (CHAT_TASKS.has(info.task) || COMPLETION_TASKS.has(info.task));
    if (!streams) {
      // Custom models and driver proxy apps answer in one piece: one chunk.
      const text = await this._call(prompt, options, runManager);
      const chunk = new GenerationChunk({ text });
      yield chunk;
      await runManager?.handleLLMNewToken(text);
      return;
    }
    const body = this.#body(prompt, info, options, true);
    // Retried up to the first token only; a later break is an error carrying partialText.
    const events = await this.caller.callWithOptions({ signal: options.signal }, () =>
      this.#connection.startStream(label, path, body, {
        signal: options.signal,
        isFinal: (data) =>
          Array.isArray(data.choices) &&
          data.choices.some((choice: { finish_reason?: unknown }) => choice?.finish_reason != null),
      }),
    );
    for await (const { data } of events) {
      const choices = Array.isArray(data.choices) ? data.choices : [];
      const choice = choices[0] as Record<string, unknown> | undefined;
      if (!choice) continue;
      const delta = (choice.delta ?? choice.message) as { content?: unknown } | undefined;
      const text = delta
        ? parseResponseContent(delta.content).text
        : typeof choice.text === 'string'
          ? choice.text
          : '';
      const finishReason = choice.finish_reason ?? undefined;
      const chunk = new GenerationChunk({
        text,
        generationInfo: finishReason !== undefined ? { finish_reason: finishReason } : undefined,
      });
      yield chunk;
      await runManager?.handleLLMNewToken(text);
    }
  }
}

function isCustomModel(info: EndpointInfo): boolean {
  if (info.endpointType) return !NATIVE_TYPES.has(info.endpointType.toUpperCase());
  // Without a type, only the well-known LLM tasks are sent natively.
  return !(info.task && (CHAT_TASKS.has(info.task) || COMPLETION_TASKS.has(info.task)));
}

function asRecords(value: unknown): unknown[] {
  return Array.isArray(value) ? value : [value];
}

/** Text of `choices[0].message.content`, `choices[0].text`, or a bare string. */
function textOf(raw: unknown, label: string): string {
  if (typeof raw === 'string') return raw;
  const choice = (raw as { choices?: unknown[] } | null)?.choices?.[0] as
    | { message?: { content?: unknown }; text?: unknown }
    | undefined;
  if (choice?.message) return parseResponseContent(choice.message.content).text;
  if (typeof choice?.text === 'string') return choice.text;
  const candidate = (raw as { candidates?: { text?: unknown }[] } | null)?.candidates?.[0]?.text;
  if (typeof candidate === 'string') return candidate;
  throw malformedResponse(
    label,
    `cannot find generated text in ${describe(raw)} (set transformOutputFn)`,
  );
}

function describe(value: unknown): string {
  const text = JSON.stringify(value) ?? String(value);
  return text.length > 120 ? `${text.slice(0, 120)}…` : text;
}
