/**
 * Logging a chain definition to MLflow and registering it: the serialised runnable (LangChain's
 * `toJSON()` form, secrets already replaced by LangChain) plus its prompt templates and an
 * `MLmodel` file with a signature, uploaded as run artifacts, then a registered model + version
 * whose source is that artifact folder: in the tracking server's registry (open source), or in
 * Unity Catalog on Databricks (its default registry; the files are copied to the version's own
 * storage, which is what Unity Catalog serves them from).
 *
 * The artifact is a record of the definition under its own `langchainjs` flavor, not MLflow's
 * Python `langchain` flavor: Python cannot load it with `mlflow.langchain.load_model`.
 */
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { isAbsolute, relative, resolve } from 'node:path';

import { redactSecrets } from '@lakechain/core';
import type { ConnectionOptions } from './connection.js';
import { MlflowConfigError } from './errors.js';
import { MlflowClient, type ModelFile, type ModelVersion, type RunInfo } from './mlflow_client.js';
import { safeJson } from './spans.js';
import { defaultEnv } from './tracking_uri.js';

export interface SerializableRunnable {
  toJSON(): unknown;
  getName?(): string;
}

export interface LogChainOptions extends ConnectionOptions {
  /** Log into this run; otherwise a run is created (and finished) in the experiment. */
  runId?: string;
  /** Run name when one is created. Default `chain-<runnable name>`. */
  runName?: string;
  /** Folder under the run's artifacts. Default `chain`. */
  artifactPath?: string;
  /**
   * Create (or reuse) this registered model and add a version of the chain. On Databricks this is
   * a Unity Catalog name, `catalog.schema.model` (the schema must exist); on an open-source server
   * any name.
   */
  registeredModelName?: string;
  /**
   * Which registry `registeredModelName` goes to on Databricks: `unity-catalog` (default, like
   * MLflow's `databricks-uc`) or the legacy per-workspace registry (`workspace`, like
   * `databricks`). Default from `MLFLOW_REGISTRY_URI` when it is `databricks-uc` or `databricks`.
   */
  registry?: 'unity-catalog' | 'workspace';
  /**
   * Input column names for the `MLmodel` signature (Unity Catalog requires one). Default: the
   * input variables of the chain's first prompt template.
   */
  inputNames?: string[];
  description?: string;
  tags?: Record<string, string>;
  client?: MlflowClient;
  /**
   * How to serve the chain: the module that exports it (and the files it imports), uploaded
   * under `code/` next to the definition and recorded in `MLmodel` and `meta.json`, so
   * `lakechain-agent serve --model models:/<name>/<version>` (`@lakechain/agent-server`) can
   * download and serve a registered version.
   */
  serving?: ServingOptions;
}

export interface ServingOptions {
  /** The module exporting the runnable or agent (or a function making it), e.g. `./agent.mjs`. */
  entryPoint: string;
  /** Other files the entry point imports (relative paths, kept as they are under `code/`). */
  files?: string[];
  /** The entry point's export. Default `default`. */
  exportName?: string;
  /** The folder `entryPoint` and `files` are relative to. Default the current directory. */
  baseDir?: string;
}

/** How a logged chain is served, as `meta.json` records it (paths relative to the chain folder). */
export interface ServingSpec {
  entryPoint: string;
  exportName: string;
  files: string[];
  /** The command that serves the downloaded folder. */
  command: string[];
}

/** The command recorded in `MLmodel`: serve the model folder it sits in. */
export const SERVE_COMMAND = ['npx', 'lakechain-agent', 'serve', '--model-dir', '.'];

export interface PromptRecord {
  class: string;
  input_variables?: unknown;
  template?: string;
  messages?: { role: string; template: string }[];
}

export interface LoggedChain {
  runId: string;
  artifactUri: string;
  /** `<run artifact uri>/<artifactPath>`. */
  source: string;
  prompts: PromptRecord[];
  /** Set when `registeredModelName` was given; `status` is `READY` once registered. */
  modelVersion?: ModelVersion;
  /** Where the version was registered, when it was. */
  registry?: 'unity-catalog' | 'workspace' | 'tracking-server';
}

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => v !== null && typeof v === 'object' && !Array.isArray(v);

