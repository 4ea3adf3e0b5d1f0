/**
 * Downloading a chain logged with `logChain`: `models:/<name>/<version>` (the version's source,
 * the run artifact folder the chain was logged to) or `runs:/<run_id>/<path>`, to a local folder:
 * `meta.json` and the serving files it lists (`logChain(..., { serving })`).
 *
 * A Unity Catalog version is read from its source run's artifacts (the files `logChain` uploaded
 * there and copied to the version's storage), not from the version's own storage.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve, sep } from 'node:path';
import type { ConnectionOptions } from './connection.js';
import { MlflowConfigError } from './errors.js';
import { MlflowClient } from './mlflow_client.js';
import type { ServingSpec } from './registry.js';

export interface DownloadChainOptions extends ConnectionOptions {
  /** Parent folder; the chain goes to `<destination>/<model name>/<version>` (or `<run id>`). */
  destination: string;
  client?: MlflowClient;
}

export interface DownloadedChain {
  /** The local folder holding `meta.json` and the serving files. */
  directory: string;
  /** The artifact URI the files came from. */
  source: string;
  /** `meta.json`, parsed. */
  meta: Record<string, unknown>;
  /** How to serve it, when `logChain` recorded it. */
  serving?: ServingSpec;
}

function parseModelUri(
  uri: string,
): { kind: 'model'; name: string; version: string } | { kind: 'run'; runId: string; path: string } {
  const model = /^models:\/([^/]+)\/([^/]+)\/?$/.exec(uri);
  if (model?.[1] && model[2]) return { kind: 'model', name: model[1], version: model[2] };
  const run = /^runs:\/([^/]+)\/(.+)$/.exec(uri);
  if (run?.[1] && run[2]) return { kind: 'run', runId: run[1], path: run[2].replace(/\/+$/, '') };
  throw new MlflowConfigError(
    `Unsupported model URI "${uri}": use models:/<name>/<version> (a registered version) or runs:/<run_id>/<artifact path>.`,
  );
}

function safeName(name: string): string {
  return name.replace(/[^A-Za-z0-9._-]/g, '_');
}

/** Downloads a logged chain's `meta.json` and serving files. */
export async function downloadChain(
  modelUri: string,
  options: DownloadChainOptions,
): Promise<DownloadedChain> {
  const parsed = parseModelUri(modelUri);
  const client = options.client ?? new MlflowClient(options);
  try {
    let source: string;
    let folder: string;
    if (parsed.kind === 'model') {
      const unityCatalog =
        client.connection.kind === 'databricks' && parsed.name.split('.').length === 3;
      const version = await client.getModelVersion(parsed.name, parsed.version, { unityCatalog });
      source = version.source;
      folder = join(safeName(parsed.name), safeName(parsed.version));
    } else {
      const run = await client.getRun(parsed.runId);
      source = `${run.info.artifact_uri.replace(/\/+$/, '')}/${parsed.path}`;
      folder = join(safeName(parsed.runId), safeName(parsed.path));
    }
    const directory = resolve(options.destination, folder);
    const metaText = await client.downloadArtifactText(source, 'meta.json');
    let meta: Record<string, unknown>;
    try {
      meta = JSON.parse(metaText) as Record<string, unknown>;
    } catch {
      throw new MlflowConfigError(
        `${modelUri} has no readable meta.json at ${source}: it was not logged with logChain().`,
      );
    }
    const write = (relativePath: string, body: string) => {
      const target = resolve(directory, relativePath);
      if (!target.startsWith(directory + sep))
        throw new MlflowConfigError(
          `${modelUri}: refusing to write ${relativePath} outside ${directory}.`,
        );
      mkdirSync(dirname(target), { recursive: true });
      writeFileSync(target, body);
    };
    write('meta.json', metaText);
    const recorded = meta.serving as Record<string, unknown> | undefined;
    let serving: ServingSpec | undefined;
    if (recorded && typeof recorded.entry_point === 'string') {
      const files = Array.isArray(recorded.files)
        ? recorded.files.map(String)
        : [recorded.entry_point];
      for (const file of files) write(file, await client.downloadArtifactText(source, file));
      serving = {
        entryPoint: recorded.entry_point,
        exportName: typeof recorded.export === 'string' ? recorded.export : 'default',
        files,
        command: Array.isArray(recorded.command) ? recorded.command.map(String) : [],
      };
    }
    return { directory, source, meta, ...(serving ? { serving } : {}) };
  } finally {
    if (!options.client) await client.close();
  }
}
