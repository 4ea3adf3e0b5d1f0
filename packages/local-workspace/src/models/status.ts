import { existsSync } from 'node:fs';
import { rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { checkGgufHeader } from './assemble.js';
import {
  isStamped,
  modelCacheDir,
  partsDirectory,
  sha256File,
  stampPath,
  writeStamp,
} from './cache.js';
import { MODEL_CATALOG, type ModelSpec } from './catalog.js';
import { ModelFetchError } from './errors.js';
import type { FetchModelOptions } from './fetch.js';
import { requireModel } from './require_model.js';

export interface ModelStatus {
  spec: ModelSpec;
  path: string;
  /** `verified`: in the cache with a valid stamp; `unverified`: present, never verified here. */
  state: 'verified' | 'unverified' | 'missing';
  /** Parts downloaded and waiting for assembly (an interrupted fetch). */
  partsDownloaded: number;
}

/** The catalog with the cache state of each model. */
export async function listModels(
  options: Pick<FetchModelOptions, 'dir' | 'env' | 'catalog'> = {},
): Promise<ModelStatus[]> {
  const directory = options.dir ?? modelCacheDir(options.env);
  const result: ModelStatus[] = [];
  for (const spec of options.catalog ?? MODEL_CATALOG) {
    const path = join(directory, spec.file);
    const state = !existsSync(path)
      ? 'missing'
      : (await isStamped(path, spec.sha256))
        ? 'verified'
        : 'unverified';
    const partsDir = partsDirectory(directory, spec.name);
    const partsDownloaded = spec.parts.filter((part) =>
      existsSync(join(partsDir, part.wheel)),
    ).length;
    result.push({ spec, path, state, partsDownloaded });
  }
  return result;
}

/**
 * Re-hashes a cached model (ignoring its stamp) and checks its GGUF header; refreshes the stamp.
 * Throws `NOT_CACHED`, `CHECKSUM_MISMATCH` or `GGUF_MISMATCH`.
 */
export async function verifyModel(
  name: string,
  options: Pick<FetchModelOptions, 'dir' | 'env' | 'catalog' | 'onEvent'> = {},
): Promise<{ path: string; sha256: string; size: number }> {
  const spec = requireModel(name, options.catalog);
  const path = join(options.dir ?? modelCacheDir(options.env), spec.file);
  if (!existsSync(path))
    throw new ModelFetchError('NOT_CACHED', `${spec.name} is not in the cache (${path}).`, {
      model: spec.name,
      fix: `lakechain-local models fetch ${spec.name}`,
    });
  const size = (await stat(path)).size;
  const sha256 = await sha256File(path, (bytes) =>
    options.onEvent?.({
      type: 'progress',
      model: spec.name,
      phase: 'verify',
      bytes,
      totalBytes: size,
    }),
  );
  if (sha256 !== spec.sha256 || size !== spec.size) {
    await rm(stampPath(path), { force: true });
    throw new ModelFetchError(
      'CHECKSUM_MISMATCH',
      `${path} does not match its pin: ${size} bytes and SHA-256 ${sha256}, expected ${spec.size} bytes and ${spec.sha256}.`,
      {
        model: spec.name,
        fix: `delete it and fetch it again: rm '${path}' && lakechain-local models fetch ${spec.name}`,
      },
    );
  }
  await checkGgufHeader(path, spec);
  await writeStamp(path, sha256);
  return { path, sha256, size };
}
