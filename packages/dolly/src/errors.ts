/** Errors raised by @lakechain/dolly. Messages never contain tokens or other secrets. */
import { hasErrorMarker, LakechainError } from '@lakechain/core';

export type DollyErrorKind =
  | 'config'
  | 'dataset'
  | 'model-file'
  | 'architecture'
  | 'context-length'
  | 'missing-dependency'
  | 'model-loading'
  | 'backend'
  | 'closed';

const dollyMarker = 'lakechain.error.dolly';
const dollySymbol = Symbol.for(dollyMarker);

/**
 * What went wrong, by `kind`. Backend failures say whether another attempt may succeed
 * (`retryable`, read by the Dolly LLM's AsyncCaller through databricks-llm's failed-attempt
 * handler) and how long the server asked to wait (`retryAfterMs`, honoured by that caller).
 */
export class DollyError extends LakechainError {
  readonly [dollySymbol] = true;
  readonly kind: DollyErrorKind;
  /** HTTP status of a backend failure, when there was an answer. */
  readonly status?: number;
  /** Whether another attempt may succeed (timeouts, 429, 5xx, a model still loading). */
  readonly retryable: boolean;
  /** Server-requested wait before the next attempt (`estimated_time`, `Retry-After`). */
  readonly retryAfterMs?: number;

  constructor(
    kind: DollyErrorKind,
    message: string,
    options: { cause?: unknown; status?: number; retryable?: boolean; retryAfterMs?: number } = {},
  ) {
    super(message, { cause: options.cause });
    this.name = 'DollyError';
    this.kind = kind;
    this.status = options.status;
    this.retryable = options.retryable ?? false;
    if (options.retryAfterMs !== undefined) this.retryAfterMs = options.retryAfterMs;
  }

  /** Works across copies of the package (ESM and CJS builds loaded together). */
  static override isInstance(value: unknown): value is DollyError {
    return hasErrorMarker(value, dollyMarker);
  }

  override toJSON(): Record<string, unknown> {
    return {
      ...super.toJSON(),
      kind: this.kind,
      status: this.status,
      retryable: this.retryable,
      retryAfterMs: this.retryAfterMs,
    };
  }
}
