/**
 * The background work on one question, as Genie does it: `FETCHING_METADATA` (the space's
 * tables through the SQL engine), `FILTERING_CONTEXT` (the conversation's earlier answers),
 * `ASKING_AI` (NL-to-SQL on the space's serving endpoint), `PENDING_WAREHOUSE` and
 * `EXECUTING_QUERY` (the read-only SQL on the engine, repaired by the model at most
 * `maxRepairs` times), then `COMPLETED` with query, text and suggested-question attachments, or
 * `FAILED` with `error: {error, type}`, or `CANCELLED`.
 */
import { randomUUID } from 'node:crypto';
import { checkReadOnly } from '../../engine/dialect/read_only.js';
import { SqlError } from '../../engine/sql_engine.js';
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
import {
  type GenieScope,
  hexId,
  type Json,
  type MessageRecord,
  TERMINAL_STATUSES,
} from './records.js';
import { runStatement, type StatementResultJson } from './statement.js';
import type { GenieSpaceView } from './types.js';

function quoteName(name: string): string {
  return name
    .split('.')
    .map((part) => `\`${part.replace(/`/g, '``')}\``)
    .join('.');
}

/** The columns of the space's tables; a table that cannot be read fails the message. */
async function describeTables(
  scope: GenieScope,
  space: GenieSpaceView,
  signal: AbortSignal,
): Promise<TableContext[]> {
  const tables: TableContext[] = [];
  const session = await scope.context.engine.openSession({});
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
}

/** The background work of one message; never throws (a failure becomes `FAILED`). */
export async function answerMessage(scope: GenieScope, message: MessageRecord): Promise<void> {
  const { context, settings, spaces, conversations, messages } = scope;
  const { now, stepDelayMs, maxRepairs, maxResultRows, summarise } = settings;
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
    const tables = await describeTables(scope, space, signal);
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
        scope.serving(),
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
        scope.serving(),
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
      (conversation?.messageIds ?? []).map((id) => messages.get(id)?.content.trim().toLowerCase()),
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
      if (!TERMINAL_STATUSES.has(message.status)) {
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
}
