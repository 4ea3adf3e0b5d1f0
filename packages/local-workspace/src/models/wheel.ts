/**
 * Reading a member out of a wheel (a zip file) as a stream, with yauzl: streaming, validates
 * entry sizes, no native code, and the most used unzip library for Node.
 */
import type { Readable } from 'node:stream';
import yauzl from 'yauzl';

/** A wheel that cannot be read, or lacks the member. */
export class WheelError extends Error {
  override name = 'WheelError';
}

function openZip(path: string): Promise<yauzl.ZipFile> {
  return new Promise((resolve, reject) => {
    yauzl.open(path, { lazyEntries: true, autoClose: false }, (error, zip) => {
      if (error || !zip)
        reject(
          new WheelError(`${path} is not a readable zip file: ${error?.message ?? 'unknown'}`),
        );
      else resolve(zip);
    });
  });
}

/**
 * Streams `member` of the wheel at `path` to `onChunk` (awaited, for backpressure) and returns
 * its uncompressed size.
 */
export async function readWheelMember(
  path: string,
  member: string,
  onChunk: (chunk: Buffer) => void | Promise<void>,
): Promise<number> {
  const zip = await openZip(path);
  try {
    const entry = await new Promise<yauzl.Entry>((resolve, reject) => {
      zip.on('entry', (candidate: yauzl.Entry) => {
        if (candidate.fileName === member) resolve(candidate);
        else zip.readEntry();
      });
      zip.on('end', () => reject(new WheelError(`${path} has no member ${member}`)));
      zip.on('error', (error: Error) =>
        reject(new WheelError(`${path} is not a readable wheel: ${error.message}`)),
      );
      zip.readEntry();
    });
    const stream = await new Promise<Readable>((resolve, reject) => {
      zip.openReadStream(entry, (error, readable) => {
        if (error || !readable)
          reject(
            new WheelError(`cannot read ${member} in ${path}: ${error?.message ?? 'unknown'}`),
          );
        else resolve(readable);
      });
    });
    let size = 0;
    // A failure of the consumer (e.g. a full disk) is its own; one of the stream means the wheel
    // is damaged (bad deflate data, wrong sizes).
    let consumerFailure: { error: unknown } | undefined;
    try {
      for await (const chunk of stream) {
        size += (chunk as Buffer).length;
        try {
          await onChunk(chunk as Buffer);
        } catch (error) {
          consumerFailure = { error };
          stream.destroy();
          break;
        }
      }
    } catch (error) {
      throw new WheelError(
        `${member} in ${path} is damaged: ${error instanceof Error ? error.message : String(error)}`,
      );
    }
    if (consumerFailure) throw consumerFailure.error;
    return size;
  } finally {
    zip.close();
  }
}
