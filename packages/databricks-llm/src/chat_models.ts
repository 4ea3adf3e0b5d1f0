import { redactForInspection } from '@lakechain/core';
import type { CallbackManagerForLLMRun } from '@langchain/core/callbacks/manager';
import type {
  BaseLanguageModelInput,
  StructuredOutputMethodOptions,
} from '@langchain/core/language_models/base';
import {
  BaseChatModel,
  type BaseChatModelCallOptions,
  type BaseChatModelParams,
  type BindToolsInput,
  type LangSmithParams,
} from '@langchain/core/language_models/chat_models';
import {
  createContentParser,
  createFunctionCallingParser,
} from '@langchain/core/language_models/structured_output';
import { AIMessageChunk, type BaseMessage } from '@langchain/core/messages';
import { type ChatGeneration, ChatGenerationChunk, type ChatResult } from '@langchain/core/outputs';
import { type Runnable, RunnableLambda, RunnableSequence } from '@langchain/core/runnables';
import { toJsonSchema } from '@langchain/core/utils/json_schema';
import type { SerializableSchema } from '@langchain/core/utils/standard_schema';
import {
  getSchemaDescription,
  type InteropZodType,
  isInteropZodSchema,
} from '@langchain/core/utils/types';
import { z } from 'zod';
import { DatabricksCaller } from './caller.js';
import {
  ChatAgentStreamConverter,
  chatAgentResponseToAIMessage,
  convertMessagesToChatAgent,
} from './chat_agent.js';
import { type EndpointRoute, resolveEndpointApi } from './endpoint_api.js';
import { databricksFailedAttemptHandler, malformedResponse } from './errors.js';
import {
  convertMessagesToOpenAI,
  deltaToChunk,
  isClaudeModel,
  type OpenAIUsage,
  responseMessageToAIMessage,
  toUsageMetadata,
} from './messages.js';
import {
  compact,
  endpointOptionsShape,
  langchainModelParamsShape,
  optionError,
  resolveAlias,
  validateOptions,
} from './options.js';
import {
  convertMessagesToResponsesInput,
  isFinalResponsesEvent,
  ResponsesStreamConverter,
  responseToAIMessage,
  toResponsesTextFormat,
  toResponsesToolChoice,
  toResponsesTools,
} from './responses.js';
import {
  authOptionsShape,
  type DatabricksAuthOptions,
  ServingConnection,
  type ServingHttpClient,
} from './serving.js';
import { readServingEvents } from './streaming.js';
import {
  type DatabricksTool,
  type DatabricksToolChoice,
  toDatabricksTool,
  toDatabricksToolChoice,
} from './tools.js';

/** `response_format` of chat completions (json mode and json schema structured output). */
export type DatabricksResponseFormat =
  | { type: 'text' }
  | { type: 'json_object' }
  | {
      type: 'json_schema';
      json_schema: {
        name: string;
        description?: string;
        schema: Record<string, unknown>;
        strict?: boolean;
      };
    };

export interface ChatDatabricksCallOptions extends BaseChatModelCallOptions {
  /** Tools for this call (LangChain tools, `{name, description, schema}` or OpenAI tools). */
  tools?: (BindToolsInput | DatabricksTool)[];
  response_format?: DatabricksResponseFormat;
  /** Sent as `custom_inputs` (Databricks agents and custom endpoints). */
  customInputs?: Record<string, unknown>;
  /** Merged into the request body for this call (wins over the constructor's `extraParams`). */
  extraParams?: Record<string, unknown>;
  /** Override `streamUsage` for this call. */
  streamUsage?: boolean;
}

