/**
 * The demo's command line: `lakechain-demo "<question>"` answers one question; with no question
 * it opens an interactive prompt. `main()` takes its streams and environment as arguments, so
 * tests drive it in-process.
 */
import { createInterface } from 'node:readline';
import type { Readable, Writable } from 'node:stream';
import { parseArgs } from 'node:util';
import { resolveConfig } from '@lakechain/core';
import type { DatabricksSqlDatabase } from '@lakechain/databricks-sql';
import ora, { type Ora } from 'ora';
import picocolors from 'picocolors';
import { type AskResult, askLakehouse, type ChainEvent, type SqlFormat } from './chain.js';
import {
  createEnvironment,
  DEFAULT_ENDPOINT,
  DEFAULT_LOCAL_MODEL,
  type DemoEnvironment,
  LOCAL_MODELS,
} from './environment.js';
import { describeError } from './errors.js';
import { startLocalMlflow } from './mlflow_local.js';
import { formatMs, highlightSql, renderTable } from './render.js';
import {
  createTracing,
  type DemoTracing,
  defaultTraceDirectory,
  renderTraceTree,
  type TraceTarget,
} from './tracing.js';

export const HELP = `Ask your lakehouse a question in plain language.

Usage:
  pnpm demo "<question>"        answer one question
  pnpm demo                     interactive prompt (Ctrl-D or "exit" to leave)

Options:
  --endpoint <name>     serving endpoint (workspace default ${DEFAULT_ENDPOINT})
  --catalog <name>      catalog (default samples)
  --schema <name>       schema (default nyctaxi; also tpch)
  --max-repairs <n>     times a failing SQL is sent back to the model (default 2)
  --show-sql            show every SQL attempt and why it was rejected
  --show-trace          print the trace tree (always printed when traces go to a file)
  --mlflow-local        start a local MLflow server (the mlflow command) and trace to it
  --experiment <name>   MLflow experiment (workspace default /Shared/lakechain-demo)
  --offline             use the local workspace even when a Databricks workspace is configured
  --profile <name>      ~/.databrickscfg profile
  --model <name|path>   offline model: ${LOCAL_MODELS.join(', ')} (default ${DEFAULT_LOCAL_MODEL}),
                        a .gguf file, or scripted (no model: plumbing only)
  --format <sql|clauses>  SQL step output: one SQL string (default) or clauses with a fixed skeleton
  --max-tokens <n>      tokens the model may generate for the SQL (default 200 offline, 600 workspace)
  --threads <n>         CPU threads of the local model (default: cores - 1, at most 4)
  --trace-dir <dir>     where trace files go (default ./traces)
  --verbose             progress details and stack traces
  -h, --help            this help

Workspace mode: set DATABRICKS_HOST + DATABRICKS_TOKEN (or a profile) and DATABRICKS_WAREHOUSE_ID.
Offline mode (default without a workspace): a local workspace and a small local model.`;

export interface MainIo {
  stdin: Readable & { isTTY?: boolean };
  stdout: Writable & { isTTY?: boolean };
  stderr: Writable & { isTTY?: boolean };
  env: NodeJS.ProcessEnv;
  /** Aborted on Ctrl-C. */
  signal?: AbortSignal;
  /** Called once everything is up (tests read the local workspace's counters from it). */
  onReady?: (ready: {
    environment: DemoEnvironment;
    db: DatabricksSqlDatabase;
    tracing: DemoTracing;
  }) => void;
}

export interface ParsedArgs {
  question?: string;
  endpoint?: string;
  catalog: string;
  schema: string;
  maxRepairs: number;
  showSql: boolean;
  showTrace: boolean;
  mlflowLocal: boolean;
  experiment?: string;
  offline: boolean;
  profile?: string;
  model?: string;
  maxTokens?: number;
  threads?: number;
  format: SqlFormat;
  traceDir?: string;
  verbose: boolean;
  help: boolean;
}

