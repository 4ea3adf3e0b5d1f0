/**
 * Query results of answered questions: `query-result` (the result stored when the answer
 * completed, in Statement Execution's `JSON_ARRAY` shape) and `execute-query` (the attachment's
 * SQL run again on the engine, which also revives an expired result).
 */
import { randomUUID } from 'node:crypto';
import { SqlError } from '../../engine/sql_engine.js';
import { ApiError } from '../../platform/errors.js';
import {
  type GenieScope,
  invalid,
  type Json,
  type MessageRecord,
  messageOf,
  TERMINAL_STATUSES,
} from './records.js';
import { runStatement } from './statement.js';

/** The stored result of a query attachment (the message's first when none is named). */
function resultOf(message: MessageRecord, attachmentId?: string) {
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
      `Message ${message.id} has no query result${id ? ` for attachment ${id}` : ''}${TERMINAL_STATUSES.has(message.status) ? '' : ' yet: wait until it is COMPLETED'}.`,
    );
  }
  return { id, result };
}

/** `query-result`: the stored result, or the CLOSED answer of an expired one. */
export function queryResult(
  scope: GenieScope,
  spaceId: string,
  conversationId: string,
  messageId: string,
  attachmentId?: string,
): Json {
  const message = messageOf(scope, spaceId, conversationId, messageId);
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
}

/** `execute-query`: runs the attachment's SQL again and keeps the new result. */
export async function executeQuery(
  scope: GenieScope,
  spaceId: string,
  conversationId: string,
  messageId: string,
  attachmentId?: string,
): Promise<Json> {
  const message = messageOf(scope, spaceId, conversationId, messageId);
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
    throw new ApiError(404, 'RESOURCE_DOES_NOT_EXIST', `Message ${messageId} has no query to run.`);
  try {
    const result = await runStatement(scope.context.engine, sql, {
      statementId: randomUUID(),
      maxRows: scope.settings.maxResultRows,
      signal: message.abort.signal,
    });
    message.results.set(id, result);
    if (attachment?.query) attachment.query.statement_id = result.statement_id;
    if (message.status === 'QUERY_RESULT_EXPIRED') {
      message.status = 'COMPLETED';
      message.statuses.push('COMPLETED');
      message.updated = scope.settings.now();
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
}
