/**
 * Serving endpoints of the local workspace: what a user declares (`ServingEndpointDefinition`),
 * what its handler receives (`ServingRequest`) and may return (a JSON value, a `reply(...)` with a
 * status and headers, or an async iterable of chunks streamed as SSE), and the request log that
 * client tests read to assert request shapes on the server side.
 */

/**
 * Databricks serving tasks. `agent/v1/responses` (MLflow ResponsesAgent) and `agent/v2/chat`
 * (ChatAgent) are agents: custom-model endpoints whose task says which protocol they speak.
 * Other strings (e.g. `llama2/chat`) are served like `custom`.
 */
export type ServingTask =
  | 'llm/v1/chat'
  | 'llm/v1/completions'
  | 'llm/v1/embeddings'
  | 'agent/v1/responses'
  | 'agent/v2/chat'
  | 'custom'
  | (string & {});

/** Serialised in `GET /api/2.0/serving-endpoints` as Databricks does: upper case. */
export type ServingEndpointType = 'FOUNDATION_MODEL_API' | 'EXTERNAL_MODEL' | 'CUSTOM_MODEL';

export type ServingPermissionLevel = 'CAN_MANAGE' | 'CAN_QUERY' | 'CAN_VIEW';

/** Which kind of HTTP route reached the endpoint. */
export type ServingApi =
  | 'invocations'
  | 'chat/completions'
  | 'completions'
  | 'embeddings'
  /** `POST /serving-endpoints/responses` (the OpenAI Responses API; `model` names the endpoint). */
  | 'responses'
  /** Driver-proxy requests are logged too, under the endpoint name `driver-proxy:<port>`. */
  | 'driver-proxy';

export interface ServingRequest {
  /** Endpoint name (the `{name}` of the invocations URL, or `model` on OpenAI-style routes). */
  endpoint: string;
  task: ServingTask;
  api: ServingApi;
  /** Parsed JSON body. */
  body: unknown;
  /** Request headers, lower case, without `authorization`. */
  headers: Record<string, string>;
  /** Aborted when the client disconnects (e.g. in the middle of a slow stream). */
  signal: AbortSignal;
}

export type { HttpReply, StreamReply } from '../../platform/responses.js';

/**
 * What a serving handler returns: any JSON value (sent with 200), a `reply(...)`, a bare async
 * iterable of chunks (SSE, then `data: [DONE]`) or a `streamReply(...)`. Throwing a
 * `ServingError` answers with its status and the Databricks error body.
 */
export type ServingResult = unknown;

export type ServingHandler = (request: ServingRequest) => ServingResult | Promise<ServingResult>;

export interface ServingEndpointDefinition {
  /** Endpoint name; letters, digits, `-` and `_` as in Databricks. */
  name: string;
  task: ServingTask;
  /** Defaults: `CUSTOM_MODEL` for the `custom` (or unknown) task, else `FOUNDATION_MODEL_API`. */
  endpointType?: ServingEndpointType;
  handler: ServingHandler;
  /**
   * The served model (foundation model name, external model name, or the registered model of a
   * custom endpoint). Default: the endpoint name.
   */
  model?: string;
  /** Provider shown for `EXTERNAL_MODEL` endpoints (default `openai`). */
  provider?: string;
  /** `CAN_VIEW` makes invocations answer 403 PERMISSION_DENIED. Default `CAN_QUERY`. */
  permissionLevel?: ServingPermissionLevel;
  /**
   * Request validation. `'fmapi'` (default, except for `CUSTOM_MODEL` endpoints) rejects
   * what Foundation Model APIs reject: unknown fields, tools without `parameters`, `strict` on a
   * tool function, bad `stop`/`tool_choice`/`response_format` (chat, completions and embeddings
   * tasks), and on the Responses API `text` parts where `input_text` belongs and empty text parts.
   * Agent endpoints (`agent/v1/responses`, `agent/v2/chat`) check the MLflow request schema
   * unless this is `'none'`. `'none'` passes every body through.
   */
  validation?: 'fmapi' | 'none';
  /** Accept `tools[].function.strict` (Databricks rejects it by default). */
  allowStrictTools?: boolean;
  /** Extra top-level request fields to accept under `'fmapi'` validation. */
  extraFields?: string[];
  creator?: string;
  tags?: { key: string; value?: string }[];
  /** Merged over the generated `GET /api/2.0/serving-endpoints/{name}` object. */
  describe?: Record<string, unknown>;
}

/** One request that reached a serving endpoint (including the ones it rejected). */
export interface ServingRequestRecord {
  endpoint: string;
  api: ServingApi;
  method: string;
  path: string;
  headers: Record<string, string>;
  /** Parsed JSON body (undefined when it was not valid JSON). */
  body: unknown;
  receivedAt: number;
  /** HTTP status sent back (set when the response starts). */
  status?: number;
  /** True when the response was an SSE stream. */
  streamed?: boolean;
}

/** Token usage in OpenAI shape. */
export interface ChatUsage {
  prompt_tokens: number;
  completion_tokens: number;
  total_tokens: number;
  [key: string]: unknown;
}

export interface ChatToolCallScript {
  /** Default: `call_<n>`, deterministic. */
  id?: string;
  name: string;
  /** An object is JSON-serialised. */
  arguments: string | Record<string, unknown>;
}

/** What a `scriptedChat` function returns (or just a string for plain content). */
export interface ChatScript {
  content?: string | null;
  toolCalls?: ChatToolCallScript[];
  /** A reasoning summary: content becomes an array `[{type:'reasoning',...},{type:'text',...}]`. */
  reasoning?: string;
  /** Override the computed usage; `false` sends no usage at all. */
  usage?: Partial<ChatUsage> | false;
  /** Default `tool_calls` when there are tool calls, else `stop`. */
  finishReason?: string;
  /** `model` field of the response (default: the endpoint name). */
  model?: string;
  /** Passed through as `custom_outputs` (Databricks agents). */
  customOutputs?: Record<string, unknown>;
}

/** A message of a chat request, loosely typed (the handler sees what the client sent). */
export interface ChatMessageInput {
  role: string;
  content?: unknown;
  tool_calls?: unknown[];
  tool_call_id?: string;
  [key: string]: unknown;
}