export interface ChatDatabricksInput extends DatabricksAuthOptions, BaseChatModelParams {
  /**
   * The serving endpoint to call, e.g. `databricks-meta-llama-3-3-70b-instruct`. LangChain's
   * standard name for the model, and the field name of Python's `databricks-langchain`.
   */
  model?: string;
  /** @deprecated Use `model` (same meaning; Python's `databricks-langchain` deprecated it too). */
  endpoint?: string;
  /** @deprecated Use `model` (same meaning). */
  endpointName?: string;
  temperature?: number;
  maxTokens?: number;
  stop?: string[];
  /** LangChain's other name for `stop`. */
  stopSequences?: string[];
  /** Number of choices (non-streaming only). Sent only when set. */
  n?: number;
  /** Merged into every request body (e.g. `top_p`, `reasoning_effort`). */
  extraParams?: Record<string, unknown>;
  /** Stream from the endpoint even for `invoke()` (tokens reach callbacks as they arrive). */
  streaming?: boolean;
  /**
   * Ask for token usage while streaming (`stream_options: {include_usage: true}`) and report it
   * once, on the final chunk. Default true.
   */
  streamUsage?: boolean;
  /**
   * Call the OpenAI Responses API (`POST /serving-endpoints/responses`) instead of chat
   * completions, as Python's `ChatDatabricks(use_responses_api=True)`. Agent endpoints
   * (ResponsesAgent, ChatAgent) are recognised either way. Default false.
   */
  useResponsesApi?: boolean;
  /**
   * Which protocol the endpoint speaks. `'auto'` (default) reads the endpoint's `task` once
   * (`GET /api/2.0/serving-endpoints/{name}`): `agent/v1/responses` is a ResponsesAgent,
   * `agent/v2/chat` a ChatAgent, anything else a model (chat completions, or the Responses API
   * with `useResponsesApi`). Set it to skip the lookup.
   */
  endpointApi?: EndpointApiOption;
  /** Send requests through AI Gateway's MLflow routes (`{host}/ai-gateway/mlflow/v1`). */
  useAiGateway?: boolean;
  /** Send requests through AI Gateway's native OpenAI routes (`{host}/ai-gateway/openai/v1`). */
  useAiGatewayNativeApi?: boolean;
}

/** What `endpointApi` accepts. */
export type EndpointApiOption =
  | 'auto'
  | 'chat-completions'
  | 'responses'
  | 'chat-agent'
  | 'responses-agent';

const chatOptionsSchema = z
  .object({
    ...langchainModelParamsShape,
    ...authOptionsShape,
    ...endpointOptionsShape,
    temperature: z.number().min(0).max(2).optional(),
    maxTokens: z.number().int().positive().optional(),
    stop: z.array(z.string()).optional(),
    stopSequences: z.array(z.string()).optional(),
    n: z.number().int().positive().optional(),
    extraParams: z.record(z.string(), z.unknown()).optional(),
    streaming: z.boolean().optional(),
    streamUsage: z.boolean().optional(),
    useResponsesApi: z.boolean().optional(),
    endpointApi: z
      .enum(['auto', 'chat-completions', 'responses', 'chat-agent', 'responses-agent'])
      .optional(),
    useAiGateway: z.boolean().optional(),
    useAiGatewayNativeApi: z.boolean().optional(),
  })
  .strict();

type StructuredMethod = 'functionCalling' | 'jsonMode' | 'jsonSchema';

function normaliseMethod(method: string | undefined): StructuredMethod {
  switch (method ?? 'functionCalling') {
    case 'functionCalling':
    case 'function_calling':
      return 'functionCalling';
    case 'jsonMode':
    case 'json_mode':
      return 'jsonMode';
    case 'jsonSchema':
    case 'json_schema':
      return 'jsonSchema';
    default:
      throw new Error(
        `withStructuredOutput: unknown method "${method}" (use functionCalling, jsonMode or jsonSchema)`,
      );
  }
}

type StructuredSchema<T> = InteropZodType<T> | SerializableSchema<T> | Record<string, unknown>;

/**
 * Chat models on Databricks Model Serving (Foundation Model APIs, external models, agents and
 * custom chat endpoints) as a LangChain chat model.
 *
 * @example
 * ```ts
 * import { ChatDatabricks } from '@lakechain/databricks-llm';
 * const llm = new ChatDatabricks({ endpoint: 'databricks-meta-llama-3-3-70b-instruct' });
 * const reply = await llm.invoke('What is Delta Lake?');
 * ```
 */
export class ChatDatabricks extends BaseChatModel<ChatDatabricksCallOptions, AIMessageChunk> {
  /**
   * What `console.log` / `util.inspect` show: this object with credential-bearing fields masked
   * (LangChain keeps constructor arguments, tokens included, in plain fields).
   */
  [Symbol.for('nodejs.util.inspect.custom')](): unknown {
    return redactForInspection(this);
  }

  static override lc_name() {
    return 'ChatDatabricks';
  }

  override lc_serializable = true;

  override get lc_secrets(): Record<string, string> {
    return { token: 'DATABRICKS_TOKEN', clientSecret: 'DATABRICKS_CLIENT_SECRET' };
  }

