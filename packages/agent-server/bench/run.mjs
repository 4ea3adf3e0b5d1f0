#!/usr/bin/env node
// Agent serving benchmark (issue 20): what serving over HTTP adds to calling the runnable
// in-process, at concurrency 1 and 50, streaming time to first token, against the same agent
// served by MLflow's Python AgentServer (ResponsesAgent) on the same machine.
//
//   pnpm build && node packages/agent-server/bench/run.mjs [--quick]
//
// Each side's server runs in its own child process; this process is the load generator (one
// keep-alive HTTP client for both). Results: bench/results/<date>.json and the "Agent serving"
// section of the repository's BENCHMARKS.md (between its markers).
import { execFileSync, spawn } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, totalmem } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Agent, fetch } from 'undici';
import { ensurePythonClients } from '../scripts/python-venv.mjs';
import { ANSWER, makeAgent } from './agent.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const quick = process.argv.includes('--quick');
const N1 = quick ? 100 : 500;
const N50 = quick ? 500 : 3000;
const NSTREAM = quick ? 100 : 300;
const WARMUP = 50;
const BODY = JSON.stringify({ input: [{ role: 'user', content: 'What is the answer?' }] });
const STREAM_BODY = JSON.stringify({
  input: [{ role: 'user', content: 'What is the answer?' }],
  stream: true,
});

const dispatcher = new Agent({ connections: 64, keepAliveTimeout: 30_000 });

function percentile(values, p) {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

function summary(values) {
  return {
    n: values.length,
    p50: percentile(values, 50),
    p99: percentile(values, 99),
    mean: values.reduce((a, b) => a + b, 0) / values.length,
  };
}

async function once(url, body) {
  const start = performance.now();
  const response = await fetch(url, {
    method: 'POST',
    body,
    headers: { 'content-type': 'application/json' },
    dispatcher,
  });
  const json = await response.json();
  const ms = performance.now() - start;
  const text = json.output?.find((item) => item.type === 'message')?.content?.[0]?.text;
  if (text !== ANSWER)
    throw new Error(`unexpected answer from ${url}: ${JSON.stringify(json).slice(0, 200)}`);
  return ms;
}

async function firstToken(url) {
  const start = performance.now();
  const response = await fetch(url, {
    method: 'POST',
    body: STREAM_BODY,
    headers: { 'content-type': 'application/json' },
    dispatcher,
  });
  const decoder = new TextDecoder();
  let buffer = '';
  let first;
  let text = '';
  for await (const chunk of response.body) {
    buffer += decoder.decode(chunk, { stream: true });
    for (let index = buffer.indexOf('\n\n'); index >= 0; index = buffer.indexOf('\n\n')) {
      const event = buffer.slice(0, index);
      buffer = buffer.slice(index + 2);
      const data = event
        .split('\n')
        .filter((line) => line.startsWith('data:'))
        .map((line) => line.slice(5).trim())
        .join('');
      if (!data || data === '[DONE]') continue;
      const parsed = JSON.parse(data);
      if (parsed.type === 'response.output_text.delta') {
        first ??= performance.now() - start;
        text += parsed.delta;
      }
    }
  }
  const total = performance.now() - start;
  if (text !== ANSWER) throw new Error(`unexpected streamed answer from ${url}: ${text}`);
  return { first, total };
}

async function loadTest(url, count, concurrency) {
  const times = [];
  let next = 0;
  const start = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < count) {
        next++;
        times.push(await once(url, BODY));
      }
    }),
  );
  const wall = performance.now() - start;
  return { ...summary(times), throughput: count / (wall / 1000) };
}

async function measureServer(url) {
  for (let index = 0; index < WARMUP; index++) await once(url, BODY);
  const c1 = await loadTest(url, N1, 1);
  const c50 = await loadTest(url, N50, 50);
  for (let index = 0; index < 10; index++) await firstToken(url);
  const firsts = [];
  const totals = [];
  for (let index = 0; index < NSTREAM; index++) {
    const { first, total } = await firstToken(url);
    firsts.push(first);
    totals.push(total);
  }
  return {
    concurrency1: c1,
    concurrency50: c50,
    firstToken: summary(firsts),
    streamTotal: summary(totals),
  };
}

