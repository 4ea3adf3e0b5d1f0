/**
 * Request validation in the manner of Databricks Foundation Model APIs, where it is cheap to
 * reproduce: the errors that clients commonly trip over (unknown fields such as `prompt` sent to a
 * chat endpoint, `stop: null`, tools without `parameters`, `strict` on a tool function) answer
 * 400 BAD_REQUEST with a message in the same spirit as Databricks'.
 */

import { resolveEndpointType } from './registry.js';
import { badRequest, type ServingError } from './reply.js';
import type { ServingApi, ServingEndpointDefinition } from './types.js';

const CHAT_FIELDS = [
  'messages',
  'model',
  'stream',
  'stream_options',
  'temperature',
  'top_p',
  'top_k',
  'max_tokens',
  'max_completion_tokens',
  'n',
  'stop',
  'tools',
  'tool_choice',
  'parallel_tool_calls',
  'response_format',
  'logprobs',
  'top_logprobs',
  'presence_penalty',
  'frequency_penalty',
  'seed',
  'user',
  'reasoning_effort',
  'thinking',
  'custom_inputs',
  'databricks_options',
  'context',
  'metadata',
];

const COMPLETION_FIELDS = [
  'prompt',
  'model',
  'stream',
  'stream_options',
  'temperature',
  'top_p',
  'top_k',
  'max_tokens',
  'n',
  'stop',
  'logprobs',
  'echo',
  'presence_penalty',
  'frequency_penalty',
  'seed',
  'user',
  'suffix',
  'best_of',
  'error_behavior',
  'use_raw_prompt',
  'custom_inputs',
];

const EMBEDDING_FIELDS = ['input', 'model', 'instruction', 'encoding_format', 'dimensions', 'user'];

const ROLES = new Set(['system', 'user', 'assistant', 'tool', 'developer', 'function']);

type Json = Record<string, unknown>;