  /** Only plain settings are serialised: never clients, configs, fetch functions or callbacks. */
  override get lc_serializable_keys(): string[] {
    return [
      'model',
      'temperature',
      'maxTokens',
      'stop',
      'n',
      'extraParams',
      'streaming',
      'streamUsage',
      'useResponsesApi',
      'endpointApi',
      'useAiGateway',
      'useAiGatewayNativeApi',
      'host',
      'authType',
      'clientId',
      'token',
      'clientSecret',
    ];
  }

  /** The serving endpoint name. */
  model: string;
  temperature?: number;
  maxTokens?: number;
  stop?: string[];
  n?: number;
  extraParams?: Record<string, unknown>;
  streaming = false;
  streamUsage = true;
  useResponsesApi = false;
  endpointApi: EndpointApiOption = 'auto';
  useAiGateway = false;
  useAiGatewayNativeApi = false;
  host?: string;

  readonly #connection: ServingConnection;
  /** The endpoint's protocol and path, once known (the metadata lookup is made once). */
  #route?: Promise<EndpointRoute>;

  constructor(fields: ChatDatabricksInput) {
    const options = validateOptions('ChatDatabricks', chatOptionsSchema, fields);
    const model = resolveAlias(
      'ChatDatabricks',
      { model: options.model, endpoint: options.endpoint, endpointName: options.endpointName },
      'model',
      ['endpoint', 'endpointName'],
    );
    if (!model) {
      throw optionError(
        'ChatDatabricks',
        'model',
        'option "model" (the serving endpoint name) is required',
      );
    }
    const stop = resolveAlias(
      'ChatDatabricks',
      { stop: options.stop, stopSequences: options.stopSequences },
      'stop',
    );
    const timeoutMs = resolveAlias(
      'ChatDatabricks',
      { timeoutMs: options.timeoutMs, timeout: options.timeout },
      'timeoutMs',
    );
    // LangChain keeps the constructor fields (serialisation): give it the canonical names only.
    const {
      endpoint: _endpoint,
      endpointName: _endpointName,
      stopSequences: _stopSequences,
      timeout: _timeout,
      ...rest
    } = fields;
    const canonical = compact({ ...rest, model, stop, timeoutMs }) as ChatDatabricksInput;
    super({
      ...canonical,
      onFailedAttempt: fields.onFailedAttempt ?? databricksFailedAttemptHandler,
    });
    // Retries wait with core's backoff, within a deadline (caller.ts).
    this.caller = new DatabricksCaller(fields);
    this.model = model;
    this.temperature = options.temperature;
    this.maxTokens = options.maxTokens;
    this.stop = stop;
    this.n = options.n;
    this.extraParams = options.extraParams;
    this.streaming = options.streaming ?? false;
    this.streamUsage = options.streamUsage ?? true;
    this.useResponsesApi = options.useResponsesApi ?? false;
    this.endpointApi = options.endpointApi ?? 'auto';
    this.useAiGateway = options.useAiGateway ?? false;
    this.useAiGatewayNativeApi = options.useAiGatewayNativeApi ?? false;
    if (this.useAiGateway && this.useAiGatewayNativeApi)
      throw optionError(
        'ChatDatabricks',
        'useAiGatewayNativeApi',
        'set either "useAiGateway" (MLflow routes) or "useAiGatewayNativeApi" (OpenAI routes), not both',
      );
    if (this.useResponsesApi && this.endpointApi === 'chat-completions')
      throw optionError(
        'ChatDatabricks',
        'endpointApi',
        '"useResponsesApi: true" and "endpointApi: \'chat-completions\'" contradict each other: set one',
      );
    if ((this.useAiGateway || this.useAiGatewayNativeApi) && this.endpointApi.endsWith('agent'))
      throw optionError(
        'ChatDatabricks',
        'endpointApi',
        'AI Gateway routes serve models, not agent endpoints: remove "useAiGateway" to call an agent',
      );
    this.host = options.host;
    this.#connection = new ServingConnection(canonical, 'ChatDatabricks');
  }

  /** @deprecated Use `model` (the serving endpoint name). */
  get endpoint(): string {
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

  /** `await using llm = new ChatDatabricks(...)` closes it at the end of the scope. */
  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }

  _llmType(): string {
    return 'chat-databricks';
  }

