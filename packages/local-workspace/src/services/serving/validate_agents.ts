/**
 * Validation of the requests MLflow agents take: a ResponsesAgent's `{input}` and a ChatAgent's
 * `{messages}`, with the messages MLflow's own request models answer.
 */
import { badRequest } from './reply.js';
import { isObject, requireObject } from './validate_fields.js';

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