/** The runnable in this process: the floor any server adds to. */
async function measureInProcess() {
  const agent = makeAgent();
  const messages = [{ role: 'user', content: 'What is the answer?' }];
  for (let index = 0; index < WARMUP; index++) await agent.invoke(messages);
  const one = [];
  for (let index = 0; index < N1; index++) {
    const start = performance.now();
    await agent.invoke(messages);
    one.push(performance.now() - start);
  }
  const fifty = [];
  let next = 0;
  await Promise.all(
    Array.from({ length: 50 }, async () => {
      while (next < N50) {
        next++;
        const start = performance.now();
        await agent.invoke(messages);
        fifty.push(performance.now() - start);
      }
    }),
  );
  const firsts = [];
  for (let index = 0; index < NSTREAM; index++) {
    const start = performance.now();
    const stream = await agent.stream(messages);
    for await (const _ of stream) {
      firsts.push(performance.now() - start);
      break;
    }
  }
  return { concurrency1: summary(one), concurrency50: summary(fifty), firstToken: summary(firsts) };
}

function startChild(command, args) {
  const child = spawn(command, args, { cwd: here, stdio: ['ignore', 'pipe', 'inherit'] });
  return new Promise((resolve, reject) => {
    let text = '';
    child.stdout.on('data', (data) => {
      text += data;
      const port = Number.parseInt(text, 10);
      if (text.includes('\n') && Number.isInteger(port))
        resolve({ child, url: `http://127.0.0.1:${port}/responses` });
    });
    child.once('exit', (code) => reject(new Error(`${command} exited with ${code}`)));
  });
}

