/**
 * The Responses API, agent endpoints (ResponsesAgent, ChatAgent) and AI Gateway routes of the
 * serving service: routes, task checks, validation (the errors Python's ChatDatabricks trips
 * over) and the scripted handlers' wire formats.
 */
import { afterEach, describe, expect, it } from 'vitest';
import {
  json,
  jsonEvents,
  readSse,
  startRestServer,
  type TestRestServer,
} from '../../platform/testing_server.js';
import { scriptedChat } from './scripted.js';
import { scriptedChatAgent } from './scripted_chat_agent.js';
import { scriptedResponses } from './scripted_responses.js';
import type { ServingEndpointDefinition } from './types.js';

let server: TestRestServer;
afterEach(async () => {
  await server?.close();
});

const weatherTool = {
  type: 'function',
  name: 'get_weather',
  description: 'Weather',
  parameters: { type: 'object', properties: { city: { type: 'string' } } },
};

const endpoints: ServingEndpointDefinition[] = [
  {
    name: 'fm',
    task: 'llm/v1/chat',
    handler: scriptedResponses((input, body) =>
      Array.isArray(body.tools) && !input.some((item) => item.type === 'function_call_output')
        ? { toolCalls: [{ name: 'get_weather', arguments: { city: 'Rome' } }] }
        : { content: 'It is sunny.', reasoning: 'Simple.' },
    ),
  },
  {
    name: 'databricks-claude-sonnet-4',
    task: 'llm/v1/chat',
    handler: scriptedResponses(() => 'ok'),
  },
  {
    name: 'resp-agent',
    task: 'agent/v1/responses',
    handler: scriptedResponses(
      (_input, body) => ({
        steps: [{ name: 'lookup', arguments: { q: 'x' }, output: '42' }],
        content: 'The answer is 42.',
        customOutputs: { echo: body.custom_inputs ?? null },
        usage: false,
      }),
      { eventStyle: 'mlflow' },
    ),
  },
  {
    name: 'chat-agent',
    task: 'agent/v2/chat',
    handler: scriptedChatAgent((messages) => ({
      steps: [{ name: 'lookup', arguments: {}, output: String(messages.length) }],
      content: `Saw ${messages.length} messages.`,
      customOutputs: { n: messages.length },
    })),
  },
  { name: 'chat', task: 'llm/v1/chat', handler: scriptedChat(() => 'chat answer') },
];

describe('the Responses API', () => {
  it('POST /serving-endpoints/responses reaches the endpoint named in model', async () => {
    server = await startRestServer({ servingEndpoints: endpoints });
    const response = await server.post('/serving-endpoints/responses', {
      model: 'fm',
      input: [{ role: 'user', content: [{ type: 'input_text', text: 'Weather?' }] }],
    });
    expect(response.status).toBe(200);
    const body = await json(response);
    expect(body).toMatchObject({
      object: 'response',
      status: 'completed',
      model: 'fm',
      output: [
        { type: 'reasoning', summary: [{ type: 'summary_text', text: 'Simple.' }] },
        {
          type: 'message',
          role: 'assistant',
          content: [{ type: 'output_text', text: 'It is sunny.', annotations: [] }],
        },
      ],
    });
    expect(body.usage.total_tokens).toBe(body.usage.input_tokens + body.usage.output_tokens);
    expect(server.rest.serving.requestsFor('fm')[0]).toMatchObject({ api: 'responses' });
  });

  it('streams OpenAI events: deltas, function-call arguments, response.completed with usage', async () => {
    server = await startRestServer({ servingEndpoints: endpoints });
    const response = await server.post('/serving-endpoints/responses', {
      model: 'fm',
      input: 'Weather in Rome?',
      tools: [weatherTool],
      stream: true,
    });
    const events = jsonEvents(await readSse(response));
    expect(events.map((event) => event.type)).toEqual([
      'response.created',
      'response.in_progress',
      'response.output_item.added',
      'response.function_call_arguments.delta',
      'response.function_call_arguments.delta',
      'response.function_call_arguments.delta',
      'response.function_call_arguments.done',
      'response.output_item.done',
      'response.completed',
    ]);
    expect(events.map((event) => event.sequence_number)).toEqual(events.map((_, index) => index));
    const args = events
      .filter((event) => event.type === 'response.function_call_arguments.delta')
      .map((event) => event.delta)
      .join('');
    expect(JSON.parse(args)).toEqual({ city: 'Rome' });
    expect(events.at(-1)?.response.usage.output_tokens).toBeGreaterThan(0);
  });

  it("answers 400 for a 'text' part where 'input_text' belongs (Python issue #368)", async () => {
    server = await startRestServer({ servingEndpoints: endpoints });
    const response = await server.post('/serving-endpoints/responses', {
      model: 'fm',
      input: [
        {
          role: 'system',
          content: [
            { type: 'text', text: 'a' },
            { type: 'text', text: 'b' },
          ],
        },
      ],
    });
    expect(response.status).toBe(400);
    expect((await json(response)).message).toMatch(/Invalid value: 'text'/);
  });

  it('a Claude endpoint answers 400 for an empty text part (Python PR #333)', async () => {
    server = await startRestServer({ servingEndpoints: endpoints });
    const response = await server.post('/serving-endpoints/responses', {
      model: 'databricks-claude-sonnet-4',
      input: [
        { role: 'user', content: 'x' },
        {
          type: 'message',
          role: 'assistant',
          id: 'msg_1',
          content: [{ type: 'output_text', text: '', annotations: [] }],
        },
      ],
    });
    expect(response.status).toBe(400);
    expect((await json(response)).message).toBe('text content blocks must be non-empty');
  });

  it('refuses chat-completions tools and unknown fields', async () => {
    server = await startRestServer({ servingEndpoints: endpoints });
    const nested = await server.post('/serving-endpoints/responses', {
      model: 'fm',
      input: 'x',
      tools: [{ type: 'function', function: { name: 'f', parameters: {} } }],
    });
    expect((await json(nested)).message).toBe("Missing required parameter: 'tools[0].name'.");
    const unknown = await server.post('/serving-endpoints/responses', {
      model: 'fm',
      input: 'x',
      messages: [],
    });
    expect((await json(unknown)).message).toBe("Unknown parameter: 'messages'.");
  });

  it('AI Gateway routes reach the endpoint named in model', async () => {
    server = await startRestServer({ servingEndpoints: endpoints });
    for (const flavour of ['mlflow', 'openai']) {
      const responses = await server.post(`/ai-gateway/${flavour}/v1/responses`, {
        model: 'fm',
        input: 'hi',
      });
      expect(responses.status).toBe(200);
      const chat = await server.post(`/ai-gateway/${flavour}/v1/chat/completions`, {
        model: 'chat',
        messages: [{ role: 'user', content: 'hi' }],
      });
      expect((await json(chat)).choices[0].message.content).toBe('chat answer');
    }
  });
});

