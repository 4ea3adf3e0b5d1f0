/**
 * Validation of OpenAI Responses API requests to a Foundation Model or external endpoint, in the
 * manner of OpenAI's and Databricks' answers: unknown parameters, input items and their content
 * parts, function tools and `tool_choice`, and `text.format`.
 */
import { badRequest, type ServingError } from './reply.js';
import type { ServingEndpointDefinition } from './types.js';
import { checkNumber, checkStream, isObject, type Json, requireObject } from './validate_fields.js';

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
