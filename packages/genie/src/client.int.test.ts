/**
 * The package against @lakechain/local-workspace's Genie over HTTPS: questions and follow-ups in
 * one conversation, typed rows, suggested questions, the rate limit queued rather than failed,
 * failed and clarifying answers, timeouts that resume, aborts, an unknown space, a workspace that
 * is down, and `GenieAgent` as a Runnable and as a tool.
 */
import { inspect } from 'node:util';
import {
  type LocalWorkspace,
  scriptedGenieChat,
  startLocalWorkspace,
} from '@lakechain/local-workspace';
import { HumanMessage } from '@langchain/core/messages';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { GenieAgent } from './agent.js';
import { GenieClient } from './client.js';
import {
  GenieError,
  GenieMessageError,
  GenieRateLimitError,
  GenieSpaceNotFoundError,
  GenieTimeoutError,
} from './errors.js';

let ws: LocalWorkspace;
let auth: { host: string; token: string; caCert: string; env: Record<string, string> };
/** Each question's SQL, decided by the test that asks it. */
let answerWith: Parameters<typeof scriptedGenieChat>[0]['sql'];

const poll = { pollInitialDelayMs: 10, pollMaxDelayMs: 50 };

beforeAll(async () => {
  ws = await startLocalWorkspace({
    catalog: { samples: false },
    serving: {
      endpoints: [
        {
          name: 'databricks-genie',
          task: 'llm/v1/chat',
          handler: scriptedGenieChat({
            sql: (question, context) => answerWith(question, context),
            summary: (_question, result) =>
              `There are ${result.rows.length} row(s); the first total is ${String(result.rows[0]?.total)}.`,
          }),
        },
      ],
    },
    genie: {
      rateLimit: false,
      spaces: [
        {
          id: 'sales',
          title: 'Sales',
          description: 'Orders of the shop, by region.',
          tables: ['main.shop.orders'],
          sampleQuestions: ['Total by region?', 'Largest order?'],
        },
      ],
    },
  });
  const session = await ws.engine.openSession({});
  for (const statement of [
    'CREATE SCHEMA main.shop',
    'CREATE TABLE main.shop.orders (id BIGINT, region STRING, amount DECIMAL(12,2), placed DATE)',
    `INSERT INTO main.shop.orders VALUES
      (9007199254740993, 'EU', 10.10, DATE'2024-01-02'),
      (2, 'US', 20.20, DATE'2024-02-03'),
      (3, 'EU', 30.30, DATE'2024-03-04')`,
  ])
    await (await session.execute(statement, {}, new AbortController().signal)).close();
  await session.close();
  auth = { host: ws.host, token: ws.token, caCert: ws.caCert, env: {} };
}, 120_000);

afterAll(async () => {
  await ws?.stop();
});

beforeEach(() => {
  ws.genie.setRateLimit(false);
  answerWith = (_question, context) =>
    context.history.length === 0
      ? { sql: 'SELECT SUM(amount) AS total FROM main.shop.orders', description: 'Sums amounts.' }
      : 'SELECT region, SUM(amount) AS total FROM main.shop.orders GROUP BY region ORDER BY region';
});

