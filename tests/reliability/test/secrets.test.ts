/**
 * Secrets: representative flows of every package run with a recognisable PAT and OAuth client
 * secret. Every console line, stderr/stdout write, error (message, stack, inspect, JSON), serialised
 * LangChain object, finished trace, and everything the MLflow server stored (its SQLite database
 * and artifact files) is captured, and neither secret may appear anywhere.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inspect } from 'node:util';
import {
  DatabricksApiError,
  DatabricksAuthError,
  DatabricksClient,
  DatabricksConfigError,
  LakechainError,
  resolveConfig,
  toSqlConnectionOptions,
} from '@lakechain/core';
import {
  ChatDatabricks,
  Databricks,
  DatabricksEmbeddings,
  DatabricksServingError,
} from '@lakechain/databricks-llm';
import {
  DatabricksSqlDatabase,
  DatabricksSqlError,
  SqlGuardError,
} from '@lakechain/databricks-sql';
import type { LocalWorkspace } from '@lakechain/local-workspace';
import {
  type FinishedTrace,
  logChain,
  MlflowCallbackHandler,
  MlflowTracer,
} from '@lakechain/mlflow-tracking';
import { StringOutputParser } from '@langchain/core/output_parsers';
import { ChatPromptTemplate } from '@langchain/core/prompts';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { CHAT, COMPLETIONS, EMBEDDINGS, startWorkspace } from './helpers.js';
import { type MlflowServer, startMlflowServer } from './mlflow_server.js';

const TAIL = randomBytes(12).toString('hex');
const TOKEN = `dapi-LEAKCANARY-${TAIL}`;
const SECRET = `LEAKCANARY-secret-${TAIL}`;
/** Matched anywhere: the full secrets and their random part (catches partial prints). */
const NEEDLES = [TOKEN, SECRET, TAIL];

const seen: { where: string; text: string }[] = [];
const record = (where: string, value: unknown) => {
  if (typeof value === 'string') {
    seen.push({ where, text: value });
    return;
  }
  seen.push({ where: `${where} [inspect]`, text: inspect(value, { depth: 12 }) });
  try {
    seen.push({ where: `${where} [JSON]`, text: JSON.stringify(value) ?? '' });
  } catch (error) {
    seen.push({ where: `${where} [JSON error]`, text: String(error) });
  }
};
function recordError(where: string, error: unknown) {
  let current: unknown = error;
  for (let depth = 0; current && depth < 5; depth++) {
    const e = current as Error;
    record(`${where} message`, String(e?.message));
    record(`${where} stack`, String(e?.stack));
    record(`${where} String()`, String(e));
    record(where, e);
    current = (e as { cause?: unknown }).cause;
  }
}
/** What a flow must do: resolve, or fail with one of our typed errors of a given class. */
type Expected = 'resolves' | { name: string; isInstance(error: unknown): boolean };

/**
 * Runs a flow and captures its result or error for the scan. The flow must end as expected: a
 * flow that failed for another reason (a setup mistake, a crash) never reached the code whose
 * output the scan is meant to check, so it would pass the scan for nothing.
 */
async function attempt(where: string, expected: Expected, flow: () => Promise<unknown>) {
  let failure: { error: unknown } | undefined;
  try {
    record(`${where} result`, await flow());
  } catch (error) {
    recordError(where, error);
    failure = { error };
  }
  if (expected === 'resolves') {
    if (failure)
      throw new Error(`${where}: expected the flow to succeed, it failed`, {
        cause: failure.error,
      });
  } else if (!failure) {
    throw new Error(`${where}: expected a ${expected.name}, the flow succeeded`);
  } else if (!expected.isInstance(failure.error)) {
    throw new Error(`${where}: expected a ${expected.name}`, { cause: failure.error });
  }
}

let ws: LocalWorkspace;
let mlflow: MlflowServer;
let mlflowDir: string;
const home = mkdtempSync(join(tmpdir(), 'lakechain-rel-secrets-'));
const traces: FinishedTrace[] = [];
const restore: (() => void)[] = [];

beforeAll(async () => {
  for (const method of ['log', 'info', 'warn', 'error', 'debug', 'trace'] as const) {
    const original = console[method].bind(console);
    const spy = vi.spyOn(console, method).mockImplementation((...args: unknown[]) => {
      record(
        `console.${method}`,
        args.map((a) => (typeof a === 'string' ? a : inspect(a, { depth: 8 }))).join(' '),
      );
      original(...args);
    });
    restore.push(() => spy.mockRestore());
  }
  for (const stream of [process.stdout, process.stderr]) {
    const write = stream.write.bind(stream);
    stream.write = ((chunk: unknown, ...rest: unknown[]) => {
      record(
        stream === process.stdout ? 'stdout' : 'stderr',
        Buffer.isBuffer(chunk) ? chunk.toString('utf8') : String(chunk),
      );
      return (write as (...a: unknown[]) => boolean)(chunk, ...rest);
    }) as typeof stream.write;
    restore.push(() => {
      stream.write = write;
    });
  }
  mlflowDir = mkdtempSync(join(tmpdir(), 'lakechain-rel-mlflow-secrets-'));
  [ws, mlflow] = await Promise.all([
    startWorkspace({ token: TOKEN, oauth: { clientSecret: SECRET } }),
    startMlflowServer({ dataDir: mlflowDir }),
  ]);
}, 180_000);

