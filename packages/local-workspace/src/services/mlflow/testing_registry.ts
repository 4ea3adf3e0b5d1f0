/**
 * Test support: a workspace with a controllable MLflow clock, and helpers for Unity Catalog model
 * versions and their temporary credentials.
 */
import { expect } from 'vitest';
import { type LocalWorkspace, startLocalWorkspace } from '../../workspace.js';
import { restApi } from './testing_http.js';

export interface RegistryFixture {
  readonly ws: LocalWorkspace;
  readonly api: ReturnType<typeof restApi>;
  /** Set the MLflow clock (epoch ms); `Date.now()` again with `undefined`. */
  setClock(value?: number): void;
  clock(): number;
  /** A fresh registered model in main.default and its first version (PENDING_REGISTRATION). */
  // biome-ignore lint/suspicious/noExplicitAny: tests read loosely typed wire JSON.
  newVersion(): Promise<{ name: string; modelVersion: Record<string, any> }>;
  temporaryCredentials(
    name: string,
    operation?: string,
    version?: string,
  ): ReturnType<ReturnType<typeof restApi>['post']>;
}

export async function startRegistryWorkspace(): Promise<RegistryFixture> {
  let clock = Date.now();
  let modelCount = 0;
  const ws = await startLocalWorkspace({
    catalog: { samples: false },
    mlflow: { now: () => clock },
  });
  const api = restApi(ws);
  return {
    ws,
    api,
    setClock(value) {
      clock = value ?? Date.now();
    },
    clock: () => clock,
    async newVersion() {
      modelCount += 1;
      const name = `main.default.model_${modelCount}`;
      const created = await api.post('/api/2.0/mlflow/unity-catalog/registered-models/create', {
        name,
        description: 'a model',
      });
      expect(created.status).toBe(200);
      const version = await api.post('/api/2.0/mlflow/unity-catalog/model-versions/create', {
        name,
        source: 'dbfs:/databricks/mlflow-tracking/1/abc/artifacts/model',
        run_id: 'abc',
      });
      expect(version.status).toBe(200);
      return { name, modelVersion: version.json.model_version };
    },
    temporaryCredentials(name, operation = 'MODEL_VERSION_OPERATION_READ_WRITE', version = '1') {
      return api.post(
        '/api/2.0/mlflow/unity-catalog/model-versions/generate-temporary-credentials',
        { name, version, operation },
      );
    },
  };
}
