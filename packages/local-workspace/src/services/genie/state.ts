/**
 * The Genie store: spaces, conversations and messages, and what the Conversation API does with
 * them (the HTTP side is `service.ts`). A question is accepted at once (`SUBMITTED`, subject to
 * the per-workspace rate limit of `question_rate_limit.ts`) and then worked on in the background
 * (`message_pipeline.ts`), as on Databricks; clients poll `GET message` to watch it. Spaces are
 * `spaces.ts`, query results `query_results.ts`, the records and their wire shapes `records.ts`.
 */
import { ApiError } from '../../platform/errors.js';
import type { ServiceContext } from '../../platform/service.js';
import type { ServingRegistry } from '../serving/registry.js';
import { answerMessage } from './message_pipeline.js';
import { executeQuery, queryResult } from './query_results.js';
import { createQuestionRateLimit } from './question_rate_limit.js';
import {
  type ConversationRecord,
  conversationJson,
  conversationOf,
  type GenieScope,
  type GenieSettings,
  hexId,
  invalid,
  type Json,
  type MessageRecord,
  messageJson,
  messageOf,
  messageView,
  spaceOf,
} from './records.js';
import { createSpace, parseSerializedSpace, spaceJson } from './spaces.js';
import type { GenieOptions, LocalGenie } from './types.js';

const DEFAULT_ENDPOINT = 'databricks-genie';

/** What the routes (and the MCP service) call; every method throws `ApiError` as Databricks answers. */
export interface GenieStore extends LocalGenie {
  listSpacesJson(): Json;
  createSpaceJson(body: Json): Json;
  getSpaceJson(id: string, includeSerialized: boolean): Json;
  updateSpaceJson(id: string, body: Json): Json;
  trashSpaceJson(id: string): Json;
  startConversation(spaceId: string, body: Json): Json;
  createMessage(spaceId: string, conversationId: string, body: Json): Json;
  getMessage(spaceId: string, conversationId: string, messageId: string): Json;
  listConversations(spaceId: string): Json;
  listMessages(spaceId: string, conversationId: string): Json;
  deleteConversation(spaceId: string, conversationId: string): Json;
  deleteMessage(spaceId: string, conversationId: string, messageId: string): Json;
  queryResult(
    spaceId: string,
    conversationId: string,
    messageId: string,
    attachmentId?: string,
  ): Json;
  executeQuery(
    spaceId: string,
    conversationId: string,
    messageId: string,
    attachmentId?: string,
  ): Promise<Json>;
  stop(): void;
}

