/**
 * Typed errors of the Unity Catalog function tools. Failures of the REST calls come from
 * @lakechain/core's transport (already parsed and retried); this module says what was wrong with
 * the function, its definition or the options, and what to do. Errors of a function's *call* are
 * not thrown: the tool returns them to the model (see `tool.ts`).
 */
import { hasErrorMarker, LakechainError } from '@lakechain/core';

const marker = 'lakechain.error.uc-function';
const symbol = Symbol.for(marker);

/** Why a Unity Catalog function could not be turned into a tool, loaded or created. */
export type UCFunctionErrorReason =
  /** The function (or the schema to list) does not exist, or the caller cannot see it. */
  | 'not_found'
  /** A name, option or definition the helpers refuse (the message names it). */
  | 'invalid'
  /** A type the tool cannot map (the message names the parameter). */
  | 'unsupported_type';

export interface UCFunctionErrorOptions {
  reason: UCFunctionErrorReason;
  /** The function's full name, when the error is about one function. */
  functionName?: string;
  cause?: unknown;
}

/** A Unity Catalog function could not be loaded, described or created. */
export class UCFunctionError extends LakechainError {
  protected readonly [symbol] = true;
  readonly reason: UCFunctionErrorReason;
  readonly functionName?: string;

  constructor(message: string, options: UCFunctionErrorOptions) {
    super(message, { cause: options.cause });
    this.name = 'UCFunctionError';
    this.reason = options.reason;
    this.functionName = options.functionName;
  }

  static override isInstance(error: unknown): error is UCFunctionError {
    return hasErrorMarker(error, marker);
  }

  override toJSON(): Record<string, unknown> {
    return { ...super.toJSON(), reason: this.reason, functionName: this.functionName };
  }
}