  override getLsParams(options: this['ParsedCallOptions']): LangSmithParams {
    return {
      ls_provider: 'databricks',
      ls_model_name: this.model,
      ls_model_type: 'chat',
      ls_temperature: this.temperature,
      ls_max_tokens: this.maxTokens,
      ls_stop: options.stop ?? this.stop,
    };
  }

  override bindTools(
    tools: BindToolsInput[],
    kwargs?: Partial<ChatDatabricksCallOptions>,
  ): Runnable<BaseLanguageModelInput, AIMessageChunk, ChatDatabricksCallOptions> {
    const formatted = tools.map((tool) => toDatabricksTool(tool));
    // Validate tool_choice now, so a typo fails at bind time rather than on the first call.
    if (kwargs?.tool_choice !== undefined) toDatabricksToolChoice(kwargs.tool_choice, formatted);
    return this.withConfig({ ...kwargs, tools: formatted } as Partial<ChatDatabricksCallOptions>);
  }

  /** The request body minus `messages` and `stream` (also what LangSmith records). */
  override invocationParams(options?: this['ParsedCallOptions']): Record<string, unknown> {
    const tools = options?.tools?.map((tool) => toDatabricksTool(tool as BindToolsInput));
    const toolChoice: DatabricksToolChoice | undefined = toDatabricksToolChoice(
      options?.tool_choice,
      tools,
    );
    const stop = options?.stop ?? this.stop;
    return {
      ...this.extraParams,
      ...options?.extraParams,
      ...compact({
        temperature: this.temperature,
        max_tokens: this.maxTokens,
        n: this.n,
        stop: stop && stop.length > 0 ? stop : undefined,
        tools: tools && tools.length > 0 ? tools : undefined,
        tool_choice: tools && tools.length > 0 ? toolChoice : undefined,
        response_format: options?.response_format,
        custom_inputs: options?.customInputs,
      }),
    };
  }

  override _identifyingParams(): Record<string, unknown> {
    return { model: this.model, ...this.invocationParams() };
  }