async function waitReady(url) {
  for (let attempt = 0; attempt < 200; attempt++) {
    try {
      await once(url, BODY);
      return;
    } catch {
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
  throw new Error(`${url} never answered`);
}

async function withServer(command, args, work) {
  const { child, url } = await startChild(command, args);
  try {
    await waitReady(url);
    return await work(url);
  } finally {
    child.kill('SIGTERM');
  }
}

const python = ensurePythonClients();
const startedAt = new Date();
console.log('in-process baseline (JS)...');
const inProcess = await measureInProcess();
console.log('lakechain AgentServer...');
const ours = await withServer(process.execPath, [join(here, 'js_server.mjs')], measureServer);
console.log('MLflow AgentServer (Python)...');
const anchor = await withServer(python, [join(here, 'python_server.py')], measureServer);
const pythonBaseline = JSON.parse(
  execFileSync(python, [join(here, 'python_server.py'), '--baseline', String(N1)], {
    encoding: 'utf8',
  })
    .trim()
    .split('\n')
    .pop(),
);
const results = {
  startedAt: startedAt.toISOString(),
  finishedAt: new Date().toISOString(),
  machine: {
    cpus: cpus().length,
    model: cpus()[0]?.model,
    memoryGb: Math.round(totalmem() / 2 ** 30),
    load: loadavg(),
    node: process.version,
    python: execFileSync(python, ['--version'], { encoding: 'utf8' }).trim(),
  },
  settings: { quick, N1, N50, NSTREAM, warmup: WARMUP },
  inProcess,
  pythonInProcess: {
    invoke: summary(pythonBaseline.invoke_ms),
    firstToken: summary(pythonBaseline.first_token_ms),
  },
  ours,
  anchor,
};
const file = join(
  here,
  'results',
  `${startedAt.toISOString().slice(0, 10)}${quick ? '-quick' : ''}.json`,
);
writeFileSync(file, `${JSON.stringify(results, null, 2)}\n`);
console.log(`wrote ${file}`);

const ms = (value) => (value >= 100 ? `${value.toFixed(0)} ms` : `${value.toFixed(2)} ms`);
const row = (label, a, b) => `| ${label} | ${ms(a)} | ${ms(b)} | ${(a / b).toFixed(2)} |`;
const section = `<!-- agent-server:start: generated by packages/agent-server/bench/run.mjs from packages/agent-server/bench/results/${file.split('/').pop()}. Do not edit by hand. -->
## Agent serving (\`@lakechain/agent-server\`)

The same agent (a chat model answering "${ANSWER}" at once, streamed character by character: LangChain's \`FakeListChatModel\` on both sides, so the figures are the serving layer's) served over HTTP on loopback by \`AgentServer\` (Hono on \`@hono/node-server\`, tracing off) and by MLflow's Python \`AgentServer\` with a \`ResponsesAgent\` (FastAPI on uvicorn, one worker, tracing off; mlflow ${'3.17.2'}). Each server runs in its own process; one Node client (undici, keep-alive, 64 connections) drives both: \`POST /responses\`, ${N1} requests one at a time, then ${N50} requests 50 at a time, then ${NSTREAM} streamed requests (time to the first \`response.output_text.delta\`). **Overhead** = the served p50 minus the p50 of calling the runnable in the same process (\`model.invoke(messages)\`: ${ms(inProcess.concurrency1.p50)} in Node; \`ResponsesAgent.predict\`: ${ms(summary(pythonBaseline.invoke_ms).p50)} in Python). Ratio = ours / Python.

Machine: ${results.machine.cpus} cores (${results.machine.model}), ${results.machine.memoryGb} GB, load ${results.machine.load.map((value) => value.toFixed(2)).join(', ')} at start; ${results.machine.node}, ${results.machine.python}. Run ${results.startedAt}.

| measure | ours | Python (MLflow) | ratio |
|---|---:|---:|---:|
${row('concurrency 1: p50', ours.concurrency1.p50, anchor.concurrency1.p50)}
${row('concurrency 1: p99', ours.concurrency1.p99, anchor.concurrency1.p99)}
${row('concurrency 1: overhead over in-process (p50)', ours.concurrency1.p50 - inProcess.concurrency1.p50, anchor.concurrency1.p50 - summary(pythonBaseline.invoke_ms).p50)}
${row('concurrency 50: p50', ours.concurrency50.p50, anchor.concurrency50.p50)}
${row('concurrency 50: p99', ours.concurrency50.p99, anchor.concurrency50.p99)}
${row('concurrency 50: overhead over in-process (p50)', ours.concurrency50.p50 - inProcess.concurrency50.p50, anchor.concurrency50.p50 - summary(pythonBaseline.invoke_ms).p50)}
| concurrency 50: throughput | ${ours.concurrency50.throughput.toFixed(0)} req/s | ${anchor.concurrency50.throughput.toFixed(0)} req/s | ${(ours.concurrency50.throughput / anchor.concurrency50.throughput).toFixed(2)} |
${row('stream: time to first token, p50', ours.firstToken.p50, anchor.firstToken.p50)}
${row('stream: time to first token, p99', ours.firstToken.p99, anchor.firstToken.p99)}
${row('stream: whole stream, p50', ours.streamTotal.p50, anchor.streamTotal.p50)}

In-process (Node): p50 ${ms(inProcess.concurrency1.p50)} / p99 ${ms(inProcess.concurrency1.p99)} one at a time, p50 ${ms(inProcess.concurrency50.p50)} / p99 ${ms(inProcess.concurrency50.p99)} 50 at a time, first streamed chunk p50 ${ms(inProcess.firstToken.p50)}. Python in-process: \`predict\` p50 ${ms(summary(pythonBaseline.invoke_ms).p50)}, first \`predict_stream\` event p50 ${ms(summary(pythonBaseline.first_token_ms).p50)}. At concurrency 50 the latency is mostly queueing on 2 cores (each server is one process; the client shares the machine).
<!-- agent-server:end -->`;
const benchmarks = join(here, '..', '..', '..', 'BENCHMARKS.md');
if (!quick) {
  const current = readFileSync(benchmarks, 'utf8');
  const pattern = /<!-- agent-server:start[\s\S]*?<!-- agent-server:end -->/;
  writeFileSync(
    benchmarks,
    pattern.test(current)
      ? current.replace(pattern, section)
      : `${current.trimEnd()}\n\n${section}\n`,
  );
  console.log(`updated ${benchmarks}`);
} else console.log(section);
await dispatcher.close();
