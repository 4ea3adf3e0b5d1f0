/**
 * GenieClient offline, with fake timers and HTTP answers in Databricks' documented wire format:
 * polling backoff, a 429 with `Retry-After` waited out (not failed), the time budget, aborts, and
 * how attachments and `JSON_ARRAY` values are read.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { GenieClient, readAttachments } from './client.js';
import { GenieError, GenieMessageError, GenieTimeoutError } from './errors.js';
import type { GenieMessage } from './types.js';
import { cellValue, markdownTable, rowsOf } from './values.js';

type Handler = (request: { method: string; path: string; body?: unknown }) => {
  status?: number;
  body?: unknown;
  headers?: Record<string, string>;
};

function scriptedFetch(handler: Handler) {
  const calls: { method: string; path: string; at: number }[] = [];
  const fetch = vi.fn(async (url: string | URL | Request, init?: RequestInit) => {
    const parsed = new URL(String(url));
    const method = init?.method ?? 'GET';
    calls.push({ method, path: parsed.pathname, at: Date.now() });
    const body = typeof init?.body === 'string' ? JSON.parse(init.body) : undefined;
    const answer = handler({ method, path: parsed.pathname, body });
    return new Response(JSON.stringify(answer.body ?? {}), {
      status: answer.status ?? 200,
      headers: { 'content-type': 'application/json', ...answer.headers },
    });
  });
  return { fetch: fetch as unknown as typeof globalThis.fetch, calls };
}

const SPACE = '/api/2.0/genie/spaces/s1';
const MESSAGE = `${SPACE}/conversations/c1/messages/m1`;

function message(status: string, extra: Record<string, unknown> = {}) {
  return {
    message_id: 'm1',
    conversation_id: 'c1',
    space_id: 's1',
    content: 'Top products?',
    status,
    created_timestamp: 1_000,
    last_updated_timestamp: 3_500,
    ...extra,
  };
}

const COMPLETED = message('COMPLETED', {
  attachments: [
    { attachment_id: 'a1', query: { query: 'SELECT 1', description: 'first try' } },
    { attachment_id: 'a2', text: { content: 'dropped: between two queries' } },
    {
      attachment_id: 'a3',
      query: {
        query: 'SELECT name, revenue FROM t',
        description: 'Top products by revenue',
        statement_id: 'st1',
        query_result_metadata: { row_count: 2 },
      },
    },
    { attachment_id: 'a4', text: { content: 'Widgets lead.' } },
    { attachment_id: 'a5', suggested_questions: { questions: ['By region?'] } },
  ],
});

const RESULT = {
  statement_response: {
    statement_id: 'st1',
    status: { state: 'SUCCEEDED' },
    manifest: {
      format: 'JSON_ARRAY',
      schema: {
        column_count: 2,
        columns: [
          { name: 'name', position: 0, type_name: 'STRING', type_text: 'STRING' },
          { name: 'revenue', position: 1, type_name: 'DECIMAL', type_text: 'DECIMAL(20,2)' },
        ],
      },
      total_row_count: 2,
      truncated: false,
    },
    result: {
      data_array: [
        ['Widget', '12345678901234567.89'],
        ['Gadget', null],
      ],
    },
  },
};

const auth = { host: 'https://genie.example.com', token: 'dapi-secret-token', env: {} };

beforeEach(() => {
  vi.useFakeTimers();
});
afterEach(() => {
  vi.useRealTimers();
});

/**
 * A space that answers a new question, reports `running(poll)` for the message's first polls and
 * COMPLETED at poll `completedAt`, then serves the query result.
 */
function questionAnsweredAtPoll(completedAt: number, running: (poll: number) => unknown) {
  let polls = 0;
  return scriptedFetch(({ method, path }) => {
    if (method === 'POST' && path === `${SPACE}/start-conversation`)
      return { body: { conversation_id: 'c1', message_id: 'm1', message: message('SUBMITTED') } };
    if (path === MESSAGE) {
      polls += 1;
      return { body: polls < completedAt ? running(polls) : COMPLETED };
    }
    if (path === `${MESSAGE}/attachments/a3/query-result`) return { body: RESULT };
    return { status: 404, body: { error_code: 'ENDPOINT_NOT_FOUND', message: path } };
  });
}

/** The waits between the message polls of `calls`. */
function pollWaits(calls: Array<{ path: string; at: number }>): number[] {
  const pollTimes = calls.filter((call) => call.path === MESSAGE).map((call) => call.at);
  return pollTimes.slice(1).map((time, index) => time - (pollTimes[index] as number));
}

