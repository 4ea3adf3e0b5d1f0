#!/usr/bin/env node
// Where a streamed answer's time goes, seen from the socket (PROFILE.md): a raw TCP client
// (keep-alive, no HTTP library) posts a streamed Responses request and records when the headers,
// the first `response.output_text.delta` and the end arrive, and in how many socket reads the
// answer came. Servers (each in its own process, interleaved in rounds): AgentServer (dist/),
// the hand-written node:http floor (floor_server.mjs, also with its first delta uncorked) and
// MLflow's AgentServer (python_server.py, in the venv the bench makes).
//
//   pnpm build && node packages/agent-server/bench/stream_probe.mjs [rounds] [requests per round]
import { spawn } from 'node:child_process';
import { connect } from 'node:net';
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ensurePythonClients } from '../scripts/python-venv.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const rounds = Number(process.argv[2] ?? 20);
const perRound = Number(process.argv[3] ?? 50);
const servers = {
  lakechain: [process.execPath, 'js_server.mjs'],
  'node:http floor': [process.execPath, 'floor_server.mjs'],
  'floor, uncorked': [process.execPath, 'floor_server.mjs', 'uncork'],
  'MLflow (Python)': [ensurePythonClients(), 'python_server.py'],
};
const BODY = JSON.stringify({
  input: [{ role: 'user', content: 'What is the answer?' }],
  stream: true,
});

function start([command, ...args]) {
  const child = spawn(command, args, { cwd: here, stdio: ['ignore', 'pipe', 'inherit'] });
  return new Promise((resolve, reject) => {
    let text = '';
    child.once('error', reject);
    child.stdout.on('data', (data) => {
      text += data;
      if (text.includes('\n')) resolve({ child, port: Number.parseInt(text, 10) });
    });
  });
}

/** One keep-alive connection; `request()` resolves with the timings of one streamed answer. */
function client(port) {
  const socket = connect(port, '127.0.0.1');
  socket.setNoDelay(true);
  let onData;
  socket.on('data', (data) => onData?.(data, performance.now()));
  const request = () =>
    new Promise((resolve) => {
      const start = performance.now();
      let text = '';
      let reads = 0;
      let headers;
      let first;
      let firstRead;
      onData = (data, now) => {
        reads++;
        text += data.toString('latin1');
        if (headers === undefined && text.includes('\r\n\r\n')) headers = now - start;
        if (first === undefined && text.includes('response.output_text.delta')) {
          first = now - start;
          firstRead = reads;
        }
        if (text.endsWith('0\r\n\r\n') && text.includes('[DONE]')) {
          onData = undefined;
          resolve({ headers, first, total: now - start, reads, withLast: firstRead === reads });
        }
      };
      socket.write(
        `POST /responses HTTP/1.1\r\nhost: 127.0.0.1\r\ncontent-type: application/json\r\ncontent-length: ${Buffer.byteLength(BODY)}\r\n\r\n${BODY}`,
      );
    });
  return { socket, request };
}

const percentile = (values, p) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
};

const started = [];
try {
  for (const [name, command] of Object.entries(servers))
    started.push({ name, ...(await start(command)), results: [] });
  await new Promise((resolve) => setTimeout(resolve, 1500));
  for (const server of started) server.client = client(server.port);
  for (const server of started)
    for (let index = 0; index < 50; index++) await server.client.request();
  for (let round = 0; round < rounds; round++)
    for (const server of started)
      for (let index = 0; index < perRound; index++)
        server.results.push(await server.client.request());
  const ms = (value) => value.toFixed(2);
  console.log(
    '| server | headers p50 | first delta p50 | p90 | p99 | whole stream p50 | socket reads p50 | first delta in the last read |',
  );
  console.log('|---|---:|---:|---:|---:|---:|---:|---:|');
  for (const { name, results } of started) {
    const of = (key, p) =>
      percentile(
        results.map((result) => result[key]),
        p,
      );
    const withLast = results.filter((result) => result.withLast).length / results.length;
    console.log(
      `| ${name} | ${ms(of('headers', 50))} | ${ms(of('first', 50))} | ${ms(of('first', 90))} | ${ms(of('first', 99))} | ${ms(of('total', 50))} | ${of('reads', 50)} | ${(withLast * 100).toFixed(0)}% |`,
    );
  }
} finally {
  for (const server of started) {
    server.client?.socket.destroy();
    server.child.kill('SIGTERM');
  }
}
