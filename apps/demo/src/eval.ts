#!/usr/bin/env node
/**
 * `pnpm demo:eval`: runs every question of `questions.ts` through the full chain (same
 * environment, model and warehouse as the demo), compares the chain's result set with the
 * reference SQL's, and prints accuracy, median latency and tokens per question. Results go to
 * `eval-results/<mode>-<timestamp>.json`.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import type { DatabricksSqlDatabase } from '@lakechain/databricks-sql';
import Table from 'cli-table3';
import pc from 'picocolors';
import { askLakehouse, type SqlFormat } from './chain.js';
import { compareResultSets, hasOrderBy, type ResultSet } from './compare.js';
import { createEnvironment } from './environment.js';
import { describeError } from './errors.js';
import { type EvalQuestion, QUESTIONS } from './questions.js';
import { formatMs } from './render.js';
import { createTracing } from './tracing.js';

export interface QuestionOutcome {
  id: string;
  schema: string;
  level: string;
  question: string;
  reference: string;
  sql?: string;
  /** The chain's result matches the reference result. */
  match: boolean;
  /** SQL ran on the warehouse (after at most max-repairs repairs). */
  executed: boolean;
  attempts: number;
  /** Each attempt's SQL and why it was rejected. */
  attemptDetails?: Array<{ stage: string; sql?: string; error?: string }>;
  reason?: string;
  answer: string;
  latencyMs: number;
  tokens: { input: number; output: number; total: number };
  error?: string;
}

