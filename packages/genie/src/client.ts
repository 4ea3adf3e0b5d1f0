/**
 * `GenieClient`: the Genie Conversation API on @lakechain/core. `ask()` starts a conversation (or
 * continues one), polls the message with backoff until it is `COMPLETED`, `FAILED`, `CANCELLED`
 * or `QUERY_RESULT_EXPIRED` within a total time budget and an `AbortSignal`, reads the query
 * result of the last query attachment, and returns the answer text, the SQL, typed rows and the
 * suggested follow-up questions. Questions wait their turn in a per-workspace queue when Genie's
 * rate limit answers 429 (see `rate_queue.ts`).
 */
import { abortableSleep, computeBackoffMs } from '@lakechain/core';
import { z } from 'zod';
import {
  authOptionsShape,
  type GenieAuthOptions,
  GenieConnection,
  type GenieHttpClient,
  validateOptions,
} from './connection.js';
import {
  GenieError,
  GenieMessageError,
  GenieRateLimitError,
  GenieTimeoutError,
  malformedResponse,
  toGenieError,
} from './errors.js';
import { enqueueQuestion } from './rate_queue.js';
import {
  type GenieAttachment,
  type GenieMessage,
  type GenieMessageStatus,
  type GenieQueryResultResponse,
  type GenieSpace,
  type GenieStartConversationResponse,
  type StatementResponse,
  TERMINAL_MESSAGE_STATUSES,
} from './types.js';
import { type GenieColumn, type JsonValue, rowsOf } from './values.js';

export interface GenieClientOptions extends GenieAuthOptions {
  /** Total time one `ask()` may take, queueing for the rate limit included. Default 300 000 ms. */
  timeoutMs?: number;
  /**
   * Wait between polls while the question is young (75–100 % of it, jittered). Default 500 ms,
   * the interval of Python's `databricks-ai-bridge` Genie.
   */
  pollInitialDelayMs?: number;
  /**
   * How long polls keep `pollInitialDelayMs` before backing off (doubling, 50–100 % jitter, up to
   * `pollMaxDelayMs`). Default 10 000 ms: most answers come within it and are seen within one
   * interval; a question that runs longer costs few requests.
   */
  pollBackoffAfterMs?: number;
  /** Longest wait between polls. Default 5 000 ms. */
  pollMaxDelayMs?: number;
  /** Rows kept in an answer (the rest is counted in `rowCount` and flagged `truncated`). Default 100. */
  maxRows?: number;
}

export interface GenieCallOptions {
  signal?: AbortSignal;
  /** Overrides the client's `timeoutMs` for this call. */
  timeoutMs?: number;
}

export interface AskOptions extends GenieCallOptions {
  /** Continue this conversation (a follow-up question) instead of starting a new one. */
  conversationId?: string;
  /** Overrides the client's `maxRows` for this answer. */
  maxRows?: number;
}

/** What Genie answered to one question. */
export interface GenieAnswer {
  spaceId: string;
  /** Pass it back as `conversationId` to ask a follow-up in the same conversation. */
  conversationId: string;
  messageId: string;
  /** The text of the answer (Genie's summary or clarification); `''` when Genie gave none. */
  text: string;
  /** The SQL Genie ran (its last query attachment: Genie may correct itself). */
  sql?: string;
  /** What the query does, as Genie describes it. */
  description?: string;
  title?: string;
  statementId?: string;
  attachmentId?: string;
  columns: GenieColumn[];
  /** Typed rows (exact BIGINT / DECIMAL as strings), at most `maxRows`. */
  rows: Record<string, JsonValue>[];
  /** Rows of the whole result, as Genie counted them. */
  rowCount: number;
  truncated: boolean;
  suggestedQuestions: string[];
  /** The final `GenieMessage` as Databricks sent it. */
  message: GenieMessage;
  /** Where the time went: polls made, wall time, and the time Genie itself reports. */
  stats: GenieAskStats;
}

