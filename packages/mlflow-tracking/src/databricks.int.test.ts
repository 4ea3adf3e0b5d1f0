/**
 * Databricks mode against @lakechain/local-workspace, which emulates MLflow on Databricks:
 * tracking, MLflow 3 traces, the Unity Catalog model registry, and the cloud storage that signed
 * URLs and temporary credentials point at (presigned S3/GCS URLs, Azure Blob and ADLS Gen2 SAS,
 * S3 with SigV4, GCS with OAuth). `MLFLOW_TRACKING_URI=databricks` and nothing else
 * MLflow-specific: host and auth come from @lakechain/core.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DatabricksApiError } from '@lakechain/core';
import { type LocalWorkspace, startLocalWorkspace } from '@lakechain/local-workspace';
import { StringOutputParser } from '@langchain/core/output_parsers';
import { ChatPromptTemplate } from '@langchain/core/prompts';
import { RunnableLambda } from '@langchain/core/runnables';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  createConnection,
  logChain,
  MlflowCallbackHandler,
  MlflowClient,
  MlflowConfigError,
  MlflowTracer,
} from './index.js';
import { ScriptedChatModel } from './testing/scripted_chat_model.js';

let ws: LocalWorkspace;
let env: Record<string, string>;

beforeAll(async () => {
  ws = await startLocalWorkspace({ samples: false });
  const dir = mkdtempSync(join(tmpdir(), 'mlflow-dbx-'));
  const caFile = join(dir, 'ca.pem');
  writeFileSync(caFile, ws.caCert);
  env = {
    ...ws.env(),
    DATABRICKS_CA_CERT_FILE: caFile,
    DATABRICKS_CONFIG_FILE: join(dir, 'none.cfg'),
    HOME: dir,
    MLFLOW_TRACKING_URI: 'databricks',
  };
});

afterAll(async () => {
  await ws?.stop();
});

beforeEach(() => {
  ws.faults.setRules([]);
  ws.mlflow.reset();
  ws.mlflow.configure({ modelStorage: 'default', artifactCredentialType: 'AWS_PRESIGNED_URL' });
});

describe('Databricks mode against @lakechain/local-workspace', () => {
  it('resolves host and token from the environment through core (auth accepted)', async () => {
    const connection = createConnection({ env });
    expect(connection.kind).toBe('databricks');
    const listed = await connection.request<{ endpoints?: unknown[] }>({
      method: 'GET',
      path: '/api/2.0/serving-endpoints',
    });
    expect(listed).toHaveProperty('endpoints');
    const error = await connection
      .request({
        method: 'GET',
        path: '/api/2.0/mlflow/experiments/get-by-name',
        query: { experiment_name: 'x' },
        retry: false,
      })
      .catch((e: unknown) => e);
    expect(DatabricksApiError.isInstance(error)).toBe(true);
    expect((error as DatabricksApiError).statusCode).toBe(404); // the workspace's own MLflow answer
    expect((error as DatabricksApiError).errorCode).toBe('RESOURCE_DOES_NOT_EXIST');
  });

  it('a wrong token is refused and the token never appears in the error', async () => {
    const connection = createConnection({
      env: { ...env, DATABRICKS_TOKEN: 'dapi-wrong-token-0000' },
    });
    const error = await connection
      .request({ method: 'GET', path: '/api/2.0/serving-endpoints', retry: false })
      .catch((e: unknown) => e);
    expect([401, 403]).toContain((error as DatabricksApiError).statusCode); // local-workspace answers 403 for an unknown token
    expect(JSON.stringify(error) + String(error)).not.toContain('dapi-wrong-token-0000');
  });

  it('databricks://<profile> reads host and token from ~/.databrickscfg', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'mlflow-dbx-profile-'));
    const cfg = join(dir, '.databrickscfg');
    writeFileSync(
      cfg,
      `[staging]\nhost = ${ws.host}\ntoken = ${ws.token}\nca_cert_file = ${env.DATABRICKS_CA_CERT_FILE}\n`,
    );
    const connection = createConnection({
      trackingUri: 'databricks://staging',
      env: { HOME: dir, DATABRICKS_CONFIG_FILE: cfg },
    });
    expect(connection.displayHost).toBe('databricks://staging');
    const listed = await connection.request<{ endpoints?: unknown[] }>({
      method: 'GET',
      path: '/api/2.0/serving-endpoints',
    });
    expect(listed).toHaveProperty('endpoints');
  });
});

const chainOf = () =>
  ChatPromptTemplate.fromMessages([
    ['system', 'You answer questions about {topic}.'],
    ['human', '{question}'],
  ])
    .pipe(new ScriptedChatModel([{ content: 'Forty-two.' }]))
    .pipe(new StringOutputParser());

/** Every emulated cloud-storage request so far, with the workspace token nowhere in them. */
function expectNoWorkspaceCredentialsInStorage() {
  for (const request of ws.mlflow.storageRequests()) {
    if (request.kind === 'presigned' || request.kind === 'adls')
      expect(request.hadAuthorization).toBe(false);
    expect(request.url).not.toContain(ws.token);
  }
}

