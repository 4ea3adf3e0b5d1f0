/**
 * Request validation in the manner of Databricks Foundation Model APIs, where it is cheap to
 * reproduce: the errors that clients commonly trip over (unknown fields such as `prompt` sent to a
 * chat endpoint, `stop: null`, tools without `parameters`, `strict` on a tool function) answer
 * 400 BAD_REQUEST with a message in the same spirit as Databricks'. This module holds the
 * chat, completions and embeddings checks and picks the validator for a request; the Responses
 * API's are `validate_responses.ts`, the MLflow agents' `validate_agents.ts`.
 */
import { resolveEndpointType } from './registry.js';
import { badRequest } from './reply.js';
import type { ServingApi, ServingEndpointDefinition } from './types.js';
import { validateChatAgentRequest, validateResponsesAgentRequest } from './validate_agents.js';
import {
  checkNumber,
  checkStream,
  checkUnknownFields,
  isObject,
  type Json,
  requireObject,
  typeName,
} from './validate_fields.js';
import { validateResponsesRequest } from './validate_responses.js';

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

function checkStop(body: Json) {
  if (!('stop' in body)) return;
  const stop = body.stop;
  if (typeof stop === 'string') return;
  if (Array.isArray(stop) && stop.every((item) => typeof item === 'string')) return;
  throw badRequest(`stop was not of type List[String]: ${JSON.stringify(stop)}`);
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
