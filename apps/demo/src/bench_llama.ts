#!/usr/bin/env node
/**
 * `pnpm --filter @lakechain/demo run bench:llama`: what each llama setting is worth for the
 * offline demo, measured through the demo itself (same environment, chain and warehouse): for
 * each setting, the model load, then three questions in one session on `samples.tpch`, the first
 * cold (the whole system prompt is read) and two warm (its KV cache is reused). Prints a table
 * and writes `eval-results/bench-llama-<model>-<time>.json`, with the machine's load average
 * (other work on the machine slows everything; compare settings of one run only). Besides wall
 * time, each step records the process's CPU time (user + system), which other work on the machine
 * does not inflate: on a busy machine it is the fairer measure of what a setting costs.
 *
 * Options: --model NAME|FILE (default: the demo's default), --settings a,b,... (names below),
 * --questions N (default 3).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { basename, join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import Table from 'cli-table3';
import { type AskOptions, askLakehouse } from './chain.js';
import { createEnvironment, DEFAULT_LOCAL_MODEL, type EnvironmentOptions } from './environment.js';
import { formatMs } from './render.js';

interface Setting {
  name: string;
  description: string;
  environment: Partial<EnvironmentOptions>;
  chain: Partial<AskOptions>;
}

/** The default chain settings and, one change at a time, the alternatives. */
const SETTINGS: Setting[] = [
  {
    name: 'default',
    description: '1 thread, batch 512, context 4096, all tables, answer in the SQL conversation',
    environment: { threads: 1, batchSize: 512, contextSize: 4096 },
    chain: {},
  },
  {
    name: 'threads-2',
    description: '2 threads',
    environment: { threads: 2, batchSize: 512, contextSize: 4096 },
    chain: {},
  },
  {
    name: 'batch-128',
    description: 'batch 128',
    environment: { threads: 1, batchSize: 128, contextSize: 4096 },
    chain: {},
  },
  {
    name: 'batch-2048',
    description: 'batch 2048',
    environment: { threads: 1, batchSize: 2048, contextSize: 4096 },
    chain: {},
  },
  {
    name: 'context-8192',
    description: 'context 8192',
    environment: { threads: 1, batchSize: 512, contextSize: 8192 },
    chain: {},
  },
  {
    name: 'answer-separate',
    description: 'answer in a separate prompt (no KV reuse between the SQL and the answer)',
    environment: { threads: 1, batchSize: 512, contextSize: 4096 },
    chain: { answerInConversation: false },
  },
  {
    name: 'relevant-tables',
    description:
      'only the relevant tables (at most 3) and selected examples: a prompt that changes per question',
    environment: { threads: 1, batchSize: 512, contextSize: 4096 },
    chain: { maxTables: 3, examples: 'selected' },
  },
];

const QUESTIONS = [
  'How many orders have order status F?',
  'What is the average account balance of customers?',
  'How many parts have size 10?',
  'How many suppliers are in the nation GERMANY?',
];

export async function runBench(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      model: { type: 'string' },
      settings: { type: 'string' },
      questions: { type: 'string' },
    },
    strict: true,
  });
  const model = values.model ?? DEFAULT_LOCAL_MODEL;
  const chosen = values.settings
    ? SETTINGS.filter((setting) => values.settings?.split(',').includes(setting.name))
    : SETTINGS;
  const count = Number(values.questions ?? 3);
  const log = (text: string) => process.stderr.write(`${text}\n`);
  const results: Array<Record<string, unknown>> = [];
  for (const setting of chosen) {
    const loadStart = loadavg()[0] ?? 0;
    const environment = await createEnvironment({
      mode: 'offline',
      model,
      ...setting.environment,
      progress: () => undefined,
    });
    try {
      const cpu = () => {
        const usage = process.cpuUsage();
        return (usage.user + usage.system) / 1000;
      };
      const began = performance.now();
      const cpuBegan = cpu();
      await environment.ready?.();
      const loadMs = performance.now() - began;
      const loadCpuMs = cpu() - cpuBegan;
      const cpuMs: number[] = [];
      const db = await environment.openDatabase('samples', 'tpch');
      const latencies: number[] = [];
      const tokens: number[] = [];
      let answered = 0;
      for (const question of QUESTIONS.slice(0, count)) {
        const cpuBefore = cpu();
        const result = await askLakehouse(question, {
          db,
          sqlModel: environment.sqlModel,
          repairModel: environment.repairModel,
          answerModel: environment.answerModel,
          maxTables: 0,
          examples: 'none',
          ...setting.chain,
        });
        latencies.push(result.timings.totalMs);
        cpuMs.push(cpu() - cpuBefore);
        tokens.push(result.tokens.total);
        if (result.answered) answered++;
      }
      await db.close();
      const row = {
        setting: setting.name,
        description: setting.description,
        loadMs,
        loadCpuMs,
        coldMs: latencies[0],
        warmMs: latencies.slice(1),
        coldCpuMs: cpuMs[0],
        warmCpuMs: cpuMs.slice(1),
        tokens,
        answered,
        loadAverage: { start: loadStart, end: loadavg()[0] ?? 0 },
      };
      results.push(row);
      log(
        `${setting.name}: load ${formatMs(loadMs)}, cold ${formatMs(latencies[0] ?? 0)} (CPU ${formatMs(cpuMs[0] ?? 0)}), warm ${latencies
          .slice(1)
          .map((ms) => formatMs(ms))
          .join(' / ')} (CPU ${cpuMs
          .slice(1)
          .map((ms) => formatMs(ms))
          .join(' / ')}; load average ${loadStart.toFixed(1)})`,
      );
    } finally {
      await environment.close();
    }
  }
  const table = new Table({
    head: ['setting', 'model load', 'cold question (CPU)', 'warm questions (CPU)', 'load avg'],
  });
  for (const row of results)
    table.push([
      String(row.setting),
      formatMs(row.loadMs as number),
      `${formatMs(row.coldMs as number)} (${formatMs(row.coldCpuMs as number)})`,
      `${(row.warmMs as number[]).map((ms) => formatMs(ms)).join(' / ')} (${(row.warmCpuMs as number[]).map((ms) => formatMs(ms)).join(' / ')})`,
      (row.loadAverage as { start: number }).start.toFixed(1),
    ]);
  process.stdout.write(`${table.toString()}\n`);
  const file = resolve(
    join(
      'eval-results',
      `bench-llama-${basename(model).replace(/\.gguf$/, '')}-${new Date().toISOString().replace(/[:.]/g, '-')}.json`,
    ),
  );
  mkdirSync(resolve(file, '..'), { recursive: true });
  writeFileSync(
    file,
    `${JSON.stringify({ model, questions: QUESTIONS.slice(0, count), results }, null, 2)}\n`,
  );
  process.stdout.write(`results written to ${file}\n`);
  return 0;
}

if (process.argv[1] && resolve(process.argv[1]).endsWith(join('dist', 'bench_llama.js'))) {
  const code = await runBench(process.argv.slice(2));
  process.exitCode = code;
  setTimeout(() => process.exit(code), 200).unref();
}
