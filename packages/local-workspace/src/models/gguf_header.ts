/**
 * Reads the start of a GGUF file: magic, version, tensor and key counts, and the scalar and
 * string metadata values, stopping as soon as the wanted keys are found. `general.architecture`
 * and `general.name` come first in files written by llama.cpp's converters, so a check reads a
 * few hundred bytes, not the tokenizer's 150,000-entry arrays.
 *
 * Written here rather than taken from a library: node-llama-cpp (an optional peer) has a full
 * reader, and `@huggingface/gguf` pulls in `@huggingface/tasks`; the fetcher needs four fields.
 * Format: https://github.com/ggml-org/ggml/blob/master/docs/gguf.md (little-endian).
 */
import { open } from 'node:fs/promises';

export type GgufScalar = string | number | bigint | boolean;

export interface GgufHeader {
  version: number;
  tensorCount: bigint;
  keyCount: bigint;
  /** Scalar and string values read (arrays are skipped and not recorded). */
  metadata: Record<string, GgufScalar>;
}

/** The file does not start like a GGUF file, or ends inside its header. */
export class GgufFormatError extends Error {
  override name = 'GgufFormatError';
}

const MAGIC = 0x46554747; // 'GGUF' read as a little-endian uint32
const TYPE = {
  UINT8: 0,
  INT8: 1,
  UINT16: 2,
  INT16: 3,
  UINT32: 4,
  INT32: 5,
  FLOAT32: 6,
  BOOL: 7,
  STRING: 8,
  ARRAY: 9,
  UINT64: 10,
  INT64: 11,
  FLOAT64: 12,
} as const;
const FIXED_SIZE: Record<number, number> = {
  [TYPE.UINT8]: 1,
  [TYPE.INT8]: 1,
  [TYPE.UINT16]: 2,
  [TYPE.INT16]: 2,
  [TYPE.UINT32]: 4,
  [TYPE.INT32]: 4,
  [TYPE.FLOAT32]: 4,
  [TYPE.BOOL]: 1,
  [TYPE.UINT64]: 8,
  [TYPE.INT64]: 8,
  [TYPE.FLOAT64]: 8,
};

/** Sequential reads over a file handle through a buffer. */
class Reader {
  private buffer = Buffer.alloc(0);
  private offset = 0;
  private position = 0;
  private ended = false;

  constructor(
    private readonly handle: Awaited<ReturnType<typeof open>>,
    private readonly path: string,
  ) {}

  /** Makes `count` bytes available at `this.offset`. */
  private async need(count: number): Promise<void> {
    while (this.buffer.length - this.offset < count) {
      if (this.ended)
        throw new GgufFormatError(`${this.path} ends inside its GGUF header (truncated file?)`);
      const chunk = Buffer.alloc(Math.max(65_536, count));
      const { bytesRead } = await this.handle.read(chunk, 0, chunk.length, this.position);
      this.position += bytesRead;
      if (bytesRead === 0) this.ended = true;
      this.buffer = Buffer.concat([
        this.buffer.subarray(this.offset),
        chunk.subarray(0, bytesRead),
      ]);
      this.offset = 0;
    }
  }

  async bytes(count: number): Promise<Buffer> {
    await this.need(count);
    const value = this.buffer.subarray(this.offset, this.offset + count);
    this.offset += count;
    return value;
  }

  async skip(count: bigint): Promise<void> {
    let rest = count;
    while (rest > 0n) {
      const step = rest > 1_048_576n ? 1_048_576 : Number(rest);
      await this.bytes(step);
      rest -= BigInt(step);
    }
  }

  async u32(): Promise<number> {
    return (await this.bytes(4)).readUInt32LE(0);
  }

  async u64(): Promise<bigint> {
    return (await this.bytes(8)).readBigUInt64LE(0);
  }
}

async function readLength(reader: Reader, version: number): Promise<bigint> {
  // Version 1 used 32-bit lengths and counts.
  return version === 1 ? BigInt(await reader.u32()) : reader.u64();
}

async function readString(reader: Reader, version: number): Promise<string> {
  const length = await readLength(reader, version);
  if (length > 1_048_576n) throw new GgufFormatError(`a GGUF string of ${length} bytes`);
  return (await reader.bytes(Number(length))).toString('utf8');
}

async function readScalar(reader: Reader, type: number): Promise<GgufScalar> {
  const size = FIXED_SIZE[type];
  if (size === undefined) throw new GgufFormatError(`unknown GGUF value type ${type}`);
  const bytes = await reader.bytes(size);
  switch (type) {
    case TYPE.UINT8:
      return bytes.readUInt8(0);
    case TYPE.INT8:
      return bytes.readInt8(0);
    case TYPE.UINT16:
      return bytes.readUInt16LE(0);
    case TYPE.INT16:
      return bytes.readInt16LE(0);
    case TYPE.UINT32:
      return bytes.readUInt32LE(0);
    case TYPE.INT32:
      return bytes.readInt32LE(0);
    case TYPE.FLOAT32:
      return bytes.readFloatLE(0);
    case TYPE.BOOL:
      return bytes.readUInt8(0) !== 0;
    case TYPE.UINT64:
      return bytes.readBigUInt64LE(0);
    case TYPE.INT64:
      return bytes.readBigInt64LE(0);
    default:
      return bytes.readDoubleLE(0);
  }
}

async function skipArray(reader: Reader, version: number): Promise<void> {
  const itemType = await reader.u32();
  const count = await readLength(reader, version);
  if (itemType === TYPE.STRING) {
    for (let index = 0n; index < count; index++)
      await reader.skip(await readLength(reader, version));
  } else if (itemType === TYPE.ARRAY) {
    for (let index = 0n; index < count; index++) await skipArray(reader, version);
  } else {
    const size = FIXED_SIZE[itemType];
    if (size === undefined) throw new GgufFormatError(`unknown GGUF array item type ${itemType}`);
    await reader.skip(count * BigInt(size));
  }
}

/**
 * The GGUF header of `path`. With `until`, reading stops once every key in it has been seen
 * (the rest of the metadata is not read).
 */
export async function readGgufHeader(
  path: string,
  options: { until?: readonly string[] } = {},
): Promise<GgufHeader> {
  const handle = await open(path, 'r');
  try {
    const reader = new Reader(handle, path);
    if ((await reader.u32()) !== MAGIC)
      throw new GgufFormatError(`${path} is not a GGUF file (its first bytes are not "GGUF")`);
    const version = await reader.u32();
    if (version < 1 || version > 3)
      throw new GgufFormatError(`${path} has GGUF version ${version} (this reader knows 1 to 3)`);
    const tensorCount = await readLength(reader, version);
    const keyCount = await readLength(reader, version);
    const metadata: Record<string, GgufScalar> = {};
    const wanted = new Set(options.until ?? []);
    for (let index = 0n; index < keyCount; index++) {
      if (options.until && [...wanted].every((key) => key in metadata)) break;
      const key = await readString(reader, version);
      const type = await reader.u32();
      if (type === TYPE.STRING) metadata[key] = await readString(reader, version);
      else if (type === TYPE.ARRAY) await skipArray(reader, version);
      else metadata[key] = await readScalar(reader, type);
    }
    return { version, tensorCount, keyCount, metadata };
  } finally {
    await handle.close();
  }
}