function className(node: Obj): string | undefined {
  const id = node.id;
  return Array.isArray(id) && typeof id[id.length - 1] === 'string'
    ? (id[id.length - 1] as string)
    : undefined;
}

function templateOf(node: unknown): string | undefined {
  if (!isObj(node)) return undefined;
  const kwargs = isObj(node.kwargs) ? node.kwargs : undefined;
  if (typeof kwargs?.template === 'string') return kwargs.template;
  if (kwargs && isObj(kwargs.prompt)) return templateOf(kwargs.prompt);
  return undefined;
}

const ROLE: Record<string, string> = {
  HumanMessagePromptTemplate: 'human',
  AIMessagePromptTemplate: 'ai',
  SystemMessagePromptTemplate: 'system',
  ChatMessagePromptTemplate: 'generic',
};

/** Prompt templates found in a serialised runnable tree (chat prompts keep their role order). */
export function extractPrompts(serialized: unknown): PromptRecord[] {
  const out: PromptRecord[] = [];
  // toJSON() is shallow (children are still live objects); JSON round-trip gives the full tree.
  const tree = JSON.parse(safeJson(serialized)) as unknown;
  const visit = (node: unknown): void => {
    if (Array.isArray(node)) {
      for (const child of node) visit(child);
      return;
    }
    if (!isObj(node)) return;
    const cls = className(node);
    const kwargs = isObj(node.kwargs) ? node.kwargs : undefined;
    if (cls === 'ChatPromptTemplate' && kwargs && Array.isArray(kwargs.messages)) {
      const messages = (kwargs.messages as unknown[]).filter(isObj).map((m) => ({
        role: ROLE[className(m) ?? ''] ?? className(m) ?? 'unknown',
        template: templateOf(m) ?? safeJson(m.kwargs ?? m),
      }));
      out.push({ class: cls, input_variables: kwargs.input_variables, messages });
      return; // its children are the messages above
    }
    if (cls?.endsWith('PromptTemplate') && typeof kwargs?.template === 'string') {
      out.push({ class: cls, input_variables: kwargs.input_variables, template: kwargs.template });
      return;
    }
    for (const value of Object.values(node)) visit(value);
  };
  visit(tree);
  return out;
}

/**
 * Prompt templates reachable from a live runnable. Used when `toJSON()` cannot describe the whole
 * chain (any non-serialisable step turns the sequence into `not_implemented`, losing its prompts).
 */
export function collectPrompts(runnable: unknown): PromptRecord[] {
  const out: PromptRecord[] = [];
  const seen = new WeakSet<object>();
  const visit = (node: unknown, depth: number): void => {
    if (depth > 12 || node === null || typeof node !== 'object' || seen.has(node)) return;
    seen.add(node);
    if (Array.isArray(node)) {
      for (const child of node) visit(child, depth + 1);
      return;
    }
    const ctor = (node as { constructor?: { lc_name?: () => string; name?: string } }).constructor;
    const cls = (typeof ctor?.lc_name === 'function' ? ctor.lc_name() : ctor?.name) ?? '';
    if (
      cls.endsWith('PromptTemplate') &&
      typeof (node as SerializableRunnable).toJSON === 'function'
    ) {
      const found = extractPrompts((node as SerializableRunnable).toJSON());
      if (found.length > 0) {
        out.push(...found);
        return;
      }
    }
    for (const value of Object.values(node)) visit(value, depth + 1);
  };
  visit(runnable, 0);
  return out;
}

/**
 * Logs a runnable's definition and prompts as artifacts and optionally registers it.
 *
 * @example
 * ```ts
 * const { modelVersion } = await logChain(prompt.pipe(model).pipe(parser), {
 *   trackingUri: 'http://127.0.0.1:5000', experimentName: 'chains', registeredModelName: 'support-bot',
 * });
 * ```
 */
