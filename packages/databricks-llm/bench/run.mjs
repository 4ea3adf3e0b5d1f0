// pnpm bench (after pnpm build): client overhead of @lakechain/databricks-llm against the local
// workspace. Not a timed test: it prints figures for the README.
//  1. invoke overhead: median ChatDatabricks.invoke() vs a raw fetch of the same request;
//  2. time-to-first-token overhead: model.stream() vs raw fetch + SSE read of the same stream;
//  3. 200 concurrent invocations on a cold OAuth M2M cache: token requests (must be exactly 1)
//     and TCP connections opened (a second burst must reuse them).
import { rootCertificates } from 'node:tls';
import { ChatDatabricks } from '@lakechain/databricks-llm';
import { scriptedChat, startLocalWorkspace } from '@lakechain/local-workspace';
import { Agent, fetch as undiciFetch } from 'undici';

const ITERATIONS = Number(process.env.BENCH_ITERATIONS ?? 300);
const WARMUP = 30;

const ws = await startLocalWorkspace({
  samples: false,
  servingEndpoints: [
    { name: 'bench', task: 'llm/v1/chat', handler: scriptedChat(() => 'ok, three words') },
  ],
});

function countingFetch() {
  const agent = new Agent({ connect: { ca: [...rootCertificates, ws.caCert] } });
  const stats = { connects: 0 };
  agent.on('connect', () => {
    stats.connects += 1;
  });
  const fetch = (input, init) => undiciFetch(input, { ...init, dispatcher: agent });
  return { fetch, stats, agent };
}

const median = (values) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
};
const p95 = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length * 0.95)];
const ms = (value) => `${value.toFixed(3)} ms`;

async function timeEach(fn) {
  for (let i = 0; i < WARMUP; i++) await fn();
  const samples = [];
  for (let i = 0; i < ITERATIONS; i++) {
    const start = performance.now();
    await fn();
    samples.push(performance.now() - start);
  }
  return samples;
}

const url = `${ws.host}/serving-endpoints/bench/invocations`;
const headers = { Authorization: `Bearer ${ws.token}`, 'Content-Type': 'application/json' };
const body = JSON.stringify({ messages: [{ role: 'user', content: 'hello' }] });
const streamBody = JSON.stringify({
  messages: [{ role: 'user', content: 'hello' }],
  stream: true,
  stream_options: { include_usage: true },
});

// 1. invoke overhead
const raw = countingFetch();
const rawInvoke = await timeEach(async () => {
  const response = await raw.fetch(url, { method: 'POST', headers, body });
  await response.json();
});
const client = countingFetch();
const model = new ChatDatabricks({
  model: 'bench',
  host: ws.host,
  token: ws.token,
  fetch: client.fetch,
  env: {},
});
const modelInvoke = await timeEach(() => model.invoke('hello'));

// 2. time to first token
async function rawFirstToken() {
  const start = performance.now();
  const response = await raw.fetch(url, {
    method: 'POST',
    headers: { ...headers, Accept: 'text/event-stream' },
    body: streamBody,
  });
  const reader = response.body.getReader();
  const decoder = new TextDecoder();
  let buffer = '';
  let first;
  for (;;) {
    const { value, done } = await reader.read();
    if (done) break;
    buffer += decoder.decode(value, { stream: true });
    if (first === undefined && /"content":"[^"]+"/.test(buffer)) first = performance.now() - start;
  }
  return first;
}
async function modelFirstToken() {
  const start = performance.now();
  let first;
  for await (const chunk of await model.stream('hello')) {
    if (first === undefined && chunk.content) first = performance.now() - start;
  }
  return first;
}
const rawTtft = [];
const modelTtft = [];
for (let i = 0; i < WARMUP; i++) {
  await rawFirstToken();
  await modelFirstToken();
}
for (let i = 0; i < ITERATIONS; i++) {
  rawTtft.push(await rawFirstToken());
  modelTtft.push(await modelFirstToken());
}

// 3. 200 concurrent invocations, cold OAuth cache
const burst = countingFetch();
const tokensBefore = ws.tokens.issuedCount;
const m2m = new ChatDatabricks({
  model: 'bench',
  host: ws.host,
  clientId: ws.oauth.clientId,
  clientSecret: ws.oauth.clientSecret,
  fetch: burst.fetch,
  env: {},
});
const burstStart = performance.now();
await Promise.all(Array.from({ length: 200 }, () => m2m.invoke('hello')));
const burstMs = performance.now() - burstStart;
const tokenRequests = ws.tokens.issuedCount - tokensBefore;
const connectsFirst = burst.stats.connects;
await Promise.all(Array.from({ length: 200 }, () => m2m.invoke('hello')));
const connectsSecond = burst.stats.connects - connectsFirst;

const result = {
  iterations: ITERATIONS,
  invoke: {
    rawFetchMedian: ms(median(rawInvoke)),
    chatDatabricksMedian: ms(median(modelInvoke)),
    addedMedian: ms(median(modelInvoke) - median(rawInvoke)),
    rawP95: ms(p95(rawInvoke)),
    chatDatabricksP95: ms(p95(modelInvoke)),
  },
  timeToFirstToken: {
    rawFetchMedian: ms(median(rawTtft)),
    chatDatabricksMedian: ms(median(modelTtft)),
    addedMedian: ms(median(modelTtft) - median(rawTtft)),
  },
  coldOAuthBurst: {
    invocations: 200,
    wallTime: ms(burstMs),
    tokenRequests,
    connectionsOpenedFirstBurst: connectsFirst,
    connectionsOpenedSecondBurst: connectsSecond,
  },
  sequentialConnections: { rawFetch: raw.stats.connects, chatDatabricks: client.stats.connects },
};
console.log(JSON.stringify(result, null, 2));
await Promise.all([raw.agent.close(), client.agent.close(), burst.agent.close()]);
await ws.stop();
if (tokenRequests !== 1) {
  console.error(`expected exactly one token request on a cold cache, saw ${tokenRequests}`);
  process.exitCode = 1;
}