afterAll(async () => {
  for (const undo of restore.reverse()) undo();
  await Promise.all([ws?.stop(), mlflow?.stop()]);
  rmSync(mlflowDir, { recursive: true, force: true });
  rmSync(home, { recursive: true, force: true });
});

const pat = () => ({ host: ws.host, token: TOKEN, caCert: ws.caCert, env: {} });
const m2m = () => ({
  host: ws.host,
  clientId: ws.oauth.clientId,
  clientSecret: SECRET,
  caCert: ws.caCert,
  env: {},
});

describe('flows', () => {
  it('core: config errors, auth failures, API errors, inspect/JSON of config and client', async () => {
    await attempt('config http host', DatabricksConfigError, () =>
      resolveConfig({ host: 'http://evil.example', token: TOKEN, env: {} }),
    );
    await attempt('config two methods', DatabricksConfigError, () =>
      resolveConfig({ ...pat(), clientId: 'x', clientSecret: SECRET }),
    );
    await attempt('config bad type', DatabricksConfigError, () =>
      resolveConfig({ host: ws.host, token: TOKEN, oauthScopes: [SECRET, 3] } as never),
    );
    const file = join(home, 'databrickscfg');
    writeFileSync(file, `[dev]\nhost = ${ws.host}\n${TOKEN}\nclient_secret = ${SECRET}\n`);
    await attempt('config file pasted token', DatabricksConfigError, () =>
      resolveConfig({ configFile: file, profile: 'dev', env: {} }),
    );
    writeFileSync(
      file,
      `[dev]\nhost = ${ws.host}\ntoken = ${TOKEN}\nclient_id = x\nclient_secret = ${SECRET}\n`,
    );
    await attempt('config file two methods', DatabricksConfigError, () =>
      resolveConfig({ configFile: file, profile: 'dev', env: {} }),
    );
    await attempt('config env', DatabricksConfigError, () =>
      resolveConfig({
        env: {
          DATABRICKS_HOST: 'ftp://x',
          DATABRICKS_TOKEN: TOKEN,
          DATABRICKS_CLIENT_SECRET: SECRET,
        },
      }),
    );

    const config = await resolveConfig(pat());
    const client = new DatabricksClient({ config });
    record('config', config);
    record('client', client);
    await attempt('api 404', DatabricksApiError, () =>
      client.request({ method: 'GET', path: '/api/2.0/serving-endpoints/nope' }),
    );
    await attempt('api bad body', DatabricksApiError, () =>
      client.request({
        method: 'POST',
        path: `/serving-endpoints/${CHAT}/invocations`,
        body: { prompt: TOKEN },
      }),
    );
    await attempt('api wrong token', LakechainError, async () =>
      new DatabricksClient({
        config: await resolveConfig({ ...pat(), token: `${TOKEN}-wrong` }),
      }).request({ method: 'GET', path: '/api/2.0/serving-endpoints' }),
    );
    ws.faults.setRules([{ route: 'serving-endpoints', rate429: 1, retryAfterSeconds: 0 }]);
    await attempt('api 429', DatabricksApiError, () =>
      client.request({
        method: 'GET',
        path: '/api/2.0/serving-endpoints',
        retry: { maxAttempts: 2, initialDelayMs: 5 },
      }),
    );
    ws.faults.setRules([{ route: 'serving-endpoints', resetRate: 1 }]);
    await attempt('api reset', LakechainError, () =>
      client.request({
        method: 'GET',
        path: '/api/2.0/serving-endpoints',
        retry: { maxAttempts: 2, initialDelayMs: 5 },
      }),
    );
    ws.faults.setRules([]);

    const m2mConfig = await resolveConfig(m2m());
    record('m2m config', m2mConfig);
    await attempt('m2m ok', 'resolves', () =>
      new DatabricksClient({ config: m2mConfig }).request({
        method: 'GET',
        path: '/api/2.0/serving-endpoints',
      }),
    );
    await attempt('m2m wrong client', DatabricksAuthError, async () =>
      new DatabricksClient({
        config: await resolveConfig({ ...m2m(), clientId: 'wrong' }),
      }).request({ method: 'GET', path: '/' }),
    );
    await attempt('m2m wrong secret', DatabricksAuthError, async () =>
      new DatabricksClient({
        config: await resolveConfig({ ...m2m(), clientSecret: `${SECRET}-wrong` }),
      }).request({ method: 'GET', path: '/' }),
    );
    record(
      'sql options',
      toSqlConnectionOptions(await resolveConfig({ ...pat(), warehouseId: ws.warehouseId })),
    );
    record(
      'sql options m2m',
      toSqlConnectionOptions(await resolveConfig({ ...m2m(), warehouseId: ws.warehouseId })),
    );
  });

  it('databricks-llm: calls, errors, LangChain serialisation', async () => {
    for (const auth of [pat(), m2m()]) {
      const chat = new ChatDatabricks({ endpoint: CHAT, maxRetries: 0, ...auth } as never);
      const llm = new Databricks({ endpointName: COMPLETIONS, maxRetries: 0, ...auth } as never);
      const embeddings = new DatabricksEmbeddings({ endpoint: EMBEDDINGS, ...auth } as never);
      for (const [name, model] of [
        ['ChatDatabricks', chat],
        ['Databricks', llm],
        ['DatabricksEmbeddings', embeddings],
      ] as const) {
        record(`${name} inspect`, model);
        record(`${name} toJSON`, (model as { toJSON?: () => unknown }).toJSON?.());
      }
      await attempt('chat invoke', 'resolves', () => chat.invoke('hello'));
      await attempt('chat stream', 'resolves', async () => {
        const parts: unknown[] = [];
        for await (const chunk of await chat.stream('hello')) parts.push(chunk);
        return parts;
      });
      await attempt('llm invoke', 'resolves', () => llm.invoke('hello'));
      await attempt('embeddings', 'resolves', () => embeddings.embedDocuments(['a', 'b']));
      await attempt('chat 404', DatabricksServingError, () =>
        new ChatDatabricks({ endpoint: 'missing', maxRetries: 0, ...auth } as never).invoke('x'),
      );
      ws.faults.setRules([{ route: 'serving-invocations', cutStreamRate: 1, times: 1 }]);
      await attempt('chat cut stream', LakechainError, async () => {
        for await (const _ of await chat.stream('hello')) void _;
      });
      ws.faults.setRules([{ route: 'serving-invocations', rate429: 1 }]);
      await attempt('chat 429', DatabricksServingError, () => chat.invoke('x'));
      ws.faults.setRules([]);
    }
    await attempt('chat wrong token', LakechainError, () =>
      new ChatDatabricks({
        endpoint: CHAT,
        maxRetries: 0,
        ...pat(),
        token: `${TOKEN}x`,
      } as never).invoke('x'),
    );
    await attempt(
      'chat bad option',
      LakechainError,
      async () => new ChatDatabricks({ endpoint: CHAT, ...pat(), temperature: SECRET } as never),
    );
  });

  it('databricks-sql: queries, errors, guard refusals, serialisation', async () => {
    for (const auth of [pat(), m2m()]) {
      const db = await DatabricksSqlDatabase.fromDatabricks({
        ...auth,
        httpPath: ws.httpPath,
        catalog: 'main',
        schema: 'default',
      } as never);
      record('db inspect', db);
      record('db serialize', db.serialize());
      await attempt('sql ok', 'resolves', () => db.run('SELECT 1 AS x'));
      await attempt('sql error', DatabricksSqlError, () => db.run('SELECT * FROM missing_table'));
      await attempt('sql guard', SqlGuardError, () => db.run('DROP TABLE t'));
      await attempt('sql noThrow', 'resolves', () => db.runNoThrow('SELECT nope('));
      await db.close();
    }
    await attempt('sql wrong token', LakechainError, () =>
      DatabricksSqlDatabase.fromDatabricks({
        ...pat(),
        token: `${TOKEN}x`,
        httpPath: ws.httpPath,
      } as never),
    );
    await attempt('sql wrong secret', LakechainError, () =>
      DatabricksSqlDatabase.fromDatabricks({
        ...m2m(),
        clientSecret: `${SECRET}x`,
        httpPath: ws.httpPath,
      } as never),
    );
  });

  it('mlflow-tracking: traces, run records, logged chain; MLflow credentials too', async () => {
    const env = { MLFLOW_TRACKING_TOKEN: TOKEN };
    const tracer = new MlflowTracer({
      trackingUri: mlflow.url,
      experimentName: 'secrets',
      env,
      onTraceEnd: (trace) => traces.push(trace),
    });
    const handler = new MlflowCallbackHandler({
      trackingUri: mlflow.url,
      experimentName: 'secrets-runs',
      env,
      flushIntervalMs: 0,
    });
    const chat = new ChatDatabricks({ endpoint: CHAT, maxRetries: 0, ...m2m() } as never);
    const chain = ChatPromptTemplate.fromMessages([['human', 'Tell me about {topic}']])
      .pipe(chat)
      .pipe(new StringOutputParser());
    await attempt('traced chain', 'resolves', () =>
      chain.invoke(
        { topic: 'otters' },
        { callbacks: [tracer, handler], metadata: { apiKey: TOKEN } },
      ),
    );
    await attempt('traced stream', 'resolves', async () => {
      for await (const _ of await chain.stream(
        { topic: 'delta' },
        { callbacks: [tracer, handler] },
      ))
        void _;
    });
    const failing = new ChatDatabricks({ endpoint: 'missing', maxRetries: 0, ...pat() } as never);
    await attempt('traced error', DatabricksServingError, () =>
      failing.invoke('x', { callbacks: [tracer, handler] }),
    );
    await tracer.flush();
    await handler.endRun();
    expect(tracer.exporter.stats).toMatchObject({ exported: 3, dropped: 0 });
    await attempt('logChain', 'resolves', () =>
      logChain(chain as never, {
        trackingUri: mlflow.url,
        experimentName: 'secrets-chains',
        env,
        registeredModelName: 'secret-chain',
      }),
    );
    const basic = new MlflowTracer({
      trackingUri: `http://user:${SECRET}@127.0.0.1:1`,
      env: {},
      onTraceEnd: (t) => traces.push(t),
    });
    await attempt('tracer unreachable with basic auth', 'resolves', () =>
      chain.invoke({ topic: 'x' }, { callbacks: [basic] }),
    );
    await basic.flush();
    record('tracer', tracer);
    record('handler', handler);
    record('basic-auth tracer', basic);
    record('traces', traces);
  });
});