export async function logChain(
  runnable: SerializableRunnable,
  options: LogChainOptions = {},
): Promise<LoggedChain> {
  const client = options.client ?? new MlflowClient(options);
  const env = options.env ?? defaultEnv();
  const registry = options.registeredModelName
    ? chooseRegistry(client.connection.kind, options.registry, env)
    : undefined;
  if (registry === 'unity-catalog' && options.registeredModelName)
    assertUnityCatalogName(options.registeredModelName);
  const serialized = runnable.toJSON();
  const name = runnable.getName?.() ?? 'runnable';
  let prompts = extractPrompts(serialized);
  if (prompts.length === 0) prompts = collectPrompts(runnable);

  let run: RunInfo;
  let createdRun = false;
  if (options.runId) {
    run = (await client.getRun(options.runId)).info;
  } else {
    const experimentId =
      options.experimentId ??
      env.MLFLOW_EXPERIMENT_ID ??
      (await client.getOrCreateExperiment(
        options.experimentName ?? env.MLFLOW_EXPERIMENT_NAME ?? 'langchain',
      ));
    run = await client.createRun({
      experimentId,
      runName: options.runName ?? `chain-${name}`,
      tags: { 'lakechain.chain.name': name, ...options.tags },
    });
    createdRun = true;
  }

  const dir = (options.artifactPath ?? 'chain').replace(/^\/+|\/+$/g, '');
  const secrets = client.connection.secrets();
  const json = (value: unknown) =>
    redactSecrets(JSON.stringify(JSON.parse(safeJson(value)), null, 2), secrets);
  const createdAt = new Date();
  const code = options.serving ? codeFiles(options.serving) : undefined;
  const files: ModelFile[] = [
    {
      path: 'MLmodel',
      body: mlmodelYaml({
        artifactPath: dir,
        runId: run.run_id,
        createdAt,
        inputNames: options.inputNames ?? inputNamesOf(prompts),
        ...(code ? { serving: code.spec } : {}),
      }),
    },
    { path: 'chain.json', body: json(serialized) },
    { path: 'prompts.json', body: json(prompts) },
    {
      path: 'meta.json',
      body: json({
        format: 'langchainjs-serialized',
        runnable_name: name,
        created_by: '@lakechain/mlflow-tracking',
        created_at: createdAt.toISOString(),
        ...(code
          ? {
              serving: {
                entry_point: code.spec.entryPoint,
                export: code.spec.exportName,
                files: code.spec.files,
                command: code.spec.command,
              },
            }
          : {}),
      }),
    },
    ...(code?.files ?? []),
  ];
  try {
    for (const file of files)
      await client.uploadArtifact(run.artifact_uri, `${dir}/${file.path}`, file.body);
    if (createdRun) await client.updateRun(run.run_id, 'FINISHED', Date.now());
  } catch (error) {
    if (createdRun) await client.updateRun(run.run_id, 'FAILED', Date.now()).catch(() => undefined);
    throw error;
  }

  const source = `${run.artifact_uri.replace(/\/+$/, '')}/${dir}`;
  const result: LoggedChain = { runId: run.run_id, artifactUri: run.artifact_uri, source, prompts };
  if (options.registeredModelName && registry === 'unity-catalog') {
    result.registry = 'unity-catalog';
    result.modelVersion = await client.registerUnityCatalogModelVersion({
      name: options.registeredModelName,
      source,
      runId: run.run_id,
      files,
      ...(options.description ? { description: options.description } : {}),
    });
  } else if (options.registeredModelName) {
    result.registry = registry === 'workspace' ? 'workspace' : 'tracking-server';
    await client.createRegisteredModel(options.registeredModelName, options.description);
    result.modelVersion = await client.awaitModelVersion(
      await client.createModelVersion({
        name: options.registeredModelName,
        source,
        runId: run.run_id,
        ...(options.description ? { description: options.description } : {}),
      }),
    );
  }
  return result;
}

/** The serving files, read from disk now (a missing file fails before anything is logged). */
function codeFiles(serving: ServingOptions): { spec: ServingSpec; files: ModelFile[] } {
  const base = resolve(serving.baseDir ?? process.cwd());
  const paths = [serving.entryPoint, ...(serving.files ?? [])];
  const files: ModelFile[] = [];
  const relativePaths: string[] = [];
  for (const path of paths) {
    const absolute = isAbsolute(path) ? path : resolve(base, path);
    const inside = relative(base, absolute).split('\\').join('/');
    if (inside.startsWith('..') || isAbsolute(inside))
      throw new MlflowConfigError(
        `serving: ${path} is outside ${base}; pass baseDir (the folder every serving file is under).`,
      );
    let body: string;
    try {
      body = readFileSync(absolute, 'utf8');
    } catch (error) {
      throw new MlflowConfigError(
        `serving: cannot read ${absolute} (${(error as Error).message}); entryPoint and files are paths relative to baseDir.`,
      );
    }
    if (relativePaths.includes(`code/${inside}`)) continue;
    relativePaths.push(`code/${inside}`);
    files.push({ path: `code/${inside}`, body });
  }
  return {
    spec: {
      entryPoint: relativePaths[0] as string,
      exportName: serving.exportName ?? 'default',
      files: relativePaths,
      command: SERVE_COMMAND,
    },
    files,
  };
}

