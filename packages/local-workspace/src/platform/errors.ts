import { hasErrorMarker, LakechainError } from '@lakechain/core';

const localWorkspaceMarker = 'lakechain.error.local-workspace';
const localWorkspaceSymbol = Symbol.for(localWorkspaceMarker);

/** `startLocalWorkspace()` was given options it cannot honour; the message says what to change. */
export class LocalWorkspaceError extends LakechainError {
  protected readonly [localWorkspaceSymbol] = true;
  /** The option at fault. */
  readonly option?: string;

  constructor(message: string, options: { option?: string; cause?: unknown } = {}) {
    super(message, { cause: options.cause });
    this.name = 'LocalWorkspaceError';
    this.option = options.option;
  }

  static override isInstance(error: unknown): error is LocalWorkspaceError {
    return hasErrorMarker(error, localWorkspaceMarker);
  }

  override toJSON(): Record<string, unknown> {
    return { ...super.toJSON(), option: this.option };
  }
}

/**
 * The error every route handler may throw to answer with Databricks' REST error body
 * `{"error_code": "...", "message": "..."}`. Services subclass it for their own names
 * (`ServingError`, `MlflowError`), so the listener sends all of them the same way.
 */
export class ApiError extends Error {
  readonly status: number;
  readonly errorCode: string;
  readonly headers: Record<string, string>;

  constructor(
    status: number,
    errorCode: string,
    message: string,
    options: { headers?: Record<string, string> } = {},
  ) {
    super(message);
    this.name = 'ApiError';
    this.status = status;
    this.errorCode = errorCode;
    this.headers = options.headers ?? {};
  }
}

export const badRequestError = (message: string) => new ApiError(400, 'BAD_REQUEST', message);

export const notFoundError = (message: string) =>
  new ApiError(404, 'RESOURCE_DOES_NOT_EXIST', message);
