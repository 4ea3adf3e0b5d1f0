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
/** Rounds the servers take turns in (each phase's requests split evenly between them). */
const ROUNDS = 5;
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

/** `count` requests, `concurrency` at a time: each one's latency, and the wall time of all. */
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
  return { times, wall: performance.now() - start };
}

/**
 * Both servers, phase by phase, in ROUNDS rounds that alternate which goes first: on a machine
 * shared with other work, a burst of load then falls on both sides instead of on whichever one
 * happened to be running (the two were measured one after the other before, and the ratios moved
 * with the load; PROFILE.md).
 */
async function measureServers(urls) {
  const sides = urls.map((url) => ({
    url,
    c1: [],
    c50: [],
    c50Wall: 0,
    firsts: [],
    totals: [],
  }));
  for (const side of sides) {
    for (let index = 0; index < WARMUP; index++) await once(side.url, BODY);
    for (let index = 0; index < 10; index++) await firstToken(side.url);
  }
  for (let round = 0; round < ROUNDS; round++) {
    const order = round % 2 === 0 ? sides : [...sides].reverse();
    for (const side of order) side.c1.push(...(await loadTest(side.url, N1 / ROUNDS, 1)).times);
    for (const side of order) {
      const { times, wall } = await loadTest(side.url, N50 / ROUNDS, 50);
      side.c50.push(...times);
      side.c50Wall += wall;
    }
    for (const side of order)
      for (let index = 0; index < NSTREAM / ROUNDS; index++) {
        const { first, total } = await firstToken(side.url);
        side.firsts.push(first);
        side.totals.push(total);
      }
  }
  return sides.map((side) => ({
    concurrency1: summary(side.c1),
    concurrency50: { ...summary(side.c50), throughput: N50 / (side.c50Wall / 1000) },
    firstToken: summary(side.firsts),
    streamTotal: summary(side.totals),
  }));
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

async function withServers(commands, work) {
  const started = [];
  try {
    for (const [command, args] of commands) started.push(await startChild(command, args));
    for (const { url } of started) await waitReady(url);
    return await work(started.map(({ url }) => url));
  } finally {
    for (const { child } of started) child.kill('SIGTERM');
  }
}

const python = ensurePythonClients();
const startedAt = new Date();
console.log('in-process baseline (JS)...');
const inProcess = await measureInProcess();
console.log('lakechain AgentServer and MLflow AgentServer (Python), interleaved...');
const [ours, anchor] = await withServers(
  [
    [process.execPath, [join(here, 'js_server.mjs')]],
    [python, [join(here, 'python_server.py')]],
  ],
  measureServers,
);
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
  settings: { quick, N1, N50, NSTREAM, rounds: ROUNDS, warmup: WARMUP },
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

The same agent (a chat model answering "${ANSWER}" at once, streamed character by character: LangChain's \`FakeListChatModel\` on both sides, so the figures are the serving layer's) served over HTTP on loopback by \`AgentServer\` (Hono on \`@hono/node-server\`, tracing off) and by MLflow's Python \`AgentServer\` with a \`ResponsesAgent\` (FastAPI on uvicorn, one worker, tracing off; mlflow ${'3.17.2'}). Each server runs in its own process, both up at once; one Node client (undici, keep-alive, 64 connections) sends each \`POST /responses\`: ${N1} requests one at a time, ${N50} requests 50 at a time and ${NSTREAM} streamed requests (time to the first \`response.output_text.delta\`) per server, the servers taking turns phase by phase over ${ROUNDS} rounds (who goes first alternates), so that a burst of load from elsewhere on the machine falls on both. **Overhead** = the served p50 minus the p50 of calling the runnable in the same process (\`model.invoke(messages)\`: ${ms(inProcess.concurrency1.p50)} in Node; \`ResponsesAgent.predict\`: ${ms(summary(pythonBaseline.invoke_ms).p50)} in Python). Ratio = ours / Python.

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

In-process (Node): p50 ${ms(inProcess.concurrency1.p50)} / p99 ${ms(inProcess.concurrency1.p99)} one at a time, p50 ${ms(inProcess.concurrency50.p50)} / p99 ${ms(inProcess.concurrency50.p99)} 50 at a time, first streamed chunk p50 ${ms(inProcess.firstToken.p50)}. Python in-process: \`predict\` p50 ${ms(summary(pythonBaseline.invoke_ms).p50)}, first \`predict_stream\` event p50 ${ms(summary(pythonBaseline.first_token_ms).p50)}. At concurrency 50 the latency is mostly queueing on 2 cores (each server is one process; the client shares the machine). In a stream, AgentServer sends the first answer event at once and the events an agent yields within one tick of the event loop together (a real model's tokens arrive in ticks of their own); MLflow writes each event on its own. The p99 rows move with the machine's load: a hand-written \`node:http\` server streaming the same LangChain.js model has the same tail as AgentServer (young-generation GC pauses, stretched when the 2 cores are oversubscribed), CPython's reference counting has no such pauses; measurements in [packages/agent-server/bench/PROFILE.md](packages/agent-server/bench/PROFILE.md).
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
