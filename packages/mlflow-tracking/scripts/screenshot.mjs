#!/usr/bin/env node
// Screenshot of a LangChain.js trace in the MLflow UI, for the README.
//
//   apt-get install -y chromium      # or any Chromium/Chrome; CHROMIUM=/path/to/chrome to choose
//   pnpm build
//   pnpm --filter @lakechain/mlflow-tracking screenshot   # writes docs/mlflow-trace.png
//
// Starts a real MLflow server (scripts/mlflow-server.mjs), runs a small tool-calling chain traced
// by MlflowTracer (prompt → chat model with a tool call → tool → chat model → parser, with token
// usage), flushes, then opens the trace in the MLflow UI with playwright-core driving the system
// Chromium (no browser is ever downloaded) and saves the page. Not part of CI.
//
// Options: --out=<file.png> (default docs/mlflow-trace.png), --width=1440 --height=900,
//          --keep (leave the server running and print the trace URL, Ctrl-C to stop).
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { BaseChatModel } from '@langchain/core/language_models/chat_models';
import { AIMessage, ToolMessage } from '@langchain/core/messages';
import { StringOutputParser } from '@langchain/core/output_parsers';
import { ChatPromptTemplate } from '@langchain/core/prompts';
import { RunnableLambda } from '@langchain/core/runnables';
import { tool } from '@langchain/core/tools';
import { convertToOpenAITool } from '@langchain/core/utils/function_calling';
import { chromium } from 'playwright-core';
import { z } from 'zod';
import { startMlflowServer } from './mlflow-server.mjs';

const packageDir = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const arg = (name, fallback) => {
  const hit = process.argv.find((a) => a.startsWith(`--${name}=`));
  return hit ? hit.slice(name.length + 3) : fallback;
};
const outFile = resolve(packageDir, arg('out', 'docs/mlflow-trace.png'));
const width = Number(arg('width', 1440));
const height = Number(arg('height', 900));
const keep = process.argv.includes('--keep');

function findChromium() {
  const candidates = [
    process.env.CHROMIUM,
    '/usr/bin/chromium',
    '/usr/bin/chromium-browser',
    '/usr/bin/google-chrome',
    '/Applications/Google Chrome.app/Contents/MacOS/Google Chrome',
  ].filter(Boolean);
  const found = candidates.find((p) => existsSync(p));
  if (!found) {
    throw new Error(
      'screenshot: no Chromium found. Install it from your OS packages (e.g. ' +
        '`apt-get install -y chromium`) or set CHROMIUM=/path/to/chrome. ' +
        'This script never downloads a browser.',
    );
  }
  return found;
}

const distEntry = join(packageDir, 'dist', 'index.js');
if (!existsSync(distEntry)) {
  console.error('screenshot: dist/ is missing, run `pnpm build` first.');
  process.exit(1);
}
const { MlflowTracer } = await import(pathToFileURL(distEntry).href);

/** A deterministic chat model (the JS twin of src/testing/scripted_chat_model.ts). */
class ScriptedChatModel extends BaseChatModel {
  static lc_name() {
    return 'ScriptedChatModel';
  }
  constructor(replies, cursor = { index: 0 }, tools = []) {
    super({});
    this.replies = replies;
    this.cursor = cursor;
    this.boundTools = tools;
  }
  _llmType() {
    return 'scripted-chat';
  }
  invocationParams() {
    return {
      model: 'scripted-1',
      temperature: 0,
      ...(this.boundTools.length
        ? { tools: this.boundTools.map((t) => convertToOpenAITool(t)) }
        : {}),
    };
  }
  bindTools(tools) {
    return new ScriptedChatModel(this.replies, this.cursor, tools);
  }
  async _generate() {
    const reply = this.replies[this.cursor.index++];
    if (!reply) throw new Error('no scripted reply left');
    const message = new AIMessage({
      content: reply.content,
      tool_calls: (reply.toolCalls ?? []).map((c) => ({ ...c, type: 'tool_call' })),
      usage_metadata: reply.usage,
      response_metadata: { model_name: 'scripted-1' },
    });
    return {
      generations: [{ text: reply.content, message, generationInfo: { finish_reason: 'stop' } }],
    };
  }
}

