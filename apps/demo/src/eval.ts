#!/usr/bin/env node
/**
 * `pnpm demo:eval`: runs the questions of both halves of the evaluation through the full chain
 * (same environment, model and warehouse as the demo), compares the chain's result set with the
 * reference SQL's, and prints accuracy per half and per level, median latency and tokens.
 * Results go to `eval-results/<mode>-<model>-<timestamp>.json`.
 *
 * The development half (`questions.ts`) is for tuning; the held-out half
 * (`questions_holdout.ts`) was written before any tuning and is only measured, never tuned on.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { basename, join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import type { DatabricksSqlDatabase } from '@lakechain/databricks-sql';
import Table from 'cli-table3';
import pc from 'picocolors';
import { type AskOptions, askLakehouse, type SqlFormat } from './chain.js';
import { compareResultSets, hasOrderBy, type ResultSet } from './compare.js';
import { createEnvironment } from './environment.js';
import { describeError } from './errors.js';
import { type EvalQuestion, QUESTIONS } from './questions.js';
import { HOLDOUT_QUESTIONS } from './questions_holdout.js';
import { formatMs } from './render.js';
import { createTracing } from './tracing.js';

export type Half = 'dev' | 'holdout';

export interface QuestionOutcome {
  id: string;
  half: Half;
  schema: string;
  level: string;
  question: string;
  /** Absent for unanswerable questions. */
  reference?: string;
  sql?: string;
  /** The chain's result matches the reference result (or it declined an unanswerable question). */
  match: boolean;
  /** SQL ran on the warehouse (after at most max-repairs repairs). */
  executed: boolean;
  /** The chain said the data cannot answer the question. */
  unanswerable: boolean;
  attempts: number;
  /** Each attempt's SQL and why it was rejected. */
  attemptDetails?: Array<{ stage: string; sql?: string; error?: string }>;
  reason?: string;
  answer: string;
  latencyMs: number;
  /**
   * CPU time of this process during the question (the model, the warehouse, the chain). Other
   * work on a shared machine stretches `latencyMs` but not this: with one model thread it is
   * about the latency on a free core.
   */
  cpuMs?: number;
  tokens: { input: number; output: number; total: number };
  error?: string;
}

export interface HalfSummary {
  questions: number;
  correct: number;
  accuracy: number;
  executed: number;
  medianLatencyMs: number;
  /** Median CPU time per question (see `QuestionOutcome.cpuMs`). */
  medianCpuMs: number;
  medianTokens: number;
  meanTokens: number;
  bySchema: Record<string, { correct: number; total: number }>;
  byLevel: Record<string, { correct: number; total: number }>;
}

export interface EvalSummary extends HalfSummary {
  mode: string;
  model: string;
  endpoint: string;
  maxRepairs: number;
  /** The chain and model settings of this run (what an ablation changed). */
  settings: Record<string, unknown>;
  halves: Partial<Record<Half, HalfSummary>>;
  /** 1-minute load average of the machine at the start and the end (other work slows a run). */
  loadAverage: { start: number; end: number };
  startedAt: string;
  durationMs: number;
  outcomes: QuestionOutcome[];
}

/** CPU time (user + system) of this process so far, in ms. */
function cpuMs(): number {
  const usage = process.cpuUsage();
  return (usage.user + usage.system) / 1000;
}

export function median(values: number[]): number {
  if (values.length === 0) return 0;
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1
    ? (sorted[middle] as number)
    : ((sorted[middle - 1] as number) + (sorted[middle] as number)) / 2;
}

function toResultSet(
  columns: Array<{ name: string }>,
  rows: Array<Record<string, unknown>>,
): ResultSet {
  return {
    columns: columns.map((column) => column.name),
    rows: rows.map((row) => columns.map((column) => row[column.name])),
  };
}

function tally(outcomes: QuestionOutcome[], key: 'schema' | 'level') {
  const result: Record<string, { correct: number; total: number }> = {};
  for (const outcome of outcomes) {
    const entry = result[outcome[key]] ?? { correct: 0, total: 0 };
    result[outcome[key]] = entry;
    entry.total++;
    if (outcome.match) entry.correct++;
  }
  return result;
}

