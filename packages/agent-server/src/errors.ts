/**
 * Typed errors of the agent server: a request the protocol does not accept (HTTP 400), a server
 * that is full or draining (429 / 503), an agent that cannot be loaded, a failed deployment.
 */
import { hasErrorMarker, LakechainError } from '@lakechain/core';

const marker = 'lakechain.error.agent_server';
const symbol = Symbol.for(marker);

export type AgentServerErrorKind =
  /** The request body is not one of the accepted shapes (400). */
  | 'bad_request'
  /** Every slot and the queue are taken (429, with Retry-After). */
  | 'overloaded'
  /** The server is shutting down (503). */
  | 'draining'
  /** The agent module, its export or a registered model could not be loaded. */
  | 'load'
  /** A Databricks Apps deployment failed. */
  | 'deploy';

export class AgentServerError extends LakechainError {
  readonly [symbol] = true;
  readonly kind: AgentServerErrorKind;
  /** HTTP status a request gets for this error. */
  readonly status: number;

  constructor(
    message: string,
    options: { kind: AgentServerErrorKind; status?: number; cause?: unknown },
  ) {
    super(message, { cause: options.cause });
    this.name = 'AgentServerError';
    this.kind = options.kind;
    this.status =
      options.status ??
      (options.kind === 'bad_request'
        ? 400
        : options.kind === 'overloaded'
          ? 429
          : options.kind === 'draining'
            ? 503
            : 500);
  }

  static override isInstance(error: unknown): error is AgentServerError {
    return hasErrorMarker(error, marker);
  }

  override toJSON(): Record<string, unknown> {
    return { ...super.toJSON(), kind: this.kind, status: this.status };
  }
}

export function badRequest(message: string): AgentServerError {
  return new AgentServerError(message, { kind: 'bad_request' });
}
