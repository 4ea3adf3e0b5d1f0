/**
 * AI/BI Genie: the Genie Conversation API at `/api/2.0/genie/spaces/...` (spaces, conversations,
 * messages and their states, query results, execute-query, the deprecated result paths), with
 * Databricks' error shapes and its per-workspace question rate limit. Answers come from NL-to-SQL
 * on a chat endpoint of the serving service and the workspace's SQL engine (see `state.ts`).
 */
import { ApiError } from '../../platform/errors.js';
import { defineService, type HttpMethod, type RouteRequest } from '../../platform/service.js';
import { createGenieStore, type GenieStore } from './state.js';
import type { GenieOptions, LocalGenie } from './types.js';

type Json = Record<string, unknown>;

const BASE = '/api/2.0/genie/spaces';

function bodyOf(request: RouteRequest): Json {
  const body = request.body;
  if (body === undefined || body === null) return {};
  if (typeof body !== 'object' || Array.isArray(body))
    throw new ApiError(400, 'BAD_REQUEST', 'The request body must be a JSON object.');
  return body as Json;
}

function methodNotAllowed(request: RouteRequest, allowed: HttpMethod[]): never {
  throw new ApiError(
    405,
    'BAD_REQUEST',
    `Method ${request.method} is not allowed here; use ${allowed.join(' or ')}.`,
    { headers: { allow: allowed.join(', ') } },
  );
}

function params(request: RouteRequest) {
  return request.params as {
    space: string;
    conversation: string;
    message: string;
    attachment?: string;
  };
}

export const genieService = defineService({
  name: 'genie',
  create(context, options: GenieOptions | undefined) {
    const store: GenieStore = createGenieStore(context, options);
    const name = 'genie';
    const questions = 'genie-questions';
    const state: LocalGenie = store;
    return {
      state,
      routes: [
        {
          method: '*',
          path: BASE,
          name,
          handle: (request: RouteRequest) => {
            if (request.method === 'GET') return store.listSpacesJson();
            if (request.method === 'POST') return store.createSpaceJson(bodyOf(request));
            return methodNotAllowed(request, ['GET', 'POST']);
          },
        },
        {
          method: '*',
          path: `${BASE}/:space`,
          name,
          handle: (request: RouteRequest) => {
            const { space } = params(request);
            if (request.method === 'GET')
              return store.getSpaceJson(
                space,
                request.query.get('include_serialized_space') === 'true',
              );
            if (request.method === 'PATCH') return store.updateSpaceJson(space, bodyOf(request));
            if (request.method === 'DELETE') return store.trashSpaceJson(space);
            return methodNotAllowed(request, ['GET', 'PATCH', 'DELETE']);
          },
        },
        {
          method: 'POST',
          path: `${BASE}/:space/start-conversation`,
          name: questions,
          handle: (request: RouteRequest) =>
            store.startConversation(params(request).space, bodyOf(request)),
        },
        {
          method: 'GET',
          path: `${BASE}/:space/conversations`,
          name,
          body: 'none',
          handle: (request: RouteRequest) => store.listConversations(params(request).space),
        },
        {
          method: 'DELETE',
          path: `${BASE}/:space/conversations/:conversation`,
          name,
          body: 'none',
          handle: (request: RouteRequest) => {
            const { space, conversation } = params(request);
            return store.deleteConversation(space, conversation);
          },
        },
        {
          method: '*',
          path: `${BASE}/:space/conversations/:conversation/messages`,
          name: questions,
          handle: (request: RouteRequest) => {
            const { space, conversation } = params(request);
            if (request.method === 'POST')
              return store.createMessage(space, conversation, bodyOf(request));
            if (request.method === 'GET') return store.listMessages(space, conversation);
            return methodNotAllowed(request, ['GET', 'POST']);
          },
        },
        {
          method: '*',
          path: `${BASE}/:space/conversations/:conversation/messages/:message`,
          name,
          handle: (request: RouteRequest) => {
            const { space, conversation, message } = params(request);
            if (request.method === 'GET') return store.getMessage(space, conversation, message);
            if (request.method === 'DELETE')
              return store.deleteMessage(space, conversation, message);
            return methodNotAllowed(request, ['GET', 'DELETE']);
          },
        },
        {
          method: 'GET',
          path: `${BASE}/:space/conversations/:conversation/messages/:message/attachments/:attachment/query-result`,
          name,
          body: 'none',
          handle: (request: RouteRequest) => {
            const { space, conversation, message, attachment } = params(request);
            return store.queryResult(space, conversation, message, attachment);
          },
        },
        {
          method: 'POST',
          path: `${BASE}/:space/conversations/:conversation/messages/:message/attachments/:attachment/execute-query`,
          name,
          handle: (request: RouteRequest) => {
            const { space, conversation, message, attachment } = params(request);
            return store.executeQuery(space, conversation, message, attachment);
          },
        },
        // Deprecated paths, still answered by Databricks (and used by older clients).
        {
          method: 'GET',
          path: `${BASE}/:space/conversations/:conversation/messages/:message/query-result{/:attachment}`,
          name,
          body: 'none',
          handle: (request: RouteRequest) => {
            const { space, conversation, message, attachment } = params(request);
            return store.queryResult(space, conversation, message, attachment);
          },
        },
        {
          method: 'POST',
          path: `${BASE}/:space/conversations/:conversation/messages/:message/execute-query`,
          name,
          handle: (request: RouteRequest) => {
            const { space, conversation, message } = params(request);
            return store.executeQuery(space, conversation, message);
          },
        },
      ],
      stop: async () => {
        store.stop();
      },
    };
  },
});
