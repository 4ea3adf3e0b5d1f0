/**
 * What the Genie store holds: spaces, conversations and messages; the settings every operation
 * reads; the lookups that answer Databricks' 404s; and how conversations and messages appear on
 * the wire and to tests.
 */
import { randomBytes } from 'node:crypto';
import { ApiError } from '../../platform/errors.js';
import type { ServiceContext } from '../../platform/service.js';
import type { ServingRegistry } from '../serving/registry.js';
import type { StatementResultJson } from './statement.js';
import type { GenieMessageView, GenieSpaceView } from './types.js';

export type Json = Record<string, unknown>;

/** Message statuses after which nothing more happens to a message. */
export const TERMINAL_STATUSES = new Set([
  'COMPLETED',
  'FAILED',
  'CANCELLED',
  'QUERY_RESULT_EXPIRED',
]);
/** The `user_id` shown on conversations and messages: one local user. */
const USER_ID = 4_815_162_342;

export interface SpaceRecord {
  view: GenieSpaceView;
  exampleSql: { question: string; sql: string }[];
  created: number;
  updated: number;
}

export interface ConversationRecord {
  id: string;
  spaceId: string;
  title: string;
  created: number;
  updated: number;
  messageIds: string[];
}

/** A question, the work on it (`done`, cancelled through `abort`) and its answer. */
export interface MessageRecord {
  id: string;
  spaceId: string;
  conversationId: string;
  content: string;
  status: string;
  statuses: string[];
  created: number;
  updated: number;
  attachments: Json[];
  error?: { error: string; type: string };
  sql?: string;
  description?: string;
  text?: string;
  results: Map<string, StatementResultJson>;
  modelCalls: number;
  done: Promise<void>;
  abort: AbortController;
}

/** The service's options with their defaults applied. */
export interface GenieSettings {
  now: () => number;
  /** The serving endpoint of spaces that name none. */
  defaultEndpoint: string;
  maxResultRows: number;
  stepDelayMs: number;
  maxRepairs: number;
  /** Whether a COMPLETED answer gets a text summary from the model. */
  summarise: boolean;
}

/** What every operation of the store reads and changes. */
export interface GenieScope {
  readonly context: ServiceContext;
  readonly settings: GenieSettings;
  readonly spaces: Map<string, SpaceRecord>;
  readonly conversations: Map<string, ConversationRecord>;
  readonly messages: Map<string, MessageRecord>;
  /** The serving service, looked up when needed: it answers NL-to-SQL and summaries. */
  serving(): ServingRegistry;
}

/** A 32-hex-digit id, the shape of Genie's space, conversation, message and attachment ids. */
export function hexId(): string {
  return randomBytes(16).toString('hex');
}

export function invalid(message: string): ApiError {
  return new ApiError(400, 'INVALID_PARAMETER_VALUE', message);
}

/** The space, or Databricks' 404 for it. */
export function spaceOf(scope: GenieScope, id: string): SpaceRecord {
  const space = scope.spaces.get(id);
  if (!space)
    throw new ApiError(
      404,
      'RESOURCE_DOES_NOT_EXIST',
      `Genie space ${id} does not exist or you do not have access to it.`,
    );
  return space;
}

/** The conversation in that space, or a 404 naming what is missing. */
export function conversationOf(
  scope: GenieScope,
  spaceId: string,
  conversationId: string,
): ConversationRecord {
  spaceOf(scope, spaceId);
  const conversation = scope.conversations.get(conversationId);
  if (!conversation || conversation.spaceId !== spaceId)
    throw new ApiError(
      404,
      'RESOURCE_DOES_NOT_EXIST',
      `Conversation ${conversationId} does not exist in Genie space ${spaceId}.`,
    );
  return conversation;
}

/** The message in that conversation of that space, or a 404 naming what is missing. */
export function messageOf(
  scope: GenieScope,
  spaceId: string,
  conversationId: string,
  messageId: string,
): MessageRecord {
  conversationOf(scope, spaceId, conversationId);
  const message = scope.messages.get(messageId);
  if (!message || message.conversationId !== conversationId)
    throw new ApiError(
      404,
      'RESOURCE_DOES_NOT_EXIST',
      `Message ${messageId} does not exist in conversation ${conversationId}.`,
    );
  return message;
}

/** A message as the Conversation API answers it. */
export function messageJson(message: MessageRecord): Json {
  const query = message.attachments.find((attachment) => attachment.query) as
    | { query: Json }
    | undefined;
  const metadata = query?.query.query_result_metadata as Json | undefined;
  return {
    message_id: message.id,
    id: message.id,
    space_id: message.spaceId,
    conversation_id: message.conversationId,
    user_id: USER_ID,
    content: message.content,
    status: message.status,
    attachments: message.attachments,
    ...(message.error ? { error: message.error } : {}),
    ...(query
      ? {
          query_result: {
            statement_id: query.query.statement_id,
            row_count: metadata?.row_count,
            is_truncated: metadata?.is_truncated,
          },
        }
      : {}),
    created_timestamp: message.created,
    last_updated_timestamp: message.updated,
  };
}

/** A conversation as the Conversation API answers it. */
export function conversationJson(conversation: ConversationRecord): Json {
  return {
    conversation_id: conversation.id,
    id: conversation.id,
    space_id: conversation.spaceId,
    title: conversation.title,
    user_id: USER_ID,
    created_timestamp: conversation.created,
    last_updated_timestamp: conversation.updated,
  };
}

/** A message as tests inspect it (`ws.genie.messages()`). */
export function messageView(message: MessageRecord): GenieMessageView {
  return {
    spaceId: message.spaceId,
    conversationId: message.conversationId,
    messageId: message.id,
    content: message.content,
    status: message.status,
    statuses: [...message.statuses],
    sql: message.sql,
    error: message.error,
    modelCalls: message.modelCalls,
    createdAt: message.created,
    updatedAt: message.updated,
  };
}