async function traceDemoChain(trackingUri) {
  const getWeather = tool(
    async ({ city }) => `${city}: 18 °C, light rain until 15:00, then sunny.`,
    {
      name: 'get_weather',
      description: 'Current weather and today’s forecast for a city',
      schema: z.object({ city: z.string().describe('City name') }),
    },
  );
  const model = new ScriptedChatModel([
    {
      content: '',
      toolCalls: [{ id: 'call_1', name: 'get_weather', args: { city: 'Amsterdam' } }],
      usage: { input_tokens: 96, output_tokens: 18, total_tokens: 114 },
    },
    {
      content:
        'Take an umbrella this morning: 18 °C with light rain in Amsterdam until 15:00, ' +
        'sunny afterwards.',
      usage: { input_tokens: 141, output_tokens: 27, total_tokens: 168 },
    },
  ]).bindTools([getWeather]);

  const prompt = ChatPromptTemplate.fromMessages([
    ['system', 'You are a concise travel assistant. Use tools for live data.'],
    ['human', '{question}'],
  ]);
  // A minimal tool-calling loop: model → tools → model until the model stops calling tools.
  const agent = RunnableLambda.from(async (promptValue, config) => {
    const messages = promptValue.toChatMessages();
    for (let step = 0; step < 4; step++) {
      const reply = await model.invoke(messages, config);
      messages.push(reply);
      if (!reply.tool_calls?.length) return reply;
      for (const call of reply.tool_calls) {
        const result = await getWeather.invoke(call.args, config);
        messages.push(new ToolMessage({ content: String(result), tool_call_id: call.id ?? '' }));
      }
    }
    throw new Error('too many tool rounds');
  }).withConfig({ runName: 'WeatherAgent' });
  const chain = prompt
    .pipe(agent)
    .pipe(new StringOutputParser())
    .withConfig({ runName: 'TravelAssistant' });

  const tracer = new MlflowTracer({
    trackingUri,
    experimentName: 'langchainjs-demo',
    tags: { app: 'travel-assistant' },
    env: {},
  });
  const answer = await chain.invoke(
    { question: 'Do I need an umbrella in Amsterdam today?' },
    { callbacks: [tracer], metadata: { session_id: 'demo-session', user_id: 'demo-user' } },
  );
  await tracer.flush();
  const traceId = tracer.lastTraceId;
  if (!traceId || tracer.exporter.stats.dropped > 0) {
    throw new Error(`screenshot: trace not exported (${JSON.stringify(tracer.exporter.stats)})`);
  }
  await tracer.shutdown?.();
  const res = await fetch(`${trackingUri}/api/3.0/mlflow/traces/${traceId}`);
  if (!res.ok) throw new Error(`screenshot: trace ${traceId} not found: ${res.status}`);
  const { trace } = await res.json();
  const experimentId = trace.trace_info.trace_location.mlflow_experiment.experiment_id;
  return { answer, traceId, experimentId };
}

/** MLflow 3.17 UI local-storage flags (useLocalStorage keys get a `_v<version>` suffix). */
const DISMISSED_UI = [
  ['mlflow.assistant.fab.autoOpenedOnFirstLoad_v1', 'true'],
  ['mlflow.assistant.panelOpen_v1', 'false'],
  ['mlflow.detectIssues.guidanceShown_v1', 'true'],
  ['mlflow.flagForReview.guidanceShown_v1', 'true'],
];

async function capture(pageUrl) {
  const userDataDir = mkdtempSync(join(tmpdir(), 'lakechain-chromium-'));
  const context = await chromium.launchPersistentContext(userDataDir, {
    executablePath: findChromium(),
    headless: true,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
    viewport: { width, height },
    deviceScaleFactor: 1,
    colorScheme: 'light',
  });
  try {
    const page = context.pages()[0] ?? (await context.newPage());
    // Loopback only: anything else the UI tries to load (fonts, telemetry) is refused quickly.
    await context.route(/^https?:\/\/(?!127\.0\.0\.1[:/])/, (route) => route.abort());
    // First-visit UI that would cover the trace: the assistant side panel and guidance popovers.
    await context.addInitScript((entries) => {
      for (const [key, value] of entries) localStorage.setItem(key, value);
    }, DISMISSED_UI);
    await page.goto(pageUrl, { waitUntil: 'domcontentloaded' });
    try {
      await waitForTraceDrawer(page);
    } catch (error) {
      const debug = join(tmpdir(), 'lakechain-mlflow-screenshot-failed.png');
      await page.screenshot({ path: debug }).catch(() => {});
      throw new Error(`screenshot: the trace did not render (page saved to ${debug})`, {
        cause: error,
      });
    }
    mkdirSync(dirname(outFile), { recursive: true });
    await page.screenshot({ path: outFile });
  } finally {
    await context.close();
    rmSync(userDataDir, { recursive: true, force: true });
  }
}

/**
 * Waits for the trace drawer's span tree, then selects the first chat-model span so the right
 * pane shows its chat view (messages in, tool call out, model, token count).
 */
async function waitForTraceDrawer(page) {
  await page.getByText('get_weather').first().waitFor({ timeout: 60_000 });
  const chatSpan = page.getByText('ScriptedChatModel', { exact: true }).first();
  await chatSpan.waitFor({ timeout: 30_000 });
  await chatSpan.click();
  await page.getByText('Tool calls').first().waitFor({ timeout: 30_000 });
  await page.getByText('You are a concise travel assistant.').first().waitFor({ timeout: 30_000 });
  await page.waitForTimeout(1000); // let the last layout/animation settle
}

const server = await startMlflowServer();
let exitCode = 0;
try {
  console.error(`screenshot: MLflow ${server.url}`);
  const { answer, traceId, experimentId } = await traceDemoChain(server.url);
  console.error(`screenshot: chain answered ${JSON.stringify(answer)}`);
  const pageUrl = `${server.url}/#/experiments/${experimentId}/traces?selectedEvaluationId=${traceId}`;
  console.error(`screenshot: ${pageUrl}`);
  await capture(pageUrl);
  console.log(outFile);
  if (keep) {
    console.error('screenshot: --keep: server left running, Ctrl-C to stop');
    await new Promise((r) => {
      process.once('SIGINT', r);
      process.once('SIGTERM', r);
    });
  }
} catch (error) {
  console.error(error);
  exitCode = 1;
} finally {
  await server.stop();
}
process.exit(exitCode);