export interface GenieAskStats {
  /** `GET message` calls until the message was final. */
  polls: number;
  /** `GET query-result` calls. */
  resultPolls: number;
  /** From sending the question to having the rows, in ms. */
  elapsedMs: number;
  /** `last_updated_timestamp - created_timestamp` of the message: Genie's own work, in ms. */
  serverElapsedMs?: number;
}

const optionsSchema = z
  .object({
    ...authOptionsShape,
    timeoutMs: z.number().int().positive().optional(),
    pollInitialDelayMs: z.number().int().positive().optional(),
    pollBackoffAfterMs: z.number().int().nonnegative().optional(),
    pollMaxDelayMs: z.number().int().positive().optional(),
    maxRows: z.number().int().nonnegative().optional(),
  })
  .strict();

const DEFAULT_TIMEOUT_MS = 300_000;

/** The reason a budget's controller aborts with when its time is up. */
class BudgetExpired extends Error {
  constructor() {
    super('Genie time budget expired');
    this.name = 'BudgetExpired';
  }
}

/** One call's time budget: a signal that aborts on the caller's signal or at the deadline. */
class Budget {
  readonly signal: AbortSignal;
  readonly deadline: number;
  readonly #controller = new AbortController();
  readonly #timer: ReturnType<typeof setTimeout>;
  readonly #caller?: AbortSignal;
  readonly #onAbort = () => this.#controller.abort(this.#caller?.reason);