/** Objects whose `util.inspect` used to show credentials (fixed with core's redactForInspection). */
const INSPECTED = {
  llm: ['ChatDatabricks inspect', 'Databricks inspect'],
  sql: ['db inspect'],
  mlflow: ['tracer', 'handler', 'basic-auth tracer'],
};
const isInspectOf = (names: string[]) => (where: string) =>
  names.some((n) => where === `${n} [inspect]`);

function leaks(filter: (where: string) => boolean): string[] {
  const stored: { where: string; text: string }[] = [];
  const walk = (dir: string) => {
    for (const name of readdirSync(dir)) {
      const path = join(dir, name);
      if (statSync(path).isDirectory()) walk(path);
      else
        stored.push({
          where: `mlflow store ${path.slice(mlflowDir.length)}`,
          text: readFileSync(path).toString('latin1'),
        });
    }
  };
  walk(mlflowDir);
  // Spans reach the server over OTLP and live in its SQLite database (traces.json artifacts on
  // the fallback path); whichever it is, it was scanned.
  expect(
    stored.some(
      (s) =>
        s.where.includes('traces.json') ||
        (s.where.endsWith('.db') && s.text.includes('mlflow.spanType')),
    ),
  ).toBe(true);
  expect(stored.some((s) => s.where.includes('chain.json'))).toBe(true);
  return [...seen, ...stored]
    .filter(({ where }) => filter(where))
    .filter(({ text }) => NEEDLES.some((needle) => text.includes(needle)))
    .map(({ where, text }) => {
      const at = Math.max(
        0,
        Math.min(...NEEDLES.map((n) => text.indexOf(n)).filter((i) => i >= 0)) - 120,
      );
      return `${where}: …${text.slice(at, at + 240)}…`;
    });
}

