/**
 * The Genie store: spaces, conversations and messages, and the work behind each message. A
 * question is accepted at once (`SUBMITTED`, subject to the per-workspace rate limit) and then
 * worked on in the background, as on Databricks: `FETCHING_METADATA` (the space's tables through
 * the SQL engine), `FILTERING_CONTEXT`, `ASKING_AI` (NL-to-SQL on the space's serving endpoint),
 * `PENDING_WAREHOUSE`, `EXECUTING_QUERY` (the SQL on the engine, with bounded repairs), then
 * `COMPLETED` with query, text and suggested-question attachments, or `FAILED` with
 * `error: {error, type}`. Clients poll `GET message` to watch it.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { SqlError } from '../../engine/sql_engine.js';
import { ApiError } from '../../platform/errors.js';
import type { ServiceContext } from '../../platform/service.js';
import type { ServingRegistry } from '../serving/registry.js';
import { delay } from '../serving/reply.js';
import {
  callChat,
  ModelCallError,
  type PriorTurn,
  parseSqlReply,
  type SpaceContext,
  SQL_RESPONSE_FORMAT,
  sqlMessages,
  summaryMessages,
  type TableContext,
} from './nl_to_sql.js';
import { checkReadOnly } from './read_only.js';
import { runStatement, type StatementResultJson } from './statement.js';
import type {
  GenieMessageView,
  GenieOptions,
  GenieRateLimit,
  GenieSpaceDefinition,
  GenieSpaceView,
  LocalGenie,
} from './types.js';

type Json = Record<string, unknown>;

const TERMINAL = new Set(['COMPLETED', 'FAILED', 'CANCELLED', 'QUERY_RESULT_EXPIRED']);
const DEFAULT_ENDPOINT = 'databricks-genie';
const USER_ID = 4_815_162_342;

interface SpaceRecord {
  view: GenieSpaceView;
  exampleSql: { question: string; sql: string }[];
  created: number;
  updated: number;
}

interface ConversationRecord {
  id: string;
  spaceId: string;
  title: string;
  created: number;
  updated: number;
  messageIds: string[];
}

interface MessageRecord {
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

function hexId(): string {
  return randomBytes(16).toString('hex');
}

function quoteName(name: string): string {
  return name
    .split('.')
    .map((part) => `\`${part.replace(/`/g, '``')}\``)
    .join('.');
}

const TABLE_NAME = /^[^.\s]+\.[^.\s]+\.[^.\s]+$/;

function invalid(message: string): ApiError {
  return new ApiError(400, 'INVALID_PARAMETER_VALUE', message);
}

function stringList(value: unknown, field: string): string[] {
  if (value === undefined) return [];
  if (!Array.isArray(value) || value.some((item) => typeof item !== 'string'))
    throw invalid(`${field} must be a list of strings.`);
  return value as string[];
}

/** `serialized_space` (version 2, as the Genie UI exports it) → a space definition. */
function parseSerializedSpace(serialized: unknown): Omit<GenieSpaceDefinition, 'title'> {
  if (typeof serialized !== 'string') throw invalid('serialized_space must be a JSON string.');
  let parsed: Json;
  try {
    parsed = JSON.parse(serialized) as Json;
  } catch {
    throw invalid('serialized_space is not valid JSON.');
  }
  const dataSources = (parsed.data_sources ?? {}) as { tables?: { identifier?: unknown }[] };
  const tables = (dataSources.tables ?? []).map((table) => table.identifier);
  if (tables.some((table) => typeof table !== 'string'))
    throw invalid('serialized_space.data_sources.tables[].identifier must be table names.');
  const instructions = (parsed.instructions ?? {}) as {
    text_instructions?: { content?: unknown }[];
    example_question_sqls?: { question?: unknown; sql?: unknown }[];
  };
  const joined = (value: unknown) =>
    Array.isArray(value) ? value.join('') : typeof value === 'string' ? value : '';
  const config = (parsed.config ?? {}) as { sample_questions?: { question?: unknown }[] };
  return {
    tables: tables as string[],
    instructions:
      (instructions.text_instructions ?? [])
        .map((instruction) => joined(instruction.content))
        .join('\n') || undefined,
    exampleSql: (instructions.example_question_sqls ?? []).map((example) => ({
      question: joined(example.question),
      sql: joined(example.sql),
    })),
    sampleQuestions: (config.sample_questions ?? []).map((sample) => joined(sample.question)),
  };
}

