/**
 * The whole loop on the local workspace: a `createAgent` agent is logged with its entry point and
 * registered in Unity Catalog (`logChain`), an app that serves the registered version
 * (`lakechain-agent serve --model models:/...`) is uploaded and deployed with `deployApp`, the
 * workspace starts it as a process with its own service principal, and `ChatDatabricks` answers
 * through it on the Responses API (`model: 'apps/<name>'`, OAuth), each request traced to the
 * workspace's MLflow.
 */
import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { resolveConfig } from '@lakechain/core';
import { ChatDatabricks } from '@lakechain/databricks-llm';
import { type LocalWorkspace, scriptedChat, startLocalWorkspace } from '@lakechain/local-workspace';
import { logChain } from '@lakechain/mlflow-tracking';
import type { AIMessageChunk } from '@langchain/core/messages';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { deployApp } from './index.js';
import { appNodeModules } from './testing/app_modules.js';

const run = promisify(execFile);
const packageDir = join(import.meta.dirname, '..');
const SETUP = 'node packages/agent-server/scripts/python-venv.mjs';

const AGENT_MODULE = `
import { ChatDatabricks } from '@lakechain/databricks-llm';
import { tool } from '@langchain/core/tools';
import { createAgent } from 'langchain';
import { z } from 'zod';

const weather = tool(async ({ city }) => \`sunny in \${city}\`, {
  name: 'get_weather',
  description: 'Current weather in a city',
  schema: z.object({ city: z.string() }),
});

// Host and credentials from the environment: on Databricks Apps, the app's service principal.
export default createAgent({
  model: new ChatDatabricks({ model: 'fm', useResponsesApi: true }),
  tools: [weather],
});
`;

let ws: LocalWorkspace;
let modules: ReturnType<typeof appNodeModules>;
let project: string;
let appUrl: string;

beforeAll(async () => {
  modules = appNodeModules();
  ws = await startLocalWorkspace({
    catalog: { samples: false },
    serving: {
      endpoints: [
        {
          name: 'fm',
          task: 'llm/v1/chat',
          handler: scriptedChat((messages, body) => {
            const last = messages.at(-1);
            if (last?.role === 'tool') return `It is ${String(last.content)}.`;
            if (Array.isArray(body.tools) && body.tools.length > 0)
              return { toolCalls: [{ name: 'get_weather', arguments: { city: 'Rome' } }] };
            return 'Hello.';
          }),
        },
      ],
    },
    apps: { nodeModules: modules.path },
  });
  const config = await resolveConfig({
    host: ws.host,
    token: ws.token,
    caCert: ws.caCert,
    env: {},
  });

  // 1. The agent module, in a project that resolves its imports; log and register it.
  project = mkdtempSync(join(tmpdir(), 'lakechain-agent-project-'));
  symlinkSync(modules.path, join(project, 'node_modules'), 'dir');
  writeFileSync(join(project, 'agent.mjs'), AGENT_MODULE);
  process.env.DATABRICKS_HOST = ws.host; // what the module's ChatDatabricks reads when imported here
  process.env.DATABRICKS_TOKEN = ws.token;
  const agent = (await import(pathToFileURL(join(project, 'agent.mjs')).href)).default;
  const logged = await logChain(agent.graph, {
    trackingUri: 'databricks',
    databricksConfig: config,
    experimentName: '/Shared/agents',
    registeredModelName: 'main.default.weather_agent',
    serving: { entryPoint: 'agent.mjs', baseDir: project },
  });
  expect(logged.modelVersion?.status).toBe('READY');

  // 2. The app: serve the registered version; trace to the workspace's MLflow.
  const app = join(project, 'app');
  mkdirSync(app);
  writeFileSync(
    join(app, 'app.yaml'),
    [
      'command: ["npm", "run", "start"]',
      'env:',
      '  - name: MLFLOW_TRACKING_URI',
      '    value: databricks',
      '  - name: MLFLOW_EXPERIMENT_NAME',
      '    value: /Shared/agents',
      '',
    ].join('\n'),
  );
  writeFileSync(
    join(app, 'package.json'),
    JSON.stringify({
      name: 'weather-agent',
      private: true,
      type: 'module',
      scripts: {
        start: `lakechain-agent serve --model models:/main.default.weather_agent/${logged.modelVersion?.version}`,
      },
    }),
  );
  const deployed = await deployApp({
    name: 'weather-agent',
    sourceDir: app,
    config,
    description: 'The weather agent',
  });
  appUrl = deployed.url;
}, 240_000);

afterAll(async () => {
  await ws?.stop();
  modules?.remove();
  if (project) rmSync(project, { recursive: true, force: true });
  delete process.env.DATABRICKS_HOST;
  delete process.env.DATABRICKS_TOKEN;
});