describe('the scan', () => {
  it('captured the flows', () => {
    expect(traces.length).toBeGreaterThanOrEqual(4);
    expect(seen.length).toBeGreaterThan(100);
  });

  it('no secret in console/stdout/stderr, errors, JSON/toJSON serialisations, traces or the MLflow store', () => {
    const inspected = Object.values(INSPECTED).flat();
    expect(leaks((where) => !isInspectOf(inspected)(where))).toEqual([]);
  });

  // LangChain's Serializable keeps raw constructor fields (token, clientSecret) in `lc_kwargs`;
  // util.inspect must not print them (regression test for a leak this suite found).
  it('util.inspect(ChatDatabricks | Databricks) shows no secret', () => {
    expect(leaks(isInspectOf(INSPECTED.llm))).toEqual([]);
  });

  // The database keeps its connection options (token, clientSecret) for reconnecting.
  it('util.inspect(DatabricksSqlDatabase) shows no secret', () => {
    expect(leaks(isInspectOf(INSPECTED.sql))).toEqual([]);
  });

  // The exporter and handler keep `env` (MLFLOW_TRACKING_TOKEN/PASSWORD) and the tracking URI.
  it('util.inspect(MlflowTracer | MlflowCallbackHandler) shows no secret', () => {
    expect(leaks(isInspectOf(INSPECTED.mlflow))).toEqual([]);
  });
});
