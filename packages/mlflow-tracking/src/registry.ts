/**
 * Logging a chain definition to MLflow and registering it: the serialised runnable (LangChain's
 * `toJSON()` form, secrets already replaced by LangChain) plus its prompt templates, uploaded as
 * run artifacts, then a registered model + version whose source is that artifact folder.
 *
 * The artifact is a record of the definition, not an MLflow "flavor": Python cannot load it with
 * `mlflow.langchain.load_model`.
 */

import { redactSecrets } from '@lakechain/core';
import type { ConnectionOptions } from './connection.js';
import { MlflowClient, type ModelVersion, type RunInfo } from './mlflow_client.js';
import { safeJson } from './spans.js';
import { defaultEnv, MlflowConfigError } from './tracking_uri.js';

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
  /** Create (or reuse) this registered model and add a version pointing at the artifacts. */
  registeredModelName?: string;
  description?: string;
  tags?: Record<string, string>;
  client?: MlflowClient;
}

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
  modelVersion?: ModelVersion;
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
  if (options.registeredModelName && client.connection.kind === 'databricks') {
    // Databricks' default registry is Unity Catalog (catalog.schema.model, MLmodel with a
    // signature, temporary credentials); the workspace registry flow below does not apply.
    throw new MlflowConfigError(
      'Registering chains in Unity Catalog is not supported yet; log the chain without registeredModelName.',
    );
  }
  const serialized = runnable.toJSON();
  const name = runnable.getName?.() ?? 'runnable';
  let prompts = extractPrompts(serialized);
  if (prompts.length === 0) prompts = collectPrompts(runnable);

  let run: RunInfo;
  let createdRun = false;
  if (options.runId) {
    run = (await client.getRun(options.runId)).info;
  } else {
    const env = options.env ?? defaultEnv();
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
  const write = (file: string, value: unknown) =>
    client.uploadArtifact(
      run.artifact_uri,
      `${dir}/${file}`,
      redactSecrets(JSON.stringify(JSON.parse(safeJson(value)), null, 2), secrets),
    );
  try {
    await write('chain.json', serialized);
    await write('prompts.json', prompts);
    await write('meta.json', {
      format: 'langchainjs-serialized',
      runnable_name: name,
      created_by: '@lakechain/mlflow-tracking',
      created_at: new Date().toISOString(),
    });
    if (createdRun) await client.updateRun(run.run_id, 'FINISHED', Date.now());
  } catch (error) {
    if (createdRun) await client.updateRun(run.run_id, 'FAILED', Date.now()).catch(() => undefined);
    throw error;
  }

  const source = `${run.artifact_uri.replace(/\/+$/, '')}/${dir}`;
  const result: LoggedChain = { runId: run.run_id, artifactUri: run.artifact_uri, source, prompts };
  if (options.registeredModelName) {
    await client.createRegisteredModel(options.registeredModelName, options.description);
    result.modelVersion = await client.createModelVersion({
      name: options.registeredModelName,
      source,
      runId: run.run_id,
      ...(options.description ? { description: options.description } : {}),
    });
  }
  return result;
}