describe('tracing on Databricks', () => {
  it.each([
    'AWS_PRESIGNED_URL',
    'AZURE_SAS_URI',
    'AZURE_ADLS_GEN2_SAS_URI',
    'GCP_SIGNED_URL',
  ] as const)(
    'exports a trace: StartTraceV3, then traces.json through a %s credential',
    async (type) => {
      ws.mlflow.configure({ artifactCredentialType: type });
      const warnings: string[] = [];
      const tracer = new MlflowTracer({
        env,
        experimentName: 'app-traces',
        warn: (m) => warnings.push(m),
      });
      const out = await chainOf().invoke(
        { topic: 'life', question: 'The answer?' },
        { callbacks: [tracer] },
      );
      expect(out).toBe('Forty-two.');
      await tracer.flush();
      expect(warnings).toEqual([]);
      expect(tracer.exporter.stats).toMatchObject({ exported: 1, dropped: 0 });

      // A bare experiment name lands in the user's home folder, as a notebook experiment would.
      const experiment = ws.mlflow.experiment(`/Users/${ws.mlflow.userName}/app-traces`);
      expect(experiment).toBeDefined();
      const id = tracer.lastTraceId ?? '';
      const stored = ws.mlflow.trace(id);
      expect(stored?.experimentId).toBe(experiment?.experiment_id);
      expect(stored?.traceInfo).toMatchObject({
        state: 'OK',
        tags: { 'mlflow.traceName': 'RunnableSequence' },
      });
      const spans = (stored?.data as { spans: { name: string }[] } | undefined)?.spans ?? [];
      expect(spans.map((s) => s.name).sort()).toEqual([
        'ChatPromptTemplate',
        'RunnableSequence',
        'ScriptedChatModel',
        'StrOutputParser',
      ]);
      // Databricks takes no OTLP from this client; only the artifact protocol was used.
      expect(ws.mlflow.storageRequests().length).toBeGreaterThan(0);
      expectNoWorkspaceCredentialsInStorage();
    },
  );

  it('a 503 from the traces API is retried and the trace still arrives', async () => {
    ws.faults.setRules([{ route: 'mlflow-traces', rate503: 1, times: 1 }]);
    const tracer = new MlflowTracer({
      env,
      experimentName: '/Shared/retry',
      warn: () => undefined,
    });
    await RunnableLambda.from((x: number) => x + 1).invoke(1, { callbacks: [tracer] });
    await tracer.flush();
    await tracer.flush();
    expect(tracer.exporter.stats).toMatchObject({ exported: 1, dropped: 0 });
    expect(ws.mlflow.trace(tracer.lastTraceId ?? '')?.data).toBeDefined();
  });
});

describe('run tracking on Databricks', () => {
  it('MlflowCallbackHandler logs a run with metrics and artifacts through credentials-for-write', async () => {
    ws.mlflow.configure({ artifactCredentialType: 'AZURE_ADLS_GEN2_SAS_URI' });
    const handler = new MlflowCallbackHandler({ env, experimentName: 'app-runs' });
    await chainOf().invoke({ topic: 'x', question: 'y' }, { callbacks: [handler] });
    await handler.endRun();
    const [run] = ws.mlflow.runs();
    expect(run?.info.status).toBe('FINISHED');
    expect(Object.keys(run?.metrics ?? {})).toEqual(
      expect.arrayContaining(['llm_starts', 'chain_starts']),
    );
    const files = ws.mlflow.listFiles(run?.info.artifact_uri ?? '');
    expect(files.some((f) => f.endsWith('/session_table.csv'))).toBe(true);
    expect(files.some((f) => /\/records\/\d+_/.test(f))).toBe(true);
    expectNoWorkspaceCredentialsInStorage();
  });
});