export function summarise(outcomes: QuestionOutcome[]): HalfSummary {
  const correct = outcomes.filter((outcome) => outcome.match).length;
  return {
    questions: outcomes.length,
    correct,
    accuracy: outcomes.length === 0 ? 0 : correct / outcomes.length,
    executed: outcomes.filter((outcome) => outcome.executed).length,
    medianLatencyMs: median(outcomes.map((outcome) => outcome.latencyMs)),
    medianCpuMs: median(outcomes.map((outcome) => outcome.cpuMs ?? 0)),
    medianTokens: median(outcomes.map((outcome) => outcome.tokens.total)),
    meanTokens:
      outcomes.length === 0
        ? 0
        : outcomes.reduce((sum, outcome) => sum + outcome.tokens.total, 0) / outcomes.length,
    bySchema: tally(outcomes, 'schema'),
    byLevel: tally(outcomes, 'level'),
  };
}

/** The questions of the chosen halves, grouped by schema (a session per schema, as a user has). */
export function evalQuestions(half: Half | 'both'): Array<EvalQuestion & { half: Half }> {
  const dev = QUESTIONS.map((question) => ({ ...question, half: 'dev' as const }));
  const holdout = HOLDOUT_QUESTIONS.map((question) => ({ ...question, half: 'holdout' as const }));
  const chosen = half === 'dev' ? dev : half === 'holdout' ? holdout : [...dev, ...holdout];
  const schemas = [...new Set(chosen.map((question) => question.schema))];
  return schemas.flatMap((schema) => chosen.filter((question) => question.schema === schema));
}

function onOff(value: string | undefined, flag: string): boolean | undefined {
  if (value === undefined) return undefined;
  if (value === 'on') return true;
  if (value === 'off') return false;
  throw new Error(`${flag} is on or off, got "${value}".`);
}

function optionalNumber(value: string | undefined, flag: string): number | undefined {
  if (value === undefined) return undefined;
  const number = Number(value);
  if (!Number.isFinite(number) || number < 0) throw new Error(`${flag} takes a number >= 0.`);
  return number;
}

const percent = (value: number) => `${(value * 100).toFixed(0)}%`;

function describeHalf(name: string, summary: HalfSummary): string {
  const bySchema = Object.entries(summary.bySchema)
    .map(([schema, entry]) => `${schema} ${entry.correct}/${entry.total}`)
    .join(', ');
  const byLevel = Object.entries(summary.byLevel)
    .map(([level, entry]) => `${level} ${entry.correct}/${entry.total}`)
    .join(', ');
  return (
    `${pc.bold(`${name}: ${summary.correct}/${summary.questions} (${percent(summary.accuracy)})`)} · SQL ran ${summary.executed}/${summary.questions} · median latency ${formatMs(summary.medianLatencyMs)} (CPU ${formatMs(summary.medianCpuMs)}) · median tokens ${summary.medianTokens} (mean ${summary.meanTokens.toFixed(0)})\n` +
    `  by schema: ${bySchema}\n  by level: ${byLevel}\n`
  );
}

const EVAL_USAGE = `Usage: pnpm demo:eval [options]   (or: node apps/demo/dist/eval.js [options])

Runs the evaluation questions through the demo's chain and compares each result with the
reference SQL's. Results go to eval-results/<mode>-<model>-<time>.json (or --out).

  --half dev|holdout|both      which half (default both; the held-out half is never tuned on)
  --model <name|file.gguf>     offline model (default qwen-coder-1.5b)
  --offline | --profile <p>    local workspace, or a configured Databricks profile
  --endpoint <name>            serving endpoint (workspace mode)
  --schema nyctaxi|tpch        one schema only
  --only <id,id>  --limit <n>  a subset of questions
  --max-repairs <n>            repairs after a failed attempt (default 2)
  --out <file>  --tag <name>   where the JSON goes, a tag in its name
  --check-references           run only the reference SQL and print its rows
  --verbose                    progress lines and every attempt
Ablations (defaults in brackets):
  --format sql|clauses [sql]   --rules full|short [full]   --examples none|selected [none]
  --max-tables <n> [0: all]    --schema-linking on|off [off]   --complete-from on|off [on]
  --answer-in-conversation on|off [on]   --unanswerable on|off [on]
  --repair-temperature <t> [0.7]   --threads <n>   --batch-size <n>   --context-size <n>
  --sql-max-tokens <n> [200]
`;

