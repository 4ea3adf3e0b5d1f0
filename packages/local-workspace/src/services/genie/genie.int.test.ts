/**
 * The local Genie over HTTPS in Databricks' REST shapes: spaces by options and by API
 * (`serialized_space`), the states a message goes through, attachments and query results
 * (`JSON_ARRAY`), follow-ups that see the conversation, the deprecated paths, the rate limit
 * (429 with Retry-After), Databricks' error bodies, and a missing serving endpoint.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type LocalWorkspace, startLocalWorkspace } from '../../workspace.js';
import { call } from '../mlflow/testing_http.js';
import { scriptedGenieChat } from './nl_to_sql.js';

let ws: LocalWorkspace;
const histories: number[] = [];

function api(method: string, path: string, body?: unknown) {
  return call(ws, `/api/2.0/genie/spaces${path}`, {
    method,
    headers: { authorization: `Bearer ${ws.token}`, 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
}

async function ask(space: string, content: string, conversation?: string) {
  const started = conversation
    ? await api('POST', `/${space}/conversations/${conversation}/messages`, { content })
    : await api('POST', `/${space}/start-conversation`, { content });
  expect(started.status).toBe(200);
  const conversationId = conversation ?? started.json.conversation_id;
  const messageId = started.json.message_id;
  const view = await ws.genie.waitForMessage(conversationId, messageId);
  return { started: started.json, view, conversationId, messageId };
}

beforeAll(async () => {
  ws = await startLocalWorkspace({
    catalog: { samples: false },
    serving: {
      endpoints: [
        {
          name: 'databricks-genie',
          task: 'llm/v1/chat',
          handler: scriptedGenieChat({
            sql: (question, context) => {
              histories.push(context.history.length);
              if (/weather/i.test(question)) return { text: 'I can only answer about orders.' };
              if (/write/i.test(question)) return 'DELETE FROM main.shop.orders';
              return context.history.length
                ? 'SELECT region, COUNT(*) AS n FROM main.shop.orders GROUP BY region ORDER BY region'
                : {
                    sql: 'SELECT COUNT(*) AS n FROM main.shop.orders',
                    description: 'Counts orders.',
                  };
            },
          }),
        },
      ],
    },
    genie: {
      rateLimit: false,
      spaces: [
        {
          id: 'orders',
          title: 'Orders',
          description: 'Shop orders',
          tables: ['main.shop.orders'],
          sampleQuestions: ['How many orders?', 'Orders by region?'],
        },
        {
          id: 'no-model',
          title: 'No model',
          tables: ['main.shop.orders'],
          servingEndpoint: 'missing',
        },
      ],
    },
  });
  const session = await ws.engine.openSession({});
  for (const statement of [
    'CREATE SCHEMA main.shop',
    "CREATE TABLE main.shop.orders (id BIGINT, region STRING) COMMENT 'orders'",
    "INSERT INTO main.shop.orders VALUES (1, 'EU'), (2, 'US'), (3, 'EU')",
  ])
    await (await session.execute(statement, {}, new AbortController().signal)).close();
  await session.close();
}, 120_000);

afterAll(async () => {
  await ws?.stop();
});

describe('Genie Conversation API', () => {
  it('answers through the states, with query, text and suggestion attachments and a JSON_ARRAY result', async () => {
    const { started, view, conversationId, messageId } = await ask('orders', 'How many orders?');
    expect(started).toMatchObject({
      conversation: { space_id: 'orders', title: 'How many orders?' },
      message: { status: 'SUBMITTED', content: 'How many orders?', attachments: [] },
    });
    expect(view.statuses).toEqual([
      'SUBMITTED',
      'FETCHING_METADATA',
      'FILTERING_CONTEXT',
      'ASKING_AI',
      'PENDING_WAREHOUSE',
      'EXECUTING_QUERY',
      'COMPLETED',
    ]);
    const message = (
      await api('GET', `/orders/conversations/${conversationId}/messages/${messageId}`)
    ).json;
    expect(message.status).toBe('COMPLETED');
    const [query, text, suggestions] = message.attachments;
    expect(query.query).toMatchObject({
      query: 'SELECT COUNT(*) AS n FROM main.shop.orders',
      description: 'Counts orders.',
      query_result_metadata: { row_count: 1, is_truncated: false },
    });
    expect(text.text.content).toBe('1 row(s): {"n":"3"}');
    // The question asked is not suggested again.
    expect(suggestions.suggested_questions.questions).toEqual(['Orders by region?']);
    const result = await api(
      'GET',
      `/orders/conversations/${conversationId}/messages/${messageId}/attachments/${query.attachment_id}/query-result`,
    );
    expect(result.json.statement_response).toMatchObject({
      status: { state: 'SUCCEEDED' },
      manifest: {
        format: 'JSON_ARRAY',
        schema: { columns: [{ name: 'n', type_name: 'LONG', type_text: 'BIGINT' }] },
      },
      result: { data_array: [['3']] },
    });
    const deprecated = await api(
      'GET',
      `/orders/conversations/${conversationId}/messages/${messageId}/query-result`,
    );
    expect(deprecated.json).toEqual(result.json);
  });

  it('gives the model the conversation so far for a follow-up, and lists conversations and messages', async () => {
    const first = await ask('orders', 'How many orders?');
    const second = await ask('orders', 'And by region?', first.conversationId);
    expect(histories.slice(-2)).toEqual([0, 1]);
    expect(second.view.sql).toContain('GROUP BY region');
    const messages = await api('GET', `/orders/conversations/${first.conversationId}/messages`);
    expect(messages.json.messages.map((message: { content: string }) => message.content)).toEqual([
      'How many orders?',
      'And by region?',
    ]);
    const conversations = await api('GET', '/orders/conversations');
    expect(
      conversations.json.conversations.map((c: { conversation_id: string }) => c.conversation_id),
    ).toContain(first.conversationId);
    expect((await api('DELETE', `/orders/conversations/${first.conversationId}`)).status).toBe(200);
    expect(
      (await api('GET', `/orders/conversations/${first.conversationId}/messages`)).status,
    ).toBe(404);
  });

  it('answers with text only, and refuses SQL that writes', async () => {
    const text = await ask('orders', "What's the weather?");
    expect(text.view).toMatchObject({ status: 'COMPLETED', sql: undefined });
    const written = await ask('orders', 'Please write something');
    expect(written.view).toMatchObject({
      status: 'FAILED',
      error: { type: 'SQL_EXECUTION_EXCEPTION', error: expect.stringContaining('read-only') },
    });
  });

  it('fails a message whose serving endpoint does not exist, saying what to add', async () => {
    const { view } = await ask('no-model', 'Anything?');
    expect(view.error).toMatchObject({ type: 'DEPLOYMENT_NOT_FOUND_EXCEPTION' });
    expect(view.error?.error).toContain('missing');
  });

  it('creates a space from serialized_space and returns it', async () => {
    const serialized = JSON.stringify({
      version: 2,
      config: { sample_questions: [{ id: '1', question: ['Orders?'] }] },
      data_sources: { tables: [{ identifier: 'main.shop.orders' }] },
      instructions: { text_instructions: [{ id: '2', content: ['EU means Europe.'] }] },
    });
    const created = await api('POST', '', {
      title: 'By API',
      warehouse_id: ws.warehouseId,
      serialized_space: serialized,
    });
    expect(created.status).toBe(200);
    expect(created.json).toMatchObject({ title: 'By API', warehouse_id: ws.warehouseId });
    const id = created.json.space_id;
    expect(ws.genie.space(id)).toMatchObject({
      tables: ['main.shop.orders'],
      instructions: 'EU means Europe.',
      sampleQuestions: ['Orders?'],
    });
    const got = await call(ws, `/api/2.0/genie/spaces/${id}?include_serialized_space=true`, {
      headers: { authorization: `Bearer ${ws.token}` },
    });
    expect(JSON.parse(got.json.serialized_space).data_sources.tables).toEqual([
      { identifier: 'main.shop.orders' },
    ]);
    const bad = await api('POST', '', {
      title: 'Bad',
      serialized_space: '{"data_sources":{"tables":[{"identifier":"orders"}]}}',
    });
    expect(bad.status).toBe(400);
    expect(bad.json).toEqual({
      error_code: 'INVALID_PARAMETER_VALUE',
      message: expect.stringContaining('catalog.schema.table'),
    });
  });

  it("answers Databricks' errors: unknown space, conversation and message, empty question", async () => {
    expect((await api('POST', '/nope/start-conversation', { content: 'x' })).json).toEqual({
      error_code: 'RESOURCE_DOES_NOT_EXIST',
      message: 'Genie space nope does not exist or you do not have access to it.',
    });
    expect((await api('GET', '/orders/conversations/c0/messages/m0')).status).toBe(404);
    expect(
      (await api('POST', '/orders/start-conversation', { content: ' ' })).json.error_code,
    ).toBe('INVALID_PARAMETER_VALUE');
  });

  it('limits questions per workspace with 429 and Retry-After, and counts them', async () => {
    ws.genie.setRateLimit({ questionsPerMinute: 2 });
    try {
      const before = ws.genie.rejectedQuestionCount;
      expect((await api('POST', '/orders/start-conversation', { content: 'One?' })).status).toBe(
        200,
      );
      expect((await api('POST', '/orders/start-conversation', { content: 'Two?' })).status).toBe(
        200,
      );
      const refused = await api('POST', '/orders/start-conversation', { content: 'Three?' });
      expect(refused.status).toBe(429);
      expect(refused.json.error_code).toBe('REQUEST_LIMIT_EXCEEDED');
      expect(Number(refused.headers['retry-after'])).toBeGreaterThanOrEqual(59);
      expect(ws.genie.rejectedQuestionCount).toBe(before + 1);
    } finally {
      ws.genie.setRateLimit(false);
    }
  });
});