  constructor(timeoutMs: number, caller?: AbortSignal) {
    this.deadline = Date.now() + timeoutMs;
    this.signal = this.#controller.signal;
    this.#caller = caller;
    this.#timer = setTimeout(() => this.#controller.abort(new BudgetExpired()), timeoutMs);
    if (caller?.aborted) this.#controller.abort(caller.reason);
    else caller?.addEventListener('abort', this.#onAbort, { once: true });
  }

  get expired(): boolean {
    return this.signal.aborted && this.signal.reason instanceof BudgetExpired;
  }

  remainingMs(): number {
    return Math.max(1, this.deadline - Date.now());
  }

  dispose(): void {
    clearTimeout(this.#timer);
    this.#caller?.removeEventListener('abort', this.#onAbort);
  }
}

function encode(id: string): string {
  return encodeURIComponent(id);
}

function spacePath(spaceId: string): string {
  return `/api/2.0/genie/spaces/${encode(spaceId)}`;
}

function isTerminal(status: GenieMessageStatus | undefined): boolean {
  return status !== undefined && TERMINAL_MESSAGE_STATUSES.includes(status);
}

/** The parts of a completed message, read as Python's `Genie` reads them. */
export function readAttachments(attachments: readonly GenieAttachment[] | undefined): {
  text: string;
  query?: GenieAttachment;
  suggestedQuestions: string[];
} {
  const list = attachments ?? [];
  const queryIndexes = list.flatMap((attachment, index) => (attachment.query ? [index] : []));
  const first = queryIndexes[0];
  const last = queryIndexes.at(-1);
  const texts: string[] = [];
  const suggestedQuestions: string[] = [];
  list.forEach((attachment, index) => {
    const content = attachment.text?.content;
    if (attachment.text?.purpose === 'FOLLOW_UP_QUESTION' && content) {
      suggestedQuestions.push(content);
      return;
    }
    // Text strictly between the first and the last query belongs to a query Genie replaced.
    const superseded = first !== undefined && last !== undefined && index > first && index < last;
    if (content && !superseded) texts.push(content);
    for (const question of attachment.suggested_questions?.questions ?? [])
      suggestedQuestions.push(question);
  });
  return {
    text: texts.join('\n\n'),
    query: last === undefined ? undefined : list[last],
    suggestedQuestions,
  };
}

/**
 * A client for one workspace's Genie spaces.
 *
 * @example
 * ```ts
 * const genie = new GenieClient(); // DATABRICKS_HOST + credentials, or pass them
 * const first = await genie.ask(spaceId, 'Top 3 products by revenue last quarter?');
 * console.log(first.text, first.sql, first.rows);
 * const next = await genie.ask(spaceId, 'And by region?', { conversationId: first.conversationId });
 * ```
 */
export class GenieClient {
  readonly #connection: GenieConnection;
  readonly #timeoutMs: number;
  readonly #pollInitialDelayMs: number;
  readonly #steadyPolls: number;
  readonly #pollMaxDelayMs: number;
  readonly #maxRows: number;

  constructor(options: GenieClientOptions = {}) {
    const parsed = validateOptions('GenieClient', optionsSchema, options) as GenieClientOptions;
    this.#connection = new GenieConnection(parsed);
    this.#timeoutMs = parsed.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    this.#pollInitialDelayMs = parsed.pollInitialDelayMs ?? 500;
    this.#steadyPolls = Math.ceil((parsed.pollBackoffAfterMs ?? 10_000) / this.#pollInitialDelayMs);
    this.#pollMaxDelayMs = Math.max(
      parsed.pollMaxDelayMs ?? 5_000,
      parsed.pollInitialDelayMs ?? 500,
    );
    this.#maxRows = parsed.maxRows ?? 100;
  }

  /** The space's title and description (`GET /api/2.0/genie/spaces/{space_id}`). */
  async getSpace(spaceId: string, options: GenieCallOptions = {}): Promise<GenieSpace> {
    return this.#call({ spaceId, action: 'Reading the space' }, () =>
      this.#connection.request<GenieSpace>({
        method: 'GET',
        path: spacePath(spaceId),
        signal: options.signal,
      }),
    );
  }

  /**
   * Starts a conversation with a question. The question waits in the workspace's queue while
   * Genie answers 429; `timeoutMs` bounds the wait.
   */
  async startConversation(
    spaceId: string,
    content: string,
    options: GenieCallOptions = {},
  ): Promise<GenieStartConversationResponse> {
    const budget = new Budget(options.timeoutMs ?? this.#timeoutMs, options.signal);
    try {
      return await this.#startConversation(spaceId, content, budget);
    } catch (error) {
      throw this.#settle(error, budget, { spaceId });
    } finally {
      budget.dispose();
    }
  }

  /** Asks a follow-up question in a conversation (queued like `startConversation`). */
  async createMessage(
    spaceId: string,
    conversationId: string,
    content: string,
    options: GenieCallOptions = {},
  ): Promise<GenieMessage> {
    const budget = new Budget(options.timeoutMs ?? this.#timeoutMs, options.signal);
    try {
      return await this.#createMessage(spaceId, conversationId, content, budget);
    } catch (error) {
      throw this.#settle(error, budget, { spaceId, conversationId });
    } finally {
      budget.dispose();
    }
  }

  /** One read of a message's state and attachments. */
  async getMessage(
    spaceId: string,
    conversationId: string,
    messageId: string,
    options: GenieCallOptions = {},
  ): Promise<GenieMessage> {
    return this.#call({ spaceId, conversationId, messageId, action: 'Reading the message' }, () =>
      this.#connection.request<GenieMessage>({
        method: 'GET',
        path: `${spacePath(spaceId)}/conversations/${encode(conversationId)}/messages/${encode(messageId)}`,
        signal: options.signal,
      }),
    );
  }

  /** One read of a query attachment's result (`{statement_response}`). */
  async getQueryResult(
    spaceId: string,
    conversationId: string,
    messageId: string,
    attachmentId: string,
    options: GenieCallOptions = {},
  ): Promise<StatementResponse> {
    const response = await this.#call(
      { spaceId, conversationId, messageId, action: 'Reading the query result' },
      () =>
        this.#connection.request<GenieQueryResultResponse>({
          method: 'GET',
          path: `${this.#messagePath(spaceId, conversationId, messageId)}/attachments/${encode(attachmentId)}/query-result`,
          signal: options.signal,
        }),
    );
    if (!response?.statement_response)
      throw malformedResponse(
        { spaceId, conversationId, messageId },
        'the query result has no statement_response',
      );
    return response.statement_response;
  }

  /** Runs a query attachment's SQL again (after `QUERY_RESULT_EXPIRED`) and returns its result. */
  async executeQuery(
    spaceId: string,
    conversationId: string,
    messageId: string,
    attachmentId: string,
    options: GenieCallOptions = {},
  ): Promise<StatementResponse> {
    const response = await this.#call(
      { spaceId, conversationId, messageId, action: 'Running the query again' },
      () =>
        this.#connection.request<GenieQueryResultResponse>({
          method: 'POST',
          path: `${this.#messagePath(spaceId, conversationId, messageId)}/attachments/${encode(attachmentId)}/execute-query`,
          signal: options.signal,
        }),
    );
    if (!response?.statement_response)
      throw malformedResponse(
        { spaceId, conversationId, messageId },
        'execute-query returned no statement_response',
      );
    return response.statement_response;
  }

  /**
   * Polls a message with backoff until it is final, and returns it (whatever the final state).
   * Throws `GenieTimeoutError` when `timeoutMs` runs out first; calling again resumes.
   */
  async waitForMessage(
    spaceId: string,
    conversationId: string,
    messageId: string,
    options: GenieCallOptions = {},
  ): Promise<GenieMessage> {
    const budget = new Budget(options.timeoutMs ?? this.#timeoutMs, options.signal);
    try {
      return (await this.#poll(spaceId, conversationId, messageId, budget)).message;
    } catch (error) {
      throw this.#settle(error, budget, { spaceId, conversationId, messageId });
    } finally {
      budget.dispose();
    }
  }

  /**
   * Asks a question (a new conversation, or a follow-up with `conversationId`) and waits for the
   * answer, its SQL and its rows. A `FAILED`, `CANCELLED` or expired message throws
   * `GenieMessageError`; running out of `timeoutMs` throws `GenieTimeoutError` (with the ids to
   * resume); the caller's `signal` aborts with its reason.
   */
  async ask(spaceId: string, question: string, options: AskOptions = {}): Promise<GenieAnswer> {
    if (typeof question !== 'string' || question.trim() === '')
      throw new GenieError('Genie needs a non-empty question.', {
        reason: 'bad_request',
        spaceId,
        conversationId: options.conversationId,
      });
    const budget = new Budget(options.timeoutMs ?? this.#timeoutMs, options.signal);
    const started = Date.now();
    let conversationId = options.conversationId;
    let messageId: string | undefined;
    try {
      if (conversationId) {
        const message = await this.#createMessage(spaceId, conversationId, question, budget);
        messageId = message.message_id ?? message.id;
      } else {
        const response = await this.#startConversation(spaceId, question, budget);
        conversationId = response.conversation_id;
        messageId = response.message_id;
      }
      if (!conversationId || !messageId)
        throw malformedResponse({ spaceId, conversationId }, 'no conversation_id or message_id');
      const { message, polls } = await this.#poll(spaceId, conversationId, messageId, budget);
      if (message.status !== 'COMPLETED') throw messageError(message, question);
      const parts = readAttachments(message.attachments);
      const query = parts.query?.query;
      let statement: StatementResponse | undefined;
      let resultPolls = 0;
      if (parts.query?.attachment_id) {
        const read = await this.#pollResult(
          spaceId,
          conversationId,
          messageId,
          parts.query.attachment_id,
          budget,
        );
        statement = read.statement;
        resultPolls = read.polls;
      }
      const rows = rowsOf(statement, options.maxRows ?? this.#maxRows);
      return {
        spaceId,
        conversationId,
        messageId,
        text: parts.text,
        sql: query?.query,
        description: query?.description,
        title: query?.title,
        statementId: query?.statement_id ?? statement?.statement_id,
        attachmentId: parts.query?.attachment_id,
        columns: rows.columns,
        rows: rows.rows,
        rowCount:
          statement === undefined ? (query?.query_result_metadata?.row_count ?? 0) : rows.rowCount,
        truncated: rows.truncated || query?.query_result_metadata?.is_truncated === true,
        suggestedQuestions: parts.suggestedQuestions,
        message,
        stats: {
          polls,
          resultPolls,
          elapsedMs: Date.now() - started,
          serverElapsedMs:
            message.created_timestamp !== undefined && message.last_updated_timestamp !== undefined
              ? message.last_updated_timestamp - message.created_timestamp
              : undefined,
        },
      };
    } catch (error) {
      throw this.#settle(error, budget, { spaceId, conversationId, messageId });
    } finally {
      budget.dispose();
    }
  }

  /** Releases the HTTP client this object created (not one passed in). */
  async close(): Promise<void> {
    await this.#connection.close();
  }

  /** The underlying HTTP client (resolved lazily), e.g. to share it with other packages. */
  httpClient(): Promise<GenieHttpClient> {
    return this.#connection.client();
  }

  toJSON(): Record<string, unknown> {
    return { timeoutMs: this.#timeoutMs, maxRows: this.#maxRows };
  }

  #messagePath(spaceId: string, conversationId: string, messageId: string): string {
    return `${spacePath(spaceId)}/conversations/${encode(conversationId)}/messages/${encode(messageId)}`;
  }

  async #call<T>(
    context: { spaceId: string; conversationId?: string; messageId?: string; action: string },
    send: () => Promise<T>,
  ): Promise<T> {
    try {
      return await send();
    } catch (error) {
      throw toGenieError(error, context);
    }
  }

  async #queueKey(): Promise<string> {
    const client = await this.#connection.client();
    return client.host ?? 'default';
  }

  /**
   * Sends a question through the workspace's queue. Core's transport retries it as any request
   * (429 and 503 with `Retry-After`, refused connections), within the call's budget; a 429 that
   * outlasts those retries is waited out here, for as long as `Retry-After` says and the budget
   * allows: the question keeps its place instead of failing.
   */
  async #submitQuestion<T>(budget: Budget, send: () => Promise<T>): Promise<T> {
    const key = await this.#queueKey();
    return enqueueQuestion(key, async () => {
      for (;;) {
        budget.signal.throwIfAborted();
        try {
          return await send();
        } catch (error) {
          if (!GenieRateLimitError.isInstance(error)) throw error;
          const wait = error.retryAfterMs ?? this.#pollMaxDelayMs;
          if (Date.now() + wait >= budget.deadline) throw error;
          await abortableSleep(wait, budget.signal);
        }
      }
    });
  }

  async #startConversation(
    spaceId: string,
    content: string,
    budget: Budget,
  ): Promise<GenieStartConversationResponse> {
    const response = await this.#submitQuestion(budget, () =>
      this.#call({ spaceId, action: 'Starting a conversation' }, () =>
        this.#connection.request<GenieStartConversationResponse>({
          method: 'POST',
          path: `${spacePath(spaceId)}/start-conversation`,
          body: { content },
          signal: budget.signal,
          retry: { totalTimeoutMs: budget.remainingMs() },
        }),
      ),
    );
    if (!response?.conversation_id || !response.message_id)
      throw malformedResponse(
        { spaceId },
        'start-conversation returned no conversation_id or message_id',
      );
    return response;
  }

  async #createMessage(
    spaceId: string,
    conversationId: string,
    content: string,
    budget: Budget,
  ): Promise<GenieMessage> {
    const message = await this.#submitQuestion(budget, () =>
      this.#call({ spaceId, conversationId, action: 'Asking a follow-up question' }, () =>
        this.#connection.request<GenieMessage>({
          method: 'POST',
          path: `${spacePath(spaceId)}/conversations/${encode(conversationId)}/messages`,
          body: { content },
          signal: budget.signal,
          retry: { totalTimeoutMs: budget.remainingMs() },
        }),
      ),
    );
    if (!message?.message_id && !message?.id)
      throw malformedResponse({ spaceId, conversationId }, 'the new message has no message_id');
    return { ...message, message_id: message.message_id ?? (message.id as string) };
  }

  #pollDelay(attempt: number): number {
    // A steady interval first: an answer is seen within one interval of being ready, as with
    // Python's fixed 0.5 s polls (a doubling backoff from the start added up to the last wait,
    // ~0.6 s, to an answer of ~1 s). Then core's backoff, so a long question costs few requests.
    // The jitter keeps clients that asked together from polling in lockstep.
    if (attempt < this.#steadyPolls)
      return Math.floor(this.#pollInitialDelayMs * (0.75 + Math.random() / 4));
    return computeBackoffMs(
      attempt - this.#steadyPolls + 1,
      { initialDelayMs: this.#pollInitialDelayMs, maxDelayMs: this.#pollMaxDelayMs },
      () => 0.5 + Math.random() / 2,
    );
  }

  async #poll(
    spaceId: string,
    conversationId: string,
    messageId: string,
    budget: Budget,
  ): Promise<{ message: GenieMessage; polls: number }> {
    for (let attempt = 0; ; attempt += 1) {
      const message = await this.getMessage(spaceId, conversationId, messageId, {
        signal: budget.signal,
      });
      if (isTerminal(message.status)) return { message, polls: attempt + 1 };
      if (message.status === undefined)
        throw malformedResponse(
          { spaceId, conversationId, messageId },
          'the message has no status',
        );
      await abortableSleep(this.#pollDelay(attempt), budget.signal);
    }
  }

  async #pollResult(
    spaceId: string,
    conversationId: string,
    messageId: string,
    attachmentId: string,
    budget: Budget,
  ): Promise<{ statement: StatementResponse; polls: number }> {
    for (let attempt = 0; ; attempt += 1) {
      const statement = await this.getQueryResult(
        spaceId,
        conversationId,
        messageId,
        attachmentId,
        {
          signal: budget.signal,
        },
      );
      const state = statement.status?.state;
      if (state === 'SUCCEEDED' || state === undefined) return { statement, polls: attempt + 1 };
      if (state === 'FAILED' || state === 'CANCELED' || state === 'CLOSED') {
        const error = statement.status?.error;
        throw new GenieMessageError(
          `The SQL of Genie's answer ${state === 'FAILED' ? 'failed' : `is ${state}`} (space ${spaceId}, conversation ${conversationId}): ${error?.message ?? 'no detail'}. ${state === 'CLOSED' ? 'Run it again with executeQuery().' : 'Ask again, or rephrase the question.'}`,
          {
            reason: state === 'CLOSED' ? 'query_result_expired' : 'message_failed',
            spaceId,
            conversationId,
            messageId,
            errorCode: error?.error_code,
          },
        );
      }
      await abortableSleep(this.#pollDelay(attempt), budget.signal);
    }
  }

  /** Turns the budget's own abort into `GenieTimeoutError`; everything else passes through. */
  #settle(
    error: unknown,
    budget: Budget,
    context: { spaceId: string; conversationId?: string; messageId?: string },
  ): unknown {
    // Once the deadline passed, whatever was interrupted (a request, a poll's sleep, a wait for
    // the rate limit) is reported as the timeout it is.
    if (budget.expired && !GenieMessageError.isInstance(error)) {
      const waiting = context.messageId
        ? `Message ${context.messageId} of conversation ${context.conversationId} was still running: waitForMessage() with these ids resumes.`
        : 'The question was not accepted in time (Genie answers few questions per minute per workspace).';
      return new GenieTimeoutError(
        `Genie space ${context.spaceId} did not answer within the time budget. ${waiting} Raise \`timeoutMs\` for slow questions.`,
        { reason: 'timeout', ...context, retryable: true, cause: error },
      );
    }
    return error;
  }
}

function messageError(message: GenieMessage, question: string): GenieMessageError {
  const status = message.status;
  const reason =
    status === 'CANCELLED'
      ? 'message_cancelled'
      : status === 'QUERY_RESULT_EXPIRED'
        ? 'query_result_expired'
        : 'message_failed';
  const detail =
    status === 'FAILED'
      ? `Genie could not answer ${JSON.stringify(question.slice(0, 200))}: ${message.error?.error ?? 'no detail'}${message.error?.type ? ` (${message.error.type})` : ''}.`
      : status === 'CANCELLED'
        ? 'The Genie message was cancelled.'
        : 'The result of the Genie query expired: run it again with executeQuery().';
  return new GenieMessageError(detail, {
    reason,
    spaceId: message.space_id,
    conversationId: message.conversation_id,
    messageId: message.message_id,
    errorCode: message.error?.type,
    retryable: message.error?.type?.startsWith('RATE_LIMIT') === true,
  });
}