function serializeSpace(record: SpaceRecord): string {
  const { view } = record;
  return JSON.stringify({
    version: 2,
    config: {
      sample_questions: view.sampleQuestions.map((question, index) => ({
        id: `${index}`.padStart(32, '0'),
        question: [question],
      })),
    },
    data_sources: { tables: view.tables.map((identifier) => ({ identifier })) },
    instructions: {
      text_instructions: view.instructions
        ? [{ id: '1'.padStart(32, '0'), content: [view.instructions] }]
        : [],
      example_question_sqls: record.exampleSql.map((example, index) => ({
        id: `${index + 1}`.padStart(32, '0'),
        question: [example.question],
        sql: [example.sql],
      })),
    },
  });
}

export function createGenieStore(
  context: ServiceContext,
  options: GenieOptions | undefined,
): GenieStore {
  const now = options?.now ?? Date.now;
  const defaultEndpoint = options?.servingEndpoint ?? DEFAULT_ENDPOINT;
  const maxResultRows = options?.maxResultRows ?? 5_000;
  const stepDelayMs = options?.stepDelayMs ?? 0;
  const maxRepairs = options?.maxRepairs ?? 1;
  const summarise = options?.summary ?? true;
  let rateLimit: Required<GenieRateLimit> | false =
    options?.rateLimit === false
      ? false
      : {
          questionsPerMinute: options?.rateLimit?.questionsPerMinute ?? 5,
          windowMs: options?.rateLimit?.windowMs ?? 60_000,
        };
  const spaces = new Map<string, SpaceRecord>();
  const conversations = new Map<string, ConversationRecord>();
  const messages = new Map<string, MessageRecord>();
  let admitted: number[] = [];
  let questionCount = 0;
  let rejectedQuestionCount = 0;
  let stopped = false;
  const serving = () => context.service<ServingRegistry>('serving');

  const createSpace = (definition: GenieSpaceDefinition): GenieSpaceView => {
    if (!definition || typeof definition.title !== 'string' || definition.title.trim() === '')
      throw invalid('A Genie space needs a title.');
    const tables = stringList(definition.tables, 'tables');
    if (tables.length === 0) throw invalid('A Genie space needs at least one table.');
    const bad = tables.find((table) => !TABLE_NAME.test(table));
    if (bad) throw invalid(`Table ${bad} is not a full name (catalog.schema.table).`);
    const id = definition.id ?? hexId();
    if (spaces.has(id))
      throw new ApiError(409, 'RESOURCE_ALREADY_EXISTS', `Genie space ${id} already exists.`);
    const view: GenieSpaceView = {
      id,
      title: definition.title,
      description: definition.description,
      tables,
      instructions: definition.instructions,
      sampleQuestions: stringList(definition.sampleQuestions, 'sampleQuestions'),
      servingEndpoint: definition.servingEndpoint ?? defaultEndpoint,
      warehouseId: definition.warehouseId ?? context.ids.warehouseId,
    };
    spaces.set(id, {
      view,
      exampleSql: definition.exampleSql ?? [],
      created: now(),
      updated: now(),
    });
    return view;
  };

  for (const definition of options?.spaces ?? []) createSpace(definition);

  const spaceOf = (id: string): SpaceRecord => {
    const space = spaces.get(id);
    if (!space)
      throw new ApiError(
        404,
        'RESOURCE_DOES_NOT_EXIST',
        `Genie space ${id} does not exist or you do not have access to it.`,
      );
    return space;
  };

  const conversationOf = (spaceId: string, conversationId: string): ConversationRecord => {
    spaceOf(spaceId);
    const conversation = conversations.get(conversationId);
    if (!conversation || conversation.spaceId !== spaceId)
      throw new ApiError(
        404,
        'RESOURCE_DOES_NOT_EXIST',
        `Conversation ${conversationId} does not exist in Genie space ${spaceId}.`,
      );
    return conversation;
  };

  const messageOf = (spaceId: string, conversationId: string, messageId: string): MessageRecord => {
    conversationOf(spaceId, conversationId);
    const message = messages.get(messageId);
    if (!message || message.conversationId !== conversationId)
      throw new ApiError(
        404,
        'RESOURCE_DOES_NOT_EXIST',
        `Message ${messageId} does not exist in conversation ${conversationId}.`,
      );
    return message;
  };

  /** The rate limit: a sliding window over the questions of the whole workspace. */
  const admitQuestion = () => {
    if (rateLimit) {
      const cutoff = now() - rateLimit.windowMs;
      admitted = admitted.filter((time) => time > cutoff);
      if (admitted.length >= rateLimit.questionsPerMinute) {
        rejectedQuestionCount += 1;
        const waitMs = (admitted[0] ?? now()) + rateLimit.windowMs - now();
        const seconds = Math.max(1, Math.ceil(waitMs / 1000));
        throw new ApiError(
          429,
          'REQUEST_LIMIT_EXCEEDED',
          `Genie accepts ${rateLimit.questionsPerMinute} questions per ${rateLimit.windowMs / 1000} seconds in this workspace; retry after ${seconds} seconds.`,
          { headers: { 'retry-after': String(seconds) } },
        );
      }
      admitted.push(now());
    }
    questionCount += 1;
  };

  const contentOf = (body: Json): string => {
    const content = body.content;
    if (typeof content !== 'string' || content.trim() === '')
      throw invalid('content must be a non-empty string (the question).');
    return content;
  };

  const messageJson = (message: MessageRecord): Json => {
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
  };

  const conversationJson = (conversation: ConversationRecord): Json => ({
    conversation_id: conversation.id,
    id: conversation.id,
    space_id: conversation.spaceId,
    title: conversation.title,
    user_id: USER_ID,
    created_timestamp: conversation.created,
    last_updated_timestamp: conversation.updated,
  });

  const spaceJson = (record: SpaceRecord, includeSerialized: boolean): Json => ({
    space_id: record.view.id,
    title: record.view.title,
    ...(record.view.description ? { description: record.view.description } : {}),
    warehouse_id: record.view.warehouseId,
    create_time: new Date(record.created).toISOString(),
    update_time: new Date(record.updated).toISOString(),
    etag: `${record.updated}`,
    ...(includeSerialized ? { serialized_space: serializeSpace(record) } : {}),
  });

  const view = (message: MessageRecord): GenieMessageView => ({
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
  });

  const describeTables = async (space: GenieSpaceView, signal: AbortSignal) => {
    const tables: TableContext[] = [];
    const session = await context.engine.openSession({});
    try {
      for (const name of space.tables) {
        try {
          const result = await session.execute(
            `SELECT * FROM ${quoteName(name)} LIMIT 0`,
            {},
            signal,
          );
          tables.push({ name, columns: result.columns });
          await result.close();
        } catch (error) {
          if (!(error instanceof SqlError)) throw error;
          throw Object.assign(
            new Error(`Table ${name} of the space cannot be read: ${error.message}`),
            { genieType: 'TABLES_MISSING_EXCEPTION' },
          );
        }
      }
    } finally {
      await session.close();
    }
    return tables;
  };

  /** The background work of one message; never throws (a failure becomes `FAILED`). */
  const work = async (message: MessageRecord) => {
    const signal = message.abort.signal;
    const step = async (status: string) => {
      if (signal.aborted) throw signal.reason;
      message.status = status;
      message.statuses.push(status);
      message.updated = now();
      if (stepDelayMs > 0) await delay(stepDelayMs, signal);
      // Let a poll observe each state even without a delay.
      else await new Promise((resolve) => setImmediate(resolve));
    };
    const fail = (error: string, type: string) => {
      message.error = { error, type };
      message.status = 'FAILED';
      message.statuses.push('FAILED');
      message.updated = now();
    };
    try {
      const record = spaces.get(message.spaceId);
      if (!record) return fail('The Genie space was deleted.', 'TABLES_MISSING_EXCEPTION');
      const space = record.view;
      await step('FETCHING_METADATA');
      const tables = await describeTables(space, signal);
      await step('FILTERING_CONTEXT');
      const conversation = conversations.get(message.conversationId);
      const history: PriorTurn[] = (conversation?.messageIds ?? [])
        .map((id) => messages.get(id))
        .filter(
          (prior): prior is MessageRecord =>
            prior !== undefined && prior.id !== message.id && prior.status === 'COMPLETED',
        )
        .map((prior) => ({
          question: prior.content,
          sql: prior.sql,
          description: prior.description,
          text: prior.text,
        }));
      const spaceContext: SpaceContext = {
        title: space.title,
        description: space.description,
        instructions: space.instructions,
        exampleSql: record.exampleSql,
        tables,
      };
      await step('ASKING_AI');
      const ask = async (failure?: { sql: string; error: string }) => {
        message.modelCalls += 1;
        const content = await callChat(
          serving(),
          space.servingEndpoint,
          sqlMessages(spaceContext, history, message.content, failure),
          { signal, responseFormat: SQL_RESPONSE_FORMAT },
        );
        return parseSqlReply(content);
      };
      let reply = await ask();
      if (!reply.sql) {
        message.text = reply.text ?? '';
        message.attachments = [
          {
            attachment_id: hexId(),
            text: { content: message.text, purpose: 'TEXT_ATTACHMENT_PURPOSE_ANSWER' },
          },
        ];
        message.status = 'COMPLETED';
        message.statuses.push('COMPLETED');
        message.updated = now();
        return;
      }
      let result: StatementResultJson | undefined;
      let lastError = '';
      for (let attempt = 0; attempt <= maxRepairs; attempt += 1) {
        const sql = reply.sql ?? '';
        const verdict = checkReadOnly(sql);
        if (!verdict.ok) {
          lastError = verdict.detail;
        } else {
          if (attempt === 0) {
            await step('PENDING_WAREHOUSE');
            await step('EXECUTING_QUERY');
          }
          try {
            result = await runStatement(context.engine, verdict.sql, {
              statementId: randomUUID(),
              maxRows: maxResultRows,
              signal,
            });
            reply = { ...reply, sql: verdict.sql };
            break;
          } catch (error) {
            if (!(error instanceof SqlError)) throw error;
            lastError = error.message;
          }
        }
        if (attempt === maxRepairs) break;
        message.status = 'ASKING_AI';
        message.statuses.push('ASKING_AI');
        reply = await ask({ sql, error: lastError });
        if (!reply.sql) break;
      }
      message.sql = reply.sql;
      message.description = reply.description;
      if (!result)
        return fail(
          `The generated SQL could not run: ${lastError || 'no SQL'}`,
          'SQL_EXECUTION_EXCEPTION',
        );
      const attachmentId = hexId();
      message.results.set(attachmentId, result);
      const rowCount = result.manifest?.total_row_count ?? 0;
      const attachments: Json[] = [
        {
          attachment_id: attachmentId,
          query: {
            query: reply.sql,
            description: reply.description ?? '',
            title: message.content.slice(0, 80),
            statement_id: result.statement_id,
            query_result_metadata: {
              row_count: rowCount,
              is_truncated: result.manifest?.truncated === true,
            },
          },
        },
      ];
      if (summarise) {
        message.modelCalls += 1;
        const columns = result.manifest?.schema.columns.map((column) => column.name) ?? [];
        const text = await callChat(
          serving(),
          space.servingEndpoint,
          summaryMessages(
            message.content,
            reply.sql ?? '',
            columns,
            result.result?.data_array ?? [],
            rowCount,
          ),
          { signal },
        );
        message.text = text.trim();
        attachments.push({
          attachment_id: hexId(),
          text: { content: message.text, purpose: 'TEXT_ATTACHMENT_PURPOSE_ANSWER' },
        });
      }
      const asked = new Set(
        (conversation?.messageIds ?? []).map((id) =>
          messages.get(id)?.content.trim().toLowerCase(),
        ),
      );
      const suggestions = space.sampleQuestions
        .filter((question) => !asked.has(question.trim().toLowerCase()))
        .slice(0, 3);
      if (suggestions.length > 0)
        attachments.push({
          attachment_id: hexId(),
          suggested_questions: { questions: suggestions },
        });
      message.attachments = attachments;
      message.status = 'COMPLETED';
      message.statuses.push('COMPLETED');
      message.updated = now();
    } catch (error) {
      if (signal.aborted) {
        if (!TERMINAL.has(message.status)) {
          message.status = 'CANCELLED';
          message.statuses.push('CANCELLED');
          message.updated = now();
        }
        return;
      }
      if (error instanceof ModelCallError) return fail(error.message, error.type);
      const type =
        (error as { genieType?: string }).genieType ?? 'UNEXPECTED_REPLY_PROCESS_EXCEPTION';
      fail((error as Error).message, type);
    }
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
    message.done = new Promise<void>((resolve) => setImmediate(resolve)).then(() => work(message));
    return message;
  };

  const resultOf = (message: MessageRecord, attachmentId?: string) => {
    const id =
      attachmentId ??
      (message.attachments.find((attachment) => attachment.query)?.attachment_id as
        | string
        | undefined);
    const result = id ? message.results.get(id) : undefined;
    if (!id || !result) {
      if (id && message.attachments.some((attachment) => attachment.attachment_id === id))
        throw invalid(`Attachment ${id} is not a query attachment.`);
      throw new ApiError(
        404,
        'RESOURCE_DOES_NOT_EXIST',
        `Message ${message.id} has no query result${id ? ` for attachment ${id}` : ''}${TERMINAL.has(message.status) ? '' : ' yet: wait until it is COMPLETED'}.`,
      );
    }
    return { id, result };
  };

  const store: GenieStore = {
    createSpace,
    space: (id) => spaces.get(id)?.view,
    spaces: () => [...spaces.values()].map((record) => record.view),
    deleteSpace: (id) => spaces.delete(id),
    messages: (spaceId) =>
      [...messages.values()]
        .filter((message) => spaceId === undefined || message.spaceId === spaceId)
        .map(view),
    async waitForMessage(conversationId, messageId) {
      const message = messages.get(messageId);
      if (!message || message.conversationId !== conversationId)
        throw new Error(`No message ${messageId} in conversation ${conversationId}.`);
      await message.done;
      return view(message);
    },
    setRateLimit(limit) {
      rateLimit =
        limit === false
          ? false
          : {
              questionsPerMinute: limit.questionsPerMinute ?? 5,
              windowMs: limit.windowMs ?? 60_000,
            };
      admitted = [];
    },
    get questionCount() {
      return questionCount;
    },
    get rejectedQuestionCount() {
      return rejectedQuestionCount;
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
      admitted = [];
    },

    listSpacesJson: () => ({
      spaces: [...spaces.values()].map((record) => spaceJson(record, false)),
    }),
    createSpaceJson(body) {
      const definition = parseSerializedSpace(body.serialized_space);
      const title = typeof body.title === 'string' && body.title ? body.title : undefined;
      const created = createSpace({
        ...definition,
        title: title ?? `Genie space ${spaces.size + 1}`,
        description: typeof body.description === 'string' ? body.description : undefined,
        warehouseId: typeof body.warehouse_id === 'string' ? body.warehouse_id : undefined,
      });
      return spaceJson(spaceOf(created.id), true);
    },
    getSpaceJson: (id, includeSerialized) => spaceJson(spaceOf(id), includeSerialized),
    updateSpaceJson(id, body) {
      const record = spaceOf(id);
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
      spaceOf(id);
      spaces.delete(id);
      return {};
    },
    startConversation(spaceId, body) {
      if (stopped) throw new ApiError(503, 'TEMPORARILY_UNAVAILABLE', 'The workspace is stopping.');
      spaceOf(spaceId);
      const content = contentOf(body);
      admitQuestion();
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
      const conversation = conversationOf(spaceId, conversationId);
      const content = contentOf(body);
      admitQuestion();
      return messageJson(submit(spaceId, conversation, content));
    },
    getMessage: (spaceId, conversationId, messageId) =>
      messageJson(messageOf(spaceId, conversationId, messageId)),
    listConversations(spaceId) {
      spaceOf(spaceId);
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
      const conversation = conversationOf(spaceId, conversationId);
      return {
        messages: conversation.messageIds
          .map((id) => messages.get(id))
          .filter((message): message is MessageRecord => message !== undefined)
          .map(messageJson),
      };
    },
    deleteConversation(spaceId, conversationId) {
      const conversation = conversationOf(spaceId, conversationId);
      for (const id of conversation.messageIds) {
        messages.get(id)?.abort.abort(new Error('deleted'));
        messages.delete(id);
      }
      conversations.delete(conversationId);
      return {};
    },
    deleteMessage(spaceId, conversationId, messageId) {
      const message = messageOf(spaceId, conversationId, messageId);
      message.abort.abort(new Error('deleted'));
      messages.delete(messageId);
      const conversation = conversations.get(conversationId);
      if (conversation)
        conversation.messageIds = conversation.messageIds.filter((id) => id !== messageId);
      return {};
    },
    queryResult(spaceId, conversationId, messageId, attachmentId) {
      const message = messageOf(spaceId, conversationId, messageId);
      if (message.status === 'QUERY_RESULT_EXPIRED')
        return {
          statement_response: {
            statement_id: '',
            status: {
              state: 'CLOSED',
              error: {
                error_code: 'QUERY_RESULT_EXPIRED',
                message: 'The query result expired: run the query again (execute-query).',
              },
            },
          },
        };
      return { statement_response: resultOf(message, attachmentId).result };
    },
    async executeQuery(spaceId, conversationId, messageId, attachmentId) {
      const message = messageOf(spaceId, conversationId, messageId);
      const id =
        attachmentId ??
        (message.attachments.find((attachment) => attachment.query)?.attachment_id as
          | string
          | undefined);
      const attachment = message.attachments.find((item) => item.attachment_id === id) as
        | { query?: Json }
        | undefined;
      const sql = attachment?.query?.query;
      if (!id || typeof sql !== 'string')
        throw new ApiError(
          404,
          'RESOURCE_DOES_NOT_EXIST',
          `Message ${messageId} has no query to run.`,
        );
      try {
        const result = await runStatement(context.engine, sql, {
          statementId: randomUUID(),
          maxRows: maxResultRows,
          signal: message.abort.signal,
        });
        message.results.set(id, result);
        if (attachment?.query) attachment.query.statement_id = result.statement_id;
        if (message.status === 'QUERY_RESULT_EXPIRED') {
          message.status = 'COMPLETED';
          message.statuses.push('COMPLETED');
          message.updated = now();
        }
        return { statement_response: result };
      } catch (error) {
        if (!(error instanceof SqlError)) throw error;
        return {
          statement_response: {
            statement_id: randomUUID(),
            status: {
              state: 'FAILED',
              error: { error_code: error.errorClass, message: error.message },
            },
          },
        };
      }
    },
    stop() {
      stopped = true;
      for (const message of messages.values()) message.abort.abort(new Error('stopped'));
    },
  };
  return store;
}