describe('GenieClient', () => {
  it('answers with text, SQL, exact typed rows and suggestions, then keeps the conversation for a follow-up', async () => {
    const genie = new GenieClient({ ...auth, ...poll });
    const first = await genie.ask('sales', 'What is the total amount?');
    expect(first.sql).toBe('SELECT SUM(amount) AS total FROM main.shop.orders');
    expect(first.description).toBe('Sums amounts.');
    expect(first.columns).toEqual([
      { name: 'total', typeName: 'DECIMAL', typeText: expect.stringMatching(/^DECIMAL\(\d+,2\)$/) },
    ]);
    expect(first.rows).toEqual([{ total: '60.60' }]);
    expect(first.text).toBe('There are 1 row(s); the first total is 60.60.');
    expect(first.suggestedQuestions).toEqual(['Total by region?', 'Largest order?']);
    expect(first.stats.polls).toBeGreaterThanOrEqual(1);
    expect(first.message.status).toBe('COMPLETED');

    const next = await genie.ask('sales', 'And by region?', {
      conversationId: first.conversationId,
    });
    expect(next.conversationId).toBe(first.conversationId);
    expect(next.messageId).not.toBe(first.messageId);
    expect(next.rows).toEqual([
      { region: 'EU', total: '40.40' },
      { region: 'US', total: '20.20' },
    ]);
    // The model saw the first turn: that is what made it group by region.
    expect(
      ws.genie.messages('sales').filter((m) => m.conversationId === first.conversationId),
    ).toHaveLength(2);
    await genie.close();
  });

  it('keeps BIGINT beyond 2^53 exact and bounds the rows it returns', async () => {
    answerWith = () => 'SELECT id, placed FROM main.shop.orders ORDER BY id DESC';
    const genie = new GenieClient({ ...auth, ...poll, maxRows: 2 });
    const answer = await genie.ask('sales', 'Orders?');
    expect(answer.rows).toEqual([
      { id: '9007199254740993', placed: '2024-01-02' },
      { id: 3, placed: '2024-03-04' },
    ]);
    expect(answer.rowCount).toBe(3);
    expect(answer.truncated).toBe(true);
  });

  it('answers a question it cannot turn into SQL with text only', async () => {
    answerWith = () => ({ text: 'Which year do you mean?' });
    const answer = await new GenieClient({ ...auth, ...poll }).ask('sales', 'Sales then?');
    expect(answer).toMatchObject({
      text: 'Which year do you mean?',
      sql: undefined,
      rows: [],
      rowCount: 0,
    });
  });

  it('repairs SQL that failed once, and fails with the SQL error when it fails again', async () => {
    answerWith = (_question, context) =>
      context.failure
        ? 'SELECT COUNT(*) AS total FROM main.shop.orders'
        : 'SELECT nope FROM main.shop.orders';
    const repaired = await new GenieClient({ ...auth, ...poll }).ask('sales', 'How many orders?');
    expect(repaired.rows).toEqual([{ total: 3 }]);
    expect(ws.genie.messages('sales').at(-1)?.modelCalls).toBe(3);

    answerWith = () => 'SELECT nope FROM main.shop.orders';
    const error = await new GenieClient({ ...auth, ...poll })
      .ask('sales', 'Broken?')
      .catch((caught: unknown) => caught);
    expect(GenieMessageError.isInstance(error)).toBe(true);
    expect(error).toMatchObject({
      reason: 'message_failed',
      errorCode: 'SQL_EXECUTION_EXCEPTION',
      spaceId: 'sales',
    });
    expect((error as Error).message).toContain('UNRESOLVED_COLUMN');
    expect((error as GenieError).conversationId).toMatch(/^[0-9a-f]{32}$/);
  });

  it('names an unknown space', async () => {
    const error = await new GenieClient({ ...auth, ...poll })
      .ask('no-such-space', 'Hello?')
      .catch((caught: unknown) => caught);
    expect(GenieSpaceNotFoundError.isInstance(error)).toBe(true);
    expect(error).toMatchObject({
      reason: 'space_not_found',
      statusCode: 404,
      errorCode: 'RESOURCE_DOES_NOT_EXIST',
    });
    expect((error as Error).message).toContain('CAN RUN');
  });

  it('queues questions through a 429 storm instead of failing them', async () => {
    ws.genie.setRateLimit({ questionsPerMinute: 2, windowMs: 1_000 });
    const rejectedBefore = ws.genie.rejectedQuestionCount;
    const genie = new GenieClient({ ...auth, ...poll });
    const answers = await Promise.all(
      ['one', 'two', 'three', 'four', 'five'].map((question) =>
        genie.ask('sales', `Total ${question}?`),
      ),
    );
    expect(answers.map((answer) => answer.rows)).toEqual(Array(5).fill([{ total: '60.60' }]));
    // The workspace refused some submissions with 429 and Retry-After; none reached the caller.
    expect(ws.genie.rejectedQuestionCount).toBeGreaterThan(rejectedBefore);
  });

  it('gives up on the rate limit with GenieRateLimitError when the wait exceeds the time budget', async () => {
    ws.genie.setRateLimit({ questionsPerMinute: 1, windowMs: 60_000 });
    const genie = new GenieClient({ ...auth, ...poll, timeoutMs: 5_000 });
    await genie.ask('sales', 'First?');
    const error = await genie.ask('sales', 'Second?').catch((caught: unknown) => caught);
    expect(GenieRateLimitError.isInstance(error)).toBe(true);
    expect(error).toMatchObject({
      reason: 'rate_limited',
      statusCode: 429,
      errorCode: 'REQUEST_LIMIT_EXCEEDED',
    });
    expect((error as GenieError).retryAfterMs).toBeGreaterThan(5_000);
  });

  it('times out with the ids to resume, and waitForMessage resumes', async () => {
    const slow = await startLocalWorkspace({
      catalog: { samples: false },
      serving: {
        endpoints: [
          {
            name: 'databricks-genie',
            task: 'llm/v1/chat',
            handler: scriptedGenieChat({ sql: () => 'SELECT 1 AS one' }),
          },
        ],
      },
      // Six states of a second each: the message cannot be final within the 1.5 s budget below,
      // while the question itself is accepted well within it.
      genie: {
        stepDelayMs: 1_000,
        spaces: [{ id: 'slow', title: 'Slow', tables: ['main.default.t'] }],
      },
    });
    try {
      const session = await slow.engine.openSession({});
      await (
        await session.execute(
          'CREATE TABLE main.default.t (x INT)',
          {},
          new AbortController().signal,
        )
      ).close();
      await session.close();
      const genie = new GenieClient({
        host: slow.host,
        token: slow.token,
        caCert: slow.caCert,
        env: {},
        ...poll,
      });
      const error = await genie
        .ask('slow', 'One?', { timeoutMs: 1_500 })
        .catch((caught: unknown) => caught);
      expect(GenieTimeoutError.isInstance(error)).toBe(true);
      const { conversationId, messageId } = error as GenieTimeoutError;
      expect(conversationId).toMatch(/^[0-9a-f]{32}$/);
      const message = await genie.waitForMessage(
        'slow',
        conversationId as string,
        messageId as string,
      );
      expect(message.status).toBe('COMPLETED');

      const controller = new AbortController();
      const pending = genie.ask('slow', 'Again?', { signal: controller.signal });
      setTimeout(() => controller.abort(new Error('user went away')), 50);
      await expect(pending).rejects.toThrow('user went away');
      await genie.close();
    } finally {
      await slow.stop();
    }
  });

  it('reruns a query whose result expired', async () => {
    const genie = new GenieClient({ ...auth, ...poll });
    const answer = await genie.ask('sales', 'Total?');
    ws.genie.expireQueryResult(answer.conversationId, answer.messageId);
    const expired = await genie.getMessage('sales', answer.conversationId, answer.messageId);
    expect(expired.status).toBe('QUERY_RESULT_EXPIRED');
    const rerun = await genie.executeQuery(
      'sales',
      answer.conversationId,
      answer.messageId,
      answer.attachmentId as string,
    );
    expect(rerun.result?.data_array).toEqual([['60.60']]);
  });

  it('reports a workspace that is down as a connection failure, not a hang', async () => {
    const down = await startLocalWorkspace({ catalog: { samples: false } });
    const { host, token, caCert } = down;
    await down.stop();
    const error = await new GenieClient({ host, token, caCert, env: {}, ...poll, retry: false })
      .ask('sales', 'Anyone?')
      .catch((caught: unknown) => caught);
    expect(GenieError.isInstance(error)).toBe(true);
    expect(error).toMatchObject({ reason: 'request_failed' });
    expect((error as Error).message).toContain('ECONNREFUSED');
  });

  it('never shows the token', async () => {
    const genie = new GenieClient({ ...auth, ...poll });
    await genie.ask('sales', 'Total?');
    expect(JSON.stringify(genie)).not.toContain(ws.token);
    expect(inspect(genie, { depth: 5 })).not.toContain(ws.token);
    const agent = new GenieAgent({ ...auth, spaceId: 'sales' });
    expect(JSON.stringify(agent)).not.toContain(ws.token);
  });
});

