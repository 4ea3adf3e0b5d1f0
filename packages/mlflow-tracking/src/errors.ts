/**
 * Typed errors of @lakechain/mlflow-tracking. Like every @lakechain error they extend core's
 * `LakechainError` and carry a `Symbol.for` marker, so `isInstance()` works across duplicate
 * installs where `instanceof` does not. Errors from the HTTP layer stay core's `DatabricksApiError`.
 */
import { hasErrorMarker, LakechainError } from '@lakechain/core';

const configMarker = 'lakechain.error.mlflow.config';
const configSymbol = Symbol.for(configMarker);
const artifactMarker = 'lakechain.error.mlflow.artifact';
const artifactSymbol = Symbol.for(artifactMarker);

/** Tracking/registry configuration is missing or contradictory; the message says how to fix it. */
export class MlflowConfigError extends LakechainError {
  readonly [configSymbol] = true;

  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'MlflowConfigError';
  }

  static override isInstance(error: unknown): error is MlflowConfigError {
    return hasErrorMarker(error, configMarker);
  }
}

/** An artifact or model file could not be stored where the server said it should go. */
export class MlflowArtifactError extends LakechainError {
  readonly [artifactSymbol] = true;

  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'MlflowArtifactError';
  }

  static override isInstance(error: unknown): error is MlflowArtifactError {
    return hasErrorMarker(error, artifactMarker);
  }
}
