/** Errors raised by @lakechain/dolly. Messages never contain tokens or other secrets. */
export type DollyErrorKind =
  | 'config'
  | 'dataset'
  | 'model-file'
  | 'architecture'
  | 'context-length'
  | 'missing-dependency'
  | 'model-loading'
  | 'backend';

export class DollyError extends Error {
  override readonly name = 'DollyError';
  readonly kind: DollyErrorKind;

  constructor(kind: DollyErrorKind, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.kind = kind;
  }

  /** Works across copies of the package (ESM and CJS builds loaded together). */
  static isInstance(value: unknown): value is DollyError {
    return value instanceof Error && value.name === 'DollyError' && 'kind' in value;
  }
}