export interface EvalSummary {
  mode: string;
  model: string;
  endpoint: string;
  maxRepairs: number;
  questions: number;
  correct: number;
  accuracy: number;
  executed: number;
  medianLatencyMs: number;
  medianTokens: number;
  meanTokens: number;
  bySchema: Record<string, { correct: number; total: number }>;
  byLevel: Record<string, { correct: number; total: number }>;
  startedAt: string;
  durationMs: number;
  outcomes: QuestionOutcome[];
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

export async function runEvaluation(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      model: { type: 'string' },
      endpoint: { type: 'string' },
      offline: { type: 'boolean' },
      profile: { type: 'string' },
      'max-repairs': { type: 'string' },
      schema: { type: 'string' },
      only: { type: 'string' },
      limit: { type: 'string' },
      out: { type: 'string' },
      'check-references': { type: 'boolean' },
      format: { type: 'string' },
      verbose: { type: 'boolean' },
    },
    strict: true,
  });
  const maxRepairs = values['max-repairs'] === undefined ? 2 : Number(values['max-repairs']);
  let questions: EvalQuestion[] = QUESTIONS;
  if (values.schema) questions = questions.filter((question) => question.schema === values.schema);
  if (values.only) {
    const ids = new Set(values.only.split(','));
    questions = questions.filter((question) => ids.has(question.id));
  }
  if (values.limit) questions = questions.slice(0, Number(values.limit));

  if (values.format && !['sql', 'clauses'].includes(values.format))
    throw new Error(`--format is sql or clauses, got "${values.format}".`);
  const format = values.format as SqlFormat | undefined;
  const started = Date.now();
  const log = (text: string) => process.stderr.write(`${text}\n`);
  const environment = await createEnvironment({
    mode: values.offline ? 'offline' : undefined,
    profile: values.profile,
    endpoint: values.endpoint,
    model: values.model,
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
      `${pc.bold('lakechain demo eval')} · ${environment.mode} mode · model ${environment.modelDescription} · ${questions.length} questions · max repairs ${maxRepairs}`,
    );
    for (const [index, item] of questions.entries()) {
      let db = databases.get(item.schema);
      if (!db) {
        db = await environment.openDatabase('samples', item.schema);
        databases.set(item.schema, db);
      }
      // Unanswerable questions are scored in the next change of this file.
      const referenceSql = item.reference;
      if (referenceSql === undefined) continue;
      const reference = await db.query(referenceSql, { maxRows: 1000 });
      if (values['check-references']) {
        log(
          `${item.id}: ${reference.rows.length} rows ${JSON.stringify(reference.rows.slice(0, 3), (_k, v: unknown) => (typeof v === 'bigint' ? Number(v) : v))}`,
        );
        continue;
      }
      const began = performance.now();
      let outcome: QuestionOutcome;
      try {
        const result = await askLakehouse(item.question, {
          db,
          sqlModel: environment.sqlModel,
          repairModel: environment.repairModel,
          answerModel: environment.answerModel,
          maxRepairs,
          maxRows: 1000,
          format,
          callbacks: tracing ? [tracing.tracer] : undefined,
          runName: `eval_${item.id}`,
        });
        const comparison = result.sql
          ? compareResultSets(
              toResultSet(reference.columns, reference.rows),
              toResultSet(result.columns, result.rows),
              { ordered: item.ordered ?? hasOrderBy(referenceSql) },
            )
          : { match: false, reason: 'no SQL ran' };
        outcome = {
          id: item.id,
          schema: item.schema,
          level: item.level,
          question: item.question,
          reference: referenceSql,
          sql: result.sql,
          match: comparison.match,
          executed: result.sql !== undefined,
          attempts: result.attempts.length,
          attemptDetails: result.attempts,
          reason: comparison.reason,
          answer: result.answer,
          latencyMs: performance.now() - began,
          tokens: result.tokens,
        };
      } catch (error) {
        outcome = {
          id: item.id,
          schema: item.schema,
          level: item.level,
          question: item.question,
          reference: referenceSql,
          match: false,
          executed: false,
          attempts: 0,
          reason: 'error',
          answer: '',
          latencyMs: performance.now() - began,
          tokens: { input: 0, output: 0, total: 0 },
          error: describeError(error).line,
        };
      }
      outcomes.push(outcome);
      const mark = outcome.match ? pc.green('✓') : pc.red('✗');
      log(
        `${mark} [${index + 1}/${questions.length}] ${item.id} ${formatMs(outcome.latencyMs)} ${outcome.tokens.total} tok${outcome.match ? '' : pc.dim(` (${outcome.error ?? outcome.reason})`)}${values.verbose && outcome.sql ? `\n    ${pc.dim(outcome.sql.replace(/\s+/g, ' '))}` : ''}`,
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

  const correct = outcomes.filter((outcome) => outcome.match).length;
  const summary: EvalSummary = {
    mode: environment.mode,
    model: environment.modelDescription,
    endpoint: environment.endpoint,
    maxRepairs,
    questions: outcomes.length,
    correct,
    accuracy: correct / outcomes.length,
    executed: outcomes.filter((outcome) => outcome.executed).length,
    medianLatencyMs: median(outcomes.map((outcome) => outcome.latencyMs)),
    medianTokens: median(outcomes.map((outcome) => outcome.tokens.total)),
    meanTokens: outcomes.reduce((sum, outcome) => sum + outcome.tokens.total, 0) / outcomes.length,
    bySchema: tally(outcomes, 'schema'),
    byLevel: tally(outcomes, 'level'),
    startedAt: new Date(started).toISOString(),
    durationMs: Date.now() - started,
    outcomes,
  };

  const table = new Table({
    head: ['question', 'level', 'result', 'attempts', 'latency', 'tokens'],
    colAligns: ['left', 'left', 'left', 'right', 'right', 'right'],
    style: {
      head: pc.isColorSupported ? ['cyan'] : [],
      border: pc.isColorSupported ? ['grey'] : [],
    },
  });
  for (const outcome of outcomes) {
    table.push([
      outcome.id,
      outcome.level,
      outcome.match
        ? pc.green('match')
        : pc.red(outcome.error ? 'error' : outcome.executed ? 'wrong' : 'no SQL'),
      String(outcome.attempts),
      formatMs(outcome.latencyMs),
      String(outcome.tokens.total),
    ]);
  }
  process.stdout.write(`${table.toString()}\n`);
  const percent = (value: number) => `${(value * 100).toFixed(0)}%`;
  const bySchema = Object.entries(summary.bySchema)
    .map(([schema, entry]) => `${schema} ${entry.correct}/${entry.total}`)
    .join(', ');
  const byLevel = Object.entries(summary.byLevel)
    .map(([level, entry]) => `${level} ${entry.correct}/${entry.total}`)
    .join(', ');
  process.stdout.write(
    `${pc.bold(`Accuracy ${correct}/${outcomes.length} (${percent(summary.accuracy)})`)} · SQL ran ${summary.executed}/${outcomes.length} · median latency ${formatMs(summary.medianLatencyMs)} · median tokens ${summary.medianTokens} (mean ${summary.meanTokens.toFixed(0)})\n` +
      `by schema: ${bySchema}\nby level: ${byLevel}\nmodel: ${summary.model} (${summary.mode} mode)\n`,
  );
  const outFile = resolve(
    values.out ??
      join(
        'eval-results',
        `${summary.mode}-${new Date(started).toISOString().replace(/[:.]/g, '-')}.json`,
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
