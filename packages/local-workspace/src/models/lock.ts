/**
 * A lock file per model, so that one fetch at a time works on it on this machine (two test files
 * may ask for the same model at once).
 */
import { open, readFile, unlink } from 'node:fs/promises';

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
export async function withLock<T>(
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
