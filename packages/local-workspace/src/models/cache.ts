/**
 * The model cache directory and its bookkeeping: where models live, the stamp that records a
 * verified file (so later runs do not re-hash a gigabyte), hashing, free space.
 */
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { readFile, stat, statfs, writeFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';

/** `$LAKECHAIN_MODEL_DIR`, else `~/.cache/lakechain/models`. */
export function modelCacheDir(env: NodeJS.ProcessEnv = process.env): string {
  const override = env.LAKECHAIN_MODEL_DIR?.trim();
  return override ? resolve(override) : join(homedir(), '.cache', 'lakechain', 'models');
}

/** Where a model's parts wait until the model is assembled (kept across runs: resumable). */
export function partsDirectory(cacheDir: string, modelName: string): string {
  return join(cacheDir, '.parts', modelName);
}

interface Stamp {
  sha256: string;
  size: number;
  mtimeMs: number;
}

function stampPath(path: string): string {
  return `${path}.verified.json`;
}

/**
 * True when a stamp written after verifying `path` still describes it (same size and
 * modification time) and records the expected SHA-256.
 */
export async function isStamped(path: string, sha256: string): Promise<boolean> {
  try {
    const stamp = JSON.parse(await readFile(stampPath(path), 'utf8')) as Partial<Stamp>;
    const info = await stat(path);
    return stamp.sha256 === sha256 && stamp.size === info.size && stamp.mtimeMs === info.mtimeMs;
  } catch {
    return false;
  }
}

export async function writeStamp(path: string, sha256: string): Promise<void> {
  const info = await stat(path);
  const stamp: Stamp = { sha256, size: info.size, mtimeMs: info.mtimeMs };
  await writeFile(stampPath(path), `${JSON.stringify(stamp, null, 2)}\n`);
}

export { stampPath };

/** SHA-256 (hex) of a file; `onBytes` is called with the bytes read so far. */
export async function sha256File(path: string, onBytes?: (bytes: number) => void): Promise<string> {
  const hash = createHash('sha256');
  let bytes = 0;
  for await (const chunk of createReadStream(path, { highWaterMark: 1 << 20 })) {
    hash.update(chunk as Buffer);
    bytes += (chunk as Buffer).length;
    onBytes?.(bytes);
  }
  return hash.digest('hex');
}

/** Bytes free for an unprivileged user on the file system of `directory`. */
export async function freeBytes(directory: string): Promise<number> {
  const info = await statfs(directory);
  return info.bavail * info.bsize;
}

/** Is this error (or pip's output) about a full disk? */
export function isDiskFull(error: unknown): boolean {
  if (typeof error === 'string') return /No space left on device|ENOSPC|Errno 28/i.test(error);
  const code = (error as { code?: string } | null)?.code;
  return code === 'ENOSPC' || code === 'EDQUOT';
}

/** Bytes as MB/GB for messages. */
export function formatBytes(bytes: number): string {
  if (bytes >= 1e9) return `${(bytes / 1e9).toFixed(2)} GB`;
  if (bytes >= 1e6) return `${(bytes / 1e6).toFixed(1)} MB`;
  if (bytes >= 1e3) return `${(bytes / 1e3).toFixed(1)} kB`;
  return `${bytes} B`;
}