function isObject(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function typeName(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  return typeof value;
}

function checkUnknownFields(body: Json, known: string[], extra: string[] = []) {
  for (const key of Object.keys(body)) {
    if (!known.includes(key) && !extra.includes(key)) {
      throw badRequest(`Bad request: json: unknown field "${key}"`);
    }
  }
}

function checkNumber(body: Json, field: string, min: number, max: number, integer = false) {
  if (!(field in body)) return;
  const value = body[field];
  if (typeof value !== 'number' || !Number.isFinite(value) || (integer && !Number.isInteger(value)))
    throw badRequest(
      `${field} was not of type ${integer ? 'Integer' : 'Number'}: ${JSON.stringify(value)}`,
    );
  if (value < min || value > max)
    throw badRequest(`${field} must be between ${min} and ${max}, got ${value}`);
}

function checkStop(body: Json) {
  if (!('stop' in body)) return;
  const stop = body.stop;
  if (typeof stop === 'string') return;
  if (Array.isArray(stop) && stop.every((item) => typeof item === 'string')) return;
  throw badRequest(`stop was not of type List[String]: ${JSON.stringify(stop)}`);
}

function checkStream(body: Json) {
  if ('stream' in body && typeof body.stream !== 'boolean')
    throw badRequest(`stream was not of type Boolean: ${JSON.stringify(body.stream)}`);
  if ('stream_options' in body) {
    const options = body.stream_options;
    if (!isObject(options)) throw badRequest('stream_options must be an object');
    if ('include_usage' in options && typeof options.include_usage !== 'boolean')
      throw badRequest('stream_options.include_usage must be a boolean');
  }
}

function checkSampling(body: Json) {
  checkNumber(body, 'temperature', 0, 2);
  checkNumber(body, 'top_p', 0, 1);
  checkNumber(body, 'top_k', 1, Number.MAX_SAFE_INTEGER, true);
  checkNumber(body, 'max_tokens', 1, Number.MAX_SAFE_INTEGER, true);
  checkNumber(body, 'n', 1, 16, true);
  checkStop(body);
  checkStream(body);
}

function checkMessages(body: Json) {
  if (!('messages' in body)) throw badRequest('Missing required field: messages');
  const messages = body.messages;
  if (!Array.isArray(messages))
    throw badRequest(`messages was not of type List: ${typeName(messages)}`);
  if (messages.length === 0) throw badRequest('messages must contain at least one message');
  messages.forEach((message, index) => {
    if (!isObject(message)) throw badRequest(`messages.${index}: must be an object`);
    if (typeof message.role !== 'string' || !ROLES.has(message.role))
      throw badRequest(
        `messages.${index}.role: must be one of system, user, assistant, tool, got ${JSON.stringify(message.role)}`,
      );
    const content = message.content;
    const hasToolCalls = Array.isArray(message.tool_calls) && message.tool_calls.length > 0;
    if (content === undefined || content === null) {
      if (!(message.role === 'assistant' && hasToolCalls))
        throw badRequest(`messages.${index}.content: Field required`);
    } else if (typeof content !== 'string' && !Array.isArray(content)) {
      throw badRequest(`messages.${index}.content: must be a string or a list of content parts`);
    }
    if (message.role === 'tool' && typeof message.tool_call_id !== 'string')
      throw badRequest(`messages.${index}.tool_call_id: Field required`);
  });
}

function checkTools(body: Json, endpoint: ServingEndpointDefinition) {
  if (!('tools' in body)) return;
  const tools = body.tools;
  if (!Array.isArray(tools)) throw badRequest('tools must be a list');
  const names: string[] = [];
  tools.forEach((tool, index) => {
    if (!isObject(tool) || tool.type !== 'function')
      throw badRequest(`tools.${index}.type: Input should be 'function'`);
    const fn = tool.function;
    if (!isObject(fn)) throw badRequest(`tools.${index}.function: Field required`);
    if (typeof fn.name !== 'string' || fn.name === '')
      throw badRequest(`tools.${index}.function.name: Field required`);
    if (!('parameters' in fn) || !isObject(fn.parameters))
      throw badRequest(`tools.${index}.function.parameters: Field required`);
    for (const key of Object.keys(fn)) {
      if (key === 'strict' && endpoint.allowStrictTools) continue;
      if (!['name', 'description', 'parameters'].includes(key))
        throw badRequest(`tools.${index}.function.${key}: Extra inputs are not permitted`);
    }
    names.push(fn.name);
  });
  if ('tool_choice' in body) {
    const choice = body.tool_choice;
    if (typeof choice === 'string') {
      if (!['auto', 'none', 'required'].includes(choice))
        throw badRequest(
          `tool_choice: Input should be 'auto', 'none', 'required' or a function, got ${JSON.stringify(choice)}`,
        );
    } else if (
      isObject(choice) &&
      choice.type === 'function' &&
      isObject(choice.function) &&
      typeof choice.function.name === 'string'
    ) {
      if (!names.includes(choice.function.name))
        throw badRequest(`tool_choice: no tool named ${JSON.stringify(choice.function.name)}`);
    } else {
      throw badRequest(`tool_choice: invalid value ${JSON.stringify(choice)}`);
    }
  }
}

function checkResponseFormat(body: Json) {
  if (!('response_format' in body)) return;
  const format = body.response_format;
  if (!isObject(format)) throw badRequest('response_format must be an object');
  if (format.type === 'text' || format.type === 'json_object') return;
  if (format.type === 'json_schema') {
    const schema = format.json_schema;
    if (!isObject(schema)) throw badRequest('response_format.json_schema: Field required');
    if (typeof schema.name !== 'string')
      throw badRequest('response_format.json_schema.name: Field required');
    if (!isObject(schema.schema))
      throw badRequest('response_format.json_schema.schema: Field required');
    if ('strict' in schema && typeof schema.strict !== 'boolean')
      throw badRequest('response_format.json_schema.strict must be a boolean');
    return;
  }
  throw badRequest(
    `response_format.type: Input should be 'text', 'json_object' or 'json_schema', got ${JSON.stringify(format.type)}`,
  );
}

function requireObject(body: unknown): Json {
  if (!isObject(body)) throw badRequest('The request body must be a JSON object');
  return body;
}

export function validateChatRequest(body: unknown, endpoint: ServingEndpointDefinition): void {
  const request = requireObject(body);
  checkUnknownFields(request, CHAT_FIELDS, endpoint.extraFields);
  checkMessages(request);
  checkSampling(request);
  checkTools(request, endpoint);
  if ('tool_choice' in request && !('tools' in request))
    throw badRequest('tool_choice is only allowed when tools are specified');
  checkResponseFormat(request);
}

export function validateCompletionsRequest(
  body: unknown,
  endpoint: ServingEndpointDefinition,
): void {
  const request = requireObject(body);
  checkUnknownFields(request, COMPLETION_FIELDS, endpoint.extraFields);
  const prompt = request.prompt;
  if (prompt === undefined) throw badRequest('Missing required field: prompt');
  const ok =
    typeof prompt === 'string' ||
    (Array.isArray(prompt) &&
      prompt.length > 0 &&
      prompt.every((item) => typeof item === 'string'));
  if (!ok) throw badRequest(`prompt was not of type String or List[String]: ${typeName(prompt)}`);
  checkSampling(request);
}

export function validateEmbeddingsRequest(
  body: unknown,
  endpoint: ServingEndpointDefinition,
): void {
  const request = requireObject(body);
  checkUnknownFields(request, EMBEDDING_FIELDS, endpoint.extraFields);
  const input = request.input;
  if (input === undefined) throw badRequest('Missing required field: input');
  const ok =
    typeof input === 'string' ||
    (Array.isArray(input) && input.length > 0 && input.every((item) => typeof item === 'string'));
  if (!ok) throw badRequest(`input was not of type String or List[String]: ${typeName(input)}`);
}

const RESPONSES_FIELDS = [
  'model',
  'input',
  'instructions',
  'tools',
  'tool_choice',
  'text',
  'stream',
  'stream_options',
  'max_output_tokens',
  'temperature',
  'top_p',
  'top_logprobs',
  'parallel_tool_calls',
  'metadata',
  'reasoning',
  'user',
  'store',
  'truncation',
  'previous_response_id',
  'include',
  'service_tier',
  'background',
  'custom_inputs',
  'databricks_options',
  'context',
];

const INPUT_PART_TYPES = ['input_text', 'input_image', 'input_file'];
const OUTPUT_PART_TYPES = ['output_text', 'refusal'];
const MESSAGE_ROLES = ['user', 'system', 'developer', 'assistant'];

/** What OpenAI answers for a content part type it does not know (Python issue #368). */
function invalidPartType(path: string, type: unknown): ServingError {
  return badRequest(
    `Invalid value: '${String(type)}'. Supported values are: 'input_text', 'input_image', 'output_text', 'refusal', 'input_file', 'computer_screenshot', and 'summary_text'. (param: ${path}.type)`,
  );
}

function checkResponsesMessage(item: Json, path: string, claude: boolean) {
  if (typeof item.role !== 'string' || !MESSAGE_ROLES.includes(item.role))
    throw badRequest(
      `${path}.role: Input should be 'user', 'system', 'developer' or 'assistant', got ${JSON.stringify(item.role)}`,
    );
  const content = item.content;
  if (typeof content === 'string') return;
  if (!Array.isArray(content))
    throw badRequest(`${path}.content: must be a string or a list of content parts`);
  const allowed = item.role === 'assistant' ? OUTPUT_PART_TYPES : INPUT_PART_TYPES;
  content.forEach((part, index) => {
    const partPath = `${path}.content[${index}]`;
    if (!isObject(part)) throw badRequest(`${partPath}: must be an object`);
    if (!allowed.includes(String(part.type))) throw invalidPartType(partPath, part.type);
    if (
      (part.type === 'input_text' || part.type === 'output_text') &&
      typeof part.text !== 'string'
    )
      throw badRequest(`${partPath}.text: Field required`);
    // Databricks' Claude endpoints reject empty text blocks (Python PR #333).
    if (claude && part.text === '') throw badRequest('text content blocks must be non-empty');
  });
}

function checkResponsesInput(request: Json, claude: boolean) {
  const input = request.input;
  if (input === undefined) throw badRequest("Missing required parameter: 'input'.");
  if (typeof input === 'string') return;
  if (!Array.isArray(input) || input.length === 0)
    throw badRequest("Invalid 'input': expected a string or a non-empty list of input items.");
  input.forEach((item, index) => {
    const path = `input[${index}]`;
    if (!isObject(item)) throw badRequest(`${path}: must be an object`);
    const type = item.type ?? (item.role !== undefined ? 'message' : undefined);
    switch (type) {
      case 'message':
        checkResponsesMessage(item, path, claude);
        break;
      case 'function_call':
        for (const field of ['call_id', 'name', 'arguments'])
          if (typeof item[field] !== 'string')
            throw badRequest(`Missing required parameter: '${path}.${field}'.`);
        break;
      case 'function_call_output':
        if (typeof item.call_id !== 'string')
          throw badRequest(`Missing required parameter: '${path}.call_id'.`);
        if (item.output === undefined)
          throw badRequest(`Missing required parameter: '${path}.output'.`);
        break;
      case 'reasoning':
        if (typeof item.id !== 'string')
          throw badRequest(`Missing required parameter: '${path}.id'.`);
        if (!Array.isArray(item.summary))
          throw badRequest(`Missing required parameter: '${path}.summary'.`);
        break;
      case undefined:
        throw badRequest(`Missing required parameter: '${path}.type'.`);
      default:
      // Other item types (MCP approvals, server tool calls) are passed on.
    }
  });
}

function checkResponsesTools(request: Json) {
  if (!('tools' in request)) return;
  const tools = request.tools;
  if (!Array.isArray(tools)) throw badRequest("Invalid type for 'tools': expected an array.");
  const names: string[] = [];
  tools.forEach((tool, index) => {
    if (!isObject(tool)) throw badRequest(`tools[${index}]: must be an object`);
    if (tool.type !== 'function') return; // hosted tools are the endpoint's business
    // The chat-completions shape ({type, function: {...}}) is a classic mistake here.
    if (typeof tool.name !== 'string' || tool.name === '')
      throw badRequest(`Missing required parameter: 'tools[${index}].name'.`);
    if (!('parameters' in tool))
      throw badRequest(`Missing required parameter: 'tools[${index}].parameters'.`);
    names.push(tool.name);
  });
  if ('tool_choice' in request) {
    const choice = request.tool_choice;
    if (typeof choice === 'string') {
      if (!['auto', 'none', 'required'].includes(choice))
        throw badRequest(`Invalid value for 'tool_choice': ${JSON.stringify(choice)}.`);
    } else if (isObject(choice) && choice.type === 'function' && typeof choice.name === 'string') {
      if (!names.includes(choice.name))
        throw badRequest(`Tool choice '${choice.name}' not found in 'tools' parameter.`);
    } else {
      throw badRequest(`Invalid value for 'tool_choice': ${JSON.stringify(choice)}.`);
    }
  }
}

/**
 * `text.format`: `text`, `json_object`, or a JSON schema in OpenAI's flat form
 * (`{type, name, schema, strict}`) or the nested form Databricks' ai-sdk-provider sends
 * (`{type, json_schema: {name, schema}}`); which one Databricks requires is not documented.
 */
function checkResponsesText(request: Json) {
  if (!('text' in request)) return;
  const text = request.text;
  if (!isObject(text)) throw badRequest("Invalid type for 'text': expected an object.");
  if (!('format' in text)) return;
  const format = text.format;
  if (!isObject(format)) throw badRequest("Invalid type for 'text.format': expected an object.");
  if (format.type === 'text' || format.type === 'json_object') return;
  if (format.type !== 'json_schema')
    throw badRequest(`Invalid value for 'text.format.type': ${JSON.stringify(format.type)}.`);
  const schema = isObject(format.json_schema) ? format.json_schema : format;
  if (typeof schema.name !== 'string')
    throw badRequest("Missing required parameter: 'text.format.name'.");
  if (!isObject(schema.schema))
    throw badRequest("Missing required parameter: 'text.format.schema'.");
}

/** The Responses API of a Foundation Model or external endpoint. */
export function validateResponsesRequest(body: unknown, endpoint: ServingEndpointDefinition): void {
  const request = requireObject(body);
  for (const key of Object.keys(request))
    if (!RESPONSES_FIELDS.includes(key) && !endpoint.extraFields?.includes(key))
      throw badRequest(`Unknown parameter: '${key}'.`);
  const claude = /claude/i.test(`${endpoint.name} ${endpoint.model ?? ''}`);
  checkResponsesInput(request, claude);
  checkNumber(request, 'temperature', 0, 2);
  checkNumber(request, 'top_p', 0, 1);
  checkNumber(request, 'max_output_tokens', 1, Number.MAX_SAFE_INTEGER, true);
  checkStream(request);
  checkResponsesTools(request);
  if ('tool_choice' in request && !('tools' in request))
    throw badRequest("'tool_choice' is only allowed when 'tools' are specified.");
  checkResponsesText(request);
}

/** MLflow's ResponsesAgentRequest: `input` items (the agent decides the rest). */
export function validateResponsesAgentRequest(body: unknown): void {
  const request = requireObject(body);
  if (!Array.isArray(request.input) && typeof request.input !== 'string')
    throw badRequest(
      `Invalid input. A ResponsesAgent takes {"input": [...]} (a list of messages and output items); received fields: ${Object.keys(request).join(', ')}.`,
    );
  if (Array.isArray(request.input))
    request.input.forEach((item, index) => {
      if (!isObject(item)) throw badRequest(`input.${index}: must be an object`);
    });
  if ('custom_inputs' in request && !isObject(request.custom_inputs))
    throw badRequest('custom_inputs must be a dictionary');
}

/** MLflow's ChatAgentRequest: ChatAgentMessages with text content. */
export function validateChatAgentRequest(body: unknown): void {
  const request = requireObject(body);
  if (!Array.isArray(request.messages) || request.messages.length === 0)
    throw badRequest(
      `Invalid input. A ChatAgent takes {"messages": [...]}; received fields: ${Object.keys(request).join(', ')}.`,
    );
  request.messages.forEach((message, index) => {
    if (!isObject(message)) throw badRequest(`messages.${index}: must be an object`);
    if (typeof message.role !== 'string')
      throw badRequest(`messages.${index}.role: Field required`);
    const hasToolCalls = Array.isArray(message.tool_calls) && message.tool_calls.length > 0;
    if (message.content === undefined || message.content === null) {
      if (!hasToolCalls)
        throw badRequest(`messages.${index}: Either 'content' or 'tool_calls' must be provided.`);
    } else if (typeof message.content !== 'string') {
      throw badRequest(`messages.${index}.content: Input should be a valid string`);
    }
    if (
      message.role === 'tool' &&
      (typeof message.tool_call_id !== 'string' || typeof message.name !== 'string')
    )
      throw badRequest(
        `messages.${index}: Both 'name' and 'tool_call_id' must be provided for tool messages.`,
      );
  });
  if ('custom_inputs' in request && !isObject(request.custom_inputs))
    throw badRequest('custom_inputs must be a dictionary');
}

/**
 * Validate a request body for the endpoint's task and the route it came by (`responses` is the
 * Responses API), when the endpoint's validation mode asks for it.
 */
export function validateServingRequest(
  body: unknown,
  endpoint: ServingEndpointDefinition,
  api: ServingApi = 'invocations',
): void {
  if (endpoint.validation === 'none') return;
  if (endpoint.task === 'agent/v1/responses') {
    validateResponsesAgentRequest(body);
    return;
  }
  if (endpoint.task === 'agent/v2/chat') {
    if (api === 'chat/completions' || api === 'invocations') validateChatAgentRequest(body);
    return;
  }
  const mode =
    endpoint.validation ?? (resolveEndpointType(endpoint) === 'CUSTOM_MODEL' ? 'none' : 'fmapi');
  if (mode === 'none') return;
  if (api === 'responses') validateResponsesRequest(body, endpoint);
  else if (endpoint.task === 'llm/v1/chat') validateChatRequest(body, endpoint);
  else if (endpoint.task === 'llm/v1/completions') validateCompletionsRequest(body, endpoint);
  else if (endpoint.task === 'llm/v1/embeddings') validateEmbeddingsRequest(body, endpoint);
}
