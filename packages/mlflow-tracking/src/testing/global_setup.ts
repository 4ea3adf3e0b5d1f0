import type { TestProject } from 'vitest/node';
// @ts-expect-error: plain ESM script without type declarations
import { startMlflowServer } from '../../scripts/mlflow-server.mjs';

declare module 'vitest' {
  export interface ProvidedContext {
    mlflowUrl: string;
  }
}

interface StartedServer {
  url: string;
  stop(): Promise<void>;
}

export default async function setup(project: TestProject) {
  // Set LAKECHAIN_MLFLOW_URL to reuse a server you already run (`node scripts/mlflow-server.mjs`).
  const external = process.env.LAKECHAIN_MLFLOW_URL;
  if (external) {
    project.provide('mlflowUrl', external);
    return;
  }
  const server = (await startMlflowServer()) as StartedServer;
  project.provide('mlflowUrl', server.url);
  return async () => {
    await server.stop();
  };
}