function positiveInteger(
  value: string | undefined,
  flag: string,
  allowZero = false,
): number | undefined {
  if (value === undefined) return undefined;
  const number = Number(value);
  if (!Number.isInteger(number) || number < (allowZero ? 0 : 1)) {
    throw new UsageError(
      `${flag} takes a ${allowZero ? 'non-negative' : 'positive'} integer, got "${value}".`,
    );
  }
  return number;
}

function parseFormat(value: string | undefined): SqlFormat {
  if (value === undefined || value === 'sql') return 'sql';
  if (value === 'clauses') return 'clauses';
  throw new UsageError(`--format is sql or clauses, got "${value}".`);
}

export class UsageError extends Error {
  override name = 'UsageError';
}

/** Parses the command line with node:util's parseArgs (strict: unknown flags are errors). */
export function parseCommandLine(argv: string[]): ParsedArgs {
  let parsed: ReturnType<
    typeof parseArgs<{ options: typeof OPTIONS; allowPositionals: true; strict: true }>
  >;
  try {
    parsed = parseArgs({ args: argv, options: OPTIONS, allowPositionals: true, strict: true });
  } catch (error) {
    throw new UsageError(`${(error as Error).message.split('\n')[0]} (see --help)`);
  }
  const { values, positionals } = parsed;
  const question = positionals.join(' ').trim();
  return {
    question: question === '' ? undefined : question,
    endpoint: values.endpoint,
    catalog: values.catalog ?? 'samples',
    schema: values.schema ?? 'nyctaxi',
    maxRepairs: positiveInteger(values['max-repairs'], '--max-repairs', true) ?? 2,
    showSql: values['show-sql'] ?? false,
    showTrace: values['show-trace'] ?? false,
    mlflowLocal: values['mlflow-local'] ?? false,
    experiment: values.experiment,
    offline: values.offline ?? false,
    profile: values.profile,
    model: values.model,
    maxTokens: positiveInteger(values['max-tokens'], '--max-tokens'),
    threads: positiveInteger(values.threads, '--threads'),
    format: parseFormat(values.format),
    traceDir: values['trace-dir'],
    verbose: values.verbose ?? false,
    help: values.help ?? false,
  };
}