  /**
   * Where and how to call: the gateway, an app (`model: 'apps/<name>'`), the option, or the
   * endpoint's task (read once; a failed lookup is not kept, so the next call asks again).
   */
  #resolveRoute(): Promise<EndpointRoute> {
    if (!this.#route) {
      const pending = resolveEndpointApi({
        model: this.model,
        endpointApi: this.endpointApi,
        useResponsesApi: this.useResponsesApi,
        gateway: this.useAiGateway ? 'mlflow' : this.useAiGatewayNativeApi ? 'openai' : undefined,
        describe: (name) => this.#connection.describeEndpoint(name),
        invocationsPath: (name) => this.#connection.invocationsPath(name),
      });
      pending.catch(() => {
        this.#route = undefined;
      });
      this.#route = pending;
    }
    return this.#route;
  }

  async #target(
    signal?: AbortSignal,
  ): Promise<{ route: EndpointRoute; client?: ServingHttpClient }> {
    // Through the caller: a 429/503 on the metadata lookup is retried like an invocation.
    const route = await this.caller.callWithOptions({ signal }, () => this.#resolveRoute());
    if (route.app === undefined) return { route };
    const app = await this.caller.callWithOptions({ signal }, () =>
      this.#connection.app(route.app as string),
    );
    return { route, client: app.client };
  }

  /** The body for the route's protocol. */
  #bodyFor(
    route: EndpointRoute,
    messages: BaseMessage[],
    options: this['ParsedCallOptions'],
    stream: boolean,
  ): Record<string, unknown> {
    switch (route.api) {
      case 'chat-completions': {
        const body = this.#requestBody(messages, options, stream);
        return route.sendModel ? { model: this.model, ...body } : body;
      }
      case 'responses':
      case 'responses-agent':
        return this.#responsesBody(route, messages, options, stream);
      case 'chat-agent':
        return this.#chatAgentBody(messages, options, stream);
    }
  }

  #responsesBody(
    route: EndpointRoute,
    messages: BaseMessage[],
    options: this['ParsedCallOptions'],
    stream: boolean,
  ): Record<string, unknown> {
    const stop = options.stop ?? this.stop;
    if (stop && stop.length > 0)
      throw optionError(
        'ChatDatabricks',
        'stop',
        'the Responses API has no stop sequences: remove "stop" (or use the chat completions API)',
      );
    if (this.n !== undefined && this.n > 1)
      throw optionError('ChatDatabricks', 'n', 'the Responses API returns one answer: remove "n"');
    const tools = options.tools?.map((tool) => toDatabricksTool(tool as BindToolsInput));
    const toolChoice = toDatabricksToolChoice(options.tool_choice, tools);
    const format = toResponsesTextFormat(options.response_format);
    return {
      ...compact({
        model: route.sendModel ? this.model : undefined,
        input: convertMessagesToResponsesInput(messages),
        temperature: this.temperature,
        max_output_tokens: this.maxTokens,
        tools: tools && tools.length > 0 ? toResponsesTools(tools) : undefined,
        tool_choice: tools && tools.length > 0 ? toResponsesToolChoice(toolChoice) : undefined,
        text: format ? { format } : undefined,
        custom_inputs: options.customInputs,
        stream: stream ? true : undefined,
      }),
      ...this.extraParams,
      ...options.extraParams,
    };
  }

  /**
   * ChatAgent requests carry the conversation, `custom_inputs` and `extraParams` (such as
   * `context`): an agent picks its own model settings and tools, so generation parameters are
   * not sent, and tools or a response format cannot be.
   */
  #chatAgentBody(
    messages: BaseMessage[],
    options: this['ParsedCallOptions'],
    stream: boolean,
  ): Record<string, unknown> {
    if (options.tools && options.tools.length > 0)
      throw optionError(
        'ChatDatabricks',
        'tools',
        `${this.model} is a ChatAgent endpoint (task agent/v2/chat), which runs its own tools and takes none from the caller: call it without bindTools()`,
      );
    if (options.response_format)
      throw optionError(
        'ChatDatabricks',
        'response_format',
        `${this.model} is a ChatAgent endpoint (task agent/v2/chat), which takes no response format: parse its text answer instead`,
      );
    return {
      messages: convertMessagesToChatAgent(messages),
      ...compact({ custom_inputs: options.customInputs, stream: stream ? true : undefined }),
      ...this.extraParams,
      ...options.extraParams,
    };
  }

  #requestBody(messages: BaseMessage[], options: this['ParsedCallOptions'], stream: boolean) {
    const body: Record<string, unknown> = {
      ...this.invocationParams(options),
      messages: convertMessagesToOpenAI(messages, {
        emptyToolCallContent: isClaudeModel(this.model) ? ' ' : null,
      }),
    };
    if (stream) {
      body.stream = true;
      if (options.streamUsage ?? this.streamUsage) body.stream_options = { include_usage: true };
    }
    return body;
  }

  async _generate(
    messages: BaseMessage[],
    options: this['ParsedCallOptions'],
    runManager?: CallbackManagerForLLMRun,
  ): Promise<ChatResult> {
    if (this.streaming) return this.#generateFromStream(messages, options, runManager);
    const { route, client } = await this.#target(options.signal);
    const body = this.#bodyFor(route, messages, options, false);
    const data = await this.caller.callWithOptions({ signal: options.signal }, () =>
      this.#connection.postJson(this.model, route.path, body, options.signal, client),
    );
    if (route.api === 'chat-completions') return this.#parseResponse(data);
    const { message, usage, finishReason } =
      route.api === 'chat-agent'
        ? chatAgentResponseToAIMessage(data, this.model)
        : responseToAIMessage(data, this.model);
    const modelName = message.response_metadata.model_name;
    return {
      generations: [
        { text: message.text, message, generationInfo: { finish_reason: finishReason } },
      ],
      llmOutput: compact({
        tokenUsage: usage
          ? {
              promptTokens: usage.input_tokens,
              completionTokens: usage.output_tokens,
              totalTokens: usage.total_tokens,
            }
          : undefined,
        model: modelName,
        model_name: modelName,
      }),
    };
  }

  async #generateFromStream(
    messages: BaseMessage[],
    options: this['ParsedCallOptions'],
    runManager?: CallbackManagerForLLMRun,
  ): Promise<ChatResult> {
    let merged: ChatGenerationChunk | undefined;
    for await (const chunk of this._streamResponseChunks(messages, options, runManager)) {
      merged = merged ? merged.concat(chunk) : chunk;
    }
    if (!merged) throw malformedResponse(this.model, 'the stream contained no chunks');
    const message = merged.message as AIMessageChunk;
    const tokenUsage = message.usage_metadata
      ? {
          promptTokens: message.usage_metadata.input_tokens,
          completionTokens: message.usage_metadata.output_tokens,
          totalTokens: message.usage_metadata.total_tokens,
        }
      : undefined;
    return {
      generations: [{ text: merged.text, message, generationInfo: merged.generationInfo }],
      llmOutput: compact({
        tokenUsage,
        model: message.response_metadata?.model,
        model_name: message.response_metadata?.model_name,
      }),
    };
  }

  #parseResponse(data: unknown): ChatResult {
    if (typeof data !== 'object' || data === null) {
      throw malformedResponse(this.model, `expected a JSON object, got ${typeof data}`);
    }
    const record = data as Record<string, unknown>;
    const choices = record.choices;
    if (!Array.isArray(choices) && Array.isArray(record.messages)) {
      // A Databricks agent (ChatAgent) answers {messages, custom_outputs} even to chat requests.
      const { message, usage } = chatAgentResponseToAIMessage(record, this.model);
      return {
        generations: [{ text: message.text, message, generationInfo: { finish_reason: 'stop' } }],
        llmOutput: compact({
          tokenUsage: usage
            ? {
                promptTokens: usage.input_tokens,
                completionTokens: usage.output_tokens,
                totalTokens: usage.total_tokens,
              }
            : undefined,
          model: this.model,
          model_name: this.model,
        }),
      };
    }
    if (!Array.isArray(choices) || choices.length === 0) {
      throw malformedResponse(this.model, 'the response has no "choices"');
    }
    const usage =
      record.usage && typeof record.usage === 'object'
        ? toUsageMetadata(record.usage as OpenAIUsage)
        : undefined;
    const modelName = typeof record.model === 'string' ? record.model : this.model;
    const customOutputs = record.custom_outputs;
    const generations: ChatGeneration[] = choices.map((choice: unknown, index: number) => {
      const item = (choice ?? {}) as Record<string, unknown>;
      const message = item.message;
      if (typeof message !== 'object' || message === null) {
        throw malformedResponse(this.model, `choices[${index}] has no "message"`);
      }
      const finishReason = item.finish_reason ?? undefined;
      const aiMessage = responseMessageToAIMessage(message as Record<string, unknown>, {
        id: typeof record.id === 'string' ? record.id : undefined,
        responseMetadata: compact({
          model: modelName,
          model_name: modelName,
          model_provider: 'databricks',
          finish_reason: finishReason,
          custom_outputs: customOutputs,
        }),
        // Usage covers the whole request: attach it to one message so sums stay right with n > 1.
        usage: index === 0 ? usage : undefined,
        customOutputs,
      });
      return {
        text: typeof aiMessage.content === 'string' ? aiMessage.content : aiMessage.text,
        message: aiMessage,
        generationInfo: compact({ finish_reason: finishReason }),
      };
    });
    const tokenUsage = usage
      ? {
          promptTokens: usage.input_tokens,
          completionTokens: usage.output_tokens,
          totalTokens: usage.total_tokens,
        }
      : undefined;
    return {
      generations,
      llmOutput: compact({ tokenUsage, model: modelName, model_name: modelName }),
    };
  }

  override async *_streamResponseChunks(
    messages: BaseMessage[],
    options: this['ParsedCallOptions'],
    runManager?: CallbackManagerForLLMRun,
  ): AsyncGenerator<ChatGenerationChunk> {
    const { route, client } = await this.#target(options.signal);
    const body = this.#bodyFor(route, messages, options, true);
    if (route.api !== 'chat-completions') {
      // Only opening the stream is retried: once tokens have been emitted a retry would repeat them.
      const response = await this.caller.callWithOptions({ signal: options.signal }, () =>
        this.#connection.postStream(this.model, route.path, body, options.signal, client),
      );
      yield* this.#agentOrResponsesStream(route, response, options, runManager);
      return;
    }
    // Only the stream up to its first token is retried: once tokens have been emitted a retry
    // would repeat them, so a later break is an error carrying the text received (partialText).
    const events = await this.caller.callWithOptions({ signal: options.signal }, () =>
      this.#connection.startStream(this.model, route.path, body, {
        signal: options.signal,
        client,
        isFinal: (data) =>
          Array.isArray(data.choices) &&
          data.choices.some((choice: { finish_reason?: unknown }) => choice?.finish_reason != null),
      }),
    );
    let usage: OpenAIUsage | undefined;
    let modelName: string | undefined;
    let customOutputs: unknown;
    let id: string | undefined;
    for await (const { data } of events) {
      // Some endpoints (Databricks Claude) repeat partial usage on every chunk: keep the last one.
      if (data.usage && typeof data.usage === 'object') usage = data.usage as OpenAIUsage;
      if (typeof data.model === 'string') modelName = data.model;
      if (typeof data.id === 'string') id ??= data.id;
      if (data.custom_outputs !== undefined) customOutputs = data.custom_outputs;
      const choices = Array.isArray(data.choices) ? data.choices : [];
      for (const rawChoice of choices) {
        const choice = (rawChoice ?? {}) as Record<string, unknown>;
        // n > 1 is not streamed: LangChain merges every chunk into one message.
        if (typeof choice.index === 'number' && choice.index !== 0) continue;
        let delta = (choice.delta ?? choice.message ?? {}) as Record<string, unknown>;
        if (choice.delta === undefined && Array.isArray(delta.tool_calls)) {
          // A whole (non-streamed) message: give its tool calls the indexes deltas would carry.
          delta = {
            ...delta,
            tool_calls: delta.tool_calls.map((call: Record<string, unknown>, index: number) => ({
              index,
              ...call,
            })),
          };
        }
        const message = deltaToChunk(delta, id);
        const finishReason = choice.finish_reason ?? undefined;
        if (finishReason !== undefined) message.response_metadata = { finish_reason: finishReason };
        const text = message.text;
        const chunk = new ChatGenerationChunk({
          text,
          message,
          generationInfo: finishReason !== undefined ? { finish_reason: finishReason } : undefined,
        });
        yield chunk;
        await runManager?.handleLLMNewToken(
          text,
          { prompt: 0, completion: 0 },
          undefined,
          undefined,
          undefined,
          {
            chunk,
          },
        );
      }
    }
    // One closing chunk carries what must be counted once: usage, the real model name, outputs.
    const additional: Record<string, unknown> = {};
    if (customOutputs !== undefined) additional.custom_outputs = customOutputs;
    const last = new AIMessageChunk({
      content: '',
      id,
      additional_kwargs: additional,
      response_metadata: compact({
        model: modelName ?? this.model,
        model_name: modelName ?? this.model,
        model_provider: 'databricks',
        custom_outputs: customOutputs,
      }),
      usage_metadata: usage ? toUsageMetadata(usage) : undefined,
    });
    yield new ChatGenerationChunk({ text: '', message: last });
  }

  /** Responses API and ChatAgent streams: each event through its converter, usage once. */
  async *#agentOrResponsesStream(
    route: EndpointRoute,
    response: Response,
    options: this['ParsedCallOptions'],
    runManager?: CallbackManagerForLLMRun,
  ): AsyncGenerator<ChatGenerationChunk> {
    const responses = route.api !== 'chat-agent';
    const converter = responses
      ? new ResponsesStreamConverter(this.model, { agent: route.agent })
      : new ChatAgentStreamConverter(this.model);
    const events = readServingEvents(response, this.model, {
      signal: options.signal,
      // A ChatAgent stream has no closing event: a clean end after any chunk is complete.
      isFinal: responses ? isFinalResponsesEvent : () => true,
    });
    const emit = async function* (
      this: ChatDatabricks,
      messages: AIMessageChunk[],
    ): AsyncGenerator<ChatGenerationChunk> {
      for (const message of messages) {
        const text = message.text;
        const chunk = new ChatGenerationChunk({ text, message });
        yield chunk;
        if (text !== '')
          await runManager?.handleLLMNewToken(
            text,
            { prompt: 0, completion: 0 },
            undefined,
            undefined,
            undefined,
            { chunk },
          );
      }
    }.bind(this);
    for await (const { data } of events) yield* emit(converter.handle(data));
    const closing = converter.finish();
    const last = closing[closing.length - 1];
    const finishReason = last?.response_metadata?.finish_reason;
    for (const message of closing) {
      const chunk = new ChatGenerationChunk({
        text: message.text,
        message,
        generationInfo:
          message === last && finishReason !== undefined
            ? { finish_reason: finishReason }
            : undefined,
      });
      yield chunk;
    }
  }

  override withStructuredOutput<
    RunOutput extends Record<string, unknown> = Record<string, unknown>,
  >(
    outputSchema: StructuredSchema<RunOutput>,
    config?: StructuredOutputMethodOptions<false>,
  ): Runnable<BaseLanguageModelInput, RunOutput>;
  override withStructuredOutput<
    RunOutput extends Record<string, unknown> = Record<string, unknown>,
  >(
    outputSchema: StructuredSchema<RunOutput>,
    config?: StructuredOutputMethodOptions<true>,
  ): Runnable<BaseLanguageModelInput, { raw: BaseMessage; parsed: RunOutput }>;
  override withStructuredOutput<
    RunOutput extends Record<string, unknown> = Record<string, unknown>,
  >(
    outputSchema: StructuredSchema<RunOutput>,
    config?: StructuredOutputMethodOptions<boolean>,
  ):
    | Runnable<BaseLanguageModelInput, RunOutput>
    | Runnable<BaseLanguageModelInput, { raw: BaseMessage; parsed: RunOutput }> {
    const method = normaliseMethod(config?.method);
    const schema = outputSchema;
    const isZodOrStandard = isInteropZodSchema(schema) || isStandardSchema(schema);
    const jsonSchema = (
      isZodOrStandard ? toJsonSchema(schema as InteropZodType) : schema
    ) as Record<string, unknown>;
    const name =
      config?.name ??
      (typeof jsonSchema.title === 'string' ? jsonSchema.title : undefined) ??
      (!isZodOrStandard && typeof (schema as { name?: unknown }).name === 'string'
        ? (schema as { name: string }).name
        : 'extract');
    const description =
      getSchemaDescription(schema as Parameters<typeof getSchemaDescription>[0]) ??
      (typeof jsonSchema.description === 'string' ? jsonSchema.description : undefined);
    // A `{name, description, parameters}` object is a tool definition: use its parameters.
    const parameters =
      !isZodOrStandard &&
      typeof jsonSchema.parameters === 'object' &&
      jsonSchema.parameters !== null
        ? (jsonSchema.parameters as Record<string, unknown>)
        : stripMeta(jsonSchema);
    // Traced as the user's full JSON schema (with `$schema`, `title`...), as LangChain's own
    // models do; the wire gets the stripped `parameters`.
    const tracing = { ls_structured_output_format: { kwargs: { method }, schema: jsonSchema } };

    let llm: Runnable<BaseLanguageModelInput, AIMessageChunk>;
    let parser: Runnable<BaseMessage, RunOutput>;
    if (method === 'functionCalling') {
      llm = this.bindTools([{ type: 'function', function: { name, description, parameters } }], {
        tool_choice: name,
        ...tracing,
      } as Partial<ChatDatabricksCallOptions>);
      parser = createFunctionCallingParser(
        schema as Parameters<typeof createFunctionCallingParser>[0],
        name,
      ) as unknown as Runnable<BaseMessage, RunOutput>;
    } else {
      const responseFormat: DatabricksResponseFormat =
        method === 'jsonMode'
          ? { type: 'json_object' }
          : {
              type: 'json_schema',
              json_schema: compact({
                name,
                description,
                schema: parameters,
                strict: config?.strict ?? true,
              }) as {
                name: string;
                schema: Record<string, unknown>;
              },
            };
      llm = this.withConfig({
        response_format: responseFormat,
        ...tracing,
      } as Partial<ChatDatabricksCallOptions>);
      parser = createContentParser(
        schema as Parameters<typeof createContentParser>[0],
      ) as unknown as Runnable<BaseMessage, RunOutput>;
    }

    if (!config?.includeRaw) {
      return llm.pipe(parser).withConfig({ runName: 'ChatDatabricksStructuredOutput' });
    }
    // Like Python: {raw, parsed, parsing_error}; a parse failure does not lose the raw message.
    const withRaw = RunnableSequence.from([
      { raw: llm },
      RunnableLambda.from(async (input: { raw: BaseMessage }, runConfig) => {
        try {
          const parsed = await parser.invoke(input.raw, runConfig);
          return { raw: input.raw, parsed, parsing_error: null };
        } catch (error) {
          return { raw: input.raw, parsed: null as unknown as RunOutput, parsing_error: error };
        }
      }),
    ]);
    return withRaw.withConfig({ runName: 'ChatDatabricksStructuredOutput' }) as unknown as Runnable<
      BaseLanguageModelInput,
      { raw: BaseMessage; parsed: RunOutput }
    >;
  }
}

function isStandardSchema(value: unknown): boolean {
  return typeof value === 'object' && value !== null && '~standard' in value;
}

function stripMeta(schema: Record<string, unknown>): Record<string, unknown> {
  const { $schema: _s, title: _t, ...rest } = schema;
  return rest;
}
