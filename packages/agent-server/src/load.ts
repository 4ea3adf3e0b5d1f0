/**
 * Where the served agent comes from: a module that exports it (or a function that makes it), by
 * path, or a chain registered in MLflow (`models:/name/version`) with the entry point `logChain`
 * recorded, downloaded next to the project so its imports resolve from the project's
 * `node_modules`.
 */
import { isAbsolute, join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import {
  type ConnectionOptions,
  downloadChain,
  type ServingSpec,
} from '@lakechain/mlflow-tracking';
import { AgentServerError } from './errors.js';
import type { ServableAgent } from './runner.js';

export type AgentSource = ServableAgent | (() => ServableAgent | Promise<ServableAgent>);

function isServable(value: unknown): value is ServableAgent {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as { invoke?: unknown }).invoke === 'function'
  );
}

/**
 * Imports `entry` and returns its export `exportName` (default: `default`, else `agent`): a
 * runnable or agent, or a function that makes one (called when the server starts).
 */
export async function loadAgentModule(
  entry: string,
  options: { exportName?: string; cwd?: string } = {},
): Promise<AgentSource> {
  const path = isAbsolute(entry) ? entry : resolve(options.cwd ?? process.cwd(), entry);
  let module: Record<string, unknown>;
  try {
    module = (await import(pathToFileURL(path).href)) as Record<string, unknown>;
  } catch (error) {
    throw new AgentServerError(
      `Could not import the agent module ${path}: ${(error as Error).message}`,
      {
        kind: 'load',
        cause: error,
      },
    );
  }
  const names = options.exportName ? [options.exportName] : ['default', 'agent'];
  for (const name of names) {
    const value = module[name];
    if (isServable(value)) return value;
    if (typeof value === 'function') {
      const factory = value as () => unknown;
      return async () => {
        const made = await factory();
        if (!isServable(made))
          throw new AgentServerError(
            `${path}: the function exported as "${name}" must return a runnable or agent (an object with invoke()).`,
            { kind: 'load' },
          );
        return made;
      };
    }
  }
  throw new AgentServerError(
    `${path} exports no agent as ${names.map((name) => `"${name}"`).join(' or ')}: export a runnable, a createAgent() agent or a LangGraph graph (or a function that returns one)${options.exportName ? '' : ', or pass --export <name>'}.`,
    { kind: 'load' },
  );
}

/**
 * A chain registered with `logChain(..., { serving })`: its files are downloaded (by default to
 * `.lakechain/models/<name>/<version>` under `cwd`, so the entry point's imports resolve from the
 * project's `node_modules`) and its entry point loaded.
 */
export async function loadRegisteredAgent(
  modelUri: string,
  options: ConnectionOptions & { destination?: string; cwd?: string } = {},
): Promise<{ agent: AgentSource; directory: string; serving: ServingSpec }> {
  const cwd = options.cwd ?? process.cwd();
  const { destination, cwd: _cwd, ...connection } = options;
  const downloaded = await downloadChain(modelUri, {
    ...connection,
    destination: destination ?? join(cwd, '.lakechain', 'models'),
  });
  if (!downloaded.serving)
    throw new AgentServerError(
      `${modelUri} records no entry point: log it with logChain(runnable, { serving: { entryPoint: './agent.mjs' } }) to serve it.`,
      { kind: 'load' },
    );
  const agent = await loadAgentModule(join(downloaded.directory, downloaded.serving.entryPoint), {
    exportName: downloaded.serving.exportName,
  });
  return { agent, directory: downloaded.directory, serving: downloaded.serving };
}