export async function runEvaluation(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      model: { type: 'string' },
      endpoint: { type: 'string' },
      offline: { type: 'boolean' },
      profile: { type: 'string' },
      half: { type: 'string' },
      'max-repairs': { type: 'string' },
      schema: { type: 'string' },
      only: { type: 'string' },
      limit: { type: 'string' },
      out: { type: 'string' },
      tag: { type: 'string' },
      'check-references': { type: 'boolean' },
      format: { type: 'string' },
      examples: { type: 'string' },
      'max-tables': { type: 'string' },
      'complete-from': { type: 'string' },
      'answer-in-conversation': { type: 'string' },
      unanswerable: { type: 'string' },
      'schema-linking': { type: 'string' },
      rules: { type: 'string' },
      'repair-temperature': { type: 'string' },
      threads: { type: 'string' },
      'context-size': { type: 'string' },
      'batch-size': { type: 'string' },
      'sql-max-tokens': { type: 'string' },
      verbose: { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
    strict: true,
  });
  if (values.help) {
    process.stdout.write(EVAL_USAGE);
    return 0;
  }
  const maxRepairs = values['max-repairs'] === undefined ? 2 : Number(values['max-repairs']);
  const half = (values.half ?? 'both') as Half | 'both';
  if (!['dev', 'holdout', 'both'].includes(half))
    throw new Error(`--half is dev, holdout or both, got "${values.half}".`);
  let questions = evalQuestions(half);
  if (values.schema) questions = questions.filter((question) => question.schema === values.schema);
  if (values.only) {
    const ids = new Set(values.only.split(','));
    questions = questions.filter((question) => ids.has(question.id));
  }
  if (values.limit) questions = questions.slice(0, Number(values.limit));

  if (values.format && !['sql', 'clauses'].includes(values.format))
    throw new Error(`--format is sql or clauses, got "${values.format}".`);
  if (values.examples && !['selected', 'none'].includes(values.examples))
    throw new Error(`--examples is selected or none, got "${values.examples}".`);
  if (values.rules && !['full', 'short'].includes(values.rules))
    throw new Error(`--rules is full or short, got "${values.rules}".`);
  const chainOptions: Partial<AskOptions> = {
    ...(values.rules ? { rules: values.rules as 'full' | 'short' } : {}),
    ...(values.format ? { format: values.format as SqlFormat } : {}),
    ...(values.examples ? { examples: values.examples as 'selected' | 'none' } : {}),
    ...(values['max-tables'] !== undefined
      ? { maxTables: optionalNumber(values['max-tables'], '--max-tables') }
      : {}),
  };
  const completeFrom = onOff(values['complete-from'], '--complete-from');
  if (completeFrom !== undefined) chainOptions.completeFrom = completeFrom;
  const inConversation = onOff(values['answer-in-conversation'], '--answer-in-conversation');
  if (inConversation !== undefined) chainOptions.answerInConversation = inConversation;
  const unanswerable = onOff(values.unanswerable, '--unanswerable');
  if (unanswerable !== undefined) chainOptions.allowUnanswerable = unanswerable;
  const schemaLinking = onOff(values['schema-linking'], '--schema-linking');
  if (schemaLinking !== undefined) chainOptions.schemaLinking = schemaLinking;
  const modelSettings = {
    repairTemperature: optionalNumber(values['repair-temperature'], '--repair-temperature'),
    threads: optionalNumber(values.threads, '--threads'),
    contextSize: optionalNumber(values['context-size'], '--context-size'),
    batchSize: optionalNumber(values['batch-size'], '--batch-size'),
    sqlMaxTokens: optionalNumber(values['sql-max-tokens'], '--sql-max-tokens'),
  };

  const started = Date.now();
  const loadAtStart = loadavg()[0] ?? 0;
  const log = (text: string) => process.stderr.write(`${text}\n`);
  const environment = await createEnvironment({
    mode: values.offline ? 'offline' : undefined,
    profile: values.profile,
    endpoint: values.endpoint,
    model: values.model,
    ...Object.fromEntries(Object.entries(modelSettings).filter(([, value]) => value !== undefined)),
    progress: (message) => {
      if (!/\(\d+%\)$/.test(message)) log(pc.dim(message));
    },
  });
  const databases = new Map<string, DatabricksSqlDatabase>();
  // Traces go to MLflow when configured (workspace or MLFLOW_TRACKING_URI); otherwise none.
  const trackingUri = process.env.MLFLOW_TRACKING_URI?.trim();
  const tracing =
    environment.mode === 'workspace' || trackingUri
      ? createTracing({
          target:
            trackingUri && trackingUri !== 'databricks'
              ? { kind: 'server', trackingUri, experimentName: 'lakechain-demo-eval' }
              : {
                  kind: 'databricks',
                  experimentName:
                    process.env.MLFLOW_EXPERIMENT_NAME ?? '/Shared/lakechain-demo-eval',
                },
        })
      : undefined;
  const outcomes: QuestionOutcome[] = [];
  let code = 0;
  try {
    log(
      `${pc.bold('lakechain demo eval')} · ${environment.mode} mode · model ${environment.modelDescription} · ${questions.length} questions (${half === 'both' ? 'both halves' : `${half} half`}) · max repairs ${maxRepairs}`,
    );
    await environment.ready?.();
    for (const [index, item] of questions.entries()) {
      let db = databases.get(item.schema);
      if (!db) {
        db = await environment.openDatabase('samples', item.schema);
        databases.set(item.schema, db);
      }
      const referenceSql = item.reference;
      const reference =
        referenceSql === undefined ? undefined : await db.query(referenceSql, { maxRows: 1000 });
      if (values['check-references']) {
        log(
          `${item.id}: ${reference ? `${reference.rows.length} rows ${JSON.stringify(reference.rows.slice(0, 3), (_k, v: unknown) => (typeof v === 'bigint' ? Number(v) : v))}` : 'unanswerable'}`,
        );
        continue;
      }
      const began = performance.now();
      const cpuBegan = cpuMs();
      let outcome: QuestionOutcome;
      const base = {
        id: item.id,
        half: item.half,
        schema: item.schema,
        level: item.level,
        question: item.question,
        ...(referenceSql ? { reference: referenceSql } : {}),
      };
      try {
        const result = await askLakehouse(item.question, {
          db,
          sqlModel: environment.sqlModel,
          repairModel: environment.repairModel,
          answerModel: environment.answerModel,
          maxRepairs,
          maxRows: 1000,
          ...chainOptions,
          callbacks: tracing ? [tracing.tracer] : undefined,
          runName: `eval_${item.id}`,
        });
        let comparison: { match: boolean; reason?: string };
        if (!reference) {
          comparison = result.unanswerable
            ? { match: true }
            : {
                match: false,
                reason: result.sql ? 'answered an unanswerable question' : 'no SQL ran',
              };
        } else if (result.unanswerable) {
          comparison = { match: false, reason: 'said it cannot answer' };
        } else if (result.sql) {
          comparison = compareResultSets(
            toResultSet(reference.columns, reference.rows),
            toResultSet(result.columns, result.rows),
            { ordered: item.ordered ?? hasOrderBy(referenceSql ?? '') },
          );
        } else {
          comparison = { match: false, reason: 'no SQL ran' };
        }
        outcome = {
          ...base,
          sql: result.sql,
          match: comparison.match,
          executed: result.sql !== undefined,
          unanswerable: result.unanswerable,
          attempts: result.attempts.length,
          attemptDetails: result.attempts,
          reason: comparison.reason,
          answer: result.answer,
          latencyMs: performance.now() - began,
          cpuMs: cpuMs() - cpuBegan,
          tokens: result.tokens,
        };
      } catch (error) {
        outcome = {
          ...base,
          match: false,
          executed: false,
          unanswerable: false,
          attempts: 0,
          reason: 'error',
          answer: '',
          latencyMs: performance.now() - began,
          cpuMs: cpuMs() - cpuBegan,
          tokens: { input: 0, output: 0, total: 0 },
          error: describeError(error).line,
        };
      }
      outcomes.push(outcome);
      const mark = outcome.match ? pc.green('✓') : pc.red('✗');
      log(
        `${mark} [${index + 1}/${questions.length}] ${item.id} ${formatMs(outcome.latencyMs)} (CPU ${formatMs(outcome.cpuMs ?? 0)}) ${outcome.tokens.total} tok${outcome.match ? '' : pc.dim(` (${outcome.error ?? outcome.reason})`)}${values.verbose && outcome.sql ? `\n    ${pc.dim(outcome.sql.replace(/\s+/g, ' '))}` : ''}`,
      );
    }
  } catch (error) {
    const { line, fix } = describeError(error);
    log(`${pc.red('Error:')} ${line}${fix ? `\n${pc.dim(`Fix: ${fix}`)}` : ''}`);
    if (values.verbose && error instanceof Error) log(pc.dim(error.stack ?? ''));
    code = 1;
  } finally {
    await tracing?.flush().catch(() => undefined);
    for (const db of databases.values()) await db.close().catch(() => undefined);
    await environment.close().catch(() => undefined);
  }
  if (values['check-references'] || outcomes.length === 0) return code;

  const halves: EvalSummary['halves'] = {};
  for (const name of ['dev', 'holdout'] as const) {
    const own = outcomes.filter((outcome) => outcome.half === name);
    if (own.length > 0) halves[name] = summarise(own);
  }
  const summary: EvalSummary = {
    mode: environment.mode,
    model: environment.modelDescription,
    endpoint: environment.endpoint,
    maxRepairs,
    settings: { ...chainOptions, ...environment.settings },
    ...summarise(outcomes),
    halves,
    loadAverage: { start: loadAtStart, end: loadavg()[0] ?? 0 },
    startedAt: new Date(started).toISOString(),
    durationMs: Date.now() - started,
    outcomes,
  };

  const table = new Table({
    head: ['question', 'half', 'level', 'result', 'attempts', 'latency', 'tokens'],
    colAligns: ['left', 'left', 'left', 'left', 'right', 'right', 'right'],
    style: {
      head: pc.isColorSupported ? ['cyan'] : [],
      border: pc.isColorSupported ? ['grey'] : [],
    },
  });
  for (const outcome of outcomes) {
    table.push([
      outcome.id,
      outcome.half,
      outcome.level,
      outcome.match
        ? pc.green('match')
        : pc.red(
            outcome.error
              ? 'error'
              : outcome.unanswerable
                ? 'declined'
                : outcome.executed
                  ? 'wrong'
                  : 'no SQL',
          ),
      String(outcome.attempts),
      formatMs(outcome.latencyMs),
      String(outcome.tokens.total),
    ]);
  }
  process.stdout.write(`${table.toString()}\n`);
  if (halves.dev) process.stdout.write(describeHalf('Development half', halves.dev));
  if (halves.holdout)
    process.stdout.write(describeHalf('Held-out half (never tuned on)', halves.holdout));
  process.stdout.write(
    `model: ${summary.model} (${summary.mode} mode) · load average ${summary.loadAverage.start.toFixed(1)} → ${summary.loadAverage.end.toFixed(1)} · ${formatMs(summary.durationMs)} in all\n`,
  );
  const modelName = basename(summary.model).replace(/\.gguf$/i, '');
  const outFile = resolve(
    values.out ??
      join(
        'eval-results',
        `${summary.mode}-${modelName}${values.tag ? `-${values.tag}` : ''}-${new Date(started).toISOString().replace(/[:.]/g, '-')}.json`,
      ),
  );
  mkdirSync(resolve(outFile, '..'), { recursive: true });
  writeFileSync(outFile, `${JSON.stringify(summary, null, 2)}\n`);
  process.stdout.write(pc.dim(`results written to ${outFile}\n`));
  return code;
}

if (process.argv[1] && resolve(process.argv[1]).endsWith(join('dist', 'eval.js'))) {
  const code = await runEvaluation(process.argv.slice(2));
  process.exitCode = code;
  setTimeout(() => process.exit(code), 200).unref();
}