const OPTIONS = {
  endpoint: { type: 'string' },
  catalog: { type: 'string' },
  schema: { type: 'string' },
  'max-repairs': { type: 'string' },
  'show-sql': { type: 'boolean' },
  'show-trace': { type: 'boolean' },
  'mlflow-local': { type: 'boolean' },
  experiment: { type: 'string' },
  offline: { type: 'boolean' },
  profile: { type: 'string' },
  model: { type: 'string' },
  'max-tokens': { type: 'string' },
  threads: { type: 'string' },
  format: { type: 'string' },
  'trace-dir': { type: 'string' },
  verbose: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const;

function isAbort(error: unknown, signal: AbortSignal | undefined): boolean {
  return (
    signal?.aborted === true ||
    (error instanceof Error &&
      (error.name === 'AbortError' || /aborted|cancell?ed/i.test(error.name)))
  );
}

interface Session {
  args: ParsedArgs;
  io: MainIo;
  environment: DemoEnvironment;
  db: DatabricksSqlDatabase;
  tracing: DemoTracing;
  spinner: Ora;
  /** Trace trees (and file names) waiting to be printed after the answer. */
  pendingTraces: string[];
  /** The local model has loaded (the first question waited for it). */
  modelReady?: boolean;
  /** Questions asked so far in this session. */
  questionsAsked?: number;
}

/** An ora spinner on stderr in a terminal; silent otherwise (pipes, CI, tests). */
function createSpinner(io: MainIo): Ora {
  return ora({
    stream: io.stderr,
    isEnabled: io.stderr.isTTY === true,
    isSilent: io.stderr.isTTY !== true,
    discardStdin: false,
  });
}

function out(io: MainIo, text = ''): void {
  io.stdout.write(`${text}\n`);
}

function eventText(
  event: ChainEvent,
  maxAttempts: number,
  firstQuestion: boolean,
): string | undefined {
  switch (event.type) {
    case 'schema':
      return `Read the schema (${event.tables.length} table${event.tables.length === 1 ? '' : 's'})`;
    case 'generating':
      if (event.attempt > 1)
        return `Writing SQL (repair ${event.attempt - 1} of ${maxAttempts - 1})`;
      // A local model reads the schema prompt once per session; later questions reuse its cache.
      return firstQuestion
        ? 'Writing SQL (the first question also reads the schema into the model; later ones reuse it)'
        : 'Writing SQL';
    case 'sql':
      return 'Validating the SQL with EXPLAIN';
    case 'executing':
      return 'Running the SQL on the warehouse';
    case 'answering':
      return 'Answering from the rows';
    default:
      return undefined;
  }
}

async function answerOne(session: Session, question: string): Promise<AskResult> {
  const { args, io, environment, db, tracing, spinner } = session;
  const maxAttempts = args.maxRepairs + 1;
  const color = pc.isColorSupported;
  const firstQuestion = (session.questionsAsked ?? 0) === 0;
  session.questionsAsked = (session.questionsAsked ?? 0) + 1;
  if (environment.ready && !session.modelReady) {
    // Only the first question of a session waits for the model; later ones find it loaded.
    spinner.start(
      `Loading the model (the first question of a session loads it; later ones reuse it)`,
    );
    await environment.ready();
    session.modelReady = true;
  }
  spinner.start('Reading the schema');
  let result: AskResult;
  let shown = false;
  let streaming = false;
  try {
    result = await askLakehouse(question, {
      db,
      sqlModel: environment.sqlModel,
      repairModel: environment.repairModel,
      answerModel: environment.answerModel,
      maxRepairs: args.maxRepairs,
      callbacks: [tracing.tracer],
      signal: io.signal,
      onEvent: (event) => {
        if (event.type === 'rejected' && (args.showSql || args.verbose)) {
          spinner.stop();
          const label = event.stage === 'generate' ? 'unusable output' : `${event.stage} failed`;
          out(io, pc.yellow(`✗ attempt ${event.attempt}: ${label}: ${event.error}`));
        }
        if (event.type === 'sql' && (args.showSql || args.verbose)) {
          spinner.stop();
          out(io, pc.dim(`SQL attempt ${event.attempt}:`));
          out(io, highlightSql(event.sql, color));
        }
        if (event.type === 'rows') {
          // The SQL and its rows are shown before the answer streams in.
          spinner.stop();
          if (!(args.showSql || args.verbose)) {
            out(io, pc.dim('SQL:'));
            out(io, highlightSql(event.sql, color));
          }
          out(io, renderTable(event.columns, event.rows, { truncated: event.truncated, color }));
          shown = true;
        }
        if (event.type === 'answer-token') {
          let text = event.text;
          if (!streaming) {
            text = text.trimStart();
            if (text === '') return;
            spinner.stop();
            io.stdout.write(`${pc.green('Answer:')} `);
            streaming = true;
          }
          io.stdout.write(text);
          return;
        }
        const text = eventText(event, maxAttempts, firstQuestion && environment.mode === 'offline');
        if (text) spinner.start(text);
      },
    });
  } finally {
    spinner.stop();
    if (streaming) io.stdout.write('\n');
  }
  if (result.sql && !shown) {
    out(io, pc.dim('SQL:'));
    out(io, highlightSql(result.sql, color));
    out(io, renderTable(result.columns, result.rows, { truncated: result.truncated, color }));
  }
  if (!streaming) {
    out(io, `${result.answered ? pc.green('Answer:') : pc.red('No answer:')} ${result.answer}`);
  }
  const { timings, tokens } = result;
  out(
    io,
    pc.dim(
      `schema ${formatMs(timings.schemaMs)} · model (SQL) ${formatMs(timings.sqlMs)} · warehouse ${formatMs(timings.executeMs)} · model (answer) ${formatMs(timings.answerMs)} · total ${formatMs(timings.totalMs)} · tokens ${tokens.input} in / ${tokens.output} out · ${result.attempts.length} attempt${result.attempts.length === 1 ? '' : 's'}`,
    ),
  );
  for (const text of session.pendingTraces.splice(0)) out(io, text);
  return result;
}

async function chooseTraceTarget(
  args: ParsedArgs,
  io: MainIo,
  environment: DemoEnvironment,
  spinner: Ora,
  cleanups: Array<() => Promise<void>>,
): Promise<TraceTarget> {
  const experimentName =
    args.experiment ??
    io.env.MLFLOW_EXPERIMENT_NAME ??
    (environment.mode === 'workspace' ? '/Shared/lakechain-demo' : 'lakechain-demo');
  if (args.mlflowLocal) {
    spinner.start('Starting a local MLflow server (mlflow server, SQLite store)');
    const server = await startLocalMlflow({ env: io.env });
    cleanups.push(() => server.stop());
    spinner.stop();
    io.stderr.write(
      `${pc.green('✔')} MLflow UI: ${pc.underline(server.url)} (experiment ${experimentName}); it stops when the demo exits\n`,
    );
    return { kind: 'server', trackingUri: server.url, experimentName };
  }
  const uri = io.env.MLFLOW_TRACKING_URI?.trim();
  if (uri) {
    if (uri === 'databricks' || uri.startsWith('databricks://'))
      return { kind: 'databricks', experimentName };
    return { kind: 'server', trackingUri: uri, experimentName };
  }
  if (environment.mode === 'workspace') return { kind: 'databricks', experimentName };
  const workspace = environment.workspace;
  return {
    kind: 'file',
    directory: args.traceDir ?? defaultTraceDirectory(),
    ...(workspace
      ? {
          localWorkspace: {
            config: await resolveConfig({
              host: workspace.host,
              token: workspace.token,
              caCert: workspace.caCert,
              env: {},
            }),
            experimentName,
          },
        }
      : {}),
  };
}

/** Runs the demo; returns the process exit code. */
/**
 * Colour functions for this run: on for a terminal, off when the output is piped or captured
 * (picocolors alone also turns colours on whenever `CI` is set), unless FORCE_COLOR asks for them.
 * NO_COLOR always wins (picocolors checks it).
 */
let pc: ReturnType<typeof picocolors.createColors> = picocolors;

function colorsFor(io: MainIo): ReturnType<typeof picocolors.createColors> {
  const enabled =
    picocolors.isColorSupported && ('FORCE_COLOR' in io.env || io.stdout.isTTY === true);
  return picocolors.createColors(enabled);
}

export async function main(argv: string[], io: MainIo): Promise<number> {
  pc = colorsFor(io);
  let args: ParsedArgs;
  try {
    args = parseCommandLine(argv);
  } catch (error) {
    io.stderr.write(`${pc.red('Error:')} ${(error as Error).message}\n`);
    return 2;
  }
  if (args.help) {
    out(io, HELP);
    return 0;
  }
  const spinner = createSpinner(io);
  const cleanups: Array<() => Promise<void>> = [];
  let environment: DemoEnvironment | undefined;
  let db: DatabricksSqlDatabase | undefined;
  let tracing: DemoTracing | undefined;
  const pendingTraces: string[] = [];
  let code = 0;
  try {
    spinner.start('Preparing');
    environment = await createEnvironment({
      mode: args.offline ? 'offline' : undefined,
      profile: args.profile,
      endpoint: args.endpoint,
      model: args.model,
      sqlMaxTokens: args.maxTokens,
      ...(args.threads ? { threads: args.threads } : {}),
      env: io.env,
      // A first run downloads the model: its progress bar (or plain lines) replaces the spinner.
      fetchProgress: io.stderr,
      onFetchEvent: (event) => {
        if (event.type === 'ready') {
          if (event.fetched) spinner.start('Starting the local workspace');
        } else if (spinner.isSpinning) spinner.stop();
      },
      progress: (message) => {
        spinner.text = message;
        // Loading percentages only move the spinner; the other steps are worth a line.
        if (args.verbose && !/\(\d+%\)$/.test(message)) io.stderr.write(pc.dim(`  ${message}\n`));
      },
    });
    cleanups.push(() => environment!.close());
    spinner.text = `Connecting to the SQL warehouse (${args.catalog}.${args.schema})`;
    db = await environment.openDatabase(args.catalog, args.schema);
    cleanups.unshift(() => db!.close());
    const target = await chooseTraceTarget(args, io, environment, spinner, cleanups);
    const printTree = target.kind === 'file' || args.showTrace;
    tracing = createTracing({
      target,
      env: io.env,
      // Printed after the answer (the trace ends before the answer is shown).
      onTrace: (trace, file) => {
        if (printTree) pendingTraces.push(renderTraceTree(trace));
        if (file) pendingTraces.push(pc.dim(`trace written to ${file}`));
      },
    });
    spinner.stop();
    io.stderr.write(
      `${pc.bold('lakechain demo')} · ${environment.mode} mode · model ${environment.modelDescription} · warehouse ${environment.host} · ${args.catalog}.${args.schema} · traces: ${tracing.describe()}\n`,
    );
    io.onReady?.({ environment, db, tracing });
    const session: Session = { args, io, environment, db, tracing, spinner, pendingTraces };
    if (args.question) {
      await answerOne(session, args.question);
      if (args.mlflowLocal && io.stdin.isTTY) await waitForEnter(io, tracing);
    } else {
      code = await interactive(session);
    }
  } catch (error) {
    spinner.stop();
    if (isAbort(error, io.signal)) {
      io.stderr.write(
        `${pc.yellow('Cancelled.')} The running step (model request or warehouse statement) was cancelled; everything is closed.\n`,
      );
      code = 130;
    } else {
      const { line, fix } = describeError(error);
      io.stderr.write(`${pc.red('Error:')} ${line}${fix ? `\n${pc.dim(`Fix: ${fix}`)}` : ''}\n`);
      if (args.verbose && error instanceof Error && error.stack)
        io.stderr.write(`${pc.dim(error.stack)}\n`);
      code = 1;
    }
  } finally {
    await tracing?.flush().catch(() => undefined);
    for (const cleanup of cleanups) await cleanup().catch(() => undefined);
  }
  return code;
}

/** Keeps the local MLflow server up until the user has looked at the trace. */
async function waitForEnter(io: MainIo, tracing: DemoTracing): Promise<void> {
  await tracing.flush();
  io.stderr.write(
    pc.dim(
      `The trace is in MLflow (${tracing.describe()}). Press Enter to stop the server and exit.\n`,
    ),
  );
  const rl = createInterface({ input: io.stdin, terminal: false });
  await new Promise<void>((resolve) => {
    rl.once('line', () => resolve());
    rl.once('close', () => resolve());
    io.signal?.addEventListener('abort', () => resolve(), { once: true });
  });
  rl.close();
}

async function interactive(session: Session): Promise<number> {
  const { io, args } = session;
  const rl = createInterface({
    input: io.stdin,
    output: io.stdout,
    terminal: io.stdin.isTTY === true,
  });
  const tty = io.stdin.isTTY === true;
  const prompt = () => {
    if (tty) rl.prompt();
  };
  out(
    io,
    pc.dim(
      `Ask about ${args.catalog}.${args.schema} (tables: ${session.db.getUsableTableNames().join(', ')}). Ctrl-D or "exit" to leave.`,
    ),
  );
  rl.setPrompt(`${pc.bold('ask')}> `);
  // In a terminal, readline turns Ctrl-C into this event instead of SIGINT.
  rl.on('SIGINT', () => {
    process.emit('SIGINT');
  });
  prompt();
  try {
    for await (const raw of rl) {
      const question = raw.trim();
      if (question === 'exit' || question === 'quit') break;
      if (question !== '') {
        if (!tty) out(io, `${pc.bold('ask')}> ${question}`);
        try {
          await answerOne(session, question);
        } catch (error) {
          session.spinner.stop();
          if (isAbort(error, io.signal)) throw error;
          const { line, fix } = describeError(error);
          io.stderr.write(`${pc.red('Error:')} ${line}${fix ? ` ${pc.dim(`(${fix})`)}` : ''}\n`);
          if (args.verbose && error instanceof Error && error.stack)
            io.stderr.write(`${pc.dim(error.stack)}\n`);
        }
      }
      if (io.signal?.aborted) break;
      prompt();
    }
  } finally {
    rl.close();
  }
  return 0;
}