describe('GenieClient.ask', () => {
  it('polls with growing waits until COMPLETED, then reads the last query result', async () => {
    const { fetch, calls } = questionAnsweredAtPoll(4, (poll) =>
      message(['SUBMITTED', 'ASKING_AI', 'EXECUTING_QUERY'][poll - 1] as string),
    );
    const genie = new GenieClient({
      ...auth,
      fetch,
      pollInitialDelayMs: 1_000,
      pollBackoffAfterMs: 0,
      pollMaxDelayMs: 4_000,
    });
    const pending = genie.ask('s1', 'Top products?');
    await vi.advanceTimersByTimeAsync(60_000);
    const answer = await pending;

    expect(answer).toMatchObject({
      conversationId: 'c1',
      messageId: 'm1',
      sql: 'SELECT name, revenue FROM t',
      description: 'Top products by revenue',
      text: 'Widgets lead.',
      rows: [
        { name: 'Widget', revenue: '12345678901234567.89' },
        { name: 'Gadget', revenue: null },
      ],
      suggestedQuestions: ['By region?'],
      stats: { polls: 4, resultPolls: 1, serverElapsedMs: 2_500 },
    });
    const waits = pollWaits(calls);
    // 50-100 % of 1 s, 2 s, 4 s: growing, never immediate, capped at pollMaxDelayMs.
    expect(waits[0]).toBeGreaterThanOrEqual(500);
    expect(waits[1]).toBeGreaterThanOrEqual(1_000);
    expect(waits[2]).toBeGreaterThanOrEqual(2_000);
    expect(Math.max(...waits)).toBeLessThanOrEqual(4_000);
  });

  it('polls at a steady interval for pollBackoffAfterMs, then backs off', async () => {
    const { fetch, calls } = questionAnsweredAtPoll(10, () => message('EXECUTING_QUERY'));
    // Defaults: 500 ms for the first 10 s; here 1 s steps for 4 s, then doubling up to 8 s.
    const genie = new GenieClient({
      ...auth,
      fetch,
      pollInitialDelayMs: 1_000,
      pollBackoffAfterMs: 4_000,
      pollMaxDelayMs: 8_000,
    });
    const pending = genie.ask('s1', 'Top products?');
    await vi.advanceTimersByTimeAsync(120_000);
    expect((await pending).stats.polls).toBe(10);
    const waits = pollWaits(calls);
    // Four steady waits of 75-100 % of 1 s, then 50-100 % of 2 s, 4 s, 8 s, 8 s, 8 s.
    for (const wait of waits.slice(0, 4)) {
      expect(wait).toBeGreaterThanOrEqual(750);
      expect(wait).toBeLessThanOrEqual(1_000);
    }
    expect(waits[4]).toBeGreaterThanOrEqual(1_000);
    expect(waits[5]).toBeGreaterThanOrEqual(2_000);
    expect(waits[6]).toBeGreaterThanOrEqual(4_000);
    expect(Math.max(...waits)).toBeLessThanOrEqual(8_000);
  });

  it('waits out a 429 with Retry-After before asking again: queued, not failed', async () => {
    let posts = 0;
    const { fetch, calls } = scriptedFetch(({ method, path }) => {
      if (method === 'POST') {
        posts += 1;
        return posts === 1
          ? {
              status: 429,
              headers: { 'retry-after': '20' },
              body: { error_code: 'REQUEST_LIMIT_EXCEEDED', message: 'Too many questions.' },
            }
          : { body: { conversation_id: 'c1', message_id: 'm1' } };
      }
      if (path === MESSAGE)
        return {
          body: message('COMPLETED', {
            attachments: [{ attachment_id: 't', text: { content: 'Hi.' } }],
          }),
        };
      return { status: 404, body: {} };
    });
    const genie = new GenieClient({ ...auth, fetch });
    const pending = genie.ask('s1', 'Hello?');
    await vi.advanceTimersByTimeAsync(19_000);
    expect(calls.filter((call) => call.method === 'POST')).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(2_000);
    expect(calls.filter((call) => call.method === 'POST')).toHaveLength(2);
    await vi.advanceTimersByTimeAsync(10_000);
    await expect(pending).resolves.toMatchObject({ text: 'Hi.', sql: undefined });
  });

  it('runs out of time with GenieTimeoutError carrying the ids to resume', async () => {
    const { fetch } = scriptedFetch(({ method }) =>
      method === 'POST'
        ? { body: { conversation_id: 'c1', message_id: 'm1' } }
        : { body: message('EXECUTING_QUERY') },
    );
    const genie = new GenieClient({ ...auth, fetch, timeoutMs: 10_000 });
    const pending = genie.ask('s1', 'Slow?').catch((error: unknown) => error);
    await vi.advanceTimersByTimeAsync(11_000);
    const error = await pending;
    expect(GenieTimeoutError.isInstance(error)).toBe(true);
    expect(error).toMatchObject({
      reason: 'timeout',
      conversationId: 'c1',
      messageId: 'm1',
      retryable: true,
    });
  });

  it('stops at once when the caller aborts, with the caller reason', async () => {
    const { fetch } = scriptedFetch(({ method }) =>
      method === 'POST'
        ? { body: { conversation_id: 'c1', message_id: 'm1' } }
        : { body: message('ASKING_AI') },
    );
    const controller = new AbortController();
    const pending = new GenieClient({ ...auth, fetch })
      .ask('s1', 'Q?', { signal: controller.signal })
      .catch((error: unknown) => error);
    await vi.advanceTimersByTimeAsync(1_000);
    controller.abort(new Error('stop'));
    await vi.advanceTimersByTimeAsync(0);
    expect(await pending).toEqual(new Error('stop'));
  });

  it('turns FAILED into GenieMessageError with the error type', async () => {
    const { fetch } = scriptedFetch(({ method }) =>
      method === 'POST'
        ? { body: { conversation_id: 'c1', message_id: 'm1' } }
        : {
            body: message('FAILED', {
              error: { error: 'Warehouse stopped', type: 'WAREHOUSE_NOT_FOUND_EXCEPTION' },
            }),
          },
    );
    const pending = new GenieClient({ ...auth, fetch })
      .ask('s1', 'Q?')
      .catch((error: unknown) => error);
    await vi.advanceTimersByTimeAsync(1_000);
    const error = await pending;
    expect(GenieMessageError.isInstance(error)).toBe(true);
    expect(error).toMatchObject({
      reason: 'message_failed',
      errorCode: 'WAREHOUSE_NOT_FOUND_EXCEPTION',
    });
    expect((error as Error).message).toContain('Warehouse stopped');
  });

  it('refuses an empty question before any request, and bad options at construction', async () => {
    const { fetch, calls } = scriptedFetch(() => ({ body: {} }));
    await expect(new GenieClient({ ...auth, fetch }).ask('s1', '  ')).rejects.toSatisfy(
      (error: unknown) => GenieError.isInstance(error) && error.reason === 'bad_request',
    );
    expect(calls).toHaveLength(0);
    expect(() => new GenieClient({ ...auth, timeoutMs: -1 })).toThrow('invalid option "timeoutMs"');
    expect(() => new GenieClient({ ...auth, pollEvery: 5 } as never)).toThrow('pollEvery');
  });
});