describe('registering a chain in Unity Catalog', () => {
  it.each(['default', 's3', 'adls', 'gcs'] as const)(
    'logChain registers catalog.schema.model with its files in %s storage',
    async (modelStorage) => {
      ws.mlflow.configure({ modelStorage });
      const logged = await logChain(chainOf(), {
        // No AWS_REGION: the client learns the bucket's region from S3's answer.
        env: { ...env, ...ws.mlflow.storageEnv() },
        experimentName: 'chains',
        registeredModelName: 'main.default.support_bot',
        description: 'The support chain',
      });
      expect(logged.registry).toBe('unity-catalog');
      expect(logged.modelVersion).toMatchObject({
        name: 'main.default.support_bot',
        version: '1',
        status: 'READY',
        run_id: logged.runId,
        source: `${logged.artifactUri}/chain`,
      });
      const version = ws.mlflow.modelVersion('main.default.support_bot', 1);
      expect(version?.storageMode).toBe(modelStorage);
      const root =
        modelStorage === 'default'
          ? '/Models/main/default/support_bot/1'
          : (version?.storage_location ?? '');
      // The version's own storage holds the same bytes as the run's artifact folder.
      for (const file of ['MLmodel', 'chain.json', 'prompts.json', 'meta.json']) {
        const inVersion = ws.mlflow.readFile(`${root}/${file}`);
        expect(inVersion, file).toBeDefined();
        expect(
          inVersion?.equals(ws.mlflow.readFile(`${logged.source}/${file}`) ?? Buffer.alloc(0)),
        ).toBe(true);
      }
      const mlmodel = ws.mlflow.readFile(`${root}/MLmodel`)?.toString('utf8') ?? '';
      expect(mlmodel).toContain('langchainjs:');
      const inputs = /^ {2}inputs: (.*)$/m.exec(mlmodel)?.[1] ?? '"[]"';
      expect((JSON.parse(JSON.parse(inputs)) as { name: string }[]).map((c) => c.name)).toEqual([
        'topic',
        'question',
      ]);
      expect(ws.mlflow.registeredModel('main.default.support_bot')?.description).toBe(
        'The support chain',
      );

      // A second registration reuses the model and adds version 2.
      const again = await logChain(chainOf(), {
        env: { ...env, ...ws.mlflow.storageEnv() },
        experimentName: 'chains',
        registeredModelName: 'main.default.support_bot',
      });
      expect(again.modelVersion?.version).toBe('2');
      if (modelStorage === 's3') {
        // One wrong-region answer for the first file, then the learnt region for the rest.
        const s3 = ws.mlflow.storageRequests().filter((r) => r.kind === 's3');
        expect(s3.filter((r) => r.status >= 400).length).toBe(2); // once per logChain call
        expect(s3.filter((r) => r.status === 200).length).toBe(8);
      }
      expectNoWorkspaceCredentialsInStorage();
    },
  );

  it("registry: 'workspace' (MLFLOW_REGISTRY_URI=databricks) waits for the version to be READY", async () => {
    const logged = await logChain(chainOf(), {
      env: { ...env, MLFLOW_REGISTRY_URI: 'databricks' },
      experimentName: 'chains',
      registeredModelName: 'support_bot',
    });
    expect(logged.registry).toBe('workspace');
    // The workspace answers PENDING_REGISTRATION and copies the files; logChain polls like Python.
    expect(logged.modelVersion).toMatchObject({
      name: 'support_bot',
      version: '1',
      status: 'READY',
    });
    expect(ws.mlflow.workspaceModelVersions('support_bot')).toMatchObject([
      { source: `${logged.artifactUri}/chain`, run_id: logged.runId, status: 'READY' },
    ]);
    expect(ws.mlflow.registeredModels()).toEqual([]); // nothing went to Unity Catalog
  });

  it('a name without three levels fails before anything is logged, saying what to do', async () => {
    const error = await logChain(chainOf(), {
      env,
      registeredModelName: 'support_bot',
    }).catch((e: unknown) => e);
    expect(MlflowConfigError.isInstance(error)).toBe(true);
    expect(String(error)).toMatch(/<catalog>\.<schema>\.<model>/);
    expect(ws.mlflow.runs()).toEqual([]);
  });

  it("an unknown schema is Unity Catalog's 404, with no token in the error", async () => {
    const error = await logChain(chainOf(), {
      env,
      experimentName: 'chains',
      registeredModelName: 'main.missing_schema.bot',
    }).catch((e: unknown) => e);
    expect(DatabricksApiError.isInstance(error)).toBe(true);
    expect((error as DatabricksApiError).errorCode).toBe('RESOURCE_DOES_NOT_EXIST');
    expect(JSON.stringify(error) + String(error)).not.toContain(ws.token);
  });

  it("registry: 'unity-catalog' on an open-source server is a configuration error", async () => {
    const error = await logChain(chainOf(), {
      trackingUri: 'http://127.0.0.1:1',
      env: {},
      registeredModelName: 'a.b.c',
      registry: 'unity-catalog',
    }).catch((e: unknown) => e);
    expect(MlflowConfigError.isInstance(error)).toBe(true);
  });
});

describe('artifact locations', () => {
  it('non-proxy artifact locations on OSS fail clearly', async () => {
    const client = new MlflowClient({ trackingUri: 'http://127.0.0.1:1', env: {} });
    await expect(
      client.uploadArtifact('/var/mlruns/1/abc/artifacts', 'x.json', '{}'),
    ).rejects.toThrow(/mlflow-artifacts/);
  });
});
