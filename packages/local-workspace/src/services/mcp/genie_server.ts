/**
 * The managed Genie space MCP server (`/api/2.0/mcp/genie/{space_id}`): `query_space_{space_id}`
 * asks the space a question (a new conversation, or a follow-up with `conversation_id`) and
 * `poll_response_{space_id}` polls an answer still running, since Genie works asynchronously.
 * Both answer JSON text: the ids, the message `status`, the text answer, the SQL and the rows.
 * Questions count against the workspace's Genie rate limit like any other.
 */
import type { CallToolResult, Tool } from '@modelcontextprotocol/sdk/types.js';
import { ApiError } from '../../platform/errors.js';
import type { GenieStore } from '../genie/state.js';
import {
  badRequest,
  errorResult,
  jsonResult,
  type ManagedServerKind,
  requireArguments,
  toolNamed,
} from './managed_server.js';
import type { McpOptions } from './types.js';

type Json = Record<string, unknown>;

const FINAL = new Set(['COMPLETED', 'FAILED', 'CANCELLED', 'QUERY_RESULT_EXPIRED']);

export function genieServerKind(options: McpOptions): ManagedServerKind<undefined> {
  const waitMs = options.genieWaitMs ?? 30_000;
  return {
    kind: 'genie',
    paths: ['/api/2.0/mcp/genie/:space'],
    shared: () => undefined,
    open(context, params) {
      const genie = context.service<GenieStore>('genie');
      const spaceId = params.space as string;
      const space = genie.space(spaceId);
      if (!space) throw badRequest(`Genie space ${spaceId} not found or not accessible.`);
      const tools: Tool[] = [
        {
          name: `query_space_${spaceId}`,
          description: `Ask the Genie space "${space.title}" a question about its data in natural language${space.description ? ` (${space.description})` : ''}. Returns JSON with conversation_id, message_id, status and, when COMPLETED, the answer text, the SQL and the rows. If the status is not final, call poll_response_${spaceId}. Pass conversation_id to ask a follow-up in the same conversation.`,
          inputSchema: {
            type: 'object',
            properties: {
              query: { type: 'string', description: 'The question, in natural language.' },
              conversation_id: {
                type: 'string',
                description: 'Continue this conversation (from an earlier answer).',
              },
            },
            required: ['query'],
          },
        },
        {
          name: `poll_response_${spaceId}`,
          description: `Poll an answer of the Genie space "${space.title}" that was not final yet.`,
          inputSchema: {
            type: 'object',
            properties: {
              conversation_id: { type: 'string', description: 'The conversation_id returned.' },
              message_id: { type: 'string', description: 'The message_id returned.' },
            },
            required: ['conversation_id', 'message_id'],
          },
          annotations: { readOnlyHint: true },
        },
      ];

      const answer = async (
        conversationId: string,
        messageId: string,
        signal: AbortSignal,
      ): Promise<CallToolResult> => {
        let timer: ReturnType<typeof setTimeout> | undefined;
        await Promise.race([
          genie.waitForMessage(conversationId, messageId),
          new Promise<void>((resolve) => {
            timer = setTimeout(resolve, waitMs);
            signal.addEventListener('abort', () => resolve(), { once: true });
          }),
        ]);
        clearTimeout(timer);
        const message = genie.getMessage(spaceId, conversationId, messageId);
        const status = String(message.status);
        const out: Json = { conversation_id: conversationId, message_id: messageId, status };
        if (!FINAL.has(status)) return jsonResult(out);
        const attachments = (message.attachments ?? []) as Json[];
        const text = attachments
          .map((attachment) => (attachment.text as Json | undefined)?.content)
          .filter((content): content is string => typeof content === 'string');
        if (text.length > 0) out.content = text.join('\n\n');
        const query = attachments.find((attachment) => attachment.query);
        if (query) {
          const detail = query.query as Json;
          out.query = detail.query;
          if (detail.description) out.description = detail.description;
          const result = genie.queryResult(spaceId, conversationId, messageId)
            .statement_response as Json;
          const manifest = result.manifest as Json | undefined;
          out.result = {
            columns: ((manifest?.schema as Json | undefined)?.columns as Json[] | undefined)?.map(
              (column) => ({ name: column.name, type_name: column.type_name }),
            ),
            data_array: (result.result as Json | undefined)?.data_array,
            row_count: manifest?.total_row_count,
            truncated: manifest?.truncated,
          };
        }
        const suggested = attachments.find((attachment) => attachment.suggested_questions);
        if (suggested) out.suggested_questions = (suggested.suggested_questions as Json).questions;
        if (message.error) out.error = message.error;
        return jsonResult(out);
      };

      return {
        name: `genie-${spaceId}`,
        tools: async () => tools,
        async call(call) {
          const tool = toolNamed(tools, call.name);
          requireArguments(tool, call.arguments);
          try {
            if (tool.name.startsWith('poll_response_'))
              return await answer(
                String(call.arguments.conversation_id),
                String(call.arguments.message_id),
                call.signal,
              );
            const conversationId = call.arguments.conversation_id as string | undefined;
            const started = conversationId
              ? {
                  conversation_id: conversationId,
                  ...genie.createMessage(spaceId, conversationId, {
                    content: call.arguments.query,
                  }),
                }
              : genie.startConversation(spaceId, { content: call.arguments.query });
            return await answer(
              String(started.conversation_id),
              String(started.message_id),
              call.signal,
            );
          } catch (error) {
            // The model gets Databricks' answer (rate limit, unknown conversation) and can act on it.
            if (error instanceof ApiError)
              return errorResult(
                `${error.errorCode}: ${error.message}${error.headers['retry-after'] ? ` (retry after ${error.headers['retry-after']} seconds)` : ''}`,
              );
            throw error;
          }
        },
      };
    },
  };
}