export function createGenieStore(
  context: ServiceContext,
  options: GenieOptions | undefined,
): GenieStore {
  const settings: GenieSettings = {
    now: options?.now ?? Date.now,
    defaultEndpoint: options?.servingEndpoint ?? DEFAULT_ENDPOINT,
    maxResultRows: options?.maxResultRows ?? 5_000,
    stepDelayMs: options?.stepDelayMs ?? 0,
    maxRepairs: options?.maxRepairs ?? 1,
    summarise: options?.summary ?? true,
  };
  const { now } = settings;
  const scope: GenieScope = {
    context,
    settings,
    spaces: new Map(),
    conversations: new Map(),
    messages: new Map(),
    serving: () => context.service<ServingRegistry>('serving'),
  };
  const { spaces, conversations, messages } = scope;
  const rateLimit = createQuestionRateLimit(now, options?.rateLimit);
  let stopped = false;

  for (const definition of options?.spaces ?? []) createSpace(scope, definition);

  const contentOf = (body: Json): string => {
    const content = body.content;
    if (typeof content !== 'string' || content.trim() === '')
      throw invalid('content must be a non-empty string (the question).');
    return content;
  };

  const submit = (spaceId: string, conversation: ConversationRecord, content: string) => {
    const message: MessageRecord = {
      id: hexId(),
      spaceId,
      conversationId: conversation.id,
      content,
      status: 'SUBMITTED',
      statuses: ['SUBMITTED'],
      created: now(),
      updated: now(),
      attachments: [],
      results: new Map(),
      modelCalls: 0,
      done: Promise.resolve(),
      abort: new AbortController(),
    };
    messages.set(message.id, message);
    conversation.messageIds.push(message.id);
    conversation.updated = now();
    // Started after the answer is sent, like Databricks: the client sees SUBMITTED first.
    message.done = new Promise<void>((resolve) => setImmediate(resolve)).then(() =>
      answerMessage(scope, message),
    );
    return message;
  };

  const store: GenieStore = {
    createSpace: (definition) => createSpace(scope, definition),
    space: (id) => spaces.get(id)?.view,
    spaces: () => [...spaces.values()].map((record) => record.view),
    deleteSpace: (id) => spaces.delete(id),
    messages: (spaceId) =>
      [...messages.values()]
        .filter((message) => spaceId === undefined || message.spaceId === spaceId)
        .map(messageView),
    async waitForMessage(conversationId, messageId) {
      const message = messages.get(messageId);
      if (!message || message.conversationId !== conversationId)
        throw new Error(`No message ${messageId} in conversation ${conversationId}.`);
      await message.done;
      return messageView(message);
    },
    setRateLimit: (limit) => rateLimit.setLimit(limit),
    get questionCount() {
      return rateLimit.questionCount;
    },
    get rejectedQuestionCount() {
      return rateLimit.rejectedQuestionCount;
    },
    expireQueryResult(conversationId, messageId) {
      const message = messages.get(messageId);
      if (!message || message.conversationId !== conversationId)
        throw new Error(`No message ${messageId} in conversation ${conversationId}.`);
      message.results.clear();
      message.status = 'QUERY_RESULT_EXPIRED';
      message.statuses.push('QUERY_RESULT_EXPIRED');
      message.updated = now();
    },
    reset() {
      for (const message of messages.values()) message.abort.abort(new Error('reset'));
      spaces.clear();
      conversations.clear();
      messages.clear();
      rateLimit.clearWindow();
    },

    listSpacesJson: () => ({
      spaces: [...spaces.values()].map((record) => spaceJson(record, false)),
    }),
    createSpaceJson(body) {
      const definition = parseSerializedSpace(body.serialized_space);
      const title = typeof body.title === 'string' && body.title ? body.title : undefined;
      const created = createSpace(scope, {
        ...definition,
        title: title ?? `Genie space ${spaces.size + 1}`,
        description: typeof body.description === 'string' ? body.description : undefined,
        warehouseId: typeof body.warehouse_id === 'string' ? body.warehouse_id : undefined,
      });
      return spaceJson(spaceOf(scope, created.id), true);
    },
    getSpaceJson: (id, includeSerialized) => spaceJson(spaceOf(scope, id), includeSerialized),
    updateSpaceJson(id, body) {
      const record = spaceOf(scope, id);
      if (typeof body.title === 'string') record.view.title = body.title;
      if (typeof body.description === 'string') record.view.description = body.description;
      if (typeof body.warehouse_id === 'string') record.view.warehouseId = body.warehouse_id;
      if (body.serialized_space !== undefined) {
        const definition = parseSerializedSpace(body.serialized_space);
        record.view.tables = definition.tables;
        record.view.instructions = definition.instructions;
        record.view.sampleQuestions = definition.sampleQuestions ?? [];
        record.exampleSql = definition.exampleSql ?? [];
      }
      record.updated = now();
      return spaceJson(record, true);
    },
    trashSpaceJson(id) {
      spaceOf(scope, id);
      spaces.delete(id);
      return {};
    },
    startConversation(spaceId, body) {
      if (stopped) throw new ApiError(503, 'TEMPORARILY_UNAVAILABLE', 'The workspace is stopping.');
      spaceOf(scope, spaceId);
      const content = contentOf(body);
      rateLimit.admit();
      const conversation: ConversationRecord = {
        id: hexId(),
        spaceId,
        title: content.slice(0, 255),
        created: now(),
        updated: now(),
        messageIds: [],
      };
      conversations.set(conversation.id, conversation);
      const message = submit(spaceId, conversation, content);
      return {
        conversation_id: conversation.id,
        message_id: message.id,
        conversation: conversationJson(conversation),
        message: messageJson(message),
      };
    },
    createMessage(spaceId, conversationId, body) {
      if (stopped) throw new ApiError(503, 'TEMPORARILY_UNAVAILABLE', 'The workspace is stopping.');
      const conversation = conversationOf(scope, spaceId, conversationId);
      const content = contentOf(body);
      rateLimit.admit();
      return messageJson(submit(spaceId, conversation, content));
    },
    getMessage: (spaceId, conversationId, messageId) =>
      messageJson(messageOf(scope, spaceId, conversationId, messageId)),
    listConversations(spaceId) {
      spaceOf(scope, spaceId);
      return {
        conversations: [...conversations.values()]
          .filter((conversation) => conversation.spaceId === spaceId)
          .map((conversation) => ({
            conversation_id: conversation.id,
            title: conversation.title,
            created_timestamp: conversation.created,
          })),
      };
    },
    listMessages(spaceId, conversationId) {
      const conversation = conversationOf(scope, spaceId, conversationId);
      return {
        messages: conversation.messageIds
          .map((id) => messages.get(id))
          .filter((message): message is MessageRecord => message !== undefined)
          .map(messageJson),
      };
    },
    deleteConversation(spaceId, conversationId) {
      const conversation = conversationOf(scope, spaceId, conversationId);
      for (const id of conversation.messageIds) {
        messages.get(id)?.abort.abort(new Error('deleted'));
        messages.delete(id);
      }
      conversations.delete(conversationId);
      return {};
    },
    deleteMessage(spaceId, conversationId, messageId) {
      const message = messageOf(scope, spaceId, conversationId, messageId);
      message.abort.abort(new Error('deleted'));
      messages.delete(messageId);
      const conversation = conversations.get(conversationId);
      if (conversation)
        conversation.messageIds = conversation.messageIds.filter((id) => id !== messageId);
      return {};
    },
    queryResult: (spaceId, conversationId, messageId, attachmentId) =>
      queryResult(scope, spaceId, conversationId, messageId, attachmentId),
    executeQuery: (spaceId, conversationId, messageId, attachmentId) =>
      executeQuery(scope, spaceId, conversationId, messageId, attachmentId),
    stop() {
      stopped = true;
      for (const message of messages.values()) message.abort.abort(new Error('stopped'));
    },
  };
  return store;
}