describe('GenieAgent', () => {
  it('is a Runnable: messages in, answer, SQL, rows and conversation out; follow-ups continue', async () => {
    const agent = new GenieAgent({
      ...auth,
      ...poll,
      spaceId: 'sales',
      name: 'Sales',
      includeContext: true,
    });
    const first = await agent.invoke({ messages: [new HumanMessage('What is the total amount?')] });
    expect(first.messages.map((message) => message.name)).toEqual([
      'query_reasoning',
      'query_sql',
      'query_result',
    ]);
    expect(first.messages[2]?.content).toContain('| total |');
    expect(first.sql).toContain('SUM(amount)');
    expect(first.rows).toEqual([{ total: '60.60' }]);
    const question = ws.serving.requestsFor('databricks-genie').at(-2)?.body as {
      messages: { content: string }[];
    };
    expect(question.messages.at(-1)?.content).toContain('user: What is the total amount?');

    const next = await agent.invoke({
      messages: [
        new HumanMessage('What is the total amount?'),
        ...first.messages,
        new HumanMessage('By region?'),
      ],
      conversationId: first.conversationId,
    });
    expect(next.conversationId).toBe(first.conversationId);
    expect(next.rows).toHaveLength(2);
    expect(await agent.getDescription()).toBe('Orders of the shop, by region.');
    await agent.close();
  });

  it('is a tool: the answer, SQL and conversation_id for the model, the rows as artifact, errors as text', async () => {
    const tool = await new GenieAgent({ ...auth, ...poll, spaceId: 'sales', name: 'Sales Genie' })
      .toTool()
      .withSpaceDescription();
    expect(tool.name).toBe('Sales_Genie');
    expect(tool.description).toContain('Orders of the shop');
    const message = await tool.invoke({
      type: 'tool_call',
      id: 'call_1',
      name: tool.name,
      args: { question: 'Total?' },
    });
    expect(message.content).toContain('conversation_id: ');
    expect(message.content).toContain('SELECT SUM(amount)');
    expect(message.artifact.rows).toEqual([{ total: '60.60' }]);

    const missing = await new GenieAgent({ ...auth, ...poll, spaceId: 'missing' })
      .toTool()
      .invoke({ question: 'x' });
    expect(missing).toContain('Genie error (GenieSpaceNotFoundError, space_not_found)');
  });
});