describe('reading answers', () => {
  it('keeps the last query, drops text between queries, collects suggestions', () => {
    const parts = readAttachments((COMPLETED as GenieMessage).attachments);
    expect(parts.query?.attachment_id).toBe('a3');
    expect(parts.text).toBe('Widgets lead.');
    expect(parts.suggestedQuestions).toEqual(['By region?']);
  });

  it('types JSON_ARRAY strings without loss', () => {
    const column = (type_name: string, type_text = type_name) => ({
      name: 'x',
      type_name,
      type_text,
    });
    expect(cellValue('42', column('INT'))).toBe(42);
    expect(cellValue('9007199254740993', column('LONG', 'BIGINT'))).toBe('9007199254740993');
    expect(cellValue('12', column('LONG', 'BIGINT'))).toBe(12);
    expect(cellValue('0.1', column('DECIMAL', 'DECIMAL(10,1)'))).toBe('0.1');
    expect(cellValue('1.5', column('DOUBLE'))).toBe(1.5);
    expect(cellValue('NaN', column('DOUBLE'))).toBe('NaN');
    expect(cellValue('true', column('BOOLEAN'))).toBe(true);
    expect(cellValue('2024-02-29', column('DATE'))).toBe('2024-02-29');
    expect(cellValue('[1,2]', column('ARRAY', 'ARRAY<INT>'))).toEqual([1, 2]);
    expect(cellValue(null, column('STRING'))).toBeNull();
  });

  it('renders rows as a Markdown table and says when rows were left out', () => {
    const rows = rowsOf(RESULT.statement_response as never, 1);
    expect(rows.truncated).toBe(true);
    expect(markdownTable(rows)).toBe(
      '| name | revenue |\n| --- | --- |\n| Widget | 12345678901234567.89 |\n(1 of 2 rows shown)',
    );
  });
});