function chooseRegistry(
  kind: 'oss' | 'databricks',
  requested: LogChainOptions['registry'],
  env: Readonly<Record<string, string | undefined>>,
): 'unity-catalog' | 'workspace' | 'tracking-server' {
  if (kind === 'oss') {
    if (requested === 'unity-catalog')
      throw new MlflowConfigError(
        'registry: "unity-catalog" needs a Databricks tracking URI (MLFLOW_TRACKING_URI=databricks or databricks://<profile>); an open-source server registers models in its own registry.',
      );
    return 'tracking-server';
  }
  if (requested) return requested;
  const uri = env.MLFLOW_REGISTRY_URI?.trim();
  if (uri === 'databricks' || uri?.startsWith('databricks://')) return 'workspace';
  return 'unity-catalog';
}

/** Unity Catalog names have exactly three non-empty levels. */
function assertUnityCatalogName(name: string): void {
  const parts = name.split('.');
  if (parts.length !== 3 || parts.some((part) => part.trim() === ''))
    throw new MlflowConfigError(
      `Unity Catalog model names have three levels, "<catalog>.<schema>.<model>"; got "${name}". ` +
        'Use e.g. registeredModelName: "main.default.my_chain" (the schema must exist), or ' +
        'registry: "workspace" for the legacy workspace model registry.',
    );
}

/** The first prompt's input variables: what a caller passes to `invoke()`. */
function inputNamesOf(prompts: PromptRecord[]): string[] {
  const vars = prompts[0]?.input_variables;
  return Array.isArray(vars) ? vars.filter((v): v is string => typeof v === 'string') : [];
}

/**
 * `MLmodel` for the chain folder: the `langchainjs` flavor (what the files are) and a column
 * signature (string inputs named after the prompt variables, one string output). Values are
 * JSON strings, which YAML reads as plain scalars, so no YAML library is needed to write it.
 */
function mlmodelYaml(options: {
  artifactPath: string;
  runId: string;
  createdAt: Date;
  inputNames: string[];
  serving?: ServingSpec;
}): string {
  // JSON strings are YAML double-quoted scalars, except that YAML folds U+0085/U+2028/U+2029
  // and rejects lone surrogates, which JSON.stringify leaves as they are: escape those too.
  const q = (value: string) =>
    JSON.stringify(value).replace(
      /[\u0085\u2028\u2029]|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g,
      (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`,
    );
  const inputs =
    options.inputNames.length > 0
      ? options.inputNames.map((name) => ({ type: 'string', name, required: true }))
      : [{ type: 'string', required: true }];
  const outputs = [{ type: 'string', required: true }];
  return [
    `artifact_path: ${q(options.artifactPath)}`,
    'flavors:',
    '  langchainjs:',
    `    format: ${q('langchainjs-serialized')}`,
    `    chain_file: ${q('chain.json')}`,
    `    prompts_file: ${q('prompts.json')}`,
    `    created_by: ${q('@lakechain/mlflow-tracking')}`,
    ...(options.serving
      ? [
          '    serving:',
          `      entry_point: ${q(options.serving.entryPoint)}`,
          `      export: ${q(options.serving.exportName)}`,
          // A JSON array is a YAML flow sequence.
          `      command: ${JSON.stringify(options.serving.command)}`,
        ]
      : []),
    `model_uuid: ${q(randomUUID().replace(/-/g, ''))}`,
    `run_id: ${q(options.runId)}`,
    'signature:',
    `  inputs: ${q(JSON.stringify(inputs))}`,
    `  outputs: ${q(JSON.stringify(outputs))}`,
    '  params: null',
    `utc_time_created: ${q(options.createdAt.toISOString().replace('T', ' ').replace('Z', ''))}`,
    '',
  ].join('\n');
}