describe('agent endpoints', () => {
  it('describe their task; a ResponsesAgent takes Responses requests on invocations', async () => {
    server = await startRestServer({ servingEndpoints: endpoints });
    const described = await json(await server.call('/api/2.0/serving-endpoints/resp-agent'));
    expect(described).toMatchObject({ task: 'agent/v1/responses', endpoint_type: 'CUSTOM_MODEL' });
    const response = await server.post('/serving-endpoints/resp-agent/invocations', {
      input: [{ role: 'user', content: 'q' }],
      custom_inputs: { user: 'u1' },
    });
    const body = await json(response);
    expect(body.output.map((item: { type: string }) => item.type)).toEqual([
      'function_call',
      'function_call_output',
      'message',
    ]);
    expect(body.custom_outputs).toEqual({ echo: { user: 'u1' } });
    const wrong = await server.post('/serving-endpoints/resp-agent/invocations', {
      messages: [{ role: 'user', content: 'q' }],
    });
    expect(wrong.status).toBe(400);
    expect((await json(wrong)).message).toMatch(/ResponsesAgent takes \{"input"/);
  });

  it("a ResponsesAgent's stream is MLflow's: text deltas, then items that repeat the text", async () => {
    server = await startRestServer({ servingEndpoints: endpoints });
    const response = await server.post('/serving-endpoints/responses', {
      model: 'resp-agent',
      input: [{ role: 'user', content: 'q' }],
      stream: true,
    });
    const raw = await readSse(response);
    expect(raw.at(-1)).toBe('[DONE]');
    const events = jsonEvents(raw);
    expect(events.map((event) => event.type)).toEqual([
      'response.output_item.done',
      'response.output_item.done',
      'response.output_text.delta',
      'response.output_text.delta',
      'response.output_text.delta',
      'response.output_text.delta',
      'response.output_item.done',
    ]);
    expect(events.at(-1)?.item.content[0].text).toBe('The answer is 42.');
  });

  it('a ChatAgent answers its turn, streams deltas by id, and checks MLflow message rules', async () => {
    server = await startRestServer({ servingEndpoints: endpoints });
    const answer = await json(
      await server.post('/serving-endpoints/chat-agent/invocations', {
        messages: [{ role: 'user', content: 'q' }],
      }),
    );
    expect(answer.messages.map((message: { role: string }) => message.role)).toEqual([
      'assistant',
      'tool',
      'assistant',
    ]);
    expect(answer).toMatchObject({ finish_reason: 'stop', custom_outputs: { n: 1 } });
    const stream = jsonEvents(
      await readSse(
        await server.post('/serving-endpoints/chat-agent/invocations', {
          messages: [{ role: 'user', content: 'q' }],
          stream: true,
        }),
      ),
    );
    const text = stream
      .filter((chunk) => chunk.delta.role === 'assistant' && !chunk.delta.tool_calls)
      .map((chunk) => chunk.delta.content)
      .join('');
    expect(text).toBe('Saw 1 messages.');
    expect(new Set(stream.map((chunk) => chunk.delta.id)).size).toBe(3);
    expect(stream.at(-1)).toMatchObject({ finish_reason: 'stop', custom_outputs: { n: 1 } });
    const badTool = await server.post('/serving-endpoints/chat-agent/invocations', {
      messages: [{ role: 'tool', content: '1', tool_call_id: 'c' }],
    });
    expect((await json(badTool)).message).toMatch(/'name' and 'tool_call_id'/);
    const parts = await server.post('/serving-endpoints/chat-agent/invocations', {
      messages: [{ role: 'user', content: [{ type: 'text', text: 'x' }] }],
    });
    expect((await json(parts)).message).toMatch(/valid string/);
  });

  it('routes refuse tasks that do not speak their protocol', async () => {
    server = await startRestServer({ servingEndpoints: endpoints });
    const toChatAgent = await server.post('/serving-endpoints/responses', {
      model: 'chat-agent',
      input: 'x',
    });
    expect(toChatAgent.status).toBe(400);
    expect((await json(toChatAgent)).message).toMatch(/agent\/v2\/chat/);
    const chatToResponsesAgent = await server.post('/serving-endpoints/chat/completions', {
      model: 'resp-agent',
      messages: [{ role: 'user', content: 'x' }],
    });
    expect(chatToResponsesAgent.status).toBe(400);
  });
});
