/** The mlflow-tracking package's own server script (a real MLflow from its project-local venv). */
// @ts-expect-error: plain ESM script without type declarations
import { startMlflowServer as start } from '../../../packages/mlflow-tracking/scripts/mlflow-server.mjs';

export interface MlflowServer {
  url: string;
  port: number;
  dataDir: string;
  stop(): Promise<void>;
}

export function startMlflowServer(
  options: { port?: number; dataDir?: string } = {},
): Promise<MlflowServer> {
  return start({ ...options, quiet: true }) as Promise<MlflowServer>;
}