describe('a registered agent deployed as a Databricks App', () => {
  const oauth = () => ({
    host: ws.host,
    clientId: ws.oauth.clientId,
    clientSecret: ws.oauth.clientSecret,
    caCert: ws.caCert,
    env: {},
  });

  it('is running at its URL with its own service principal', () => {
    const app = ws.apps.describe('weather-agent');
    expect(app).toMatchObject({
      url: appUrl,
      app_status: { state: 'RUNNING' },
      compute_status: { state: 'ACTIVE' },
      active_deployment: { status: { state: 'SUCCEEDED' }, mode: 'SNAPSHOT' },
    });
    expect(appUrl).toBe(`${ws.host}/__apps/weather-agent`);
    expect(
      ws.workspaceFiles
        .filesUnder('/Workspace/Users/local-user@example.com/apps/weather-agent')
        .map((file) => file.relativePath),
    ).toEqual(['app.yaml', 'package.json']);
  });

  it('answers ChatDatabricks on the Responses API, invoke and stream, traced to MLflow', async () => {
    const chat = new ChatDatabricks({
      model: 'apps/weather-agent',
      useResponsesApi: true,
      maxRetries: 0,
      ...oauth(),
    });
    const reply = await chat.invoke('Weather in Rome?', {
      extraParams: { databricks_options: { return_trace: true } },
    });
    expect(reply.text).toBe('It is sunny in Rome.');
    // The agent ran the tool itself: the call and its output are in the content, not tool_calls.
    expect(reply.tool_calls).toEqual([]);
    expect(reply.content).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ type: 'function_call', name: 'get_weather' }),
        expect.objectContaining({ type: 'function_call_output', output: 'sunny in Rome' }),
      ]),
    );
    const traceId = (
      reply.response_metadata.databricks_output as { trace: { info: { trace_id: string } } }
    ).trace.info.trace_id;
    await expect.poll(() => ws.mlflow.trace(traceId)?.traceInfo, { timeout: 20_000 }).toBeDefined();

    let merged: AIMessageChunk | undefined;
    for await (const chunk of await chat.stream('Weather in Rome?'))
      merged = merged ? merged.concat(chunk) : chunk;
    expect(merged?.text).toBe('It is sunny in Rome.');
    expect(merged?.usage_metadata?.total_tokens).toBeGreaterThan(0);
    await chat.close();
  });

  it("Databricks' Python clients, unchanged: databricks-openai and databricks-langchain", async (context) => {
    let python: string;
    try {
      const setup = await run('node', [join(packageDir, 'scripts', 'python-venv.mjs')], {
        timeout: 900_000,
      });
      python = setup.stdout.trim().split('\n').pop() ?? '';
    } catch (error) {
      const why = `the Python clients could not be installed (${(error as Error).message.split('\n')[0]}); run \`${SETUP}\``;
      if (process.env.CI) throw new Error(why);
      console.warn(`[agent-server] skipping the Python clients: ${why}`);
      return context.skip();
    }
    const caFile = join(project, 'ca.pem');
    writeFileSync(caFile, ws.caCert);
    const { stdout } = await run(
      python,
      [
        join(import.meta.dirname, 'testing', 'python_clients.py'),
        ws.host,
        ws.oauth.clientId,
        ws.oauth.clientSecret,
        'weather-agent',
      ],
      {
        timeout: 180_000,
        env: {
          PATH: process.env.PATH,
          HOME: process.env.HOME,
          SSL_CERT_FILE: caFile,
          REQUESTS_CA_BUNDLE: caFile,
        },
      },
    );
    const got = JSON.parse(stdout.trim().split('\n').pop() ?? '{}');
    expect(got).toMatchObject({
      openai_text: 'It is sunny in Rome.',
      openai_types: ['function_call', 'function_call_output', 'message'],
      openai_stream_text: 'It is sunny in Rome.',
      langchain_text: 'It is sunny in Rome.',
      langchain_stream_text: 'It is sunny in Rome.',
    });
    expect(got.openai_usage).toBeGreaterThan(0);
    expect(got.openai_stream_types).toContain('response.completed');
  }, 900_000);

  it('refuses a personal access token, at the client and at the app', async () => {
    const withPat = new ChatDatabricks({
      model: 'apps/weather-agent',
      maxRetries: 0,
      host: ws.host,
      token: ws.token,
      caCert: ws.caCert,
      env: {},
    });
    await expect(withPat.invoke('x')).rejects.toThrow(/OAuth tokens only/);
    const { request } = await import('node:https');
    const status = await new Promise<number>((resolve, reject) => {
      const call = request(
        `${appUrl}/responses`,
        {
          method: 'POST',
          ca: ws.caCert,
          headers: { authorization: `Bearer ${ws.token}`, 'content-type': 'application/json' },
        },
        (response) => {
          response.resume();
          resolve(response.statusCode ?? 0);
        },
      );
      call.once('error', reject);
      call.end('{"input":"x"}');
    });
    expect(status).toBe(401);
  });
});
